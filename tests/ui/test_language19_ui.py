"""Issue 19 in the app: the case page with parallel branches (pick a branch, complete it, the
rest stay) and the dashboard's 值班安排表 from a work pattern."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.ui.conftest import ROOT, open_page, sign_in

PROCEDURE = """\
kind: procedure
id: parallel-check
title: 并行核查
version: 1.0.0
effective: 2026-01-01
drafted-by: 综合部
reviewed-by: 品质部
approved-by: 总经理
purpose: 同时核查。
scope: 测试。
steps:
  - id: split
    title: 分派
    roles: [front-desk]
    parallel: [desk-check, assistant-check]
  - id: desk-check
    title: 前台核查
    roles: [front-desk]
    next: [{to: done}]
  - id: assistant-check
    title: 助理核查
    roles: [customer-assistant]
    next: [{to: done}]
  - id: done
    title: 汇总
    roles: [front-desk]
    join: all
    terminal: true
"""


@pytest.fixture
def rules_with_parallel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dest = tmp_path / "tree"
    shutil.copytree(ROOT / "rules", dest / "rules")
    shutil.copytree(ROOT / "forms", dest / "forms")
    (dest / "rules/company/procedures/parallel-check.yaml").write_text(PROCEDURE,
                                                                      encoding="utf-8")
    role = dest / "rules/company/roles/customer-assistant.yaml"
    role.write_text(role.read_text(encoding="utf-8").replace(
        "level: operational\n", "level: operational\nwork-pattern: {week: 5.5}\n", 1),
        encoding="utf-8")
    monkeypatch.setenv("HANDBOOK_RULES", str(dest / "rules"))
    monkeypatch.setenv("HANDBOOK_FORMS", str(dest / "forms"))
    return dest


def test_case_page_picks_a_branch_and_completes_it(rules_with_parallel: Path) -> None:
    sign_in("frontdesk.taoyuan")  # first start: demo users, store
    from runtime.ui import context as ctx
    from runtime.ui.casework import now

    eng = ctx.engine()
    case = eng.start_case("parallel-check", "taoyuan-village", {}, now(), "frontdesk.taoyuan")
    case = eng.complete_step(case.id, {}, now(), "frontdesk.taoyuan", step="split")
    assert case.open_steps == ["desk-check", "assistant-check"]
    at = open_page(sign_in("frontdesk.taoyuan"), "case", case_id=case.id)
    assert not at.exception
    branch = at.radio(key=f"branch_{case.id}")
    assert list(branch.options) == ["前台核查", "助理核查"]
    # The assistant's branch is not the front desk's: no complete button for it.
    branch.set_value("assistant-check").run()
    assert not [b for b in at.button if b.key and b.key.endswith("__complete")]
    at.radio(key=f"branch_{case.id}").set_value("desk-check").run()
    complete = next(b for b in at.button if b.key and b.key.endswith("desk-check__complete"))
    complete.click().run()
    assert not at.exception
    assert eng.get_case(case.id).open_steps == ["assistant-check"]


def test_dashboard_shows_the_roster(rules_with_parallel: Path) -> None:
    at = open_page(sign_in("supervisor.taoyuan"), "dashboard")
    assert not at.exception
    assert "值班安排表" in [h.value for h in at.subheader]
    at.date_input(key="roster_month").set_value(date(2026, 12, 1)).run()
    table = at.dataframe[-1].value
    row = table[table["岗位/班组"] == "客户助理"].iloc[0]
    assert row["5"] == "8:30-12:00（半天）" and row["6"] == "休" and row["出勤天数"] == "27"
