"""AppTest: 节假日安排 warns about next year's missing schedule and writes it into a draft."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from runtime.versions import holiday_years
from runtime.workcal import china_exact_years
from tests.ui.conftest import open_page, sign_in

NEXT = max(china_exact_years()) + 1
CAL = "rules/company/calendar.yaml"


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's today: 3 December of the last year the holiday data knows."""
    monkeypatch.setattr(holiday_years, "local_today", lambda: date(NEXT - 1, 12, 3))


def _texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def _first(year: int, weekend: bool) -> date:
    d = date(year, 3, 1)
    while (d.weekday() >= 5) != weekend:
        d += timedelta(days=1)
    return d


def _with_draft(username: str) -> AppTest:
    at = open_page(sign_in(username), "holidays")
    assert not at.exception, at.exception
    at.text_input(key="holidays_draft__title").input(f"{NEXT} 放假安排")
    at = at.button(key="holidays_draft__create").click().run()
    assert not at.exception, at.exception
    return at


def _enter(at: AppTest, holidays: str, workdays: str) -> AppTest:
    at.text_area(key="holidays_days").input(holidays)
    at.text_area(key="holidays_workdays").input(workdays)
    return at.button(key="holidays_save").click().run()


def test_staff_cannot_open_it() -> None:
    at = open_page(sign_in("frontdesk.taoyuan"), "holidays")
    assert "您没有权限打开此页面。" in _texts(at, "error")
    assert not at.text_area


def test_warns_and_saves_the_schedule_into_a_draft() -> None:
    from runtime.ui import context as ctx

    at = _with_draft("general")
    assert any(f"还没有 {NEXT} 年的放假安排" in w for w in _texts(at, "warning"))
    mon, sat = _first(NEXT, False), _first(NEXT, True)
    # A weekend day off and a weekday make-up day are refused, nothing is written.
    at = _enter(at, f"{sat} 植树节", f"{mon}")
    assert any("没有保存" in e for e in _texts(at, "error"))
    shown = " ".join(_texts(at, "markdown"))
    assert "本来就休息" in shown and "调休上班日必须是周末" in shown
    draft = ctx.drafts().all()[0]
    assert f"{NEXT}:" not in ctx.drafts().read(draft, CAL)[0]
    at = _enter(at, f"{mon} 植树节", f"{sat}")
    assert any("已保存到草稿" in s for s in _texts(at, "success")), _texts(at, "error")
    text = ctx.drafts().read(draft, CAL)[0]
    assert f"  {NEXT}:" in text and f"\"{mon}\": \"植树节\"" in text and f"\"{sat}\"" in text
    live = ctx.drafts().versions.current()
    assert f"{NEXT}:" not in (live.rules / "company" / "calendar.yaml").read_text(encoding="utf-8")
    # The one check of the draft no longer warns about that year.
    assert not any("W091" in w or f"{NEXT} 年的国务院放假安排" in w for w in _texts(at, "warning"))


def test_property_admin_cannot_change_the_company_calendar() -> None:
    from runtime.ui import context as ctx

    at = _with_draft("admin.taoyuan")
    at = _enter(at, f"{_first(NEXT, False)} 植树节", "")
    assert not any("已保存到草稿" in s for s in _texts(at, "success"))
    assert any("公司" in e for e in _texts(at, "error")), _texts(at, "error")  # why: company rules
    draft = ctx.drafts().all()[0]
    assert f"{NEXT}:" not in ctx.drafts().read(draft, CAL)[0]
