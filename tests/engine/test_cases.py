"""Case life cycle: branches, requires, transfer/return, comments, validation, concurrency."""

from __future__ import annotations

import pytest

from runtime.engine.state import Case, Task
from runtime.errors import ConflictError, EngineError, FormValidationError, NotFound

from .helpers import INTAKE, dt, engine


def _to_resolve(needs_approval: bool) -> tuple:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"), user="u1")
    c = eng.complete_step(c.id, {}, dt("2026-03-02 09:10"), user="u1", step="receive")
    c = eng.complete_step(c.id, {"needs_approval": needs_approval}, dt("2026-03-02 09:20"))
    return eng, c


@pytest.mark.parametrize(("needs_approval", "step", "role"), [
    (True, "approve", "manager"),
    (False, "resolve", "agent"),
])
def test_branch_follows_first_condition_that_holds(needs_approval: bool, step: str,
                                                   role: str) -> None:
    _, c = _to_resolve(needs_approval)
    assert (c.step, c.role) == (step, role)
    entered = [e for e in c.events if e.type == "entered"][-1]
    assert entered.data["via"] == ("需审批" if needs_approval else None)


def test_start_records_pinning_and_first_task() -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    assert c.procedure_version == "1.0.0" and c.ruleset_hash and c.number == "TK-2026-0001"
    tasks = eng.tasks(dt("2026-03-02 09:00"), roles=["agent"])
    assert [v.task.source for v in tasks] == ["receive"]
    assert tasks[0].task.due_at == dt("2026-03-02 14:30")  # 4 working hours, lunch skipped


def test_full_path_closes_only_after_the_callback_record() -> None:
    eng, c = _to_resolve(False)
    c = eng.complete_step(c.id, {"result": "修好"}, dt("2026-03-02 11:00"))
    assert c.step == "callback"
    with pytest.raises(EngineError, match="callback-note"):
        eng.complete_step(c.id, {"callback_note": "ok"}, dt("2026-03-09 11:00"))
    eng.add_record(c.id, "callback-note", {"opinion": "满意"}, dt("2026-03-09 11:00"))
    c = eng.complete_step(c.id, {"callback_note": "ok"}, dt("2026-03-09 11:05"))
    c = eng.complete_step(c.id, {}, dt("2026-03-09 11:06"))
    assert c.status == "closed" and c.step is None and c.closed_at == dt("2026-03-09 11:06")
    fu = eng.tasks(dt("2026-03-09 12:00"), kind="follow-up", status=None)
    assert [(v.task.due_at, v.task.status) for v in fu] == [(dt("2026-03-09 11:00"), "done")]
    assert not eng.tasks(dt("2026-03-09 12:00"), kind="step")  # nothing left open
    with pytest.raises(EngineError, match="closed"):
        eng.complete_step(c.id, {}, dt("2026-03-09 12:00"))


def test_transfer_and_return_keep_the_log() -> None:
    eng, c = _to_resolve(True)
    with pytest.raises(EngineError, match="reason"):
        eng.transfer(c.id, " ", dt("2026-03-02 09:30"), to_role="supervisor")
    c = eng.transfer(c.id, "经理出差", dt("2026-03-02 09:30"), to_role="supervisor",
                     to_user="老张", user="u1")
    assert (c.role, c.user) == ("supervisor", "老张")
    mine = eng.tasks(dt("2026-03-02 09:30"), user="老张", roles=["supervisor"])
    assert [v.task.source for v in mine] == ["approve"]
    c = eng.return_case(c.id, "信息不全", dt("2026-03-02 09:40"), user="老张")
    assert c.step == "assess" and c.role == "agent"
    types = [e.type for e in c.events]
    assert types.count("transferred") == 1 and types.count("returned") == 1
    returned = next(e for e in c.events if e.type == "returned")
    assert returned.data == {"to": "assess", "reason": "信息不全"}
    cancelled = eng.tasks(dt("2026-03-02 09:40"), status="cancelled")
    assert [v.task.source for v in cancelled] == ["approve"]


def test_return_from_the_first_step_is_refused() -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    with pytest.raises(EngineError, match="first step"):
        eng.return_case(c.id, "why", dt("2026-03-02 09:05"))


@pytest.mark.parametrize(("data", "field"), [
    ({"needs_approval": "perhaps"}, "needs_approval"),  # not a yes/no value
    ({"needs_approval": True, "content": ""}, "content"),  # another section's field, empty
    ({"nope": 1}, "nope"),  # not a field at all
])
def test_bad_step_data_is_refused_and_nothing_changes(data: dict, field: str) -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    c = eng.complete_step(c.id, {}, dt("2026-03-02 09:05"))
    with pytest.raises(FormValidationError) as exc:
        eng.complete_step(c.id, data, dt("2026-03-02 09:10"))
    assert field in exc.value.errors
    assert eng.get_case(c.id).step == "assess"


def test_missing_required_intake_field_is_refused() -> None:
    eng = engine()
    with pytest.raises(FormValidationError) as exc:
        eng.start_case("ticket-flow", None, {"unit": "1-101"}, dt("2026-03-02 09:00"))
    assert "content" in exc.value.errors
    # Started empty (a draft): the intake section is checked when the step is completed.
    c = eng.start_case("ticket-flow", None, {}, dt("2026-03-02 09:00"))
    assert c.number == "TK-2026-0001"  # the refused start used no number
    with pytest.raises(FormValidationError) as exc2:
        eng.complete_step(c.id, {"unit": "1-101"}, dt("2026-03-02 09:05"))
    assert "content" in exc2.value.errors


def test_wrong_step_guard_and_stale_revision() -> None:
    eng = engine()
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    with pytest.raises(EngineError, match="not 'assess'"):
        eng.complete_step(c.id, {}, dt("2026-03-02 09:05"), step="assess")
    eng.comment(c.id, "业主来电催促", dt("2026-03-02 09:06"))
    with pytest.raises(ConflictError):
        eng.complete_step(c.id, {}, dt("2026-03-02 09:07"), expected_rev=c.rev)
    with pytest.raises(NotFound):
        eng.get_case("nope")


def test_unknown_procedure_and_empty_comment() -> None:
    eng = engine()
    with pytest.raises(EngineError, match="no procedure"):
        eng.start_case("nope", None, {}, dt("2026-03-02 09:00"))
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    with pytest.raises(EngineError):
        eng.comment(c.id, "  ", dt("2026-03-02 09:00"))


def test_case_and_task_round_trip_through_dicts() -> None:
    eng, c = _to_resolve(True)
    assert Case.from_dict(c.to_dict()) == c
    for v in eng.tasks(dt("2026-03-02 10:00"), status=None):
        assert Task.from_dict(v.task.to_dict()) == v.task


def test_store_repository_runs_the_same_flow(backend) -> None:
    from runtime.engine.service import Engine
    from runtime.engine.store_repo import StoreRepository

    from .helpers import handbook

    with backend.open() as store:
        eng = Engine(StoreRepository(store), handbook)
        c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
        c = eng.complete_step(c.id, {}, dt("2026-03-02 09:10"))
        rid = eng.add_record(c.id, "callback-note", {"opinion": "好"}, dt("2026-03-02 09:20"))
        assert rid
        c2 = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:30"))
        assert c2.number == "TK-2026-0002"
    with backend.open() as store:  # reopened: everything is durable
        eng = Engine(StoreRepository(store), handbook)
        again = eng.get_case(c.id)
        assert again.step == "assess" and again.has_record("callback-note")
        assert len(eng.repo.find_cases(status="open")) == 2
        with pytest.raises(ConflictError):
            eng.complete_step(c.id, {}, dt("2026-03-02 10:00"), expected_rev=again.rev - 1)
