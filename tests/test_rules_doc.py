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
    assert [e.cli_line() for e in result.errors if e.severity == "error"] == []
    # The one warning is on purpose: the 定期家访 example shows `recurrence: regular` (W041).
    assert [(e.code, e.key_path) for e in result.errors if e.severity != "error"] == [
        ("W041", "items[5].recurrence")]
    east = result.views["east-garden"].procedures["complaint-handling"]
    assert str(east.clocks[0].within) == "12h" and east.follow_ups == ()


def test_reference_section_is_current() -> None:
    assert rules_doc_is_current(DOC), "run `handbook schemas --write`"


def test_issue19_examples_mean_what_the_text_says(tmp_path: Path) -> None:
    for rel, text in _examples().items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = compile_tree(tmp_path / "rules", tmp_path / "forms")
    hb = result.views[None]
    proc = hb.procedures["decoration-violation"]
    assert [t.to for t in proc.step("decide").parallel] == ["stop-work", "rectify",
                                                             "deduct-deposit"]
    assert proc.step("report").join == "all" and proc.step("rectify").department
    assert str(proc.clocks[0].within) == "10m"  # within: immediately, the company's limit
    assert result.views["harbour-view"].property.script == "hant"  # type: ignore[union-attr]
    assert hb.roles["hq-trainer"].serves == ("east-garden", "harbour-view")
    assert hb.roles["security-guard"].work_pattern.rotation is not None  # type: ignore[union-attr]
    items = {i.id: i for i in hb.schedules["service-centre-calendar"].items}
    assert items["floor-patrol"].at_least == (2, "week") and items["home-visit"].recurrence.pending
