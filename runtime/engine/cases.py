"""Case life cycle as pure functions: (rules, case, input, now) → Outcome(case, events, tasks).

A case sits in one step at a time, or in several while parallel branches run: a step with
`parallel:` starts every branch whose `when` holds, and a step with `join: all` is entered when
the last open branch reaches it (`join: any`: when the first does; the others are cancelled).
`case.step` is the first open step. Completing a step merges its form section into the case
data and moves on along the first transition whose `when` holds (else the default one); a
terminal step's completion closes the case. `waits-for` blocks a completion until another
department or role recorded the named event (`record_event`). `requires` and follow-ups
`required-before` block a completion until the named record is linked. Transfer (转单)
reassigns the current step; return (退回) sends the case back to the previous step and its
assignee (not while branches run in parallel). Every change is an
event in the case log, and every step visit is a task on someone's list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from runtime.compiler import model as m
from runtime.engine import clocks as ck
from runtime.engine import followups
from runtime.engine.rules import Rules
from runtime.engine.state import Case, Event, Outcome, Task, TaskStatus, Visit
from runtime.errors import CaseBlocked, EngineError, FormValidationError
from runtime.forms.defaults import FormContext
from runtime.forms.validation import check as check_form


def step_task_key(case_id: str, visit_index: int) -> str:
    """The deterministic key of the task for one step visit."""
    return f"{case_id}/step/{visit_index}"


def _require_open(case: Case) -> None:
    if case.status != "open" or case.step is None:
        raise CaseBlocked(f"case {case.number} is {case.status}; nothing to do", "closed",
                          number=case.number)


def _section_fields(rules: Rules, step: m.Step) -> tuple[m.Form | None, tuple[str, ...] | None]:
    """The case form and the fields this step may fill (None: any field of the form)."""
    form = rules.forms.get(rules.procedure.form) if rules.procedure.form else None
    if form is None or step.section is None:
        return form, None
    for sec in form.sections:
        if sec.id == step.section:
            return form, sec.fields
    return form, None


def validate_step_data(rules: Rules, step: m.Step, data: Mapping[str, Any],
                       merged: Mapping[str, Any], *, defer_required: bool = False,
                       now: datetime | None = None) -> dict[str, Any]:
    """Check a step's data against its form section; returns it with schema defaults filled.

    FormValidationError maps each bad field to one message: fields not in the form, wrong
    types or values, and required fields of the section still empty. With `defer_required`
    (the next step fills the same section) only the fields given are checked: what the
    section requires is checked when its last step completes.
    """
    if not isinstance(data, Mapping):
        raise FormValidationError({"data": "step data must be a mapping of field: value"})
    form, fields = _section_fields(rules, step)
    if form is None:
        return dict(data)
    props: Mapping[str, Any] = form.schema.get("properties") or {}
    # The step's section, plus any other field of the case form it sets: a step may record
    # what a later branch condition reads (e.g. "handled on the spot" at intake).
    allowed = (set(fields) if fields is not None else set()) | (set(data) & set(props))
    errors = {str(name): f"not a field of form {form.id}" for name in data if name not in props}
    if errors:
        raise FormValidationError(errors)
    # The forms room cleans (types, defaults) and validates; only this section's fields count.
    checked = set(data) & set(props) if defer_required else allowed
    # `now` is the engine's clock (scenarios run on simulated time): not-before: now is judged
    # against it, and values the case already holds are not judged again.
    cleaned = check_form(form, {**merged, **data}, fields=checked,
                         context=FormContext(now=now, case=dict(merged)))
    return {k: cleaned[k] for k in sorted(allowed)
            if k in cleaned and (k in data or k not in merged)}


def _step_due(rules: Rules, case: Case, step: m.Step, at: datetime) -> datetime | None:
    # A step's own limit wins; else the nearest deadline of a clock running on the case.
    if step.time_limit is not None:
        return rules.deadline(at, step.time_limit, step.time_limit.working)
    return ck.nearest_due(ck.evaluate(rules.procedure, case, rules.calendar, at,
                                      rules.role_calendars))


def _enter(rules: Rules, out: Outcome, step_id: str, at: datetime, by: str | None,
           role: str | None = None, user: str | None = None, via: str | None = None) -> None:
    case = out.case
    try:
        step = rules.step(step_id)
    except KeyError:
        raise EngineError(f"procedure {rules.procedure.id} has no step {step_id!r}") from None
    actors = rules.roles_of(step)
    role = role or (actors[0] if actors else None)
    case.step, case.role, case.user = step.id, role, user
    case.visits.append(Visit(step.id, at, role, user))
    due = _step_due(rules, case, step, at)
    case.visits[-1].due_at = due
    out.log(Event("entered", at, by, step.id, {
        "role": role, "user": user, "due_at": due.isoformat() if due else None,
        "notify": list(step.notify), "via": via}))
    out.tasks.append(step_task(rules, case, len(case.visits) - 1))
    followups.on_point(rules, out, step.id, "enter", at, by)


def step_task(rules: Rules, case: Case, index: int) -> Task:
    """The task of one step visit, rebuilt from the visit (status follows how it was left)."""
    v = case.visits[index]
    try:
        step: m.Step | None = rules.step(v.step)
    except KeyError:
        step = None
    roles = tuple(dict.fromkeys([r for r in (v.role, *(rules.roles_of(step) if step else ()))
                                 if r]))
    status: TaskStatus = ("open" if v.left_at is None else "done" if v.left_by == "complete"
                          else "cancelled")
    return Task(key=step_task_key(case.id, index), kind="step",
                title=f"{step.title if step else v.step} · {case.number}", roles=roles,
                property=case.property, created_at=v.entered_at, due_at=v.due_at, user=v.user,
                case_id=case.id, source=v.step, form=step.form if step else None,
                status=status, done_at=v.left_at, done_by=v.by)


def _leave(rules: Rules, out: Outcome, at: datetime, how: str, by: str | None,
           index: int | None = None) -> Task:
    """Close a visit (default: the current step's); returns its step task, done or cancelled."""
    c = out.case
    i = index if index is not None else c.open_visit(c.step)
    if i is None:
        i = len(c.visits) - 1
    v = c.visits[i]
    v.left_at, v.left_by, v.by = at, how, by  # type: ignore[assignment]
    return step_task(rules, c, i)


def _sync_current(case: Case) -> None:
    """`case.step` (role, user) is the first step still open, after branches moved on."""
    open_ = [v for v in case.visits if v.left_at is None]
    if open_:
        v = open_[0]
        case.step, case.role, case.user = v.step, v.role, v.user


def _cancel_others(rules: Rules, out: Outcome, at: datetime, by: str | None,
                   keep: str | None, join: str) -> None:
    """join: any — the first branch arrived; every other open branch is cancelled."""
    for i, v in enumerate(out.case.visits):
        if v.left_at is None and v.step != keep:
            out.tasks.append(_leave(rules, out, at, "cancel", by, i))
            out.log(Event("branch-cancelled", at, by, v.step, {"join": join}))


def start(rules: Rules, *, case_id: str, number: str, property: str | None,
          ruleset_hash: str, data: Mapping[str, Any] | None, now: datetime,
          user: str | None = None, role: str | None = None, partial: bool = False) -> Outcome:
    """A new case of `rules.procedure` in its start step, with the intake data given
    (`partial`: only the fields given are checked; the rest are due when the step completes)."""
    proc = rules.procedure
    first = rules.step(proc.start)
    clean = validate_step_data(rules, first, data or {}, {}, defer_required=partial,
                               now=now) if data else {}
    case = Case(id=case_id, number=number, procedure_id=proc.id,
                procedure_version=proc.meta.version, ruleset_hash=ruleset_hash,
                property=property, created_at=now, updated_at=now, data=clean)
    out = Outcome(case)
    out.log(Event("started", now, user, None, {"procedure": proc.id,
                                               "version": proc.meta.version, "data": clean}))
    _enter(rules, out, proc.start, now, user, role=role)
    return out


def next_step(rules: Rules, case: Case, step: m.Step, now: datetime,
              user: str | None = None) -> m.Transition:
    """The transition taken out of `step`: the first whose condition holds, else the default."""
    return _pick(step, ck.condition_context(case, now, user=user))


def _pick(step: m.Step, ctx: Mapping[str, Any]) -> m.Transition:
    default = None
    for t in step.next:
        if t.when is None:
            if default is None:
                default = t
            continue
        if t.when.evaluate(ctx):
            return t
    if default is None:
        raise CaseBlocked(f"step {step.id}: no transition applies and there is no default; "
                          "check the data or the procedure", "no_transition", step=step.id)
    return default


def complete(rules: Rules, case: Case, *, data: Mapping[str, Any] | None, now: datetime,
             user: str | None = None, step: str | None = None,
             assign_to: str | None = None) -> Outcome:
    """Complete the current step with its section data and move on (or close the case);
    `assign_to` names the person the next step goes to (else its role as a whole)."""
    _require_open(case)
    if step is not None and step not in case.open_steps:
        raise CaseBlocked(f"case {case.number} is at step {case.step!r}, not {step!r}",
                          "moved_on", number=case.number, step=str(case.step))
    out = Outcome(case.copy())
    c = out.case
    assert c.step is not None
    st = rules.step(step or c.step)
    waiting = [w for w in st.waits_for if not c.has_event(w.event)]
    if waiting:
        raise CaseBlocked(f"step {st.id} of case {c.number} waits for "
                          + ", ".join(f"{w.title or w.event} ({w.by})" for w in waiting),
                          "waiting_for", step=st.id, events=",".join(w.event for w in waiting))
    missing = [f for f in st.requires if not c.has_record(f)]
    missing += [fu.form for fu in followups.blocking(rules, out, st.id)
                if fu.form and fu.form not in missing]
    if missing:
        raise CaseBlocked(f"step {st.id} of case {c.number} needs a record of "
                          f"{', '.join(missing)} first", "needs_record", step=st.id,
                          forms=",".join(missing))
    defer = False
    if st.next and not st.terminal and isinstance(data, Mapping):
        # Where the raw data leads: a next step filling the same section finishes it.
        ctx = ck.condition_context(c, now, user=user)
        ctx.update(data)
        try:
            ahead = rules.step(_pick(st, ctx).to)
            defer = ahead.section is not None and ahead.section == st.section
        except (EngineError, KeyError):
            defer = False
    clean = validate_step_data(rules, st, data or {}, c.data, defer_required=defer, now=now)
    c.data.update(clean)
    out.tasks.append(_leave(rules, out, now, "complete", user, c.open_visit(st.id)))
    out.log(Event("step-completed", now, user, st.id, {"data": clean}))
    followups.on_point(rules, out, st.id, "complete", now, user)
    if st.terminal or not (st.next or st.parallel):
        _cancel_others(rules, out, now, user, None, st.id)  # a case ends as a whole
        c.status, c.step, c.role, c.user, c.closed_at = "closed", None, None, None, now
        out.log(Event("closed", now, user, st.id, {}))
    elif st.parallel:
        ctx = ck.condition_context(c, now, user=user)
        branches = [b for b in st.parallel if b.when is None or b.when.evaluate(ctx)]
        out.log(Event("split", now, user, st.id, {"branches": [b.to for b in branches]}))
        for b in branches:
            _enter(rules, out, b.to, now, user, via=b.label)
    else:
        t = next_step(rules, c, st, now, user)
        target = rules.step(t.to)
        others = [s for s in c.open_steps if s != target.id]
        if target.join == "all" and others:
            out.log(Event("branch-waiting", now, user, st.id,
                          {"join": target.id, "waiting_for": others}))
        elif target.join is not None and c.open_visit(target.id) is not None:
            pass  # join: any — the join step is already open; nothing more to start
        else:
            if target.join == "any":
                _cancel_others(rules, out, now, user, None, target.id)
            _enter(rules, out, t.to, now, user, user=assign_to, via=t.label)
    _sync_current(c)
    c.updated_at = now
    return out


def record_event(rules: Rules, case: Case, *, event: str, now: datetime, role: str | None,
                 user: str | None = None, allowed: tuple[str, ...] = ()) -> Outcome:
    """Record an external event on a case (营销部交钥匙): a step's `waits-for` precondition.

    `role` is who records it; it must be the precondition's role, or act for its department
    (`allowed`: the roles that may, computed by the caller from the rules).
    """
    _require_open(case)
    known = {w.event: w for s in rules.procedure.steps for w in s.waits_for}
    if event not in known:
        raise EngineError(f"procedure {rules.procedure.id} waits for no event {event!r}")
    w = known[event]
    if allowed and role not in allowed:
        raise CaseBlocked(f"event {event!r} is recorded by {w.by}, not by {role or 'anyone'}",
                          "not_allowed", event=event)
    if case.has_event(event):
        raise CaseBlocked(f"event {event!r} is already recorded on case {case.number}",
                          "already", event=event)
    out = Outcome(case.copy())
    out.log(Event("external-event", now, user, None,
                  {"event": event, "title": w.title, "by": w.by, "role": role}))
    out.case.updated_at = max(out.case.updated_at, now)
    return out


def transfer(rules: Rules, case: Case, *, reason: str, now: datetime, to_role: str | None = None,
             to_user: str | None = None, user: str | None = None) -> Outcome:
    """转单: hand the current step to another role and/or person, with a reason."""
    _require_open(case)
    if not (reason or "").strip():
        raise CaseBlocked("a transfer needs a reason", "reason")
    if to_role is None and to_user is None:
        raise EngineError("a transfer needs a role or a person to hand the case to")
    out = Outcome(case.copy())
    c = out.case
    old_role, old_user = c.role, c.user
    index = c.open_visit(c.step)
    assert index is not None
    v = c.visits[index]
    c.role = v.role = to_role or c.role
    c.user = v.user = to_user
    out.tasks.append(step_task(rules, c, index))
    out.log(Event("transferred", now, user, c.step, {
        "from_role": old_role, "from_user": old_user, "to_role": c.role, "to_user": c.user,
        "reason": reason.strip()}))
    c.updated_at = now
    return out


def return_(rules: Rules, case: Case, *, reason: str, now: datetime,
            user: str | None = None) -> Outcome:
    """退回: send the case back to the previous step and whoever handled it, with a reason."""
    _require_open(case)
    if not (reason or "").strip():
        raise CaseBlocked("a return needs a reason", "reason")
    if len(case.open_steps) > 1 or _in_parallel(rules, case):
        raise CaseBlocked(f"case {case.number} runs parallel branches "
                          f"({', '.join(case.open_steps)}); a branch cannot be returned",
                          "parallel", number=case.number)
    prev = next((v for v in reversed(case.visits[:-1]) if v.step != case.step), None)
    if prev is None:
        raise CaseBlocked(f"case {case.number} is at its first step; nothing to return to",
                          "first_step", number=case.number)
    out = Outcome(case.copy())
    c = out.case
    from_step = c.step
    out.tasks.append(_leave(rules, out, now, "return", user))
    out.log(Event("returned", now, user, from_step, {"to": prev.step, "reason": reason.strip()}))
    _enter(rules, out, prev.step, now, user, role=prev.role, user=prev.user)
    c.updated_at = now
    return out


def _in_parallel(rules: Rules, case: Case) -> bool:
    """True between a split and the entry of a join step: the case runs branches."""
    joins = {s.id for s in rules.procedure.steps if s.join}
    for e in reversed(case.events):
        if e.type == "entered" and e.step in joins:
            return False
        if e.type == "split":
            return True
    return False


def comment(case: Case, *, text: str, now: datetime, user: str | None = None,
            links: Mapping[str, str] | None = None) -> Outcome:
    """Add a comment to the case log (allowed on closed cases too); `links` names other
    cases by id (e.g. `handed_off_to`), so code follows them without parsing the text."""
    if not (text or "").strip():
        raise CaseBlocked("a comment cannot be empty", "reason")
    out = Outcome(case.copy())
    out.log(Event("commented", now, user, out.case.step, {**(links or {}), "text": text.strip()}))
    out.case.updated_at = max(out.case.updated_at, now)
    return out


def handed_off_to(case: Case) -> list[str]:
    """Ids of the cases this one handed off to (`hands-off-to`), oldest first."""
    return [str(e.data["handed_off_to"]) for e in case.events
            if e.type == "commented" and e.data.get("handed_off_to")]


def attach_record(rules: Rules, case: Case, *, form: str, record_id: str, now: datetime,
                  user: str | None = None, data: Mapping[str, Any] | None = None) -> Outcome:
    """Link a record (e.g. the call-back record) to the case; follow-ups waiting for it end."""
    from runtime.engine.state import RecordRef

    if form not in rules.forms:
        raise EngineError(f"unknown form {form!r}")
    out = Outcome(case.copy())
    c = out.case
    known = next((r for r in c.records if r.record_id == record_id and r.form == form), None)
    if known is not None:  # a later step of the same form updated the record
        known.data = {**known.data, **(data or {})}
        out.log(Event("record-updated", now, user, c.step, {"form": form,
                                                            "record_id": record_id}))
        c.updated_at = max(c.updated_at, now)
        return out
    c.records.append(RecordRef(form, record_id, now, dict(data or {})))
    out.log(Event("record-added", now, user, c.step, {"form": form, "record_id": record_id}))
    followups.on_record(rules, out, form, now, user)
    c.updated_at = max(c.updated_at, now)
    return out
