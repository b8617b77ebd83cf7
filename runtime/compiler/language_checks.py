"""Checks of the language extensions of issue 19: parallel branches, department actors and
preconditions, counted rhythms, pending periods, cross-property roles, duty numbers, and
clocks whose evidence can never exist.

Kept apart from `checks.py` (same `check_xxx(view) -> Iterator[RuleError]` manner) so each
family stays small; `checks.CHECKS` runs these after its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from runtime.compiler import model as m
from runtime.compiler.checks import View, _closure
from runtime.errors import KeyPath, RuleError

PENDING = "W041"  # a regular duty or schedule item whose period is still to be set


def _departments(v: View) -> dict[str, m.Department]:
    hb = v.hb
    deps = {d.id: d for d in hb.company.departments}
    if hb.property is not None:
        deps.update({d.id: d for d in hb.property.departments})
    return deps


def department_roles(hb: m.Handbook, dep: m.Department | None, dep_id: str) -> tuple[str, ...]:
    """Who may act for a department: its head first, then every role in it (id order)."""
    head = (dep.head,) if dep is not None and dep.head else ()
    members = tuple(sorted(r.id for r in hb.roles.values() if r.department == dep_id))
    return tuple(dict.fromkeys((*head, *members)))


def check_parallel(v: View) -> Iterator[RuleError]:
    """Splits name real steps, have no `next`, and every branch meets a `join` step."""
    for proc in v.each("procedure", v.hb.procedures):
        steps = {s.id: s for s in proc.steps}
        succ = {s.id: [t.to for t in (*s.next, *s.parallel) if t.to in steps]
                for s in proc.steps}
        blocked = {sid: [] if steps[sid].join else outs for sid, outs in succ.items()}
        for step in proc.steps:
            si = v.index("procedure", proc.id, "steps", step.id)
            path: KeyPath = ("steps", si)
            if step.join and not any(step.id in [t.to for t in s.next] for s in proc.steps):
                yield v.error("procedure", proc.id, (*path, "join"), "E036",
                              f"join step {step.id!r}: no branch leads to it")
            if not step.parallel:
                continue
            if step.next:
                yield v.error("procedure", proc.id, (*path, "parallel"), "E036",
                              f"step {step.id!r} has both parallel: and next:; a split "
                              "starts its branches instead of choosing one way out")
            if step.terminal:
                yield v.error("procedure", proc.id, (*path, "parallel"), "E036",
                              f"terminal step {step.id!r} cannot split")
            if all(t.when is not None for t in step.parallel):
                yield v.error("procedure", proc.id, (*path, "parallel"), "E036",
                              f"step {step.id!r}: at least one branch must have no when:, "
                              "so the split always starts something")
            for j, t in enumerate(step.parallel):
                if t.to not in steps:
                    yield v.error("procedure", proc.id, (*path, "parallel", j), "E026",
                                  f"unknown step {t.to!r}")
                    continue
                # Walk the branch up to (not through) join steps: reaching a terminal step
                # first means this branch would end the case while the others still run.
                walk = _closure([t.to], blocked)
                if not any(steps[s].join for s in walk) or any(
                        steps[s].terminal for s in walk if not steps[s].join):
                    yield v.error("procedure", proc.id, (*path, "parallel", j), "E036",
                                  f"branch {t.to!r} of split {step.id!r} never reaches a join "
                                  "step (join: all or join: any) before the case ends")


def check_actors(v: View) -> Iterator[RuleError]:
    """Department actors exist and have someone to act; preconditions name who records them."""
    hb = v.hb
    deps = _departments(v)
    for proc in v.each("procedure", hb.procedures):
        for step in proc.steps:
            si = v.index("procedure", proc.id, "steps", step.id)
            if step.department is not None:
                if step.department not in deps:
                    yield v.error("procedure", proc.id, ("steps", si, "department"), "E023",
                                  f"unknown department {step.department!r}")
                elif not department_roles(hb, deps[step.department], step.department):
                    yield v.error("procedure", proc.id, ("steps", si, "department"), "E023",
                                  f"department {step.department!r} has no head and no role "
                                  "to act for it")
            for j, w in enumerate(step.waits_for):
                if w.by not in deps and w.by not in hb.roles:
                    yield v.error("procedure", proc.id, ("steps", si, "waits-for", j, "by"),
                                  "E023", f"waits-for names {w.by!r}, which is neither a "
                                  "department nor a role")


def _duty_lists(v: View) -> Iterator[tuple[str, str, KeyPath, tuple[m.Duty, ...]]]:
    hb = v.hb
    for role in v.each("role", hb.roles):
        yield "role", role.id, ("duties",), role.duties
    obj: m.Company | m.Property | None = None
    if hb.property is not None and v.wants("property", hb.property.id):
        kind, obj = "property", hb.property
    elif hb.property is None and v.wants("company", hb.company.meta.id):
        kind, obj = "company", hb.company
    if obj is not None:
        for i, dep in enumerate(obj.departments):
            yield kind, obj.meta.id, ("departments", i, "duties"), dep.duties


def check_duty_numbers(v: View) -> Iterator[RuleError]:
    """Two duties with one `no` are an error unless both carry distinct `id`s; ids are unique."""
    for kind, rid, path, duties in _duty_lists(v):
        by_no: dict[int, list[int]] = {}
        for i, d in enumerate(duties):
            by_no.setdefault(d.no, []).append(i)
        for no, idx in by_no.items():
            if len(idx) < 2:
                continue
            ids = [duties[i].id for i in idx]
            if None in ids or len(set(ids)) < len(ids):
                yield v.error(kind, rid, (*path, idx[1], "no"), "E021",
                              f"duplicate duty number {no} (duties {', '.join(map(str, idx))});"
                              " renumber them, or give each a distinct id: to address them")
        seen: dict[str, int] = {}
        for i, d in enumerate(duties):
            if d.id is not None and d.id in seen:
                yield v.error(kind, rid, (*path, i, "id"), "E021",
                              f"duplicate duty id {d.id!r} (first: duty {seen[d.id]})")
            elif d.id is not None:
                seen[d.id] = i


def check_evidence(v: View) -> Iterator[RuleError]:
    """A clock's `evidence` must be a record the case can ever get (E081)."""
    for proc in v.each("procedure", v.hb.procedures):
        # Records get linked to a case only as a step's own form, a record a step requires
        # or a follow-up's record; the case form's data lives on the case itself.
        linkable = {s.form for s in proc.steps if s.form}
        linkable |= {f for s in proc.steps for f in s.requires}
        linkable |= {fu.form for fu in proc.follow_ups if fu.form}
        for clock in proc.clocks:
            if clock.evidence is None or clock.evidence in linkable:
                continue
            ci = v.index("procedure", proc.id, "clocks", clock.id)
            why = ("is the case's own form, whose data stays on the case"
                   if clock.evidence == proc.form else
                   "is neither a step's form, a required record nor a follow-up's record")
            yield v.error("procedure", proc.id, ("clocks", ci, "evidence"), "E081",
                          f"clock {clock.id!r} can never be met: its evidence "
                          f"{clock.evidence!r} {why}, so no such record is ever linked")


def _pending(v: View, kind: str, rid: str, path: KeyPath, what: str) -> RuleError:
    e = v.error(kind, rid, path, PENDING,
                f"{what}: regular, but the period is still to be set; give a recurrence "
                "(e.g. monthly by day 25) so tasks can be created")
    return RuleError(e.file, e.line, e.col, e.code, e.message, e.path, severity="warning")


def check_rhythms(v: View) -> Iterator[RuleError]:
    """Counted rhythms fit their recurrence; pending periods are flagged until set."""
    hb = v.hb
    for sched in v.each("schedule", hb.schedules):
        for item in sched.items:
            ii = v.index("schedule", sched.id, "items", item.id)
            if item.recurrence.pending:
                yield _pending(v, "schedule", sched.id, ("items", ii, "recurrence"),
                               f"item {item.id!r}")
            if item.at_least is None:
                if item.on_days:
                    yield v.error("schedule", sched.id, ("items", ii, "on-days"), "E041",
                                  "on-days needs at-least (e.g. at-least: 2 per week)")
                continue
            count, per = item.at_least
            freq = {"week": "weekly", "month": "monthly", "day": "daily"}[per]
            if item.recurrence.freq not in (freq, "hourly" if per == "day" else freq):
                yield v.error("schedule", sched.id, ("items", ii, "at-least"), "E041",
                              f"at-least {count} per {per} needs a {freq} recurrence "
                              f"(e.g. recurrence: {freq}), not {item.recurrence}")
            if item.on_days and per != "week":
                yield v.error("schedule", sched.id, ("items", ii, "on-days"), "E041",
                              "on-days (weekdays) fits only at-least N per week")
            elif item.on_days and len(item.on_days) != count:
                yield v.error("schedule", sched.id, ("items", ii, "on-days"), "E041",
                              f"on-days lists {len(item.on_days)} day(s) for at-least "
                              f"{count} per week")
    for kind, rid, path, duties in _duty_lists(v):
        for i, d in enumerate(duties):
            if any(r.pending for r in d.schedules):
                yield _pending(v, kind, rid, (*path, i, "schedule"), f"duty {d.no}")


def check_serving_roles(v: View) -> Iterator[RuleError]:
    """`serves` names real properties; a property's own rules use only roles serving it."""
    hb = v.hb
    for role in v.each("role", hb.roles):
        for j, served in enumerate(role.serves or ()):
            if served != "all" and served not in hb.properties:
                yield v.error("role", role.id, ("serves", j), "E022",
                              f"unknown property {served!r}")
        if role.serves is not None and role.meta.property is not None:
            yield v.error("role", role.id, ("serves",), "E047",
                          "serves: is for company-level roles; a property's own role already "
                          "works in that property only")
    pid = hb.scope
    if pid is None:
        return
    for proc in v.each("procedure", hb.procedures):
        for step in proc.steps:
            for r in step.roles:
                owner = hb.roles.get(r)
                if owner is not None and not owner.serves_property(pid):
                    si = v.index("procedure", proc.id, "steps", step.id)
                    yield v.error("procedure", proc.id, ("steps", si, "roles"), "E047",
                                  f"role {r!r} does not serve property {pid!r} (serves: "
                                  f"{', '.join(owner.serves or ())})")
    for sched in v.each("schedule", hb.schedules):
        for item in sched.items:
            first = hb.roles.get(item.owners[0]) if item.owners else None
            if first is not None and not first.serves_property(pid):
                ii = v.index("schedule", sched.id, "items", item.id)
                yield v.error("schedule", sched.id, ("items", ii, "owner"), "E047",
                              f"role {first.id!r} does not serve property {pid!r}")


def check_patterns(v: View) -> Iterator[RuleError]:
    """Pattern-following items and clocks name a role that has a work pattern."""
    hb = v.hb
    for sched in v.each("schedule", hb.schedules):
        for item in sched.items:
            if not item.follow_pattern:
                continue
            role = hb.roles.get(item.owners[0]) if item.owners else None
            if role is not None and role.work_pattern is None:
                ii = v.index("schedule", sched.id, "items", item.id)
                yield v.error("schedule", sched.id, ("items", ii, "follow-pattern"), "E045",
                              f"follow-pattern: role {role.id!r} has no work-pattern")
    for proc in v.each("procedure", hb.procedures):
        for clock in proc.clocks:
            if not clock.pattern:
                continue
            ci = v.index("procedure", proc.id, "clocks", clock.id)
            rid: str | None = clock.pattern_of
            if rid is None:
                step = next((s for s in proc.steps if s.id == clock.start.step), None)
                rid = step.roles[0] if step and step.roles else None
            role = hb.roles.get(rid or "")
            if rid is not None and role is None:
                yield v.error("procedure", proc.id, ("clocks", ci, "pattern-of"), "E022",
                              f"unknown role {rid!r}")
            elif role is None or role.work_pattern is None:
                yield v.error("procedure", proc.id, ("clocks", ci, "basis"), "E045",
                              f"basis: pattern, but role {rid!r} has no work-pattern")


LANGUAGE_CHECKS: tuple[Callable[[View], Iterator[RuleError]], ...] = (
    check_parallel, check_actors, check_duty_numbers, check_evidence,
                   check_rhythms, check_serving_roles, check_patterns)
