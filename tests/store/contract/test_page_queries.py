"""Page queries of the Repository protocol: the same answers from every backend.

Documents are written through the protocol's generic writes (insert/update/delete) in the
shapes the engine and the record store use (runtime/store/pages.py), then read back through
the page queries, before and after changes (the indexes must follow every write).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from runtime.store import Repository
from runtime.store.pages import CASE_SUMMARY_KEYS, CaseCounts, Page

NOW = datetime(2026, 3, 10, 12, 0)
P1, P2 = "taoyuan-village", "zhongxing"


def task(key: str, *, roles: tuple[str, ...] = ("front-desk",), property: str | None = P1,
         due: datetime | None = None, user: str | None = None, status: str = "open",
         kind: str = "step", case_id: str | None = None) -> dict[str, Any]:
    return {"key": key, "kind": kind, "title": key, "roles": list(roles),
            "property": property, "created_at": "2026-03-01T08:00:00",
            "due_at": due.isoformat() if due else None, "user": user, "case_id": case_id,
            "status": status, "assignee_role": roles[0] if roles else None,
            "assignee_user": user}


def case(number: str, *, property: str | None = P1, procedure: str = "complaint-handling",
         status: str = "open", created: datetime = NOW - timedelta(days=1),
         due: datetime | None = None, breached: bool = False,
         data: dict[str, Any] | None = None, personal: tuple[str, ...] = ()) -> dict[str, Any]:
    visits = [{"step": "handle", "entered_at": created.isoformat(), "role": "manager",
               "left_at": None, "due_at": due.isoformat() if due else None}]
    events = [{"type": "started", "at": created.isoformat()}]
    if breached:
        events.append({"type": "clock-breach", "at": created.isoformat()})
    return {"number": number, "procedure_id": procedure, "procedure_version": "1.0.0",
            "ruleset_hash": "h", "property": property, "status": status,
            "step": "handle" if status == "open" else None, "role": "manager", "user": None,
            "created_at": created.isoformat(timespec="seconds"),
            "updated_at": created.isoformat(timespec="seconds"),
            "closed_at": None if status == "open" else created.isoformat(timespec="seconds"),
            "data": data or {}, "visits": visits, "events": events, "records": [],
            "fired": [], "personal": list(personal)}


def record(number: str, *, form_id: str = "complaint-register", property: str | None = P1,
           created: datetime = NOW, data: dict[str, Any] | None = None,
           personal: tuple[str, ...] = (), voided: bool = False,
           case_id: str | None = None) -> dict[str, Any]:
    return {"number": number, "form_id": form_id, "form_version": "1.0.0",
            "ruleset_hash": "h", "property": property, "created_by": "u1",
            "created_at": created.isoformat(timespec="seconds"), "data": data or {},
            "status": "submitted", "history": [],
            "voided": {"by": "u1", "at": "x", "reason": "dup"} if voided else None,
            "archived_at": None, "personal": list(personal), "case_id": case_id}


# ------------------------------------------------------------------------------ 我的待办


def test_open_tasks_of_my_roles_and_properties_only(repo: Repository) -> None:
    repo.insert("tasks", task("mine-1", due=NOW + timedelta(hours=1)))
    repo.insert("tasks", task("mine-2", due=NOW - timedelta(hours=1)))
    repo.insert("tasks", task("mine-none"))
    repo.insert("tasks", task("mine-later", due=NOW + timedelta(days=2)))
    repo.insert("tasks", task("to-me", roles=("front-desk",), user="alice",
                              due=NOW + timedelta(hours=3)))
    repo.insert("tasks", task("to-bob", user="bob"))
    repo.insert("tasks", task("other-role", roles=("engineer",)))
    repo.insert("tasks", task("second-role", roles=("engineer", "front-desk")))
    repo.insert("tasks", task("other-prop", property=P2))
    repo.insert("tasks", task("done", status="done"))
    page = repo.open_tasks(roles=["front-desk"], user="alice", properties=[P1], now=NOW)
    assert isinstance(page, Page)
    keys = [d["key"] for d in page.items]
    # most urgent first; no deadline last, then by key
    assert keys == ["mine-2", "mine-1", "to-me", "mine-later", "mine-none", "second-role"]
    assert page.total == 6
    assert dict(page.counts) == {"overdue": 1, "due_soon": 2, "due": 1, "none": 2}


def test_open_tasks_paging_kind_and_updates(repo: Repository) -> None:
    ids = [repo.insert("tasks", task(f"t{i:03d}", due=NOW + timedelta(minutes=i)))
           for i in range(120)]
    repo.insert("tasks", task("esc", kind="escalation"))
    first = repo.open_tasks(roles=["front-desk"], user=None, properties=[P1], now=NOW)
    assert (len(first.items), first.total, first.has_more) == (50, 121, True)
    third = repo.open_tasks(roles=["front-desk"], user=None, properties=[P1], now=NOW,
                            offset=100, limit=50)
    assert [d["key"] for d in third.items][:2] == ["t100", "t101"]
    assert len(third.items) == 21 and not third.has_more
    only = repo.open_tasks(roles=["front-desk"], user=None, properties=[P1], now=NOW,
                           kind="escalation")
    assert [d["key"] for d in only.items] == ["esc"]
    repo.update("tasks", ids[0], {"status": "done"}, by="u", at=NOW)
    repo.delete("tasks", ids[1])
    after = repo.open_tasks(roles=["front-desk"], user=None, properties=[P1], now=NOW)
    assert after.total == 119 and after.items[0]["key"] == "t002"


def test_open_tasks_of_no_property_or_role_is_empty(repo: Repository) -> None:
    repo.insert("tasks", task("a"))
    assert repo.open_tasks(roles=[], user="x", properties=[P1], now=NOW).total == 0
    assert repo.open_tasks(roles=["front-desk"], user="x", properties=[], now=NOW).total == 0


# ------------------------------------------------------------------------------ cases


def test_search_cases_by_number_unit_name_and_text(repo: Repository) -> None:
    repo.insert("cases", case("TS-2026-0001", data={"unit": "3-1201", "complainant": "王先生",
                                                    "content": "楼上漏水"}))
    repo.insert("cases", case("TS-2026-0002", data={"unit": "5-0302", "content": "噪音"},
                              created=NOW - timedelta(hours=2)))
    repo.insert("cases", case("TS-2026-0003", property=P2, data={"content": "漏水"}))
    repo.insert("cases", {"number": "TS-2026-0004", "status": "reserved"})
    found = lambda text: [c["number"] for c in repo.search_cases(  # noqa: E731
        properties=[P1], text=text).items]
    assert found("ts-2026-0001") == ["TS-2026-0001"]
    assert found("3-1201") == ["TS-2026-0001"]
    assert found("王先生") == ["TS-2026-0001"]
    assert found("漏水") == ["TS-2026-0001"]  # the other one is in a property not asked for
    assert found("TS-2026") == ["TS-2026-0002", "TS-2026-0001"]  # newest first
    assert found("  ") == ["TS-2026-0002", "TS-2026-0001"]  # no text: everything visible
    assert found("不存在") == []
    both = repo.search_cases(properties=[P1, P2], text="漏水")
    assert {c["number"] for c in both.items} == {"TS-2026-0001", "TS-2026-0003"}
    summary = both.items[0]
    assert set(summary) == set(CASE_SUMMARY_KEYS)  # a list line, not the whole case


def test_search_cases_status_procedure_and_paging(repo: Repository) -> None:
    for i in range(60):
        repo.insert("cases", case(f"C-{i:03d}", status="open" if i % 3 else "closed",
                                  procedure="repair" if i % 2 else "complaint-handling",
                                  created=NOW - timedelta(hours=60 - i)))
    page = repo.search_cases(properties=[P1])
    assert page.total == 60 and len(page.items) == 50 and page.items[0]["number"] == "C-059"
    rest = repo.search_cases(properties=[P1], offset=50)
    assert [c["number"] for c in rest.items] == [f"C-{i:03d}" for i in range(9, -1, -1)]
    closed = repo.search_cases(properties=[P1], status="closed", limit=None)
    assert closed.total == 20 and all(c["status"] == "closed" for c in closed.items)
    repairs = repo.search_cases(properties=[P1], procedures=["repair"], status="open")
    assert repairs.total == len([i for i in range(60) if i % 2 and i % 3])


def test_search_cases_text_follows_updates(repo: Repository) -> None:
    cid = repo.insert("cases", case("A-1", data={"content": "电梯困人"}))
    assert repo.search_cases(properties=[P1], text="电梯").total == 1
    repo.update("cases", cid, {"data": {"content": "门禁故障"}}, by="u", at=NOW)
    assert repo.search_cases(properties=[P1], text="电梯").total == 0
    assert repo.search_cases(properties=[P1], text="门禁").total == 1


def test_personal_case_fields_match_only_for_callers_who_may_see_them(
        repo: Repository) -> None:
    repo.insert("cases", case("A-1", data={"phone": "13812345678", "content": "投诉"},
                              personal=("phone",)))
    assert repo.search_cases(properties=[P1], text="13812345678").total == 0
    assert repo.search_cases(properties=[P1], text="5678", personal=True).total == 1
    assert repo.search_cases(properties=[P1], text="投诉").total == 1


# ------------------------------------------------------------------------------ records


def test_search_records_text_personal_nested_rows_and_voided(repo: Repository) -> None:
    repo.insert("records", record(
        "ZX-2026-000001", form_id="renovation-permit",
        data={"unit": "8-0801", "phone": "13900001111", "owner": "李女士",
              "workers": [{"name": "张三", "id_no": "110101199001011234"}],
              "amount": 2500},
        personal=("phone", "workers[].id_no")))
    repo.insert("records", record("TS-2026-000002", data={"content": "漏水"}, voided=True,
                                  created=NOW + timedelta(minutes=1)))
    repo.insert("records", record("TS-2026-000003", data={"content": "漏水"},
                                  property=P2))

    def numbers(text: str, **kw: Any) -> list[str]:
        page = repo.search_records(properties=[P1], text=text, **kw)
        return [r["number"] for r in page.items]

    assert numbers("8-0801") == ["ZX-2026-000001"]
    assert numbers("李女士") == ["ZX-2026-000001"]
    assert numbers("张三") == ["ZX-2026-000001"]  # a row's general field
    assert numbers("2500") == ["ZX-2026-000001"]  # numbers are text too
    assert numbers("zx-2026") == ["ZX-2026-000001"]
    assert numbers("13900001111") == []  # personal, caller may not see it
    assert numbers("19900101") == []  # personal field inside a row
    assert numbers("13900001111", personal=True) == ["ZX-2026-000001"]
    assert numbers("19900101", personal=True) == ["ZX-2026-000001"]
    assert numbers("漏水") == []  # voided in P1, the other is in P2
    assert numbers("漏水", include_voided=True) == ["TS-2026-000002"]
    full = repo.search_records(properties=[P1], text="李女士").items[0]
    assert full["data"]["owner"] == "李女士" and full["form_id"] == "renovation-permit"


def test_search_records_form_filter_paging_and_void_later(repo: Repository) -> None:
    ids = [repo.insert("records", record(f"R-{i:03d}", created=NOW + timedelta(minutes=i),
                                         form_id="a" if i % 2 else "b",
                                         data={"content": "记录"}))
           for i in range(130)]
    page = repo.search_records(properties=[P1], form_id="a", text="记录")
    assert page.total == 65 and page.items[0]["number"] == "R-129"
    everything = repo.search_records(properties=[P1])
    assert everything.total == 130 and len(everything.items) == 50
    assert everything.items[-1]["number"] == "R-080"
    repo.update("records", ids[129], {"voided": {"by": "u", "at": "t", "reason": "x"}},
                by="u", at=NOW)
    after = repo.search_records(properties=[P1], form_id="a")
    assert after.total == 64 and after.items[0]["number"] == "R-127"


def test_text_search_after_many_writes(repo: Repository) -> None:
    """Enough changes to force the text index to rebuild, and a few after it."""
    for i in range(300):
        repo.insert("records", record(f"N-{i}", data={"content": f"内容{i}号"}))
    assert repo.search_records(properties=[P1], text="内容7号").total == 1
    for i in range(300, 305):
        repo.insert("records", record(f"N-{i}", data={"content": f"内容{i}号"}))
    assert repo.search_records(properties=[P1], text="内容30").total == 6  # 30, 300..304
    assert repo.search_records(properties=[P1], text="号").total == 305


# ------------------------------------------------------------------------------ dashboard


def test_case_counts_per_property_and_procedure(repo: Repository) -> None:
    repo.insert("cases", case("1", due=NOW - timedelta(hours=1)))  # overdue
    repo.insert("cases", case("2", due=NOW + timedelta(hours=1), breached=True))
    c3 = repo.insert("cases", case("3", status="closed", breached=True))
    repo.insert("cases", case("4", procedure="repair"))
    repo.insert("cases", case("5", property=P2, due=NOW - timedelta(days=1)))
    repo.insert("cases", {"number": "6", "status": "reserved"})
    rows = repo.case_counts(properties=[P1], now=NOW)
    assert rows == [
        CaseCounts(P1, "complaint-handling", total=3, open=2, overdue=1, breached=2, closed=1),
        CaseCounts(P1, "repair", total=1, open=1, overdue=0, breached=0, closed=0),
    ]
    repo.update("cases", c3, {"status": "open", "events": [], "breached": False,
                              "due_at": (NOW - timedelta(minutes=5)).isoformat()},
                by="u", at=NOW)
    rows = repo.case_counts(properties=[P1, P2], now=NOW)
    assert rows[0] == CaseCounts(P1, "complaint-handling", total=3, open=3, overdue=2,
                                 breached=1, closed=0)
    assert rows[-1] == CaseCounts(P2, "complaint-handling", total=1, open=1, overdue=1)


def test_case_counts_of_one_month(repo: Repository) -> None:
    repo.insert("cases", case("feb", created=datetime(2026, 2, 27, 9)))
    repo.insert("cases", case("mar", created=datetime(2026, 3, 2, 9), breached=True))
    repo.insert("cases", case("mar2", created=datetime(2026, 3, 31, 23, 59), status="closed"))
    repo.insert("cases", case("apr", created=datetime(2026, 4, 1, 0, 0)))
    rows = repo.case_counts(properties=[P1], now=NOW, month=date(2026, 3, 1))
    assert rows == [CaseCounts(P1, "complaint-handling", total=2, open=1, overdue=0,
                               breached=1, closed=1)]


def test_monthly_report(repo: Repository) -> None:
    march = date(2026, 3, 1)
    c1 = repo.insert("cases", case("1", created=datetime(2026, 3, 2, 9), status="closed",
                                   data={"kind": "complaint", "channel": "phone",
                                         "responsibility": "engineering",
                                         "validity": "valid"}))
    repo.insert("cases", case("2", created=datetime(2026, 3, 2, 15), breached=True,
                              data={"kind": "suggestion", "channel": "visit"}))
    repo.insert("cases", case("3", created=datetime(2026, 3, 20), procedure="repair"))
    repo.insert("cases", case("4", created=datetime(2026, 2, 20),
                              data={"kind": "complaint"}))
    c5 = repo.insert("cases", case("5", created=datetime(2026, 3, 5), property=P2))
    repo.insert("tasks", task("fu1", kind="follow-up", case_id=str(c1), status="done",
                              due=datetime(2026, 3, 5)))
    repo.insert("tasks", task("fu2", kind="follow-up", case_id=str(c1),
                              due=datetime(2026, 3, 9)))
    repo.insert("tasks", task("fu3", kind="follow-up", case_id=str(c1),
                              due=datetime(2026, 4, 1)))
    repo.insert("tasks", task("fu4", kind="follow-up", case_id=str(c5), property=P2,
                              due=datetime(2026, 3, 9)))
    repo.insert("tasks", task("st1", kind="step", case_id=str(c1), due=datetime(2026, 3, 9)))
    repo.insert("records", record("CB1", form_id="callback-record",
                                  created=datetime(2026, 3, 6),
                                  data={"satisfaction": "satisfied"}))
    repo.insert("records", record("CB2", form_id="callback-record",
                                  created=datetime(2026, 4, 2),
                                  data={"satisfaction": "dissatisfied",
                                        "visited_at": "2026-03-31T17:00:00"}))
    repo.insert("records", record("CB3", form_id="callback-record",
                                  created=datetime(2026, 3, 2),
                                  data={"satisfaction": "satisfied",
                                        "visited_at": "2026-02-28T10:00:00"}))
    repo.insert("records", record("CB4", form_id="callback-record",
                                  created=datetime(2026, 3, 3), data={}))
    repo.insert("records", record("CB5", form_id="callback-record", voided=True,
                                  created=datetime(2026, 3, 3),
                                  data={"satisfaction": "satisfied"}))
    rep = repo.monthly_report(properties=[P1], month=march,
                              procedures=["complaint-handling"])
    assert (rep.total, rep.complaints, rep.suggestions, rep.closed) == (2, 1, 1, 1)
    assert (rep.breached, rep.on_time) == (1, 1)
    assert rep.by_day == {2: 2}
    assert dict(rep.by_channel) == {"phone": 1, "visit": 1}
    assert dict(rep.by_responsibility) == {"engineering": 1}
    assert dict(rep.by_validity) == {"valid": 1}
    assert (rep.callbacks_due, rep.callbacks_done) == (2, 1)
    assert (rep.rated, rep.satisfied) == (2, 1)
    assert rep.handling_rate == 50.0 and rep.callback_rate == 50.0
    empty = repo.monthly_report(properties=[P1], month=date(2025, 1, 1),
                                procedures=["complaint-handling"])
    assert empty.total == 0 and empty.satisfaction_rate is None


@pytest.mark.parametrize("month", [date(2026, 12, 1), date(2026, 1, 31)])
def test_month_edges(repo: Repository, month: date) -> None:
    repo.insert("cases", case("in", created=datetime(month.year, month.month, 1)))
    repo.insert("cases", case("out", created=datetime(month.year, month.month, 1)
                              - timedelta(seconds=1)))
    rep = repo.monthly_report(properties=[P1], month=month, procedures=["complaint-handling"])
    assert rep.total == 1
