"""docs/SOURCES.md and its seed pages map every shipped rule and form file to its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.compiler.loader import iter_rule_files
from tests.conftest import FORMS, ROOT, RULES

PAGES = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs/sources").glob(
    "*.md")))
FILES = sorted(iter_rule_files(RULES, FORMS))


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(ROOT).as_posix() for p in FILES])
def test_every_file_has_a_source(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    assert f"`{rel}`" in PAGES, f"{rel} is not mapped in docs/sources/*.md"


def test_index_links_every_page() -> None:
    index = (ROOT / "docs/SOURCES.md").read_text(encoding="utf-8")
    for page in (ROOT / "docs/sources").glob("*.md"):
        assert f"sources/{page.name}" in index
