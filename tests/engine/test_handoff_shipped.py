"""A help request referred as a complaint (seed 002 4.5) opens the complaint with what the
two registers share, even though the complaint's own required intake is not filled yet."""

from __future__ import annotations

from datetime import datetime

import pytest

from runtime.compiler.pipeline import load
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine
from runtime.errors import FormValidationError

AT = datetime(2026, 3, 2, 9, 0)
REQUEST = {"received_at": "2026-03-02T09:00:00", "channel": "phone", "resident": "钱先生",
           "unit": "8-2-201", "phone": "13900002222", "content": "楼上漏水",
           "category": "complaint"}


@pytest.fixture
def engine() -> Engine:
    return Engine(MemoryRepository(), lambda pid: load(property=pid))


def test_referral_carries_shared_fields_into_the_complaint(engine: Engine) -> None:
    case = engine.start_case("help-request", "taoyuan-village", REQUEST, AT, "fd", "front-desk")
    engine.complete_step(case.id, {}, AT, "fd", step="receive")
    engine.complete_step(case.id, {"referral": "complaint"}, AT, "fd", step="refer-complaint")
    opened = [c for c in engine.repo.find_cases(property="taoyuan-village")
              if c.procedure_id == "complaint-handling"]
    assert len(opened) == 1
    complaint = opened[0]
    assert complaint.step == "receive"
    assert complaint.data["unit"] == "8-2-201" and complaint.data["content"] == "楼上漏水"
    assert complaint.data["phone"] == "13900002222"
    # The intake still demands what the help request did not have (who complains, kind).
    with pytest.raises(FormValidationError) as info:
        engine.complete_step(complaint.id, {}, AT, "fd", step="receive")
    assert {"complainant", "kind"} <= set(info.value.errors)


@pytest.mark.parametrize("data,ok", [
    ({"unit": "8-2-201"}, True),                      # partial but valid: accepted
    ({"unit": "no spaces allowed here!"}, False),     # a carried field must still be valid
])
def test_partial_start_checks_the_fields_it_is_given(engine: Engine, data: dict[str, str],
                                                     ok: bool) -> None:
    if ok:
        case = engine.start_case("complaint-handling", "taoyuan-village", data, AT,
                                 partial=True)
        assert case.data["unit"] == "8-2-201"
    else:
        with pytest.raises(FormValidationError):
            engine.start_case("complaint-handling", "taoyuan-village", data, AT, partial=True)
    with pytest.raises(FormValidationError):  # without `partial` the whole intake is due
        engine.start_case("complaint-handling", "taoyuan-village", data, AT)
