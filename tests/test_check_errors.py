"""Each kind of mistake gives the right code, file, line and key path; all come in one run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runtime.compiler.pipeline import compile_tree
from runtime.errors import RuleError
from tests.conftest import MakeTree

PROC = "rules/procedures/complaint.yaml"
CLERK = "rules/roles/clerk.yaml"
EAST = "rules/properties/east/property.yaml"


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(root: Path, rel: str, needle: str) -> int:
    for i, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


# (name, file, old text, new text, expected code, message regex, line needle, key path)
CASES = [
    ("yaml-syntax", CLERK, "level: operational", "level: [operational", "E001",
     r"YAML syntax error", None, ""),
    ("duplicate-key", CLERK, "level: operational", "level: operational\nlevel: management",
     "E002", r"duplicate key 'level' \(first defined at line \d+\)", "level: management",
     "level"),
    ("python-tag", CLERK, "title: 前台", "title: !!python/object/apply:os.system ['true']",
     "E003", r"tag .*python.* is not allowed", "title:", "title"),
    ("unknown-role-in-step", PROC, "roles: boss", "roles: nurse", "E022",
     r"unknown role 'nurse'", "roles: nurse", "steps[1].roles"),
    ("unreachable-step", PROC, "      - to: approve\n        when: serious\n",
     "", "E030", r"step 'approve' is unreachable", "- id: approve", "steps[1]"),
    ("no-way-out", PROC, "    next:\n      - to: close\n  - id: close",
     "  - id: close", "E031", r"step 'approve' has no way out", "- id: approve",
     "steps[1]"),
    ("bad-duration", PROC, "within: 24h", "within: 24 parsecs", "E040",
     r"bad duration '24 parsecs'", "within: 24 parsecs", "clocks[0].within"),
    ("condition-missing-field", PROC, "when: serious", "when: urgent", "E051",
     r"condition names 'urgent', which is not a field of form 'register'", "when: urgent",
     "steps[0].next[0].when"),
    ("overlay-missing-id", EAST, "steps[approve].next", "steps[mediate].next", "E061",
     r"cannot add to 'steps\[mediate\].next': no item \[mediate\]", "steps[mediate]",
     "overlays[0].add.steps[mediate].next"),
    ("overlay-unknown-rule", EAST, "- rule: clerk", "- rule: cleark", "E060",
     r"overlay patches unknown rule id 'cleark'", "rule: cleark", "overlays[1].rule"),
    ("reports-to-cycle", "rules/roles/boss.yaml", "level: management",
     "level: management\nreports-to: clerk", "E070", r"reports-to cycle: (boss|clerk) → ",
     None, "reports-to"),
    ("unknown-key", CLERK, "level: operational", "level: operational\nlevle: x", "E011",
     r"unknown key 'levle'", "levle:", "levle"),
    ("bad-enum", CLERK, "level: operational", "level: staff", "E012",
     r"'staff' is not one of: management, operational", "level: staff", "level"),
    ("bad-recurrence", "rules/schedules/routine.yaml", "every Friday 14:30", "every Fryday",
     "E041", r"bad recurrence 'every Fryday'", "every Fryday", "items[0].recurrence"),
    ("bad-condition-syntax", PROC, "when: serious", "when: serious ==", "E050",
     r"syntax error in condition", "when: serious ==", "steps[0].next[0].when"),
    ("unknown-form", PROC, "form: register", "form: registr", "E025", r"unknown form 'registr'",
     "form: registr", "form"),
    ("unknown-step", PROC, "to: close\n    within", "to: closed\n    within", "E026",
     r"unknown step 'closed'", "to: closed", "clocks[0].to"),
    ("ui-condition-field", "forms/register.yaml", 'visible-if: "not serious"',
     'visible-if: "not grave"', "E051", r"condition names 'grave'", "visible-if",
     "ui.fields.phone.visible-if"),
    ("duplicate-id", CLERK, "id: clerk", "id: boss", "E021",
     r"duplicate role id 'boss' \(also rules/roles/boss.yaml\)", "id: boss", "id"),
    ("second-document", CLERK, "level: operational", "level: operational\n---\nkind: role",
     "E001", r"one rule per file", None, ""),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_mistake_is_located(make_tree: MakeTree, case: tuple) -> None:  # type: ignore[type-arg]
    _name, rel, old, new, code, pattern, needle, key_path = case
    root = make_tree()
    _edit(root, rel, old, new)
    errors = compile_tree(root / "rules", root / "forms").errors
    hits = [e for e in errors if e.code == code and re.search(pattern, e.message)]
    assert hits, "\n".join(e.cli_line() for e in errors)
    hit = hits[0]
    assert hit.file == rel.replace("\\", "/") or hit.file.endswith(rel)
    if needle is not None:
        assert hit.line == _line_of(root, rel, needle), hit.cli_line()
    assert hit.key_path == key_path
    assert hit.cli_line().startswith(f"{hit.file}:{hit.line}:{hit.col}: {code} ")


def test_all_mistakes_in_one_run(make_tree: MakeTree) -> None:
    """Ten different mistakes in ten places: one compile reports every one of them."""
    root = make_tree()
    wanted = []
    for case in CASES:
        name, rel, old, new, code, pattern, *_ = case
        if name in {"yaml-syntax", "second-document", "duplicate-key", "python-tag",
                    "duplicate-id", "unknown-key", "bad-enum", "unknown-form",
                    "bad-condition-syntax", "condition-missing-field", "unknown-step"}:
            continue
        _edit(root, rel, old, new)
        wanted.append((code, pattern))
    # The file-level errors go into files of their own, so they don't hide each other.
    (root / "rules/roles/syntax.yaml").write_text("kind: role\nid: [broken\n", encoding="utf-8")
    (root / "rules/roles/dup.yaml").write_text("kind: role\nkind: role\n", encoding="utf-8")
    (root / "rules/roles/tag.yaml").write_text("kind: !!python/name:os.system x\n",
                                               encoding="utf-8")
    wanted += [("E001", "YAML syntax"), ("E002", "duplicate key"), ("E003", "not allowed")]
    errors = compile_tree(root / "rules", root / "forms").errors
    for code, pattern in wanted:
        assert any(e.code == code and re.search(pattern, e.message) for e in errors), (
            code, pattern, "\n".join(e.cli_line() for e in errors))


def test_python_tag_never_executes(make_tree: MakeTree, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = make_tree({"rules/roles/evil.yaml":
                      f"kind: !!python/object/apply:os.system ['touch {marker}']\n"})
    errors = compile_tree(root / "rules", root / "forms").errors
    assert any(e.code == "E003" for e in errors)
    assert not marker.exists()


def test_error_format_human() -> None:
    e = RuleError("rules/roles/front-desk.yaml", 12, 5, "E022", "unknown role 'nurse'",
                  ("steps", 2, "role"))
    assert e.human() == "rules/roles/front-desk.yaml, line 12: steps[2].role: unknown role 'nurse'"
    assert e.cli_line() == (
        "rules/roles/front-desk.yaml:12:5: E022 unknown role 'nurse' (steps[2].role)")
