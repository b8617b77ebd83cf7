"""Engine semantics of language extensions: `until` clocks, `hands-off-to`, schedule `within`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from runtime.engine.cases import handed_off_to
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine
from tests.conftest import MakeTree

PROC = "rules/procedures/complaint.yaml"


def _engine(root: Path) -> Engine:
    def handbook_for(prop: str | None) -> m.Handbook:
        return load(root / "rules", root / "forms", property=prop)

    return Engine(MemoryRepository(), handbook_for)


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _agreed_reply_tree(make_tree: MakeTree) -> Path:
    root = make_tree()
    _edit(root, "forms/register.yaml", "    serious:",
          "    reply_due: {type: string, format: date-time, title: 约定回复时间}\n"
          "    serious:")
    _edit(root, PROC, "clocks:\n", "clocks:\n  - id: agreed-reply\n    title: 在约定时间内处理\n"
          "    from: receive\n    to: close\n    until: reply_due\n")
    return root


def test_until_clock_runs_to_the_agreed_time(make_tree: MakeTree) -> None:
    root = _agreed_reply_tree(make_tree)
    eng = _engine(root)
    t0 = datetime(2026, 3, 2, 9, 0)
    case = eng.start_case("complaint", None, {"content": "漏水", "reply_due": "2026-03-02T15:00"},
                          t0)
    states = {s.clock_id: s for s in eng.clocks(case.id, datetime(2026, 3, 2, 12, 0))}
    assert states["agreed-reply"].status == "running"
    assert states["agreed-reply"].due_at == datetime(2026, 3, 2, 15, 0)
    late = {s.clock_id: s for s in eng.clocks(case.id, datetime(2026, 3, 2, 16, 0))}
    assert late["agreed-reply"].status == "breached"


def test_until_clock_waits_for_an_agreed_time(make_tree: MakeTree) -> None:
    root = _agreed_reply_tree(make_tree)
    eng = _engine(root)
    case = eng.start_case("complaint", None, {"content": "漏水"}, datetime(2026, 3, 2, 9, 0))
    states = {s.clock_id: s for s in eng.clocks(case.id, datetime(2026, 3, 9, 9, 0))}
    assert states["agreed-reply"].status == "inactive"


def test_until_needs_a_field_and_excludes_within(make_tree: MakeTree) -> None:
    from runtime.compiler.pipeline import compile_tree

    root = make_tree()
    _edit(root, PROC, "clocks:\n", "clocks:\n  - id: agreed-reply\n    title: 约定\n"
          "    from: receive\n    to: close\n    until: reply_due\n    within: 1h\n"
          "  - id: agreed-two\n    title: 约定\n    from: receive\n    to: close\n"
          "    until: nowhere\n")
    codes = {(e.code, e.key_path) for e in compile_tree(root / "rules", root / "forms").errors}
    assert ("E044", "clocks[0]") in codes
    assert ("E051", "clocks[1].until") in codes


def test_hands_off_to_starts_a_case_of_the_other_procedure(make_tree: MakeTree) -> None:
    root = make_tree()
    path = root / "rules/procedures/referral.yaml"
    text = (root / PROC).read_text(encoding="utf-8")
    head = text.split("purpose:")[0].replace("id: complaint", "id: referral").replace(
        "title: 投诉处理", "title: 住户求助")
    path.write_text(head + """purpose: 求助。
scope: 全体。
form: register
steps:
  - id: intake
    title: 登记求助
    roles: [clerk]
    hands-off-to: complaint
    next:
      - to: done
  - id: done
    title: 完成
    roles: [clerk]
    terminal: true
""", encoding="utf-8")
    eng = _engine(root)
    t0 = datetime(2026, 3, 2, 9, 0)
    case = eng.start_case("referral", None, {"content": "投诉物业"}, t0)
    after = eng.complete_step(case.id, {"content": "投诉物业"}, t0)
    assert after.step == "done"
    assert any("handed off to" in (e.data.get("text") or "") for e in after.events)
    opened = [c for c in eng.repo.find_cases() if c.procedure_id == "complaint"]
    assert len(opened) == 1 and opened[0].data.get("content") == "投诉物业"
    # each log names the other case by id as a field, not only in the text
    assert handed_off_to(after) == [opened[0].id]
    assert any(e.data.get("handed_off_from") == case.id for e in opened[0].events)
    assert handed_off_to(opened[0]) == []


def test_schedule_within_adds_a_second_deadline(make_tree: MakeTree) -> None:
    root = make_tree()
    _edit(root, "rules/schedules/routine.yaml", "    recurrence: every Friday 14:30\n",
          "    recurrence: every Friday 14:30\n    within: 2 working days\n")
    eng = _engine(root)
    eng.run_schedules(None, date(2026, 3, 2), date(2026, 3, 8), datetime(2026, 3, 1, 9, 0))
    tasks = eng.tasks(datetime(2026, 3, 1, 9, 0), status="open")
    dues = sorted((v.task.title, v.task.due_at) for v in tasks if v.task.kind == "schedule")
    assert dues == [("部门工作例会", datetime(2026, 3, 6, 14, 30)),
                    ("部门工作例会（完成期限）", datetime(2026, 3, 10, 14, 30))]
