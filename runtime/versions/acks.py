"""Read-and-acknowledge tasks created by a publish, for exactly the people a change touches.

A change touches the roles it names (a role's own duties; the roles owning a changed step,
clock or follow-up). Everyone holding such a role at the changed scope (the property, or any
property for a company change) gets one task per published version listing the changes that
concern them; trainers see who has acknowledged and who has not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from runtime.versions.diff import Change

TABLE = "read_tasks"


def plan_tasks(version: int, changes: Iterable[Change], users: Iterable[Mapping[str, Any]],
               now: datetime) -> list[dict[str, Any]]:
    """The task documents a publish creates (pure: no store involved)."""
    per_user: dict[str, dict[str, Any]] = {}
    concerns: dict[str, list[Change]] = defaultdict(list)
    users = list(users)
    for change in changes:
        if not change.roles:
            continue
        for user in users:
            if not user.get("active", True):
                continue
            held = set(user.get("roles") or ()) & set(change.roles)
            scope_ok = change.scope is None or user.get("property") in (change.scope, None)
            if held and scope_ok:
                name = str(user["username"])
                concerns[name].append(change)
                per_user.setdefault(name, {"roles": set(), "property": user.get("property")})
                per_user[name]["roles"] |= held
    tasks = []
    for name, info in sorted(per_user.items()):
        tasks.append({
            "kind": "read-task",
            "key": f"v{version}:{name}",
            "version": version,
            "username": name,
            "property": info["property"],
            "roles": sorted(info["roles"]),
            "changes": [{"zh": c.zh, "en": c.en, "kind": c.kind, "rule_id": c.rule_id,
                         "scope": c.scope} for c in concerns[name]],
            "status": "open",
            "created_at": now.isoformat(timespec="seconds"),
            "acknowledged_at": None,
        })
    return tasks


def create_tasks(repo: Any, version: int, changes: Iterable[Change],
                 users: Iterable[Mapping[str, Any]], now: datetime | None = None) -> int:
    """Store the read tasks of a publish (idempotent per version and user); returns how many."""
    now = now or datetime.now()
    created = 0
    repo.ensure_index(TABLE, "key")
    for task in plan_tasks(version, changes, users, now):
        if repo.find(TABLE, key=task["key"]):
            continue
        repo.insert(TABLE, task)
        created += 1
    return created


def acknowledge(repo: Any, version: int, username: str, now: datetime | None = None) -> None:
    """Mark a person's read task for a version as done."""
    for task in repo.find(TABLE, key=f"v{version}:{username}"):
        if task["status"] != "done":
            repo.update(TABLE, task["id"], {"status": "done", "acknowledged_at": (
                now or datetime.now()).isoformat(timespec="seconds")}, by=username,
                at=now or datetime.now())


def progress(repo: Any, version: int | None = None) -> dict[str, dict[str, list[str]]]:
    """Per role: who has acknowledged (`done`) and who has not (`open`)."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"done": [], "open": []})
    for task in repo.all(TABLE):
        if version is not None and task["version"] != version:
            continue
        for role in task["roles"]:
            out[role]["done" if task["status"] == "done" else "open"].append(task["username"])
    return dict(out)
