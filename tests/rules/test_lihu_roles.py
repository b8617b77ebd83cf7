"""蠡湖香樟园 (seed 002): the customer-service roles, their reporting lines, levels and targets."""

from __future__ import annotations

import pytest

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from tests.conftest import FORMS, RULES

LIHU = "lihu-camphor-garden"


def _handbook(prop: str | None = LIHU) -> m.Handbook:
    return load(RULES, FORMS, property=prop)


@pytest.mark.parametrize(("role", "title", "boss", "level", "duties"), [
    ("service-centre-supervisor", "客服主管", "office-manager", "management", 7),
    ("front-desk", "前台客服", "service-centre-supervisor", "operational", 8),
    ("customer-butler", "客户管家", "service-centre-supervisor", "operational", 8),
    ("customer-assistant", "客户管理员", "service-centre-supervisor", "operational", 9),
    ("fee-collector", "收费员", "service-centre-supervisor", "operational", 2),
])
def test_role_title_reporting_line_level(role: str, title: str, boss: str, level: str,
                                         duties: int) -> None:
    r = _handbook().roles[role]
    assert (r.title, r.reports_to, r.level, len(r.duties)) == (title, (boss,), level, duties)
    assert [d.no for d in r.duties] == list(range(1, duties + 1))


def test_supervisor_reports_to_the_project_manager_and_leads_four_roles() -> None:
    hb = _handbook()
    assert hb.roles["office-manager"].title == "项目经理"
    reports = {r.id for r in hb.roles_reporting_to("service-centre-supervisor")}
    assert reports == {"front-desk", "customer-butler", "customer-assistant", "fee-collector"}


def test_collection_targets() -> None:
    hb = _handbook()
    fee = [str(t) for d in hb.roles["fee-collector"].duties for t in d.targets]
    assert fee == ["费用收缴率 ≥ 98%"]
    reminder = [str(t) for d in hb.roles["customer-assistant"].duties for t in d.targets]
    assert reminder == ["物业费催缴及时率 ≥ 100%"]


@pytest.mark.parametrize("prop", [None, "taoyuan-village", "zhongxing-apartments"])
def test_property_only_roles_stay_at_lihu(prop: str | None) -> None:
    roles = _handbook(prop).roles
    assert "customer-butler" not in roles and "fee-collector" not in roles


def test_company_base_is_untouched_by_the_overlay() -> None:
    base = _handbook(None).roles
    assert base["front-desk"].title == "客户服务中心职员"
    assert base["front-desk"].reports_to == ("general-affairs-supervisor",)
    assert base["office-manager"].title != "项目经理"


@pytest.mark.parametrize("role", ["office-manager", "service-centre-supervisor", "front-desk",
                                  "customer-assistant"])
def test_company_headcount_and_shifts_are_unset(role: str) -> None:
    """The handbook states no headcount or shifts for its roles: nothing is inherited."""
    base = _handbook(None).roles[role]
    here = _handbook().roles[role]
    assert base.headcount.count is not None
    assert here.headcount.count is None and here.shifts == ()


def test_fee_collector_settles_daily_and_monthly() -> None:
    """收费员 2: 保证做到工作日清月结 — two rhythms on one duty."""
    duty = _handbook().roles["fee-collector"].duties[1]
    assert [str(r) for r in duty.schedules] == ["daily", "monthly by last day"]


def test_callback_count_target_without_a_number() -> None:
    """客服主管 4: 回访一定数量的业主 — a target the handbook gives no number for."""
    (target,) = _handbook().roles["service-centre-supervisor"].duties[3].targets
    assert target.name == "回访业主数量" and target.value is None
