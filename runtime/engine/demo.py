"""`handbook demo-data`: years of a busy property, built through the real engine.

Every case is started and walked step by step with `Engine.start_case` / `complete_step`
(the same validation, clocks, tasks, records, history and notifications the app writes), on
the historical date it happened; standalone registers are saved with `create_record`, as the
records page does. Nothing is written around the engine, so what the pages and benchmarks
read at volume is what real use would have left behind.

The mix for one property and one year (documented in docs/DEMO_DATA.md; random but
reproducible from `--seed`):

- complaints (complaint-handling): ~2.0 a day; branches follow the handbook's own questions,
  e.g. 20% handled on the spot, 8% collective, validity valid/invalid/assisted ≈73/13/13,
  10% the customer service staff cannot solve, 90% of owners satisfied;
- help requests (help-request): ~2.2 a day;
- resident requests (customer-service-flow): ~1.0 a day;
- a duty handover (duty-handover) every day;
- standalone registers (forms the property has): temporary passes ~3 a day, construction
  defects ~1 a day, renovation permits ~2 a week, cleaning scores and the weekly info sheet
  weekly;
- 4% of cases sit on one step past its time limit, so clocks breach and escalate;
- the last three days' cases are left open at a random step: open work the same at any
  number of years, as at a real front desk.

Writes are grouped one day per store transaction (one journal line and one fsync a day):
generation stopped part-way leaves every day before the one it was on, complete, and nothing
of that day. Nearly all the time is the engine's own work per step (docs/DEMO_DATA.md).
"""

from __future__ import annotations

import functools
import random
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from runtime.auth import StoreUserTable, UserDirectory, demo_users
from runtime.compiler import model as m
from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES, load
from runtime.engine.cases import handed_off_to
from runtime.engine.service import Engine
from runtime.engine.store_repo import StoreRepository, personal_paths
from runtime.errors import CaseBlocked, FormValidationError, HandbookError
from runtime.forms.samples import sample_value, valid_sample
from runtime.forms.spec import FieldSpec, form_spec
from runtime.forms.state import allowed_options
from runtime.forms.validation import check as check_form
from runtime.store import Repository
from runtime.store.records import create_record

# Cases a day by procedure (a busy property: ~5.2 cases a day, ~1,900 a year).
CASES_PER_DAY: dict[str, float] = {
    "complaint-handling": 2.0,
    "help-request": 2.2,
    "customer-service-flow": 1.0,
    "duty-handover": 1.0,
}
# Standalone registers a day (forms filled on the records page, outside any case).
RECORDS_PER_DAY: dict[str, float] = {
    "temporary-pass": 3.0,
    "construction-defect-register": 1.0,
    "renovation-permit": 2 / 7,
    "cleaning-service-score": 1 / 7,
    "weekly-info-sheet": 1 / 7,
}
OPEN_DAYS = 3  # cases started this many days before the end stay open
LATE_SHARE = 0.04  # cases that wait past a step's limit (clocks breach, escalations follow)
MAX_STEPS = 40
MAX_TICKS = 8  # worker ticks of one case during one wait, at the moments it fell due

# How often a yes/no question of the handbook is answered "yes" (others: 10%).
YES_SHARE: dict[str, float] = {
    "owner_satisfied": 0.9,
    "handled_on_spot": 0.2,
    "collective": 0.08,
    "explained_on_site": 0.3,
    "serious": 0.03,
    "duty_handled": 0.25,
    "from_company_centre": 0.05,
    "cs_cannot_solve": 0.1,
    "office_cannot_solve": 0.2,
}
TOPICS = ("电梯故障停运", "楼上漏水", "夜间装修噪音", "地下车库占用车位", "垃圾清运不及时",
          "公共区域照明损坏", "门禁卡失效", "管道堵塞", "外墙渗水", "宠物扰民", "绿化修剪",
          "快递堆放", "热水供应不稳定", "物业费账单疑问", "保安服务态度")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军", "杰", "娟", "涛", "明", "超")


@dataclass
class DemoReport:
    """What `generate` wrote."""

    property: str
    start: date
    end: date
    cases: int = 0
    open_cases: int = 0
    records: int = 0
    steps: int = 0
    late: int = 0
    handed_off: int = 0  # cases a procedure handed on to another (e.g. to household service)
    by_procedure: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {"property": self.property, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "cases": self.cases, "open_cases": self.open_cases,
                "records": self.records, "steps": self.steps, "late": self.late,
                "handed_off": self.handed_off,
                "by_procedure": dict(sorted(self.by_procedure.items()))}


Progress = Callable[[int, int, str], None]


def progress_bar(out: TextIO = sys.stderr, width: int = 30) -> Progress:
    """A one-line progress bar on a terminal; a line per tenth elsewhere (logs, CI)."""
    tty = out.isatty()
    shown = [-1]

    def show(done: int, total: int, label: str) -> None:
        share = done / total if total else 1.0
        if tty:
            fill = int(share * width)
            out.write(f"\r[{'#' * fill}{' ' * (width - fill)}] {share:4.0%} {label}   ")
            if done >= total:
                out.write("\n")
        elif int(share * 10) > shown[0]:
            shown[0] = int(share * 10)
            out.write(f"{share:4.0%} {label}\n")
        out.flush()

    return show


def _count(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count with the given mean (Knuth; means here are small)."""
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class _Filler:
    """Plausible, valid values for a form's fields: varied where it matters, else samples."""

    def __init__(self, form: m.Form, rng: random.Random) -> None:
        self.form = form
        self.rng = rng
        self.spec = form_spec(form)
        self.sample = valid_sample(form)

    def value(self, fs: FieldSpec, at: datetime, names: Mapping[str, Any]) -> Any:
        rng, kind = self.rng, fs.value_kind
        if kind == "yesno":
            return rng.random() < YES_SHARE.get(fs.name, 0.1)
        if kind == "choice":
            opts = allowed_options(fs, names)
            if opts:
                # The first option is the usual case in the seeds' own order.
                return opts[0].value if rng.random() < 0.6 else rng.choice(opts).value
        if kind == "datetime":
            later = fs.name.endswith("_due") or "not-before" in fs.hints
            when = at + timedelta(hours=rng.randint(4, 24)) if later else at
            return when.replace(second=0, microsecond=0).isoformat()
        if kind == "date":
            return at.date().isoformat()
        if kind == "phone":
            return f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        if kind == "unit":
            floor, door = rng.randint(2, 28), rng.randint(1, 4)
            return f"{rng.randint(1, 12)}-{rng.randint(1, 4)}-{floor}0{door}"
        if kind == "text" and fs.name in ("content", "summary", "description", "matter"):
            return rng.choice(TOPICS)
        if kind == "text" and re.search(r"(人|者|员)$", fs.title or ""):
            return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN))
        if fs.name in self.sample:
            return self.sample[fs.name]
        return sample_value(fs, names)

    def fields(self, names: tuple[str, ...] | None, at: datetime,
               known: Mapping[str, Any]) -> dict[str, Any]:
        """Values for `names` (None: the whole form), given what the case already holds."""
        out: dict[str, Any] = {}
        for fs in self.spec.fields:
            if (names is not None and fs.name not in names) or fs.kind == "computed":
                continue
            if names is None and fs.name in known:
                continue  # a step answers its own questions anew (a loop asks them again)
            value = self.value(fs, at, {**known, **out})
            if value is not None:
                out[fs.name] = value
        return out

    def repair(self, data: dict[str, Any], errors: Mapping[str, str],
               names: Mapping[str, Any]) -> dict[str, Any]:
        """The sample's (valid) value for each field the validator refused."""
        fixed = dict(data)
        for path in errors:
            top = _top_field(path)
            fs = self.spec.by_path.get(top)
            if fs is None:
                fixed.pop(top, None)
                continue
            value = self.sample.get(top, sample_value(fs, names))
            if value is None or fixed.get(top) == value:
                fixed.pop(top, None)
            else:
                fixed[top] = value
        return fixed


class DemoBuilder:
    """Walks cases and fills registers for one property on one engine."""

    def __init__(self, store: Repository, property_id: str, *, seed: int = 7,
                 rules: Path | None = None, forms: Path | None = None) -> None:
        self.store = store
        self.property = property_id
        self.seed = seed
        self.rng = random.Random(seed)
        cache: dict[str | None, m.Handbook] = {}

        def hb_for(pid: str | None) -> m.Handbook:
            if pid not in cache:
                cache[pid] = load(rules or DEFAULT_RULES, forms or DEFAULT_FORMS, property=pid)
            return cache[pid]

        self.handbook_for = hb_for
        known = self.handbook_for(None).properties
        if property_id not in known:
            raise HandbookError(f"unknown property {property_id!r}; the rules have "
                                f"{', '.join(sorted(known))}")
        self.hb = self.handbook_for(property_id)
        # Notifications of historical events would flood the outbox with years of mail.
        self.engine = Engine(StoreRepository(store), self.handbook_for, notify=False)
        self.users = self._users()
        self.fillers: dict[str, _Filler] = {}

    def _users(self) -> dict[str, list[str]]:
        """Demo accounts of the property by role (created if missing), for 'who did it'."""
        company = self.handbook_for(None)
        UserDirectory(StoreUserTable(self.store)).ensure_demo_users(company)
        by_role: dict[str, list[str]] = {}
        for spec in demo_users(company):
            if spec.user.property in (self.property, None):
                for role in spec.user.roles:
                    by_role.setdefault(role, []).append(spec.user.username)
        return by_role

    def _filler(self, form: m.Form) -> _Filler:
        if form.id not in self.fillers:
            self.fillers[form.id] = _Filler(form, self.rng)
        return self.fillers[form.id]

    def _who(self, roles: tuple[str, ...] | list[str]) -> str | None:
        for role in roles:
            if self.users.get(role):
                return self.rng.choice(self.users[role])
        return None

    # ------------------------------------------------------------------ cases
    def case(self, procedure_id: str, at: datetime, *, leave_open: bool, late: bool,
             report: DemoReport) -> None:
        """Start one case at `at` and walk it (to its end, or a random step if `leave_open`)."""
        proc = self.hb.procedures[procedure_id]
        form = self.hb.forms[proc.form] if proc.form else None
        filler = self._filler(form) if form is not None else None
        start = proc.step(proc.start)
        data = self._step_data(proc, start, at, {}, filler)
        case = self._attempt(lambda d: self.engine.start_case(
            procedure_id, self.property, d, at, user=self._who(start.roles)), data, filler, {})
        report.cases += 1
        report.by_procedure[procedure_id] = report.by_procedure.get(procedure_id, 0) + 1
        self._walk(case, at, leave_open=leave_open, late=late, report=report)

    def _walk(self, case: Any, at: datetime, *, leave_open: bool, late: bool,
              report: DemoReport, depth: int = 0) -> None:
        """Complete the case's steps from `at` on; then work any case it handed off to."""
        proc = self.hb.procedures[case.procedure_id]
        form = self.hb.forms[proc.form] if proc.form else None
        filler = self._filler(form) if form is not None else None
        stop_after = self.rng.randint(0, 6) if leave_open else MAX_STEPS
        late_step = self.rng.randint(0, 4) if late else -1
        now = at
        for n in range(MAX_STEPS):
            if case.status != "open" or n >= stop_after or not case.step:
                break
            step = proc.step(case.step)
            wait = timedelta(minutes=self.rng.randint(5, 240))
            visit = case.current_visit
            if visit is not None and visit.due_at is not None and visit.due_at > now:
                # Staff mostly finish a step within its time limit, as the handbook asks.
                span = (visit.due_at - now) * self.rng.uniform(0.1, 0.8)
                wait = max(timedelta(minutes=1), min(wait, span))
            if n == late_step:
                wait = timedelta(days=self.rng.randint(2, 4))
                report.late += 1
            now = now + wait
            if n == late_step:
                # Days pass: the worker fires the breaches and escalations at their moments.
                # Over a short wait the step's own completion ticks the case first (the
                # engine ticks before every operation), which fires the same events.
                case = self._worker_ticks(case, now)
            data = self._step_data(proc, step, now, case.data, filler)
            cid, sid, who = case.id, step.id, self._who(step.roles)

            def finish(d: dict[str, Any], cid: str = cid, sid: str = sid, who: str | None = who,
                       now: datetime = now) -> Any:
                return self.engine.complete_step(cid, d, now, user=who, step=sid)

            known = case.data
            case = self._unblocked(case.id, step, now, report,
                                   functools.partial(self._attempt, finish, data, filler, known))
            report.steps += 1
        if case.status == "open":
            report.open_cases += 1
        for other in handed_off_to(case) if depth < 3 else ():
            self._walk(self.engine.get_case(other), now, leave_open=leave_open, late=False,
                       report=report, depth=depth + 1)

    def _worker_ticks(self, case: Any, now: datetime) -> Any:
        """Tick the case at each moment it fell due before `now`, as the worker does.

        The worker decodes only cases whose `next_check_at` has come, so warnings, breaches
        and escalations are logged at their own time; a case with nothing due is left alone
        (the step's own completion ticks it again at `now`). A clock that re-checks hourly
        would be ticked every hour of a long wait: after MAX_TICKS the rest is one tick at
        `now`, which fires the same events (a tick fires everything due by its time).
        """
        for n in range(MAX_TICKS + 1):
            due = case.next_check_at
            if case.status != "open" or due is None or due > now:
                break
            self.engine.tick_case(case.id, due if n < MAX_TICKS else now)
            fresh = self.engine.get_case(case.id)
            if fresh.next_check_at == due:
                return fresh  # nothing more will fire before a later operation
            case = fresh
        return case

    def _unblocked(self, case_id: str, step: m.Step, now: datetime, report: DemoReport,
                   complete: Callable[[], Any]) -> Any:
        """Complete a step, first doing what it waits for: a record to fill, an event."""
        for _ in range(4):
            try:
                return complete()
            except CaseBlocked as exc:
                if exc.key == "needs_record":
                    for form_id in exc.params.get("forms", "").split(","):
                        form = self.hb.forms[form_id]
                        data = self._filler(form).fields(None, now, {})
                        who = self._who(step.roles)

                        def add(d: dict[str, Any], f: str = form_id, who: str | None = who) -> Any:
                            return self.engine.add_record(case_id, f, d, now, user=who)

                        self._attempt(add, data, self._filler(form), {})
                        report.records += 1
                elif exc.key == "waiting_for":
                    proc = self.hb.procedures[self.engine.get_case(case_id).procedure_id]
                    by = {w.event: w.by for s in proc.steps for w in s.waits_for}
                    for event in exc.params.get("events", "").split(","):
                        role = by.get(event)
                        self.engine.record_event(case_id, event, now, role,
                                                 user=self._who((role,) if role else ()))
                else:
                    raise
        return complete()

    def _step_data(self, proc: m.Procedure, step: m.Step, at: datetime,
                   known: Mapping[str, Any], filler: _Filler | None) -> dict[str, Any]:
        if filler is None:
            return {}
        if step.form and proc.form and step.form != proc.form:
            # A step that fills a separate form (e.g. a callback record): its own fields.
            return self._filler(self.hb.forms[step.form]).fields(None, at, {})
        fields = _section(filler.form, step.section)
        if fields is not None:
            # What the step's branches read, as staff answer it there (e.g. "handled on the
            # spot" at intake), when the case does not hold it yet.
            props = filler.form.schema.get("properties") or {}
            asked = {n for t in step.next if t.when is not None for n in t.when.names
                     if n in props and n not in known and n not in fields}
            fields = (*fields, *sorted(asked))
        return filler.fields(fields, at, known)

    def _attempt(self, call: Callable[[dict[str, Any]], Any], data: dict[str, Any],
                 filler: _Filler | None, known: Mapping[str, Any]) -> Any:
        """Call the engine; on refused fields use the sample's values (a few rounds)."""
        for _ in range(4):
            try:
                return call(data)
            except FormValidationError as exc:
                if filler is None:
                    raise
                errors = exc.errors
                fixed = filler.repair(data, errors, {**known, **data})
                for path in errors:  # required fields the section asked for
                    top = _top_field(path)
                    fs = filler.spec.by_path.get(top)
                    if top not in fixed and fs is not None and top not in known:
                        value = sample_value(fs, {**known, **fixed})
                        if value is not None:
                            fixed[top] = value
                if fixed == data:
                    raise
                data = fixed
        return call(data)

    # ------------------------------------------------------------------ registers
    def register(self, form_id: str, at: datetime, report: DemoReport) -> None:
        """One standalone register entry (as the records page saves it)."""
        form = self.hb.forms.get(form_id)
        if form is None:
            return
        filler = self._filler(form)
        data = filler.fields(None, at, {})
        try:
            data = check_form(form, data)
        except FormValidationError:
            data = check_form(form, filler.sample)
        create_record(
            self.store, form_id=form.id, form_version=form.meta.version,
            ruleset_hash=self.hb.content_hash, property=self.property,
            created_by=self._who(tuple(self.users)) or "demo", data=data,
            number_prefix=form.number_prefix, at=at, personal=personal_paths(form))
        report.records += 1

    # ------------------------------------------------------------------ days
    def day(self, day: date, end: date, report: DemoReport) -> None:
        """Everything that happened at the property on `day` (one store transaction)."""
        rng = self.rng
        # Each day draws from its own seed: a day's work is the same whatever day the
        # history started on (only case and record numbers differ), so the last days, the
        # open work, are the same at any number of years.
        rng.seed(f"{self.seed}:{day.isoformat()}")
        events: list[tuple[datetime, str, str]] = []
        for pid, mean in CASES_PER_DAY.items():
            if pid not in self.hb.procedures:
                continue
            n = 1 if pid == "duty-handover" else _count(rng, mean)
            events += [(_moment(rng, day, pid), "case", pid) for _ in range(n)]
        for fid, mean in RECORDS_PER_DAY.items():
            events += [(_moment(rng, day, fid), "record", fid) for _ in range(_count(rng, mean))]
        leave_open = (end - day).days < OPEN_DAYS
        with self.store.transaction():
            for at, what, which in sorted(events):
                if what == "case":
                    self.case(which, at, leave_open=leave_open, late=rng.random() < LATE_SHARE,
                              report=report)
                else:
                    self.register(which, at, report)


def _top_field(path: str) -> str:
    """The top-level field of an error path (`workers[1].name` → `workers`)."""
    return path.split(".")[0].split("[")[0]


def _section(form: m.Form, section: str | None) -> tuple[str, ...] | None:
    if section is None:
        return None
    for sec in form.sections:
        if sec.id == section:
            return tuple(sec.fields)
    return None


def _moment(rng: random.Random, day: date, kind: str) -> datetime:
    """A time of day: handovers at 08:00, other work mostly in office hours."""
    if kind == "duty-handover":
        return datetime.combine(day, time(8, 0))
    minutes = int(rng.triangular(7 * 60, 22 * 60, 10 * 60))
    return datetime.combine(day, time(minutes // 60, minutes % 60))


def generate(store: Repository, property_id: str, *, years: float, end: date | None = None,
             seed: int = 7, rules: Path | None = None, forms: Path | None = None,
             progress: Progress | None = None) -> DemoReport:
    """Build `years` of history ending on `end` (yesterday by default) for one property."""
    if years <= 0:
        raise HandbookError("--years must be more than 0")
    builder = DemoBuilder(store, property_id, seed=seed, rules=rules, forms=forms)
    last = end or (date.today() - timedelta(days=1))
    first = last - timedelta(days=max(1, round(years * 365.25)) - 1)
    report = DemoReport(property_id, first, last)
    before = store.count("cases")
    total = (last - first).days + 1
    for i in range(total):
        day = first + timedelta(days=i)
        builder.day(day, last, report)
        if progress is not None and (i % 7 == 6 or i == total - 1):
            progress(i + 1, total, f"{day:%Y-%m} {report.cases} cases {report.records} records")
    report.handed_off = store.count("cases") - before - report.cases
    return report
