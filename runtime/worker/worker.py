"""One worker: ticks, schedules, derived notifications and delivery, under the lease."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from runtime.engine.service import Engine
from runtime.engine.state import Task
from runtime.errors import HandbookError
from runtime.notify import deliver as delivery
from runtime.notify import inbox, outbox, plan
from runtime.notify.notifier import Notifier
from runtime.store import Criteria, Repository
from runtime.worker.lease import Lease, wall_now

log = logging.getLogger("handbook.worker")

SCHEDULE_AHEAD = timedelta(days=6)  # the week's routine work is on the lists in advance
SWEEP_EVERY = timedelta(hours=1)  # full tick of every open case, besides the due index
READ_TASKS = "read_tasks"
TASKS = "tasks"


def default_holder() -> str:
    """host:pid — who holds the lease, shown on the status page."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class TickResult:
    """What one tick did (also written on the lease for the status page)."""

    now: str = ""
    full: bool = False
    cases: int = 0
    events: int = 0
    schedule_tasks: int = 0
    queued: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    ms: float = 0.0
    errors: list[str] = field(default_factory=list)


class Worker:
    """The worker's loop over one store and the live rules."""

    def __init__(self, engine: Engine, store: Repository, *, data: Path | None = None,
                 holder: str | None = None, every: float = 60.0,
                 lease_ttl: timedelta | None = None,
                 claim_ttl: timedelta = outbox.CLAIM_TTL,
                 clock: Callable[[], datetime] = wall_now,
                 trace: Callable[[str], None] | None = None) -> None:
        self.engine = engine
        self.store = store
        self.data = data
        self.holder = holder or default_holder()
        self.every = every
        self.lease = Lease(store, self.holder,
                           lease_ttl or timedelta(seconds=max(60.0, 3 * every)))
        self.claim_ttl = claim_ttl
        self.clock = clock
        self.trace = trace
        self.notifier = engine.notifier or Notifier(engine.repo, engine.handbook_for)
        self._last_sweep: datetime | None = None
        self._planned: set[tuple[str, date]] = set()
        self._told: set[str] = set()  # derived message keys written by this process
        outbox.prepare(store)
        inbox.prepare(store)
        store.ensure_index(TASKS, "kind")
        store.ensure_index(READ_TASKS, "status")

    # ---------------------------------------------------------------- one tick

    def tick(self, now: datetime | None = None) -> TickResult:
        """Everything a minute needs, once; the lease must be held (see `run_once`)."""
        t0 = time.perf_counter()
        now = now or self.clock()
        res = TickResult(now=now.isoformat(timespec="seconds"))
        full = self._last_sweep is None or now - self._last_sweep >= SWEEP_EVERY \
            or now < self._last_sweep
        res.full = full
        try:
            events = self.engine.tick(now, due_only=not full)
            res.cases, res.events = self.engine.ticked, len(events)
            if full:
                self._last_sweep = now
        except HandbookError as exc:
            res.errors.append(f"tick: {exc}")
        res.schedule_tasks = self._schedules(now, res)
        res.queued = self._derived(now, res)
        stats = delivery.deliver(self.store, now, holder=self.holder, claim_ttl=self.claim_ttl,
                                 trace=self.trace)
        res.sent, res.retried, res.failed = stats.sent, stats.retried, stats.failed
        res.errors += stats.errors[:20]
        res.ms = round((time.perf_counter() - t0) * 1000, 1)
        return res

    def _schedules(self, now: datetime, res: TickResult) -> int:
        """The week's schedule tasks of every property, once a day per process (idempotent)."""
        created = 0
        hb0 = self.engine.handbook_for(None)
        for pid in [None, *hb0.properties]:
            key = (pid or "", now.date())
            if key in self._planned:
                continue
            try:
                run = self.engine.run_schedules(pid, now.date(), now.date() + SCHEDULE_AHEAD,
                                                now)
                created += run.created
                self._planned.add(key)
            except HandbookError as exc:
                res.errors.append(f"schedules {pid}: {exc}")
        return created

    def _derived(self, now: datetime, res: TickResult) -> int:
        """Follow-ups come due, read tasks, drafts waiting: messages from state, by key."""
        messages: list[plan.Message] = []
        due = self.store.query(TASKS, Criteria(
            equals={"kind": "follow-up", "status": "open"},
            ranges={"due_at": (None, outbox.iso(now + timedelta(seconds=1)))}))
        for doc in due:
            task = Task.from_dict(doc)
            if plan.followup_key(task) not in self._told:  # decode the case only when new
                messages.append(plan.followup_message(task, self._number(task.case_id)))
        for doc in self.store.find(READ_TASKS, status="open"):
            messages.append(plan.read_task_message(doc))
        messages += self._drafts(now, res)
        fresh = [m for m in messages if m.key not in self._told]
        if not fresh:
            return 0
        try:
            with self.store.transaction():
                added = self.notifier.send(fresh, now)
        except HandbookError as exc:
            res.errors.append(f"notify: {exc}")
            return 0
        self._told.update(m.key for m in fresh)
        return added

    def _number(self, case_id: str | None) -> str | None:
        if not case_id:
            return None
        try:
            return self.engine.repo.get_case(case_id).number
        except HandbookError:  # the case is gone (voided): the message still goes out
            return None

    def _drafts(self, now: datetime, res: TickResult) -> list[plan.Message]:
        if self.data is None:
            return []
        try:
            from runtime.versions.drafts import Drafts

            drafts = Drafts(self.data).all()
        except (HandbookError, OSError) as exc:
            res.errors.append(f"drafts: {exc}")
            return []
        dc = self.engine.handbook_for(None).company.document_control
        out = []
        for d in drafts:
            if d.state not in ("submitted", "reviewed"):
                continue
            roles = dc.reviewers if d.state == "submitted" else dc.approvers
            out.append(plan.draft_message(d.id, d.title, d.state, len(d.history), roles, now))
        return out

    # ---------------------------------------------------------------- the loop

    def run_once(self, now: datetime | None = None) -> TickResult | None:
        """Take the lease, tick, record the status; None when another worker holds it."""
        if not self.lease.acquire():
            return None
        res = self.tick(now)
        self.lease.record({"tick": asdict(res), "holder": self.holder})
        return res

    def run(self, stop: threading.Event, on_tick: Callable[[TickResult | None], None]
            | None = None) -> None:
        """Tick every `every` seconds until `stop` is set; releases the lease at the end."""
        try:
            while not stop.is_set():
                try:
                    res = self.run_once()
                except HandbookError as exc:  # a store or rules problem: log, try next minute
                    log.error("tick failed: %s", exc)
                    res = None
                if on_tick is not None:
                    on_tick(res)
                stop.wait(self.every)
        finally:
            self.lease.release()
