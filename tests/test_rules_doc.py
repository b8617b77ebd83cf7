"""docs/RULES.md is tested against the code: its examples form a valid handbook."""

from __future__ import annotations

import re
from pathlib import Path

from runtime.compiler.pipeline import compile_tree
from runtime.compiler.schemas.docs import rules_doc_is_current
from tests.conftest import ROOT

DOC = ROOT / "docs" / "RULES.md"
EXAMPLE = re.compile(r"```yaml\n# example: (\S+)\n(.*?)```", re.S)


def _examples() -> dict[str, str]:
    return {m.group(1): m.group(2) for m in EXAMPLE.finditer(DOC.read_text(encoding="utf-8"))}


def test_every_kind_has_an_example() -> None:
    kinds = {re.search(r"^kind: (\S+)", text, re.M).group(1)  # type: ignore[union-attr]
             for text in _examples().values()}
    assert kinds == {"company", "property", "role", "procedure", "schedule", "form",
                     "calendar", "training"}


def test_examples_form_a_valid_handbook(tmp_path: Path) -> None:
    for rel, text in _examples().items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "forms/templates").mkdir(parents=True)
    (tmp_path / "forms/templates/complaint-register.html.j2").write_text("x", encoding="utf-8")
    result = compile_tree(tmp_path / "rules", tmp_path / "forms")
    assert [e.cli_line() for e in result.errors] == []
    east = result.views["east-garden"].procedures["complaint-handling"]
    assert str(east.clocks[0].within) == "12h" and east.follow_ups == ()


def test_reference_section_is_current() -> None:
    assert rules_doc_is_current(DOC), "run `handbook schemas --write`"
