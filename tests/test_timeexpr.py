"""Durations and recurrences: valid and invalid tables, canonical round trips, fuzzing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.compiler.timeexpr import (
    DEFAULT_DAY_START,
    Duration,
    Recurrence,
    add_months,
    parse_duration,
    parse_recurrence,
)

# --------------------------------------------------------------------------- durations

VALID_DURATIONS = [
    # text, amount, unit, working, canonical
    ("15m", 15, "minutes", False, "15m"),
    ("30 min", 30, "minutes", False, "30m"),
    ("45 mins", 45, "minutes", False, "45m"),
    ("1 minute", 1, "minutes", False, "1m"),
    ("1h", 1, "hours", False, "1h"),
    ("2 hours", 2, "hours", False, "2h"),
    ("24h", 24, "hours", False, "24h"),
    ("12 hr", 12, "hours", False, "12h"),
    ("1.5h", 1.5, "hours", False, "1.5h"),
    ("0.25h", 0.25, "hours", False, "0.25h"),
    (".5h", 0.5, "hours", False, "0.5h"),
    ("7d", 7, "days", False, "7d"),
    ("1 day", 1, "days", False, "1d"),
    ("1.5 days", 1.5, "days", False, "1.5d"),
    ("1w", 1, "weeks", False, "1w"),
    ("2 weeks", 2, "weeks", False, "2w"),
    ("3 months", 3, "months", False, "3 months"),
    ("1 month", 1, "months", False, "1 month"),
    ("6mo", 6, "months", False, "6 months"),
    ("2y", 2, "years", False, "2 years"),
    ("2 years", 2, "years", False, "2 years"),
    ("1 yr", 1, "years", False, "1 year"),
    ("2 working days", 2, "days", True, "2 working days"),
    ("30 working days", 30, "days", True, "30 working days"),
    ("1 working day", 1, "days", True, "1 working day"),
    ("4 working hours", 4, "hours", True, "4 working hours"),
    ("1.5 working hours", 1.5, "hours", True, "1.5 working hours"),
    ("30 working minutes", 30, "minutes", True, "30 working minutes"),
    ("2 WORKING DAYS", 2, "days", True, "2 working days"),
    ("  15   m  ", 15, "minutes", False, "15m"),
    ("+15m", 15, "minutes", False, "15m"),
    ("１５分钟", 15, "minutes", False, "15m"),  # full-width digits from a Chinese IME
    ("24小时", 24, "hours", False, "24h"),
    ("15分钟内", 15, "minutes", False, "15m"),
    ("15分钟以内", 15, "minutes", False, "15m"),
    ("2个工作日以内", 2, "days", True, "2 working days"),
    ("7天", 7, "days", False, "7d"),
    ("1周", 1, "weeks", False, "1w"),
    ("3个月", 3, "months", False, "3 months"),
    ("2年", 2, "years", False, "2 years"),
    ("2个工作日", 2, "days", True, "2 working days"),
    ("4工作小时", 4, "hours", True, "4 working hours"),
    ("100 years", 100, "years", False, "100 years"),
]


@pytest.mark.parametrize(("text", "amount", "unit", "working", "canonical"), VALID_DURATIONS)
def test_parse_duration_valid(
    text: str, amount: float, unit: str, working: bool, canonical: str
) -> None:
    d = parse_duration(text)
    assert (d.amount, d.unit, d.working) == (amount, unit, working)
    assert str(d) == canonical
    assert parse_duration(str(d)) == d  # the canonical text parses back to the same value


INVALID_DURATIONS = [
    ("", "it is empty"),
    ("   ", "it is empty"),
    ("-5m", "cannot be negative"),
    ("- 2 hours", "cannot be negative"),
    ("0m", "greater than zero"),
    ("0 working days", "greater than zero"),
    ("0.0h", "greater than zero"),
    ("3 fortnights", "unknown unit 'fortnights'"),
    ("5 parsecs", "unknown unit"),
    ("5", "expected a number followed by a unit"),
    ("h", "expected a number followed by a unit"),
    ("hours 5", "expected a number followed by a unit"),
    ("abc", "expected a number followed by a unit"),
    ("1h30m", "use a single unit"),
    ("2 hours 30 minutes", "use a single unit"),
    ("1,5h", "expected a number"),
    ("1e3h", "use a single unit"),
    ("5 m m", "expected a number"),
    ("1.5 working days", "whole number"),
    ("0.5 working day", "whole number"),
    ("1.5 months", "whole number"),
    ("2.5y", "whole number"),
    ("2 working weeks", "only minutes, hours and days"),
    ("1 working month", "only minutes, hours and days"),
    ("1 working year", "only minutes, hours and days"),
    ("0.01h", "whole number of minutes"),
    ("1.5m", "whole number of minutes"),
    ("101 years", "cannot exceed 100 years"),
    ("9" * 400 + "m", "cannot exceed 100 years"),
    ("3M", "'M' is ambiguous"),
    ("working 2 days", "expected a number"),
    ("2 days working", "expected a number followed by a unit"),
    ("two days", "expected a number"),
    ("٣h", "expected a number"),  # non-ASCII digits other than full-width are not numbers here
    ("∞h", "expected a number"),
    ("nan h", "expected a number"),
]


@pytest.mark.parametrize(("text", "fragment"), INVALID_DURATIONS)
def test_parse_duration_invalid(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    message = str(info.value)
    assert fragment in message
    assert "Accepted forms: 15m" in message  # every message lists the accepted forms
    assert repr(text) in message


@pytest.mark.parametrize("value", [None, 15, 1.5, ["1h"]])
def test_parse_duration_rejects_non_text(value: object) -> None:
    with pytest.raises(ValueError, match="must be text"):
        parse_duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("15m", 15),
        ("1.5h", 90),
        ("24h", 1440),
        ("7d", 10080),
        ("1w", 10080),
        ("4 working hours", 240),
        ("30 working minutes", 30),
    ],
)
def test_total_minutes(text: str, minutes: int) -> None:
    assert parse_duration(text).total_minutes == minutes


@pytest.mark.parametrize("text", ["3 months", "2 years", "2 working days"])
def test_total_minutes_not_meaningful(text: str) -> None:
    with pytest.raises(ValueError, match="no fixed length"):
        _ = parse_duration(text).total_minutes


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("15m", timedelta(minutes=15)),
        ("1.5h", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(days=14)),
    ],
)
def test_to_timedelta(text: str, delta: timedelta) -> None:
    assert parse_duration(text).to_timedelta() == delta


@pytest.mark.parametrize("text", ["3 months", "1 year", "2 working days", "4 working hours"])
def test_to_timedelta_refuses_calendar_and_working_units(text: str) -> None:
    with pytest.raises(ValueError, match="no fixed wall-clock length"):
        parse_duration(text).to_timedelta()


def test_approx_timedelta_orders_units() -> None:
    order = ["15m", "4 working hours", "1d", "2 working days", "1w", "1 month", "1 year"]
    lengths = [parse_duration(t).approx_timedelta() for t in order]
    assert lengths == sorted(lengths)
    assert parse_duration("2 working days").approx_timedelta() == timedelta(days=2.8)


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        (datetime(2026, 1, 31, 9), "1 month", datetime(2026, 2, 28, 9)),
        (datetime(2024, 1, 31, 9), "1 month", datetime(2024, 2, 29, 9)),
        (datetime(2026, 11, 30, 9), "3 months", datetime(2027, 2, 28, 9)),
        (datetime(2024, 2, 29, 9), "1 year", datetime(2025, 2, 28, 9)),
        (datetime(2026, 12, 31, 23, 0), "2h", datetime(2027, 1, 1, 1, 0)),
        (datetime(2026, 3, 1), "12 months", datetime(2027, 3, 1)),
    ],
)
def test_add_to(start: datetime, text: str, expected: datetime) -> None:
    assert parse_duration(text).add_to(start) == expected


def test_add_to_refuses_working_time() -> None:
    with pytest.raises(ValueError, match=r"WorkCalendar\.add"):
        parse_duration("2 working days").add_to(datetime(2026, 1, 5))


def test_add_to_out_of_range_is_value_error() -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_duration("2 years").add_to(datetime(9999, 6, 1))
    with pytest.raises(ValueError, match="out of range"):
        add_months(datetime(1, 1, 1), -1)
    with pytest.raises(ValueError, match="out of range"):
        parse_duration("2h").add_to(datetime(9999, 12, 31, 23))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"amount": 0, "unit": "hours"}, "greater than zero"),
        ({"amount": -1, "unit": "hours"}, "greater than zero"),
        ({"amount": 1, "unit": "fortnights"}, "unknown duration unit"),
        ({"amount": 1, "unit": "weeks", "working": True}, "only minutes, hours and days"),
    ],
)
def test_duration_constructor_validates(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        Duration(**kwargs)  # type: ignore[arg-type]


@given(st.text(max_size=40))
def test_parse_duration_fuzz_only_value_error(text: str) -> None:
    try:
        d = parse_duration(text)
    except ValueError:
        return
    assert parse_duration(str(d)) == d


@given(
    st.integers(min_value=1, max_value=5000),
    st.sampled_from(["m", "min", "h", "hours", "d", "days", "w", "working hours", "working days"]),
)
def test_parse_duration_round_trip_generated(n: int, unit: str) -> None:
    d = parse_duration(f"{n} {unit}")
    assert parse_duration(str(d)) == d
    assert d.amount == n


# --------------------------------------------------------------------------- recurrences

VALID_RECURRENCES = [
    # A bare period is a deadline at its end; irregular work has no calendar date.
    ("weekly", "weekly by Sunday"),
    ("every week", "weekly by Sunday"),
    ("weekly by Friday", "weekly by Friday"),
    ("monthly", "monthly by last day"),
    ("every month", "monthly by last day"),
    ("quarterly", "quarterly by last day of month 3"),
    ("yearly", "yearly by 12-31"),
    ("irregular", "irregular"),
    ("as needed", "irregular"),
    ("after each event", "irregular"),
    # text, canonical
    ("daily", "daily"),
    ("every day", "daily"),
    ("daily 08:00", "daily 08:00"),
    ("daily at 8:00", "daily 08:00"),
    ("daily 17:00, 08:00", "daily 08:00, 17:00"),
    ("daily 08:00 and 17:00", "daily 08:00, 17:00"),
    ("hourly", "hourly"),
    ("hourly 08:00-22:00", "hourly 08:00-22:00"),
    ("every hour from 08:00 to 22:00", "hourly 08:00-22:00"),
    ("every 2 hours 08:00-22:00", "every 2 hours 08:00-22:00"),
    ("every 1 hour 09:30-17:30", "hourly 09:30-17:30"),
    ("every Friday 14:30", "every Friday 14:30"),
    ("weekly on Friday 14:30", "every Friday 14:30"),
    ("every week on fri at 14:30", "every Friday 14:30"),
    ("weekly on Fri", "every Friday"),
    ("every Monday", "every Monday"),
    ("every mondays", "every Monday"),
    ("every MON and thu 09:00", "every Monday, Thursday 09:00"),
    ("every Sunday, Saturday", "every Saturday, Sunday"),
    ("every working day 09:00", "every working day 09:00"),
    ("every workday", "every working day"),
    ("monthly on day 1", "monthly on day 1"),
    ("monthly by day 25", "monthly by day 25"),
    ("monthly by the 25th", "monthly by day 25"),
    ("monthly on 1st 09:00", "monthly on day 1 09:00"),
    ("monthly by day 31", "monthly by day 31"),
    ("monthly by last day", "monthly by last day"),
    ("monthly last working day", "monthly by last working day"),
    ("monthly on the last working day 16:00", "monthly on last working day 16:00"),
    ("monthly on first working day", "monthly on first working day"),
    ("quarterly by day 25 of month 3", "quarterly by day 25 of month 3"),
    ("quarterly on day 1 of month 1", "quarterly on day 1 of month 1"),
    ("quarterly by last day of the month 3", "quarterly by last day of month 3"),
    ("yearly in December", "yearly in December"),
    ("yearly in dec", "yearly in December"),
    ("annually in January", "yearly in January"),
    ("yearly in January", "yearly in January"),
    ("twice yearly in June and December", "yearly in June, December"),
    ("yearly in December, June", "yearly in June, December"),
    ("yearly by 12-31", "yearly by 12-31"),
    ("yearly on 01-15", "yearly on 01-15"),
    ("yearly on 1-15 10:00", "yearly on 01-15 10:00"),
    ("yearly on 02-29", "yearly on 02-29"),
    ("once on 2026-05-01", "once on 2026-05-01"),
    ("on 2026-05-01", "once on 2026-05-01"),
    ("once by 2026-05-01 18:00", "once by 2026-05-01 18:00"),
    ("ＥＶＥＲＹ　ＦＲＩＤＡＹ　１４：３０", "every Friday 14:30"),  # full-width input
]


@pytest.mark.parametrize(("text", "canonical"), VALID_RECURRENCES)
def test_parse_recurrence_valid(text: str, canonical: str) -> None:
    r = parse_recurrence(text)
    assert str(r) == canonical
    assert parse_recurrence(canonical) == r


INVALID_RECURRENCES = [
    ("", "it is empty"),
    ("sometimes", "unrecognised form"),
    ("every", "unrecognised form"),
    ("08:00", "unrecognised form"),
    ("every funday", "'funday' is not a weekday"),
    ("every Friday and Friday", "listed twice"),
    ("every weekday", "'weekday' is not a weekday"),
    ("daily 25:00", "'25:00' is not a time of day"),
    ("daily 8:60", "'8:60' is not a time of day"),
    ("daily 08:00, 08:00", "listed twice"),
    ("every Friday 2:30pm", "is not a weekday"),
    ("hourly 22:00-08:00", "must not cross midnight"),
    ("hourly 8-22", "cannot read the window"),
    ("every 0 hours", "between 1 and 23"),
    ("every 24 hours", "between 1 and 23"),
    ("monthly day 1", "say 'on' or 'by'"),
    ("monthly by day 0", "between 1 and 31"),
    ("monthly by day 32", "between 1 and 31"),
    ("monthly by someday", "cannot read the day"),
    ("quarterly by day 25", "which month of the quarter"),
    ("quarterly by day 25 of month 4", "1, 2 or 3"),
    ("quarterly by day 25 of month 0", "1, 2 or 3"),
    ("yearly in smarch", "'smarch' is not a month"),
    ("yearly in June and June", "listed twice"),
    ("twice yearly in June", "does not match"),
    ("3 times yearly in June and July", "does not match"),
    ("yearly on 02-30", "not a real month-day"),
    ("yearly on 13-01", "not a real month-day"),
    ("yearly by 12/31", "unrecognised form"),
    ("once on 2026-02-30", "not a real date"),
    ("once on 26-05-01", "unrecognised form"),
    ("daily ٠٨:٠٠", "unrecognised form"),  # Arabic-Indic digits are not times
]


@pytest.mark.parametrize(("text", "fragment"), INVALID_RECURRENCES)
def test_parse_recurrence_invalid(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_recurrence(text)
    message = str(info.value)
    assert fragment in message
    assert "Accepted forms: daily" in message
    assert repr(text) in message


@pytest.mark.parametrize("value", [None, 1, ["daily"]])
def test_parse_recurrence_rejects_non_text(value: object) -> None:
    with pytest.raises(ValueError, match="must be text"):
        parse_recurrence(value)  # type: ignore[arg-type]


@given(st.text(max_size=40))
def test_parse_recurrence_fuzz_only_value_error(text: str) -> None:
    try:
        r = parse_recurrence(text)
    except ValueError:
        return
    assert parse_recurrence(str(r)) == r


GRAMMAR_TOKENS = [
    *"0123456789:-,",
    "daily",
    "every",
    "monthly",
    "by",
    "on",
    "day",
    "of",
    "month",
    "yearly",
    "in",
    "june",
    "friday",
    "hourly",
    "quarterly",
    "last",
    "working",
    "twice",
    "and",
    "once",
]


@given(st.lists(st.sampled_from(GRAMMAR_TOKENS), max_size=10).map(" ".join))
def test_parse_recurrence_fuzz_near_grammar(text: str) -> None:
    # Tokens from the grammar glued at random reach deeper branches than random unicode.
    try:
        r = parse_recurrence(text)
    except ValueError:
        return
    assert parse_recurrence(str(r)) == r


# --------------------------------------------------------------------------- occurrences

JAN_DEC_2026 = (date(2026, 1, 1), date(2026, 12, 31))


def dts(*items: tuple[int, int, int, int, int]) -> list[datetime]:
    return [datetime(*i) for i in items]


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        (
            "every Friday 14:30",
            date(2026, 1, 1),
            date(2026, 1, 20),
            dts((2026, 1, 2, 14, 30), (2026, 1, 9, 14, 30), (2026, 1, 16, 14, 30)),
        ),
        (
            "monthly by day 25",
            date(2026, 1, 1),
            date(2026, 3, 31),
            dts((2026, 1, 25, 23, 59), (2026, 2, 25, 23, 59), (2026, 3, 25, 23, 59)),
        ),
        (
            "monthly by day 31",
            date(2026, 1, 1),
            date(2026, 4, 30),
            dts(
                (2026, 1, 31, 23, 59),
                (2026, 2, 28, 23, 59),
                (2026, 3, 31, 23, 59),
                (2026, 4, 30, 23, 59),
            ),
        ),
        (
            "monthly on day 1",
            date(2026, 1, 2),
            date(2026, 3, 1),
            dts((2026, 2, 1, 9, 0), (2026, 3, 1, 9, 0)),
        ),
        (
            "quarterly by day 25 of month 3",
            *JAN_DEC_2026,
            dts(
                (2026, 3, 25, 23, 59),
                (2026, 6, 25, 23, 59),
                (2026, 9, 25, 23, 59),
                (2026, 12, 25, 23, 59),
            ),
        ),
        (
            "quarterly on day 1 of month 1",
            *JAN_DEC_2026,
            dts((2026, 1, 1, 9, 0), (2026, 4, 1, 9, 0), (2026, 7, 1, 9, 0), (2026, 10, 1, 9, 0)),
        ),
        (
            "yearly in December",
            date(2025, 6, 1),
            date(2027, 6, 1),
            dts((2025, 12, 31, 23, 59), (2026, 12, 31, 23, 59)),
        ),
        (
            "twice yearly in June and December",
            *JAN_DEC_2026,
            dts((2026, 6, 30, 23, 59), (2026, 12, 31, 23, 59)),
        ),
        ("yearly by 12-31", *JAN_DEC_2026, dts((2026, 12, 31, 23, 59))),
        ("yearly on 01-15", *JAN_DEC_2026, dts((2026, 1, 15, 9, 0))),
        (
            "yearly on 02-29",
            date(2027, 1, 1),
            date(2028, 12, 31),
            dts((2027, 2, 28, 9, 0), (2028, 2, 29, 9, 0)),
        ),
        ("once on 2026-05-01", *JAN_DEC_2026, dts((2026, 5, 1, 9, 0))),
        ("once on 2026-05-01", date(2026, 5, 2), date(2026, 12, 31), []),
        (
            "daily 08:00, 17:00",
            date(2026, 1, 1),
            date(2026, 1, 2),
            dts((2026, 1, 1, 8, 0), (2026, 1, 1, 17, 0), (2026, 1, 2, 8, 0), (2026, 1, 2, 17, 0)),
        ),
        (
            "every 4 hours 08:00-22:00",
            date(2026, 1, 1),
            date(2026, 1, 1),
            dts((2026, 1, 1, 8, 0), (2026, 1, 1, 12, 0), (2026, 1, 1, 16, 0), (2026, 1, 1, 20, 0)),
        ),
        (
            "every working day 09:00",
            date(2026, 1, 1),
            date(2026, 1, 6),  # Mon–Fri default
            dts((2026, 1, 1, 9, 0), (2026, 1, 2, 9, 0), (2026, 1, 5, 9, 0), (2026, 1, 6, 9, 0)),
        ),
        (
            "monthly last working day",
            date(2026, 1, 1),
            date(2026, 2, 28),
            dts((2026, 1, 30, 23, 59), (2026, 2, 27, 23, 59)),
        ),
        (
            "monthly on first working day",
            date(2026, 2, 1),
            date(2026, 3, 31),
            dts((2026, 2, 2, 9, 0), (2026, 3, 2, 9, 0)),
        ),
        ("daily", date(2026, 1, 5), date(2026, 1, 4), []),  # empty range
    ],
)
def test_occurrences(text: str, start: date, end: date, expected: list[datetime]) -> None:
    assert parse_recurrence(text).occurrences(start, end) == expected


def test_hourly_window_is_inclusive() -> None:
    got = parse_recurrence("hourly 08:00-22:00").occurrences(date(2026, 3, 2), date(2026, 3, 2))
    assert got[0] == datetime(2026, 3, 2, 8) and got[-1] == datetime(2026, 3, 2, 22)
    assert len(got) == 15
    assert len(parse_recurrence("hourly").occurrences(date(2026, 3, 2), date(2026, 3, 3))) == 48


class _SixDayCalendar:
    """A calendar working Monday–Saturday from 08:30, with 2026-01-02 off."""

    day_start = time(8, 30)

    def is_working_day(self, d: date, /) -> bool:
        return d.weekday() < 6 and d != date(2026, 1, 2)


def test_occurrences_use_the_calendar() -> None:
    cal = _SixDayCalendar()
    got = parse_recurrence("every working day").occurrences(date(2026, 1, 1), date(2026, 1, 4), cal)
    assert got == dts((2026, 1, 1, 8, 30), (2026, 1, 3, 8, 30))
    monday = parse_recurrence("every Monday").occurrences(date(2026, 1, 5), date(2026, 1, 5), cal)
    assert monday == [datetime(2026, 1, 5, 8, 30)]
    # Without a calendar the day starts at the documented default.
    plain = parse_recurrence("every Monday").occurrences(date(2026, 1, 5), date(2026, 1, 5))
    assert plain == [datetime.combine(date(2026, 1, 5), DEFAULT_DAY_START)]


def test_month_without_working_day_yields_nothing() -> None:
    class Closed:
        day_start = time(9)

        def is_working_day(self, d: date, /) -> bool:
            return False

    r = parse_recurrence("monthly on last working day")
    assert r.occurrences(date(2026, 1, 1), date(2026, 3, 31), Closed()) == []


def test_recurrence_is_hashable_and_frozen() -> None:
    r = parse_recurrence("every Friday 14:30")
    assert {r: 1}[parse_recurrence("weekly on Friday 14:30")] == 1
    with pytest.raises(AttributeError):
        r.freq = "daily"  # type: ignore[misc]
    assert isinstance(r, Recurrence)
