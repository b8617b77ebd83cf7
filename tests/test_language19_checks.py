"""Issue 19 checks: each mistake gives its code, file, line and key path (parametrised), and
the valid forms of the new keys compile (parallel, departments, preconditions, counted
rhythms, named limits, cross-property roles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.compiler.pipeline import compile_tree
from runtime.compiler.timeexpr import Duration
from tests.conftest import MakeTree

PROC = "rules/procedures/complaint.yaml"
CLERK = "rules/roles/clerk.yaml"
SCHED = "rules/schedules/routine.yaml"
EAST = "rules/properties/east/property.yaml"

PARALLEL = """\
kind: procedure
id: works
title: 违章装修
{header}
purpose: 制止违章。
scope: 全体。
form: register
steps:
  - id: decide
    title: 决定措施
    roles: boss
    parallel: [stop, fix]
  - id: stop
    title: 停止施工
    roles: clerk
    next: [{to: report}]
  - id: fix
    title: 限期整改
    department: service-centre
    next: [{to: report}]
  - id: report
    title: 汇总
    roles: boss
    join: all
    terminal: true
"""


def _tree(make_tree: MakeTree, edits: dict[str, tuple[str, str]],
          extra: dict[str, str] | None = None) -> Path:
    root = make_tree(extra or {})
    for rel, (old, new) in edits.items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def _errors(root: Path) -> list:  # type: ignore[type-arg]
    return compile_tree(root / "rules", root / "forms").errors


def _header(text: str) -> str:
    from tests.conftest import HEADER

    return text.replace("{header}", HEADER.strip())


# (name, extra files, edits {file: (old, new)}, code, message part, file, key path, severity)
CASES = [
    ("split-with-next", {"rules/procedures/works.yaml": PARALLEL.replace(
        "    parallel: [stop, fix]", "    parallel: [stop, fix]\n    next: [{to: report}]")},
     {}, "E036", "both parallel: and next:", "works.yaml", "steps[0].parallel", "error"),
    ("branch-never-joins", {"rules/procedures/works.yaml": PARALLEL.replace(
        "    department: service-centre\n    next: [{to: report}]",
        "    department: service-centre\n    terminal: true")},
     {}, "E036", "branch 'fix' of split 'decide' never reaches a join", "works.yaml",
     "steps[0].parallel[1]", "error"),
    ("split-all-conditional", {"rules/procedures/works.yaml": PARALLEL.replace(
        "parallel: [stop, fix]",
        "parallel: [{to: stop, when: serious}, {to: fix, when: serious}]")},
     {}, "E036", "at least one branch must have no when", "works.yaml", "steps[0].parallel",
     "error"),
    ("split-unknown-step", {"rules/procedures/works.yaml": PARALLEL.replace(
        "parallel: [stop, fix]", "parallel: [stop, fix, deduct]")},
     {}, "E026", "unknown step 'deduct'", "works.yaml", "steps[0].parallel[2]", "error"),
    ("join-nobody-reaches", {"rules/procedures/works.yaml": PARALLEL.replace(
        "    title: 停止施工\n    roles: clerk\n", "    title: 停止施工\n    roles: clerk\n"
        "    join: any\n")},
     {}, "E036", "join step 'stop': no branch leads to it", "works.yaml", "steps[1].join",
     "error"),
    ("unknown-department", {"rules/procedures/works.yaml": PARALLEL.replace(
        "department: service-centre", "department: marketing")},
     {}, "E023", "unknown department 'marketing'", "works.yaml", "steps[2].department",
     "error"),
    ("department-nobody", {"rules/procedures/works.yaml": PARALLEL.replace(
        "department: service-centre", "department: empty")},
     {"rules/company.yaml": ("- {id: service-centre, title: 客户服务中心, head: boss}",
                             "- {id: service-centre, title: 客户服务中心, head: boss}\n"
                             "  - {id: empty, title: 空部门}")},
     "E023", "has no head and no role", "works.yaml", "steps[2].department", "error"),
    ("waits-for-unknown", {}, {PROC: ("    section: intake\n", "    section: intake\n"
                                      "    waits-for: [{event: keys, by: sales}]\n")},
     "E023", "waits-for names 'sales'", "complaint.yaml", "steps[0].waits-for[0].by", "error"),
    ("duplicate-duty-number", {}, {CLERK: ("    time-limit: 1h\n", "    time-limit: 1h\n"
                                           "  - no: 1\n    text: 又一条。\n")},
     "E021", "duplicate duty number 1", "clerk.yaml", "duties[1].no", "error"),
    ("duplicate-duty-id", {}, {CLERK: ("    time-limit: 1h\n", "    time-limit: 1h\n"
                                       "    id: log\n  - no: 2\n    id: log\n"
                                       "    text: 又一条。\n")},
     "E021", "duplicate duty id 'log'", "clerk.yaml", "duties[1].id", "error"),
    ("ambiguous-overlay", {}, {
        CLERK: ("    time-limit: 1h\n", "    time-limit: 1h\n    id: a\n  - no: 1\n    id: b\n"
                "    text: 又一条。\n"),
        EAST: ("  - rule: clerk\n    add:",
               "  - rule: clerk\n    set:\n      duties[1].text: 改\n    add:")},
     "E061", "[1] is ambiguous: 2 items match", "east/property.yaml",
     "overlays[1].set.duties[1].text", "error"),
    ("evidence-never-exists", {}, {PROC: ("    within: 24h\n", "    within: 24h\n"
                                          "    evidence: register\n")},
     "E081", "can never be met: its evidence 'register' is the case's own form",
     "complaint.yaml", "clocks[0].evidence", "error"),
    ("pending-period", {}, {SCHED: ("recurrence: every Friday 14:30", "recurrence: regular")},
     "W041", "regular, but the period is still to be set", "routine.yaml",
     "items[0].recurrence", "warning"),
    ("pending-duty", {}, {CLERK: ("    time-limit: 1h\n", "    time-limit: 1h\n"
                                  "    schedule: 定期\n")},
     "W041", "duty 1: regular", "clerk.yaml", "duties[0].schedule", "warning"),
    ("at-least-wrong-recurrence", {}, {SCHED: ("recurrence: every Friday 14:30",
                                               "recurrence: monthly\n    at-least: 2 per week")},
     "E041", "at-least 2 per week needs a weekly recurrence", "routine.yaml",
     "items[0].at-least", "error"),
    ("on-days-count", {}, {SCHED: ("recurrence: every Friday 14:30",
                                   "recurrence: weekly\n    at-least: 2 per week\n"
                                   "    on-days: [mon, wed, fri]")},
     "E041", "on-days lists 3 day(s) for at-least 2 per week", "routine.yaml",
     "items[0].on-days", "error"),
    ("on-days-alone", {}, {SCHED: ("recurrence: every Friday 14:30",
                                   "recurrence: weekly\n    on-days: [mon]")},
     "E041", "on-days needs at-least", "routine.yaml", "items[0].on-days", "error"),
    ("serves-unknown-property", {}, {CLERK: ("level: operational", "level: operational\n"
                                             "serves: [east, north]")},
     "E022", "unknown property 'north'", "clerk.yaml", "serves[1]", "error"),
    ("serves-not-this-property", {"rules/properties/west/procedures/own.yaml": """\
kind: procedure
id: own
title: 西区规程
property: west
{header}
purpose: 西区。
scope: 西区。
steps:
  - id: only
    title: 办理
    roles: [clerk]
    terminal: true
"""}, {CLERK: ("level: operational", "level: operational\nserves: [east]")},
     "E047", "role 'clerk' does not serve property 'west'", "own.yaml", "steps[0].roles",
     "error"),
    ("follow-pattern-without-pattern", {}, {SCHED: ("recurrence: every Friday 14:30",
                                                    "recurrence: every Friday 14:30\n"
                                                    "    follow-pattern: true")},
     "E045", "role 'boss' has no work-pattern", "routine.yaml", "items[0].follow-pattern",
     "error"),
    ("pattern-clock-without-pattern", {}, {PROC: ("    within: 24h\n", "    within: 24h\n"
                                                  "    basis: pattern\n")},
     "E045", "basis: pattern, but role 'clerk' has no work-pattern", "complaint.yaml",
     "clocks[0].basis", "error"),
    ("unknown-named-limit", {}, {PROC: ("within: 24h", "within: eventually")},
     "E040", "bad duration 'eventually'", "complaint.yaml", "clocks[0].within", "error"),
]


@pytest.mark.parametrize(("name", "extra", "edits", "code", "needle", "file", "path",
                          "severity"), CASES, ids=[c[0] for c in CASES])
def test_issue19_check(make_tree: MakeTree, name: str, extra: dict[str, str],
                       edits: dict[str, tuple[str, str]], code: str, needle: str, file: str,
                       path: str, severity: str) -> None:
    root = _tree(make_tree, edits, {k: _header(v) for k, v in extra.items()})
    errs = [e for e in _errors(root) if e.code == code]
    assert errs, [e.cli_line() for e in _errors(root)]
    hit = next((e for e in errs if needle in e.message), None)
    assert hit is not None, [e.cli_line() for e in errs]
    assert hit.file.endswith(file) and hit.line > 1, hit.cli_line()
    assert hit.key_path == path and hit.severity == severity, hit.cli_line()


def test_valid_parallel_department_procedure_compiles(make_tree: MakeTree) -> None:
    root = make_tree({"rules/procedures/works.yaml": _header(PARALLEL)})
    result = compile_tree(root / "rules", root / "forms")
    assert [e.cli_line() for e in result.errors] == []
    proc = result.views[None].procedures["works"]
    assert [t.to for t in proc.step("decide").parallel] == ["stop", "fix"]
    assert proc.step("report").join == "all" and proc.step("fix").department == "service-centre"


@pytest.mark.parametrize(("company_limits", "minutes"), [("", 15), ("limits: {immediately: 5m}\n",
                                                                    5)])
def test_within_immediately_is_a_named_limit(make_tree: MakeTree, company_limits: str,
                                             minutes: int) -> None:
    root = _tree(make_tree, {PROC: ("within: 24h", "within: immediately"),
                             "rules/company.yaml": ("calendar: cal\n",
                                                    f"calendar: cal\n{company_limits}")})
    result = compile_tree(root / "rules", root / "forms")
    assert [e.cli_line() for e in result.errors] == []
    clock = result.views[None].procedures["complaint"].clocks[0]
    assert clock.within == Duration(minutes, "minutes")
    assert result.views[None].company.limits.get("immediately", Duration(15, "minutes")) == \
        Duration(minutes, "minutes")


def test_counted_rhythm_and_duration_compile(make_tree: MakeTree) -> None:
    root = _tree(make_tree, {SCHED: ("recurrence: every Friday 14:30",
                                     "recurrence: weekly\n    at-least: 2 per week\n"
                                     "    on-days: [tue, fri]\n    duration: 10m")})
    result = compile_tree(root / "rules", root / "forms")
    assert [e.cli_line() for e in result.errors] == []
    item = result.views[None].schedules["routine"].items[0]
    assert item.at_least == (2, "week") and item.on_days == (1, 4)
    assert item.duration == Duration(10, "minutes")


def test_serving_role_scope(make_tree: MakeTree) -> None:
    root = _tree(make_tree, {CLERK: ("level: operational", "level: operational\nserves: all")})
    result = compile_tree(root / "rules", root / "forms")
    assert [e.cli_line() for e in result.errors] == []
    clerk = result.views[None].roles["clerk"]
    assert clerk.serves == ("all",) and clerk.serves_property("west")
