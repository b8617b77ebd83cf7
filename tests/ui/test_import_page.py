"""The 导入手册 page reports what `handbook import` reports: found, coverage, unplaced passages
with positions, "nothing recognised", and shows progress on long files (AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from runtime.importer.bench import CORPUS
from tests.ui.conftest import open_page, sign_in


def _paste(text: str) -> AppTest:
    at = open_page(sign_in("trainer.taoyuan"), "import")
    at.text_area(key="import_text").input(text).run()
    assert not at.exception
    return at


def test_traditional_duty_list_is_found_and_unplaced_text_listed_with_position() -> None:
    text = (CORPUS / "f16-web-noise.txt").read_text(encoding="utf-8")
    at = _paste(text.replace("物业", "物業"))
    codes = [str(c.value) for c in at.code]
    assert any("kind: role" in c and "物業管理處保安員" not in c and "物業管理处保安员" in c
               for c in codes[1:])
    table = at.dataframe[0].value
    reasons = set(table.iloc[:, 2])
    assert "web-page boilerplate" in reasons
    first = table.iloc[0]
    assert (int(first.iloc[0]), int(first.iloc[1])) == (1, 1)  # 首页 > … at line 1, column 1


def test_nothing_recognised_is_an_error_with_the_largest_passages() -> None:
    at = _paste("今天天气很好，我们去公园散步。\n晚上吃了饺子，然后看电视。\n")
    errors = [str(e.value) for e in at.error]
    assert any("未识别出任何岗位" in e for e in errors)
    assert any("第 1 行第 1 列" in str(m.value) for m in at.markdown)
    assert not [b for b in at.button if b.key == "import_save"]  # nothing to save


def test_less_than_half_placed_is_said() -> None:
    prose = "这是一段很长的介绍文字，讲述公司的发展历史与企业文化，没有任何岗位或程序。" * 6
    at = _paste(f"{prose}\n保洁员岗位职责\n1. 清扫。\n2. 清运垃圾。\n")
    assert any("不到一半" in str(w.value) for w in at.warning)


def test_long_file_is_parsed_with_progress() -> None:
    parts = [(CORPUS / f).read_text(encoding="utf-8") for f in
             ("f02-office-tower.txt", "f06-cnum-roles.txt", "f11-work-content-routine.txt")]
    text = "\n".join(parts * 4)
    assert len(text) > 4000
    at = _paste(text)
    assert not at.exception
    assert "已归类" in str(at.get("progress")[0].proto.text)  # the coverage bar after parsing
