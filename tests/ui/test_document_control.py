"""Issue 11 in the app: one check, 有错误 drafts, separation of duties, scope of authority.

Each test drives the real pages (AppTest) as the demo accounts would: 桃源村's 综合部主管
(`trainer.taoyuan`) drafts the property's own change, its 客服主管 (`supervisor.taoyuan`) reviews,
its 管理处经理 (`admin.taoyuan`) approves; company rules go through `general`, `quality`, `gm`.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import ROOT, open_page, sign_in

PROP_FILE = "rules/properties/taoyuan-village/property.yaml"
COMPANY_FILE = "rules/company/roles/front-desk.yaml"
SHIPPED = (ROOT / PROP_FILE).read_text(encoding="utf-8")
ADDRESS = SHIPPED.replace("property-type: residential",
                          "property-type: residential\naddress: 无锡市桃源村", 1)
BUMPED = ADDRESS.replace("version: 1.1.0", "version: 1.2.0", 1)
BROKEN = BUMPED.replace("property-type: residential", "property-type： residential", 1)


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(getattr(e, "value", "")) for e in getattr(at, kind)]


def _new_draft(at: AppTest, title: str) -> str:
    at.text_input(key="editor_draft__title").input(title)
    at.button(key="editor_draft__create").click().run()
    assert not at.exception, at.exception
    return str(at.session_state["editor_draft"])


def _edit(at: AppTest, draft_id: str, rel: str, text: str, button: str) -> AppTest:
    at.text_area(key=f"editor_text::{draft_id}::{rel}").input(text)
    at.button(key=button).click().run()
    assert not at.exception, at.exception
    return at


def _problem_lines(at: AppTest) -> list[str]:
    """The one check's list as shown: every error/warning box naming a file and line."""
    return sorted(t.split("  [")[0] for t in texts(at, "error") + texts(at, "warning")
                  if " 第 " in t and " 行: " in t)


def _act(at: AppTest, action: str) -> AppTest:
    at.button(key=f"versions_{action}").click().run()
    assert not at.exception, at.exception
    return at


def test_a_broken_draft_is_saved_as_has_errors_and_refused_with_the_same_list(
        data_dir: Path) -> None:
    at = open_page(sign_in("trainer.taoyuan"), "editor", editor_file=PROP_FILE)
    draft_id = _new_draft(at, "桃源村地址")
    _edit(at, draft_id, PROP_FILE, BROKEN, "editor_save")
    # Saved (work is never lost) — but no green "saved" above an error list.
    assert (data_dir / "drafts" / draft_id / PROP_FILE).read_text(encoding="utf-8") == BROKEN
    assert not any("已保存到草稿" in s for s in texts(at, "success")), texts(at, "success")
    assert any("已保存到草稿" in w and "有错误的草稿不能提交审核" in w
               for w in texts(at, "warning"))
    editor_lines = _problem_lines(at)
    assert any(f"{PROP_FILE} 第 18 行" in line and "全角冒号" in line for line in editor_lines), \
        editor_lines
    # The draft is listed as 有错误 (from the next run on: the list is drawn above the save) …
    at.run()
    label = at.selectbox(key="editor_draft").format_func(draft_id)
    assert "有错误" in label, label
    # … on the versions page too, and submit is refused with the very same list.
    versions = open_page(at, "versions", versions_draft=draft_id)
    assert any(e.startswith("有错误") for e in texts(versions, "error")), texts(versions, "error")
    _act(versions, "submit")
    errors_only = [line for line in editor_lines if line.startswith("错误 ")]
    assert errors_only and _problem_lines(versions) == errors_only
    assert str(versions.session_state["versions_draft"]) == draft_id
    from runtime.versions.drafts import Drafts

    assert Drafts(data_dir).get(draft_id).state == "draft"


def test_an_error_line_opens_its_file_at_its_line_in_the_editor() -> None:
    at = open_page(sign_in("trainer.taoyuan"), "editor", editor_file=PROP_FILE)
    draft_id = _new_draft(at, "坏草稿")
    _edit(at, draft_id, PROP_FILE, BROKEN, "editor_save")
    versions = open_page(at, "versions", versions_draft=draft_id)
    versions.button(key="versions_check").click().run()
    opener = next(b for b in versions.button if str(b.key).startswith("versions_errors_open_"))
    assert opener.label == "打开第18行"
    opener.click().run()
    assert not versions.exception, versions.exception
    assert versions.session_state["editor_file"] == PROP_FILE
    assert any("第 18 行" in i for i in texts(versions, "info")), texts(versions, "info")
    assert any("▶  18 |" in c for c in texts(versions, "code"))


def test_the_version_bump_error_shows_in_the_editor_before_submit() -> None:
    at = open_page(sign_in("trainer.taoyuan"), "editor", editor_file=PROP_FILE)
    draft_id = _new_draft(at, "忘了改版本号")
    _edit(at, draft_id, PROP_FILE, ADDRESS, "editor_validate")
    lines = _problem_lines(at)
    assert any("版本号 1.1.0 没有高于 1.1.0" in line and "[E090]" not in line for line in lines), \
        lines
    assert not texts(at, "success")  # never "校验通过" while submit would refuse
    # In English the same problem, in English.
    at.session_state["lang"] = "en"
    _edit(at, draft_id, PROP_FILE, ADDRESS, "editor_validate")
    assert any("is not higher than 1.1.0: bump it" in e for e in texts(at, "error"))


def test_three_people_for_a_property_change_and_the_header_names_them() -> None:
    drafter = open_page(sign_in("trainer.taoyuan"), "editor", editor_file=PROP_FILE)
    draft_id = _new_draft(drafter, "桃源村地址")
    _edit(drafter, draft_id, PROP_FILE, BUMPED, "editor_save")
    assert any("已保存到草稿" in s for s in texts(drafter, "success"))
    open_page(drafter, "versions", versions_draft=draft_id)
    assert "**影响: 桃源村管理处**" in texts(drafter, "markdown")
    _act(drafter, "submit")
    assert not texts(drafter, "error"), texts(drafter, "error")
    _act(drafter, "review")  # the drafter is refused as reviewer, and told why
    assert any("编制了此草稿, 不能再审核" in e for e in texts(drafter, "error")), \
        texts(drafter, "error")
    other = open_page(sign_in("supervisor.zhongxing"), "versions", versions_draft=draft_id)
    _act(other, "review")  # another property's account
    assert any("本管理处以外" in e for e in texts(other, "error")), texts(other, "error")
    reviewer = open_page(sign_in("supervisor.taoyuan"), "versions", versions_draft=draft_id)
    _act(reviewer, "review")
    assert not texts(reviewer, "error"), texts(reviewer, "error")
    approver = open_page(sign_in("admin.taoyuan"), "versions", versions_draft=draft_id)
    _act(approver, "approve")
    approver.text_input(key="versions_comment").input("补充地址")
    _act(approver, "publish")
    assert not texts(approver, "error"), texts(approver, "error")
    table = approver.dataframe[0].value
    header = str(table.iloc[-1, -1])
    assert "编制: " in header and "(综合部主管)" in header, header
    assert "审核: " in header and "(客服主管)" in header, header
    assert "批准: " in header and "(管理处经理)" in header, header
    history = approver.dataframe[1].value
    assert "综合部主管" in set(history.iloc[:, 2]), history


def test_a_property_admin_is_refused_a_draft_that_touches_company_rules() -> None:
    drafter = open_page(sign_in("general"), "editor", editor_file=COMPANY_FILE)
    draft_id = _new_draft(drafter, "前台定编")
    shipped = (ROOT / COMPANY_FILE).read_text(encoding="utf-8")
    text = shipped.replace("version: 1.1.0", "version: 1.2.0", 1).replace(
        "headcount: 2", "headcount: 3", 1)
    assert text != shipped
    _edit(drafter, draft_id, COMPANY_FILE, text, "editor_save")
    assert not texts(drafter, "error"), texts(drafter, "error")
    # A property's account may not even save it …
    property_admin = open_page(sign_in("admin.taoyuan"), "editor", editor_file=COMPANY_FILE,
                               editor_draft=draft_id)
    _edit(property_admin, draft_id, COMPANY_FILE, text + "\n# 改\n", "editor_save")
    assert any("公司通用规则" in e and "只能修改本管理处的文件" in e
               for e in texts(property_admin, "error")), texts(property_admin, "error")
    open_page(drafter, "versions", versions_draft=draft_id)
    _act(drafter, "submit")
    # … nor approve it: company rules are decided at company level.
    reviewer = open_page(sign_in("quality"), "versions", versions_draft=draft_id)
    _act(reviewer, "review")
    open_page(property_admin, "versions", versions_draft=draft_id)
    _act(property_admin, "approve")
    assert any("须由公司级" in e for e in texts(property_admin, "error")), \
        texts(property_admin, "error")
    manager = open_page(sign_in("gm"), "versions", versions_draft=draft_id)
    assert any(md.startswith("**修改公司通用规则 · 影响: ") and "桃源村管理处" in md
               and "中兴人才公寓管理处" in md and "蠡湖香樟园管理处" in md
               for md in texts(manager, "markdown")), texts(manager, "markdown")
    _act(manager, "approve")
    manager.text_input(key="versions_comment").input("定编")
    _act(manager, "publish")
    assert not texts(manager, "error"), texts(manager, "error")
    assert list(manager.dataframe[0].value.iloc[:, 0]) == [1, 2]
