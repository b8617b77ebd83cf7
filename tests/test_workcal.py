"""Working calendar: China holidays and make-up days, working hours, deadlines, clocks."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.compiler.timeexpr import parse_duration, parse_recurrence
from runtime.workcal import (
    ADJUST_POLICIES,
    CalendarWarning,
    WorkCalendar,
    YearOverride,
    china_exact_years,
)

LUNCH = [(time(8, 30), time(12, 0)), (time(13, 30), time(17, 30))]  # 7.5 working hours a day


@pytest.fixture
def cal() -> WorkCalendar:
    """A property with a lunch break, on China's calendar."""
    return WorkCalendar(working_hours=LUNCH)


@pytest.fixture
def plain() -> WorkCalendar:
    """One 08:30-17:30 period, China calendar."""
    return WorkCalendar(working_hours=[(time(8, 30), time(17, 30))])


# --------------------------------------------------------------------------- package data


def test_package_has_exact_china_data_through_2026_not_2027() -> None:
    years = china_exact_years()
    assert 2026 in years and 2025 in years
    assert 2027 not in years and 2035 not in years


# 2026 National Day: Oct 1-7 off (Oct 1-3 statutory, Oct 5 observed, Oct 6-7 swapped for the
# make-up working days Sunday 20 Sep and Saturday 10 Oct); Thursday Oct 8 is back to work.
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 19), False),  # Saturday
        (date(2026, 9, 20), True),  # Sunday, make-up working day
        (date(2026, 9, 25), False),  # Mid-Autumn Festival (Friday)
        (date(2026, 9, 30), True),
        *[(date(2026, 10, d), False) for d in range(1, 8)],
        (date(2026, 10, 8), True),
        (date(2026, 10, 9), True),
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 10, 11), False),
        (date(2026, 2, 14), True),  # Saturday before Spring Festival, make-up
        (date(2026, 2, 16), False),  # New Year's Eve
        (date(2026, 2, 23), False),  # Monday, bridge day
        (date(2026, 2, 28), True),  # Saturday, make-up
        (date(2026, 1, 4), True),  # Sunday, make-up for 2 Jan
        (date(2026, 1, 2), False),
        (date(2026, 5, 5), False),
        (date(2026, 5, 9), True),
        (date(2026, 3, 4), True),  # an ordinary Wednesday
        (date(2026, 3, 7), False),  # an ordinary Saturday
    ],
)
def test_china_2026_working_days(cal: WorkCalendar, day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_holiday_names_are_chinese(cal: WorkCalendar) -> None:
    assert cal.holiday_name(date(2026, 10, 1)) == "国庆节"
    assert cal.holiday_name(date(2026, 10, 10)) is None  # a make-up working day
    assert cal.holiday_name(date(2026, 3, 4)) is None
    assert "调休" in (cal.holiday_name(date(2026, 10, 7)) or "")
    listed = cal.holidays_in(2026)
    assert date(2026, 10, 1) in listed and date(2026, 10, 8) not in listed
    assert list(listed) == sorted(listed)


def test_makeup_workdays_2026(cal: WorkCalendar) -> None:
    assert cal.makeup_workdays_in(2026) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


# --------------------------------------------------------------------------- deadlines

ADD_CASES = [
    # National Day: from the last day before the holiday.
    (
        "national day, working days",
        datetime(2026, 9, 30, 16, 0),
        "2 working days",
        datetime(2026, 10, 9, 16, 0),
    ),
    (
        "national day, working hours",
        datetime(2026, 9, 30, 16, 0),
        "4 working hours",
        datetime(2026, 10, 8, 11, 0),
    ),
    (
        "national day, wall clock ignores holidays",
        datetime(2026, 9, 30, 16, 0),
        "24h",
        datetime(2026, 10, 1, 16, 0),
    ),
    (
        "national day, 7d wall clock",
        datetime(2026, 9, 30, 16, 0),
        "7d",
        datetime(2026, 10, 7, 16, 0),
    ),
    (
        "start inside the holiday",
        datetime(2026, 10, 3, 10, 0),
        "1 working day",
        datetime(2026, 10, 9, 8, 30),
    ),
    # Make-up working Saturday 10 Oct 2026 is a working day.
    (
        "onto make-up saturday, days",
        datetime(2026, 10, 9, 10, 0),
        "1 working day",
        datetime(2026, 10, 10, 10, 0),
    ),
    (
        "onto make-up saturday, hours",
        datetime(2026, 10, 9, 16, 0),
        "2 working hours",
        datetime(2026, 10, 10, 9, 0),
    ),
    (
        "onto make-up sunday 20 sep",
        datetime(2026, 9, 18, 17, 0),
        "1 working hour",
        datetime(2026, 9, 20, 9, 0),
    ),
    # Outside working hours.
    ("evening start", datetime(2026, 3, 3, 20, 0), "1 working hour", datetime(2026, 3, 4, 9, 30)),
    (
        "early morning start",
        datetime(2026, 3, 3, 6, 0),
        "30 working minutes",
        datetime(2026, 3, 3, 9, 0),
    ),
    (
        "weekend start, days",
        datetime(2026, 3, 7, 10, 0),
        "2 working days",
        datetime(2026, 3, 11, 8, 30),
    ),
    (
        "weekend start, hours",
        datetime(2026, 3, 8, 23, 0),
        "4 working hours",
        datetime(2026, 3, 9, 14, 0),
    ),
    (
        "friday evening, days",
        datetime(2026, 3, 6, 19, 0),
        "1 working day",
        datetime(2026, 3, 10, 8, 30),
    ),
    # Lunch break.
    (
        "lunch is skipped",
        datetime(2026, 3, 4, 11, 30),
        "1 working hour",
        datetime(2026, 3, 4, 14, 0),
    ),
    (
        "lands on the morning's end",
        datetime(2026, 3, 4, 11, 0),
        "1 working hour",
        datetime(2026, 3, 4, 12, 0),
    ),
    (
        "start in lunch",
        datetime(2026, 3, 4, 12, 30),
        "1 working hour",
        datetime(2026, 3, 4, 14, 30),
    ),
    (
        "start in lunch, days",
        datetime(2026, 3, 4, 12, 30),
        "1 working day",
        datetime(2026, 3, 5, 13, 30),
    ),
    (
        "lands on the day's end",
        datetime(2026, 3, 4, 8, 30),
        "7.5 working hours",
        datetime(2026, 3, 4, 17, 30),
    ),
    (
        "one full day plus a minute",
        datetime(2026, 3, 4, 8, 30),
        "451 working minutes",
        datetime(2026, 3, 5, 8, 31),
    ),
    (
        "many days of hours",
        datetime(2026, 3, 2, 8, 30),
        "75 working hours",  # 10 working days
        datetime(2026, 3, 13, 17, 30),
    ),
    (
        "seconds are kept",
        datetime(2026, 3, 4, 9, 0, 27, 5),
        "15 working minutes",
        datetime(2026, 3, 4, 9, 15, 27, 5),
    ),
    (
        "same time of day",
        datetime(2026, 3, 6, 16, 0),
        "2 working days",
        datetime(2026, 3, 10, 16, 0),
    ),
    ("months wall clock", datetime(2026, 1, 31, 9, 0), "1 month", datetime(2026, 2, 28, 9, 0)),
    (
        "spring festival",
        datetime(2026, 2, 13, 15, 0),
        "3 working days",
        datetime(2026, 2, 25, 15, 0),
    ),  # Sat 14 Feb make-up counts; 15-23 off
]


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [c[1:] for c in ADD_CASES],
    ids=[c[0] for c in ADD_CASES],
)
def test_add(cal: WorkCalendar, start: datetime, text: str, expected: datetime) -> None:
    assert cal.add(start, parse_duration(text)) == expected


def test_add_across_new_year_into_fallback_2027_warns(cal: WorkCalendar) -> None:
    with pytest.warns(CalendarWarning, match="2027"):
        due = cal.add(datetime(2026, 12, 31, 16, 0), parse_duration("3 working hours"))
    # 31 Dec 16:00-17:30 (1.5 h), 1 Jan holiday, 2-3 Jan weekend, 4 Jan 08:30 + 1.5 h.
    assert due == datetime(2027, 1, 4, 10, 0)
    assert len(cal.warnings) == 1 and "2027" in cal.warnings[0]
    # The warning is recorded once per calendar and year, not on every call.
    cal.add(datetime(2026, 12, 31, 16, 0), parse_duration("3 working hours"))
    assert len(cal.warnings) == 1


def test_across_new_year_with_override_has_no_warning() -> None:
    override = YearOverride(
        holidays={date(2027, 1, 1): "元旦", date(2027, 1, 4): "测试休息日"},
        workdays=frozenset({date(2027, 1, 2)}),
        source="rules/calendar.yaml:3",
    )
    cal = WorkCalendar(working_hours=LUNCH, overrides={2027: override})
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarWarning)
        due = cal.add(datetime(2026, 12, 31, 16, 0), parse_duration("3 working hours"))
        assert due == datetime(2027, 1, 2, 10, 0)  # the override's make-up Saturday
        assert cal.add(datetime(2027, 1, 2, 16, 0), parse_duration("1 working day")) == (
            datetime(2027, 1, 5, 16, 0)
        )
    assert cal.warnings == []
    assert cal.is_exact_year(2027)


def test_across_new_year_wall_clock(cal: WorkCalendar) -> None:
    assert cal.add(datetime(2026, 12, 31, 22, 0), parse_duration("12h")) == datetime(
        2027, 1, 1, 10, 0
    )


def test_2027_falls_back_with_warning_and_statutory_holidays() -> None:
    cal = WorkCalendar(working_hours=LUNCH)
    with pytest.warns(CalendarWarning, match="no official holiday schedule"):
        assert cal.is_working_day(date(2027, 2, 8)) is False  # Spring Festival day 3
    assert not cal.is_exact_year(2027)
    assert cal.is_working_day(date(2027, 10, 1)) is False
    assert cal.is_working_day(date(2027, 10, 4)) is True  # no guessed bridge days
    assert cal.is_working_day(date(2027, 3, 3)) is True
    assert cal.makeup_workdays_in(2027) == []
    due = cal.add(datetime(2027, 2, 4, 16, 0), parse_duration("2 working days"))
    assert due == datetime(2027, 2, 10, 16, 0)  # 5 Feb eve, 6-8 Feb festival


def test_2035_falls_back_with_warning() -> None:
    cal = WorkCalendar()
    with pytest.warns(CalendarWarning, match="2035"):
        assert cal.add(datetime(2035, 9, 28, 9), parse_duration("3 working days")) == datetime(
            2035, 10, 8, 9
        )  # Fri 28 Sep; 29-30 weekend; Mon-Wed 1-3 Oct National Day; Thu 4, Fri 5, Mon 8
    assert cal.holiday_name(date(2035, 10, 1)) == "国庆节"
    assert any("2035" in w for w in cal.warnings)


@pytest.mark.parametrize("year", [2101, 2500, 9998])
def test_years_without_any_data_keep_fixed_date_holidays(year: int) -> None:
    cal = WorkCalendar()
    with pytest.warns(CalendarWarning, match="fixed-date holidays only"):
        assert cal.is_working_day(date(year, 10, 1)) is False
    assert cal.is_working_day(date(year, 1, 1)) is False


def test_end_of_time_is_a_value_error() -> None:
    cal = WorkCalendar(country=None)
    with pytest.raises(ValueError, match="no working day"):
        cal.add(datetime(9999, 12, 31, 18, 0), parse_duration("1 working hour"))


# --------------------------------------------------------------------------- time of day


@pytest.mark.parametrize(
    ("moment", "working", "next_moment"),
    [
        (datetime(2026, 3, 4, 8, 29), False, datetime(2026, 3, 4, 8, 30)),
        (datetime(2026, 3, 4, 8, 30), True, datetime(2026, 3, 4, 8, 30)),
        (datetime(2026, 3, 4, 11, 59, 59), True, datetime(2026, 3, 4, 11, 59, 59)),
        (datetime(2026, 3, 4, 12, 0), False, datetime(2026, 3, 4, 13, 30)),
        (datetime(2026, 3, 4, 17, 30), False, datetime(2026, 3, 5, 8, 30)),
        (datetime(2026, 3, 6, 18, 0), False, datetime(2026, 3, 9, 8, 30)),
        (datetime(2026, 9, 30, 18, 0), False, datetime(2026, 10, 8, 8, 30)),
        (datetime(2026, 10, 9, 23, 0), False, datetime(2026, 10, 10, 8, 30)),
        (datetime(2026, 10, 10, 9, 0), True, datetime(2026, 10, 10, 9, 0)),
    ],
)
def test_working_time_and_next_moment(
    cal: WorkCalendar, moment: datetime, working: bool, next_moment: datetime
) -> None:
    assert cal.is_working_time(moment) is working
    assert cal.next_working_moment(moment) == next_moment


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        (datetime(2026, 3, 4, 11, 0), datetime(2026, 3, 4, 14, 0), 90),
        (datetime(2026, 3, 4, 12, 10), datetime(2026, 3, 4, 13, 20), 0),
        (datetime(2026, 3, 4, 0, 0), datetime(2026, 3, 5, 0, 0), 450),
        (datetime(2026, 3, 6, 17, 0), datetime(2026, 3, 9, 9, 0), 60),
        (datetime(2026, 9, 30, 9, 0), datetime(2026, 10, 9, 9, 0), 900),
        (datetime(2026, 12, 31, 16, 0), datetime(2026, 12, 31, 16, 0), 0),
        (datetime(2026, 3, 4, 9, 0, 30), datetime(2026, 3, 4, 9, 1), 0.5),
        (datetime(2026, 1, 1, 0, 0), datetime(2027, 1, 1, 0, 0), 248 * 450),  # 248 days
    ],
)
def test_working_minutes_between(
    cal: WorkCalendar, a: datetime, b: datetime, minutes: float
) -> None:
    assert cal.working_minutes_between(a, b) == minutes
    assert cal.working_minutes_between(b, a) == -minutes


def test_working_days_in_2026_match_the_official_count(cal: WorkCalendar) -> None:
    # 365 days - 104 weekend days - 19 weekday holidays and bridge days + 6 make-up weekend
    # days = 248; cross-checked against the package's own is_working_day as well.
    import holidays

    h = holidays.China(years=2026)
    expected = sum(
        1
        for o in range(date(2026, 1, 1).toordinal(), date(2026, 12, 31).toordinal() + 1)
        if h.is_working_day(date.fromordinal(o))
    )
    assert expected == 248
    assert cal.working_minutes_between(datetime(2026, 1, 1), datetime(2027, 1, 1)) == 450 * 248


# --------------------------------------------------------------------------- adjust


@pytest.mark.parametrize(
    ("day", "policy", "expected"),
    [
        (date(2026, 10, 1), "keep", date(2026, 10, 1)),
        (date(2026, 10, 1), "next-working-day", date(2026, 10, 8)),
        (date(2026, 10, 1), "previous-working-day", date(2026, 9, 30)),
        (date(2026, 10, 1), "skip", None),
        (date(2026, 10, 10), "skip", date(2026, 10, 10)),  # make-up Saturday is working
        (date(2026, 10, 11), "previous-working-day", date(2026, 10, 10)),
        (date(2026, 3, 4), "next-working-day", date(2026, 3, 4)),
        (date(2026, 1, 1), "previous-working-day", date(2025, 12, 31)),
        (date(2026, 12, 26), "next-working-day", date(2026, 12, 28)),
        (date(2026, 2, 15), "previous-working-day", date(2026, 2, 14)),
        (date(2026, 2, 15), "next-working-day", date(2026, 2, 24)),
    ],
)
def test_adjust(cal: WorkCalendar, day: date, policy: str, expected: date | None) -> None:
    assert cal.adjust(day, policy) == expected


def test_adjust_unknown_policy(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="unknown holiday policy 'nearest'"):
        cal.adjust(date(2026, 10, 1), "nearest")
    assert set(ADJUST_POLICIES) == {"keep", "previous-working-day", "next-working-day", "skip"}


def test_monthly_schedule_adjusted_for_holidays(cal: WorkCalendar) -> None:
    # "monthly on day 1" in 2026: Jan 1, Feb 1 (Sun), Mar 1 (Sun), Oct 1 move to the next
    # working day; the recurrence takes its start-of-day from the calendar.
    occ = parse_recurrence("monthly on day 1").occurrences(
        date(2026, 1, 1), date(2026, 12, 31), cal
    )
    assert occ[0] == datetime(2026, 1, 1, 8, 30)
    moved = [cal.adjust(o.date(), "next-working-day") for o in occ]
    assert moved[0] == date(2026, 1, 4)  # 1-2 Jan off, Sunday 4 Jan is a make-up day
    assert moved[9] == date(2026, 10, 8)
    working = parse_recurrence("every working day").occurrences(
        date(2026, 9, 30), date(2026, 10, 11), cal
    )
    assert [o.date() for o in working] == [
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),
    ]


# --------------------------------------------------------------------------- elapsed / pauses


def test_elapsed_wall_clock_with_pauses(cal: WorkCalendar) -> None:
    a, b = datetime(2026, 3, 4, 9, 0), datetime(2026, 3, 4, 12, 0)
    assert cal.elapsed(a, b, working=False) == 180
    pauses = [
        (datetime(2026, 3, 4, 10, 0), datetime(2026, 3, 4, 10, 30)),
        (datetime(2026, 3, 4, 10, 15), datetime(2026, 3, 4, 10, 45)),  # overlaps the first
        (datetime(2026, 3, 4, 8, 0), datetime(2026, 3, 4, 9, 10)),  # starts before a
        (datetime(2026, 3, 4, 11, 50), datetime(2026, 3, 4, 13, 0)),  # ends after b
        (datetime(2026, 3, 4, 11, 0), datetime(2026, 3, 4, 11, 0)),  # empty
    ]
    assert cal.elapsed(a, b, working=False, paused=pauses) == 180 - 45 - 10 - 10


def test_elapsed_working_time_with_pauses(cal: WorkCalendar) -> None:
    a, b = datetime(2026, 9, 30, 9, 0), datetime(2026, 10, 9, 9, 0)
    assert cal.elapsed(a, b, working=True) == 900
    # Paused during the whole holiday plus Oct 8 morning: only the morning's 210 min are lost.
    pause = [(datetime(2026, 9, 30, 18, 0), datetime(2026, 10, 8, 12, 0))]
    assert cal.elapsed(a, b, working=True, paused=pause) == 900 - 210
    # A pause over lunch costs no working time.
    lunch = [(datetime(2026, 9, 30, 12, 0), datetime(2026, 9, 30, 13, 30))]
    assert cal.elapsed(a, b, working=True, paused=lunch) == 900


def test_elapsed_edge_cases(cal: WorkCalendar) -> None:
    a = datetime(2026, 3, 4, 9, 0)
    assert cal.elapsed(a, a, working=True) == 0
    assert cal.elapsed(a, a - timedelta(hours=1), working=False) == 0
    whole = [(a - timedelta(days=1), a + timedelta(days=1))]
    assert cal.elapsed(a, a + timedelta(hours=2), working=True, paused=whole) == 0
    with pytest.raises(ValueError, match="pause ends before it starts"):
        cal.elapsed(a, a + timedelta(hours=2), working=False, paused=[(a + timedelta(hours=1), a)])


# --------------------------------------------------------------------------- configuration


def test_override_replaces_package_data_for_its_year() -> None:
    cal = WorkCalendar(overrides={2026: YearOverride(holidays={date(2026, 10, 1): "国庆节"})})
    assert cal.is_working_day(date(2026, 10, 1)) is False
    assert cal.is_working_day(date(2026, 10, 2)) is True  # no longer in the year's data
    assert cal.is_working_day(date(2026, 10, 10)) is False  # its make-up day is gone too
    assert cal.is_working_day(date(2025, 10, 8)) is False  # other years keep package data


def test_property_extras_win() -> None:
    cal = WorkCalendar(
        holidays={date(2026, 3, 4): "公司周年庆"},
        workdays={date(2026, 10, 3), date(2026, 3, 7)},
    )
    assert cal.is_working_day(date(2026, 3, 4)) is False
    assert cal.holiday_name(date(2026, 3, 4)) == "公司周年庆"
    assert cal.is_working_day(date(2026, 10, 3)) is True
    assert cal.is_working_day(date(2026, 3, 7)) is True
    assert date(2026, 3, 7) in cal.makeup_workdays_in(2026)
    assert date(2026, 10, 3) not in cal.holidays_in(2026)


def test_no_country_is_weekends_only() -> None:
    cal = WorkCalendar(country=None)
    assert cal.is_working_day(date(2026, 10, 1)) is True
    assert cal.is_working_day(date(2026, 10, 3)) is False
    assert cal.warnings == []


def test_six_day_week_and_evening_hours() -> None:
    cal = WorkCalendar(
        working_hours=[(time(18, 0), time(0, 0))],  # 18:00 to midnight
        working_weekdays={0, 1, 2, 3, 4, 5},
        country=None,
    )
    assert cal.is_working_day(date(2026, 3, 7))  # Saturday
    assert cal.minutes_per_day == 360
    assert cal.is_working_time(datetime(2026, 3, 4, 23, 59))
    assert cal.add(datetime(2026, 3, 7, 23, 0), parse_duration("2 working hours")) == datetime(
        2026, 3, 9, 19, 0
    )
    assert cal.add(datetime(2026, 3, 4, 20, 0), parse_duration("4 working hours")) == datetime(
        2026, 3, 5, 0, 0
    )


def test_aware_datetimes_are_converted_to_local_time(cal: WorkCalendar) -> None:
    utc = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert cal.is_working_time(utc)
    assert cal.add(utc, parse_duration("1 working hour")) == datetime(2026, 3, 4, 10, 0)
    # Friday 20:00 UTC is Saturday 04:00 in Shanghai: not a working day.
    assert cal.is_working_day(datetime(2026, 3, 6, 20, 0)) is True
    assert cal.is_working_day(datetime(2026, 3, 6, 20, 0, tzinfo=UTC)) is False


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"working_hours": []}, "at least one period"),
        ({"working_hours": [(time(17), time(9))]}, "must end after it starts"),
        ({"working_hours": [(time(9), time(9))]}, "must end after it starts"),
        ({"working_hours": [(time(8), time(12)), (time(11), time(14))]}, "overlap"),
        ({"working_weekdays": {7}}, "0 (Monday) to 6 (Sunday)"),
        ({"country": "XX"}, "unknown country code"),
        ({"holidays": {date(2026, 3, 4): "x"}, "workdays": {date(2026, 3, 4)}}, "both holiday"),
        (
            {"overrides": {2027: YearOverride(holidays={date(2026, 1, 1): "元旦"})}},
            "dates of another year",
        ),
        (
            {
                "overrides": {
                    2027: YearOverride(
                        holidays={date(2027, 1, 1): "元旦"}, workdays=frozenset({date(2027, 1, 1)})
                    )
                }
            },
            "both holiday",
        ),
    ],
)
def test_bad_configuration(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        WorkCalendar(**kwargs)  # type: ignore[arg-type]


def test_from_spec_reads_the_rule_model_shape() -> None:
    # Shaped like runtime.compiler.model.Calendar: ISO-string dates, tuples, a per-year override.
    override = SimpleNamespace(holidays={"2027-01-01": "元旦"}, workdays=("2027-01-02",))
    spec = SimpleNamespace(
        working_hours=((time(9), time(12)), (time(13), time(18))),
        working_weekdays=(0, 1, 2, 3, 4, 5),
        country="CN",
        holidays={"2026-03-04": "公司周年庆"},
        workdays=("2026-10-03",),
        overrides={2027: override},
    )
    cal = WorkCalendar.from_spec(spec)
    assert cal.day_start == time(9) and cal.minutes_per_day == 480
    assert cal.is_working_day(date(2026, 3, 7))  # Saturday in a six-day week
    assert not cal.is_working_day(date(2026, 3, 4))
    assert cal.is_working_day(date(2026, 10, 3))
    assert cal.is_exact_year(2027) and cal.is_working_day(date(2027, 1, 2))
    defaults = WorkCalendar.from_spec(SimpleNamespace(working_hours=(), country=None))
    assert defaults.day_start == time(8, 30) and defaults.minutes_per_day == 540
    with pytest.raises(ValueError, match="'2026-02-30' is not a date"):
        WorkCalendar.from_spec(SimpleNamespace(holidays={"2026-02-30": "x"}))


def test_touching_periods_merge_and_day_bounds() -> None:
    cal = WorkCalendar(working_hours=[(time(13), time(17)), (time(9), time(13))], country=None)
    assert cal.day_start == time(9) and cal.day_end == time(17)
    assert cal.minutes_per_day == 480


def test_other_country() -> None:
    cal = WorkCalendar(country="DE")
    assert cal.is_working_day(date(2025, 10, 3)) is False  # German Unity Day, a Friday
    assert cal.is_working_day(date(2025, 10, 2)) is True
    assert cal.holiday_name(date(2026, 12, 25)) is not None
    assert cal.warnings == []


# --------------------------------------------------------------------------- properties

# Within years that have official data, far enough from 2027 that 20000 working minutes or
# 60 working days never reach the fallback year (those are covered by the tests above).
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 6, 30))


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(min_value=1, max_value=20000))
def test_add_working_minutes_inverts_between(start: datetime, minutes: int) -> None:
    cal = _SHARED
    due = cal.add(start, parse_duration(f"{minutes} working minutes"))
    assert cal.working_minutes_between(start, due) == pytest.approx(minutes, abs=1e-6)
    assert cal.is_working_day(due.date())
    # The due moment is inside working hours or exactly at a period's end.
    assert cal.is_working_time(due) or cal.is_working_time(due - timedelta(microseconds=1))


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(min_value=1, max_value=60))
def test_add_working_days_lands_on_working_time(start: datetime, days: int) -> None:
    cal = _SHARED
    due = cal.add(start, parse_duration(f"{days} working days"))
    assert cal.is_working_time(due)
    first = cal.next_working_moment(start)
    assert due.time() == first.time()
    assert cal._count_working(first.toordinal() + 1, due.toordinal() + 1) == days


@settings(max_examples=200, deadline=None)
@given(moments, moments, moments)
def test_between_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    cal = _SHARED
    total = cal.working_minutes_between(a, c)
    assert total == pytest.approx(
        cal.working_minutes_between(a, b) + cal.working_minutes_between(b, c), abs=1e-6
    )
    assert cal.elapsed(a, c, working=True, paused=[(a, b)]) == pytest.approx(
        cal.working_minutes_between(b, c), abs=1e-6
    )


_SHARED = WorkCalendar(working_hours=LUNCH)
