"""Scenario dry runs: a scripted timeline run against the rules, with expectations.

`run(path)` reads a scenario YAML file (format: docs/SCENARIOS.md), plays it on an in-memory
repository, and returns the printed timeline and the failed expectations. Nothing is
persisted: administrators use it to try a procedure change before publishing it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from runtime.compiler import model as m
from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES, load
from runtime.engine.clocks import ClockState
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine
from runtime.engine.state import Case, Event, Task, parse_dt
from runtime.engine.timeline import describe, fmt_dt
from runtime.errors import EngineError, HandbookError
from runtime.i18n import t as tr
from runtime.workcal import CalendarWarning

ACTIONS = ("start", "complete", "record", "transfer", "return", "comment", "advance",
           "schedule", "complete-task", "event", "roster", "check")
ENTRY_KEYS = {*ACTIONS, "at", "case", "as", "data", "expect", "fails", "note", "property",
              "assign"}
TOP_KEYS = {"name", "description", "property", "rules", "forms", "timeline", "expect",
            "lang", "source", "people"}
PERSON_KEYS = {"user", "roles", "property", "email", "lang"}
EXPECT_KEYS = {"case", "step", "status", "role", "user", "path", "data", "clock", "breached",
               "not-breached", "escalation", "no-escalation", "follow-up", "tasks", "events",
               "note", "open-steps", "roster", "notifications"}
NOTIFY_KEYS = {"kind", "role", "recipient", "channel", "case", "count", "after"}


class ScenarioError(EngineError):
    """The scenario file itself is malformed (not a failed expectation)."""


@dataclass
class ScenarioResult:
    """The printed timeline, the expectation failures and how many checks ran."""

    name: str
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    checks: int = 0

    @property
    def ok(self) -> bool:
        """True when every expectation held."""
        return not self.failures


def _as_list(v: Any) -> list[Any]:
    return list(v) if isinstance(v, list | tuple) else [v]


def _same_moment(actual: datetime | None, wanted: Any) -> bool:
    """A bare date compares the date part only; otherwise the minute must match."""
    if actual is None:
        return wanted is None
    if isinstance(wanted, date) and not isinstance(wanted, datetime):
        return actual.date() == wanted
    text = str(wanted).strip()
    if len(text) == 10:
        return actual.date().isoformat() == text
    return fmt_dt(actual) == fmt_dt(parse_dt(wanted))


class _Runner:
    def __init__(self, doc: Mapping[str, Any], base: Path, property: str | None,
                 rules_dir: Path | None, forms_dir: Path | None, strict: bool,
                 lang: str) -> None:
        self.doc = doc
        self.lang = lang
        self.property = property or doc.get("property")
        rules = rules_dir or (base / doc["rules"] if doc.get("rules") else DEFAULT_RULES)
        forms = forms_dir or (base / doc["forms"] if doc.get("forms") else DEFAULT_FORMS)
        self._views: dict[str | None, m.Handbook] = {}

        def handbook_for(pid: str | None) -> m.Handbook:
            if pid not in self._views:
                self._views[pid] = load(rules, forms, property=pid, strict=strict)
            return self._views[pid]

        self.handbook_for: Callable[[str | None], m.Handbook] = handbook_for
        self.repo = MemoryRepository()
        self.engine = Engine(self.repo, handbook_for)
        if self.engine.notifier is not None:
            # A dry run plans every channel the rules name, configured here or not, as a
            # worker ticking every minute would: at the moment each event happened.
            self.engine.notifier.env = None
            self.engine.notifier.at_event_time = True
        self._told: set[str] = set()  # outbox keys already printed
        self._people(doc.get("people") or [])
        self.aliases: dict[str, str] = {}
        self.failed: set[str] = set()  # aliases whose start was refused
        self.last: str | None = None
        self.now: datetime | None = None
        self.result = ScenarioResult(str(doc.get("name") or "scenario"))
        self.roster: Any = None  # the last `roster:` printed, for `roster` expectations
        self._seen: dict[str, int] = {}

    def _people(self, people: Any) -> None:
        """`people:` — who holds which roles, so notifications name persons and e-mail."""
        from runtime.notify.plan import Person

        if not isinstance(people, list):
            raise ScenarioError("`people` is a list of {user, roles, property, email, lang}")
        for i, p in enumerate(people, 1):
            if not isinstance(p, Mapping) or "user" not in p or set(p) - PERSON_KEYS:
                raise ScenarioError(f"people entry {i}: give {{user, roles, property, email, "
                                    "lang}} (user required)")
            roles = tuple(str(r) for r in _as_list(p.get("roles") or []))
            lang = str(p.get("lang") or "zh")
            self.repo.add_user(Person(str(p["user"]), p.get("email") or None,
                                      lang if lang in ("zh", "en") else "zh", roles),
                               p.get("property"), roles)

    # -------------------------------------------------------------- output

    def out(self, at: datetime | None, text: str) -> None:
        stamp = fmt_dt(at) if at is not None else " " * 16
        self.result.lines.append(f"{stamp}  {text}")

    def _flush(self, alias: str) -> None:
        """Print the case events not printed yet, in time order."""
        case = self.repo.cases.get(self.aliases[alias])
        if case is None:
            return
        start = self._seen.get(alias, 0)
        new = case.events[start:]
        self._seen[alias] = len(case.events)
        proc = self._procedure(case)
        for e in sorted(new, key=lambda e: e.at):
            self.out(e.at, f"[{alias} {case.number}] {describe(e, proc, self.lang)}")
        self._notifications()

    def _notifications(self) -> None:
        """Print the notifications written since the last call: one line per message, its
        recipients and channels, and when external ones wait (quiet hours, digest)."""
        fresh = [e for k, e in self.repo.notifications.items() if k not in self._told]
        self._told.update(e["key"] for e in fresh)
        messages: dict[str, list[dict[str, Any]]] = {}
        for e in fresh:
            messages.setdefault(str(e.get("message_key")), []).append(e)
        for entries in sorted(messages.values(), key=lambda es: str(es[0].get("event_at"))):
            first = entries[0]
            title = first.get("title_en") if self.lang == "en" else first.get("title")
            to = []
            for e in entries:
                where = str(e["channel"])
                if e["channel"] != "inbox" and e.get("deliver_after") != e.get("created_at"):
                    where += " " + tr("notify.scenario.after", self.lang,
                                     when=fmt_dt(parse_dt(e["deliver_after"])))
                to.append(f"{e['recipient']} ({where})")
            kind = tr(f"notify.kind.{first.get('kind')}", self.lang)
            at = parse_dt(first["event_at"]) if first.get("event_at") else self.now
            self.out(at, f"{tr('notify.scenario.notify', self.lang)} [{kind}] "
                     f"{first.get('number') or ''} {title} → {'; '.join(to)}")

    def _procedure(self, case: Case) -> m.Procedure | None:
        try:
            return self.engine.procedure_for(case)
        except HandbookError:
            return None

    # -------------------------------------------------------------- helpers

    def fail(self, text: str) -> None:
        self.result.failures.append(text)
        self.out(None, f"✗ {text}")

    def case_id(self, entry: Mapping[str, Any], where: str) -> tuple[str, str]:
        alias = str(entry.get("case") or self.last or "")
        if alias in self.failed:
            raise EngineError(f"case {alias!r} does not exist: its start was refused")
        if alias not in self.aliases:
            raise ScenarioError(f"{where}: no case {alias!r} started yet")
        return alias, self.aliases[alias]

    def tick(self, now: datetime) -> None:
        for alias, cid in self.aliases.items():
            self.engine.tick_case(cid, now)
            self._flush(alias)

    # -------------------------------------------------------------- actions

    def run(self) -> ScenarioResult:
        timeline = self.doc.get("timeline") or []
        if not isinstance(timeline, list):
            raise ScenarioError("`timeline` must be a list of entries")
        if self.doc.get("name"):
            self.out(None, f"# {self.doc['name']}"
                     + (f"  ({self.property})" if self.property else ""))
        for i, entry in enumerate(timeline, 1):
            if not isinstance(entry, Mapping):
                raise ScenarioError(f"timeline entry {i} must be a mapping")
            self.entry(i, entry)
        for exp in _as_list(self.doc.get("expect") or []):
            self.expect(exp, "expect")
        return self.result

    def entry(self, i: int, entry: Mapping[str, Any]) -> None:
        where = f"timeline entry {i}"
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        actions = [a for a in ACTIONS if a in entry]
        if len(actions) > 1:
            raise ScenarioError(f"{where}: one action per entry, got {', '.join(actions)}")
        action = actions[0] if actions else "check"
        at = entry.get("at")
        if action == "advance" and entry["advance"] not in (True, None):
            at = entry["advance"]
        if at is not None:
            t = parse_dt(at)
            if self.now is not None and t < self.now:
                raise ScenarioError(f"{where}: time goes backwards ({fmt_dt(t)} < "
                                    f"{fmt_dt(self.now)})")
            self.now = t
        if self.now is None:
            raise ScenarioError(f"{where}: give `at:` (the first entry needs a time)")
        now = self.now
        self.tick(now)
        fails = entry.get("fails")
        try:
            self.act(action, entry, now, where)
        except ScenarioError:
            raise
        except HandbookError as exc:
            if fails is None:
                self.fail(f"{where} ({action}): {exc}")
            elif fails is not True and str(fails) not in str(exc):
                self.fail(f"{where} ({action}): failed with {exc!r}, expected {fails!r}")
            else:
                self.result.checks += 1
                self.out(now, f"✓ refused as expected: {exc}")
        except Exception as exc:  # a bug below must show as a failed entry, not a traceback
            self.fail(f"{where} ({action}): internal error {type(exc).__name__}: {exc}")
        else:
            if fails is not None:
                self.fail(f"{where} ({action}): expected it to fail ({fails}) but it succeeded")
        for exp in _as_list(entry.get("expect") or []):
            self.expect(exp, where)

    def _who(self, entry: Mapping[str, Any]) -> tuple[str | None, str | None]:
        who = entry.get("as")
        if who is None:
            return None, None
        if isinstance(who, Mapping):
            return who.get("user"), who.get("role")
        return str(who), None

    def act(self, action: str, entry: Mapping[str, Any], now: datetime, where: str) -> None:
        user, role = self._who(entry)
        data = entry.get("data") or {}
        if action == "start":
            alias = str(entry.get("case") or f"case{len(self.aliases) + 1}")
            prop = entry.get("property", self.property)
            self.failed.add(alias)
            self.last = alias
            case = self.engine.start_case(str(entry["start"]), prop, data, now, user=user,
                                          role=role)
            self.failed.discard(alias)
            self.aliases[alias], self.last = case.id, alias
            self._flush(alias)
        elif action == "complete":
            alias, cid = self.case_id(entry, where)
            step = entry["complete"] if isinstance(entry["complete"], str) else None
            self.last = alias
            try:
                self.engine.complete_step(cid, data, now, user=user, step=step,
                                          assign_to=entry.get("assign"))
            finally:
                self._flush(alias)
        elif action == "record":
            alias, cid = self.case_id(entry, where)
            self.engine.add_record(cid, str(entry["record"]), data, now, user=user)
            self._flush(alias)
        elif action == "transfer":
            alias, cid = self.case_id(entry, where)
            spec = entry["transfer"] if isinstance(entry["transfer"], Mapping) else {}
            self.engine.transfer(cid, str(spec.get("reason") or ""), now,
                                 to_role=spec.get("role"), to_user=spec.get("user"), user=user)
            self._flush(alias)
        elif action == "return":
            alias, cid = self.case_id(entry, where)
            spec = entry["return"]
            reason = spec.get("reason") if isinstance(spec, Mapping) else spec
            self.engine.return_case(cid, str(reason or ""), now, user=user)
            self._flush(alias)
        elif action == "comment":
            alias, cid = self.case_id(entry, where)
            self.engine.comment(cid, str(entry["comment"]), now, user=user)
            self._flush(alias)
        elif action == "schedule":
            spec = entry["schedule"]
            if not isinstance(spec, Mapping) or "from" not in spec or "to" not in spec:
                raise ScenarioError(f"{where}: schedule needs {{from: DATE, to: DATE}}")
            start, end = parse_dt(spec["from"]).date(), parse_dt(spec["to"]).date()
            prop = spec.get("property", self.property)
            run = self.engine.run_schedules(prop, start, end, now)
            self.out(now, f"schedule {start}..{end} ({prop or 'company'}): {run.created} "
                     f"task(s) created, {run.existing} already there")
        elif action == "event":
            alias, cid = self.case_id(entry, where)
            self.engine.record_event(cid, str(entry["event"]), now, role=role, user=user)
            self._flush(alias)
        elif action == "roster":
            self.act_roster(entry["roster"], where)
        elif action == "complete-task":
            spec = entry["complete-task"]
            if not isinstance(spec, Mapping):
                raise ScenarioError(f"{where}: complete-task needs a task filter mapping")
            tasks = self._tasks({**spec, "status": "open"})
            if not tasks:
                raise EngineError(f"no open task matches {dict(spec)}")
            done = self.engine.complete_task(tasks[0].key, now, user=user)
            self.out(now, f"task done: {done.title}")

    def act_roster(self, spec: Any, where: str) -> None:
        from runtime.engine import calendar as engcal
        from runtime.engine import roster as rs

        if not isinstance(spec, Mapping) or "month" not in spec:
            raise ScenarioError(f"{where}: roster needs {{month: 2026-12}} (property, role "
                                "optional)")
        prop = spec.get("property", self.property)
        hb = self.handbook_for(prop)
        year, month = rs.parse_month(str(spec["month"]))
        roles = tuple(_as_list(spec["role"])) if spec.get("role") else ()
        self.roster = rs.month_roster(hb, engcal.for_handbook(hb), year, month, roles)
        for line in rs.to_text(self.roster).splitlines():
            self.out(None, line)

    def _check_roster(self, spec: Any, fails: list[str]) -> None:
        if self.roster is None:
            fails.append("roster: no roster printed yet (add a `roster:` entry)")
            return
        if not isinstance(spec, Mapping):
            raise ScenarioError("`roster` expectation takes {row, days: {N: text}, "
                                "working-days, rows}")
        if "rows" in spec and len(self.roster.rows) != int(spec["rows"]):
            fails.append(f"roster has {len(self.roster.rows)} row(s), expected {spec['rows']}")
        if "row" not in spec:
            return
        row = next((r for r in self.roster.rows if r.label == spec["row"]), None)
        if row is None:
            fails.append(f"roster has no row {spec['row']!r} "
                         f"({', '.join(r.label for r in self.roster.rows)})")
            return
        for day, text in (spec.get("days") or {}).items():
            got = row.cells[int(day) - 1] if 0 < int(day) <= len(row.cells) else None
            if got != str(text):
                fails.append(f"roster {row.label} day {day} is {got!r}, expected {text!r}")
        if "working-days" in spec and row.working_days != int(spec["working-days"]):
            fails.append(f"roster {row.label} works {row.working_days} day(s), expected "
                         f"{spec['working-days']}")

    # -------------------------------------------------------------- expectations

    def _tasks(self, spec: Mapping[str, Any]) -> list[Task]:
        case_id = None
        if spec.get("case") is not None:
            case_id = self.aliases.get(str(spec["case"]), f"<unknown {spec['case']}>")
        out = []
        for t in self.repo.tasks.values():
            if case_id is not None and t.case_id != case_id:
                continue
            if spec.get("kind") is not None and t.kind != spec["kind"]:
                continue
            if spec.get("role") is not None and spec["role"] not in t.roles:
                continue
            if spec.get("status") is not None and t.status != spec["status"]:
                continue
            if spec.get("user") is not None and t.user != spec["user"]:
                continue
            if "property" in spec and t.property != spec["property"]:
                continue
            if spec.get("source") is not None and t.source != spec["source"] and not (
                    t.source or "").endswith("/" + str(spec["source"])):
                continue
            out.append(t)
        return sorted(out, key=lambda t: (t.due_at or datetime.max, t.key))

    def _check_tasks(self, label: str, spec: Mapping[str, Any], tasks: list[Task],
                     fails: list[str]) -> None:
        if "count" in spec and len(tasks) != int(spec["count"]):
            fails.append(f"{label}: {len(tasks)} task(s), expected {spec['count']}")
        if "count" not in spec and "due" not in spec and not tasks:
            fails.append(f"{label}: no matching task")
        if "due" in spec:
            wanted = _as_list(spec["due"])
            got = [t.due_at for t in tasks]
            if len(wanted) != len(got) or not all(
                    _same_moment(g, w) for g, w in zip(got, wanted, strict=False)):
                fails.append(f"{label}: due {[fmt_dt(g) for g in got]}, expected "
                             f"{[str(w) for w in wanted]}")
        if "includes-due" in spec:
            for w in _as_list(spec["includes-due"]):
                if not any(_same_moment(t.due_at, w) for t in tasks):
                    fails.append(f"{label}: no task due {w}")

    def expect(self, exp: Any, where: str) -> None:
        if not isinstance(exp, Mapping):
            raise ScenarioError(f"{where}: each expectation must be a mapping")
        unknown = set(exp) - EXPECT_KEYS
        if unknown:
            raise ScenarioError(f"{where}: unknown expectation(s) {', '.join(sorted(unknown))}")
        assert self.now is not None
        now = self.now
        fails: list[str] = []
        case: Case | None = None
        needs_case = set(exp) - {"tasks", "note", "case", "roster", "notifications"}
        if needs_case or "case" in exp:
            alias = str(exp.get("case") or self.last or "")
            if alias in self.failed:
                self.result.checks += 1
                self.fail(f"{where}: case {alias!r} does not exist: its start was refused")
                return
            if alias not in self.aliases:
                raise ScenarioError(f"{where}: expectation names unknown case {alias!r}")
            case = self.repo.get_case(self.aliases[alias])
        label = f"{where}: " + (f"[{exp.get('case') or self.last}] " if case else "")
        if case is not None:
            self._case_checks(exp, case, now, fails)
        for spec in _as_list(exp.get("roster") or []):
            self._check_roster(spec, fails)
        if "tasks" in exp:
            for spec in _as_list(exp["tasks"]):
                if not isinstance(spec, Mapping):
                    raise ScenarioError(f"{where}: `tasks` takes a filter mapping")
                self._check_tasks("tasks " + _spec_text(spec), spec, self._tasks(spec), fails)
        for spec in _as_list(exp.get("notifications") or []):
            self._check_notifications(spec, fails, where)
        self.result.checks += 1
        what = exp.get("note") or _spec_text({k: v for k, v in exp.items() if k != "note"})
        if fails:
            for f in fails:
                self.fail(label + f)
        else:
            self.out(None, f"✓ {what}")

    def _check_notifications(self, spec: Any, fails: list[str], where: str) -> None:
        if not isinstance(spec, Mapping) or set(spec) - NOTIFY_KEYS:
            keys = ", ".join(sorted(NOTIFY_KEYS))
            raise ScenarioError(f"{where}: `notifications` takes {{{keys}}}")
        case_id = None
        if spec.get("case") is not None:
            case_id = self.aliases.get(str(spec["case"]), f"<unknown {spec['case']}>")
        hits = []
        for e in self.repo.notifications.values():
            if spec.get("kind") is not None and e.get("kind") != spec["kind"]:
                continue
            if spec.get("channel") is not None and e.get("channel") != spec["channel"]:
                continue
            if spec.get("recipient") is not None and e.get("recipient") != spec["recipient"]:
                continue
            if spec.get("role") is not None and spec["role"] not in (e.get("roles") or ()):
                continue
            if case_id is not None and e.get("case_id") != case_id:
                continue
            hits.append(e)
        label = "notifications " + _spec_text(spec)
        if "count" in spec and len(hits) != int(spec["count"]):
            fails.append(f"{label}: {len(hits)} notification(s), expected {spec['count']}")
        elif "count" not in spec and not hits:
            fails.append(f"{label}: none sent")
        if "after" in spec and not all(
                _same_moment(parse_dt(e["deliver_after"]), spec["after"]) for e in hits):
            fails.append(f"{label}: delivered after "
                         f"{[fmt_dt(parse_dt(e['deliver_after'])) for e in hits]}")

    def _case_checks(self, exp: Mapping[str, Any], case: Case, now: datetime,
                     fails: list[str]) -> None:
        for key, actual in (("step", case.step), ("status", case.status), ("role", case.role),
                            ("user", case.user)):
            if key in exp and exp[key] != actual:
                fails.append(f"{key} is {actual!r}, expected {exp[key]!r}")
        if "open-steps" in exp and sorted(case.open_steps) != sorted(exp["open-steps"]):
            fails.append(f"open steps {case.open_steps}, expected {list(exp['open-steps'])}")
        if "path" in exp:
            path = [v.step for v in case.visits]
            if path != list(exp["path"]):
                fails.append(f"path {path}, expected {list(exp['path'])}")
        for k, v in (exp.get("data") or {}).items():
            if case.data.get(k) != v:
                fails.append(f"data.{k} is {case.data.get(k)!r}, expected {v!r}")
        states = {s.key: s for s in self.engine.clocks(case.id, now)} if any(
            k in exp for k in ("clock", "breached", "not-breached")) else {}
        for cid in _as_list(exp.get("breached") or []):
            st = _clock(states, cid)
            if st is None or not st.breached:
                fails.append(f"clock {cid} not breached ({st.status if st else 'no such clock'})")
        for cid in _as_list(exp.get("not-breached") or []):
            st = _clock(states, cid)
            if st is None or st.breached:
                fails.append(f"clock {cid} breached" if st else f"no clock {cid}")
        for spec in _as_list(exp.get("clock") or []):
            st = _clock(states, str(spec.get("id")))
            if st is None:
                fails.append(f"no clock {spec.get('id')}")
                continue
            if "status" in spec and st.status != spec["status"]:
                fails.append(f"clock {st.key} is {st.status}, expected {spec['status']}")
            if "due" in spec and not _same_moment(st.due_at, spec["due"]):
                fails.append(f"clock {st.key} due {fmt_dt(st.due_at)}, expected {spec['due']}")
            if "breached" in spec and st.breached != bool(spec["breached"]):
                fails.append(f"clock {st.key} breached={st.breached}")
        if "escalation" in exp:
            for spec in _as_list(exp["escalation"]):
                spec = {"role": spec} if isinstance(spec, str) else dict(spec)
                tasks = [t for t in self._tasks({**spec, "kind": "escalation",
                                                 "case": _alias_of(self, case)})
                         if spec.get("clock") is None or t.source == spec["clock"]]
                self._check_tasks("escalation " + _spec_text(spec), spec, tasks, fails)
        if exp.get("no-escalation"):
            esc = self._tasks({"kind": "escalation", "case": _alias_of(self, case)})
            if esc:
                fails.append(f"{len(esc)} escalation(s): {[t.title for t in esc]}")
        if "follow-up" in exp:
            for spec in _as_list(exp["follow-up"]):
                spec = dict(spec or {})
                tasks = [t for t in self._tasks({**spec, "kind": "follow-up",
                                                 "case": _alias_of(self, case)})
                         if spec.get("id") is None or t.source == spec["id"]]
                self._check_tasks("follow-up " + _spec_text(spec), spec, tasks, fails)
        for spec in _as_list(exp.get("events") or []):
            evs = [e for e in case.events if _event_matches(e, spec)]
            if "count" in spec and len(evs) != int(spec["count"]):
                fails.append(f"{len(evs)} {spec.get('type')} event(s), expected {spec['count']}")
            elif "count" not in spec and not evs:
                fails.append(f"no {spec.get('type')} event")


def _alias_of(runner: _Runner, case: Case) -> str:
    return next(a for a, cid in runner.aliases.items() if cid == case.id)


def _clock(states: dict[str, ClockState], cid: str) -> ClockState | None:
    if cid in states:
        return states[cid]
    # `step:<id>` names the latest visit of that step.
    hits = [s for k, s in states.items() if k.startswith(cid + ":")]
    return hits[-1] if hits else None


def _event_matches(e: Event, spec: Mapping[str, Any]) -> bool:
    if spec.get("type") is not None and e.type != spec["type"]:
        return False
    if spec.get("step") is not None and e.step != spec["step"]:
        return False
    return all(e.data.get(k) == v for k, v in (spec.get("data") or {}).items())


def _spec_text(spec: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in spec.items())


def load_file(path: Path) -> dict[str, Any]:
    """Parse and shape-check a scenario file (ScenarioError when malformed)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping with `timeline:` and `expect:`")
    unknown = set(doc) - TOP_KEYS
    if unknown:
        raise ScenarioError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    return doc


def run(path: Path | str, *, property: str | None = None, rules_dir: Path | None = None,
        forms_dir: Path | None = None, strict: bool = True, lang: str | None = None
        ) -> ScenarioResult:
    """Play a scenario file; ScenarioError when the file is malformed."""
    p = Path(path)
    doc = load_file(p)
    runner = _Runner(doc, p.parent, property, rules_dir, forms_dir, strict,
                     lang or str(doc.get("lang") or "zh"))
    try:
        with warnings.catch_warnings(record=True) as caught:
            # Calendar fallbacks (a year without official holiday data) belong in the printout.
            warnings.simplefilter("always", CalendarWarning)
            result = runner.run()
    except ScenarioError as exc:
        raise ScenarioError(f"{p}: {exc}") from None
    for msg in dict.fromkeys(str(w.message) for w in caught
                             if issubclass(w.category, CalendarWarning)):
        result.lines.append(f"{' ' * 16}  ⚠ {msg}")
    return result
