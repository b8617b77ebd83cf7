"""Each kind of mistake gives the right code, file, line and key path; all come in one run."""

from __future__ import annotations

import os
import re
import resource
import socket
import subprocess
import sys
from collections.abc import Callable
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


# ---- hostile trees: things that are not plain files inside the tree ------------------------
# Each case runs `handbook check` in a child process (under a generous timeout that is only a
# guard, and a 200 MB address-space limit) and expects exit 1, the file, the message, and no
# traceback. None of them may hang (a FIFO), read a device whole, or follow a link out.


def _fifo(root: Path) -> str:
    os.mkfifo(root / "rules/roles/f.yaml")
    return "rules/roles/f.yaml"


def _dev_zero(root: Path) -> str:
    (root / "rules/roles/z.yaml").symlink_to("/dev/zero")
    return "rules/roles/z.yaml"


def _loop(root: Path) -> str:
    (root / "rules/roles/a.yaml").symlink_to(root / "rules/roles/b.yaml")
    (root / "rules/roles/b.yaml").symlink_to(root / "rules/roles/a.yaml")
    return "rules/roles/a.yaml"


def _link_out(root: Path) -> str:
    outside = root.parent / "outside.yaml"
    outside.write_text("kind: role\nid: outsider\ntitle: 外人\nlevel: operational\n",
                       encoding="utf-8")
    (root / "rules/roles/outsider.yaml").symlink_to(outside)
    return "rules/roles/outsider.yaml"


def _dir_link_out(root: Path) -> str:
    (root / "rules/etc").symlink_to("/etc")
    return "rules/etc"


def _unreadable(root: Path) -> str:
    (root / "rules/roles/clerk.yaml").chmod(0)
    return CLERK


def _unreadable_dir(root: Path) -> str:
    (root / "rules/roles").chmod(0)
    return "rules/roles"


def _huge(root: Path) -> str:
    with (root / "rules/roles/huge.yaml").open("wb") as fh:  # sparse: no disk, 4 GB long
        fh.truncate(4 * 1024 ** 3)
    return "rules/roles/huge.yaml"


def _socket(root: Path) -> str:
    path = root / "rules/roles/s.yaml"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
    except OSError as exc:  # socket paths are limited to ~108 bytes
        pytest.skip(f"cannot bind a unix socket here: {exc}")
    finally:
        sock.close()
    return "rules/roles/s.yaml"


def _template(value: str) -> Callable[[Path], str]:
    def make(root: Path) -> str:
        reg = root / "forms/register.yaml"
        reg.write_text(reg.read_text(encoding="utf-8") + f"print:\n  template: {value}\n",
                       encoding="utf-8")
        return "forms/register.yaml"
    return make


def _template_link_out(root: Path) -> str:
    (root / "forms/templates").mkdir(exist_ok=True)
    (root / "forms/templates/leak.html.j2").symlink_to(root / "rules/roles/clerk.yaml")
    return _template("leak.html.j2")(root)


def _template_wordwrap(root: Path) -> str:
    (root / "forms/templates").mkdir(exist_ok=True)
    (root / "forms/templates/wrap.html.j2").write_text(
        "{{ doc.form_title|wordwrap }}{{ lipsum(10**6) }}", encoding="utf-8")
    return _template("wrap.html.j2")(root)


HOSTILE = [
    ("fifo", _fifo, "E007", "not a regular file: a FIFO"),
    ("dev-zero-link", _dev_zero, "E007", "symlink pointing outside the rules tree"),
    ("symlink-loop", _loop, "E007", "symlink loop"),
    ("link-out", _link_out, "E007", "symlink pointing outside the rules tree"),
    ("dir-link-out", _dir_link_out, "E007", "symlink pointing outside the rules tree"),
    ("unreadable", _unreadable, "E007", "no read permission"),
    ("unreadable-dir", _unreadable_dir, "E007", "directory cannot be listed"),
    ("huge-sparse", _huge, "E004", "file larger than 2 MB"),
    ("socket", _socket, "E007", "not a regular file: a socket"),
    ("template-absolute", _template("/etc/passwd"), "E027",
     "must be a file name inside forms/templates"),
    ("template-dotdot", _template("../register.yaml"), "E027",
     "must be a file name inside forms/templates"),
    ("template-link-out", _template_link_out, "E027", "not found in forms/templates"),
    ("template-unboundable", _template_wordwrap, "E054", "'lipsum', which cannot be bounded"),
]


def _limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (200 * 1024 ** 2, 200 * 1024 ** 2))


@pytest.mark.parametrize("make,code,message", [h[1:] for h in HOSTILE],
                         ids=[h[0] for h in HOSTILE])
def test_hostile_tree_is_reported(make_tree: MakeTree, make: Callable[[Path], str], code: str,
                                  message: str) -> None:
    root = make_tree()
    rel = make(root)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "runtime.cli", "check", "--rules", str(root / "rules"),
             "--forms", str(root / "forms")], capture_output=True, text=True, timeout=60,
            cwd=Path(__file__).resolve().parent.parent, preexec_fn=_limit_memory, check=False)
    finally:
        for path in (root / "rules/roles", root / "rules/roles/clerk.yaml"):
            if path.exists() and not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if f" {code} " in line]
    hits = [line for line in lines if line.startswith(f"{rel}:") and message in line]
    assert hits, proc.stdout + proc.stderr


# ---- slips Chinese authors make: a hint, and no cascade (issue 11 item 5) ------------------

# (name, file, old, new, code, hint in English, hint in Chinese)
SLIPS = [
    ("full-width-colon", CLERK, "level: operational", "level： operational", "E001",
     r"full-width colon '：' after the key 'level'", r"全角冒号"),
    ("full-width-comma", PROC, "roles: [clerk]", "roles: [clerk， boss]", "E001",
     r"full-width comma '，'", r"全角逗号"),
    ("full-width-quotes", CLERK, "title: 前台", "title: “前台”: 接待", "E001",
     r"full-width quotes", r"全角引号"),
    ("half-width-comma-in-flow-mapping", CLERK, "duties:\n",
     "duties:\n  - {no: 2, text: 处理日常事务,确保服务质量}\n", "E001",
     r"half-width ',' inside a \{ \} mapping split the text: '确保服务质量' became a key",
     r"半角逗号把文字截断"),
    ("half-width-colon-in-flow-mapping", CLERK, "duties:\n",
     "duties:\n  - {no: 2, text: 注意: 安全第一}\n", "E001",
     r"half-width ': ' inside a \{ \} mapping starts a new key", r"半角 ': ' 会开始一个新的键"),
    ("tab", CLERK, "level: operational", "\tlevel: operational", "E001", r"a tab character",
     r"Tab 制表符"),
    ("missing-space-after-colon", CLERK, "level: operational", "level:operational", "E001",
     r"missing space after ':' in 'level': write 'level: operational'", r"冒号后缺少空格"),
    ("unquoted-time", "rules/calendar.yaml", 'start: "08:30", end: "17:30"',
     'start: "08:30", end: 17:30', "W001",
     r"unquoted time '17:30'.*number 1050", r"请加引号"),
]


@pytest.mark.parametrize("case", SLIPS, ids=[c[0] for c in SLIPS])
def test_slips_get_a_hint_and_no_cascade(make_tree: MakeTree, case: tuple) -> None:  # type: ignore[type-arg]
    from runtime.compiler.messages import describe

    _name, rel, old, new, code, hint_en, hint_zh = case
    root = make_tree()
    _edit(root, rel, old, new)
    errors = compile_tree(root / "rules", root / "forms").errors
    shown = "\n".join(e.cli_line() for e in errors)
    [hit] = [e for e in errors if e.code == code]
    assert hit.file == rel and re.search(hint_en, hit.hint), shown
    assert " — hint: " in hit.cli_line()
    assert re.search(hint_zh, describe(hit, "zh")) and "提示" in describe(hit, "zh")
    # The file that does not parse produces no "unknown ..." errors elsewhere: one note instead.
    others = [e for e in errors if e.file != rel]
    assert not [e for e in others if e.severity == "error"], shown
    notes = [e for e in others if e.code == "W090"]
    if code == "E001":
        assert len(notes) == 1 and f"not checked: file {rel} has a syntax error" in notes[
            0].message, shown
    else:
        assert notes == []


def test_hints_are_not_given_for_correct_text(make_tree: MakeTree) -> None:
    """Chinese punctuation inside text, and quoted times, are not slips."""
    root = make_tree()
    _edit(root, CLERK, "text: 登记投诉。", "text: 登记投诉，时间8:30—17:30，“按时”完成")
    _edit(root, "rules/roles/boss.yaml", "procedures: [complaint]",
          "procedures: [complaint]\n    frequency: 每周一、三，每月 25 日前")
    errors = compile_tree(root / "rules", root / "forms").errors
    assert errors == [] or all(e.code == "W080" for e in errors), "\n".join(
        e.cli_line() for e in errors)


def test_a_company_rule_that_does_not_parse_is_named_once(make_tree: MakeTree) -> None:
    root = make_tree()
    _edit(root, "rules/company.yaml", "kind: company", "kind： company")
    errors = compile_tree(root / "rules", root / "forms").errors
    assert [e.code for e in errors if e.severity == "error"] == ["E001"]
    assert any("not checked: the company rule file rules/company.yaml" in e.message
               for e in errors)


# ---- titles that cannot lie (issue 11 item 4) ---------------------------------------------


def test_a_title_stating_another_duration_than_its_limit_is_warned(make_tree: MakeTree) -> None:
    root = make_tree()
    _edit(root, PROC, "within: 24h", "within: 12h")
    errors = compile_tree(root / "rules", root / "forms").errors
    [warn] = [e for e in errors if e.code == "W080" and e.file == PROC]
    assert warn.severity == "warning"
    assert warn.message == "title says 24小时 but the limit is 12小时"
    assert warn.line == _line_of(root, PROC, "within: 12h") and "{within}" in warn.hint


def test_a_property_overlay_that_changes_the_limit_is_warned_at_the_overlay(
        make_tree: MakeTree) -> None:
    root = make_tree()
    _edit(root, EAST, '\n      clocks[handle].title: "{within}内处理"', "")
    errors = compile_tree(root / "rules", root / "forms").errors
    [warn] = [e for e in errors if e.code == "W080"]  # east sets clocks[handle].within: 12h
    assert warn.file == EAST and "12小时" in warn.message


@pytest.mark.parametrize(("title", "limit", "shown"), [
    ("{within}内处理", "24h", "24小时内处理"),
    ("{within}内处理", "12h", "12小时内处理"),
    ("{delay}后回访", "2 working days", "2个工作日后回访"),
])
def test_a_title_may_use_the_limit(make_tree: MakeTree, title: str, limit: str,
                                   shown: str) -> None:
    root = make_tree()
    _edit(root, PROC, "title: 24小时内处理\n    from: receive\n    to: close\n    within: 24h",
          f"title: \"{title}\"\n    from: receive\n    to: close\n    within: {limit}")
    result = compile_tree(root / "rules", root / "forms")
    assert not [e for e in result.errors if e.file == PROC], result.errors
    assert result.views[None].procedures["complaint"].clocks[0].title == shown


@pytest.mark.parametrize(("title", "limit", "lies"), [
    ("24小时内处理", "24h", None), ("24小时内处理", "12h", "24小时"), ("一周后回访", "7d", None),
    ("两日内书面回复", "2 working days", None), ("五分钟内回复", "5m", None),
    ("30个工作日内完成", "30 working days", None), ("三天内回复", "2d", "三天"),
    ("及时处理", "2h", None), ("一个工作日内落实", "8 working hours", None),
])
def test_stated_durations(title: str, limit: str, lies: str | None) -> None:
    from runtime.compiler.timeexpr import parse_duration
    from runtime.compiler.titles import contradiction

    assert contradiction(title, parse_duration(limit)) == lies
