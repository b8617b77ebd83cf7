"""The pipeline on a small tree: valid views, overlays with provenance, and every error kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.compiler.pipeline import compile_tree, load
from runtime.errors import RuleErrors
from tests.conftest import MakeTree


def _compile(root: Path):  # type: ignore[no-untyped-def]
    return compile_tree(root / "rules", root / "forms")


def test_small_tree_is_valid(make_tree: MakeTree) -> None:
    result = _compile(make_tree())
    assert result.errors == []
    assert set(result.views) == {None, "east", "west"}


def test_overlay_changes_only_its_property(make_tree: MakeTree) -> None:
    result = _compile(make_tree())
    east, west, base = result.views["east"], result.views["west"], result.views[None]
    assert str(east.procedures["complaint"].clocks[0].within) == "12h"
    assert str(west.procedures["complaint"].clocks[0].within) == "24h"
    assert str(base.procedures["complaint"].clocks[0].within) == "24h"
    assert [d.no for d in east.roles["clerk"].duties] == [1, 2]
    assert [d.no for d in base.roles["clerk"].duties] == [1]
    # Unchanged rules are shared, not copied, between views.
    assert east.roles["boss"] is base.roles["boss"]


def test_provenance_points_at_the_overlay(make_tree: MakeTree) -> None:
    result = _compile(make_tree())
    east, base = result.views["east"], result.views[None]
    here = east.where("procedure", "complaint", ("clocks", 0, "within"))
    assert here is not None and here.file.endswith("properties/east/property.yaml")
    assert here.line == 13
    origin = base.where("procedure", "complaint", ("clocks", 0, "within"))
    assert origin is not None and origin.file.endswith("procedures/complaint.yaml")
    added = east.where("role", "clerk", ("duties", 1, "text"))
    assert added is not None and added.file.endswith("properties/east/property.yaml")


def test_stats_count_definitions(make_tree: MakeTree) -> None:
    st = _compile(make_tree()).stats
    # clerk and complaint are overlaid by east, so they count again as east's definitions.
    assert (st.roles, st.procedures, st.properties, st.forms, st.fields) == (3, 2, 2, 1, 3)
    assert st.duties == 2 + 2 and st.clocks == 2 and st.schedule_items == 1


def test_load_raises_all_errors(make_tree: MakeTree) -> None:
    root = make_tree({"rules/roles/bad.yaml": "kind: role\nid: bad\n"})
    with pytest.raises(RuleErrors) as info:
        load(root / "rules", root / "forms")
    assert len(info.value.errors) >= 6  # every missing header key, not just the first
    assert all(e.file.endswith("rules/roles/bad.yaml") for e in info.value.errors)


def test_load_unknown_property(make_tree: MakeTree) -> None:
    root = make_tree()
    with pytest.raises(RuleErrors, match="unknown property 'nowhere'"):
        load(root / "rules", root / "forms", property="nowhere")


def test_cache_is_keyed_by_content(make_tree: MakeTree) -> None:
    root = make_tree()
    first = load(root / "rules", root / "forms")
    assert load(root / "rules", root / "forms") is first
    role = root / "rules/roles/clerk.yaml"
    role.write_text(role.read_text(encoding="utf-8").replace("登记投诉。", "登记投诉及建议。"),
                    encoding="utf-8")
    second = load(root / "rules", root / "forms")
    assert second is not first
    assert second.roles["clerk"].duties[0].text == "登记投诉及建议。"
    assert second.content_hash != first.content_hash
