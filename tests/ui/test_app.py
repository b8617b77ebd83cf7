"""AppTest: every page, sign-in, permissions, filing a complaint, the task list, the editor."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from runtime.ui.main import PAGES
from tests.ui.conftest import ROOT, open_page, sign_in

PROPERTY = "taoyuan-village"  # base complaint flow: front desk files, customer assistant classifies
FORM = "start_complaint-handling"
TITLES_ZH = {"login": "物业客服手册 · 登录"}


def texts(at: AppTest, kind: str) -> list[str]:
    """Values of every element of one kind (error, success, markdown...)."""
    return [str(e.value) for e in getattr(at, kind)]


def titles(at: AppTest) -> list[str]:
    """Page titles shown."""
    return [str(t.value) for t in at.title]


# ---- sign-in -------------------------------------------------------------------------------


def test_wrong_password_is_refused() -> None:
    at = sign_in("frontdesk.taoyuan", "not-the-password")
    assert not at.exception
    assert "用户名或密码错误。" in texts(at, "error")
    assert titles(at) == [TITLES_ZH["login"]]
    assert "auth_user" not in at.session_state


@pytest.mark.parametrize("username", ["nobody", "", "frontdesk.taoyuan' OR 1=1"])
def test_unknown_user_is_refused(username: str) -> None:
    at = sign_in(username)
    assert "用户名或密码错误。" in texts(at, "error")


def test_right_password_opens_the_task_list() -> None:
    at = sign_in("frontdesk.taoyuan")
    assert not at.exception
    assert titles(at) == ["我的待办"]


def test_language_switch_to_english() -> None:
    at = sign_in("frontdesk.taoyuan")
    at.sidebar.radio(key="lang").set_value("en").run()
    assert titles(at) == ["My tasks"]


def test_language_survives_a_page_link() -> None:
    """st.switch_page drops the radio's widget state; the kept copy restores the language."""
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, TIMEOUT

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["_lang_keep"] = "en"  # what is left after a page link in English
    at.run()
    assert not at.exception
    assert at.sidebar.radio(key="lang").value == "en"
    assert "Sign in" in [b.label for b in at.button]


# ---- every page renders for a user allowed to open it ------------------------------------


@pytest.mark.parametrize("page", [p.key for p in PAGES])
def test_every_page_renders(page: str) -> None:
    # admin.taoyuan is 管理处经理: administer, train and dashboard in the bundled rules.
    at = sign_in("admin.taoyuan")
    open_page(at, page)
    assert not at.exception, at.exception
    assert "您没有权限打开此页面。" not in texts(at, "error")
    assert titles(at), f"page {page} shows no title"


@pytest.mark.parametrize("page", ["rules", "editor", "resolved", "import", "users", "dashboard",
                                  "org", "flow"])
def test_staff_cannot_open_restricted_pages(page: str) -> None:
    at = sign_in("frontdesk.taoyuan")
    open_page(at, page)
    assert not at.exception
    assert "您没有权限打开此页面。" in texts(at, "error")
    assert not any(w.type == "text_area" for w in at.main)  # no editor, no rule text


def test_page_function_refuses_on_the_server() -> None:
    # Even when the page function itself runs (a stale URL, a forged rerun), it checks.
    def script() -> None:
        import streamlit as st

        from runtime.ui.pages.admin import editor_page

        st.session_state["auth_user"] = "frontdesk.taoyuan"
        editor_page()

    at = AppTest.from_function(script, default_timeout=60).run()
    assert "您没有权限打开此页面。" in texts(at, "error")
    assert not at.text_area


# ---- filing a complaint --------------------------------------------------------------------


def _fill_required(at: AppTest) -> None:
    at.text_input(key=f"{FORM}.unit").input("98-1-302")
    at.radio(key=f"{FORM}.kind").set_value("complaint")
    at.radio(key=f"{FORM}.channel").set_value("phone")


def test_missing_required_field_shows_message_and_keeps_typed_data() -> None:
    at = open_page(sign_in("frontdesk.taoyuan"), "start")
    at.text_input(key=f"{FORM}.complainant").input("张三")
    at.text_area(key=f"{FORM}.content").input("楼道灯坏了三天")
    at.button(key=f"{FORM}__submit").click().run()
    assert not at.exception
    errors = " ".join(texts(at, "error"))
    assert "房号" in errors and "类别" in errors
    assert at.text_input(key=f"{FORM}.complainant").value == "张三"
    assert at.text_area(key=f"{FORM}.content").value == "楼道灯坏了三天"
    assert not texts(at, "success")


def test_complaint_filed_and_in_assignees_task_list() -> None:
    at = open_page(sign_in("frontdesk.taoyuan"), "start")
    at.text_input(key=f"{FORM}.complainant").input("李四")
    at.text_area(key=f"{FORM}.content").input("电梯异响")
    _fill_required(at)
    at.button(key=f"{FORM}__submit").click().run()
    assert not at.exception
    done = texts(at, "success")
    assert done and "TS-" in done[0] and "客户助理" in done[0]
    number = re.search(r"TS-\d{4}-\d{4}", done[0]).group(0)  # type: ignore[union-attr]
    # the form is clean for the next caller
    assert at.text_input(key=f"{FORM}.complainant").value in ("", None)

    assistant = sign_in("assistant.taoyuan")
    shown = " ".join(texts(assistant, "markdown"))
    assert number in shown and "区分责任" in shown
    # another property's assistant does not see it
    other = sign_in("assistant.lihu")
    assert number not in " ".join(texts(other, "markdown"))


def _case_in_the_past(days: int) -> str:
    from runtime.ui import context as ctx
    from runtime.ui.pages.staff import now

    eng = ctx.engine()
    at = now() - timedelta(days=days)
    data = {"received_at": at.isoformat(timespec="seconds"), "channel": "phone",
            "complainant": "王五", "unit": "1-101", "kind": "complaint", "content": "噪音",
            "phone": "13812345678"}
    case = eng.start_case("complaint-handling", PROPERTY, data, at, "frontdesk.taoyuan",
                          "front-desk")
    case = eng.complete_step(case.id, {}, at, "frontdesk.taoyuan", step="receive")
    return case.number


def test_overdue_case_is_highlighted_and_first() -> None:
    sign_in("frontdesk.taoyuan")  # first start: demo users, store
    fresh = _case_in_the_past(0)
    late = _case_in_the_past(3)
    at = sign_in("assistant.taoyuan")
    assert not at.exception
    md = texts(at, "markdown")
    badges = [m for m in md if "-badge[" in m]
    assert badges[0] == ":red-badge[已超时]"
    titles_md = [m for m in md if "TS-" in m]
    assert late in titles_md[0] and fresh in titles_md[1]  # sorted by deadline
    # the overdue metric counts it (routine schedule tasks may add more on some hours)
    assert int(at.metric[0].value) >= 1


def test_case_page_masks_personal_data_for_roles_without_access() -> None:
    sign_in("frontdesk.taoyuan")
    number = _case_in_the_past(0)
    from runtime.ui import context as ctx

    case = next(c for c in ctx.engine().repo.find_cases(property=PROPERTY)
                if c.number == number)
    quality = open_page(sign_in("quality"), "case", case_id=case.id)
    assert not quality.exception
    cells = quality.dataframe[0].value.to_string() + "".join(
        d.value.to_string() for d in quality.dataframe)
    assert "13812345678" not in cells and "138****5678" in cells
    clerk = open_page(sign_in("frontdesk.taoyuan"), "case", case_id=case.id)
    assert "13812345678" in "".join(d.value.to_string() for d in clerk.dataframe)


def test_assistant_completes_a_step_with_the_form() -> None:
    sign_in("frontdesk.taoyuan")
    number = _case_in_the_past(0)
    at = sign_in("assistant.taoyuan")
    button = next(b for b in at.button if b.key and b.key.startswith("open_"))
    button.click().run()
    assert not at.exception
    assert titles(at) == ["办理案件"]
    prefix = next(w.key for w in at.radio if w.key and w.key.endswith(".responsibility"))
    at.radio(key=prefix).set_value("service").run()
    at.radio(key=prefix.replace("responsibility", "validity")).set_value("valid")
    complete = next(b for b in at.button if b.key and b.key.endswith("__complete"))
    complete.click().run()
    assert not at.exception
    assert not texts(at, "error")
    log = "".join(d.value.to_string() for d in [*at.dataframe, *at.table])
    assert "区分责任" in log
    assert number in " ".join(texts(at, "markdown"))


# ---- administrator -------------------------------------------------------------------------


ROLE_FILE = "rules/company/roles/front-desk.yaml"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(needle))


def _bump(text: str) -> str:
    """The same rule text with its version's last number raised (check requires a bump)."""
    def up(m: re.Match[str]) -> str:
        return f"version: {m.group(1)}.{int(m.group(2)) + 1}"

    return re.sub(r"^version: (\d+\.\d+)\.(\d+)", up, text, count=1, flags=re.M)


def _new_draft(at: AppTest, title: str = "测试修改") -> str:
    """Create a working copy on the editor page; returns its id."""
    at.text_input(key="editor_draft__title").input(title)
    at.button(key="editor_draft__create").click().run()
    assert not at.exception, at.exception
    return str(at.session_state["editor_draft"])


def _edit(at: AppTest, draft_id: str, text: str, button: str) -> AppTest:
    at.text_area(key=f"editor_text::{draft_id}::{ROLE_FILE}").input(text)
    return at.button(key=button).click().run()


def test_administrator_sees_broken_rule_error_with_its_line(data_dir: Path) -> None:
    at = open_page(sign_in("admin.taoyuan"), "editor", editor_file=ROLE_FILE)
    draft_id = _new_draft(at)
    shipped = (ROOT / ROLE_FILE).read_text(encoding="utf-8")
    broken = shipped.replace("level: operational", "level: boss")
    line = _line_of(broken, "level:")
    _edit(at, draft_id, broken, "editor_validate")
    assert not at.exception
    errors = texts(at, "error")
    assert any(f"{ROLE_FILE} 第 {line} 行:" in e and "level" in e for e in errors), errors
    # validating saves nothing: neither the shipped file nor the draft changed
    assert (ROOT / ROLE_FILE).read_text(encoding="utf-8") == shipped
    assert (data_dir / "drafts" / draft_id / ROLE_FILE).read_text(encoding="utf-8") == shipped


def test_edit_saved_into_a_draft_not_into_rules(data_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # A day the holiday schedule is known: from November the check warns (W091) about next
    # year's, and this test is about "校验通过" with no warning at all.
    from runtime.versions import holiday_years
    from runtime.workcal import china_exact_years

    monkeypatch.setattr(holiday_years, "local_today",
                        lambda: date(max(china_exact_years()), 6, 1))
    # A company rule: changed by a company-level account (property accounts may not).
    at = open_page(sign_in("general"), "editor", editor_file=ROLE_FILE)
    draft_id = _new_draft(at)
    shipped = (ROOT / ROLE_FILE).read_text(encoding="utf-8")
    edited = _bump(shipped.replace("headcount: 2", "headcount: 3"))
    assert edited != shipped
    _edit(at, draft_id, edited, "editor_save")
    assert not at.exception
    assert "校验通过: 整套规则没有错误。" in texts(at, "success")
    assert (data_dir / "drafts" / draft_id / ROLE_FILE).read_text(encoding="utf-8") == edited
    assert (ROOT / ROLE_FILE).read_text(encoding="utf-8") == shipped


def _drafts_dir() -> Path:
    import os

    return Path(os.environ["HANDBOOK_DATA"]) / "drafts"


def _act(at: AppTest, action: str) -> AppTest:
    return at.button(key=f"versions_{action}").click().run()


def test_draft_goes_through_document_control_and_goes_live() -> None:
    # A company rule: 综合部 (company level) drafts, 品质部 reviews, 主管副总经理 approves and
    # publishes — three people, company-level accounts (company document-control).
    trainer = open_page(sign_in("trainer.taoyuan"), "editor", editor_file=ROLE_FILE)
    draft_id = _new_draft(trainer, "前台定编改为5人")
    shipped = (ROOT / ROLE_FILE).read_text(encoding="utf-8")
    edited = _bump(shipped.replace("headcount: 2", "headcount: 5"))
    assert "headcount: 5" in edited and edited.count("version:") == shipped.count("version:")
    _edit(trainer, draft_id, edited, "editor_save")  # a property account: refused, and why
    assert any("只能修改本管理处的文件" in e and "公司通用规则" in e
               for e in texts(trainer, "error")), texts(trainer, "error")
    assert (_drafts_dir() / draft_id / ROLE_FILE).read_text(encoding="utf-8") == shipped

    drafter = open_page(sign_in("general"), "editor", editor_file=ROLE_FILE,
                        editor_draft=draft_id)
    _edit(drafter, draft_id, edited, "editor_save")
    assert not drafter.exception and not texts(drafter, "error"), texts(drafter, "error")

    property_admin = open_page(sign_in("admin.taoyuan"), "versions", versions_draft=draft_id)
    _act(property_admin, "submit")
    assert any("不能提交审核" in e for e in texts(property_admin, "error"))  # wrong scope

    open_page(drafter, "versions", versions_draft=draft_id)
    assert any("修改公司通用规则" in md and "桃源村管理处" in md and "中兴人才公寓管理处" in md
               for md in texts(drafter, "markdown")), texts(drafter, "markdown")
    _act(drafter, "submit")
    assert not texts(drafter, "error"), texts(drafter, "error")
    _act(drafter, "review")  # the drafter may not review the same draft
    assert any("编制了此草稿" in e for e in texts(drafter, "error")), texts(drafter, "error")
    open_page(property_admin, "versions", versions_draft=draft_id)
    _act(property_admin, "review")  # company rules: not a property's account
    assert texts(property_admin, "error")
    reviewer = open_page(sign_in("quality"), "versions", versions_draft=draft_id)
    _act(reviewer, "review")
    assert not reviewer.exception and not texts(reviewer, "error"), texts(reviewer, "error")
    _act(reviewer, "approve")  # the reviewer may not approve (nor hold the role)
    assert texts(reviewer, "error")
    manager = open_page(sign_in("gm"), "versions", versions_draft=draft_id)
    _act(manager, "approve")
    reviewer = open_page(sign_in("quality"), "versions", versions_draft=draft_id)
    _act(reviewer, "publish")  # not the reviewer's to publish: the progress box says so
    assert texts(reviewer, "error")
    assert [(s.label, s.state) for s in reviewer.status] == [("发布未完成", "error")]
    manager = open_page(sign_in("gm"), "versions", versions_draft=draft_id)
    manager.text_input(key="versions_comment").input("定编调整")
    _act(manager, "publish")
    assert not manager.exception and not texts(manager, "error"), texts(manager, "error")
    header = manager.dataframe[0].value.iloc[1, -1]
    # each step: the person's display name and the role they acted in
    assert re.search(r"编制: \S.* \(综合部主管\) .*审核: \S.* \(品质部主管\) .*批准: \S.* "
                     r"\(主管副总经理\)", header), header
    table = manager.dataframe[0].value
    assert list(table.iloc[:, 0]) == [1, 2] and table.iloc[1, 1] == "✓"
    # the app now runs on version 2, at once
    from runtime.ui import context as ctx

    rules, _forms = ctx.rule_dirs()
    assert rules.parent.name == "0002"
    assert ctx.handbook(None).roles["front-desk"].headcount.count == 5
    assert titles(sign_in("frontdesk.taoyuan")) == ["我的待办"]
    # The change touches the front-desk role: its holders get a read task, others do not.
    desk = open_page(sign_in("frontdesk.taoyuan"), "ack")
    assert not desk.exception
    assert any("定编" in md and "5" in md for md in (m.value for m in desk.markdown))
    desk.button(key="readtask_2").click().run()
    assert not desk.exception
    other = open_page(sign_in("assistant.taoyuan"), "ack")
    assert not other.exception
    assert not [b for b in other.button if str(b.key).startswith("readtask_")]
    from runtime.versions import acks as read_tasks

    progress = read_tasks.progress(ctx.store(), 2)
    assert "frontdesk.taoyuan" in progress["front-desk"]["done"]
    assert "customer-assistant" not in progress


def test_resolved_view_shows_property_override_with_source() -> None:
    at = open_page(sign_in("admin.zhongxing"), "resolved",
                   resolved_property="zhongxing-apartments", resolved_kind="procedure",
                   resolved_id="complaint-handling", resolved_only=True)
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) > 0
    assert set(table.iloc[:, 2]) == {"管理处修改"}
    assert all("rules/properties/zhongxing-apartments/" in s for s in table.iloc[:, 3])


def test_administrator_creates_a_user_who_can_sign_in() -> None:
    at = open_page(sign_in("admin.taoyuan"), "users")
    form_inputs = [w for w in at.text_input]
    form_inputs[0].input("clerk2")
    form_inputs[1].input("新前台")
    at.multiselect[0].set_value(["front-desk"])
    form_inputs[2].input("s3cret-pass")
    next(b for b in at.button if "保存" in str(b.label)).click().run()
    assert not at.exception
    assert "用户 clerk2 已保存。" in texts(at, "success")
    assert titles(sign_in("clerk2", "s3cret-pass")) == ["我的待办"]


def test_acknowledgement_is_stored_and_counted() -> None:
    at = open_page(sign_in("frontdesk.taoyuan"), "ack")
    before = at.get("progress")[0].proto.text if at.get("progress") else ""
    next(b for b in at.button if b.key and b.key.startswith("ack_")).click().run()
    assert not at.exception
    assert "已确认" in texts(at, "success")
    after = at.get("progress")[0].proto.text
    assert before != after and after.startswith("已阅读 1 /")


def test_quiz_scores_answers() -> None:
    at = open_page(sign_in("assistant.taoyuan"), "quiz")
    from runtime.ui import context as ctx
    from runtime.ui.quiz import generate

    items = generate(ctx.handbook(PROPERTY), "customer-assistant", "zh")
    assert items
    for item in items:
        at.radio(key=f"quiz_{item.id}").set_value(item.answer)
    next(b for b in at.button if "交卷" in str(b.label)).click().run()
    assert not at.exception
    assert str(at.metric[0].value) == f"{len(items)} / {len(items)}"



# ---- import, dashboard, search ---------------------------------------------------------------


CALENDAR = "每周五下午2点半 部门工作例会 客服主管\n每月25日前 整理顾客投诉处理结果 客服主管\n"


def test_import_preview_beside_source_and_save_into_a_draft(data_dir: Path) -> None:
    at = open_page(sign_in("trainer.taoyuan"), "import")
    at.selectbox(key="import_kind").set_value("schedule")
    at.text_area(key="import_text").input(CALENDAR).run()
    assert not at.exception
    codes = [str(c.value) for c in at.code]
    assert codes[0].strip() == CALENDAR.strip()  # the source, left
    assert any("部门工作例会" in c and "kind: schedule" in c for c in codes[1:])  # parsed, right
    at.text_input(key="import_draft__title").input("导入工作行程")
    at.button(key="import_draft__create").click().run()
    at.button(key="import_save").click().run()
    assert not at.exception
    assert any("已保存 1 个文件" in s for s in texts(at, "success"))
    draft_id = str(at.session_state["import_draft"])
    saved = list((data_dir / "drafts" / draft_id / "rules" / "company" / "imported").rglob(
        "*.yaml"))
    assert len(saved) == 1 and "部门工作例会" in saved[0].read_text(encoding="utf-8")


def test_dashboard_counts_open_overdue_and_monthly_report() -> None:
    sign_in("frontdesk.taoyuan")
    _case_in_the_past(0)
    _case_in_the_past(3)
    at = open_page(sign_in("supervisor.taoyuan"), "dashboard")
    assert not at.exception
    metrics = {str(m.label): str(m.value) for m in at.metric}
    assert metrics["办理中"] == "2" and metrics["已超期"] == "1"
    table = at.dataframe[0].value
    assert list(table.iloc[0, 2:4]) == [2, 1]  # open, overdue for 投诉 in 桃源村
    assert int(metrics["受理件数"]) >= 1  # this month (the 3-day-old may be last month)
    picker = at.selectbox(key="dash_month")  # months, not a full-date calendar
    assert len(picker.options) == 24 and all(
        len(o) == 7 and o[4] == "-" and o.replace("-", "").isdigit() for o in picker.options)
    # Charts with titled axes, days in calendar order (issue 12 item 5).
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert specs, "the monthly report shows no chart"
    day = specs[0]["encoding"]
    assert day["x"]["title"] == "日期（日）" and day["y"]["title"] == "件数"
    assert day["x"]["sort"][:3] == ["1", "2", "3"]
    # The month's report prints and exports (issue 12 item 6), built under a status line.
    labels = {str(b.proto.label) for b in at.get("download_button")}
    assert {"打印视图 (HTML)", "下载 PDF", "下载 CSV", "下载 XLSX"} <= labels
    assert any("月报已生成" in s.label and s.state == "complete" for s in at.status)


def test_dashboard_refused_to_front_desk() -> None:
    at = open_page(sign_in("frontdesk.taoyuan"), "dashboard")
    assert "您没有权限打开此页面。" in texts(at, "error")
    assert not at.metric


@pytest.mark.parametrize(("user", "needle", "found"), [
    ("frontdesk.taoyuan", "1-101", True),
    ("frontdesk.taoyuan", "13812345678", True),
    ("quality", "1-101", True),
    ("quality", "13812345678", False),  # masked for the quality officer: not searchable either
    ("frontdesk.lihu", "1-101", False),  # another property's case
])
def test_search_finds_cases_the_user_may_see(user: str, needle: str, found: bool) -> None:
    sign_in("frontdesk.taoyuan")
    number = _case_in_the_past(0)
    at = open_page(sign_in(user), "search")
    at.text_input(key="search_text").input(needle).run()
    assert not at.exception
    assert (number in " ".join(texts(at, "markdown"))) is found


def test_trainer_sees_reading_progress_per_person_and_role() -> None:
    clerk = open_page(sign_in("frontdesk.taoyuan"), "ack")
    next(b for b in clerk.button if b.key and b.key.startswith("ack_")).click().run()
    trainer = open_page(sign_in("trainer.taoyuan"), "ack")
    assert not trainer.exception
    from runtime.ui import context as ctx

    name = ctx.users().get("frontdesk.taoyuan").name  # type: ignore[union-attr]
    people = trainer.dataframe[0].value
    row = people[people.iloc[:, 0] == name].iloc[0]
    assert int(row.iloc[3]) == 1
    roles = trainer.dataframe[1].value
    title = ctx.handbook(PROPERTY).roles["front-desk"].title
    assert int(roles[roles.iloc[:, 0] == title].iloc[0, 2]) >= 1


def test_case_document_prints_and_exports_with_masking() -> None:
    from runtime import auth, printing
    from runtime.ui import context as ctx
    from runtime.ui.records import record_csv
    from runtime.ui.records import record_for_print as _record_for_print

    sign_in("frontdesk.taoyuan")
    number = _case_in_the_past(0)
    case = next(c for c in ctx.engine().repo.find_cases(property=PROPERTY)
                if c.number == number)
    hb = ctx.handbook(PROPERTY)
    form = hb.forms["complaint-register"]
    record = _record_for_print(case)
    html = printing.render_html(hb, form, record, "桃源村管理处", "zh", mask_personal=True)
    assert number in html and "王五" in html and "13812345678" not in html
    pdf = printing.render_pdf(hb, form, record, "桃源村管理处", "zh")
    assert pdf.startswith(b"%PDF")
    quality = auth.capabilities(ctx.users().get("quality"), ctx.handbook(None))  # type: ignore[arg-type]
    clerk = auth.capabilities(ctx.users().get("frontdesk.taoyuan"), hb)  # type: ignore[arg-type]
    masked = record_csv(form, record, quality).decode("utf-8")
    assert masked.startswith("\ufeff") and "投诉人" in masked and number in masked
    assert "13812345678" not in masked and "13812345678" in record_csv(form, record, clerk).decode()
    # the case page offers the print view and downloads
    at = open_page(sign_in("frontdesk.taoyuan"), "case", case_id=case.id)
    at.toggle(key=f"preview_{number}").set_value(True).run()
    assert not at.exception


def test_duty_officer_takes_over_a_shift() -> None:
    # The first step of 值班与交接班 fills its own form (交接班记录), not the duty log.
    at = open_page(sign_in("duty.taoyuan"), "duty")
    assert "没有进行中的值班记录。" in texts(at, "info")
    prefix = "duty_duty-handover"
    at.text_input(key=f"{prefix}.handing_over").input("")
    at.button(key=f"{prefix}__submit").click().run()
    assert any("交班人" in e for e in texts(at, "error"))  # required, message shown
    at.text_input(key=f"{prefix}.handing_over").input("钱七")
    for w in at.text_input:
        if w.key and w.key.endswith("].item") and not w.value:
            w.input("对讲机")
    at.button(key=f"{prefix}__submit").click().run()
    assert not at.exception
    assert any(s.startswith("已登记 ") for s in texts(at, "success")), texts(at, "error")
    from runtime.ui import context as ctx

    case = ctx.engine().repo.find_cases(property=PROPERTY, procedure_id="duty-handover")[0]
    assert case.has_record("handover-log")


def test_transfer_needs_a_reason_and_moves_the_case() -> None:
    sign_in("frontdesk.taoyuan")
    number = _case_in_the_past(0)
    from runtime.ui import context as ctx

    case = next(c for c in ctx.engine().repo.find_cases(property=PROPERTY)
                if c.number == number)
    at = open_page(sign_in("assistant.taoyuan"), "case", case_id=case.id)
    at.selectbox(key=f"transfer_role_{case.id}").set_value("service-centre-supervisor")
    at.button(key=f"transfer_{case.id}").click().run()
    assert "请填写原因。" in texts(at, "error")
    at.text_input(key=f"transfer_reason_{case.id}").input("需主管协调")
    at.button(key=f"transfer_{case.id}").click().run()
    assert not at.exception and not texts(at, "error")
    assert ctx.engine().get_case(case.id).role == "service-centre-supervisor"
    supervisor = sign_in("supervisor.taoyuan")
    assert number in " ".join(texts(supervisor, "markdown"))
    log = open_page(supervisor, "case", case_id=case.id)
    assert "需主管协调" in "".join(d.value.to_string() for d in [*log.dataframe, *log.table])


def test_property_administrator_manages_only_their_property() -> None:
    at = open_page(sign_in("admin.taoyuan"), "users")
    names = set(at.dataframe[0].value.iloc[:, 0])
    assert "frontdesk.taoyuan" in names
    assert "frontdesk.lihu" not in names and "quality" not in names
    assert at.selectbox[-1].options == ["桃源村管理处"]  # no other property to assign
