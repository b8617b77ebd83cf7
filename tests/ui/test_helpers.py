"""Pure helpers of the app: diagrams, quizzes, acknowledgements, statistics, drafts, catalog."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest

from runtime.compiler import pipeline
from runtime.compiler.timeexpr import Duration
from runtime.engine.clocks import ClockStatus
from runtime.engine.state import Case, CaseStatus, Event, Task, TaskKind, Visit
from runtime.i18n import catalog
from runtime.ui import acks, diagrams, quiz, stats
from runtime.ui.drafts import safe_relpath, tree_files, validate_with
from runtime.ui.fmt import duration_text, remaining_text
from runtime.ui.main import PAGES
from runtime.ui.pages.admin import KINDS
from runtime.ui.pages.staff import URGENCY
from runtime.versions.drafts import STATES, TRANSITIONS
from tests.ui.dot_parse import flow_edges, norm

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def views():  # type: ignore[no-untyped-def]
    return pipeline.compiled().views


def test_every_ui_string_is_in_the_catalog() -> None:
    used: set[str] = set()
    for path in [ROOT / "app.py", *(ROOT / "runtime" / "ui").rglob("*.py")]:
        used |= set(re.findall(r"""tr\(\s*["'](app\.[a-z0-9_.\-]+)["']""", path.read_text()))
    known = catalog()
    # Keys built at run time ("app.kind." + kind): every member of each family must exist.
    families = {
        "app.page.": [p.key for p in PAGES], "app.nav.": [p.section for p in PAGES],
        "app.kind.": list(KINDS), "app.status.": [*URGENCY.values(), "none"],
        "app.task.kind.": list(get_args(TaskKind)),
        "app.case.status.": list(get_args(CaseStatus)),
        "app.clock.": list(get_args(ClockStatus)), "app.level.": ["management", "operational"],
        "app.draft.state.": list(STATES), "app.versions.act.": list(TRANSITIONS),
    }
    expected = {prefix + member for prefix, members in families.items() for member in members}
    missing = sorted(k for k in (used | expected) if not k.endswith(".") and k not in known)
    assert not missing
    assert {k for k in used if k.endswith(".")} <= set(families)
    assert all(set(v) >= {"zh", "en"} for k, v in known.items() if k.startswith("app."))


def test_org_chart_has_every_role_and_reporting_edge(views) -> None:  # type: ignore[no-untyped-def]
    hb = views["zhongxing-apartments"]
    dot = diagrams.org_chart(hb)
    for role in hb.roles.values():
        assert f'"{role.id}" [label=' in dot
        for boss in role.reports_to:
            if boss in hb.roles:
                assert f'"{boss}" -> "{role.id}";' in dot


def test_flowchart_has_steps_branches_and_time_limits(views) -> None:  # type: ignore[no-untyped-def]
    hb = views[None]
    proc = hb.procedures["complaint-handling"]
    dot = diagrams.flowchart(proc, hb)
    edges = flow_edges(dot)
    for step in proc.steps:
        assert f'"{step.id}" [label=' in dot
        for tr in step.next:
            assert (step.id, tr.to, norm(tr.label or "")) in edges
    for clock in proc.clocks:
        assert f"≤ {duration_text(clock.within)}" in dot


@pytest.mark.parametrize("text", ['a"b', "x\\y", "line\nbreak"])
def test_dot_quoting(text: str) -> None:
    quoted = diagrams._q(text)
    assert quoted.startswith('"') and quoted.endswith('"')
    assert "\n" not in quoted and '"' not in quoted[1:-1].replace('\\"', "")


@pytest.mark.parametrize(("d", "zh", "en"), [
    (Duration(24, "hours"), "24小时", "24h"), (Duration(15, "minutes"), "15分钟", "15m"),
    (Duration(3, "days", working=True), "3个工作日", "3 working days"),
    (Duration(2, "years"), "2年", "2 years"),
])
def test_duration_text(d: Duration, zh: str, en: str) -> None:
    assert duration_text(d, "zh") == zh and duration_text(d, "en") == en


@pytest.mark.parametrize(("minutes", "text"), [(135, "2小时 15分"), (-45, "-45分"),
                                               (60 * 24 * 2 + 61, "2天 1小时")])
def test_remaining_text(minutes: float, text: str) -> None:
    assert remaining_text(minutes) == text


def test_quiz_items_are_answerable_and_stable(views) -> None:  # type: ignore[no-untyped-def]
    hb = views["taoyuan-village"]
    items = quiz.generate(hb, None)
    assert any(i.id.startswith("clock:complaint-handling") for i in items)
    for item in items:
        assert item.answer in item.choices
        assert len(set(item.choices)) == len(item.choices) >= 2
    assert len({i.id for i in items}) == len(items)
    assert quiz.generate(hb, None) == items  # same order on every rerun
    right, total = quiz.score(items, {i.id: i.answer for i in items})
    assert right == total == len(items)
    assert quiz.score(items, {})[0] == 0


def test_clock_question_asks_for_the_rule_value(views) -> None:  # type: ignore[no-untyped-def]
    hb = views["taoyuan-village"]
    clock = hb.procedures["complaint-handling"].clocks[0]
    item = next(i for i in quiz.generate(hb, None)
                if i.id == f"clock:complaint-handling:{clock.id}")
    assert item.answer == duration_text(clock.within)
    assert clock.title in item.question


def test_readings_and_progress(views) -> None:  # type: ignore[no-untyped-def]
    hb = views["taoyuan-village"]
    readings = acks.readings_for(hb, ("customer-assistant",))
    kinds = {r.kind for r in readings}
    assert {"role", "procedure"} <= kinds
    assert len({r.key for r in readings}) == len(readings)
    assert acks.progress(readings, set()) == (0, len(readings))
    assert acks.progress(readings, {readings[0].key}) == (1, len(readings))
    doc = acks.ack_doc("u", readings[0], "taoyuan-village", datetime(2026, 3, 2, 9))
    assert doc["version"] == readings[0].version and doc["key"] == readings[0].key


def _case(n: int, created: datetime, *, status: str = "open", due: datetime | None = None,
          breach: bool = False, data: dict[str, object] | None = None) -> Case:
    c = Case(str(n), f"TS-2026-{n:04d}", "complaint-handling", "1.0.0", "h", "p1", created,
             created, status=status, data=dict(data or {}))  # type: ignore[arg-type]
    c.visits.append(Visit("classify", created, "customer-assistant", None, due_at=due))
    if breach:
        c.events.append(Event("clock-breach", created, None, "classify", {}))
    return c


def test_stats_by_procedure_and_monthly_report() -> None:
    now = datetime(2026, 3, 20, 12)
    cases = [
        _case(1, datetime(2026, 3, 1, 9), due=now - timedelta(hours=1), breach=True,
              data={"kind": "complaint", "channel": "phone", "responsibility": "service"}),
        _case(2, datetime(2026, 3, 2, 9), due=now + timedelta(hours=1),
              data={"kind": "suggestion", "channel": "letter"}),
        _case(3, datetime(2026, 3, 2, 10), status="closed", data={"kind": "complaint"}),
        _case(4, datetime(2026, 2, 27, 10), status="closed"),
    ]
    rows = stats.by_procedure(cases, now)
    assert len(rows) == 1
    r = rows[0]
    assert (r.total, r.open, r.overdue, r.breached, r.closed) == (4, 2, 1, 1, 2)
    tasks = [Task("f1", "follow-up", "回访", ("customer-assistant",), "p1",
                  datetime(2026, 3, 1), due_at=datetime(2026, 3, 9), status="done"),
             Task("f2", "follow-up", "回访", ("customer-assistant",), "p1",
                  datetime(2026, 3, 1), due_at=datetime(2026, 3, 10))]
    records = [{"data": {"visited_at": "2026-03-09T10:00:00", "satisfaction": "satisfied"}},
               {"data": {"visited_at": "2026-03-10T10:00:00", "satisfaction": "dissatisfied"}},
               {"data": {"visited_at": "2026-04-01T10:00:00", "satisfaction": "satisfied"}}]
    rep = stats.monthly_report(date(2026, 3, 1), cases, tasks, records)
    assert (rep.total, rep.complaints, rep.suggestions, rep.closed) == (3, 2, 1, 1)
    assert rep.breached == 1 and rep.on_time == 2
    assert rep.by_day == {1: 1, 2: 2}
    assert rep.by_channel == {"phone": 1, "letter": 1}
    assert rep.callback_rate == 50.0 and rep.satisfaction_rate == 50.0
    assert rep.handling_rate == pytest.approx(33.3)
    empty = stats.monthly_report(date(2025, 1, 1), cases, tasks, records)
    assert empty.total == 0 and empty.handling_rate is None


@pytest.mark.parametrize("rel", ["../etc/passwd", "/abs/x.yaml", "rules/../../x.yaml",
                                 "runtime/x.yaml", "rules/x.txt", ""])
def test_rule_paths_stay_inside_rules(rel: str) -> None:
    with pytest.raises(ValueError):
        safe_relpath(rel)


def test_tree_files_lists_rules_and_forms() -> None:
    files = tree_files(ROOT / "rules", ROOT / "forms")
    assert "rules/company/company.yaml" in files
    assert "forms/complaint-register.yaml" in files
    assert all(f.endswith((".yaml", ".yml")) for f in files)


def test_validate_with_reports_edit_errors_at_their_line() -> None:
    rel = "rules/company/procedures/complaint-handling.yaml"
    text = (ROOT / rel).read_text(encoding="utf-8")
    broken = text.replace("within: 24h", "within: soon", 1)
    line = next(i for i, s in enumerate(broken.splitlines(), 1) if "within: soon" in s)
    errors = validate_with({rel: broken})
    assert any(e.file == rel and e.line == line for e in errors), [e.human() for e in errors]
    assert not [e for e in validate_with({rel: text}) if e.severity == "error"]
