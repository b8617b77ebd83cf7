"""Refused case operations carry a key and parameters the app translates (CaseBlocked)."""

from __future__ import annotations

from datetime import datetime

import pytest

from runtime.compiler.pipeline import load
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine
from runtime.errors import CaseBlocked, EngineError
from runtime.i18n import catalog

AT = datetime(2026, 3, 2, 9, 0)
INTAKE = {"received_at": "2026-03-02T09:00:00", "channel": "phone", "complainant": "张三",
          "unit": "1-101", "kind": "complaint", "content": "噪音"}


@pytest.fixture
def engine() -> Engine:
    # The shipped rules: the call-back record blocking the call-back step is theirs.
    return Engine(MemoryRepository(), lambda pid: load(property=pid))


def _case(engine: Engine) -> str:
    case = engine.start_case("complaint-handling", "taoyuan-village", INTAKE, AT, "fd",
                             "front-desk")
    return case.id


@pytest.mark.parametrize("op,key,params", [
    ("return", "first_step", {"number"}),
    ("transfer-no-reason", "reason", set()),
    ("comment-empty", "reason", set()),
    ("wrong-step", "moved_on", {"number", "step"}),
    ("callback-without-record", "needs_record", {"step", "forms"}),
])
def test_refusals_name_their_ui_text(engine: Engine, op: str, key: str,
                                     params: set[str]) -> None:
    cid = _case(engine)
    with pytest.raises(CaseBlocked) as info:
        if op == "return":
            engine.return_case(cid, "再退", AT)
        elif op == "transfer-no-reason":
            engine.transfer(cid, "  ", AT, to_role="customer-assistant")
        elif op == "comment-empty":
            engine.comment(cid, "", AT)
        elif op == "wrong-step":
            engine.complete_step(cid, {}, AT, step="close")
        else:
            engine.complete_step(cid, {}, AT, step="receive")
            engine.complete_step(cid, {"responsibility": "service", "validity": "valid",
                                       "explained_on_site": True}, AT, step="classify")
            engine.complete_step(cid, {"owner_satisfied": True}, AT, step="feedback")
            engine.complete_step(cid, {}, AT, step="callback")
    exc = info.value
    assert isinstance(exc, EngineError)  # callers catching EngineError still catch it
    assert exc.key == key and set(exc.params) == params
    assert f"staff.blocked.{key}" in catalog()
    if key == "needs_record":
        assert exc.params["forms"] == "callback-record" and exc.params["step"] == "callback"


def test_a_closed_case_refuses_with_its_number(engine: Engine) -> None:
    cid = _case(engine)
    engine.complete_step(cid, {}, AT, step="receive")
    case = engine.get_case(cid)
    case.status, case.step = "closed", None
    engine.repo.save_case(case)
    with pytest.raises(CaseBlocked) as info:
        engine.complete_step(cid, {}, AT)
    assert info.value.key == "closed" and info.value.params == {"number": case.number}
