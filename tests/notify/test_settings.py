"""`notifications:` in the rules: parsed into the model, mistakes are E100 / E021 / E022."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from runtime.compiler.pipeline import compile_tree
from runtime.errors import RuleError
from tests.conftest import MakeTree
from tests.worker import helpers as h

COMPANY = "rules/company.yaml"


def _errors(root: Path) -> list[RuleError]:
    return [e for e in compile_tree(root / "rules", root / "forms").errors
            if e.severity == "error"]


def _with(block: str) -> str:
    """The test company with its notifications block replaced by `block`."""
    head = h.COMPANY.split("notifications:")[0]
    return head + "notifications:\n" + block


def test_settings_parse_into_the_model(make_tree: MakeTree) -> None:
    root = h.tree(make_tree, _with(
        "  channels:\n"
        "    - {roles: [boss], via: [email, ops], kinds: [breach, escalated]}\n"
        "  robots:\n"
        "    - {id: ops, type: dingtalk, url-env: HB_X, secret-env: HB_Y, title: 群}\n"
        "  quiet-hours: {start: \"22:00\", end: \"07:30\", non-working-days: true,"
        " except: [breach]}\n"
        "  digest: {every: 2h, kinds: [step-entered]}\n"))
    comp = compile_tree(root / "rules", root / "forms")
    assert not [e for e in comp.errors if e.severity == "error"], comp.errors
    n = comp.views[None].notifications
    assert n.channels[0].roles == ("boss",) and n.channels[0].via == ("email", "ops")
    assert n.channels[0].kinds == ("breach", "escalated")
    assert (n.robots[0].type, n.robots[0].url_env, n.robots[0].secret_env) == (
        "dingtalk", "HB_X", "HB_Y")
    assert n.quiet_hours is not None
    assert (n.quiet_hours.start, n.quiet_hours.end) == (time(22, 0), time(7, 30))
    assert n.quiet_hours.non_working_days and n.quiet_hours.urgent == ("breach",)
    assert n.digest is not None and n.digest.every_minutes == 120
    assert n.digest.kinds == ("step-entered",)
    # A property without its own block gets the company's.
    assert comp.views["west"].notifications == n


def test_a_property_block_replaces_the_company_block(make_tree: MakeTree) -> None:
    root = h.tree(make_tree)
    west = root / "rules/properties/west/property.yaml"
    west.write_text(west.read_text(encoding="utf-8") + (
        "notifications:\n  channels:\n    - {roles: [clerk], via: [email]}\n"),
        encoding="utf-8")
    comp = compile_tree(root / "rules", root / "forms")
    assert not [e for e in comp.errors if e.severity == "error"], comp.errors
    own = comp.views["west"].notifications
    assert [c.roles for c in own.channels] == [("clerk",)]
    assert own.robots == () and own.quiet_hours is None
    assert comp.views["east"].notifications == comp.views[None].notifications


@pytest.mark.parametrize(("block", "code", "message", "path"), [
    ("  channels:\n    - {roles: [boss], via: [fax]}\n", "E100",
     "unknown channel 'fax'", "notifications.channels[0].via[0]"),
    ("  channels:\n    - {roles: [boss], via: [ops]}\n", "E100",
     "no robots defined", "notifications.channels[0].via[0]"),
    ("  quiet-hours: {start: \"22:00\"}\n", "E100", "both start and end",
     "notifications.quiet-hours"),
    ("  quiet-hours: {start: \"22:00\", end: \"22:00\"}\n", "E100", "must differ",
     "notifications.quiet-hours"),
    ("  digest: {every: 2 working hours}\n", "E100", "wall-clock duration",
     "notifications.digest.every"),
    ("  channels:\n    - {roles: [nurse], via: [email]}\n", "E022", "unknown role 'nurse'",
     "notifications.channels[0].roles[0]"),
    ("  robots:\n    - {id: ops, type: wecom, url-env: A}\n"
     "    - {id: ops, type: wecom, url-env: B}\n", "E021", "duplicate robot id 'ops'",
     "notifications.robots[1].id"),
])
def test_mistakes_are_reported_with_file_and_key_path(
        make_tree: MakeTree, block: str, code: str, message: str, path: str) -> None:
    root = h.tree(make_tree, _with(block))
    errors = _errors(root)
    hits = [e for e in errors if e.code == code and message in e.message]
    assert hits, errors
    assert hits[0].file.endswith("company.yaml") and hits[0].line > 0
    assert hits[0].key_path == path


def test_the_shipped_tree_has_no_notification_errors() -> None:
    comp = compile_tree()
    assert not [e for e in comp.errors if e.code == "E100"]
