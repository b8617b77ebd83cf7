"""Read-and-acknowledge: which rule versions each person must read, and who has (pure).

A person must read every rule that concerns one of their roles: the role itself, the
procedures with a step or responsibility of the role, and the trainings addressed to it.
An acknowledgement is kept per (user, kind, rule id, version), so a new version of a rule
asks again — the hook issue 7's publishing uses to create read tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime.compiler import model as m

TABLE = "acknowledgements"


@dataclass(frozen=True)
class Reading:
    """One rule version a role must read."""

    kind: str
    rule_id: str
    version: str
    title: str

    @property
    def key(self) -> str:
        """Stable identity of this reading (also the acknowledgement's key)."""
        return f"{self.kind}:{self.rule_id}@{self.version}"


def readings_for_role(hb: m.Handbook, role_id: str) -> list[Reading]:
    """Every rule version a holder of `role_id` must read, role first."""
    out: list[Reading] = []
    role = hb.roles.get(role_id)
    if role is not None:
        out.append(Reading("role", role.id, role.meta.version, role.title))
    for proc in hb.procedures.values():
        involved = role_id in proc.roles or any(r.role == role_id for r in proc.responsibilities)
        if involved:
            out.append(Reading("procedure", proc.id, proc.meta.version, proc.title))
    for training in hb.trainings.values():
        if not training.roles or role_id in training.roles:
            out.append(Reading("training", training.id, training.meta.version,
                               training.meta.title))
    return out


def readings_for(hb: m.Handbook, roles: tuple[str, ...]) -> list[Reading]:
    """Readings of several roles, each rule version once."""
    seen: dict[str, Reading] = {}
    for role in roles:
        for r in readings_for_role(hb, role):
            seen.setdefault(r.key, r)
    return list(seen.values())


def ack_doc(username: str, reading: Reading, property_id: str | None, at: datetime) -> dict[
        str, Any]:
    """The store document recording that `username` read `reading`."""
    return {
        "kind": "acknowledgement",
        "username": username,
        "key": reading.key,
        "rule_kind": reading.kind,
        "rule_id": reading.rule_id,
        "version": reading.version,
        "property": property_id,
        "at": at.isoformat(timespec="seconds"),
    }


def progress(readings: list[Reading], acked: set[str]) -> tuple[int, int]:
    """(read, total) of `readings` given the acknowledged keys."""
    done = sum(1 for r in readings if r.key in acked)
    return done, len(readings)
