"""Every shipped YAML loads, the tree checks clean, schemas and docs stay in step with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from runtime.compiler import schemas
from runtime.compiler.loader import iter_rule_files, load_text
from runtime.compiler.pipeline import compiled
from tests.conftest import FORMS, ROOT, RULES

SHIPPED = sorted(iter_rule_files(RULES, FORMS))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.relative_to(ROOT).as_posix() for p in SHIPPED])
def test_every_shipped_file_loads(path: Path) -> None:
    data, error = load_text(path.read_text(encoding="utf-8"), path.name)
    assert error is None, error.cli_line() if error else ""
    assert data is not None and data["kind"] in schemas.KINDS


@pytest.mark.parametrize("path", SHIPPED, ids=[p.relative_to(ROOT).as_posix() for p in SHIPPED])
def test_every_shipped_file_names_its_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.match(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{path}: first line must be the yaml-language-server schema header"
    target = (path.parent / match.group(1)).resolve()
    kind = load_text(path.read_text(encoding="utf-8"), path.name)[0]["kind"]  # type: ignore[index]
    assert target == schemas.schema_file(kind).resolve()


def test_shipped_tree_is_valid() -> None:
    result = compiled(RULES, FORMS)
    assert [e.cli_line() for e in result.errors if e.severity == "error"] == []
    assert {None, "taoyuan-village", "zhongxing-apartments", "lihu-camphor-garden"} <= set(
        result.views)


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_committed_schema_files_are_current(kind: str) -> None:
    path = schemas.schema_file(kind)
    assert path.read_text(encoding="utf-8") == schemas.render(kind), (
        "run `handbook schemas --write`")
    json.loads(path.read_text(encoding="utf-8"))


def _keys(schema: dict, out: set[str]) -> set[str]:  # type: ignore[type-arg]
    for key, sub in (schema.get("properties") or {}).items():
        out.add(key)
        if isinstance(sub, dict):
            _keys(sub, out)
            if isinstance(sub.get("items"), dict):
                _keys(sub["items"], out)
            if isinstance(sub.get("additionalProperties"), dict):
                _keys(sub["additionalProperties"], out)
            for alt in sub.get("oneOf", []):
                _keys(alt, out)
    return out


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_rules_doc_documents_every_key(kind: str) -> None:
    """docs/RULES.md names every key of every kind (datasette-style docs tested against code)."""
    doc = (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8")
    keys = _keys(schemas.SCHEMAS[kind], set())
    for definition in schemas.DEFS.values():
        _keys(definition, keys)
    missing = sorted(k for k in keys if f"`{k}`" not in doc and k != "$schema")
    assert missing == [], f"docs/RULES.md lacks {missing}"
