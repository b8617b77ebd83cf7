"""Three-way merge of rule files (runtime/versions/merge.py)."""

from __future__ import annotations

import pytest

from runtime.versions.merge import merge3, merge_trees

BASE = "a\nb\nc\nd\ne\n"


@pytest.mark.parametrize(("ours", "theirs", "merged"), [
    ("a\nB\nc\nd\ne\n", "a\nb\nc\nD\ne\n", "a\nB\nc\nD\ne\n"),      # different lines
    ("a\nB\nc\nd\ne\n", "a\nB\nc\nd\ne\n", "a\nB\nc\nd\ne\n"),      # the same change
    ("a\nB\nC\nd\ne\n", "a\nb\nC\nd\ne\n", "a\nB\nC\nd\ne\n"),      # one line changed alike
    ("a\nb\nc\nd\ne\nf\n", "x\na\nb\nc\nd\ne\n", "x\na\nb\nc\nd\ne\nf\n"),  # both ends
    ("a\nc\nd\ne\n", "a\nb\nc\nd\nE\n", "a\nc\nd\nE\n"),            # deletion + change
    (BASE, "z\n", "z\n"),                                            # only theirs changed
])
def test_clean_merges(ours: str, theirs: str, merged: str) -> None:
    assert merge3(BASE, ours, theirs) == (merged, [])


@pytest.mark.parametrize(("ours", "theirs"), [
    ("a\nB\nc\nd\ne\n", "a\nX\nc\nd\ne\n"),        # the same line, differently
    ("z\na\nb\nc\nd\ne\n", "y\na\nb\nc\nd\ne\n"),  # two insertions at one place
    ("a\nc\nd\ne\n", "a\nB\nc\nd\ne\n"),           # deleted here, changed there
])
def test_conflicts_keep_ours_and_report_both(ours: str, theirs: str) -> None:
    _text, conflicts = merge3(BASE, ours, theirs, "rules/x.yaml")
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.path == "rules/x.yaml" and c.line >= 1
    assert c.ours != c.theirs
    assert "live/rules/x.yaml" in c.diff()


def test_tree_merge_adds_deletes_and_flags_modify_delete() -> None:
    base = {"rules/a.yaml": BASE, "rules/b.yaml": BASE, "rules/c.yaml": BASE}
    ours = {"rules/a.yaml": BASE, "rules/b.yaml": "a\nB\nc\nd\ne\n", "rules/new.yaml": "n\n"}
    theirs = {"rules/b.yaml": BASE, "rules/c.yaml": "changed\n", "rules/t.yaml": "t\n"}
    out = merge_trees(base, ours, theirs)
    assert out.files == {"rules/a.yaml": None, "rules/t.yaml": "t\n"}
    assert [c.path for c in out.conflicts] == ["rules/c.yaml"]  # we deleted, they changed
