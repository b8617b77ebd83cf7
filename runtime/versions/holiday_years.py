"""Next year's official holiday schedule: warn before it runs out, and enter it as an override.

The `holidays` package knows the State Council's exact China schedule (holidays and make-up
working days, 调休) only up to a year; after that `runtime.workcal` falls back to statutory
holidays alone, and a deadline in that year is quietly a day or two off. So from a month of
the year on (the calendar's `warn-next-year-from`, default November) the one check
(`gate.full_check`) warns (W091) for every calendar whose next year is neither in the package
nor in its `years:`; the current year is warned all year. The admin page (节假日安排) shows the
same warning and writes the schedule into a draft as `years: {<year>: {holidays, workdays}}`,
through document control like every other rule change (never into the live rules).

Pure functions (no Streamlit): `today` is always passed in, so tests never depend on the clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from runtime.compiler import model as m
from runtime.compiler.loader import parse_text, to_plain
from runtime.compiler.pipeline import Compiled
from runtime.errors import RuleError
from runtime.workcal import china_exact_years

_LOCAL = timezone(timedelta(hours=8))  # property time: Asia/Shanghai, no DST
_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def local_today() -> date:
    """Today in property time (the server may run on UTC)."""
    return datetime.now(_LOCAL).date()


@dataclass(frozen=True)
class YearGap:
    """A calendar year with no official schedule: where to add it, and what the package has."""

    calendar: str
    title: str
    file: str
    line: int
    year: int
    covered: str  # the years the package knows, e.g. "2001-2026"


def has_schedule(cal: m.Calendar, year: int) -> bool:
    """True when `year` has an exact schedule: an override, or the package's (CN) data.

    Calendars without a country or of another country use the package's rules, which need no
    yearly notice, so only China's State Council years can be missing."""
    if year in cal.overrides or cal.country is None or cal.country.upper() != "CN":
        return True
    return year in china_exact_years()


def _covered() -> str:
    years = china_exact_years()
    return f"{min(years)}-{max(years)}" if years else "—"


def gaps(tree: Compiled, today: date) -> list[YearGap]:
    """Every calendar of the tree missing this year's or (from its warning month) next year's
    official schedule, once per calendar file."""
    out: list[YearGap] = []
    seen: set[tuple[str, str]] = set()
    for view in tree.views.values():
        for cal_id, cal in sorted(view.calendars.items()):
            loc = view.where("calendar", cal_id)
            file = loc.file if loc else ""
            if (cal_id, file) in seen:
                continue
            seen.add((cal_id, file))
            years = [today.year] + ([today.year + 1] if today.month >= cal.warn_from_month
                                    else [])
            out += [YearGap(cal_id, cal.meta.title, file, _years_line(view, cal_id, loc), y,
                            _covered()) for y in years if not has_schedule(cal, y)]
    return out


def _years_line(view: m.Handbook, cal_id: str, loc: m.Loc | None) -> int:
    where = view.where("calendar", cal_id, ("years",)) or loc
    return where.line if where else 1


def gap_warnings(tree: Compiled, today: date) -> list[RuleError]:
    """The W091 warnings of `gaps`, at the calendar file, for `handbook check` and the editor."""
    return [RuleError(
        g.file, g.line, 1, "W091",
        f"calendar '{g.calendar}' has no official holiday schedule for {g.year} "
        f"(the holidays package covers {g.covered})",
        (), severity="warning",
        hint=f"add the State Council's {g.year} holidays and make-up working days under "
             f"years: {g.year} in {g.file} (节假日安排 page), or deadlines in {g.year} count "
             f"statutory holidays only") for g in gaps(tree, today)]


# ---- the entry form --------------------------------------------------------------------------


@dataclass
class Entry:
    """A year's schedule as typed: holidays (date → name), make-up days, and what is wrong."""

    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: list[date] = field(default_factory=list)
    problems: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # i18n key, values

    def problem(self, key: str, **values: Any) -> None:
        """Record one problem (an i18n key under `calendar.problem.`)."""
        self.problems.append((f"calendar.problem.{key}", values))


def _day(text: str, entry: Entry, line: str) -> date | None:
    parts = [int(p) for p in text.split("-")]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        entry.problem("bad_date", date=text, line=line)
        return None


def parse_entry(year: int, holidays_text: str, workdays_text: str,
                working_weekdays: Iterable[int] = (0, 1, 2, 3, 4)) -> Entry:
    """Read the form: holiday lines `2027-01-01 元旦` or `2027-10-01~2027-10-07 国庆节` (a range
    keeps only its normal working days: weekends are off anyway), make-up days `2027-02-06`
    separated by spaces, commas or lines. Every problem is collected, none raises."""
    entry = Entry(year)
    working = set(working_weekdays)
    for raw in holidays_text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m_ = re.match(rf"^({_DATE})(?:\s*(?:~|～|至|到|\.\.)\s*({_DATE}))?\s*(.*)$", line)
        if not m_:
            entry.problem("bad_line", line=line)
            continue
        first = _day(m_[1], entry, line)
        last = _day(m_[2], entry, line) if m_[2] else first
        if first is None or last is None:
            continue
        if last < first or (last - first).days > 31:
            entry.problem("bad_range", line=line)
            continue
        name = m_[3].strip() or "节假日"
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        if m_[2]:
            days = [d for d in days if d.weekday() in working]
        for d in days:
            if d in entry.holidays:
                entry.problem("duplicate", date=d.isoformat())
            entry.holidays[d] = name
    for token in re.split(r"[\s,，、;；]+", workdays_text.strip()):
        if not token:
            continue
        if not re.fullmatch(_DATE, token):
            entry.problem("bad_line", line=token)
            continue
        work = _day(token, entry, token)
        if work is None:
            continue
        if work in entry.workdays:
            entry.problem("duplicate", date=work.isoformat())
            continue
        entry.workdays.append(work)
    entry.workdays.sort()
    _check(entry, working)
    return entry


def _check(entry: Entry, working: set[int]) -> None:
    """Dates of the year; a make-up day on a weekend, a holiday not on one; not both."""
    if not entry.holidays and not entry.workdays:
        entry.problem("empty")
    for d in sorted(entry.holidays):
        if d.year != entry.year:
            entry.problem("wrong_year", date=d.isoformat(), year=entry.year)
        elif d.weekday() not in working:
            entry.problem("holiday_weekend", date=d.isoformat())
    for d in entry.workdays:
        if d.year != entry.year:
            entry.problem("wrong_year", date=d.isoformat(), year=entry.year)
        elif d.weekday() in working:
            entry.problem("workday_weekday", date=d.isoformat())
        if d in entry.holidays:
            entry.problem("both", date=d.isoformat())


def _bump(version: str, live: str | None) -> str:
    """A version above `live` (minor + 1) unless `version` already is above it."""
    def key(v: str | None) -> tuple[int, int, int] | None:
        hit = _SEMVER.match(v or "")
        return (int(hit[1]), int(hit[2]), int(hit[3])) if hit else None

    mine, theirs = key(version), key(live)
    if theirs is None or (mine is not None and mine > theirs):
        return version
    return f"{theirs[0]}.{theirs[1] + 1}.0"


def with_override(text: str, entry: Entry, live_version: str | None) -> str:
    """The calendar file with `years: <year>` set to the entry (other years kept) and its
    version raised above the live one, as a submit requires (E090).

    Only the top-level `years:` block is rewritten (comments inside it are not kept); every
    other line of the file stays as the author wrote it."""
    data = to_plain(parse_text(text, "calendar.yaml"))
    years: dict[int, Any] = {int(k): v for k, v in dict(data.get("years") or {}).items()}
    years[entry.year] = {"holidays": {d.isoformat(): n for d, n in sorted(entry.holidays.items())},
                         "workdays": [d.isoformat() for d in entry.workdays]}
    lines = text.splitlines()
    kept: list[str] = []
    skipping = False
    for line in lines:
        top = re.match(r"^[A-Za-z][\w-]*\s*:", line)
        if top:
            skipping = line.startswith("years")
        if not skipping:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    version = str(data.get("version") or "1.0.0")
    new_version = _bump(version, live_version)
    kept = [f"version: {new_version}" if re.match(r"^version\s*:", ln) else ln for ln in kept]
    return "\n".join([*kept, *_years_block(years)]) + "\n"


def _years_block(years: Mapping[int, Any]) -> list[str]:
    out = ["years:"]
    for year in sorted(years):
        spec = years[year] or {}
        out.append(f"  {year}:")
        holidays = dict(spec.get("holidays") or {})
        if holidays:
            out.append("    holidays:")
            out += [f"      \"{d}\": {json.dumps(str(n), ensure_ascii=False)}"
                    for d, n in sorted(holidays.items())]
        workdays = [str(d) for d in spec.get("workdays") or []]
        if workdays:
            out.append("    workdays: [" + ", ".join(f"\"{d}\"" for d in workdays) + "]")
    return out
