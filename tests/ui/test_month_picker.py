"""The dashboard's month picker offers whole months, newest first, across year ends."""

from datetime import date

from runtime.ui.pages.dashboard import month_choices


def test_month_choices_cross_the_year_end() -> None:
    got = month_choices(date(2026, 2, 17), count=4)
    assert got == [date(2026, 2, 1), date(2026, 1, 1), date(2025, 12, 1), date(2025, 11, 1)]


def test_month_choices_never_empty() -> None:
    assert month_choices(date(2026, 12, 31), count=0) == [date(2026, 12, 1)]
