"""The engine's notification hook: events → messages → outbox entries, in its transaction."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from runtime.compiler import model as m
from runtime.engine import calendar as engcal
from runtime.engine.state import Case, Event
from runtime.notify import plan


class Recipients(Protocol):
    """What the hook needs from a case repository (CaseRepository has it)."""

    def people(self, property: str | None, role: str) -> list[plan.Person]:
        """Holders of a role."""
        ...

    def person(self, username: str) -> plan.Person | None:
        """One user."""
        ...

    def add_notifications(self, entries: Sequence[Any]) -> int:
        """Write new outbox entries."""
        ...


class Notifier:
    """Addresses messages with the property's settings and writes them to the outbox."""

    def __init__(self, repo: Recipients, handbook_for: Callable[[str | None], m.Handbook],
                 env: Mapping[str, str] | None = None) -> None:
        self.repo = repo
        self.handbook_for = handbook_for
        # Which external channels are set up (None: plan every channel, e.g. dry runs).
        self.env: Mapping[str, str] | None = os.environ if env is None else env
        # Plan each message as of the moment it happened instead of now: a dry run shows
        # what a worker ticking every minute would send (quiet hours, digest periods).
        self.at_event_time = False

    def entries(self, messages: Iterable[plan.Message], now: datetime) -> list[dict[str, Any]]:
        """The outbox entries of messages (nothing written)."""
        out: list[dict[str, Any]] = []
        for msg in messages:
            hb = self.handbook_for(msg.property)
            cal = engcal.for_handbook(hb)
            when = msg.at if self.at_event_time and msg.at != datetime.min else now
            out += plan.fan_out(msg, hb.notifications, self.repo.people, self.repo.person,
                                cal.is_working_day, when, self.env)
        return out

    def send(self, messages: Iterable[plan.Message], now: datetime) -> int:
        """Write the messages' entries (new keys only); how many were added."""
        entries = self.entries(messages, now)
        return self.repo.add_notifications(entries) if entries else 0

    def case_events(self, case: Case, events: Sequence[Event], proc: m.Procedure | None,
                    now: datetime) -> int:
        """Called by the engine inside the transaction that saves the case and its events."""
        return self.send(plan.case_messages(case, events, proc), now)
