"""Published rule-set versions: numbered snapshots under the data directory, switched atomically.

Layout (under `<data>/versions/`):

    CURRENT                the live version number, replaced by an atomic rename
    0002/rules/ 0002/forms/ 0002/meta.json
    0003/...

Version 1 is the shipped `rules/` and `forms/` of the project (never copied, never edited in
place). Publishing copies a checked tree into a temporary folder, fsyncs it, renames it to
its number, then renames a new CURRENT over the old one: a reader sees the old version or the
new one, never a mix, and a failed publish leaves the previous version live.

Publishes are serialised across processes by an flock on `versions/.lock`, and each states the
version it was based on: if another publish went live in between, it is refused (`StaleBase`)
instead of silently replacing that change — the draft is rebased first (`Drafts.rebase`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from runtime.compiler.loader import iter_rule_files, load_text
from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES
from runtime.errors import HandbookError, RuleError, RuleErrors, StaleBase
from runtime.store.embedded.journal import fsync_dir
from runtime.versions.locks import file_lock

SEMVER_PARTS = 3


@dataclass(frozen=True)
class VersionInfo:
    """One published version: number, when, by whom, why, and the content hash."""

    number: int
    published_at: str
    published_by: str
    message: str
    content_hash: str
    rules: Path
    forms: Path
    parent: int | None = None
    approvals: tuple[dict[str, str], ...] = ()
    rollback_of: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (paths as text)."""
        out = asdict(self)
        out["rules"], out["forms"] = str(self.rules), str(self.forms)
        out["approvals"] = list(self.approvals)
        return out


@dataclass
class PublishResult:
    """What a publish did: the new version and the plain-language changes."""

    version: VersionInfo
    changes: list[Any] = field(default_factory=list)


def tree_hash(rules: Path, forms: Path) -> str:
    """Content hash of a rules + forms tree (file names and bytes), independent of location."""
    digest = hashlib.sha256()
    for root, label in ((rules, "rules"), (forms, "forms")):
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(f"{label}/{path.relative_to(root).as_posix()}".encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _semver(text: str) -> tuple[int, ...] | None:
    core = str(text).split("-", 1)[0].split("+", 1)[0]
    parts = core.split(".")
    if len(parts) != SEMVER_PARTS or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def rule_files(rules: Path, forms: Path) -> dict[str, Path]:
    """Every rule file of a tree by its `rules/...` / `forms/...` path."""
    out = {}
    for root, label in ((rules, "rules"), (forms, "forms")):
        for path in iter_rule_files(root):
            out[f"{label}/{path.relative_to(root).as_posix()}"] = path
    return out


def bump_errors(base_rules: Path, base_forms: Path, rules: Path, forms: Path) -> list[RuleError]:
    """A file changed since the base version must carry a higher `version` (E090)."""
    errors = []
    old = rule_files(base_rules, base_forms)
    for rel, path in rule_files(rules, forms).items():
        before = old.get(rel)
        if before is None:
            continue
        new_bytes = path.read_bytes()
        if new_bytes == before.read_bytes():
            continue
        new_data, _ = load_text(new_bytes.decode("utf-8", "replace"), rel)
        old_data, _ = load_text(before.read_text(encoding="utf-8", errors="replace"), rel)
        if new_data is None or old_data is None:
            continue  # syntax errors are reported by the check itself
        new_v, old_v = _semver(str(new_data.get("version"))), _semver(str(old_data.get("version")))
        if new_v is not None and old_v is not None and new_v <= old_v:
            loc = new_data.locs.get("version", new_data.loc)
            errors.append(RuleError(
                rel, loc.line, loc.col, "E090",
                f"file changed since the live version but its version {new_data.get('version')} "
                f"is not higher than {old_data.get('version')}: bump it",
                ("version",)))
    return errors


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


class VersionRepo:
    """The published versions of one deployment (data directory)."""

    def __init__(self, data_dir: Path | str, shipped_rules: Path | str = DEFAULT_RULES,
                 shipped_forms: Path | str = DEFAULT_FORMS) -> None:
        self.root = Path(data_dir) / "versions"
        self.shipped_rules = Path(shipped_rules)
        self.shipped_forms = Path(shipped_forms)

    # ---- reading ---------------------------------------------------------------------------

    def _dir(self, number: int) -> Path:
        return self.root / f"{number:04d}"

    def current_number(self) -> int:
        """The live version number (1 = the shipped rules)."""
        try:
            return int((self.root / "CURRENT").read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return 1

    def get(self, number: int) -> VersionInfo:
        """One version's metadata (HandbookError when it does not exist)."""
        if number == 1:
            return VersionInfo(1, "", "", "shipped handbook (版本1)",
                               tree_hash(self.shipped_rules, self.shipped_forms),
                               self.shipped_rules, self.shipped_forms)
        folder = self._dir(number)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HandbookError(f"no published version {number}") from exc
        return VersionInfo(
            number=number, published_at=meta["published_at"], published_by=meta["published_by"],
            message=meta["message"], content_hash=meta["content_hash"],
            rules=folder / "rules", forms=folder / "forms", parent=meta.get("parent"),
            approvals=tuple(meta.get("approvals", ())), rollback_of=meta.get("rollback_of"),
        )

    def current(self) -> VersionInfo:
        """The live version."""
        return self.get(self.current_number())

    def all(self) -> list[VersionInfo]:
        """Every version, oldest first (every published version stays viewable)."""
        numbers = [1]
        if self.root.is_dir():
            numbers += sorted(int(p.name) for p in self.root.iterdir()
                              if p.is_dir() and p.name.isdigit() and (p / "meta.json").exists())
        return [self.get(n) for n in numbers]

    def by_hash(self, content_hash: str) -> VersionInfo | None:
        """The version whose tree has this content hash (for cases pinned to a version)."""
        for info in self.all():
            if info.content_hash == content_hash:
                return info
        return None

    def __iter__(self) -> Iterator[VersionInfo]:
        return iter(self.all())

    # ---- writing ---------------------------------------------------------------------------

    def lock(self) -> AbstractContextManager[None]:
        """The inter-process publish lock (also held by a draft's publish and rebase)."""
        return file_lock(self.root / ".lock")

    def since(self, base: int) -> list[VersionInfo]:
        """Versions published after `base` on the live line, oldest first."""
        return [v for v in self.all() if v.number > base]

    def _numbers_on_disk(self) -> list[int]:
        if not self.root.is_dir():
            return [1]
        return [1] + [int(p.name) for p in self.root.iterdir() if p.name.isdigit()]

    def _clean_staging(self) -> None:
        # Only called under the lock: a staging folder then belongs to a publish that died.
        for p in self.root.glob(".*.staging.*"):
            shutil.rmtree(p, ignore_errors=True)

    def publish(
        self,
        rules: Path,
        forms: Path,
        *,
        message: str,
        by: str,
        base: int | None = None,
        approvals: list[dict[str, str]] | None = None,
        rollback_of: int | None = None,
        now: datetime | None = None,
    ) -> VersionInfo:
        """Check and publish a tree as the next version.

        RuleErrors if invalid, StaleBase if `base` (default: the version live when called) is no
        longer live; either way nothing changes.
        """
        if not message.strip():
            raise HandbookError("a publish needs a message (what changed and why)")
        from runtime.versions.gate import blocking, full_check  # gate imports this module

        base = self.current_number() if base is None else base
        # The one check (the editor's, submit's and `handbook check`'s), against the base; it
        # runs outside the lock (it takes a while) and the base is re-verified under it. A
        # rollback republishes an older tree as it was: its files need no new version numbers.
        base_info = self.get(base)
        errors = blocking(full_check(rules, forms, None if rollback_of is not None else base_info))
        if errors:
            raise RuleErrors.of(errors)
        self.root.mkdir(parents=True, exist_ok=True)
        with self.lock():
            live = self.current_number()
            if live != base:
                raise StaleBase(base, live, self.since(base))
            self._clean_staging()
            number = max(self._numbers_on_disk()) + 1
            staging = self.root / f".{number:04d}.staging.{os.getpid()}"
            try:
                self._stage(staging, rules, forms, {
                    "number": number,
                    "published_at": (now or datetime.now()).isoformat(timespec="seconds"),
                    "published_by": by,
                    "message": message,
                    "parent": live,
                    "approvals": approvals or [],
                    "rollback_of": rollback_of,
                })
                os.replace(staging, self._dir(number))
                fsync_dir(self.root)
                # The switch: one rename. Until here the previous version stayed live.
                _atomic_write(self.root / "CURRENT", f"{number}\n")
            except OSError as exc:
                shutil.rmtree(staging, ignore_errors=True)
                raise HandbookError(f"publish failed, version {live} stays live: {exc}") from exc
        return self.get(number)

    @staticmethod
    def _stage(staging: Path, rules: Path, forms: Path, meta: dict[str, Any]) -> None:
        shutil.copytree(rules, staging / "rules")
        shutil.copytree(forms, staging / "forms")
        meta["content_hash"] = tree_hash(staging / "rules", staging / "forms")
        (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2),
                                           encoding="utf-8")
        _fsync_tree(staging)

    def rollback(self, number: int, *, by: str, message: str = "") -> VersionInfo:
        """Publish an older version anew (history is never rewritten)."""
        old = self.get(number)
        return self.publish(old.rules, old.forms, by=by, base=self.current_number(),
                            message=message or f"rollback to version {number}",
                            rollback_of=number)
