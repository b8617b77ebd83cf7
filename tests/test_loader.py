"""The YAML loader: line numbers, YAML 1.1 traps closed, unsafe input refused, never crashes."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.compiler.loader import LocDict, LocList, flatten_locs, load_text, loc_at
from runtime.errors import RuleError


def _ok(text: str) -> LocDict:
    data, error = load_text(text, "x.yaml")
    assert error is None, error
    assert data is not None
    return data


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('t: "14:30"', "t", "14:30"),
        ("t: 14:30", "t", "14:30"),  # YAML 1.1 would give the integer 870
        ("t: 08:30", "t", "08:30"),
        ("d: 2026-01-01", "d", "2026-01-01"),  # dates stay the text the author wrote
        ("b: no", "b", "no"),  # the Norway problem
        ("b: yes", "b", "yes"),
        ("b: true", "b", True),
        ("n: 12", "n", 12),
        ("n: 0x1f", "n", 31),
        ("f: 1.5", "f", 1.5),
        ("z: ~", "z", None),
        ("z:", "z", None),
        ("s: 投诉处理率达100%", "s", "投诉处理率达100%"),
    ],
)
def test_scalars(text: str, key: str, expected: object) -> None:
    assert _ok(text)[key] == expected


def test_locations_of_keys_and_items() -> None:
    data = _ok("a: 1\nsteps:\n  - id: x\n    roles: [a, b]\n  - id: y\n")
    assert isinstance(data["steps"], LocList)
    assert loc_at(data, ("steps", 1, "id")).line == 5  # type: ignore[union-attr]
    assert loc_at(data, ("steps", 0, "roles", 1)).line == 4  # type: ignore[union-attr]
    locs = flatten_locs(data)
    assert locs[("a",)].line == 1 and locs[("steps",)].line == 2


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("a: 1\na: 2\n", "E002", 2),
        ("a: [1\n", "E001", 2),
        ("a: !!python/object/apply:os.system ['true']\n", "E003", 1),
        ("a: !custom x\n", "E003", 1),
        ("- 1\n- 2\n", "E006", 1),
        ("", "E006", 1),
        ("a: 1\n---\nb: 2\n", "E001", 2),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "E003", 3),
        ("? [a, b]\n: 1\n", "E005", 1),
    ],
)
def test_refused(text: str, code: str, line: int) -> None:
    data, error = load_text(text, "x.yaml")
    assert data is None and error is not None
    assert (error.code, error.line) == (code, line), error


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i-1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    data, error = load_text("\n".join(lines) + "\n", "bomb.yaml")
    assert data is None and error is not None and error.code == "E004"


YAMLISH = st.text(alphabet=string.printable + "：，。投诉岗位职责-[]{}&*!|>#%@`'\"", max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_random_text_loads_or_reports(text: str) -> None:
    """Any text: a mapping, or one RuleError — never another exception."""
    data, error = load_text(text, "fuzz.yaml")
    assert (data is None) != (error is None)
    if error is not None:
        assert isinstance(error, RuleError) and error.line >= 1


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Random, mostly well-formed rule documents, to fuzz the whole pipeline's first stages."""
    import yaml

    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                     st.sampled_from(["24h", "every Friday 14:30", "role", "procedure"]))
    value = st.recursive(leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(
        st.text(min_size=1, max_size=8), c, max_size=4), max_leaves=20)
    doc = draw(st.dictionaries(st.sampled_from(
        ["kind", "id", "title", "version", "steps", "duties", "schema", "overlays", "x"]),
        value, max_size=6))
    return yaml.safe_dump(doc, allow_unicode=True)


@settings(max_examples=200, deadline=None)
@given(documents())
def test_random_documents_through_validation(text: str) -> None:
    from runtime.compiler.loader import RawDoc
    from runtime.compiler.parsers import PARSERS, parse
    from runtime.compiler.validate import schema_errors

    data, error = load_text(text, "fuzz.yaml")
    if data is None:
        assert isinstance(error, RuleError)
        return
    doc = RawDoc("fuzz.yaml", data, "")
    for e in schema_errors(doc):
        assert isinstance(e, RuleError)
    if doc.kind in PARSERS:
        parse(doc.kind, data, "fuzz.yaml")  # tolerant: never raises on bad shapes


def test_read_rule_bytes_never_reads_a_device_whole() -> None:
    """Even without a tree to confine it, /dev/zero is refused before any read."""
    from runtime.compiler.loader import UnsafeFile, read_rule_bytes

    with pytest.raises(UnsafeFile) as info:
        read_rule_bytes(Path("/dev/zero"))
    assert info.value.code == "E007" and "character device" in info.value.message


def test_read_rule_bytes_follows_links_inside_the_tree(tmp_path: Path) -> None:
    from runtime.compiler.loader import read_rule_bytes

    (tmp_path / "real.yaml").write_text("kind: role\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert read_rule_bytes(tmp_path / "link.yaml", tmp_path) == b"kind: role\n"
