"""The engine service the app calls: cases, tasks, clocks and schedules with persistence.

Thin on purpose: each operation loads the case, runs the pure functions (`cases`,
`escalation.tick`), and saves the case and its tasks in one repository transaction with the
revision it read (optimistic concurrency). Clocks are ticked before and after every case
operation, and by `tick()` for all open cases (the app calls it on page loads or a timer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from runtime.compiler import model as m
from runtime.engine import calendar as engcal
from runtime.engine import cases, escalation, followups, schedules
from runtime.engine.clocks import ClockState
from runtime.engine.clocks import evaluate as evaluate_clocks
from runtime.engine.repo import CaseRepository
from runtime.engine.rules import Rules, actors_of
from runtime.engine.state import Case, Event, Outcome, Task, local
from runtime.errors import ConflictError, EngineError, FormValidationError, HandbookError
from runtime.forms.defaults import FormContext
from runtime.forms.validation import check as check_form
from runtime.notify.notifier import Notifier
from runtime.store.pages import PAGE_SIZE, Page

HandbookFor = Callable[[str | None], m.Handbook]
ProcedureFor = Callable[[Case], m.Procedure]
Urgency = Literal["overdue", "due-soon", "due", "no-deadline", "done"]


def urgency(task: Task, now: datetime, soon: timedelta = timedelta(hours=4)) -> Urgency:
    """Where a task stands for the "my tasks" list: overdue, due soon, due later, or done."""
    if task.status != "open":
        return "done"
    if task.due_at is None:
        return "no-deadline"
    if task.due_at < now:
        return "overdue"
    return "due-soon" if task.due_at - now <= soon else "due"


@dataclass(frozen=True)
class TaskView:
    """A task with its urgency at the time of the listing."""

    task: Task
    urgency: Urgency


@dataclass(frozen=True)
class MigrationResult:
    """One open case's migration: its number, whether it moved, and why (not)."""

    number: str
    ok: bool
    message: str


@dataclass(frozen=True)
class ScheduleRun:
    """What `run_schedules` did: tasks created now and those that already existed."""

    created: int
    existing: int
    tasks: tuple[Task, ...]


class Engine:
    """Case, task, clock and schedule operations over a repository and the current rules."""

    def __init__(self, repo: CaseRepository, handbook_for: HandbookFor,
                 procedure_for: ProcedureFor | None = None, notify: bool = True) -> None:
        self.repo = repo
        self.handbook_for = handbook_for
        bind = getattr(repo, "bind_rules", None)
        if bind is not None:  # the store repository marks personal case fields for search
            bind(handbook_for)
        self.procedure_for: ProcedureFor = procedure_for or self.current_procedure
        # Who is told what (runtime/notify): outbox entries written in the same transaction
        # as the events that cause them.
        self.notifier: Notifier | None = Notifier(repo, handbook_for) if notify else None
        self.ticked = 0  # cases the last tick() looked at

    # ---------------------------------------------------------------- rules

    def current_procedure(self, case: Case) -> m.Procedure:
        """Default version resolver: the current rules, if the case's version is still there."""
        hb = self.handbook_for(case.property)
        proc = hb.procedures.get(case.procedure_id)
        if proc is None:
            raise EngineError(f"case {case.number}: procedure {case.procedure_id!r} is no longer "
                              "in the rules; its published version is needed to continue")
        if hb.content_hash != case.ruleset_hash and proc.meta.version != case.procedure_version:
            raise EngineError(
                f"case {case.number} runs on {case.procedure_id} v{case.procedure_version}; the "
                f"rules now hold v{proc.meta.version}. Provide the published version, or migrate "
                "the case: handbook cases migrate --procedure "
                f"{case.procedure_id} --to-current")
        return proc

    def rules_for(self, case: Case) -> Rules:
        """Procedure version of the case, current calendar and forms of its property."""
        hb = self.handbook_for(case.property)
        return Rules(self.procedure_for(case), engcal.for_handbook(hb), hb.forms,
                     engcal.role_calendars(hb), actors_of(hb))

    # ---------------------------------------------------------------- persistence

    def _save(self, out: Outcome, expected_rev: int | None, now: datetime,
              rules: Rules | None = None) -> Case:
        if rules is not None:
            out.case.next_check_at = escalation.next_check(rules, out.case, now)
        with self.repo.transaction():
            saved = self.repo.save_case(out.case, expected_rev)
            if out.tasks:
                self.repo.put_tasks(_last_per_key(out.tasks))
            if self.notifier is not None and out.events:
                self.notifier.case_events(saved, out.events, rules.procedure if rules else None,
                                          now)
        return saved

    def _apply(self, case_id: str, now: datetime, expected_rev: int | None,
               op: Callable[[Rules, Case], Outcome]) -> Case:
        now = local(now)
        case = self.repo.get_case(case_id)
        if expected_rev is not None and expected_rev != case.rev:
            raise ConflictError(f"case {case.number} was changed by someone else; reload it")
        rules = self.rules_for(case)
        before = escalation.tick(rules, case, now) if case.status == "open" else Outcome(case)
        done = op(rules, before.case)
        after = escalation.tick(rules, done.case, now) if done.case.status == "open" else done
        merged = Outcome(after.case, before.events + done.events + (
            after.events if after is not done else []),
            before.tasks + done.tasks + (after.tasks if after is not done else []))
        return self._save(merged, case.rev, now, rules)

    # ---------------------------------------------------------------- cases

    def start_case(self, procedure_id: str, property: str | None, data: Mapping[str, Any] | None,
                   now: datetime, user: str | None = None, role: str | None = None,
                   partial: bool = False) -> Case:
        """Open a case of a procedure in a property, in its start step, with intake data.

        `partial`: the data is a head start, not the whole intake (a hand-off carries what
        the two forms share); its fields must be valid, the required ones are asked for
        when the start step is completed.
        """
        now = local(now)
        _mapping(data)
        hb = self.handbook_for(property)
        if role is not None and role not in hb.roles:
            raise EngineError(f"unknown role {role!r}")
        proc = hb.procedures.get(procedure_id)
        if proc is None:
            raise EngineError(f"no procedure {procedure_id!r} in the rules of "
                              f"{property or 'the company'}")
        form = hb.forms.get(proc.form) if proc.form else None
        prefix = form.number_prefix if form is not None else procedure_id.upper()[:4]
        rules = Rules(proc, engcal.for_handbook(hb), hb.forms, engcal.role_calendars(hb),
                      actors_of(hb))
        if data:  # refuse bad intake before a case number is used up
            cases.validate_step_data(rules, proc.step(proc.start), data, {},
                                     defer_required=partial, now=now)
        case_id, number = self.repo.new_case_id(prefix, now.year)
        out = cases.start(rules, case_id=case_id, number=number, property=property,
                          ruleset_hash=hb.content_hash, data=data, now=now, user=user, role=role,
                          partial=partial)
        return self._save(out, None, now, rules)

    def get_case(self, case_id: str) -> Case:
        """One case (NotFound when absent)."""
        return self.repo.get_case(case_id)

    def complete_step(self, case_id: str, data: Mapping[str, Any] | None, now: datetime,
                      user: str | None = None, step: str | None = None,
                      expected_rev: int | None = None, assign_to: str | None = None) -> Case:
        """Complete the current step (`step` guards against completing the wrong one);
        `assign_to` gives the next step to a person rather than to its whole role.

        A step that fills a separate form (`form:` other than the case form) takes that
        form's data (its `section`, if the form has one): the first such step saves a record
        linked to the case, later steps on the same form update it; then the step completes.
        """
        _mapping(data)
        case = self.repo.get_case(case_id)
        if case.status == "open":
            proc = self.procedure_for(case)
            # With parallel branches `step` picks which open step is completed.
            chosen = step if step in case.open_steps else case.step
            current = proc.step(chosen) if chosen else None
            if current is not None and self._fills_own_form(case, proc, current) and (
                    step is None or step == current.id):
                if expected_rev is not None and expected_rev != case.rev:
                    raise ConflictError(f"case {case.number} was changed by someone else; "
                                        "reload it")
                if self._step_record(case, current, data or {}, local(now), user):
                    expected_rev = None  # the record bumped the revision just now
                data = None
        done_step = (step if step in case.open_steps else case.step) if (
            case.status == "open") else None
        result = self._apply(case_id, now, expected_rev, lambda r, c: cases.complete(
            r, c, data=data, now=local(now), user=user, step=step, assign_to=assign_to))
        if (done_step is not None and done_step not in result.open_steps) or (
                result.status != "open"):
            target = self.procedure_for(case).step(done_step).hands_off_to if done_step else None
            if target is not None:
                result = self._hand_off(result, target, local(now), user)
        return result

    def _hand_off(self, case: Case, procedure_id: str, now: datetime,
                  user: str | None) -> Case:
        """`hands-off-to`: the completed step starts a case of another procedure.

        The new case carries the fields its own form shares with this case, and each case's
        log names the other, so staff can follow the matter across procedures.
        """
        hb = self.handbook_for(case.property)
        target = hb.procedures.get(procedure_id)
        if target is None:  # checked at load time; a rule change since is not a crash
            return self.comment(case.id, f"无法转入 {procedure_id}: 规程不存在", now, user)
        form = hb.forms.get(target.form) if target.form else None
        fields = set(form.schema.get("properties", {})) if form is not None else set()
        carried = {k: v for k, v in case.data.items() if k in fields}
        try:
            new = self.start_case(procedure_id, case.property, carried, now, user=user,
                                  partial=True)
        except FormValidationError:
            new = self.start_case(procedure_id, case.property, None, now, user=user)
        self.comment(new.id, f"由 {case.number} 转入 (handed off from {case.number})", now, user,
                     links={"handed_off_from": case.id})
        return self.comment(case.id, f"转入《{target.title}》{new.number} "
                            f"(handed off to {new.number})", now, user,
                            links={"handed_off_to": new.id})

    def transfer(self, case_id: str, reason: str, now: datetime, to_role: str | None = None,
                 to_user: str | None = None, user: str | None = None,
                 expected_rev: int | None = None) -> Case:
        """转单: give the current step to another role/person, with a reason."""
        if to_role is not None:
            case = self.repo.get_case(case_id)
            if to_role not in self.handbook_for(case.property).roles:
                raise EngineError(f"unknown role {to_role!r}")
        return self._apply(case_id, now, expected_rev, lambda r, c: cases.transfer(
            r, c, reason=reason, now=local(now), to_role=to_role, to_user=to_user, user=user))

    def return_case(self, case_id: str, reason: str, now: datetime, user: str | None = None,
                    expected_rev: int | None = None) -> Case:
        """退回: send the case back to the previous step, with a reason."""
        return self._apply(case_id, now, expected_rev, lambda r, c: cases.return_(
            r, c, reason=reason, now=local(now), user=user))

    def record_event(self, case_id: str, event: str, now: datetime, role: str | None,
                     user: str | None = None) -> Case:
        """Record an external event (a `waits-for` precondition) on a case, as `role`, which
        must be the precondition's role or act for its department."""
        case = self.repo.get_case(case_id)
        hb = self.handbook_for(case.property)
        proc = self.procedure_for(case)
        by = next((w.by for s in proc.steps for w in s.waits_for if w.event == event), None)
        allowed: tuple[str, ...] = ()
        if by is not None:
            allowed = actors_of(hb).get(by, ()) or ((by,) if by in hb.roles else ())
        return self._apply(case_id, now, None, lambda r, c: cases.record_event(
            r, c, event=event, now=local(now), role=role, user=user, allowed=allowed))

    def comment(self, case_id: str, text: str, now: datetime, user: str | None = None,
                links: Mapping[str, str] | None = None) -> Case:
        """Add a comment to the case log (`links`: other cases it names, by id)."""
        return self._apply(case_id, now, None, lambda r, c: cases.comment(
            c, text=text, now=local(now), user=user, links=links))

    def add_record(self, case_id: str, form_id: str, data: Mapping[str, Any], now: datetime,
                   user: str | None = None) -> str:
        """Store a new record of `form_id` for the case (e.g. the call-back record); its id."""
        now = local(now)
        _mapping(data)
        case = self.repo.get_case(case_id)
        hb = self.handbook_for(case.property)
        form = hb.forms.get(form_id)
        if form is None:
            raise EngineError(f"no form {form_id!r}")
        # The forms room cleans and validates (FormValidationError), on the engine's clock.
        data = check_form(form, data, context=FormContext(now=now))
        rid = self.repo.add_record(form, data, case=case, ruleset_hash=hb.content_hash, at=now,
                                   by=user)
        self._apply(case_id, now, None, lambda r, c: cases.attach_record(
            r, c, form=form_id, record_id=rid, now=now, user=user, data=data))
        return rid

    def _fills_own_form(self, case: Case, proc: m.Procedure, step: m.Step) -> bool:
        """True when the step's data belong to its own `form:` rather than the case form:
        the step has one, and its section (if any) is not a section of the case form."""
        if not step.form or step.form == proc.form:
            return False
        case_form = self.handbook_for(case.property).forms.get(proc.form or "")
        return not (step.section and case_form is not None
                    and any(s.id == step.section for s in case_form.sections))

    def _step_record(self, case: Case, step: m.Step, data: Mapping[str, Any], now: datetime,
                     user: str | None) -> bool:
        """Save a step's data into the case's record of the step's own form (create/update).

        The step's section is validated even when no data is given (a required explanation
        must not be skipped by sending nothing); returns True when something was written.
        """
        assert step.form is not None
        hb = self.handbook_for(case.property)
        form = hb.forms.get(step.form)
        if form is None:
            raise EngineError(f"step {step.id}: no form {step.form!r}")
        props = form.schema.get("properties") or {}
        bad = {str(k): f"not a field of form {form.id}" for k in data if k not in props}
        if bad:
            raise FormValidationError(bad)
        section = next((s.fields for s in form.sections if s.id == step.section), ())
        ref = next((r for r in reversed(case.records) if r.form == form.id), None)
        merged = {**(ref.data if ref else {}), **data}
        # A section is checked on its own; a step without one fills the whole form.
        fields = set(section) | set(data) if section else set(props)
        cleaned = check_form(form, merged, fields=fields, context=FormContext(
            now=now, case=dict(ref.data) if ref else {}))
        if ref is None:
            rid = self.repo.add_record(form, cleaned, case=case, ruleset_hash=hb.content_hash,
                                       at=now, by=user)
        elif data:
            rid = ref.record_id
            self.repo.update_record(rid, {k: cleaned[k] for k in fields if k in cleaned},
                                    at=now, by=user)
        else:
            return False
        self._apply(case.id, now, None, lambda r, c: cases.attach_record(
            r, c, form=form.id, record_id=rid, now=now, user=user, data=cleaned))
        return True

    def clocks(self, case_id: str, now: datetime) -> list[ClockState]:
        """Every clock of a case at `now` (read-only)."""
        case = self.repo.get_case(case_id)
        rules = self.rules_for(case)
        return evaluate_clocks(rules.procedure, case, rules.calendar, local(now),
                               rules.role_calendars)

    def tick_case(self, case_id: str, now: datetime) -> list[Event]:
        """Fire due warnings, breaches and escalations of one case; returns the new events."""
        case = self.repo.get_case(case_id)
        return self._tick(case, local(now))

    def _tick(self, case: Case, now: datetime) -> list[Event]:
        if case.status != "open":
            return []
        rules = self.rules_for(case)
        out = escalation.tick(rules, case, now)
        if out.events or out.tasks or escalation.next_check(
                rules, out.case, now) != case.next_check_at:
            self._save(out, case.rev, now, rules)
        return out.events

    def tick(self, now: datetime, property: str | None = None,
             due_only: bool = False) -> list[Event]:
        """Fire due warnings, breaches and escalations of every open case; returns new events.

        `due_only`: only the cases whose `next_check_at` has come (the worker's index); a
        case not yet indexed (saved before the index existed) needs one full tick."""
        now = local(now)
        fired: list[Event] = []
        found = (self.repo.due_cases(now, property=property) if due_only
                 else self.repo.find_cases(property=property, status="open"))
        self.ticked = len(found)
        for case in found:
            try:
                fired.extend(self._tick(case, now))
            except ConflictError:
                continue  # someone saved it meanwhile: their save ticked it, or the next will
            except HandbookError:
                continue  # a case on a retired rule version must not stop the others
        return fired

    def migrate(self, procedure_id: str, now: datetime, *, property: str | None = None,
                mapping: Mapping[str, str] | None = None, user: str | None = None,
                dry_run: bool = False) -> list[MigrationResult]:
        """Re-pin every open case of a procedure to the current version where steps map."""
        from runtime.engine.migrate import check_mapping, migrate_case

        now = local(now)
        results = []
        for case in self.repo.find_cases(property=property, status="open",
                                         procedure_id=procedure_id):
            hb = self.handbook_for(case.property)
            proc = hb.procedures.get(procedure_id)
            if proc is None:
                results.append(MigrationResult(case.number, False, "procedure not in the rules"))
                continue
            if (case.procedure_version, case.ruleset_hash) == (proc.meta.version,
                                                                hb.content_hash):
                results.append(MigrationResult(case.number, True, "already current"))
                continue
            try:
                check_mapping(proc, mapping or {})
                rules = Rules(proc, engcal.for_handbook(hb), hb.forms,
                              engcal.role_calendars(hb), actors_of(hb))
                out = migrate_case(rules, case, ruleset_hash=hb.content_hash,
                                   mapping=mapping or {}, now=now, user=user)
            except EngineError as exc:
                results.append(MigrationResult(case.number, False, str(exc)))
                continue
            if not dry_run:
                self._save(out, case.rev, now, rules)
            results.append(MigrationResult(
                case.number, True, f"v{case.procedure_version} → v{proc.meta.version} "
                f"at step {out.case.step}" + (" (dry run)" if dry_run else "")))
        return results

    # ---------------------------------------------------------------- tasks

    def tasks(self, now: datetime, *, roles: Iterable[str] | None = None,
              user: str | None = None, property: str | None = None,
              status: str | None = "open", kind: str | None = None,
              soon: timedelta = timedelta(hours=4)) -> list[TaskView]:
        """"My tasks": tasks for any of `roles` (and/or assigned to `user`), most urgent first."""
        now = local(now)
        found = self.repo.find_tasks(property=property, roles=roles, user=user, status=status,
                                     kind=kind)
        views = [TaskView(t, urgency(t, now, soon)) for t in found]
        far = datetime.max
        views.sort(key=lambda v: (v.task.due_at or far, v.task.key))
        return views

    def task_page(self, now: datetime, *, roles: Iterable[str], user: str | None,
                  properties: Iterable[str | None], kind: str | None = None,
                  offset: int = 0, limit: int | None = PAGE_SIZE,
                  soon: timedelta = timedelta(hours=4)) -> tuple[list[TaskView], Page]:
        """我的待办, one page: open tasks of `roles` (unassigned or the user's) in `properties`,
        most urgent first, with the total and urgency counts of every match (the page)."""
        now = local(now)
        tasks, page = self.repo.open_tasks(roles=tuple(roles), user=user,
                                           properties=tuple(properties), now=now, soon=soon,
                                           kind=kind, offset=offset, limit=limit)
        return [TaskView(t, urgency(t, now, soon)) for t in tasks], page

    def complete_task(self, key: str, now: datetime, user: str | None = None,
                      note: str | None = None) -> Task:
        """Mark a schedule or escalation task done (step and call-back tasks end via the case)."""
        task = self.repo.get_task(key)
        if task.status != "open":
            raise EngineError(f"task {key} is already {task.status}")
        if task.kind == "step":
            raise EngineError(f"task {key} ends when its case step is completed")
        if task.kind == "follow-up" and task.case_id and task.source:
            source = task.source
            self._apply(task.case_id, now, None, lambda r, c: followups.finish(
                r, c, source, local(now), user))
            return self.repo.get_task(key)
        task.status, task.done_at, task.done_by = "done", local(now), user
        if note:
            task.note = f"{task.note}; {note}" if task.note else note
        self.repo.put_tasks([task])
        return task

    # ---------------------------------------------------------------- schedules

    def run_schedules(self, property: str | None, start: date, end: date,
                      now: datetime) -> ScheduleRun:
        """Create the schedule tasks of a property for [start, end]; running twice adds none."""
        hb = self.handbook_for(property)
        planned = schedules.plan(hb, engcal.for_handbook(hb), start, end, local(now))
        with self.repo.transaction():
            created = self.repo.put_tasks(planned, only_new=True)
        return ScheduleRun(created, len(planned) - created, tuple(planned))


def _mapping(data: object) -> None:
    """Form data must be a mapping of field: value (None means no data)."""
    if data is not None and not isinstance(data, Mapping):
        raise FormValidationError({"data": "form data must be a mapping of field: value"})


def _last_per_key(tasks: list[Task]) -> list[Task]:
    """The final state of each task key touched by one operation, in first-touch order."""
    last: dict[str, Task] = {}
    for t in tasks:
        last[t.key] = t
    return list(last.values())
