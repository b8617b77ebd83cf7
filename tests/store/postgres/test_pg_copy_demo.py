"""`handbook db copy` round trip of `handbook demo-data` output (issue 14, done-when).

What the engine writes at volume (cases with history, visits and clocks, linked and
standalone records, tasks, users, versions pins) goes embedded -> PostgreSQL -> embedded
with equal counts and checksums on every table, and the copies answer the page queries
exactly as the source does (the derived page columns are rebuilt by the copy path).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from runtime.cli import main
from runtime.engine.demo import CASES_PER_DAY
from runtime.engine.store_repo import StoreRepository
from runtime.store import open_store
from runtime.store.postgres.copy import checksum
from runtime.store.postgres.store import open_pg_store

END = "2026-11-30"
PROPERTY = "zhongxing-apartments"
# Three weeks: every procedure, standalone register and the open tail (OPEN_DAYS) occur,
# and the test stays a few seconds of engine work on a loaded machine.
DAYS = 21


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with three weeks of demo data, built once by the CLI."""
    data = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("HANDBOOK_DATABASE_URL", raising=False)
        assert main(["demo-data", "--years", str(DAYS / 365.25), "--property", PROPERTY,
                     "--data", str(data), "--end", END, "--seed", "14"]) == 0
    return data


def _sums(store: Any) -> dict[str, tuple[int, str]]:
    return {t: checksum(store, t) for t in store.tables()}


def _pages(store: Any, roles: tuple[str, ...]) -> dict[str, Any]:
    """What the pages would show of the demo property: ids, totals and breakdowns."""
    now = datetime(2026, 11, 30, 18, 0)
    props = [PROPERTY]

    def page(p: Any) -> tuple[Any, ...]:
        return (p.total, tuple(sorted(p.counts.items())), tuple(d["id"] for d in p.items))

    return {
        "tasks": page(store.open_tasks(roles=roles, user=None, properties=props, now=now,
                                       limit=None)),
        "cases": page(store.search_cases(properties=props, limit=None)),
        "case_text": page(store.search_cases(properties=props, text="1-", personal=True)),
        "records": page(store.search_records(properties=props, limit=None)),
        "records_voided": page(store.search_records(properties=props, include_voided=True,
                                                    limit=None)),
        "dashboard": store.case_counts(properties=props, now=now),
        "report": store.monthly_report(properties=props, month=date(2026, 11, 1),
                                       procedures=tuple(CASES_PER_DAY)),
    }


@pytest.fixture
def source(demo_dir: Path) -> Iterator[tuple[dict[str, tuple[int, str]], dict[str, Any]]]:
    """Checksums and page answers of the demo data's own embedded store."""
    with open_store(demo_dir / "store") as s:
        roles = tuple(sorted({r for t in s.all("tasks") for r in t.get("roles") or ()}))
        yield _sums(s), {"roles": roles, **_pages(s, roles)}


def test_demo_data_round_trips_embedded_postgres_embedded(
    demo_dir: Path, source: tuple[dict[str, tuple[int, str]], dict[str, Any]], pg_url: str,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    sums, pages = source
    # the demo wrote what the app writes: every kind of document is there to be copied
    for table in ("cases", "records", "tasks", "users"):
        assert sums[table][0] > 0, table
    assert pages["tasks"][0] > 0 and pages["cases"][0] > 50 and pages["records"][0] > 50

    assert main(["db", "copy", "--from", str(demo_dir), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "counts and checksums match" in out
    with open_pg_store(pg_url) as pg:
        assert _sums(pg) == sums
        assert {"roles": pages["roles"], **_pages(pg, pages["roles"])} == pages

    back = tmp_path / "back"
    assert main(["db", "copy", "--from", pg_url, "--to", str(back)]) == 0
    assert "counts and checksums match" in capsys.readouterr().out
    with open_store(back / "store") as s:
        assert _sums(s) == sums
        assert {"roles": pages["roles"], **_pages(s, pages["roles"])} == pages


def test_the_copy_on_postgresql_is_a_working_store(demo_dir: Path, pg_url: str) -> None:
    """The engine carries on from the copy: same cases, numbering continues without a gap."""
    assert main(["db", "copy", "--from", str(demo_dir), "--to", pg_url]) == 0
    with open_store(demo_dir / "store") as s:
        before = sorted((c.id, c.number, c.status) for c in
                        StoreRepository(s).find_cases(property=PROPERTY))
    with open_pg_store(pg_url) as pg:
        repo = StoreRepository(pg)
        after = sorted((c.id, c.number, c.status) for c in repo.find_cases(property=PROPERTY))
        assert after == before
        # a new document gets an id after every copied one, never one already used
        top = max(int(c[0]) for c in before)
        new_id = pg.insert("cases", {"status": "reserved", "property": PROPERTY})
        assert int(new_id) > top
        pg.delete("cases", new_id)
