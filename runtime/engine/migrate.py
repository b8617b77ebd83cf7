"""Move open cases from the procedure version they started on to the current one.

A case keeps running on its own version after a new one is published (see
`Engine.procedure_for`). `migrate_case` re-pins it to a new version when its steps map:
every step id is kept unless `mapping` renames it (old=new), and the current step must exist
in the new version. History (visits, events) keeps the old ids apart from the mapped ones,
so clocks of the new version see where the case has been.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from runtime.compiler import model as m
from runtime.engine.cases import step_task
from runtime.engine.rules import Rules
from runtime.engine.state import Case, Event, Outcome
from runtime.errors import EngineError


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`["old=new", ...]` from the command line → {old: new} (EngineError when malformed)."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise EngineError(f"--map takes old=new step ids, got {pair!r}")
        out[old.strip()] = new.strip()
    return out


def check_mapping(proc: m.Procedure, mapping: Mapping[str, str]) -> None:
    """Every mapping target must be a step of the new version."""
    ids = {s.id for s in proc.steps}
    bad = sorted(new for new in mapping.values() if new not in ids)
    if bad:
        raise EngineError(f"--map names step(s) not in {proc.id} v{proc.meta.version}: "
                          f"{', '.join(bad)}")


def migrate_case(rules: Rules, case: Case, *, ruleset_hash: str, mapping: Mapping[str, str],
                 now: datetime, user: str | None = None) -> Outcome:
    """Re-pin an open case to `rules.procedure` (EngineError when its current step is lost)."""
    proc = rules.procedure
    if case.status != "open" or case.step is None:
        raise EngineError(f"case {case.number} is {case.status}; only open cases migrate")
    if case.procedure_id != proc.id:
        raise EngineError(f"case {case.number} runs {case.procedure_id}, not {proc.id}")
    if len(case.open_steps) > 1:
        # Several branches are open: which visit maps to which step is not one answer.
        raise EngineError(f"case {case.number} runs parallel branches "
                          f"({', '.join(case.open_steps)}); finish them before migrating")
    ids = {s.id for s in proc.steps}
    target = mapping.get(case.step, case.step)
    if target not in ids:
        raise EngineError(f"case {case.number}: step {case.step!r} has no counterpart in "
                          f"{proc.id} v{proc.meta.version}; add --map {case.step}=<new step>")
    out = Outcome(case.copy())
    c = out.case
    old_version, renamed = c.procedure_version, {}
    for v in c.visits:
        new = mapping.get(v.step, v.step)
        if new != v.step:
            renamed[v.step] = new
            v.step = new
    c.step = target
    step = proc.step(target)
    cur = c.visits[-1]
    if step.roles and cur.role not in step.roles:
        cur.role = c.role = step.roles[0]  # the old assignee's role does not do this step
    c.procedure_version, c.ruleset_hash = proc.meta.version, ruleset_hash
    c.updated_at = max(c.updated_at, now)
    out.log(Event("migrated", now, user, c.step, {
        "from_version": old_version, "to_version": proc.meta.version, "renamed": renamed}))
    out.tasks.append(step_task(rules, c, len(c.visits) - 1))
    return out
