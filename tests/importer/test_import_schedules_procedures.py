"""Work calendars one item per line → schedule drafts; standard-heading procedures → drafts."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compiler.loader import load_text, to_plain
from runtime.importer import ImportResult, preview, validate


def _load(text: str) -> Any:
    """A draft as our loader reads it (YAML 1.2 booleans: `no:` is a key)."""
    data, error = load_text(text, "draft.yaml")
    assert error is None, error
    return to_plain(data)

CALENDAR = """\
客户服务工作行程
每日 查阅值班记录 客服主管
每周五下午2点半 部门工作例会 客服主管
每周五\t周工作计划/总结\t客服主管
1 | 每月25日前 | 制定下月培训计划 | 客服主管
每季度第三个月25日前 提交下季度工作计划 管理处经理
每月底 填写当月《客户投诉工作月报》 客服主管
每年12月 发放问卷调查表,回收率不低于60% 客服主管
次年年初 制定社区文化方案 社区文化干事
每日8:00-22:00每一小时 与指挥中心联系 客服主管
"""

EXPECTED = [  # (title, recurrence, owner)
    ("查阅值班记录", "daily", "service-centre-supervisor"),
    ("部门工作例会", "every Friday 14:30", "service-centre-supervisor"),
    ("周工作计划/总结", "every Friday", "service-centre-supervisor"),
    ("制定下月培训计划", "monthly by day 25", "service-centre-supervisor"),
    ("提交下季度工作计划", "quarterly by day 25 of month 3", "office-manager"),
    ("填写当月《客户投诉工作月报》", "monthly by last day", "service-centre-supervisor"),
    ("发放问卷调查表,回收率不低于60%", "yearly in December", "service-centre-supervisor"),
    ("制定社区文化方案", "yearly in January", None),  # a stand-in role, checked below
    ("与指挥中心联系", "hourly 08:00-22:00", "service-centre-supervisor"),
]


@pytest.fixture(scope="module")
def calendar() -> ImportResult:
    return preview(CALENDAR, "auto")


def _first(result: ImportResult, kind: str) -> dict[str, Any]:
    """The first draft of a kind (schedule or procedure), as the rule loader reads it."""
    found = result.schedules if kind == "schedule" else result.procedures
    return _load(result.drafts[f"{kind}s/{found[0]['id']}.yaml"])


def _schedule(result: ImportResult) -> dict[str, Any]:
    return _first(result, "schedule")


def test_one_item_per_line_with_recurrence_and_owner(calendar: ImportResult) -> None:
    assert calendar.kind == "schedule"
    doc = _schedule(calendar)
    assert doc["title"] == "客户服务工作行程"
    items = doc["items"]
    assert isinstance(items, list)
    assert [(i["title"], i["recurrence"]) for i in items] == [(t, r) for t, r, _ in EXPECTED]
    for item, (_, _, owner) in zip(items, EXPECTED, strict=True):
        if owner:
            assert item["owner"] == owner
    stand_in = next(d for d in calendar.documents if d.title == "社区文化干事")
    assert items[7]["owner"] == stand_in.id
    assert items[6]["targets"] == [{"name": "回收率", "value": 60}]
    assert items[5]["form"]
    assert len({i["id"] for i in items}) == len(items)


def test_calendar_drafts_pass_check(calendar: ImportResult) -> None:
    assert validate(calendar) == []
    assert calendar.unplaced == []


def test_lines_without_time_or_owner_are_reported() -> None:
    text = ("每周五下午2点半 部门工作例会 客服主管\n不定期 宣传栏管理 客服主管\n"
            "每月5日前 回访、走访总结\n")
    result = preview(text, "schedule")
    items = _schedule(result)["items"]
    assert isinstance(items, list) and len(items) == 1
    assert [(p.line, p.col, p.reason) for p in result.unplaced] == [
        (2, 1, "no recurrence recognised on this line"),
        (3, 1, "no owner (role) recognised on this line"),
    ]
    assert result.unplaced[0].text == "不定期 宣传栏管理 客服主管"


PROCEDURE = """\
报修处理作业规程
1.0 目的
规范业户报修的受理、派工、维修与回访，确保维修及时有效。
2.0 适用范围
适用于管理处受理的业户室内及公共设施报修。
3.0 职责
3.1 客服主管负责回访与考核。
3.2 维修员负责上门维修。
4.0 程序
4.1 客服主管接到报修后，应在15分钟内通知维修员，并填写《报修登记表》。
4.2 维修员应在30分钟内到达现场，24小时内完成维修。
4.3 维修完成一周后，由客服主管回访业户，填写《客户访问记录》。
5.0 记录
5.1 《报修登记表》保存期2年。
5.2 《客户访问记录》保存期1年。
6.0 相关文件
《物业管理服务标准》
"""


@pytest.fixture(scope="module")
def procedure() -> ImportResult:
    return preview(PROCEDURE, "auto")


def _procedure(result: ImportResult) -> dict[str, Any]:
    return _first(result, "procedure")


def test_standard_sections(procedure: ImportResult) -> None:
    assert procedure.kind == "procedure"
    doc = _procedure(procedure)
    assert doc["title"] == "报修处理作业规程"
    assert doc["purpose"] == "规范业户报修的受理、派工、维修与回访，确保维修及时有效。"
    assert doc["scope"] == "适用于管理处受理的业户室内及公共设施报修。"
    resp = doc["responsibilities"]
    assert isinstance(resp, list) and resp[0]["role"] == "service-centre-supervisor"
    steps = doc["steps"]
    assert isinstance(steps, list)
    assert [s["id"] for s in steps] == ["step-1", "step-2", "step-3"]
    assert [s.get("time-limit") for s in steps] == ["15m", "30m", None]
    assert steps[0]["roles"] == ["service-centre-supervisor"]
    assert steps[-1]["terminal"] is True
    assert steps[0]["next"] == [{"to": "step-2"}]
    follow = doc["follow-ups"]
    assert isinstance(follow, list)
    assert follow[0]["delay"] == "1w" and follow[0]["after"] == {"step": "step-2",
                                                                  "event": "complete"}
    records = doc["records"]
    assert isinstance(records, list)
    assert [r["retention"] for r in records] == ["2 years", "1 year"]
    assert records[1]["form"] == "callback-record"  # an existing form of the shipped tree


def test_procedure_drafts_pass_check(procedure: ImportResult) -> None:
    assert validate(procedure) == []
    assert procedure.unplaced == []


def test_missing_sections_are_noted_not_invented() -> None:
    text = "一、程序\n1、前台接待登记。\n2、客服主管处理。\n"
    result = preview(text, "procedure")
    doc = _procedure(result)
    assert doc["purpose"] == doc["scope"] == "待补充 (原文无此节)"
    assert any("no purpose section" in n.reason for n in result.notes)
    assert validate(result) == []


def test_a_titled_list_of_steps_is_a_procedure() -> None:
    # As in seed 003: one line, "1)、" items, and a page number glued to the first one.
    text = ("4、现有的工作存在问题。5、处理客户投诉请求的工作程序:71)、管理处值班人员接到投诉后,"
            "应在15分钟内报告客服主管。2)、客服主管应在2小时内安排处理,填写《值班记录表》。"
            "3)、在投诉处理完毕后由客服主管负责回访。")
    result = preview(text, "auto")
    assert [p["title"] for p in result.procedures] == ["处理客户投诉请求的工作程序"]
    doc = _procedure(result)
    steps = doc["steps"]
    assert [s.get("time-limit") for s in steps] == ["15m", "2h", None]
    assert steps[1]["roles"] == ["service-centre-supervisor"]
    stand_in = next(d for d in result.documents if d.title == "管理处值班人员")
    assert steps[0]["roles"] == [stand_in.id]
    assert any(p.reason.startswith("stray digits") and p.text == "7" for p in result.unplaced)
    assert validate(result) == []


def test_auto_prefers_role_chapters_over_a_calendar() -> None:
    text = ("二、值班员岗位职责\n1、每日8:00交接班。\n2、每周一检查消防设施。\n"
            "3、每月25日前提交值班报告。\n")
    result = preview(text, "auto")
    assert result.kind == "role"
    assert [len(r["duties"]) for r in result.roles] == [3]
