"""`handbook db copy`: data directory -> PostgreSQL -> data directory, lossless and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runtime.cli import main
from runtime.store import open_store
from runtime.store.postgres.copy import checksum
from runtime.store.postgres.store import open_pg_store
from runtime.store.records import create_record, edit_record, void_record


def _fill(data: Path) -> dict[str, tuple[int, str]]:
    with open_store(data / "store") as s:
        for n in range(30):
            rec = create_record(
                s, form_id="complaint", form_version="1", ruleset_hash="h", property="p1",
                created_by="u", data={"unit": f"{n}-1", "summary": "楼上漏水\x00\ud800", "z": 1,
                                      "a": [1, 2.5, None, True]},
                number_prefix="TS", at=f"2026-03-{n % 28 + 1:02d}T09:00:00")
            if n % 3 == 0:
                edit_record(s, rec.id, {"summary": "改"}, by="v", at="2026-04-01T00:00:00")
            if n % 7 == 0:
                void_record(s, rec.id, by="v", reason="重复")
        s.insert_many("tasks", [{"key": f"k{i}", "status": "open"} for i in range(12)])
        gone = s.insert("sessions", {"token": "x"})
        s.insert("sessions", {"token": "y"})
        s.delete("sessions", gone)
        s.insert("users", {"username": "li", "roles": ["clerk"]})
        return {t: checksum(s, t) for t in s.tables()}


def test_copy_round_trips_with_equal_counts_and_checksums(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "a"
    before = _fill(src)
    assert main(["db", "copy", "--from", str(src), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "counts and checksums match" in out and "records" in out
    with open_pg_store(pg_url) as pg:
        assert {t: checksum(pg, t) for t in pg.tables()} == before
        # ids continue after the source's highest ever (the deleted session's id is not reused)
        assert pg.insert("sessions", {"token": "z"}) == 3
        pg.delete("sessions", 3)
    back = tmp_path / "b"
    assert main(["db", "copy", "--from", pg_url, "--to", str(back)]) == 0
    with open_store(back / "store") as s:
        assert {t: checksum(s, t) for t in s.tables()} == before
        # the copy is a working store: numbering continues
        rec = create_record(s, form_id="complaint", form_version="1", ruleset_hash="h",
                            property="p1", created_by="u", data={}, number_prefix="TS",
                            at="2026-05-01T00:00:00")
        assert rec.number == "TS-2026-000031"


def test_copy_refuses_a_non_empty_destination(tmp_path: Path, pg_url: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a"
    _fill(src)
    with open_pg_store(pg_url) as pg:
        pg.insert("records", {"already": "here"})
    assert main(["db", "copy", "--from", str(src), "--to", pg_url]) == 1
    assert "not empty" in capsys.readouterr().err
    with open_pg_store(pg_url) as pg:
        assert pg.count("records") == 1


@pytest.mark.parametrize("spec", ["missing-dir", "postgresql://x@/nodb?host=/nonexistent&port=1"])
def test_copy_from_nowhere_is_a_clear_error(tmp_path: Path, spec: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    source: Any = str(tmp_path / spec) if not spec.startswith("postgresql") else spec
    assert main(["db", "copy", "--from", source, "--to", str(tmp_path / "out")]) == 1
    assert "error:" in capsys.readouterr().err


def test_last_id_counts_deleted_ids_and_copy_between_databases_keeps_it(
    tmp_path: Path, pg_cluster: Any, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_pg_store(pg_url) as pg:
        assert pg.last_id("sessions") == 0  # a table no id was ever handed out in
        ids = [pg.insert("sessions", {"token": str(i)}) for i in range(3)]
        pg.delete("sessions", ids[-1])  # the highest id is gone, never to be reused
        assert pg.last_id("sessions") == 3
        before = {t: checksum(pg, t) for t in pg.tables()}
    other = pg_cluster.new_database()
    try:
        assert main(["db", "copy", "--from", pg_url, "--to", other]) == 0
        assert "counts and checksums match" in capsys.readouterr().out
        with open_pg_store(other) as dest:
            assert {t: checksum(dest, t) for t in dest.tables()} == before
            assert dest.insert("sessions", {"token": "new"}) == 4
    finally:
        pg_cluster.drop_database(other)
