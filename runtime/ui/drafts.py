"""Draft rule files kept in the data directory, and validation of a tree with drafts applied.

The shipped `rules/` and `forms/` are never written by the app. A draft is a whole file at
`<data>/drafts/<path relative to the project>` (e.g. `drafts/rules/company/roles/x.yaml`)
with a JSON sidecar (`.meta.json`: who, when, the content hash it was based on), written
atomically (temp file, fsync, rename). Publishing (issue 7) takes drafts from here.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from runtime import pipeline
from runtime.errors import RuleError

ROOTS = ("rules", "forms")


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` so a crash leaves either the old or the new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def safe_relpath(rel: str) -> PurePosixPath:
    """A project-relative rule path, refused when it escapes rules/ or forms/ or is not YAML."""
    p = PurePosixPath(rel.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or not p.parts or p.parts[0] not in ROOTS:
        raise ValueError(f"not a rule file path: {rel!r}")
    if p.suffix not in (".yaml", ".yml"):
        raise ValueError(f"rule files are .yaml: {rel!r}")
    return p


@dataclass(frozen=True)
class Draft:
    """One saved draft: its path, text and who saved it when."""

    path: str
    text: str
    saved_by: str
    saved_at: str
    base_hash: str
    errors: int


class DraftStore:
    """Drafts under `<data>/drafts`, mirroring the project layout."""

    def __init__(self, data_dir: Path, project_root: Path = pipeline.PROJECT_ROOT) -> None:
        self.root = data_dir / "drafts"
        self.project = project_root

    def _file(self, rel: str) -> Path:
        return self.root / safe_relpath(rel)

    def shipped_text(self, rel: str) -> str | None:
        """The live (shipped) text of a rule file, or None for a new file."""
        path = self.project / safe_relpath(rel)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def get(self, rel: str) -> Draft | None:
        """The saved draft of a file, or None."""
        path = self._file(rel)
        if not path.is_file():
            return None
        meta_path = path.with_name(path.name + ".meta.json")
        meta: dict[str, Any] = {}
        try:
            loaded = json.loads(meta_path.read_text(encoding="utf-8"))
            meta = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            pass  # a missing or damaged sidecar loses only who/when, never the draft
        return Draft(rel, path.read_text(encoding="utf-8"), str(meta.get("saved_by", "")),
                     str(meta.get("saved_at", "")), str(meta.get("base_hash", "")),
                     int(meta.get("errors", 0)))

    def save(self, rel: str, text: str, user: str, base_hash: str, errors: int) -> Draft:
        """Save (or replace) a draft atomically, text first, then its sidecar."""
        path = self._file(rel)
        atomic_write(path, text)
        saved_at = datetime.now().isoformat(timespec="seconds")
        meta = {"saved_by": user, "saved_at": saved_at, "base_hash": base_hash, "errors": errors}
        atomic_write(path.with_name(path.name + ".meta.json"),
                     json.dumps(meta, ensure_ascii=False, indent=2))
        return Draft(rel, text, user, saved_at, base_hash, errors)

    def discard(self, rel: str) -> None:
        """Delete a draft (the shipped file is untouched)."""
        path = self._file(rel)
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".meta.json").unlink(missing_ok=True)

    def list(self) -> list[str]:
        """Project-relative paths of every draft."""
        if not self.root.is_dir():
            return []
        out = []
        for p in sorted(self.root.rglob("*")):
            if p.suffix in (".yaml", ".yml") and p.is_file():
                out.append(p.relative_to(self.root).as_posix())
        return out


def validate_with(edits: dict[str, str], project_root: Path = pipeline.PROJECT_ROOT,
                  rules_dir: Path | None = None, forms_dir: Path | None = None,
                  ) -> list[RuleError]:
    """Every error of the live tree with `edits` (project-relative path → text) applied.

    The tree is copied to a temporary directory laid out like the project, so error paths
    read `rules/...` exactly as in the shipped tree.
    """
    rules_dir = rules_dir or project_root / "rules"
    forms_dir = forms_dir or project_root / "forms"
    with tempfile.TemporaryDirectory(prefix="handbook-validate-") as tmp:
        root = Path(tmp)
        shutil.copytree(rules_dir, root / "rules")
        if forms_dir.is_dir():
            shutil.copytree(forms_dir, root / "forms")
        for rel, text in edits.items():
            target = root / safe_relpath(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        result = pipeline.compile_tree(root / "rules", root / "forms", base=root)
    return result.errors
