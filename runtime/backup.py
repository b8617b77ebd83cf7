"""Backups of a data directory that can be trusted: `handbook backup` / `handbook restore`.

A backup is one `.tar.gz` holding the store's files, attachments, published versions, drafts and
imports, plus `manifest.json`: per-table counts and content checksums of the store, and a sha256
per file. It is consistent while the app runs: the store's files are copied under the store's
exclusive file lock (every writer and every compaction switch takes it, so the copy is a state
some transaction left), each draft under its own lock and the versions under the publish lock;
writers wait for the copy (well under a second per 100 MB) and nothing is lost.

Before the archive is written, the copied store is opened and its checksums computed; a restore
unpacks into a new folder beside the target, opens it, recomputes every checksum and file hash and
only then moves it into place. A damaged or incomplete archive is refused and changes nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from runtime.errors import HandbookError, StoreError
from runtime.store import open_store
from runtime.store.checksum import checksums
from runtime.versions.locks import file_lock

FORMAT = "handbook-backup/1"
MANIFEST = "manifest.json"
STORE_LOCK = "lock"  # the embedded store's lock file (runtime/store/embedded/journal.py)
# What a data directory holds that a backup carries (ARCHITECTURE.md, "Data").
PARTS = ("store", "attachments", "versions", "drafts", "imports")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore found: the archive, store table sums, and file count."""

    archive: Path
    tables: dict[str, dict[str, Any]]
    files: int
    created_at: str


@contextmanager
def _store_locked(store_dir: Path) -> Iterator[None]:
    # The same flock every writer of the embedded store takes: while held, no process writes.
    if not store_dir.is_dir():
        yield
        return
    fd = os.open(store_dir / STORE_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _is_scratch(path: Path) -> bool:
    # Lock files and half-written temp files of writers are not data.
    return path.name in (STORE_LOCK, ".lock") or path.name.endswith(".tmp") \
        or ".staging" in path.name


def _copy(src: Path, dest: Path) -> None:
    for path in sorted(src.rglob("*")):
        if any(_is_scratch(p) for p in (path, *path.relative_to(src).parents)
               if p != Path(".")):
            continue
        target = dest / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def _file_hashes(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == MANIFEST:
            continue
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        out[rel] = digest.hexdigest()
    return out


def store_checksums(store_dir: Path) -> dict[str, dict[str, Any]]:
    """Counts and checksums of every table of the store at `store_dir` (empty: no store)."""
    if not store_dir.is_dir() or not any(store_dir.iterdir()):
        return {}
    store = open_store(store_dir)
    try:
        return checksums(store, store.tables())
    finally:
        store.close()


def _snapshot(data_dir: Path, dest: Path, progress: Progress) -> None:
    with ExitStack() as stack:
        # Lock order: publishes, then each draft, then the store (the order writers use).
        stack.enter_context(file_lock(data_dir / "versions" / ".lock"))
        drafts = data_dir / "drafts"
        if drafts.is_dir():
            for d in sorted(p for p in drafts.iterdir() if p.is_dir()):
                stack.enter_context(file_lock(d / ".lock"))
        for part in PARTS:
            src = data_dir / part
            if not src.is_dir():
                continue
            progress(part)
            if part == "store":
                with _store_locked(src):
                    _copy(src, dest / part)
            else:
                _copy(src, dest / part)


def backup(data_dir: Path | str, archive: Path | str, *, progress: Progress | None = None,
           now: datetime | None = None) -> BackupReport:
    """Write a verified backup of `data_dir` to `archive` (a .tar.gz); the app may keep running."""
    data_dir, archive = Path(data_dir), Path(archive)
    say = progress or (lambda _msg: None)
    if not data_dir.is_dir():
        raise HandbookError(f"no data directory at {data_dir}")
    created = (now or datetime.now()).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="handbook-backup-") as tmp:
        work = Path(tmp) / "data"
        work.mkdir()
        _snapshot(data_dir, work, say)
        say("checksums")
        try:
            tables = store_checksums(work / "store")
        except StoreError as exc:
            # The copy was checked; the damage, and the advice, concern the original files.
            raise type(exc)(str(exc).replace(str(work), str(data_dir))) from None
        files = _file_hashes(work)
        manifest = {"format": FORMAT, "created_at": created, "source": str(data_dir),
                    "tables": tables, "files": files}
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                     encoding="utf-8")
        say("archive")
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(f".{archive.name}.{os.getpid()}.tmp")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work, arcname="data")
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, archive)
    return BackupReport(archive, tables, len(files), created)


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise HandbookError(f"backup refused: unsafe entry {member.name!r}")
        if name.parts[:1] != ("data",):
            raise HandbookError(f"backup refused: unexpected entry {member.name!r}")
        members.append(member)
    return members


def verify(unpacked: Path) -> dict[str, Any]:
    """Re-check an unpacked backup against its manifest; HandbookError naming what differs."""
    try:
        manifest = json.loads((unpacked / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HandbookError(f"backup refused: no readable {MANIFEST} ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise HandbookError(f"backup refused: unknown format {manifest.get('format')!r}")
    files = _file_hashes(unpacked)
    for rel, digest in manifest["files"].items():
        if files.get(rel) != digest:
            raise HandbookError(f"backup refused: {rel} is missing or damaged")
    extra = sorted(set(files) - set(manifest["files"]))
    if extra:
        raise HandbookError(f"backup refused: {extra[0]} is not in the manifest")
    tables = store_checksums(unpacked / "store")
    if tables != manifest["tables"]:
        bad = sorted(t for t in set(tables) | set(manifest["tables"])
                     if tables.get(t) != manifest["tables"].get(t))
        raise HandbookError(f"backup refused: store tables differ from the manifest: {bad}")
    return dict(manifest)


def restore(archive: Path | str, data_dir: Path | str, *, force: bool = False,
            progress: Progress | None = None) -> BackupReport:
    """Restore a backup into `data_dir` after verifying it; the old folder is kept aside."""
    archive, data_dir = Path(archive), Path(data_dir)
    say = progress or (lambda _msg: None)
    if data_dir.exists() and any(data_dir.iterdir()) and not force:
        raise HandbookError(f"{data_dir} is not empty: restore into a new folder, or pass "
                            f"--force to move the current one aside first")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restore.", dir=data_dir.parent))
    try:
        say("unpack")
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(staging, members=_safe_members(tar), filter="data")
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise HandbookError(f"backup refused: {archive} cannot be read ({exc})") from exc
        say("verify")
        manifest = verify(staging / "data")
        (staging / "data" / MANIFEST).unlink()
        if data_dir.exists() and not any(data_dir.iterdir()):
            data_dir.rmdir()
        elif data_dir.exists():
            aside = data_dir.with_name(f"{data_dir.name}.before-restore."
                                       f"{datetime.now().strftime('%Y%m%d%H%M%S')}")
            os.replace(data_dir, aside)
        os.replace(staging / "data", data_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupReport(archive, manifest["tables"], len(manifest["files"]),
                        manifest["created_at"])
