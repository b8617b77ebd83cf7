"""The case page with parallel branches (issue 19): pick a branch, complete it, the rest stay."""

from __future__ import annotations

import shutil
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
