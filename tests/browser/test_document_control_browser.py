"""Issue 11 in a real browser (Debian's chromium via Playwright, as tests/browser/test_browser.py).

The five behaviours: a broken draft saved as 有错误 and refused on submit with the errors the
editor showed; the version-bump error in the editor before submit; the drafter refused as
reviewer; a property's administrator refused on a draft that touches company rules; a
company-level publish listing the properties it affects. Screenshots go to artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_browser import _idle, _nav, _shot, _sign_in, browser, server

__all__ = ["browser", "server"]  # the module-scoped fixtures, shared with test_browser

ROOT = Path(__file__).resolve().parents[2]
PROP_FILE = "rules/properties/taoyuan-village/property.yaml"
COMPANY_FILE = "rules/company/roles/front-desk.yaml"
SHIPPED = (ROOT / PROP_FILE).read_text(encoding="utf-8")
ADDRESS = SHIPPED.replace("property-type: residential",
                          "property-type: residential\naddress: 无锡市桃源村", 1)
BUMPED = ADDRESS.replace("version: 1.1.0", "version: 1.2.0", 1)
BROKEN = BUMPED.replace("property-type: residential", "property-type： residential", 1)
COMPANY_SHIPPED = (ROOT / COMPANY_FILE).read_text(encoding="utf-8")
COMPANY_EDIT = COMPANY_SHIPPED.replace("version: 1.1.0", "version: 1.2.0", 1).replace(
    "headcount: 2", "headcount: 3", 1)

pytestmark = pytest.mark.browser


def _choose(page: object, label: str, option: str) -> None:
    """Pick `option` in the Streamlit selectbox labelled `label` (typing filters the list)."""
    box = page.get_by_role("combobox", name=label, exact=True).first  # type: ignore[attr-defined]
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option).first.click()  # type: ignore[attr-defined]
    _idle(page)


def _button(page: object, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).first.click()  # type: ignore[attr-defined]
    _idle(page)


def _in_preview(page: object, line: str) -> None:
    """Wait until the numbered preview beside the editor shows `line` (the server has it)."""
    page.locator('[data-testid="stCode"]').filter(has_text=line).first.wait_for(timeout=30000)  # type: ignore[attr-defined]
    _idle(page)


def _type_yaml(page: object, text: str, marker: str) -> None:
    area = page.get_by_label("YAML 内容")  # type: ignore[attr-defined]
    area.fill(text)
    area.press("Tab")  # commit the text area (blur) before a button reads it
    _in_preview(page, marker)


def _wait_text(page: object, text: str) -> None:
    try:
        page.get_by_text(text).first.wait_for(timeout=30000)  # type: ignore[attr-defined]
    except Exception:
        _shot(page, "69-failed-waiting")  # what the page showed instead, for the report
        raise


def _new_draft(page: object, title: str, rel: str) -> None:
    _nav(page, "规则编辑")
    _choose(page, "草稿", "(新建草稿)")
    page.get_by_label("草稿名称 (修改什么、为什么)").fill(title)  # type: ignore[attr-defined]
    _button(page, "新建")
    _choose(page, "文件", rel)
    _in_preview(page, f"id: {Path(rel).stem if 'properties' not in rel else rel.split('/')[2]}")


def _open_versions(page: object, title: str) -> None:
    _nav(page, "版本与发布")
    _choose(page, "草稿", title)


def test_document_control_in_the_browser(server: str, browser: object) -> None:
    def person(user: str) -> object:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="zh-CN")  # type: ignore[attr-defined]
        page = ctx.new_page()
        _sign_in(page, server, user)
        return page

    # 1. A broken draft: saved, marked 有错误, no green "saved" above the errors.
    trainer = person("trainer.taoyuan")
    _new_draft(trainer, "桃源村地址", PROP_FILE)
    _type_yaml(trainer, ADDRESS, "address: 无锡市桃源村")
    _button(trainer, "校验")
    # 2. The version-bump error shows in the editor, before anyone submits.
    _wait_text(trainer, "版本号 1.1.0 没有高于 1.1.0")
    _shot(trainer, "60-editor-version-bump")
    _type_yaml(trainer, BROKEN, "property-type： residential")
    _button(trainer, "校验并保存草稿")
    _wait_text(trainer, "有错误的草稿不能提交审核")
    assert trainer.locator('[data-testid="stAlertContentSuccess"]').count() == 0  # type: ignore[attr-defined]
    _wait_text(trainer, "全角冒号")
    _shot(trainer, "61-editor-saved-with-errors")
    _open_versions(trainer, "桃源村地址")
    _wait_text(trainer, "有错误: 此草稿有")
    _button(trainer, "提交审核")
    _wait_text(trainer, "全角冒号")  # refused, with the editor's error
    _shot(trainer, "62-submit-refused")
    # 3. Fixed and submitted; the drafter is refused as reviewer, with the reason.
    _nav(trainer, "规则编辑")
    _choose(trainer, "文件", PROP_FILE)
    _in_preview(trainer, "id: taoyuan-village")
    _type_yaml(trainer, BUMPED, "version: 1.2.0")
    _button(trainer, "校验并保存草稿")
    _wait_text(trainer, "已保存到草稿「桃源村地址」")
    _open_versions(trainer, "桃源村地址")
    _wait_text(trainer, "影响: 桃源村管理处")
    _button(trainer, "提交审核")
    _button(trainer, "审核通过")
    _wait_text(trainer, "编制了此草稿, 不能再审核")
    _shot(trainer, "63-drafter-refused-as-reviewer")

    # 4. A company rule: a property's administrator may not change or decide it.
    general = person("general")
    _new_draft(general, "前台定编", COMPANY_FILE)
    _type_yaml(general, COMPANY_EDIT, "headcount: 3")
    _button(general, "校验并保存草稿")
    _wait_text(general, "已保存到草稿「前台定编」")
    _open_versions(general, "前台定编")
    _button(general, "提交审核")
    quality = person("quality")
    _open_versions(quality, "前台定编")
    _button(quality, "审核通过")
    admin = person("admin.taoyuan")
    _open_versions(admin, "前台定编")
    _button(admin, "批准")
    _wait_text(admin, "须由公司级")
    _shot(admin, "64-property-admin-refused")

    # 5. The company-level publish, listing the properties it affects.
    gm = person("gm")
    _open_versions(gm, "前台定编")
    _wait_text(gm, "修改公司通用规则 · 影响: ")
    for name in ("桃源村管理处", "中兴人才公寓管理处", "蠡湖香樟园管理处"):
        assert gm.get_by_text(name).count() > 0  # type: ignore[attr-defined]
    _button(gm, "批准")
    gm.get_by_label("意见").fill("前台定编3人")  # type: ignore[attr-defined]
    _button(gm, "发布")
    _wait_text(gm, "当前生效 第2版 · 编制: ")  # the version header: who, in which role
    assert gm.get_by_text("(品质部主管)").count() > 0  # type: ignore[attr-defined]
    _shot(gm, "65-company-publish")
    for page in (trainer, general, quality, admin, gm):
        page.context.close()  # type: ignore[attr-defined]
