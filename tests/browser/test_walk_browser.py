"""A whole complaint at 中兴人才公寓, through every role, in a real browser (issue 12 done-when).

前台客服 files it, the 值班员 logs it, 区域客服 classifies it as valid and agrees a reply time
(a time in the past is refused first), cannot solve it, the 管理处经理 organises the handling,
the 值班员 logs the result, and 区域客服 calls back and closes. On the way: a reload (F5) keeps
the session and the page, a typed link (/case?case=…) opened signed out lands on that case
after sign-in and opens at once in a tab of a signed-in browser, 接待人 is the person's name,
every action confirms what happened and where the case went, the case log shows people, and
after 退出登录 a reload is the sign-in form. Screenshots: artifacts/walk-*.png.
Uses the server and chromium fixtures of tests/browser/test_browser.py.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from tests.browser.test_browser import (
    WAIT,
    _idle,
    _nav,
    _shot,
    _sign_in,
    browser,
    pytestmark,
    server,
)

__all__ = ["browser", "pytestmark", "server"]  # fixtures and marks shared with test_browser

VIEW = {"width": 1400, "height": 1300}
LOCAL = timezone(timedelta(hours=8))


def _page(browser: object) -> object:
    ctx = browser.new_context(viewport=VIEW, locale="zh-CN")  # type: ignore[attr-defined]
    ctx.set_default_timeout(WAIT)  # clicks and fills wait on a loaded machine too
    return ctx.new_page()


def _person(page: object) -> str:
    """The signed-in person's display name (first line of the sidebar's user block)."""
    block = page.locator('[data-testid="stSidebar"] [data-testid="stMarkdownContainer"]')  # type: ignore[attr-defined]
    return str(block.locator("strong").first.inner_text()).strip()


def _sign_in_at(page: object, url: str, user: str) -> None:
    """Sign in on whatever page shows the sign-in form (a deep link keeps its address)."""
    page.get_by_label("用户名").wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    page.get_by_label("用户名").fill(user)  # type: ignore[attr-defined]
    page.get_by_label("密码").fill("demo1234")  # type: ignore[attr-defined]
    page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
    _idle(page)


def _case_page(page: object, number: str) -> None:
    page.get_by_role("heading", name="办理案件").wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    _idle(page)
    page.locator("strong", has_text=number).first.wait_for(timeout=WAIT)  # type: ignore[attr-defined]


def _success(page: object, pattern: str) -> str:
    """Wait for a confirmation matching `pattern`; its text."""
    alert = page.locator('[data-testid="stAlert"]').filter(has_text=re.compile(pattern))  # type: ignore[attr-defined]
    try:
        alert.first.wait_for(timeout=WAIT)
    except Exception:
        _shot(page, "walk-99-failed-waiting")  # what the page showed instead, for the report
        raise
    _idle(page)
    return str(alert.first.inner_text()).strip()


def _complete(page: object, step: str, shot: str) -> str:
    """Press 完成此步骤 and return the confirmation, which names the step and what is next."""
    page.get_by_role("button", name="完成此步骤").click()  # type: ignore[attr-defined]
    text = _success(page, "已完成「" + re.escape(step) + "」，")
    _shot(page, shot)
    return text


def _picker_shows(page: object, step: str) -> None:
    """Wait until the 案件 picker names the case's current step (it follows the case)."""
    box = page.get_by_role("combobox", name="案件", exact=True)  # type: ignore[attr-defined]
    expect(box).to_have_value(re.compile(re.escape(step) + "$"), timeout=WAIT)


def _type_datetime(page: object, label: str, moment: datetime) -> None:
    """Type a date-time as people write it (2026-12-03 14:30), then close its calendar."""
    page.get_by_role("spinbutton", name=f"year, {label}").click()  # type: ignore[attr-defined]
    page.keyboard.type(moment.strftime("%Y-%m-%d %H:%M"), delay=40)  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    page.get_by_role("heading", name=re.compile("当前步骤")).click()  # type: ignore[attr-defined]  # blur: commit
    _idle(page)


def _log(page: object) -> str:
    return str(page.locator('[data-testid="stTable"]').last.inner_text())  # type: ignore[attr-defined]


def test_a_zhongxing_complaint_through_every_role(server: str, browser: object) -> None:
    # ---- 前台客服 files it; a reload keeps the session ----------------------------------
    front = _page(browser)
    _sign_in(front, server, "frontdesk.zhongxing")
    front_name = _person(front)
    front.reload()  # type: ignore[attr-defined]
    front.get_by_role("heading", name="我的待办").wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    _idle(front)
    assert front.get_by_label("用户名").count() == 0  # type: ignore[attr-defined]
    _shot(front, "walk-01-frontdesk-after-reload")
    _nav(front, "新建登记")
    # 接待人: the person, with the property's title of the role — not the account's role name.
    expect(front.get_by_label("接待人", exact=True)).to_have_value(  # type: ignore[attr-defined]
        f"{front_name}（前台客服）", timeout=WAIT)
    front.get_by_label("投诉人").fill("李雷")  # type: ignore[attr-defined]
    front.get_by_label("房号").fill("2-1-803")  # type: ignore[attr-defined]
    front.get_by_text("电话", exact=True).click()  # type: ignore[attr-defined]
    front.get_by_text("投诉", exact=True).click()  # type: ignore[attr-defined]
    front.get_by_label("投诉（建议）内容").fill("卫生间漏水到楼下")  # type: ignore[attr-defined]
    _idle(front)
    _shot(front, "walk-02-intake")
    front.get_by_role("button", name="提交登记").click()  # type: ignore[attr-defined]
    filed = _success(front, r"已登记 TS-\d{4}-\d{4}，已转交 ")
    number = re.search(r"TS-\d{4}-\d{4}", filed).group(0)  # type: ignore[union-attr]
    assert "值班员" in filed, filed  # 中兴: a new complaint goes to the duty officer first
    _shot(front, "walk-03-filed")

    # ---- 值班员: a typed link opened signed out lands on the case after sign-in --------------
    duty = _page(browser)
    duty.goto(f"{server}/case?case={number}")  # type: ignore[attr-defined]
    _sign_in_at(duty, server, "duty.zhongxing")
    _case_page(duty, number)
    assert f"case={number}" in duty.url  # type: ignore[attr-defined]
    duty_name = _person(duty)
    assert duty_name in filed, (duty_name, filed)  # the hand-over named the person
    _shot(duty, "walk-04-duty-deep-link")
    done = _complete(duty, "值班人员记入《值班记录表》", "walk-05-duty-logged")
    assert "已转交 区域客服" in done, done
    # The case picker follows the case to its new step.
    _picker_shows(duty, "区分投诉性质")

    # ---- 区域客服: from the task list; F5 on the case page keeps the case --------------------
    cs = _page(browser)
    _sign_in(cs, server, "assistant.zhongxing")
    cs_name = _person(cs)
    assert cs_name in done, (cs_name, done)
    cs.get_by_text(number).first.wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    _shot(cs, "walk-06-cs-tasks")
    cs.get_by_role("button", name="打开").first.click()  # type: ignore[attr-defined]
    _case_page(cs, number)
    cs.reload()  # type: ignore[attr-defined]
    _case_page(cs, number)
    assert cs.get_by_label("用户名").count() == 0  # type: ignore[attr-defined]
    # 中兴 removed the responsibility and serious-event branches: those fields are not offered.
    for gone in ("区分责任", "严重事件"):
        assert cs.get_by_text(gone, exact=True).count() == 0, gone  # type: ignore[attr-defined]
    cs.get_by_text("有效投诉", exact=True).click()  # type: ignore[attr-defined]
    _idle(cs)
    _complete(cs, "区分投诉性质", "walk-07-cs-classified")
    _picker_shows(cs, "有效投诉：与客户联系，约定回复时间")

    # A reply time in the past is refused, with the reason at the field.
    now = datetime.now(LOCAL).replace(tzinfo=None)
    _type_datetime(cs, "约定回复时间 *", now - timedelta(days=1))
    cs.get_by_role("button", name="完成此步骤").click()  # type: ignore[attr-defined]
    cs.get_by_text(re.compile("约定回复时间不能早于现在")).first.wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    _idle(cs)
    _shot(cs, "walk-08-past-reply-time-refused")
    _picker_shows(cs, "有效投诉：与客户联系，约定回复时间")  # still on that step
    agreed = (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    _type_datetime(cs, "约定回复时间 *", agreed)
    done = _complete(cs, "有效投诉：与客户联系，约定回复时间", "walk-09-reply-time-agreed")
    assert f"期限 {agreed:%m-%d %H:%M}" in done, done  # the agreed time is the deadline now
    cs.get_by_label("处理结果").fill("已派维修工检查楼上防水层, 需返修")  # type: ignore[attr-defined]
    cs.get_by_text("客户服务人员无法解决", exact=True).click()  # type: ignore[attr-defined]
    _idle(cs)
    done = _complete(cs, "在约定时间内处理", "walk-10-cs-cannot-solve")

    # ---- 管理处经理: a link opened in a new tab of a signed-in browser opens at once --------
    manager = _page(browser)
    manager.goto(f"{server}/users")  # type: ignore[attr-defined]  # a typed link, signed out
    _sign_in_at(manager, server, "admin.zhongxing")
    manager.get_by_role("heading", name="用户与权限").first.wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    assert manager.url.rstrip("/").endswith("/users")  # type: ignore[attr-defined]
    _idle(manager)
    manager_name = _person(manager)
    assert manager_name in done, (manager_name, done)
    tab = manager.context.new_page()  # type: ignore[attr-defined]
    tab.goto(f"{server}/case?case={number}")
    _case_page(tab, number)
    assert tab.get_by_label("用户名").count() == 0
    _shot(tab, "walk-11-manager-new-tab")
    tab.get_by_label("处理结果").fill("管理处主任组织工程部返修防水, 已修复")
    _idle(tab)
    _complete(tab, "管理处主任组织相关人员处理", "walk-12-manager-organised")

    # ---- 值班员 logs the result; 区域客服 calls back and closes ------------------------------
    duty.reload()  # type: ignore[attr-defined]
    _case_page(duty, number)
    _complete(duty, "处理结果告知值班中心并记入《值班记录表》", "walk-13-duty-result")
    cs.reload()  # type: ignore[attr-defined]
    _case_page(cs, number)
    # 回访 needs its call-back record first: saving it is confirmed with the record's number.
    cs.get_by_text("电话回访", exact=True).click()  # type: ignore[attr-defined]
    cs.get_by_label("业户意见").fill("维修及时, 满意")  # type: ignore[attr-defined]
    cs.get_by_text("满意", exact=True).click()  # type: ignore[attr-defined]
    _idle(cs)
    cs.get_by_role("button", name="保存记录").click()  # type: ignore[attr-defined]
    _success(cs, r"已保存《客户访问记录 \(回访记录表\)》HF-")
    _shot(cs, "walk-14-callback-record-saved")
    cs.get_by_label("回访意见").fill("客户满意, 楼下已不再渗水")  # type: ignore[attr-defined]
    _idle(cs)
    _complete(cs, "回访", "walk-15-callback")
    closed = _complete(cs, "结案", "walk-16-closed")
    assert "案件已结案" in closed, closed
    _picker_shows(cs, "已结案")  # the closed case keeps its name in the picker
    # The log names the people who acted, with their titles at 中兴.
    log = _log(cs)
    for name in (front_name, duty_name, cs_name, manager_name):
        assert name in log, (name, log)
    assert "frontdesk.zhongxing" not in log and "duty-officer" not in log

    # ---- 退出登录: a reload is the sign-in form, and the old cookie is dead on the server -----
    stolen = front.context.cookies()  # type: ignore[attr-defined]
    assert any(c["name"] == "hb_session" and c["httpOnly"] for c in stolen), stolen
    front.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()  # type: ignore[attr-defined]
    front.get_by_label("用户名").wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    front.reload()  # type: ignore[attr-defined]
    front.get_by_label("用户名").wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    _idle(front)
    assert front.get_by_role("heading", name="我的待办").count() == 0  # type: ignore[attr-defined]
    _shot(front, "walk-17-signed-out-after-reload")
    replay = browser.new_context(viewport=VIEW, locale="zh-CN")  # type: ignore[attr-defined]
    replay.add_cookies(stolen)  # the cookie from before 退出登录, sent again
    again = replay.new_page()
    again.goto(server)
    again.get_by_label("用户名").wait_for(timeout=WAIT)
    _idle(again)
    assert again.get_by_role("heading", name="我的待办").count() == 0
    replay.close()
    for page in (front, duty, cs, manager):
        page.context.close()  # type: ignore[attr-defined]
