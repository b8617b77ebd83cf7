"""The engine on the store feeds the page queries: deadlines, breaches, personal marks, 待办."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from runtime.compiler.pipeline import load
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine
from runtime.engine.store_repo import StoreRepository, personal_paths

AT = datetime(2026, 3, 2, 9, 0)
PROP = "taoyuan-village"
INTAKE = {"received_at": "2026-03-02T09:00:00", "channel": "phone", "complainant": "赵先生",
          "unit": "12-0304", "phone": "13700001234", "kind": "complaint",
          "content": "电梯异响", "received_by": "前台"}


def _start(eng: Engine, at: datetime) -> str:
    case = eng.start_case("complaint-handling", PROP, INTAKE, at, "frontdesk.taoyuan",
                          "front-desk")
    eng.complete_step(case.id, {}, at, "frontdesk.taoyuan", step="receive")
    return case.id


def test_case_documents_carry_what_the_pages_index(backend: Any) -> None:
    """On each store backend (tests/conftest.py: embedded and PostgreSQL)."""
    with backend.open() as store:
        eng = Engine(StoreRepository(store), lambda pid: load(property=pid))
        case_id = _start(eng, AT)
        doc = store.get("cases", int(case_id))
        case = eng.get_case(case_id)
        assert doc["due_at"] == case.current_visit.due_at.isoformat(timespec="seconds")
        assert doc["breached"] is False and "phone" in doc["personal"]
        # the phone number is personal: only callers who may see it find the case by it
        assert store.search_cases(properties=[PROP], text="13700001234").total == 0
        assert store.search_cases(properties=[PROP], text="13700001234",
                                  personal=True).total == 1
        assert store.search_cases(properties=[PROP], text="12-0304").total == 1
        # a week later every clock has breached: the tally and the month report know
        eng.tick(AT + timedelta(days=7))
        counts = store.case_counts(properties=[PROP], now=AT + timedelta(days=7))
        assert [(c.procedure, c.open, c.breached, c.overdue) for c in counts] == [
            ("complaint-handling", 1, 1, 1)]
        assert store.get("cases", int(case_id))["breached"] is True


def test_task_page_on_both_repositories(backend: Any) -> None:
    with backend.open() as store:
        for repo in (MemoryRepository(), StoreRepository(store)):
            eng = Engine(repo, lambda pid: load(property=pid))
            for i in range(3):
                _start(eng, AT + timedelta(hours=i))
            owner = [eng.get_case(c.id).role for c in repo.find_cases(property=PROP)][:1]
            views, page = eng.task_page(AT, roles=owner, user=None, properties=[PROP],
                                        limit=2)
            assert page.total == 3 and len(views) == 2
            assert sum(page.counts.values()) == 3
            assert views[0].task.due_at is not None
            assert views[0].task.due_at <= views[1].task.due_at
            rest, _ = eng.task_page(AT, roles=owner, user=None, properties=[PROP], offset=2)
            assert len(rest) == 1
            none, _ = eng.task_page(AT, roles=owner, user=None, properties=["zhongxing"])
            assert none == []


def test_personal_paths_include_nested_rows() -> None:
    hb = load(property=None)
    form = hb.forms["renovation-permit"]
    paths = personal_paths(form)
    assert "phone" in paths and "workers[].id_no" in paths
    assert personal_paths(None) == ()
