"""Explicit time syntax of rule files: durations (`2 working days`) and recurrences.

Pure functions over plain strings: no YAML, no calendar data. Working-time arithmetic lives in
`runtime.workcal`; this module only parses, validates, prints back the canonical text and
expands recurrences into due moments.

All datetimes are naive and mean local property time (Asia/Shanghai; China has no daylight
saving time, so naive arithmetic is exact).

Durations
---------
``<amount> [working] <unit>`` with units minutes (m, min, minute(s)), hours (h, hr, hour(s)),
days (d, day(s)), weeks (w, wk, week(s)), months (mo, month(s)) and years (y, yr, year(s)).
Chinese units are accepted too (分钟, 小时, 天/日, 周/星期, 个月, 年, 工作日, 工作小时, 工作分钟).
Only minutes, hours and days can be ``working``. The amount must be positive, below 100 years,
a whole number of minutes (``1.5h`` is fine, ``0.01h`` is not) and whole for days-based working
time, months and years. The canonical text is ``15m``, ``1.5h``, ``7d``, ``1w``, ``3 months``,
``2 years``, ``2 working days``, ``4 working hours``, ``30 working minutes``.

Recurrences
-----------
See `parse_recurrence` for the grammar. Due-time rule: a recurrence that names no time is due
at 23:59 for the deadline forms (``by`` and ``in``, e.g. ``monthly by day 25``, ``yearly in
December``) and at the start of the working day otherwise (``daily``, ``every Monday``,
``monthly on day 1``), taken from the calendar passed to `Recurrence.occurrences` or 09:00.
"""

from __future__ import annotations

import calendar as _cal
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, Protocol, cast

__all__ = [
    "DEFAULT_DAY_START",
    "DUE_BY_TIME",
    "CalendarLike",
    "Duration",
    "Recurrence",
    "add_months",
    "parse_duration",
    "parse_recurrence",
]

Unit = Literal["minutes", "hours", "days", "weeks", "months", "years"]

# Minutes in one unit, for the units that have a fixed length in wall-clock time.
_UNIT_MINUTES: dict[str, int] = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10080}
# Approximate lengths, only for sanity comparisons (never for deadlines).
_APPROX_DAYS: dict[str, float] = {"months": 30.4375, "years": 365.25}
_MAX_DAYS = 36525  # 100 years: keeps every result far from datetime overflow

_UNIT_ALIASES: dict[str, Unit] = {}
for _unit, _aliases in {
    "minutes": ("m", "min", "mins", "minute", "minutes", "分", "分钟"),
    "hours": ("h", "hr", "hrs", "hour", "hours", "小时", "个小时", "钟头", "个钟头"),
    "days": ("d", "day", "days", "天", "日"),
    "weeks": ("w", "wk", "wks", "week", "weeks", "周", "星期", "个星期"),
    "months": ("mo", "mos", "month", "months", "个月", "月"),
    "years": ("y", "yr", "yrs", "year", "years", "年"),
}.items():
    for _alias in _aliases:
        _UNIT_ALIASES[_alias] = _unit  # type: ignore[assignment]

# Chinese working-time units carry "working" inside the word.
_CN_WORKING: dict[str, Unit] = {
    "工作日": "days",
    "个工作日": "days",
    "工作天": "days",
    "工作小时": "hours",
    "个工作小时": "hours",
    "工作分钟": "minutes",
}

DURATION_FORMS = (
    "15m, 30 min, 1h, 1.5h, 2 hours, 24h, 7d, 1 day, 1w, 3 months, 2y, 2 years, "
    "2 working days, 4 working hours, 30 working minutes"
)

_DURATION_RE = re.compile(
    r"^(?P<sign>[+-]?)\s*(?P<num>\d+(?:\.\d+)?|\.\d+)\s*(?P<working>working\s+)?(?P<unit>[^\d\s.]+)$",
    re.ASCII,
)

_SINGULAR = {
    "minutes": "minute",
    "hours": "hour",
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
}
_SHORT = {"minutes": "m", "hours": "h", "days": "d", "weeks": "w"}


def _normalise(text: str) -> str:
    """NFKC (full-width digits and colons from Chinese input), lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _fmt_amount(amount: float) -> str:
    """`2` for whole numbers, shortest round-tripping decimal otherwise."""
    return str(int(amount)) if float(amount).is_integer() else repr(float(amount))


def add_months(dt: datetime, months: int) -> datetime:
    """Add calendar months, clamping the day to the target month (31 Jan + 1 → 28/29 Feb)."""
    index = dt.year * 12 + (dt.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise ValueError(f"date out of range: {dt:%Y-%m-%d} + {months} months")
    day = min(dt.day, _cal.monthrange(year, month)[1])
    return dt.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Duration:
    """A parsed time limit: `amount` of `unit`, counted on wall-clock or working time."""

    amount: float
    unit: Unit
    working: bool = False

    def __post_init__(self) -> None:
        # Direct construction (not via parse_duration) must not smuggle in nonsense either.
        if self.unit not in _SINGULAR:
            raise ValueError(f"unknown duration unit {self.unit!r}")
        if not self.amount > 0:
            raise ValueError("a duration must be greater than zero")
        if self.working and self.unit not in ("minutes", "hours", "days"):
            raise ValueError("only minutes, hours and days can be working time")

    def __str__(self) -> str:
        if self.working:
            word = _SINGULAR[self.unit] if self.amount == 1 else self.unit
            return f"{_fmt_amount(self.amount)} working {word}"
        if self.unit in _SHORT:
            return f"{_fmt_amount(self.amount)}{_SHORT[self.unit]}"
        word = _SINGULAR[self.unit] if self.amount == 1 else self.unit
        return f"{_fmt_amount(self.amount)} {word}"

    @property
    def is_calendar_unit(self) -> bool:
        """True for months and years, whose length depends on the start date."""
        return self.unit in ("months", "years")

    @property
    def total_minutes(self) -> int:
        """Length in minutes; for working hours/minutes these are working minutes.

        Raises ValueError for months, years and working days/weeks, whose length in minutes
        depends on the calendar.
        """
        if self.unit not in _UNIT_MINUTES or (
            self.working and self.unit not in ("minutes", "hours")
        ):
            raise ValueError(f"'{self}' has no fixed length in minutes; use a WorkCalendar")
        return round(self.amount * _UNIT_MINUTES[self.unit])

    def to_timedelta(self) -> timedelta:
        """Exact wall-clock length; ValueError for working durations, months and years.

        Months and years are not approximated here on purpose: a deadline "1 month" after
        31 January must come from `add_to` / `WorkCalendar.add`, not from 30 days.
        """
        if self.working or self.is_calendar_unit:
            raise ValueError(
                f"'{self}' has no fixed wall-clock length; use Duration.add_to or WorkCalendar.add"
            )
        return timedelta(minutes=self.total_minutes)

    def approx_timedelta(self) -> timedelta:
        """Rough length for sanity checks only (month = 30.44 d, year = 365.25 d,
        working day = 7/5 calendar day, working hour = 1 h); never use it for a deadline."""
        if self.is_calendar_unit:
            return timedelta(days=self.amount * _APPROX_DAYS[self.unit])
        if self.working and self.unit == "days":
            return timedelta(days=self.amount * 7 / 5)
        return timedelta(minutes=round(self.amount * _UNIT_MINUTES[self.unit]))

    def add_to(self, dt: datetime) -> datetime:
        """Wall-clock `dt + self`; months and years clamp the day (31 Jan + 1 month = 28/29 Feb)."""
        if self.working:
            raise ValueError(f"'{self}' is working time; use WorkCalendar.add")
        if self.unit == "months":
            return add_months(dt, int(self.amount))
        if self.unit == "years":
            return add_months(dt, 12 * int(self.amount))
        try:
            return dt + self.to_timedelta()
        except OverflowError:
            raise ValueError(f"date out of range: {dt:%Y-%m-%d %H:%M} + {self}") from None


def _duration_error(text: str, why: str) -> ValueError:
    return ValueError(f"invalid duration {text!r}: {why}. Accepted forms: {DURATION_FORMS}")


def parse_duration(text: str) -> Duration:
    """Parse `15m`, `2 hours`, `2 working days`, `1.5h`, `3 months`… (ValueError if invalid)."""
    if not isinstance(text, str):
        raise _duration_error(repr(text), "a duration must be text")
    norm = _normalise(text)
    if not norm:
        raise _duration_error(text, "it is empty")
    # Chinese forms: "2个工作日", "24小时", "15分钟内", "15分钟以内" (a trailing 内 or 以内,
    # 'within', is tolerated; 以内 first, or stripping 内 would leave a dangling 以).
    norm = norm.removesuffix("以内").removesuffix("内").strip()
    if re.fullmatch(r"[+-]?\s*[\d.]+\s*M", unicodedata.normalize("NFKC", text).strip()):
        raise _duration_error(text, "'M' is ambiguous: write 'min' for minutes or 'months'")
    m = _DURATION_RE.match(norm)
    if not m and re.fullmatch(r"(?:\d+(?:\.\d+)?\s*[a-z]+\s*){2,}", norm, re.ASCII):
        raise _duration_error(text, "use a single unit, e.g. 90m rather than 1h30m")
    if not m:
        raise _duration_error(text, "expected a number followed by a unit")
    if m["sign"] == "-":
        raise _duration_error(text, "a duration cannot be negative")
    unit_word = m["unit"]
    working = bool(m["working"])
    unit: Unit | None
    if unit_word in _CN_WORKING and not working:
        unit, working = _CN_WORKING[unit_word], True
    else:
        unit = _UNIT_ALIASES.get(unit_word)
    if unit is None:
        raise _duration_error(text, f"unknown unit {unit_word!r}")
    amount = float(m["num"])
    if amount <= 0:
        raise _duration_error(text, "a duration must be greater than zero")
    if working and unit not in ("minutes", "hours", "days"):
        raise _duration_error(text, "only minutes, hours and days can be working time")
    if (unit in ("months", "years") or (working and unit == "days")) and not amount.is_integer():
        raise _duration_error(text, f"{'working ' if working else ''}{unit} must be a whole number")
    days = amount * (_UNIT_MINUTES[unit] / 1440 if unit in _UNIT_MINUTES else _APPROX_DAYS[unit])
    if days > _MAX_DAYS:
        raise _duration_error(text, "a duration cannot exceed 100 years")
    if unit in _UNIT_MINUTES:
        minutes = amount * _UNIT_MINUTES[unit]
        if abs(minutes - round(minutes)) > 1e-9:
            raise _duration_error(text, "it must be a whole number of minutes")
    return Duration(amount=amount, unit=unit, working=working)


# --------------------------------------------------------------------------- recurrences


class CalendarLike(Protocol):
    """What a recurrence needs from a calendar: which days are working and when a day starts."""

    def is_working_day(self, d: date, /) -> bool:
        """True when staff work on `d`."""
        ...

    @property
    def day_start(self) -> time:
        """Start of the first working period of a working day."""
        ...


DEFAULT_DAY_START = time(9, 0)
DUE_BY_TIME = time(23, 59)


class _MonFri:
    """Calendar used when none is given: Monday–Friday, starting at 09:00, no holidays."""

    day_start = DEFAULT_DAY_START

    def is_working_day(self, d: date, /) -> bool:
        return d.weekday() < 5


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAY_NAMES: dict[str, int] = {}
for _i, _name in enumerate(WEEKDAYS):
    _WEEKDAY_NAMES[_name] = _WEEKDAY_NAMES[_name[:3]] = _i
_WEEKDAY_NAMES.update({"tues": 1, "wednes": 2, "thur": 3, "thurs": 3})
_MONTH_NAMES: dict[str, int] = {}
for _i, _name in enumerate(MONTHS, start=1):
    _MONTH_NAMES[_name] = _MONTH_NAMES[_name[:3]] = _i
_MONTH_NAMES["sept"] = 9

Freq = Literal[
    "once", "hourly", "daily", "working-days", "weekly", "monthly", "quarterly", "yearly",
    "irregular",
]
# Handbooks say 不定期 / 每次活动后 / 随时: the work recurs but on no calendar date. Such an item
# is listed (owners see it) and produces no dated task.
IRREGULAR_WORDS = ("irregular", "as needed", "ad hoc", "on demand", "after each event")
# 定期 with no period stated (定期家访): regular work whose period the administrator must still
# set; `handbook check` warns (W041) until a real recurrence replaces it.
PENDING_WORDS = ("regular", "period to be set", "regular (period to be set)", "定期")
Mode = Literal["on", "by"]
# A day of a month: 1..31 (clamped to the month's length) or one of these words.
DaySpec = int | Literal["last", "first working", "last working"]

RECURRENCE_FORMS = (
    "daily; daily 08:00; daily 08:00, 17:00; hourly; hourly 08:00-22:00; "
    "every 2 hours 08:00-22:00; every working day 09:00; every Friday 14:30; "
    "every Monday and Thursday; weekly on Friday 14:30; monthly on day 1; monthly by day 25; "
    "monthly by last day; monthly on last working day; quarterly by day 25 of month 3; "
    "quarterly on day 1 of month 1; yearly in December; yearly in June, December; "
    "twice yearly in June and December; yearly by 12-31; yearly on 01-15; once on 2026-05-01; "
    "weekly (by Sunday); weekly by Friday; monthly (by the last day); quarterly (by the "
    "quarter's last day); yearly (by 31 Dec); irregular / as needed / after each event"
)


@dataclass(frozen=True)
class Recurrence:
    """A parsed recurring due time; `occurrences()` expands it over a date range."""

    freq: Freq
    mode: Mode = "on"
    times: tuple[time, ...] = ()
    every_hours: int = 1
    window: tuple[time, time] | None = None  # hourly forms: first and last due time (inclusive)
    weekdays: tuple[int, ...] = ()  # weekly: 0 = Monday
    day: DaySpec | None = None  # monthly / quarterly / yearly-by-date
    month_of_quarter: int | None = None  # quarterly: 1..3
    months: tuple[int, ...] = ()  # yearly: 1..12
    on_date: date | None = None  # once
    pending: bool = False  # 定期 with the period still to be set: listed, warned, not dated

    def __str__(self) -> str:
        times = " " + ", ".join(f"{t:%H:%M}" for t in self.times) if self.times else ""
        if self.freq == "once":
            assert self.on_date is not None
            return f"once {self.mode} {self.on_date.isoformat()}{times}"
        if self.freq == "hourly":
            head = "hourly" if self.every_hours == 1 else f"every {self.every_hours} hours"
            if self.window is None:
                return head
            return f"{head} {self.window[0]:%H:%M}-{self.window[1]:%H:%M}"
        if self.freq == "daily":
            return f"daily{times}"
        if self.freq == "working-days":
            return f"every working day{times}"
        if self.freq == "irregular":
            return "regular (period to be set)" if self.pending else "irregular"
        if self.freq == "weekly":
            names = ", ".join(WEEKDAYS[w].capitalize() for w in self.weekdays)
            if self.mode == "by":
                return f"weekly by {names}{times}"
            return f"every {names}{times}"
        if self.freq == "monthly":
            return f"monthly {self.mode} {_day_text(self.day)}{times}"
        if self.freq == "quarterly":
            day = _day_text(self.day)
            return f"quarterly {self.mode} {day} of month {self.month_of_quarter}{times}"
        # yearly
        if self.day is None:
            names = ", ".join(MONTHS[m - 1].capitalize() for m in self.months)
            return f"yearly in {names}{times}"
        return f"yearly {self.mode} {self.months[0]:02d}-{self.day:02d}{times}"

    def due_times(self, cal: CalendarLike | None = None) -> tuple[time, ...]:
        """Due times of each occurrence day: the named times, else 23:59 (by/in) or day start."""
        if self.times:
            return self.times
        if self.mode == "by":
            return (DUE_BY_TIME,)
        return ((cal or _MonFri()).day_start,)

    def occurrences(
        self, start: date, end: date, calendar: CalendarLike | None = None
    ) -> list[datetime]:
        """Due moments whose date lies in [start, end] (both inclusive), sorted.

        `calendar` decides working days (for `every working day`, `first/last working` day
        specs) and the start of the working day; without one, Monday–Friday from 09:00.
        Holiday adjustment of the other forms is the caller's job (`WorkCalendar.adjust`).
        """
        if end < start or self.freq == "irregular":
            return []
        cal: CalendarLike = calendar if calendar is not None else _MonFri()
        days = self._due_dates(start, end, cal)
        if self.freq == "hourly":
            slots = self._hourly_slots()
            return [datetime.combine(d, t) for d in days for t in slots]
        times = self.due_times(cal)
        return [datetime.combine(d, t) for d in days for t in times]

    def _hourly_slots(self) -> list[time]:
        first, last = self.window or (time(0, 0), time(23, 59))
        step = 60 * self.every_hours
        lo = first.hour * 60 + first.minute
        hi = last.hour * 60 + last.minute
        return [time(m // 60, m % 60) for m in range(lo, hi + 1, step)]

    def _due_dates(self, start: date, end: date, cal: CalendarLike) -> list[date]:
        out: list[date] = []
        if self.freq == "once":
            assert self.on_date is not None
            return [self.on_date] if start <= self.on_date <= end else []
        if self.freq in ("hourly", "daily", "working-days", "weekly"):
            keep: Callable[[date], bool]
            if self.freq == "working-days":
                keep = cal.is_working_day
            elif self.freq == "weekly":
                wanted = set(self.weekdays)
                keep = lambda d: d.weekday() in wanted  # noqa: E731
            else:
                keep = lambda d: True  # noqa: E731
            d = start
            while d <= end:
                if keep(d):
                    out.append(d)
                d += timedelta(days=1)
            return out
        # Month-based forms: walk the months that can hold a due date in range.
        for year in range(start.year, end.year + 1):
            for month in self._months_of(year):
                d2 = self._resolve_day(year, month, cal)
                if d2 is not None and start <= d2 <= end:
                    out.append(d2)
        return out

    def _months_of(self, year: int) -> tuple[int, ...]:
        del year
        if self.freq == "monthly":
            return tuple(range(1, 13))
        if self.freq == "quarterly":
            assert self.month_of_quarter is not None
            return tuple(q * 3 + self.month_of_quarter for q in range(4))
        return self.months

    def _resolve_day(self, year: int, month: int, cal: CalendarLike) -> date | None:
        last = _cal.monthrange(year, month)[1]
        spec = self.day
        if spec is None or spec == "last":  # "yearly in December" = by the month's last day
            return date(year, month, last)
        if isinstance(spec, int):
            return date(year, month, min(spec, last))
        days = range(1, last + 1) if spec == "first working" else range(last, 0, -1)
        for n in days:
            d = date(year, month, n)
            if cal.is_working_day(d):
                return d
        return None  # a month with no working day at all: nothing is due


def _day_text(day: DaySpec | None) -> str:
    if isinstance(day, int):
        return f"day {day}"
    if day == "last":
        return "last day"
    return f"{day} day"


def _rec_error(text: str, why: str) -> ValueError:
    return ValueError(f"invalid recurrence {text!r}: {why}. Accepted forms: {RECURRENCE_FORMS}")


_TIME = r"(?:[01]?\d|2[0-3]):[0-5]\d"
_TIMES_RE = re.compile(
    rf"^(?P<rest>.*?)\s*(?P<times>(?<![\d:])(?:(?:at\s+)?{_TIME})(?:\s*(?:,|and)\s*{_TIME})*)$",
    re.ASCII,
)
_WINDOW_RE = re.compile(rf"^(?P<a>{_TIME})\s*(?:-|to|~)\s*(?P<b>{_TIME})$", re.ASCII)
_DAY_RE = re.compile(
    r"^(?:(?:day\s+(?P<n>\d{1,2}))|(?:the\s+)?(?P<nth>\d{1,2})(?:st|nd|rd|th)"
    r"|(?:the\s+)?(?P<word>last day|first working day|last working day))$",
    re.ASCII,
)


def _match(pattern: str, s: str) -> re.Match[str] | None:
    """`re.match` restricted to ASCII digits, so only canonical-looking text is accepted."""
    return re.match(pattern, s, re.ASCII)


def _mode(s: str) -> Mode:
    return "by" if s == "by" else "on"


def _parse_time(s: str) -> time:
    h, m = s.split(":")
    return time(int(h), int(m))


def _split_list(s: str) -> list[str]:
    return [p for p in re.split(r"\s*(?:,|\band\b)\s*", s) if p]


def _parse_day(s: str, text: str) -> DaySpec:
    m = _DAY_RE.match(s)
    if not m:
        raise _rec_error(
            text, f"cannot read the day {s!r} (say 'day 25', 'last day' or 'last working day')"
        )
    if m["word"]:
        return {
            "last day": "last",
            "first working day": "first working",
            "last working day": "last working",
        }[m["word"]]  # type: ignore[return-value]
    n = int(m["n"] or m["nth"])
    if not 1 <= n <= 31:
        raise _rec_error(text, f"day {n} is not between 1 and 31")
    return n


def parse_recurrence(text: str) -> Recurrence:
    """Parse a recurrence such as `every Friday 14:30` or `monthly by day 25` (ValueError if not).

    Grammar (case-insensitive; an optional trailing time list ``HH:MM[, HH:MM…]`` on every
    form except the hourly ones):

    - ``once on|by YYYY-MM-DD`` (also bare ``on|by YYYY-MM-DD``)
    - ``hourly [HH:MM-HH:MM]``, ``every N hours [HH:MM-HH:MM]``: every N hours from the
      window's start up to and including its end (no window: the whole day)
    - ``daily`` / ``every day``; ``every working day`` / ``every workday``
    - ``every <weekday>[, <weekday>…]``, ``weekly on <weekday>…`` (names or 3-letter abbrev.)
    - ``monthly on|by <day>`` with <day> = ``day N`` / ``Nth`` / ``last day`` /
      ``first working day`` / ``last working day``; bare ``monthly last working day`` is a
      deadline (``by``). Day 29–31 is clamped to the month's last day.
    - ``quarterly on|by <day> of month M`` (M = 1..3: month within the quarter)
    - ``yearly in <Month>[, <Month>…]`` (by the month's last day), ``twice yearly in A and B``,
      ``yearly on|by MM-DD`` (29 Feb is clamped to 28 Feb in common years)
    """
    if not isinstance(text, str):
        raise _rec_error(repr(text), "a recurrence must be text")
    norm = _normalise(text)
    if not norm:
        raise _rec_error(text, "it is empty")
    try:
        return _parse_recurrence(norm, text)
    except ValueError as exc:
        if str(exc).startswith("invalid recurrence"):
            raise
        raise _rec_error(text, str(exc)) from None


def _parse_recurrence(norm: str, text: str) -> Recurrence:
    # Hourly forms carry a window, not a time list: handle them before splitting times off.
    m = _match(
        r"^(?:hourly|every hour|every (?P<n>\d{1,2}) hours?)(?:\s+(?:from\s+)?(?P<w>.+))?$", norm
    )
    if m:
        n = int(m["n"] or 1)
        if not 1 <= n <= 23:
            raise _rec_error(text, "the hour step must be between 1 and 23")
        window = None
        if m["w"]:
            wm = _WINDOW_RE.match(m["w"])
            if not wm:
                raise _rec_error(text, f"cannot read the window {m['w']!r} (say '08:00-22:00')")
            a, b = _parse_time(wm["a"]), _parse_time(wm["b"])
            if b < a:
                raise _rec_error(text, "the window must not cross midnight")
            window = (a, b)
        return Recurrence(freq="hourly", every_hours=n, window=window)

    body, times = norm, cast(tuple[time, ...], ())
    tm = _TIMES_RE.match(norm)
    if tm and tm["rest"]:
        body = tm["rest"]
        raw = re.sub(r"^at\s+", "", tm["times"])
        parsed = [_parse_time(t) for t in re.findall(_TIME, raw, re.ASCII)]
        if len(set(parsed)) != len(parsed):
            raise _rec_error(text, "a time is listed twice")
        times = tuple(sorted(parsed))
    body = re.sub(r"\s+at$", "", body)

    if body in IRREGULAR_WORDS:
        return Recurrence(freq="irregular")
    if body in PENDING_WORDS:
        return Recurrence(freq="irregular", pending=True)
    # A bare period is a deadline at its end (每周上报, 每月编写, 每季度, 每年).
    if body in ("weekly", "every week"):
        return Recurrence(freq="weekly", mode="by", times=times, weekdays=(6,))
    if body in ("monthly", "every month"):
        return Recurrence(freq="monthly", mode="by", times=times, day="last")
    if body in ("quarterly", "every quarter"):
        return Recurrence(freq="quarterly", mode="by", times=times, day="last",
                          month_of_quarter=3)
    if body in ("yearly", "annually", "every year"):
        return Recurrence(freq="yearly", mode="by", times=times, months=(12,), day=31)
    m = _match(r"^weekly\s+by\s+(?P<day>\w+)$", body)
    if m:
        wd = _WEEKDAY_NAMES.get(m["day"])
        if wd is None:
            raise _rec_error(text, f"{m['day']!r} is not a weekday (Monday … Sunday)")
        return Recurrence(freq="weekly", mode="by", times=times, weekdays=(wd,))
    if body in ("daily", "every day"):
        return Recurrence(freq="daily", times=times)
    if body in (
        "every working day",
        "every workday",
        "every work day",
        "working days",
        "daily on working days",
    ):
        return Recurrence(freq="working-days", times=times)

    m = _match(r"^(?:once\s+)?(?P<mode>on|by)\s+(?P<d>\d{4}-\d{2}-\d{2})$", body)
    if m:
        try:
            d = date.fromisoformat(m["d"])
        except ValueError:
            raise _rec_error(text, f"{m['d']} is not a real date") from None
        return Recurrence(freq="once", mode=_mode(m["mode"]), times=times, on_date=d)

    m = _match(r"^(?:every week on|weekly on|weekly|every)\s+(?P<days>.+)$", body)
    if m:
        names = _split_list(m["days"])
        wds: list[int] = []
        for name in names:
            wd = _WEEKDAY_NAMES.get(name.removesuffix("s") if name.endswith("days") else name)
            if wd is None:
                raise _rec_error(text, f"{name!r} is not a weekday (Monday … Sunday or Mon … Sun)")
            if wd in wds:
                raise _rec_error(text, f"{name!r} is listed twice")
            wds.append(wd)
        if not wds:
            raise _rec_error(text, "name at least one weekday, e.g. 'every Friday'")
        return Recurrence(freq="weekly", times=times, weekdays=tuple(sorted(wds)))

    m = _match(r"^monthly\s+(?:(?P<mode>on|by)\s+)?(?P<day>.+)$", body)
    if m:
        day = _parse_day(m["day"], text)
        mode = m["mode"]
        if mode is None:
            if day != "last working":
                raise _rec_error(text, "say 'on' or 'by', e.g. 'monthly by day 25'")
            mode = "by"  # bare "monthly last working day" is a month-end deadline
        return Recurrence(freq="monthly", mode=_mode(mode), times=times, day=day)

    m = _match(
        r"^quarterly\s+(?P<mode>on|by)\s+(?P<day>.+?)\s+of\s+(?:the\s+)?month\s+(?P<q>\d+)$", body
    )
    if m:
        q = int(m["q"])
        if not 1 <= q <= 3:
            raise _rec_error(text, "the month of the quarter must be 1, 2 or 3")
        return Recurrence(
            freq="quarterly",
            mode=_mode(m["mode"]),
            times=times,
            day=_parse_day(m["day"], text),
            month_of_quarter=q,
        )
    if body.startswith("quarterly"):
        raise _rec_error(
            text,
            "say which day of which month of the quarter, e.g. 'quarterly by day 25 of month 3'",
        )

    m = _match(
        r"^(?P<count>once|twice|\d+ times)?\s*(?:yearly|annually|every year)\s+in\s+(?P<ms>.+)$",
        body,
    )
    if m:
        months: list[int] = []
        for name in _split_list(m["ms"]):
            mo = _MONTH_NAMES.get(name)
            if mo is None:
                raise _rec_error(text, f"{name!r} is not a month (January … December or Jan … Dec)")
            if mo in months:
                raise _rec_error(text, f"{name!r} is listed twice")
            months.append(mo)
        count = m["count"]
        if count:
            expected = {"once": 1, "twice": 2}.get(count) or int(count.split()[0])
            if expected != len(months):
                raise _rec_error(
                    text, f"'{count}' does not match the {len(months)} month(s) listed"
                )
        return Recurrence(freq="yearly", mode="by", times=times, months=tuple(sorted(months)))

    m = _match(
        r"^(?:yearly|annually|every year)\s+(?P<mode>on|by)\s+(?P<m>\d{1,2})-(?P<d>\d{1,2})$", body
    )
    if m:
        mo, dd = int(m["m"]), int(m["d"])
        if not 1 <= mo <= 12 or not 1 <= dd <= _cal.monthrange(2000, mo)[1]:
            raise _rec_error(text, f"{m['m']}-{m['d']} is not a real month-day")
        return Recurrence(freq="yearly", mode=_mode(m["mode"]), times=times, months=(mo,), day=dd)

    bad_time = re.search(r"\d+:\d+", body, re.ASCII)
    if bad_time and not re.fullmatch(_TIME, bad_time[0], re.ASCII):
        raise _rec_error(text, f"{bad_time[0]!r} is not a time of day (00:00 to 23:59)")
    raise _rec_error(text, "unrecognised form")
