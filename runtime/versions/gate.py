"""The one check: what the editor, `handbook check`, submit and publish all ask.

Before this module each caller put its own list together (the editor compiled, submit added
the version-bump rule, `handbook check` did not), so the editor could say "no errors" and the
submit then refuse. `full_check` is the only place that decides what is wrong with a tree:
every compiler error and warning plus the version-bump errors (E090) against the live version.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path, PurePosixPath

from runtime.compiler import pipeline
from runtime.errors import RuleError
from runtime.versions import holiday_years
from runtime.versions.tree import VersionInfo, bump_errors

ROOTS = ("rules", "forms")


def full_check(rules: Path, forms: Path, live: VersionInfo | None, *,
               base: Path | None = None, cached: bool = True,
               today: date | None = None) -> list[RuleError]:
    """Every error and warning of a tree, version bumps against `live` included (None: none).

    Errors come first, then warnings, each group in file/line order, so a caller that shows
    "N errors" shows them at the top. `today` (default: today in property time) dates the
    holiday-schedule warnings (W091); it is not part of the cached compile, which must not
    change with the clock.
    """
    if cached and base is None:
        result = pipeline.compiled(rules, forms)
    else:
        result = pipeline.compile_tree(rules, forms, base=base)
    found = list(result.errors) + holiday_years.gap_warnings(
        result, today or holiday_years.local_today())
    if live is not None and (live.rules.resolve(), live.forms.resolve()) != (
            rules.resolve(), forms.resolve()):
        found += bump_errors(live.rules, live.forms, rules, forms)
    return order(found)


def order(errors: list[RuleError]) -> list[RuleError]:
    """Errors before warnings, each by file, line and column."""
    return sorted(errors, key=lambda e: (e.severity != "error", e.file, e.line, e.col, e.code))


def blocking(errors: list[RuleError]) -> list[RuleError]:
    """The errors that stop a submit or a publish (warnings do not)."""
    return [e for e in errors if e.severity == "error"]


def safe_relpath(rel: str) -> PurePosixPath:
    """A tree-relative rule path, refused when it escapes rules/ or forms/ or is not YAML."""
    p = PurePosixPath(rel.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or not p.parts or p.parts[0] not in ROOTS:
        raise ValueError(f"not a rule file path: {rel!r}")
    if p.suffix not in (".yaml", ".yml"):
        raise ValueError(f"rule files are .yaml: {rel!r}")
    return p


def check_with_edits(edits: Mapping[str, str], rules: Path, forms: Path,
                     live: VersionInfo | None) -> list[RuleError]:
    """`full_check` of a tree with unsaved `edits` (path → text) applied, the tree untouched.

    The tree is copied to a temporary directory laid out like the project, so error paths
    read `rules/...` exactly as in the tree itself.
    """
    with tempfile.TemporaryDirectory(prefix="handbook-check-") as tmp:
        root = Path(tmp)
        shutil.copytree(rules, root / "rules")
        if forms.is_dir():
            shutil.copytree(forms, root / "forms")
        else:
            (root / "forms").mkdir()
        for rel, text in edits.items():
            target = root / safe_relpath(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return full_check(root / "rules", root / "forms", live, base=root, cached=False)
