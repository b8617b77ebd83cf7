"""Issue 19 engine behaviour on the tower fixture: parallel branches, department actors and
preconditions, work patterns (calendar, roster), counted rhythms, cross-property roles, the
zh-Hant printed chrome and the check command's one-line output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from runtime import auth
from runtime.cli import main
from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from runtime.engine import calendar as engcal
from runtime.engine import roster as rs
from runtime.engine import schedules
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine
from runtime.errors import CaseBlocked, EngineError

FIX = Path(__file__).parent / "fixtures" / "tower"
RULES, FORMS = FIX / "rules", FIX / "forms"


def _hb(prop: str | None = "tower-a") -> m.Handbook:
    return load(RULES, FORMS, property=prop)


@pytest.fixture
def engine() -> Engine:
    return Engine(MemoryRepository(), _hb)


T0 = datetime(2026, 12, 1, 9, 0)


def _split(engine: Engine, serious: bool = True):  # type: ignore[no-untyped-def]
    case = engine.start_case("decoration-violation", "tower-a",
                             {"unit": "1-1", "content": "拆墙", "serious": serious}, T0)
    case = engine.complete_step(case.id, {}, T0, step="discover")
    return engine.complete_step(case.id, {}, T0, step="measures")


@pytest.mark.parametrize(("serious", "branches"), [
    (True, ["stop-work", "rectify", "deduct-deposit"]), (False, ["stop-work", "rectify"])])
def test_split_starts_the_branches_whose_condition_holds(engine: Engine, serious: bool,
                                                         branches: list[str]) -> None:
    case = _split(engine, serious)
    assert case.open_steps == branches and case.step == "stop-work"
    tasks = [t for t in engine.repo.tasks.values() if t.case_id == case.id and t.status == "open"]
    assert sorted(t.source for t in tasks) == sorted(branches)
    rectify = next(t for t in tasks if t.source == "rectify")
    assert rectify.roles == ("eng-supervisor", "eng-technician")  # the department's head first


def test_join_all_waits_for_every_branch(engine: Engine) -> None:
    case = _split(engine, serious=False)
    case = engine.complete_step(case.id, {}, T0, step="rectify")
    assert case.open_steps == ["stop-work"] and case.step == "stop-work"
    assert case.events[-1].type == "branch-waiting"
    with pytest.raises(CaseBlocked, match="parallel"):
        engine.return_case(case.id, "重做", T0)
    case = engine.complete_step(case.id, {}, T0, step="stop-work")
    assert case.open_steps == ["report"]


def test_completing_a_step_that_is_not_open_is_refused(engine: Engine) -> None:
    case = _split(engine)
    with pytest.raises(CaseBlocked, match="not 'report'"):
        engine.complete_step(case.id, {}, T0, step="report")


def test_transfer_moves_the_first_open_branch(engine: Engine) -> None:
    case = _split(engine)
    case = engine.transfer(case.id, "人手不足", T0, to_role="service-manager")
    visit = case.visits[case.open_visit("stop-work") or 0]
    assert visit.role == "service-manager" and case.open_steps[0] == "stop-work"


def test_join_any_cancels_the_other_branches(engine: Engine) -> None:
    case = engine.start_case("owner-help", "tower-a", {"unit": "2-2"}, T0)
    case = engine.complete_step(case.id, {}, T0, step="receive")
    case = engine.complete_step(case.id, {}, T0, step="call-owner")
    assert case.open_steps == ["handle"]
    left = [v.left_by for v in case.visits if v.step == "visit-unit"]
    assert left == ["cancel"]


@pytest.mark.parametrize(("role", "ok"), [("marketing-clerk", True), ("guard", False),
                                          ("service-manager", False)])
def test_precondition_event_recorded_by_its_department(engine: Engine, role: str,
                                                       ok: bool) -> None:
    case = engine.start_case("move-in-inspection", "tower-a", {"unit": "3-3"}, T0)
    case = engine.complete_step(case.id, {}, T0, step="prepare")
    with pytest.raises(CaseBlocked, match="waits for"):
        engine.complete_step(case.id, {}, T0, step="recheck")
    if not ok:
        with pytest.raises(CaseBlocked, match="not by"):
            engine.record_event(case.id, "handover-scheduled", T0, role=role)
        return
    engine.record_event(case.id, "handover-scheduled", T0, role=role, user="小林")
    with pytest.raises(CaseBlocked, match="already"):
        engine.record_event(case.id, "handover-scheduled", T0, role=role)
    case = engine.complete_step(case.id, {}, T0, step="recheck")
    assert case.step == "hand-keys" and case.role == "marketing-clerk"


def test_unknown_event_is_an_error(engine: Engine) -> None:
    case = engine.start_case("move-in-inspection", "tower-a", {"unit": "3-3"}, T0)
    with pytest.raises(EngineError, match="waits for no event"):
        engine.record_event(case.id, "fireworks", T0, role="marketing-clerk")


# ---- work patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "hours", "due"), [
    (datetime(2026, 12, 4, 16), 4, datetime(2026, 12, 5, 10)),  # Fri 2 h + Sat morning 2 h
    (datetime(2026, 12, 5, 11), 2, datetime(2026, 12, 7, 9)),  # Sat 1 h, Mon 08:00 + 1 h
    (datetime(2026, 7, 6, 12), 1, datetime(2026, 7, 6, 15)),  # summer: lunch until 14:00
    (datetime(2026, 9, 30, 17), 3, datetime(2026, 10, 8, 9, 30)),  # summer 1.5 h, 国庆 off
    (datetime(2026, 10, 9, 17), 6, datetime(2026, 10, 10, 14)),  # make-up Saturday: full day
])
def test_pattern_calendar_follows_the_role(start: datetime, hours: int, due: datetime) -> None:
    from runtime.compiler.timeexpr import Duration

    cal = engcal.for_role(_hb(), "service-assistant")
    assert cal.add(start, Duration(hours, "hours", working=True)) == due
    assert cal.working_minutes_between(start, due) == hours * 60


def test_rotation_works_through_holidays() -> None:
    cal = engcal.for_role(_hb(), "guard")
    assert cal.is_working_day(date(2026, 10, 1)) and cal.is_working_day(date(2026, 12, 6))
    assert cal.is_working_time(datetime(2026, 10, 1, 22)) and not cal.is_working_time(
        datetime(2026, 10, 1, 23, 30))


def test_roster_for_a_month() -> None:
    table = rs.month_roster(_hb(), engcal.for_handbook(_hb()), 2026, 12)
    labels = [r.label for r in table.rows]
    assert labels == ["护卫员 甲班", "护卫员 乙班", "护卫员 丙班", "客服助理"]
    for day in range(31):  # each day: one crew early, one late, one off
        assert sorted(r.cells[day] for r in table.rows[:3]) == ["中班", "休", "早班"]
    assert table.rows[3].working_days == 27
    data = rs.to_json(table)
    assert data["month"] == "2026-12" and len(data["rows"][0]["cells"]) == 31
    assert rs.to_csv(table).splitlines()[0].startswith("岗位/班组,1,2,3")


@pytest.mark.parametrize(("fmt", "probe"), [("text", "护卫员 甲班"), ("csv", "客服助理,8:00-18:00"),
                                            ("json", '"crew": "丙班"')])
def test_roster_command(capsys: pytest.CaptureFixture[str], fmt: str, probe: str) -> None:
    code = main(["roster", "--rules", str(RULES), "--forms", str(FORMS), "--property",
                 "tower-a", "--month", "2026-12", "--format", fmt])
    out = capsys.readouterr().out
    assert code == 0 and probe in out
    if fmt == "json":
        assert json.loads(out)["property"] == "tower-a"


@pytest.mark.parametrize(("argv", "message"), [(["--month", "2026-13"], "not a month"),
                                               (["--month", "2026-12", "--role", "nurse"],
                                                "unknown role")])
def test_roster_command_refuses_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str],
                                          message: str) -> None:
    code = main(["roster", "--rules", str(RULES), "--forms", str(FORMS), *argv])
    assert code == 2 and message in capsys.readouterr().err


# ---- counted rhythms, cross-property roles -------------------------------------------------


def _plan(prop: str, start: date, end: date) -> list:  # type: ignore[type-arg]
    hb = _hb(prop)
    return schedules.plan(hb, engcal.for_handbook(hb), start, end, T0)


def test_twice_a_week_makes_two_tasks_each_week() -> None:
    tasks = [t for t in _plan("tower-a", date(2026, 12, 7), date(2026, 12, 20))
             if t.source == "service-routine/patrol"]
    assert [t.due_at for t in tasks] == [datetime(2026, 12, d, 23, 59) for d in (8, 11, 15, 18)]
    fire = [t.due_at.date() for t in _plan("tower-a", date(2026, 12, 7), date(2026, 12, 13))
            if t.source == "service-routine/fire-check"]
    assert fire == [date(2026, 12, 8), date(2026, 12, 11)]  # on-days: tue, fri


@pytest.mark.filterwarnings("ignore::runtime.workcal.CalendarWarning")  # the week into 2027
def test_counted_tasks_do_not_depend_on_the_range() -> None:
    whole = {t.key for t in _plan("tower-a", date(2026, 12, 1), date(2026, 12, 31))}
    parts = {t.key for d in (1, 8, 15, 22, 29)
             for t in _plan("tower-a", date(2026, 12, d), date(2026, 12, min(d + 6, 31)))}
    assert whole == parts


def test_duration_is_on_the_task() -> None:
    task = next(t for t in _plan("tower-a", date(2026, 12, 6), date(2026, 12, 6))
                if t.source == "service-routine/morning-briefing")
    assert task.due_at == datetime(2026, 12, 6, 7) and "takes about 10m" in (task.note or "")


@pytest.mark.parametrize(("prop", "count"), [("tower-a", 1), ("tower-b", 1), ("tower-c", 0)])
def test_cross_property_role_tasks(prop: str, count: int) -> None:
    tasks = [t for t in _plan(prop, date(2026, 12, 1), date(2026, 12, 31))
             if t.roles[0] == "hq-assistant"]
    assert len(tasks) == count and all(t.property == prop for t in tasks)


@pytest.mark.parametrize(("roles", "home", "expected"), [
    (("hq-assistant",), None, ("tower-a", "tower-b")),
    (("hq-assistant",), "tower-b", ("tower-b", "tower-a")),
    (("guard",), "tower-c", ("tower-c",)),
])
def test_cross_property_role_sees_its_properties(roles: tuple[str, ...], home: str | None,
                                                 expected: tuple[str, ...]) -> None:
    user = auth.User("u", "某人", roles, home)
    assert auth.capabilities(user, _hb(None)).properties == expected


# ---- printed chrome, check output ---------------------------------------------------------


@pytest.mark.parametrize(("prop", "present", "absent"), [
    ("tower-b", "列印時間", "打印时间"), ("tower-a", "打印时间", "列印時間")])
def test_printed_chrome_follows_the_property_script(prop: str, present: str,
                                                    absent: str) -> None:
    from runtime.printing import render_html, render_pdf

    hb = _hb(prop)
    form = hb.forms["violation-register"]
    html = render_html(hb, form, None, now=T0)
    assert present in html and absent not in html
    pdf = render_pdf(hb, form, None, now=T0)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")
    page = "第 1 頁" if prop == "tower-b" else "第 1 页"
    assert page in text and present in text


def test_check_summary_stays_on_its_own_line(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(FIX, tmp_path / "t")
    proc_file = tmp_path / "t/rules/company/procedures/owner-help.yaml"
    proc_file.write_text(proc_file.read_text(encoding="utf-8").replace("roles: [guard]",
                                                                       "roles: [nurse]"),
                         encoding="utf-8")
    with (tmp_path / "out.txt").open("w", encoding="utf-8") as out:
        # One file for both streams (like a terminal or 2>&1): the summary follows the last
        # error line on a line of its own.
        env = dict(os.environ, HANDBOOK_DATA=str(tmp_path / "data"))
        # A fixed day: from November the check also warns about next year's missing
        # holiday schedule (W091), which would change the count with the calendar.
        code = subprocess.run([sys.executable, "-m", "runtime.cli", "check", "--rules",
                               str(tmp_path / "t/rules"), "--forms", str(tmp_path / "t/forms"),
                               "--today", "2026-06-01"],
                              stdout=out, stderr=out, check=False, env=env).returncode
    lines = (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()
    assert code == 1
    assert re.fullmatch(r"\d+ error\(s\), 1 warning\(s\) in \d+ file\(s\)", lines[-1])
    assert all(re.match(r"^\S+:\d+:\d+: [EW]\d{3} .*\)$", ln) for ln in lines[:-1]), lines
    assert any("E022 unknown role 'nurse'" in ln for ln in lines)


def test_a_multi_line_message_prints_as_one_line() -> None:
    from runtime.cli.cmd_check import one_line

    assert one_line("a.yaml:1:1: E001 YAML syntax error\n  in line 2\n\n  ^") == \
        "a.yaml:1:1: E001 YAML syntax error ⏎   in line 2 ⏎   ^"


def test_a_case_in_parallel_branches_does_not_migrate(engine: Engine) -> None:
    from runtime.engine.migrate import migrate_case

    case = _split(engine)
    rules = engine.rules_for(case)
    with pytest.raises(EngineError, match="parallel branches"):
        migrate_case(rules, case, ruleset_hash="x", mapping={}, now=T0)


def test_hant_catalog_covers_every_printed_label() -> None:
    from runtime.i18n import catalog
    from runtime.i18n.hant import HANT
    from runtime.printing import _labels

    assert set(_labels("zh-Hant").values()) <= set(HANT.values())
    assert all(key in catalog() for key in HANT)  # no stray key
    status = [k for k in catalog() if k.startswith("forms.status.")]
    assert all(k in HANT for k in status)


def test_flowchart_draws_fork_and_join_bars() -> None:
    from runtime.ui import diagrams

    hb = _hb()
    dot = diagrams.flowchart(hb.procedures["decoration-violation"], hb)
    assert '"measures" -> "fork:measures";' in dot
    assert all(f'"fork:measures" -> "{b}"' in dot for b in ("stop-work", "rectify"))
    assert '"fork:measures" -> "deduct-deposit" [label="情节严重时"];' in dot
    assert all(f'"{b}" -> "join:report";' in dot for b in ("stop-work", "rectify",
                                                           "deduct-deposit"))
    assert 'xlabel="全部完成"' in dot and '"join:report" -> "report";' in dot
    assert "[工程部]" in dot  # a department step names the department
    anyjoin = diagrams.flowchart(hb.procedures["owner-help"], hb, "en")
    assert 'xlabel="first done"' in anyjoin
