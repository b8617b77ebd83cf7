"""Role documents: pending document control, purpose/scope, work content, routine, references."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.compiler.pipeline import compile_tree
from tests.conftest import MakeTree

CLERK = "rules/roles/clerk.yaml"


def _compile_with(make_tree: MakeTree, extra: str):  # type: ignore[no-untyped-def]
    root: Path = make_tree()
    path = root / CLERK
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return compile_tree(root / "rules", root / "forms")


DOCUMENT = """\
purpose: 明确前台职责。
scope: 适用于前台。
work-content:
  - no: 1
    text: 每日整理档案。
    schedule: daily
  - no: 3
    label: (3)
    text: 协助回访。
routine:
  - {no: 1, text: 班前检查}
  - {no: 2, text: 接待来访}
references:
  - {title: 员工考核办法, number: HR-03}
  - {title: 用工制度, link: docs/hr.pdf}
"""


def test_role_document_parts_are_their_own_lists(make_tree: MakeTree) -> None:
    result = _compile_with(make_tree, DOCUMENT)
    assert result.errors == []
    role = result.views[None].roles["clerk"]
    assert role.purpose == "明确前台职责。" and role.scope == "适用于前台。"
    assert [d.no for d in role.duties] == [1]
    assert [(d.no, d.label) for d in role.work_content] == [(1, None), (3, "(3)")]
    assert str(role.work_content[0].schedule) == "daily"
    assert [s.text for s in role.routine] == ["班前检查", "接待来访"]
    assert [(r.title, r.number, r.link) for r in role.references] == [
        ("员工考核办法", "HR-03", None), ("用工制度", None, "docs/hr.pdf")]


@pytest.mark.parametrize(("value", "pending"), [
    ("审核人", ()),
    ("", ("reviewed-by",)),
    ("~", ("reviewed-by",)),
    ("null", ("reviewed-by",)),
])
def test_document_control_may_be_pending(make_tree: MakeTree, value: str,
                                         pending: tuple[str, ...]) -> None:
    root: Path = make_tree()
    path = root / CLERK
    text = path.read_text(encoding="utf-8")
    lines = [f"reviewed-by: {value}".rstrip() if ln.startswith("reviewed-by:") else ln
             for ln in text.splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = compile_tree(root / "rules", root / "forms")
    assert result.errors == []
    meta = result.views[None].roles["clerk"].meta
    assert meta.pending == pending
    assert meta.reviewed_by == (None if pending else value)


def test_document_control_keys_stay_required(make_tree: MakeTree) -> None:
    root: Path = make_tree()
    path = root / CLERK
    text = "\n".join(ln for ln in path.read_text(encoding="utf-8").splitlines()
                     if not ln.startswith("approved-by:"))
    path.write_text(text + "\n", encoding="utf-8")
    errors = compile_tree(root / "rules", root / "forms").errors
    assert [e.code for e in errors] == ["E012"]


@pytest.mark.parametrize(("extra", "codes"), [
    ("routine:\n  - {no: 1, text: a}\n  - {no: 2, text: b}\n", []),
    ("routine:\n  - {no: 2, text: a}\n  - {no: 1, text: b}\n", [("E097", "routine[1].no")]),
    ("routine:\n  - {no: 1, text: a}\n  - {no: 1, text: b}\n", [("E097", "routine[1].no")]),
    ("routine:\n  - {no: 1}\n", [("E012", "routine[0]")]),
    ("routine:\n  - {no: 1, text: a, at: '08:00'}\n", [("E011", "routine[0].at")]),
    ("references:\n  - {title: 制度, link: 'https://example.com/a'}\n", []),
    ("references:\n  - {title: 制度, link: 'javascript:alert(1)'}\n",
     [("E098", "references[0].link")]),
    ("references:\n  - {number: X-1}\n", [("E012", "references[0]")]),
    ("work-content:\n  - {no: 1, text: a, forms: [nowhere]}\n",
     [("E025", "work-content[0].forms[0]")]),
    ("work-content:\n  - {no: 1, text: a, procedures: [nowhere]}\n",
     [("E024", "work-content[0].procedures[0]")]),
    ("purpose: ''\n", [("E012", "purpose")]),
])
def test_role_document_checks(make_tree: MakeTree, extra: str,
                              codes: list[tuple[str, str]]) -> None:
    errors = _compile_with(make_tree, extra).errors
    assert [(e.code, e.key_path) for e in errors] == codes


def test_role_document_changes_are_listed_in_plain_language(make_tree: MakeTree,
                                                           tmp_path: Path) -> None:
    from runtime.versions.diff import diff_trees

    old = make_tree()
    import shutil

    new = tmp_path / "new"
    shutil.copytree(old, new)
    clerk = new / CLERK
    clerk.write_text(clerk.read_text(encoding="utf-8") + DOCUMENT, encoding="utf-8")
    changes = [c.zh for c in diff_trees(old / "rules", old / "forms", new / "rules",
                                        new / "forms")]
    assert any("工作流程" in c and "班前检查" in c for c in changes), changes
    assert any("目的" in c for c in changes) and any("相关文件" in c for c in changes)
