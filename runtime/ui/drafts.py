"""Checking an edited rule file against a whole tree before it is saved (pure: no Streamlit).

Drafts themselves (working copies, conflicts, review and publishing) belong to
`runtime.versions.drafts`; this module only answers "what would break if this text were
saved?", with every error at its file and line.
"""

from __future__ import annotations

from pathlib import Path

from runtime.compiler import pipeline
from runtime.errors import RuleError
from runtime.versions.gate import check_with_edits, safe_relpath
from runtime.versions.tree import VersionInfo

__all__ = ["safe_relpath", "tree_files", "validate_with"]


def tree_files(rules_dir: Path, forms_dir: Path) -> list[str]:
    """Every rule file of a tree as `rules/...` / `forms/...` paths."""
    out = []
    for root, name in ((rules_dir, "rules"), (forms_dir, "forms")):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                out.append(f"{name}/{path.relative_to(root).as_posix()}")
    return out


def validate_with(edits: dict[str, str], rules_dir: Path | None = None,
                  forms_dir: Path | None = None,
                  live: VersionInfo | None = None) -> list[RuleError]:
    """The one check (`runtime.versions.gate`) of a tree with unsaved `edits` applied.

    `live` is the version the tree will be published over: files changed against it need a
    higher `version:` (E090), exactly as submit and publish will say.
    """
    return check_with_edits(edits, rules_dir or pipeline.DEFAULT_RULES,
                            forms_dir or pipeline.DEFAULT_FORMS, live)
