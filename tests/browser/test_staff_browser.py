"""Staff flows that only a real browser shows: switching the language keeps the choices made.

A radio's option labels are part of its widget identity in Streamlit, so switching 中文 →
English makes it a new widget; AppTest does not model that, the browser does. Uses the
server and chromium fixtures of tests/browser/test_browser.py.
"""

from __future__ import annotations

from tests.browser.test_browser import WAIT, _idle, _nav, _sign_in, browser, pytestmark, server

__all__ = ["browser", "pytestmark", "server"]  # fixtures and marks shared with test_browser


def test_switching_to_english_keeps_the_chosen_channel(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    try:
        _sign_in(page, server, "frontdesk.taoyuan")
        _nav(page, "新建登记")
        page.get_by_label("投诉人").fill("张三丰")
        page.keyboard.press("Tab")
        _idle(page)
        # Two clicks in a row, the second while the first one's rerun may still be running:
        # neither may undo the other (a stale value echoed back used to).
        page.get_by_text("面谈", exact=True).click()
        page.get_by_text("建议", exact=True).click()
        _idle(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("English").click()
        page.get_by_role("heading", name="Start a case").wait_for(timeout=WAIT)
        _idle(page)
        assert page.get_by_label("投诉人").input_value() == "张三丰"
        assert page.get_by_role("radio", name="In person").is_checked()
        assert page.get_by_role("radio", name="Suggestion").is_checked()
    finally:
        page.close()
