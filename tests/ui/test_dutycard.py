"""The duty card shows a role document's parts each as its own section (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import MakeTree

ROLE_DOC = """\
purpose: 明确前台职责。
scope: 适用于前台。
work-content:
  - {no: 1, text: 每日整理档案。, frequency: 每日}
  - {no: 3, label: (3), text: 协助回访。}
routine:
  - {no: 1, text: 班前检查}
  - {no: 2, text: 接待来访}
references:
  - {title: 员工考核办法, number: HR-03}
  - {title: 用工制度, link: 'https://example.com/hr.pdf'}
"""


def _card(root: Path, lang: str) -> AppTest:
    def script(rules: str, forms: str, lang: str) -> None:
        import streamlit as st

        from runtime.compiler.pipeline import compile_tree
        from runtime.ui.pages.trainer import render_duty_card

        st.session_state["lang"] = lang
        hb = compile_tree(rules, forms).views[None]
        render_duty_card(hb, hb.roles["clerk"])

    return AppTest.from_function(script, args=(str(root / "rules"), str(root / "forms"), lang),
                                 default_timeout=60).run()


@pytest.mark.parametrize(("lang", "heads"), [
    ("zh", ["岗位职责", "工作内容", "工作流程", "相关文件"]),
    ("en", ["Duties", "Work content", "Daily routine", "Related documents"]),
])
def test_duty_card_shows_each_list_on_its_own(make_tree: MakeTree, lang: str,
                                              heads: list[str]) -> None:
    from runtime.ui.context import LANG_KEY

    assert LANG_KEY == "lang"
    root = make_tree()
    clerk = root / "rules/roles/clerk.yaml"
    text = clerk.read_text(encoding="utf-8")
    text = "\n".join("approved-by: ~" if ln.startswith("approved-by:") else ln
                     for ln in text.splitlines())
    clerk.write_text(text + "\n" + ROLE_DOC, encoding="utf-8")
    at = _card(root, lang)
    assert not at.exception
    md = [str(x.value) for x in at.markdown]
    found = [h for h in heads if f"#### {h}" in md]
    assert found == heads
    assert md.index(f"#### {heads[1]}") > md.index(f"#### {heads[0]}")
    assert any("1\\. 班前检查" in x and "2\\. 接待来访" in x for x in md)
    assert any("《员工考核办法》 HR-03" in x and "[《用工制度》](https://example.com/hr.pdf)" in x
               for x in md)
    work = at.dataframe[1].value
    assert list(work.iloc[:, 0]) == ["1", "(3)"]
    caption = " ".join(str(c.value) for c in at.caption)
    assert ("批准 待定" if lang == "zh" else "Approved by pending") in caption
    assert any("明确前台职责" in x for x in md)
