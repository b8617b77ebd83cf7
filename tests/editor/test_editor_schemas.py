"""The editor schemas: time patterns agree with the parser, tree ids are enums, form data
schemas use the project's subset, and no shipped file gets a false error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from runtime.cli import main as cli_main
from runtime.compiler import schemas
from runtime.compiler.loader import iter_rule_files, parse_text, to_plain
from runtime.compiler.pipeline import compiled
from runtime.compiler.schemas.patterns import duration_pattern, recurrence_pattern
from runtime.compiler.timeexpr import (
    DURATION_FORMS,
    RECURRENCE_FORMS,
    parse_duration,
    parse_recurrence,
)
from tests.conftest import FORMS, RULES

SHIPPED = sorted(iter_rule_files(RULES, FORMS))


def _doc(path: Path) -> dict[str, Any]:
    return to_plain(parse_text(path.read_text(encoding="utf-8"), str(path)))  # type: ignore[no-any-return]


def _validators(tree: Any = None) -> dict[str, Draft7Validator]:
    return {k: Draft7Validator(json.loads(schemas.render(k, tree))) for k in schemas.KINDS}


def _accepts(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _values(node: Any, keys: set[str], out: list[str]) -> list[str]:
    """Every string under one of `keys` anywhere in a document (lists flattened)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in keys and isinstance(v, str):
                out.append(v)
            elif k in keys and isinstance(v, list):
                out.extend(x for x in v if isinstance(x, str))
            _values(v, keys, out)
    elif isinstance(node, list):
        for v in node:
            _values(v, keys, out)
    return out


DURATION_KEYS = {"within", "time-limit", "delay", "retention", "warn-before", "every", "duration"}
RECURRENCE_KEYS = {"recurrence", "schedule"}
NEAR_MISS_DURATIONS = [
    "24 hourz", "5M", "-1h", "1h30m", "2 working weeks", "24 小时s", "h24", "24", "twenty h",
    "2 working months", "1..5h",
]
NEAR_MISS_RECURRENCES = [
    "every fridy", "daily 25:00", "monthly day 25", "quarterly on day 1", "weekly on",
    "every 2 days", "yearly in smarch", "monthly by day 25 08:60", "hourly 8-22",
]
# Accepted by the parser in other spellings: the pattern must take them too.
MORE_DURATIONS = ["２４小时", "15分钟内", "15分钟以内", "2个工作日", "24 Hours", "3 MONTHS", "+5m",
                  "4 working  hours"]
MORE_RECURRENCES = ["Every Friday at 14:30", "daily 08:00 and 17:00", "every Monday, Thursday",
                    "monthly last working day", "yearly in dec, jun", "every mondays",
                    "weekly on Fri 14:30", "定期"]


def _shipped_values(keys: set[str]) -> list[str]:
    out: list[str] = []
    for path in SHIPPED:
        _values(_doc(path), keys, out)
    return sorted(set(out))


def test_duration_pattern_agrees_with_the_parser() -> None:
    pattern = re.compile(duration_pattern())
    shipped = _shipped_values(DURATION_KEYS)
    assert len(shipped) > 10
    forms = [f.strip() for f in DURATION_FORMS.split(",")]
    assert all(_accepts(parse_duration, t) for t in MORE_DURATIONS)
    for text in shipped + forms + MORE_DURATIONS:
        if _accepts(parse_duration, text):
            assert pattern.search(text), text
    for text in NEAR_MISS_DURATIONS:
        assert not _accepts(parse_duration, text), text
        assert not pattern.search(text), text


def test_recurrence_pattern_agrees_with_the_parser() -> None:
    pattern = re.compile(recurrence_pattern())
    shipped = [v for v in _shipped_values(RECURRENCE_KEYS) if _accepts(parse_recurrence, v)]
    assert len(shipped) > 10
    forms = [p.strip() for f in RECURRENCE_FORMS.split(";") for p in f.split(" / ")]
    assert all(_accepts(parse_recurrence, t) for t in MORE_RECURRENCES)
    accepted = [t for t in forms + MORE_RECURRENCES if _accepts(parse_recurrence, t)]
    assert len(accepted) > 25
    for text in shipped + accepted:
        assert pattern.search(text), text
    for text in NEAR_MISS_RECURRENCES:
        assert not _accepts(parse_recurrence, text), text
        assert not pattern.search(text), text


@pytest.mark.parametrize("per_tree", [False, True], ids=["generic", "per-tree"])
def test_no_false_errors_on_the_shipped_files(per_tree: bool) -> None:
    validators = _validators(compiled(RULES, FORMS) if per_tree else None)
    problems = []
    for path in SHIPPED:
        doc = _doc(path)
        problems += [f"{path}: {list(e.absolute_path)} {e.message}"
                     for e in validators[doc["kind"]].iter_errors(doc)]
    assert len(SHIPPED) >= 82
    assert problems == []


def _procedure() -> tuple[Path, dict[str, Any]]:
    path = RULES / "company" / "procedures" / "complaint-handling.yaml"
    return path, _doc(path)


def _messages(validator: Draft7Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)} {e.message}" for e in validator.iter_errors(doc)]


def test_tree_schema_flags_unknown_ids_and_bad_durations() -> None:
    tree = compiled(RULES, FORMS)
    generic, per_tree = _validators()["procedure"], _validators(tree)["procedure"]
    _, doc = _procedure()
    doc["steps"][0]["roles"] = ["front-desk", "front-dsk"]
    doc["clocks"][0]["within"] = "24 hourz"
    # The generic schema knows the syntax, not the tree: the duration only.
    assert [m for m in _messages(generic, doc) if "front-dsk" in m] == []
    assert any("24 hourz" in m for m in _messages(generic, doc))
    found = _messages(per_tree, doc)
    assert any("front-dsk" in m and "'roles'" in m for m in found), found
    assert any("24 hourz" in m for m in found), found


def test_tree_schema_lists_role_ids_with_titles() -> None:
    tree = compiled(RULES, FORMS)
    schema = json.loads(schemas.render("procedure", tree))
    step = schema["properties"]["steps"]["items"]
    roles = step["properties"]["roles"]["oneOf"][0]
    assert set(tree.views[None].roles) <= set(roles["enum"])
    index = roles["enum"].index("front-desk")
    assert roles["enumDescriptions"][index] == tree.views[None].roles["front-desk"].meta.title
    steps = step["properties"]["next"]["items"]["properties"]["to"]
    assert "resolve" in steps["enum"] or len(steps["enum"]) > 10


def test_form_data_schema_uses_the_supported_subset() -> None:
    validator = _validators()["form"]
    path = FORMS / "complaint-register.yaml"
    doc = _doc(path)
    assert _messages(validator, doc) == []
    field = next(iter(doc["schema"]["properties"]))
    doc["schema"]["properties"][field]["type"] = "integr"
    doc["schema"]["properties"][field]["requird"] = True
    found = _messages(validator, doc)
    assert any("integr" in m for m in found), found
    assert any("requird" in m for m in found), found
    # The compiler says the same (E013), so editor and check agree.
    from runtime.compiler.validate import form_schema_problems
    assert {str(p[-1]) for p, _ in form_schema_problems(doc["schema"])} >= {"type", "requird"}


def test_cli_writes_per_tree_schemas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "schemas"
    assert cli_main(["schemas", "--tree", "--rules", str(RULES), "--forms", str(FORMS),
                     "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{k}.schema.json" for k in schemas.KINDS)
    role = json.loads((out / "role.schema.json").read_text(encoding="utf-8"))
    assert "front-desk" in role["properties"]["reports-to"]["oneOf"][0]["enum"]
    assert str(out / "role.schema.json") in capsys.readouterr().out
