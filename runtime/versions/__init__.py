"""Rule-set versions and document control: drafts → review → approval → publish, diffs, reads."""

from __future__ import annotations

import os
from pathlib import Path

from runtime.compiler.pipeline import PROJECT_ROOT
from runtime.versions.tree import VersionInfo, VersionRepo

__all__ = ["VersionInfo", "VersionRepo", "current_tree", "data_dir"]


def data_dir() -> Path:
    """The data directory: $HANDBOOK_DATA, else `data/` in the project."""
    return Path(os.environ.get("HANDBOOK_DATA") or PROJECT_ROOT / "data")


def current_tree(data: Path | str | None = None) -> tuple[Path, Path, int]:
    """(rules dir, forms dir, version number) of the live rule set."""
    info = VersionRepo(data if data is not None else data_dir()).current()
    return info.rules, info.forms, info.number
