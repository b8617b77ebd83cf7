"""`handbook backup` / `handbook restore`: verified, consistent while writers keep writing."""

from __future__ import annotations

import gzip
import io
import multiprocessing
import os
import signal
import tarfile
from pathlib import Path

import pytest

from runtime.backup import backup, restore, store_checksums
from runtime.cli import main
from runtime.errors import HandbookError
from runtime.store import open_store
from runtime.versions import VersionRepo
from runtime.versions.drafts import Drafts
from tests.conftest import MakeTree

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def data(tmp_path: Path, make_tree: MakeTree) -> Path:
    """A data directory with every part: store tables, attachments, a version, a draft."""
    root = tmp_path / "data"
    store = open_store(root / "store")
    for i in range(120):
        store.insert("records", {"form_id": "complaint", "number": f"TS-2026-{i:06d}",
                                 "data": {"投诉人": f"住户{i}", "内容": "楼道灯不亮\n第二行"}})
    case = store.insert("cases", {"procedure": "complaint-handling", "status": "open"})
    store.update("cases", case, {"status": "closed"}, by="t", at="2026-12-03T10:00:00")
    store.delete("records", 3)
    store.close()
    (root / "attachments" / "ab").mkdir(parents=True)
    (root / "attachments" / "ab" / "photo.jpg").write_bytes(os.urandom(2048))
    tree = make_tree()
    repo = VersionRepo(root, tree / "rules", tree / "forms")
    repo.publish(tree / "rules", tree / "forms", message="same tree", by="t")
    Drafts(root, repo).create("草稿", "t", draft_id="d1")
    return root


def _tree_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name not in ("lock", ".lock")}


def test_round_trip_restores_every_table_and_file(data: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    report = backup(data, archive)
    assert report.tables["records"]["count"] == 119
    assert report.tables["cases"]["count"] == 1
    back = restore(archive, tmp_path / "restored")
    assert back.tables == report.tables == store_checksums(tmp_path / "restored" / "store")
    assert _tree_files(tmp_path / "restored") == _tree_files(data)
    # The restored store is a working store: it opens and takes writes with fresh ids.
    store = open_store(tmp_path / "restored" / "store")
    assert store.get("records", 120)["data"]["投诉人"] == "住户119"
    assert store.insert("records", {"x": 1}) == 121
    store.close()


def _writer(store_dir: str) -> None:
    store = open_store(store_dir)
    n = 0
    while True:
        n += 1
        with store.transaction():  # two documents per transaction: a backup sees both or none
            a = store.insert("records", {"pair": n, "side": "a"})
            store.insert("records", {"pair": n, "side": "b", "other": a})


def test_backup_while_a_writer_keeps_writing_is_consistent(data: Path, tmp_path: Path) -> None:
    proc = FORK.Process(target=_writer, args=(str(data / "store"),))
    proc.start()
    try:
        reports = [backup(data, tmp_path / f"live{i}.tar.gz") for i in range(3)]
    finally:
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=30)
    for i, report in enumerate(reports):
        target = tmp_path / f"r{i}"
        restore(report.archive, target)
        store = open_store(target / "store")
        pairs = [d for d in store.all("records") if "pair" in d]
        store.close()
        sides: dict[int, set[str]] = {}
        for d in pairs:
            sides.setdefault(d["pair"], set()).add(d["side"])
        assert all(s == {"a", "b"} for s in sides.values())  # no torn transaction
        assert report.tables["records"]["count"] == 119 + len(pairs)


def _rewrite(archive: Path, change: str, payload: bytes | None) -> None:
    """Rewrite an archive with one member replaced (payload) or dropped (None)."""
    out = io.BytesIO()
    with tarfile.open(archive, "r:gz") as src, tarfile.open(fileobj=out, mode="w:gz") as dst:
        for member in src.getmembers():
            if member.name == change:
                if payload is None:
                    continue
                member.size = len(payload)
                dst.addfile(member, io.BytesIO(payload))
            else:
                dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    archive.write_bytes(out.getvalue())


@pytest.mark.parametrize(("damage", "message"), [
    ("truncate", "cannot be read"),
    ("attachment", "attachments/ab/photo.jpg is missing or damaged"),
    ("drop-journal", "missing or damaged"),
    ("manifest", "no readable manifest.json"),
])
def test_a_damaged_backup_is_refused_and_changes_nothing(
        data: Path, tmp_path: Path, damage: str, message: str) -> None:
    archive = tmp_path / "b.tar.gz"
    backup(data, archive)
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("current data")
    if damage == "truncate":
        archive.write_bytes(archive.read_bytes()[: len(archive.read_bytes()) // 2])
    elif damage == "attachment":
        _rewrite(archive, "data/attachments/ab/photo.jpg", b"not the photo")
    elif damage == "drop-journal":
        with tarfile.open(archive, "r:gz") as tar:
            journal = next(m.name for m in tar.getmembers()
                           if m.name.startswith("data/store/") and "journal" in m.name)
        _rewrite(archive, journal, None)
    else:
        _rewrite(archive, "data/manifest.json", b"{not json")
    with pytest.raises(HandbookError, match=message.replace(".", r"\.")):
        restore(archive, target, force=True)
    assert _tree_files(target) == {"keep.txt": b"current data"}
    assert not list(tmp_path.glob(".target.restore.*"))


def test_unsafe_archive_entries_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(HandbookError, match="unsafe entry"):
        restore(archive, tmp_path / "t")
    assert not (tmp_path.parent / "escape.txt").exists()
    with gzip.open(archive) as fh:  # the archive itself is readable: refused for its content
        assert fh.read()


def test_restore_into_a_non_empty_folder_needs_force_and_keeps_the_old_aside(
        data: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    backup(data, archive)
    target = tmp_path / "live"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(HandbookError, match="not empty"):
        restore(archive, target)
    restore(archive, target, force=True)
    aside = list(tmp_path.glob("live.before-restore.*"))
    assert len(aside) == 1 and (aside[0] / "old.txt").read_text() == "old"
    assert (target / "store").is_dir()


def test_cli_backup_and_restore(data: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "cli.tar.gz"
    assert main(["backup", "--data", str(data), "--to", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "backup written" in out and "records" in out and "119" in out
    assert main(["restore", str(archive), "--data", str(tmp_path / "new")]) == 0
    assert "every table and file matches" in capsys.readouterr().out
    assert main(["restore", str(archive), "--data", str(tmp_path / "new")]) == 1
    assert "not empty" in capsys.readouterr().err
    assert main(["backup", "--data", str(tmp_path / "nothing"), "--to", str(archive)]) == 1


def test_demo_history_round_trips_with_equal_checksums(tmp_path: Path) -> None:
    """Real volume shapes (cases with long logs, records, tasks, users) survive backup → restore."""
    from datetime import date

    from runtime.engine.demo import generate

    data = tmp_path / "data"
    store = open_store(data / "store")
    try:
        report = generate(store, "zhongxing-apartments", years=7 / 365.25,
                          end=date(2026, 11, 30), seed=5)
    finally:
        store.close()
    before = store_checksums(data / "store")
    assert before["cases"]["count"] == report.cases + report.handed_off
    archive = tmp_path / "b.tar.gz"
    made = backup(data, archive)
    assert made.tables == before
    restored = tmp_path / "restored"
    restore(archive, restored)
    assert store_checksums(restored / "store") == before
