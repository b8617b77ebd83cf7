"""The worker's own messages and work: follow-ups come due, read tasks, drafts waiting for
review or approval, the week's schedule tasks — each once, whichever worker process ticks.

In process on every backend (`backend` fixture); the subprocess tests are test_kill.py,
test_two_workers.py and test_breach_at_night.py.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from runtime.worker import live
from runtime.worker.worker import Worker
from tests.conftest import Backend, MakeTree
from tests.worker import helpers as h

T0 = datetime(2026, 3, 2, 9, 0)  # a Monday


def _inbox(store: Any, username: str, kind: str) -> list[dict[str, Any]]:
    return [r for r in store.find("inbox", username=username) if r["kind"] == kind]


def test_follow_up_due_read_task_and_schedules_once(make_tree: MakeTree,
                                                     backend: Backend) -> None:
    root = h.tree(make_tree)
    store = backend.open()
    h.add_users(store)
    eng = h.engine(store, root)
    case = eng.start_case("complaint", None, {"content": "楼道灯"}, T0)
    eng.complete_step(case.id, {}, T0, user="li", step="receive")
    eng.complete_step(case.id, {}, T0 + timedelta(hours=1), user="li", step="close")
    (follow,) = store.find("tasks", kind="follow-up")
    assert follow["due_at"].startswith("2026-03-09")
    store.insert("read_tasks", {"kind": "read-task", "key": "v2:wang", "version": 2,
                                "username": "wang", "property": None, "roles": ["boss"],
                                "changes": [], "status": "open",
                                "created_at": "2026-03-02T08:00:00", "acknowledged_at": None})

    first = Worker(eng, store, holder="a")
    res = first.tick(T0 + timedelta(hours=2))
    # Before the follow-up is due: the read task is told, the follow-up not yet.
    assert _inbox(store, "wang", "read-task") and not _inbox(store, "li", "follow-up-due")
    (read,) = _inbox(store, "wang", "read-task")
    assert read["link"] == "ack" and "v2" in read["title"]
    # The week's routine work: the Friday meeting of the boss, once per property view.
    meetings = store.find("tasks", kind="schedule")
    assert res.schedule_tasks == len(meetings) == 3
    assert {m["property"] for m in meetings} == {None, "east", "west"}
    assert {(m["due_at"], tuple(m["roles"])) for m in meetings} == {
        ("2026-03-06T14:30:00", ("boss",))}

    later = T0 + timedelta(days=7, hours=2)
    first.tick(later)
    (due,) = _inbox(store, "li", "follow-up-due")
    assert due["case_id"] == case.id and due["number"] == case.number
    assert due["link"] == f"inbox?case={case.id}" and "一周后回访" in due["title"]

    # Another worker process (a restart, the second worker) ticks the same state: no
    # message twice, no task twice.
    again = Worker(eng, store, holder="b").tick(later + timedelta(minutes=1))
    assert again.queued == 0 and again.sent == 0
    assert len(_inbox(store, "li", "follow-up-due")) == 1
    assert len(_inbox(store, "wang", "read-task")) == 1
    assert len(store.find("tasks", kind="schedule")) == 6  # next Friday's, added once
    assert store.count("outbox", status="failed") == 0


def _bump(text: str) -> str:
    def up(m: re.Match[str]) -> str:
        major, minor, _patch = m.group(1).split(".")
        return f"version: {major}.{int(minor) + 1}.0"
    return re.sub(r"^version: (\S+)", up, text, count=1, flags=re.M)


def test_a_draft_waiting_tells_its_reviewers_then_its_approvers(tmp_path: Path,
                                                               backend: Backend) -> None:
    from runtime.versions.drafts import Actor, Drafts

    data = tmp_path / "data"
    data.mkdir()
    store = backend.open()
    store.insert_many("users", [
        {"username": "li", "name": "李", "roles": ["quality-officer"], "property": None,
         "active": True, "password_hash": ""},
        {"username": "wang", "name": "王", "roles": ["deputy-general-manager"],
         "property": None, "active": True, "password_hash": ""}])
    worker = Worker(live.engine(store, live.LiveRules(data)), store, data=data, holder="t")
    drafts = Drafts(data)
    draft = drafts.create("回访改为3天", "zhang", now=T0)
    rel = "rules/company/procedures/complaint-handling.yaml"
    text, base = drafts.read(draft, rel)
    drafts.save(draft, rel, _bump(text.replace("delay: 7d", "delay: 3d", 1)), base, "zhang")
    worker.tick(T0)
    assert not store.find("inbox", kind="review")  # still a draft: nobody to tell
    drafts.act(draft, "submit", Actor("zhang", ("general-affairs-supervisor",)), "请审核")
    worker.tick(T0 + timedelta(minutes=1))
    (review,) = [r for r in store.all("inbox") if r["kind"] == "review"]
    assert review["username"] == "li" and "回访改为3天" in review["title"]
    assert review["link"] == "versions"
    drafts.act(draft, "review", Actor("li", ("quality-officer",)), "同意")
    worker.tick(T0 + timedelta(minutes=2))
    (approval,) = [r for r in store.all("inbox") if r["kind"] == "approval"]
    assert approval["username"] == "wang"
    worker.tick(T0 + timedelta(minutes=3))
    assert len([r for r in store.all("inbox") if r["kind"] in ("review", "approval")]) == 2
