"""End-to-end staff flows through the app (AppTest), one property and branch at a time.

Each test drives the pages the way the clerks do: file on 新建登记, open the case, fill the
step's fields, complete; the regressions found in QA are pinned here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import open_page, sign_in

# The UI contract: every flow runs on the embedded store and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")

START = "start_complaint-handling"
KINDS = ("text_input", "text_area", "radio", "selectbox", "checkbox", "toggle", "number_input",
         "time_input")


def texts(at: AppTest, kind: str) -> list[str]:
    """Values of every element of one kind (error, success, markdown...)."""
    return [str(e.value) for e in getattr(at, kind)]


def fill(at: AppTest, **values: Any) -> AppTest:
    """Set fields by name (the widget key's last part), rerunning after each one so fields
    shown only under a condition (visible-if) appear before they are filled."""
    for name, value in values.items():
        widget = next(w for kind in KINDS for w in getattr(at, kind)
                      if w.key and w.key.split(".")[-1] == name)
        if widget.type in ("text_input", "text_area"):
            widget.input(value)
        else:
            widget.set_value(value)
        at.run()
    return at


def button(at: AppTest, suffix: str) -> Any:
    """The button whose key ends with `suffix`."""
    return next(b for b in at.button if b.key and b.key.endswith(suffix))


def complete(at: AppTest) -> AppTest:
    """Press 完成此步骤 and return the page."""
    button(at, "__complete").click().run()
    assert not at.exception, at.exception
    return at


def file_complaint(user: str, **values: Any) -> str:
    """File a complaint on 新建登记 as `user`; the new case's id."""
    at = open_page(sign_in(user), "start")
    base = dict(complainant="李四", unit="98-1-302", content="保安态度差", kind="complaint",
                channel="phone", phone="13800001111")
    fill(at, **{**base, **values})
    at.button(key=f"{START}__submit").click().run()
    assert not at.exception and texts(at, "success"), texts(at, "error")
    return str(at.session_state["case_id"])


def case(case_id: str) -> Any:
    """The case as the engine has it now."""
    from runtime.ui import context as ctx

    return ctx.engine().get_case(case_id)


def log_text(at: AppTest) -> str:
    """Every table on the page as text (clocks, data, case log)."""
    return "".join(d.value.to_string() for d in [*at.dataframe, *at.table])


# ---- Taoyuan: service problem explained on the spot, call-back record blocks closing -------


def test_service_complaint_explained_on_the_spot_closes_after_the_callback_record() -> None:
    cid = file_complaint("frontdesk.taoyuan")
    at = open_page(sign_in("assistant.taoyuan"), "case", case_id=cid)
    fill(at, responsibility="service", validity="valid", explained_on_site=True)
    complete(at)
    assert case(cid).step == "feedback"
    fill(at, feedback_content="已当面解释并致歉", owner_satisfied=True)
    complete(at)
    assert case(cid).step == "callback"
    # Completing the call-back before its record is refused, in Chinese, with titles.
    complete(at)
    errors = texts(at, "error")
    assert errors == ["完成「处理一周后回访」前须先保存《客户访问记录 (回访记录表)》。"], errors
    assert case(cid).step == "callback"
    # The record form is filled from the case; saving it is confirmed with its number.
    assert at.text_input(key=f"record_{cid}_callback-record.unit").value == "98-1-302"
    fill(at, method="phone", satisfaction="satisfied", opinion="满意")
    at.button(key=f"record_{cid}_callback-record__save").click().run()
    saved = texts(at, "success")
    assert saved and saved[0].startswith("已保存《客户访问记录 (回访记录表)》HF-"), saved
    complete(at)
    complete(at)
    assert case(cid).status == "closed"
    # The picker still names the closed case (number, procedure, 已结案), not its store id.
    number = case(cid).number
    assert f"{number} · 投诉处理流程 · 已结案" in at.selectbox(key="case_pick").options
    # The closed case still lists its call-back record, printable and downloadable.
    assert any(e.label.startswith("《客户访问记录 (回访记录表)》HF-") for e in at.expander)
    assert any(b.key and b.key.startswith("pdf_HF-") for b in at.get("download_button"))


def test_confirmations_name_the_step_and_the_people_the_case_goes_to() -> None:
    from runtime.ui import context as ctx

    at = open_page(sign_in("frontdesk.taoyuan"), "start")
    fill(at, complainant="李四", unit="98-1-302", content="保安态度差", kind="complaint",
         channel="phone")
    at.button(key=f"{START}__submit").click().run()
    assistant = ctx.users().get("assistant.taoyuan")
    assert assistant is not None and assistant.name
    number = case(str(at.session_state["case_id"])).number
    # A role nobody is assigned to yet: its title and the people who hold it at 桃源村.
    filed = texts(at, "success")
    assert len(filed) == 1 and re.fullmatch(
        rf"已登记 {number}，已转交 客户助理 {assistant.name}，期限 \d\d-\d\d \d\d:\d\d。",
        filed[0]), filed
    cid = str(at.session_state["case_id"])
    at = open_page(sign_in("assistant.taoyuan"), "case", case_id=cid)
    fill(at, responsibility="service", validity="valid", explained_on_site=True)
    complete(at)
    done = texts(at, "success")
    assert done and done[0].startswith("已完成「区分责任」，已转交 客户助理 "), done
    assert assistant.name in done[0]


def test_case_log_shows_titles_not_rule_ids() -> None:
    cid = file_complaint("frontdesk.taoyuan")
    at = open_page(sign_in("assistant.taoyuan"), "case", case_id=cid)
    log = at.table[-1].value.to_string()
    assert "立案：投诉处理流程 v1.2.0" in log
    assert "陈晓燕（前台接待）" in log  # who: the person and role title, not the username
    assert "→ 客户助理" in log and "→ customer-assistant" not in log
    assert "receive 接待投诉" not in log and "「接待投诉" in log


# ---- an overdue case is red for its assignee, on the task list and on the case ----------


def test_overdue_case_is_red_on_the_case_page_too() -> None:
    from datetime import timedelta

    from runtime.ui import context as ctx
    from runtime.ui.pages.staff import now

    sign_in("frontdesk.taoyuan")  # first start: demo users, store
    at = now() - timedelta(days=3)
    data = {"received_at": at.isoformat(timespec="seconds"), "channel": "phone",
            "complainant": "王五", "unit": "1-101", "kind": "complaint", "content": "噪音"}
    eng = ctx.engine()
    late = eng.start_case("complaint-handling", "taoyuan-village", data, at,
                          "frontdesk.taoyuan", "front-desk")
    eng.complete_step(late.id, {}, at, "frontdesk.taoyuan", step="receive")
    tasks = sign_in("assistant.taoyuan")
    assert ":red-badge[已超时]" in texts(tasks, "markdown")
    button(tasks, f"open_{late.id}/step/1").click().run()
    assert any(e.startswith("已超时：24小时内处理（期限 ") for e in texts(tasks, "error"))


def test_clock_table_leaves_out_clocks_that_do_not_apply() -> None:
    # 中兴人才公寓: a collective complaint runs the 15-minute report clock only; the clocks
    # for on-the-spot handling or company-centre referrals do not apply and are not listed.
    cid = file_complaint("frontdesk.zhongxing", unit="3-1205", content="多户热水停供",
                         collective=True)
    at = open_page(sign_in("duty.zhongxing"), "case", case_id=cid)
    clocks = at.dataframe[0].value
    assert list(clocks.iloc[:, 0]) == ["集体投诉15分钟内报告管理处主任"]
    assert "计时中" in set(clocks.iloc[:, 1])


# ---- 中兴人才公寓: collective complaint, return (退回) with a reason, call-back, close -------


def test_collective_complaint_returned_then_reported_and_closed() -> None:
    cid = file_complaint("frontdesk.zhongxing", unit="3-1205", content="多户热水停供",
                         collective=True)
    duty = open_page(sign_in("duty.zhongxing"), "case", case_id=cid)
    complete(duty)
    assert case(cid).step == "report-collective"
    # 退回 needs a reason; with one the case goes back to the duty-log step.
    button(duty, f"return_{cid}").click().run()
    assert texts(duty, "error") == ["请填写原因。"]
    duty.text_input(key=f"return_reason_{cid}").input("记录不全")
    button(duty, f"return_{cid}").click().run()
    assert case(cid).step == "duty-log"
    returned = texts(duty, "success")
    assert returned and returned[0].startswith("已退回，已转交 值班员"), returned
    assert "退回「集体投诉15分钟内报告管理处主任」→「值班人员记入《值班记录表》」：记录不全" \
        in log_text(duty)
    complete(duty)
    complete(duty)  # reported to the director within 15 minutes
    manager = open_page(sign_in("admin.zhongxing"), "case", case_id=cid)
    complete(manager)  # head office notified within 2 hours
    fill(manager, handling_result="已组织维修热水系统")
    complete(manager)
    duty = open_page(sign_in("duty.zhongxing"), "case", case_id=cid)
    complete(duty)  # result logged
    assistant = open_page(sign_in("assistant.zhongxing"), "case", case_id=cid)
    fill(assistant, method="phone", satisfaction="satisfied", opinion="已恢复")
    assistant.button(key=f"record_{cid}_callback-record__save").click().run()
    complete(assistant)
    complete(assistant)
    assert case(cid).status == "closed"


def test_returned_case_is_corrected_and_sent_on_again() -> None:
    cid = file_complaint("frontdesk.taoyuan")
    at = open_page(sign_in("assistant.taoyuan"), "case", case_id=cid)
    at.text_input(key=f"return_reason_{cid}").input("房号有误")
    button(at, f"return_{cid}").click().run()
    assert case(cid).step == "receive" and case(cid).role == "front-desk"
    clerk = open_page(sign_in("frontdesk.taoyuan"), "case", case_id=cid)
    assert clerk.text_input(key=f"case_{cid}_3.unit").value == "98-1-302"  # kept, editable
    fill(clerk, unit="98-1-303")
    complete(clerk)
    assert case(cid).step == "classify" and case(cid).data["unit"] == "98-1-303"



# ---- 中兴人才公寓: handled on the spot is chosen at intake -------------------------------


def test_front_desk_can_record_handled_on_the_spot_at_intake() -> None:
    # The receive step branches on `handled_on_spot`, a field outside its intake section:
    # the form offers it, and ticking it sends the case to the 1-hour on-the-spot report.
    cid = file_complaint("frontdesk.zhongxing", unit="3-1205", content="门禁卡失灵",
                         handled_on_spot=True)
    assert case(cid).step == "on-spot-report"
    at = open_page(sign_in("frontdesk.zhongxing"), "case", case_id=cid)
    fill(at, handling_result="已当场重新授权门禁卡")
    complete(at)
    assert case(cid).step == "record-result"
    # A Taoyuan intake has no such branch and no such box.
    taoyuan = open_page(sign_in("frontdesk.taoyuan"), "start")
    assert not any(w.key and w.key.endswith(".handled_on_spot") for w in taoyuan.checkbox)


# ---- duty log and handover (蠡湖香樟园): titles in the open list, handover record linked ----


def test_duty_handover_lists_step_titles_and_links_the_handover_record() -> None:
    at = open_page(sign_in("duty.lihu"), "duty")
    prefix = "duty_duty-handover"
    at.text_input(key=f"{prefix}.handing_over").input("钱七")
    for w in at.text_input:
        if w.key and w.key.endswith("].item") and not w.value:
            w.input("对讲机")
    at.button(key=f"{prefix}__submit").click().run()
    assert not at.exception and texts(at, "success"), texts(at, "error")
    listed = [m for m in texts(at, "markdown") if m.startswith("**ZB-")]
    assert listed and listed[0].endswith("双方确认无误后签名, 开始值班"), listed
    cid = str(at.session_state["case_id"])
    page = open_page(at, "case", case_id=cid)
    assert "关联记录" in texts(page, "subheader")
    assert any("交接班记录" in e.label for e in page.expander)
    fill(page, confirmed=True)
    complete(page)
    assert case(cid).step == "on-duty"


def test_search_finds_a_case_by_unit_and_names_its_procedure() -> None:
    file_complaint("frontdesk.lihu", unit="7-2-1101", content="地库积水")
    at = open_page(sign_in("assistant.lihu"), "search")
    at.text_input(key="search_text").input("7-2-1101").run()
    hits = [m for m in texts(at, "markdown") if m.startswith("**TS-")]
    assert len(hits) == 1 and "投诉处理流程" in hits[0] and "complaint-handling" not in hits[0]


# ---- 桃源村 household service: a weekend order goes to the command centre's dispatch -------


def _household_users() -> None:
    from runtime import auth
    from runtime.ui import context as ctx

    # No demo account holds these roles: the office manager creates them on 用户与权限.
    for username, name, role in (("command.taoyuan", "指挥中心主办", "command-centre-supervisor"),
                                 ("worker.taoyuan", "家政服务员", "household-service-worker")):
        ctx.users().save(auth.User(username, name, (role,), "taoyuan-village"), "demo1234")


def test_weekend_household_order_dispatched_and_served_with_one_record_form() -> None:
    from datetime import datetime, time

    sign_in("frontdesk.taoyuan")  # first start: demo users, store
    _household_users()
    at = open_page(sign_in("command.taoyuan"), "start")
    key = "start_household-service-dispatch"
    at.session_state[f"{key}.received_at"] = datetime(2026, 11, 28, 10, 0)  # a Saturday
    fill(at, unit="98-1-302", client="周女士", request_content="周六上门保洁")
    at.button(key=f"{key}__submit").click().run()
    assert not at.exception and texts(at, "success"), texts(at, "error")
    cid = str(at.session_state["case_id"])
    assert case(cid).step == "weekend-dispatch"
    page = open_page(at, "case", case_id=cid)
    fill(page, worker="李阿姨", service_fee=80)
    complete(page)
    assert case(cid).step == "on-site-service"
    worker = open_page(sign_in("worker.taoyuan"), "case", case_id=cid)
    # The step fills 《家庭服务情况记录表》 itself: shown once, no second "save record" copy.
    assert not any(b.key and b.key.startswith("record_") for b in worker.button)
    prefix = f"case_{cid}_3"
    number = case(cid).number
    assert worker.text_input(key=f"{prefix}.work_order_no").value == number  # case:number
    fill(worker, service_content="全屋保洁", client_confirmed=True, arrived_at=time(9, 0),
         finished_at=time(11, 30))
    complete(worker)
    assert not texts(worker, "error"), texts(worker, "error")
    assert case(cid).step == "sign-in" and case(cid).has_record("household-service-record")


def test_empty_comment_asks_for_the_comment_not_a_reason() -> None:
    cid = file_complaint("frontdesk.taoyuan")
    at = open_page(sign_in("assistant.taoyuan"), "case", case_id=cid)
    at.button(key=f"comment_btn_{cid}").click().run()
    assert texts(at, "error") == ["请填写备注内容。"]
    at.text_area(key=f"comment_{cid}").input("业主下午在家")
    at.button(key=f"comment_btn_{cid}").click().run()
    assert not texts(at, "error") and "备注：业主下午在家" in log_text(at)
    assert texts(at, "success") == ["已添加备注。"]


def test_transfer_confirms_where_the_case_went() -> None:
    from runtime.ui import context as ctx

    cid = file_complaint("frontdesk.taoyuan")
    at = open_page(sign_in("assistant.taoyuan"), "case", case_id=cid)
    at.selectbox(key=f"transfer_role_{cid}").set_value("service-centre-supervisor").run()
    at.text_input(key=f"transfer_reason_{cid}").input("需主管协调")
    button(at, f"transfer_{cid}").click().run()
    supervisor = ctx.users().get("supervisor.taoyuan")
    assert supervisor is not None
    done = texts(at, "success")
    # 桃源村's own title of the role (客服主管 in the company rules), then the person.
    assert done and done[0].startswith(f"已转单，已转交 客户服务中心主办 {supervisor.name}"), done


@pytest.mark.parametrize("user,may", [
    ("frontdesk.taoyuan", False),   # neither holds the step nor supervises: comment only
    ("assistant.taoyuan", True),    # holds the classify step
    ("supervisor.taoyuan", True),   # supervisor: reassigns steps nobody on duty holds
    ("admin.taoyuan", True),
])
def test_transfer_and_return_offered_to_the_holder_and_supervisors(user: str, may: bool) -> None:
    cid = file_complaint("frontdesk.taoyuan")
    at = open_page(sign_in(user), "case", case_id=cid)
    keys = {b.key for b in at.button}
    assert (f"transfer_{cid}" in keys) is may and (f"return_{cid}" in keys) is may
    assert f"comment_btn_{cid}" in keys
