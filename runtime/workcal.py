"""Working time on a property calendar: working hours, weekends, public holidays, make-up days.

All naive datetimes are local property time (Asia/Shanghai, UTC+8, no daylight saving time).
An aware datetime given to any method is converted to UTC+8 and made naive; results are naive.

Which days are working days, highest precedence first:

1. the property's extra ``workdays`` (make-up working days it adds itself);
2. the property's extra ``holidays``;
3. the year's official data — a ``YearOverride`` from the rules when there is one for that
   year (it *replaces* the package's data: the State Council publishes each year's schedule
   late), else the `holidays` package: public holidays and make-up working days (调休);
4. ``working_weekdays`` (Monday–Friday by default).

China data: the `holidays` package carries the State Council's exact schedule (holidays,
bridge days and make-up weekend workdays) only for the years listed in
``ChinaStaticHolidays.special_public_holidays`` (2001–2026 in holidays 0.109). For any other
year the calendar falls back to the statutory public holidays alone (元旦, 春节, 清明, 劳动节,
端午, 中秋, 国庆 on their legal dates, lunar ones included) plus weekends — no guessed bridge
or make-up days — and emits a `CalendarWarning` (also kept in ``WorkCalendar.warnings``).
If even that fails (a year the package cannot compute) only the fixed-date holidays remain.

Speed: everything is day-level arithmetic on cached per-year sorted lists of working-day
ordinals (bisect), never minute loops; within a day, offsets are integer microseconds.
"""

from __future__ import annotations

import sys
import warnings as _warnings
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

from runtime.compiler.timeexpr import Duration

__all__ = [
    "ADJUST_POLICIES",
    "AdjustPolicy",
    "CalendarWarning",
    "PatternCalendar",
    "WorkCalendar",
    "YearOverride",
    "china_exact_years",
]

AdjustPolicy = Literal["keep", "previous-working-day", "next-working-day", "skip"]
ADJUST_POLICIES: tuple[AdjustPolicy, ...] = (
    "keep",
    "previous-working-day",
    "next-working-day",
    "skip",
)

_US_PER_MIN = 60_000_000
_DAY_US = 1440 * _US_PER_MIN
_LOCAL = timezone(timedelta(hours=8))  # Asia/Shanghai has had no DST since 1991
_MAX_EMPTY_YEARS = 20  # searching further for a working day means the calendar is misconfigured

# Fixed-date statutory holidays: the last resort when the package cannot compute a year.
_FIXED_CN: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)


class CalendarWarning(UserWarning):
    """A calendar year is computed without official data (fallback in use)."""


@dataclass(frozen=True)
class YearOverride:
    """One year's official schedule from the rules; replaces the package's data for that year."""

    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: frozenset[date] = frozenset()
    source: str = ""  # where it came from, e.g. "rules/calendar.yaml:14", for messages


@dataclass(frozen=True)
class _YearData:
    holidays: Mapping[date, str]
    workdays: frozenset[date]
    warning: str | None


def _country_holidays(
    country: str, year: int, observed: bool = True
) -> tuple[dict[date, str], set[date]]:
    """Holidays and weekend workdays of `year` from the `holidays` package (may raise)."""
    import holidays as hol_pkg  # heavy import, only when a calendar first needs a year

    kwargs: dict[str, object] = {"years": year, "observed": observed}
    if country == "CN":
        kwargs["language"] = "zh_CN"
    h = hol_pkg.country_holidays(country, **kwargs)  # type: ignore[arg-type]
    days = {d: str(n) for d, n in h.items() if d.year == year}
    workdays = {d for d in getattr(h, "weekend_workdays", set()) if d.year == year}
    return days, workdays


def china_exact_years() -> frozenset[int]:
    """Years for which the installed `holidays` package has the State Council's exact schedule."""
    try:
        from holidays.countries.china import ChinaStaticHolidays
    except ImportError:  # pragma: no cover - depends on the package layout
        return frozenset()
    return frozenset(ChinaStaticHolidays.special_public_holidays)


@lru_cache(maxsize=512)
def _official_year(country: str, year: int) -> _YearData:
    """The package's data for one country-year (cached process-wide; the package is slow)."""
    if country != "CN":
        try:
            days, workdays = _country_holidays(country, year)
        except Exception as exc:  # the package fails for years it cannot compute
            return _YearData(
                {}, frozenset(), f"{country} {year}: no holiday data ({exc}); weekends only"
            )
        return _YearData(days, frozenset(workdays), None)

    exact = china_exact_years()
    if year in exact:
        days, workdays = _country_holidays("CN", year)
        if year + 1 in exact:
            # A schedule may move a working day into the previous year (e.g. 29 Dec 2001).
            with_next = _country_holidays("CN", year + 1)[1]
            workdays |= {d for d in with_next if d.year == year}
        return _YearData(days, frozenset(workdays), None)

    span = f"{min(exact)}-{max(exact)}" if exact else "no year"
    note = (
        f"China {year}: the holidays package has no official holiday schedule for this year "
        f"(it covers {span}); using statutory public holidays only, with no bridge days and no "
        f"make-up working days. Add the State Council's {year} schedule as a calendar override."
    )
    try:
        days, _ = _country_holidays("CN", year, observed=False)
    except Exception:  # outside the package's range: it may raise instead of returning nothing
        days = {}
    if not days:
        note += " The package has no data at all for it: fixed-date holidays only."
    for m, d, name in _FIXED_CN:
        days.setdefault(date(year, m, d), name)
    return _YearData(days, frozenset(), note)


def _outside_stacklevel() -> int:
    """Stack level of the first caller outside this module, so warnings point at user code."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
        level += 1
    return level


def _offset(dt: datetime) -> int:
    """Microseconds since local midnight."""
    return ((dt.hour * 60 + dt.minute) * 60 + dt.second) * 1_000_000 + dt.microsecond


def _at(ordinal: int, offset_us: int) -> datetime:
    return datetime.fromordinal(ordinal) + timedelta(microseconds=offset_us)


def local(dt: datetime) -> datetime:
    """Naive local time; aware datetimes are converted to UTC+8 first."""
    if dt.tzinfo is None:
        return dt
    return dt.astimezone(_LOCAL).replace(tzinfo=None)


def _as_date(value: object) -> date:
    """A date from a date or an ISO `YYYY-MM-DD` string (ValueError otherwise)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a date (write YYYY-MM-DD)") from None


def _time_us(t: time, is_end: bool) -> int:
    us = _offset(datetime.combine(date.min, t))
    # An end of 00:00 means midnight at the end of the day (a period like 18:00–00:00).
    return _DAY_US if is_end and us == 0 else us


class WorkCalendar:
    """A property's working calendar: working hours, working weekdays, holidays and make-up days."""

    def __init__(
        self,
        working_hours: Sequence[tuple[time, time]] = ((time(8, 30), time(17, 30)),),
        working_weekdays: Iterable[int] = (0, 1, 2, 3, 4),
        holidays: Mapping[date, str] | None = None,
        workdays: Iterable[date] | None = None,
        country: str | None = "CN",
        overrides: Mapping[int, YearOverride] | None = None,
    ) -> None:
        self.working_hours: tuple[tuple[time, time], ...] = tuple(working_hours)
        self.working_weekdays: frozenset[int] = frozenset(working_weekdays)
        self.holidays: dict[date, str] = dict(holidays or {})
        self.workdays: frozenset[date] = frozenset(workdays or ())
        self.country = country.upper() if country else None
        self.overrides: dict[int, YearOverride] = dict(overrides or {})
        self.warnings: list[str] = []
        self._intervals = self._check_hours(self.working_hours)
        self._per_day_us = sum(e - s for s, e in self._intervals)
        self._check_days()
        self._years: dict[int, _YearData] = {}
        self._day_cache: dict[int, bool] = {}
        self._year_lists: dict[int, list[int]] = {}

    @classmethod
    def from_spec(cls, spec: Any) -> WorkCalendar:
        """Build from any object with the rule model's calendar attributes.

        Reads `working_hours`, `working_weekdays`, `country`, `holidays`, `workdays` and
        `overrides` (year -> object with `holidays` and `workdays`); dates may be `date`s or
        ISO strings. Missing attributes take the constructor's defaults; empty working hours
        mean 08:30-17:30. Raises ValueError naming the first bad date.
        """
        overrides = {
            int(year): YearOverride(
                holidays={_as_date(k): str(v) for k, v in dict(ov.holidays).items()},
                workdays=frozenset(_as_date(x) for x in ov.workdays),
            )
            for year, ov in dict(getattr(spec, "overrides", None) or {}).items()
        }
        return cls(
            working_hours=tuple(getattr(spec, "working_hours", ()) or ())
            or ((time(8, 30), time(17, 30)),),
            working_weekdays=tuple(getattr(spec, "working_weekdays", ()) or ()) or (0, 1, 2, 3, 4),
            holidays={
                _as_date(k): str(v) for k, v in dict(getattr(spec, "holidays", None) or {}).items()
            },
            workdays=[_as_date(x) for x in getattr(spec, "workdays", None) or ()],
            country=getattr(spec, "country", "CN"),
            overrides=overrides,
        )

    # ------------------------------------------------------------------ validation

    @staticmethod
    def _check_hours(hours: Sequence[tuple[time, time]]) -> tuple[tuple[int, int], ...]:
        if not hours:
            raise ValueError("working_hours needs at least one period, e.g. 08:30-17:30")
        spans = sorted((_time_us(a, False), _time_us(b, True)) for a, b in hours)
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if e <= s:
                raise ValueError(
                    "a working period must end after it starts on the same day "
                    f"(got {s // _US_PER_MIN // 60:02d}:{s // _US_PER_MIN % 60:02d}-"
                    f"{e // _US_PER_MIN // 60:02d}:{e // _US_PER_MIN % 60:02d})"
                )
            if merged and s < merged[-1][1]:
                raise ValueError("working periods overlap")
            if merged and s == merged[-1][1]:  # touching periods are one period
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        return tuple(merged)

    def _check_days(self) -> None:
        if not self.working_weekdays <= set(range(7)):
            raise ValueError("working_weekdays are 0 (Monday) to 6 (Sunday)")
        both = sorted(self.workdays & self.holidays.keys())
        if both:
            raise ValueError(f"dates both holiday and working day: {', '.join(map(str, both))}")
        for year, ov in self.overrides.items():
            stray = sorted(d for d in (*ov.holidays, *ov.workdays) if d.year != year)
            if stray:
                raise ValueError(
                    f"override for {year} lists dates of another year: {', '.join(map(str, stray))}"
                )
            clash = sorted(ov.workdays & ov.holidays.keys())
            if clash:
                raise ValueError(
                    f"override for {year}: dates both holiday and working day: "
                    f"{', '.join(map(str, clash))}"
                )
        if self.country is not None:
            import holidays as hol_pkg

            if self.country not in hol_pkg.list_supported_countries():
                raise ValueError(f"unknown country code {self.country!r} for public holidays")

    # ------------------------------------------------------------------ days

    def _year(self, year: int) -> _YearData:
        data = self._years.get(year)
        if data is None:
            if year in self.overrides:
                ov = self.overrides[year]
                data = _YearData(dict(ov.holidays), frozenset(ov.workdays), None)
            elif self.country is None:
                data = _YearData({}, frozenset(), None)
            else:
                data = _official_year(self.country, year)
            if data.warning and data.warning not in self.warnings:
                self.warnings.append(data.warning)
                _warnings.warn(data.warning, CalendarWarning, stacklevel=_outside_stacklevel())
            self._years[year] = data
        return data

    def _working_ordinal(self, o: int) -> bool:
        hit = self._day_cache.get(o)
        if hit is None:
            d = date.fromordinal(o)
            if d in self.workdays:
                hit = True
            elif d in self.holidays:
                hit = False
            else:
                data = self._year(d.year)
                if d in data.workdays:
                    hit = True
                elif d in data.holidays:
                    hit = False
                else:
                    hit = d.weekday() in self.working_weekdays
            self._day_cache[o] = hit
        return hit

    def is_working_day(self, d: date, /) -> bool:
        """True when staff work on `d` (a datetime counts by its date)."""
        if isinstance(d, datetime):
            d = local(d).date()
        return self._working_ordinal(d.toordinal())

    def holiday_name(self, d: date) -> str | None:
        """The holiday's name on `d` (Chinese for CN), or None when `d` is not a holiday."""
        if d in self.workdays:
            return None
        if d in self.holidays:
            return self.holidays[d]
        data = self._year(d.year)
        return None if d in data.workdays else data.holidays.get(d)

    def holidays_in(self, year: int) -> dict[date, str]:
        """Every non-working holiday of `year` with its name (for display and docs)."""
        data = self._year(year)
        out = {d: n for d, n in data.holidays.items() if d not in data.workdays}
        out.update({d: n for d, n in self.holidays.items() if d.year == year})
        return {d: out[d] for d in sorted(out) if d not in self.workdays}

    def makeup_workdays_in(self, year: int) -> list[date]:
        """Working days of `year` on a normally free weekday (调休 and property extras)."""
        return [d for d in self._year_list_dates(year) if d.weekday() not in self.working_weekdays]

    def is_exact_year(self, year: int) -> bool:
        """False when `year` is computed by the fallback (no official data, no override)."""
        return self._year(year).warning is None

    @property
    def day_start(self) -> time:
        """Start of the first working period of the day."""
        return self.working_hours_us_to_time(self._intervals[0][0])

    @property
    def day_end(self) -> time:
        """End of the last working period (23:59:59.999999 stands for midnight)."""
        end = self._intervals[-1][1]
        return self.working_hours_us_to_time(min(end, _DAY_US - 1))

    @property
    def minutes_per_day(self) -> float:
        """Working minutes in one working day."""
        return self._per_day_us / _US_PER_MIN

    @staticmethod
    def working_hours_us_to_time(us: int) -> time:
        """Microseconds since midnight as a time of day."""
        return (datetime.min + timedelta(microseconds=us)).time()

    def _year_list(self, year: int) -> list[int]:
        lst = self._year_lists.get(year)
        if lst is None:
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            lst = [o for o in range(first, last + 1) if self._working_ordinal(o)]
            self._year_lists[year] = lst
        return lst

    def _year_list_dates(self, year: int) -> list[date]:
        return [date.fromordinal(o) for o in self._year_list(year)]

    def _nth_working_after(self, o: int, n: int) -> int:
        """Ordinal of the n-th working day strictly after ordinal `o` (n >= 1)."""
        year = date.fromordinal(o).year
        lst = self._year_list(year)
        i = bisect_right(lst, o)
        empty = 0
        while i + n - 1 >= len(lst):
            n -= len(lst) - i
            empty = empty + 1 if not lst else 0
            year += 1
            if year > 9999 or empty > _MAX_EMPTY_YEARS:
                raise ValueError("no working day found: the calendar has no working days left")
            lst = self._year_list(year)
            i = 0
        return lst[i + n - 1]

    def _prev_working_before(self, o: int) -> int:
        """Ordinal of the last working day strictly before ordinal `o`."""
        year = date.fromordinal(o).year
        lst = self._year_list(year)
        i = bisect_left(lst, o)
        scanned = 0
        while i == 0:
            year -= 1
            scanned += 1
            if year < 1 or scanned > _MAX_EMPTY_YEARS:
                raise ValueError("no earlier working day found in the calendar")
            lst = self._year_list(year)
            i = len(lst)
        return lst[i - 1]

    def _count_working(self, lo: int, hi: int) -> int:
        """Number of working days with ordinal in [lo, hi)."""
        if hi <= lo:
            return 0
        y_lo, y_hi = date.fromordinal(lo).year, date.fromordinal(hi - 1).year
        total = 0
        for year in range(y_lo, y_hi + 1):
            lst = self._year_list(year)
            total += bisect_left(lst, hi) - bisect_left(lst, lo)
        return total

    def adjust(self, d: date, policy: AdjustPolicy | str) -> date | None:
        """Move a due date off a non-working day: keep, previous/next working day, skip (None)."""
        if policy not in ADJUST_POLICIES:
            raise ValueError(
                f"unknown holiday policy {policy!r}; use one of: {', '.join(ADJUST_POLICIES)}"
            )
        if policy == "keep" or self.is_working_day(d):
            return d
        if policy == "skip":
            return None
        o = d.toordinal()
        if policy == "next-working-day":
            return date.fromordinal(self._nth_working_after(o, 1))
        return date.fromordinal(self._prev_working_before(o))

    # ------------------------------------------------------------------ time of day

    def is_working_time(self, dt: datetime) -> bool:
        """True when `dt` falls inside working hours of a working day (periods are [start, end))."""
        dt = local(dt)
        if not self._working_ordinal(dt.toordinal()):
            return False
        off = _offset(dt)
        return any(s <= off < e for s, e in self._intervals)

    def next_working_moment(self, dt: datetime) -> datetime:
        """`dt` itself when it is working time, else the start of the next working period."""
        dt = local(dt)
        o = dt.toordinal()
        if self._working_ordinal(o):
            off = _offset(dt)
            for s, e in self._intervals:
                if off < e:
                    return dt if off >= s else _at(o, s)
        return _at(self._nth_working_after(o, 1), self._intervals[0][0])

    def _day_overlap(self, o: int, lo: int, hi: int) -> int:
        """Working microseconds of day `o` between offsets lo and hi."""
        if hi <= lo or not self._working_ordinal(o):
            return 0
        return sum(max(0, min(e, hi) - max(s, lo)) for s, e in self._intervals)

    def _working_us_between(self, a: datetime, b: datetime) -> int:
        oa, ob = a.toordinal(), b.toordinal()
        fa, fb = _offset(a), _offset(b)
        if oa == ob:
            return self._day_overlap(oa, fa, fb)
        return (
            self._day_overlap(oa, fa, _DAY_US)
            + self._count_working(oa + 1, ob) * self._per_day_us
            + self._day_overlap(ob, 0, fb)
        )

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        """Working minutes from `a` to `b`; negative when `b` is before `a`."""
        a, b = local(a), local(b)
        if b < a:
            return -self._working_us_between(b, a) / _US_PER_MIN
        return self._working_us_between(a, b) / _US_PER_MIN

    def _add_working_us(self, dt: datetime, us: int) -> datetime:
        if us <= 0:
            return dt
        o = dt.toordinal()
        if self._working_ordinal(o):
            off = _offset(dt)
            for s, e in self._intervals:
                if off < e:
                    start = max(off, s)
                    avail = e - start
                    # `<=`: a limit that ends exactly at 12:00 is due at 12:00, not after lunch.
                    if us <= avail:
                        return _at(o, start + us)
                    us -= avail
        whole_days = (us - 1) // self._per_day_us
        rest = us - whole_days * self._per_day_us  # in (0, per_day]
        o = self._nth_working_after(o, whole_days + 1)
        for s, e in self._intervals:
            if rest <= e - s:
                return _at(o, s + rest)
            rest -= e - s
        raise AssertionError("unreachable: rest never exceeds a working day")

    def add(self, dt: datetime, duration: Duration) -> datetime:
        """Deadline `duration` after `dt`.

        Wall-clock durations: plain timedelta; months/years are calendar months (day clamped).
        Working minutes/hours: counted only inside working hours of working days; a deadline
        that uses up a period exactly lands on that period's end (e.g. 12:00, 17:30).
        Working days: start at the next working moment, then the same time of day N working
        days later (Friday 16:00 + 2 working days = Tuesday 16:00; Saturday 10:00 + 2 working
        days = Wednesday 08:30).
        """
        dt = local(dt)
        if not duration.working:
            return duration.add_to(dt)
        if duration.unit == "days":
            start = self.next_working_moment(dt)
            target = self._nth_working_after(start.toordinal(), int(duration.amount))
            return datetime.combine(date.fromordinal(target), start.time())
        return self._add_working_us(dt, duration.total_minutes * _US_PER_MIN)

    def elapsed(
        self,
        a: datetime,
        b: datetime,
        working: bool,
        paused: Sequence[tuple[datetime, datetime]] = (),
    ) -> float:
        """Minutes from `a` to `b` (0 if b <= a), on working or wall-clock time, excluding pauses.

        Pauses may overlap each other and stick out of [a, b]; they are merged and clipped.
        A pause that ends before it starts is an error (ValueError), not silently ignored.
        """
        a, b = local(a), local(b)
        if b <= a:
            return 0.0
        spans: list[tuple[datetime, datetime]] = []
        for ps, pe in paused:
            ps, pe = local(ps), local(pe)
            if pe < ps:
                raise ValueError(
                    f"pause ends before it starts: {ps:%Y-%m-%d %H:%M} > {pe:%Y-%m-%d %H:%M}"
                )
            ps, pe = max(ps, a), min(pe, b)
            if ps < pe:
                spans.append((ps, pe))
        spans.sort()
        total_us = 0
        cursor = a
        for ps, pe in [*spans, (b, b)]:
            if ps > cursor:
                total_us += (
                    self._working_us_between(cursor, ps)
                    if working
                    else (ps - cursor) // timedelta(microseconds=1)
                )
            cursor = max(cursor, pe)
        return total_us / _US_PER_MIN


class PatternCalendar(WorkCalendar):
    """A role's own working time (工作制): its working days and periods, which may differ by
    date (冬/夏 seasons, a Saturday half day), on top of a property calendar's holidays.

    `hours_on(day, makeup)` gives the periods of a day ((): a day off by the pattern); `makeup`
    is true on an official make-up working day (调休上班), which a five-day role works as a full
    day. With `holidays_off` false the role works through public holidays (倒班). Arithmetic is
    per day (a loop over the days spanned), which is fine for step and clock lengths.
    """

    def __init__(self, base: WorkCalendar,
                 hours_on: Callable[[date, bool], Sequence[tuple[time, time]]],
                 holidays_off: bool = True) -> None:
        super().__init__(working_hours=base.working_hours, working_weekdays=range(7),
                         holidays=base.holidays, workdays=base.workdays, country=base.country,
                         overrides=base.overrides)
        self._hours_on = hours_on
        self.holidays_off = holidays_off
        self._iv_cache: dict[int, tuple[tuple[int, int], ...]] = {}

    def official(self, d: date) -> bool | None:
        """True on a make-up working day, False on a holiday, None on an ordinary day."""
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        data = self._year(d.year)
        if d in data.workdays:
            return True
        if d in data.holidays:
            return False
        return None

    def _iv(self, o: int) -> tuple[tuple[int, int], ...]:
        hit = self._iv_cache.get(o)
        if hit is None:
            d = date.fromordinal(o)
            official = self.official(d) if self.holidays_off else None
            periods = () if official is False else tuple(self._hours_on(d, official is True))
            hit = self._check_hours(periods) if periods else ()
            self._iv_cache[o] = hit
        return hit

    def _working_ordinal(self, o: int) -> bool:
        return bool(self._iv(o))

    def periods_on(self, d: date) -> tuple[tuple[time, time], ...]:
        """The working periods of `d` (() when the role does not work that day)."""
        return tuple((self.working_hours_us_to_time(s), self.working_hours_us_to_time(e)
                      if e < _DAY_US else time(23, 59, 59)) for s, e in self._iv(d.toordinal()))

    def is_working_time(self, dt: datetime) -> bool:
        """True inside one of the day's periods."""
        dt = local(dt)
        off = _offset(dt)
        return any(s <= off < e for s, e in self._iv(dt.toordinal()))

    def next_working_moment(self, dt: datetime) -> datetime:
        """`dt` when it is working time, else the start of the role's next period."""
        dt = local(dt)
        o = dt.toordinal()
        off = _offset(dt)
        for s, e in self._iv(o):
            if off < e:
                return dt if off >= s else _at(o, s)
        nxt = self._nth_working_after(o, 1)
        return _at(nxt, self._iv(nxt)[0][0])

    def _day_overlap(self, o: int, lo: int, hi: int) -> int:
        if hi <= lo:
            return 0
        return sum(max(0, min(e, hi) - max(s, lo)) for s, e in self._iv(o))

    def _working_us_between(self, a: datetime, b: datetime) -> int:
        oa, ob = a.toordinal(), b.toordinal()
        fa, fb = _offset(a), _offset(b)
        if oa == ob:
            return self._day_overlap(oa, fa, fb)
        total = self._day_overlap(oa, fa, _DAY_US) + self._day_overlap(ob, 0, fb)
        for o in range(oa + 1, ob):
            total += sum(e - s for s, e in self._iv(o))
        return total

    def _add_working_us(self, dt: datetime, us: int) -> datetime:
        if us <= 0:
            return dt
        o, off = dt.toordinal(), _offset(dt)
        while True:
            for s, e in self._iv(o):
                if off < e:
                    start = max(off, s)
                    if us <= e - start:
                        return _at(o, start + us)
                    us -= e - start
            o, off = self._nth_working_after(o, 1), 0
