"""Seed 000's role chapters (one long line, as the file has it) → eight roles that pass check."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from runtime.compiler.loader import load_text, to_plain
from runtime.importer import ImportResult, preview, validate
from runtime.importer.segment import LAYOUT_CHARS


def _load(text: str) -> Any:
    """A draft as our loader reads it (YAML 1.2 booleans: `no:` is a key)."""
    data, error = load_text(text, "draft.yaml")
    assert error is None, error
    return to_plain(data)

DATA = Path(__file__).parent / "data"
SEED000 = (DATA / "seed000.txt").read_text(encoding="utf-8")

ROLES = [  # (title, duty numbers as numbered in the text)
    ("客户中心主办", list(range(1, 13))),
    ("客户中心客户助理", list(range(1, 15))),
    ("客户中心控制中心", list(range(1, 12))),
    ("客户中心前台接待", list(range(1, 8))),
    ("客户中心社区文化", list(range(1, 16))),
    ("客户中心装返修管理员", list(range(1, 10))),
    ("客户中心儿童服务中心", list(range(1, 9))),
    ("客户中心家政服务员", [1, 2, 3, *range(5, 12)]),  # the seed has no item 4
]


@pytest.fixture(scope="module")
def seed_result() -> ImportResult:
    return preview(SEED000, "role", effective=date(2026, 1, 1), source="seed000.txt")


def _role_docs(result: ImportResult) -> list[dict[str, Any]]:
    docs = [_load(result.drafts[f"roles/{r['id']}.yaml"]) for r in result.roles]
    return docs


def test_seed_is_one_long_line() -> None:
    assert "\n" not in SEED000.strip()


def test_eight_roles_with_their_duty_counts(seed_result: ImportResult) -> None:
    assert [r["title"] for r in seed_result.roles] == [t for t, _ in ROLES]
    assert [len(r["duties"]) for r in seed_result.roles] == [12, 14, 11, 7, 15, 9, 8, 10]
    for doc, (_, numbers) in zip(_role_docs(seed_result), ROLES, strict=True):
        assert [d["no"] for d in doc["duties"]] == numbers


def test_drafts_pass_handbook_check(seed_result: ImportResult) -> None:
    assert validate(seed_result) == []


def test_draft_header_and_document_control(seed_result: ImportResult) -> None:
    for name, text in seed_result.drafts.items():
        assert text.startswith("# yaml-language-server: $schema=")
        kind = _load(text)["kind"]
        assert f"{kind}.schema.json" in text.splitlines()[0], name
        doc = _load(text)
        assert doc["version"] == "0.1.0"
        assert doc["drafted-by"] == "importer"
        assert str(doc["effective"]) == "2026-01-01"


def test_reporting_lines_resolve_to_roles_of_the_import(seed_result: ImportResult) -> None:
    ids = {r["title"]: r["id"] for r in seed_result.roles}
    by_title = {r["title"]: r for r in seed_result.roles}
    # "客户助理在客户服务中心主办的直接领导下": 客户服务中心主办 is chapter 二's 客户中心主办.
    assert by_title["客户中心客户助理"]["reports_to"] == [ids["客户中心主办"]]
    assert by_title["客户中心家政服务员"]["reports_to"] == [ids["客户中心主办"]]
    # 管理处经理 is an existing role of the shipped tree.
    assert "office-manager" in by_title["客户中心主办"]["reports_to"]


def test_phrases_enrich_the_duties(seed_result: ImportResult) -> None:
    docs = {d["title"]: d for d in _role_docs(seed_result)}
    assistant = docs["客户中心客户助理"]["duties"]
    assert assistant[0]["time-limit"] == "24h"
    assert assistant[0]["targets"] == [{"name": "投诉处理率", "value": 100}]
    assert assistant[5]["targets"] == [{"name": "管理费收缴率", "value": 100}]
    assert assistant[11]["schedule"] == "monthly on day 25"
    assert assistant[3]["forms"]  # 《周工作信息表》 is a form reference
    control = docs["客户中心控制中心"]["duties"]
    assert control[8]["schedule"] == "hourly 08:00-22:00"
    assert "forms" not in control[0]  # 《…管理制度》 is a cited regulation, not a form


def test_duty_texts_are_the_source_text(seed_result: ImportResult) -> None:
    for role in seed_result.roles:
        for duty in role["duties"]:
            assert duty["text"] in SEED000[duty["start"]:duty["end"]]


def test_nothing_is_silently_dropped(seed_result: ImportResult) -> None:
    c = seed_result.coverage
    assert c["placed"] + c["layout"] + c["unplaced"] == c["chars"] == len(SEED000)
    assert c["unplaced"] >= sum(1 for p in seed_result.unplaced for ch in p.text
                                if ch not in LAYOUT_CHARS) > 0
    reasons = [p.reason for p in seed_result.unplaced]
    assert "table of contents entry (its chapter follows)" in reasons
    assert any(r.startswith("text after the last numbered duty of 客户中心家政服务员")
               for r in reasons)
    trailing = next(p for p in seed_result.unplaced if p.reason.startswith("text after"))
    assert trailing.text.startswith("投诉处理流程")
    assert trailing.line == 1 and trailing.col == trailing.start + 1


def test_every_content_character_is_placed_or_reported(seed_result: ImportResult) -> None:
    reported = bytearray(len(SEED000))
    for p in seed_result.unplaced:
        reported[p.start:p.end] = b"\x01" * (p.end - p.start)
    placed_text = "".join(seed_result.drafts.values())
    for role in seed_result.roles:
        for duty in role["duties"]:
            assert duty["text"] in placed_text
    lost = [i for i, ch in enumerate(SEED000)
            if ch not in LAYOUT_CHARS and not reported[i] and not _placed(seed_result, i)]
    assert lost == []


def _placed(result: ImportResult, offset: int) -> bool:
    return any(r["start"] <= offset < r["end"] for r in result.roles)


def test_missing_item_is_noted(seed_result: ImportResult) -> None:
    assert any("item 4 is missing" in n.reason for n in seed_result.notes)


def test_fields_of_a_role_heading() -> None:
    text = ("(一)、客服主管直接上级:管理处经理直接下级:前台客服、收费员管理级别:管理层定编:2人"
            "1、全面负责本部门的日常管理工作;2、回访业主,确保物业费催缴及时率达100%;"
            "(二)、收费员直接上级:客服主管管理级别:操作层1、代收各项费用,做到费用收缴率达98%。")
    result = preview(text, "role")
    assert [(r["title"], len(r["duties"])) for r in result.roles] == [("客服主管", 2),
                                                                     ("收费员", 1)]
    boss, cashier = _role_docs(result)
    assert boss["level"] == "management" and boss["headcount"] == 2
    assert boss["reports-to"] == "office-manager"
    assert "前台客服" in str(boss["description"])
    assert cashier["level"] == "operational"
    assert cashier["reports-to"] == boss["id"]
    assert cashier["duties"][0]["targets"] == [{"name": "费用收缴率", "value": 98}]
    assert validate(result) == []


def test_inline_role_headings_split_a_list() -> None:
    text = ("副主任岗位职责与权限:环境主管岗位职责与权限:1、负责绿化与清洁管理工作。"
            "2、完成领导安排的其它任务。财务内勤员岗位职责与权限:1)按要求录入电脑资料。2)每月统计各项费用。")
    result = preview(text, "role")
    assert [(r["title"], len(r["duties"])) for r in result.roles] == [
        ("副主任", 0), ("环境主管", 2), ("财务内勤员", 2)]
    assert validate(result) == []


def test_unknown_superior_becomes_a_stand_in_role() -> None:
    text = ("一、保安员岗位职责保安员在治安巡逻队长的直接领导下,负责巡逻,其职责如下:"
            "1、巡逻。2、登记。")
    result = preview(text, "role")
    stand_ins = [d for d in result.documents if d.kind == "role" and d.title == "治安巡逻队长"]
    assert len(stand_ins) == 1
    assert result.roles[0]["reports_to"] == [stand_ins[0].id]
    assert validate(result) == []


def test_property_scope() -> None:
    result = preview(SEED000, "role", property="taoyuan-village")
    docs = _role_docs(result)
    assert all(d["property"] == "taoyuan-village" for d in docs)
    assert validate(result) == []


def test_placements_map_source_spans_to_draft_keys(seed_result: ImportResult) -> None:
    places = seed_result.placements
    assert all(p["file"] in seed_result.drafts for p in places)
    duties = [p for p in places if p["path"].startswith("duties[")]
    assert len(duties) == 12 + 14 + 11 + 7 + 15 + 9 + 8 + 10
    first = next(p for p in places if p["path"] == "duties[0]")
    assert SEED000[first["start"]:first["end"]].startswith("1.负责管理处的顾客投诉处理")
    assert [p["start"] for p in places] == sorted(p["start"] for p in places)


ROLE_WITH_TAIL = """\
二、客服主管岗位职责
直接上级：管理处经理
管理级别：管理层
定编：2人
1、负责客户服务中心的日常管理工作。
2、每月25日前制定下月培训计划。
3、完成领导交办的其他工作。
权限：
1、对本部门员工的考核权。
2、对投诉处理方案的审核权。
任职资格：
学历：大专以上
工作经验：三年以上物业管理经验
资质证书：物业管理员证、消防上岗证
身体健康，沟通能力强
三、前台接待岗位职责
前台接待在客服主管的直接领导下，负责接待工作，其职责如下：
1、接听电话。
2、登记投诉，填写《顾客投诉(建议)登记表》。
"""


def test_authorities_and_qualifications_after_the_duties() -> None:
    result = preview(ROLE_WITH_TAIL, "role")
    boss, desk = _role_docs(result)
    assert [d["no"] for d in boss["duties"]] == [1, 2, 3]
    assert boss["authorities"] == ["对本部门员工的考核权。", "对投诉处理方案的审核权。"]
    assert boss["qualifications"] == {
        "education": "大专以上", "experience": "三年以上物业管理经验",
        "certificates": ["物业管理员证", "消防上岗证"], "other": ["身体健康，沟通能力强"]}
    assert boss["headcount"] == 2 and boss["level"] == "management"
    assert desk["reports-to"] == boss["id"]
    assert desk["duties"][1]["forms"] == ["complaint-register"]  # an existing form by title
    assert result.unplaced == []
    assert validate(result) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客服主管职责如下：\n1、负责日常管理。\n2、审批投诉处理意见。\n前台接待员的职责如下：\n1、接听电话。\n",
         [("客服主管", 2), ("前台接待员", 1)]),
        # "其职责如下" ends a summary: not a role called 其.
        ("一、保洁员岗位职责\n保洁员在保洁主管的领导下工作，其职责如下：\n1、清扫。\n",
         [("保洁员", 1)]),
    ],
)
def test_duties_follow_a_colon_heading(text: str, expected: list[tuple[str, int]]) -> None:
    result = preview(text, "role")
    assert [(r["title"], len(r["duties"])) for r in result.roles] == expected
    assert validate(result) == []


def test_a_contents_list_whose_chapters_are_missing_gives_no_roles() -> None:
    text = ("第二章客户服务中心岗位规范一、客户服务中心经理岗位管理职能二、客户服务中心主管岗位职能"
            "三、客户服务中心司机岗位职能第二部分客户服务中心操作规范")
    result = preview(text, "role")
    assert result.roles == []
    reasons = {p.reason for p in result.unplaced}
    assert "table of contents entry (no chapter text follows)" in reasons


def test_segments_cut_the_whole_source_for_a_side_by_side_view(
        seed_result: ImportResult) -> None:
    runs = seed_result.segments()
    assert "".join(r["text"] for r in runs) == SEED000
    assert all(a["end"] == b["start"] for a, b in itertools.pairwise(runs))
    placed = [r for r in runs if r["status"] == "placed"]
    assert all(r["file"] in seed_result.drafts and r["path"] for r in placed)
    unplaced = [r for r in runs if r["status"] == "unplaced"]
    assert all(r["reason"] for r in unplaced)
    assert sum(len(r["text"]) for r in unplaced) >= seed_result.coverage["unplaced"]
    layout = "".join(r["text"] for r in runs if r["status"] == "layout")
    assert all(ch in LAYOUT_CHARS for ch in layout)


def test_a_list_that_starts_again_is_not_more_duties() -> None:
    # A compilation: the next document's list follows the last role without a heading.
    text = ("(五)、收费员直接上级:客服主管管理级别:操作层1、代收各项费用;2、做到费用收缴率达98%。\n"
            "客户服务执行操作手册\n1.本手册旨在指导客户服务人员。\n2.适用于全体员工。\n")
    result = preview(text, "role")
    assert [(r["title"], len(r["duties"])) for r in result.roles] == [("收费员", 2)]
    assert any(p.reason == "a new numbered list after the duties of 收费员"
               and p.text.startswith("1.本手册") for p in result.unplaced)
