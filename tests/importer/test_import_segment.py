"""Headings and numbered items of every style, in one-line and multi-line text."""

from __future__ import annotations

import pytest

from runtime.importer.segment import ITEM_CLASSES, Node, segment


def _items(text: str, classes: tuple[str, ...] = ITEM_CLASSES) -> list[tuple[int | None, str]]:
    seg = segment(text, classes=classes)
    return [(n.number, n.body(text)) for n in seg.walk() if n.kind == "item"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1、登记。2、处理。3、回访。", [(1, "登记。"), (2, "处理。"), (3, "回访。")]),
        ("1.登记 2.处理", [(1, "登记"), (2, "处理")]),
        ("1)登记;2)处理", [(1, "登记"), (2, "处理")]),
        ("1）登记；2）处理", [(1, "登记"), (2, "处理")]),
        ("(1)登记(2)处理", [(1, "登记"), (2, "处理")]),
        ("（1）登记（2）处理", [(1, "登记"), (2, "处理")]),
        ("①登记②处理③回访", [(1, "登记"), (2, "处理"), (3, "回访")]),
        ("a)登记 b)处理", [(1, "登记"), (2, "处理")]),
        ("——登记\n——处理", [(None, "登记"), (None, "处理")]),
        ("1)、8:30—17:30由客服接待;2)、21:00—8:30由消防中心接听",
         [(1, "8:30—17:30由客服接待"), (2, "21:00—8:30由消防中心接听")]),
    ],
)
def test_item_styles(text: str, expected: list[tuple[int | None, str]]) -> None:
    assert _items(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "做好98-105栋公共设施报修情况记录,在一天内传递",  # 105 is not an item
        "每日8:00-22:00每一小时联系一次",  # times are not items
        "收费1.5元",  # decimals are not headings
        "于2011年9月20日入伙",
    ],
)
def test_numbers_inside_text_are_not_items(text: str) -> None:
    seg = segment(text)
    assert [n.kind for n in seg.walk()] == ["text"]


def test_a_number_that_breaks_the_sequence_stays_text() -> None:
    # "5、" cannot follow "1、" directly (more than one missing): it is part of item 1.
    assert _items("1、第一项说明5、仍是说明。2、第二项") == [(1, "第一项说明5、仍是说明。"),
                                                    (2, "第二项")]


def test_one_missing_number_is_accepted_and_flagged() -> None:
    seg = segment("1、甲。2、乙。3、丙。5、戊。6、己。", classes=ITEM_CLASSES)
    items = [n for n in seg.walk() if n.kind == "item"]
    assert [n.number for n in items] == [1, 2, 3, 5, 6]
    assert [n.gap for n in items] == [False, False, False, True, False]


def test_mixed_arabic_styles_continue_one_list() -> None:
    # Seed 000 switches from "2." to ".3、" in the middle of a list.
    text = "其职责如下:1.负责甲。2.负责乙。.3、负责丙。4、负责丁。"
    assert [n for n, _ in _items(text)] == [1, 2, 3, 4]


def test_page_number_glued_to_an_item_is_a_stray() -> None:
    text = "1)甲。2)乙。28)丙。"
    seg = segment(text, classes=ITEM_CLASSES)
    # After 2) only 3) or 4) fit: "28)" is neither, nor is its tail "8)": it stays text.
    assert [n.number for n in seg.walk() if n.kind == "item"] == [1, 2]
    text = "6)甲。7)乙。28)丙。"
    seg = segment(text, classes=ITEM_CLASSES)
    assert [n.number for n in seg.walk() if n.kind == "item"] == [6, 7, 8]
    assert seg.strays == [(text.index("28"), text.index("28") + 1)]


def test_chinese_headings_with_items_one_line() -> None:
    text = "一、目的:为规范服务。二、职责如下:1、前台登记;2、主管审批。三、附则"
    seg = segment(text)
    heads = [n for n in seg.roots if n.kind == "heading"]
    assert [h.number for h in heads] == [1, 2, 3]
    assert [c.number for c in heads[1].children] == [1, 2]
    assert heads[0].title(text) == "目的"


def test_decimal_headings_nest() -> None:
    text = ("1.0 目的\n规范投诉处理。\n2.0 适用范围\n全体员工。\n4.0 程序\n4.1 接待投诉\n"
            "4.2 处理\n4.2.1 一般投诉\n4.2.2 重大投诉\n4.3 回访")
    seg = segment(text)
    program = next(n for n in seg.roots if n.title(text) == "程序")
    assert [c.title(text) for c in program.children] == ["接待投诉", "处理", "回访"]
    handling = program.children[1]
    assert [c.title(text) for c in handling.children] == ["一般投诉", "重大投诉"]


def test_chapters() -> None:
    text = "第一章 总则\n内容一\n第二章 岗位职责\n内容二"
    seg = segment(text)
    assert [(n.cls, n.number, n.title(text)) for n in seg.roots] == [
        ("chapter", 1, "总则"), ("chapter", 2, "岗位职责")]


def test_contents_then_chapters_restart_the_list() -> None:
    text = "•一、组织结构•二、主办岗位职责一、组织结构经理二、主办岗位职责1、负责投诉。"
    seg = segment(text)
    heads: list[Node] = [n for n in seg.roots if n.kind == "heading"]
    assert [h.number for h in heads] == [1, 2, 1, 2]
    assert heads[2].title(text) == "组织结构"  # learned from the contents list
    assert heads[2].body(text) == "经理"


def test_last_item_ends_at_its_sentence_when_more_text_follows() -> None:
    text = "二、职责:1、甲。2、完成领导交办的其他工作。投诉处理流程管理处全体接收顾客的意见"
    seg = segment(text)
    head = seg.roots[0]
    assert [c.kind for c in head.children] == ["item", "item", "text"]
    assert head.children[1].body(text) == "完成领导交办的其他工作。"
    assert head.children[2].body(text).startswith("投诉处理流程")


def test_every_character_belongs_to_a_node_or_is_layout() -> None:
    text = "标题\n一、目的:规范。\n二、职责\n1、甲\n2、乙\n附录"
    seg = segment(text)
    covered = bytearray(len(text))
    for n in seg.walk():
        covered[n.start:n.end] = b"\x01" * (n.end - n.start)
    gaps = [text[i] for i in range(len(text)) if not covered[i]]
    assert all(ch in " \n" for ch in gaps)


def test_parts_chapters_and_sections_are_separate_lists() -> None:
    text = "第一部分 总则\n第一章 目的\n第二章 范围\n第二部分 岗位\n第一章 主管"
    seg = segment(text)
    assert [(n.cls, n.number) for n in seg.walk()] == [
        ("part", 1), ("chapter", 1), ("chapter", 2), ("part", 2), ("chapter", 1)]
    assert [c.title(text) for c in seg.roots[1].children] == ["主管"]
