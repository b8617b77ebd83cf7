"""Next year's holiday schedule: W091 from the warning month, the entry form's checks, and the
override written into a draft through document control."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from runtime.cli import main as cli_main
from runtime.compiler.pipeline import compile_tree
from runtime.versions.drafts import Drafts
from runtime.versions.gate import full_check
from runtime.versions.holiday_years import gaps, parse_entry, with_override
from runtime.workcal import WorkCalendar, china_exact_years
from tests.conftest import FORMS, RULES

NEXT = max(china_exact_years()) + 1  # the first year the holidays package does not know
CAL = "rules/company/calendar.yaml"


def _w091(rules: Path, forms: Path, today: date) -> list[str]:
    return [e.cli_line() for e in full_check(rules, forms, None, today=today, cached=False)
            if e.code == "W091"]


def test_warns_from_november_for_next_year() -> None:
    assert _w091(RULES, FORMS, date(NEXT - 1, 10, 31)) == []
    lines = _w091(RULES, FORMS, date(NEXT - 1, 11, 1))
    assert len(lines) == 1 and lines[0].startswith(f"{CAL}:")
    assert f"for {NEXT}" in lines[0] and "years: " in lines[0]
    # Once the year has begun without its schedule, it is warned all year.
    assert len(_w091(RULES, FORMS, date(NEXT, 3, 1))) == 1


def test_handbook_check_prints_the_warning(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["check", "--today", f"{NEXT - 1}-12-03"]) == 0  # a warning, not an error
    out = capsys.readouterr().out
    assert f"W091 calendar 'company-calendar' has no official holiday schedule for {NEXT}" in out
    assert "1 warning(s)" in out


def _tree(tmp_path: Path, extra: str) -> Path:
    import shutil

    root = tmp_path / "t"
    shutil.copytree(RULES, root / "rules")
    shutil.copytree(FORMS, root / "forms")
    cal = root / CAL
    cal.write_text(cal.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return root


def test_warning_month_is_configurable_and_an_override_silences_it(tmp_path: Path) -> None:
    root = _tree(tmp_path, "warn-next-year-from: 9\n")
    assert len(_w091(root / "rules", root / "forms", date(NEXT - 1, 9, 1))) == 1
    root2 = _tree(tmp_path / "b",
                  f"years:\n  {NEXT}:\n    holidays:\n      \"{NEXT}-01-01\": 元旦\n")
    assert _w091(root2 / "rules", root2 / "forms", date(NEXT - 1, 12, 3)) == []


def test_bad_override_dates_are_errors_at_check_time(tmp_path: Path) -> None:
    root = _tree(tmp_path, f"years:\n  {NEXT}:\n    holidays:\n      \"{NEXT}-02-30\": 春节\n"
                           f"      \"{NEXT + 1}-01-01\": 元旦\n      \"{NEXT}-05-03\": 劳动节\n"
                           f"    workdays: [\"{NEXT}-05-03\"]\n")
    result = compile_tree(root / "rules", root / "forms", base=root)
    found = sorted(e.message for e in result.errors if e.code == "E042")
    assert found == sorted([f"'{NEXT}-02-30' is not a date (YYYY-MM-DD)",
                            f"{NEXT + 1}-01-01 is not in {NEXT}",
                            f"{NEXT}-05-03 is both a holiday and a make-up working day"])


def _weekday(year: int, month: int, want_weekend: bool) -> date:
    d = date(year, month, 1)
    while (d.weekday() >= 5) != want_weekend:
        d = d.replace(day=d.day + 1)
    return d


def test_entry_checks_dates() -> None:
    sat = _weekday(NEXT, 2, True)
    mon = _weekday(NEXT, 2, False)
    ok = parse_entry(NEXT, f"{mon} 春节", f"{sat}")
    assert ok.problems == [] and ok.holidays == {mon: "春节"} and ok.workdays == [sat]
    bad = parse_entry(NEXT, f"{sat} 春节\n{NEXT}-02-30 x\n{NEXT - 1}-12-31 元旦\nhello",
                      f"{mon}, {mon}")
    keys = sorted(k for k, _ in bad.problems)
    assert keys == sorted(["calendar.problem.holiday_weekend", "calendar.problem.bad_date",
                           "calendar.problem.wrong_year", "calendar.problem.bad_line",
                           "calendar.problem.workday_weekday", "calendar.problem.duplicate"])
    both = parse_entry(NEXT, f"{mon} 春节", f"{mon}")
    assert ("calendar.problem.both", {"date": mon.isoformat()}) in both.problems
    assert parse_entry(NEXT, "", "").problems == [("calendar.problem.empty", {})]


def test_a_range_keeps_only_working_days() -> None:
    entry = parse_entry(NEXT, f"{NEXT}-10-01~{NEXT}-10-07 国庆节", "")
    assert entry.problems == []
    assert all(d.weekday() < 5 for d in entry.holidays)
    assert len(entry.holidays) == sum(1 for i in range(1, 8)
                                      if date(NEXT, 10, i).weekday() < 5)


def test_override_is_saved_into_a_draft_and_used(tmp_path: Path) -> None:
    data = tmp_path / "data"
    drafts = Drafts(data)
    draft = drafts.create(f"{NEXT} 节假日", "admin")
    text, base = drafts.read(draft, CAL)
    mon, sat = _weekday(NEXT, 2, False), _weekday(NEXT, 2, True)
    entry = parse_entry(NEXT, f"{mon} 春节", f"{sat}")
    live = drafts.versions.current()
    new = with_override(text, entry, "1.0.0")
    assert "version: 1.1.0" in new and f"  {NEXT}:" in new
    assert new.splitlines()[0] == text.splitlines()[0]  # the schema header and comments stay
    drafts.save(draft, CAL, new, base, "admin")
    # The live rules are untouched; the draft checks clean of W091 and of bump errors.
    assert (live.rules / "company" / "calendar.yaml").read_text(encoding="utf-8") == text
    errors = full_check(draft.rules, draft.forms, live, today=date(NEXT - 1, 12, 3))
    assert [e.cli_line() for e in errors if e.code in ("W091", "E090", "E042")] == []
    result = compile_tree(draft.rules, draft.forms, base=draft.root)
    cal = WorkCalendar.from_spec(result.views[None].calendars["company-calendar"])
    assert not cal.is_working_day(mon) and cal.is_working_day(sat)
    assert cal.is_exact_year(NEXT)
    assert gaps(result, date(NEXT - 1, 12, 3)) == []
    # Entering the year again replaces it (not a second `years:`), other years kept.
    again = with_override(new, parse_entry(NEXT + 1, f"{_weekday(NEXT + 1, 3, False)} x", ""),
                          "1.0.0")
    assert again.count("\nyears:") == 1 and f"  {NEXT}:" in again and f"  {NEXT + 1}:" in again
    assert "version: 1.1.0" in again  # already above the live version: not bumped twice
