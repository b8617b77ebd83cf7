"""Random operation sequences: only HandbookErrors, and the case stays consistent."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.errors import HandbookError

from .helpers import INTAKE, dt, engine

DATA = st.sampled_from([
    {}, {"needs_approval": True}, {"needs_approval": "bad"}, {"opinion": "好"},
    {"result": "ok"}, {"callback_note": "x"}, {"nope": 1}, {"content": ""}, None, [1, 2], "x",
])
OPS = st.lists(st.tuples(
    st.sampled_from(["complete", "transfer", "return", "comment", "record", "tick", "task"]),
    DATA, st.integers(min_value=0, max_value=3000),
    st.sampled_from(["supervisor", "manager", "nobody", None])), max_size=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_random_operations_never_crash_or_corrupt(ops: list) -> None:
    eng = engine()
    now = dt("2026-09-28 09:00")  # runs across the National Day holiday
    c = eng.start_case("ticket-flow", "alpha", INTAKE, now)
    for op, data, minutes, role in ops:
        now += timedelta(minutes=minutes)
        try:
            if op == "complete":
                eng.complete_step(c.id, data, now)
            elif op == "transfer":
                eng.transfer(c.id, "因为", now, to_role=role, to_user="某人")
            elif op == "return":
                eng.return_case(c.id, "退回原因", now)
            elif op == "comment":
                eng.comment(c.id, str(data), now)
            elif op == "record":
                eng.add_record(c.id, "callback-note", data, now)
            elif op == "tick":
                eng.tick(now)
            else:
                for v in eng.tasks(now, kind="escalation"):
                    eng.complete_task(v.task.key, now)
        except HandbookError:
            pass
        case = eng.get_case(c.id)
        open_visits = [v for v in case.visits if v.left_at is None]
        if case.status == "open":
            assert len(open_visits) == 1 and open_visits[0] is case.visits[-1]
            assert case.step == case.visits[-1].step
        else:
            assert not open_visits and case.step is None and case.closed_at is not None
        assert len(case.fired) == len(set(case.fired))  # each warning/breach once
        fired = [e for e in case.events if e.type in ("clock-warning", "clock-breach")]
        assert len(fired) == len(case.fired)
        steps = [t for t in eng.repo.tasks.values() if t.kind == "step" and t.status == "open"]
        assert len(steps) == (1 if case.status == "open" else 0)
