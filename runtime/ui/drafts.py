"""Checking an edited rule file against a whole tree before it is saved (pure: no Streamlit).

Drafts themselves (working copies, conflicts, review and publishing) belong to
`runtime.versions.drafts`; this module only answers "what would break if this text were
saved?", with every error at its file and line.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath

from runtime.compiler import pipeline
from runtime.errors import RuleError

ROOTS = ("rules", "forms")


def safe_relpath(rel: str) -> PurePosixPath:
    """A project-relative rule path, refused when it escapes rules/ or forms/ or is not YAML."""
    p = PurePosixPath(rel.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or not p.parts or p.parts[0] not in ROOTS:
        raise ValueError(f"not a rule file path: {rel!r}")
    if p.suffix not in (".yaml", ".yml"):
        raise ValueError(f"rule files are .yaml: {rel!r}")
    return p


def tree_files(rules_dir: Path, forms_dir: Path) -> list[str]:
    """Every rule file of a tree as `rules/...` / `forms/...` paths."""
    out = []
    for root, name in ((rules_dir, "rules"), (forms_dir, "forms")):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                out.append(f"{name}/{path.relative_to(root).as_posix()}")
    return out


def validate_with(edits: dict[str, str], rules_dir: Path | None = None,
                  forms_dir: Path | None = None) -> list[RuleError]:
    """Every error of a tree (the shipped one by default) with `edits` (path → text) applied.

    The tree is copied to a temporary directory laid out like the project, so error paths
    read `rules/...` exactly as in the shipped tree.
    """
    rules_dir = rules_dir or pipeline.DEFAULT_RULES
    forms_dir = forms_dir or pipeline.DEFAULT_FORMS
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
