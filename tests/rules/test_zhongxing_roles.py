"""Zhongxing's management office (seed 003, 第二部分): roles, duties, org chart and headcount.

Roles that correspond to company roles are overlays (管理处主任 = office-manager, 客户服务主管 =
service-centre-supervisor, 安全主管 = security-supervisor, 保安员 = security-guard, ...); the
others are Zhongxing-only role files. Roles whose duty text is empty in the seed get no duties of
their own.
"""

from __future__ import annotations

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES

PROPERTY = "zhongxing-apartments"


@pytest.fixture(scope="module")
def hb() -> m.Handbook:
    """The Zhongxing view."""
    return load(RULES, FORMS, property=PROPERTY)


@pytest.fixture(scope="module")
def company() -> m.Handbook:
    """The company base view."""
    return load(RULES, FORMS)


# (role id, title at Zhongxing, number of duties in the seed, first words of duty 1)
DUTIES = [
    ("office-manager", "管理处主任", 12, "制定管理处年度、月度工作计划"),
    ("service-centre-supervisor", "客户服务主管", 4, "负责业户回访工作"),
    ("environment-supervisor", "环境主管", 4, "负责绿化与清洁管理工作"),
    ("finance-clerk", "财务内勤员", 5, "按要求录入电脑资料"),
    ("security-supervisor", "安全主管", 7, "监督、检查辖区治安、消防工作"),
    ("maintenance-technician", "维修员", 3, "负责小区客户报修的维修工作"),
    ("security-guard", "保安员", 5, "负责本辖区车辆进出、停放管理"),
]


@pytest.mark.parametrize(("role_id", "title", "count", "first"), DUTIES)
def test_duties_as_numbered_in_the_seed(hb: m.Handbook, role_id: str, title: str, count: int,
                                        first: str) -> None:
    """Each role has the seed's duties, numbered 1..n, in order."""
    role = hb.roles[role_id]
    assert role.title == title
    assert [d.no for d in role.duties] == list(range(1, count + 1))
    assert role.duties[0].text.startswith(first)


def test_finance_clerk_typo_restored(hb: m.Handbook) -> None:
    """共它任务 in the seed is the OCR slip for 其它任务."""
    assert hb.roles["finance-clerk"].duties[4].text == "完成领导安排的其它任务。"


@pytest.mark.parametrize("role_id", ["deputy-office-manager", "maintenance-foreman",
                                     "cleaning-supervisor", "service-team-leader"])
def test_roles_without_duty_text_get_no_duties(hb: m.Handbook, role_id: str) -> None:
    """副主任, 维修班长 (and chart-only roles) exist with no invented duties."""
    assert hb.roles[role_id].duties == ()


@pytest.mark.parametrize(("role_id", "title"), [
    ("front-desk", "前台客服"),
    ("customer-assistant", "区域客服"),
    ("engineering-supervisor", "工程主管"),
    ("security-shift-leader", "保安队长"),
])
def test_empty_duty_roles_inherit_company_duties(hb: m.Handbook, company: m.Handbook,
                                                 role_id: str, title: str) -> None:
    """Overlaid roles whose Zhongxing duty text is empty keep the company's duties unchanged."""
    assert hb.roles[role_id].title == title
    assert hb.roles[role_id].duties == company.roles[role_id].duties


# Org chart (组织架构图): role → whom it reports to.
ORG_CHART = [
    ("deputy-office-manager", "office-manager"),
    ("service-centre-supervisor", "deputy-office-manager"),
    ("security-supervisor", "deputy-office-manager"),
    ("engineering-supervisor", "deputy-office-manager"),
    ("environment-supervisor", "deputy-office-manager"),
    ("finance-clerk", "deputy-office-manager"),
    ("front-desk", "service-centre-supervisor"),
    ("customer-assistant", "service-centre-supervisor"),
    ("security-shift-leader", "security-supervisor"),
    ("security-guard", "security-shift-leader"),
    ("maintenance-foreman", "engineering-supervisor"),
    ("maintenance-technician", "maintenance-foreman"),
    ("cleaning-supervisor", "environment-supervisor"),
    ("cleaner", "cleaning-supervisor"),
    ("gardener", "environment-supervisor"),
]


@pytest.mark.parametrize(("role_id", "boss"), ORG_CHART)
def test_org_chart(hb: m.Handbook, role_id: str, boss: str) -> None:
    """Reporting lines follow the org chart."""
    assert hb.roles[role_id].reports_to == (boss,)


def test_direct_reports_of_the_deputy(hb: m.Handbook) -> None:
    """The five section heads sit under the deputy director."""
    reports = {r.id for r in hb.roles_reporting_to("deputy-office-manager")}
    assert reports == {"service-centre-supervisor", "security-supervisor",
                       "engineering-supervisor", "environment-supervisor", "finance-clerk"}


def test_company_reporting_lines_are_untouched(company: m.Handbook) -> None:
    """The deputy director exists only at Zhongxing; the company base keeps its own lines."""
    assert "deputy-office-manager" not in company.roles
    assert company.roles["service-centre-supervisor"].reports_to != ("deputy-office-manager",)
    assert company.roles["office-manager"].title != "管理处主任"


@pytest.mark.parametrize(("role_id", "count", "phases"), [
    ("cleaner", None, {"一期": 15, "二期": 55}),
    ("gardener", 3, {}),
    ("security-shift-leader", 3, {}),
])
def test_headcount(hb: m.Handbook, role_id: str, count: int | None,
                   phases: dict[str, int]) -> None:
    """保洁员 一期15人, 二期55人; 绿化 3人; three squad leaders on the chart."""
    hc = hb.roles[role_id].headcount
    assert hc.count == count
    assert dict(hc.phases) == phases


@pytest.mark.parametrize("role_id", ["office-manager", "service-centre-supervisor",
                                     "engineering-supervisor", "front-desk", "customer-assistant",
                                     "duty-officer"])
def test_blank_headcount_rows_inherit_nothing(hb: m.Handbook, company: m.Handbook,
                                              role_id: str) -> None:
    """人数 is blank in the 一览表 (the duty officer is not in it): the company count is unset."""
    assert company.roles[role_id].headcount.count is not None
    assert hb.roles[role_id].headcount.count is None


def test_shifts_only_where_the_seed_gives_the_hours(hb: m.Handbook) -> None:
    """8:30—17:30 客户服务人员 matches the front desk's shift; the supervisor's weekday 行政班
    and the company's 16-hour duty are not stated here (21:00—8:30 is in service-hours)."""
    front = hb.roles["front-desk"].shifts
    assert [(f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in front] == [("08:30", "17:30")]
    assert hb.roles["service-centre-supervisor"].shifts == ()
    assert hb.roles["duty-officer"].shifts == ()


def test_service_hours(hb: m.Handbook, company: m.Handbook) -> None:
    """08:30–17:30 service centre, 21:00–08:30 the fire-control centre answers (Zhongxing only)."""
    assert hb.property is not None
    hours = [(f"{h.start:%H:%M}", f"{h.end:%H:%M}", h.role) for h in hb.property.service_hours]
    assert hours == [("08:30", "17:30", "front-desk"), ("21:00", "08:30", "duty-officer")]
    assert all(f"{h.start:%H:%M}" != "21:00" for h in company.company.service_hours)
