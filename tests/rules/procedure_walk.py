"""Walking a procedure graph the way an engine would, for the per-procedure rule tests.

At each step the first transition whose `when` holds on the case data is taken; a walk that
does not reach a terminal step within MAX_STEPS is a loop the data never leaves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.compiler import model as m
from runtime.compiler.timeexpr import Duration

MAX_STEPS = 40


def next_step(step: m.Step, data: Mapping[str, Any]) -> str:
    """The step an engine would move to: the first transition whose condition holds."""
    for transition in step.next:
        if transition.when is None or transition.when.evaluate(data):
            return transition.to
    raise AssertionError(f"step {step.id!r} has no way out for {dict(data)}")


def walk(proc: m.Procedure, data: Mapping[str, Any]) -> list[str]:
    """The steps a case with `data` passes through, from the start to a terminal step."""
    path = [proc.start]
    while not proc.step(path[-1]).terminal:
        path.append(next_step(proc.step(path[-1]), data))
        assert len(path) <= MAX_STEPS, f"no terminal step reached: {path}"
    return path


def condition_names(proc: m.Procedure) -> set[str]:
    """Every name read by a transition, clock or follow-up condition of the procedure."""
    names: set[str] = set()
    for step in proc.steps:
        for t in step.next:
            if t.when is not None:
                names |= t.when.names
    for clock in proc.clocks:
        if clock.when is not None:
            names |= clock.when.names
    for fu in proc.follow_ups:
        if fu.when is not None:
            names |= fu.when.names
    return names


def limit_of(clock: m.Clock) -> Duration:
    """The clock's fixed duration (fails for a clock whose deadline is a case field)."""
    assert clock.within is not None, f"clock {clock.id!r} has no fixed duration"
    return clock.within
