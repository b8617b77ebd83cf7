"""`handbook scenario` prints the notifications each entry sends and `expect:` checks them."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.cli import main
from runtime.engine.scenario import ScenarioError, run
from tests.conftest import MakeTree
from tests.worker import helpers as h

# The test company notifies the boss by e-mail and the ops robot, the clerk by e-mail, with
# quiet hours 22:00–07:00; here only escalations are urgent, so a breach at night waits.
COMPANY = h.COMPANY.replace('quiet-hours: {{start: "22:00", end: "07:00"}}',
                            'quiet-hours: {{start: "22:00", end: "07:00", except: [escalated]}}')
SCENARIO = """\
name: night breach
rules: {root}/rules
forms: {root}/forms
people:
  - {{user: wang, roles: [boss], email: wang@example.test, lang: en}}
  - {{user: li, roles: [clerk], email: li@example.test}}
timeline:
  - at: 2026-03-01 21:00
    start: complaint
    case: c
    data: {{content: 夜间漏水, serious: true}}
  - complete: receive
    as: li
    expect:
      notifications:
        - {{kind: step-entered, count: 0}}
  - at: 2026-03-01 23:30
    expect:
      notifications:
        - {{kind: breach, channel: email, recipient: wang, after: 2026-03-02 07:00,
           count: 1}}
  - at: 2026-03-02 21:30
    expect:
      notifications:
        - {{kind: breach, channel: inbox, recipient: wang, count: 2}}
        - {{kind: escalated, role: boss, channel: wecom, recipient: ops, count: 1,
           after: 2026-03-02 21:00}}
        - {{kind: escalated, case: c, count: 3}}
        - {{kind: warning, count: 0}}
"""


def _scenario(make_tree: MakeTree, tmp_path: Path, text: str = SCENARIO) -> Path:
    root = h.tree(make_tree, COMPANY)
    path = tmp_path / "night.yaml"
    path.write_text(text.format(root=root), encoding="utf-8")
    return path


def test_notifications_are_printed_and_checked(make_tree: MakeTree, tmp_path: Path) -> None:
    result = run(_scenario(make_tree, tmp_path))
    assert result.ok, "\n".join(result.lines)
    lines = result.lines
    # The 2 h step limit runs out at 23:00: inbox at once, e-mail and robot after 07:00.
    night = next(i for i, line in enumerate(lines) if "通知 [超时]" in line)
    assert lines[night].startswith("2026-03-01 23:00")
    assert ("wang (inbox); wang (email 2026-03-02 07:00 后发出); "
            "ops (wecom 2026-03-02 07:00 后发出)") in lines[night]
    # The escalation of the 24 h clock at 21:00 the next day goes out at once, printed after.
    esc = next(i for i, line in enumerate(lines) if "通知 [升级]" in line)
    assert esc > night and lines[esc].startswith("2026-03-02 21:00")
    assert lines[esc].endswith("→ wang (inbox); wang (email); ops (wecom)")


def test_a_wrong_notification_expectation_fails_with_what_was_sent(
        make_tree: MakeTree, tmp_path: Path) -> None:
    text = SCENARIO.replace("recipient: wang, count: 2}}", "recipient: wang, count: 3}}")
    result = run(_scenario(make_tree, tmp_path, text))
    assert not result.ok
    assert any("2 notification(s), expected 3" in f for f in result.failures), result.failures
    late = SCENARIO.replace("after: 2026-03-02 07:00", "after: 2026-03-01 23:00")
    result = run(_scenario(make_tree, tmp_path, late))
    assert any("delivered after ['2026-03-02 07:00']" in f for f in result.failures)
    bad = SCENARIO.replace("{{kind: warning, count: 0}}", "{{kind: warning, colour: red}}")
    with pytest.raises(ScenarioError, match="`notifications` takes"):
        run(_scenario(make_tree, tmp_path, bad))
    nobody = SCENARIO.replace("  - {{user: li, roles: [clerk], email: li@example.test}}\n",
                              "  - {{roles: [clerk]}}\n")
    with pytest.raises(ScenarioError, match="people entry 2"):
        run(_scenario(make_tree, tmp_path, nobody))


def test_without_people_messages_are_addressed_to_roles(make_tree: MakeTree,
                                                        tmp_path: Path) -> None:
    text = SCENARIO.split("people:")[0] + "timeline:" + SCENARIO.split("timeline:")[1]
    text = text.replace("recipient: wang, count: 2}}", "recipient: role:boss, count: 2}}")
    # No holders: no e-mail address to write to; the robot still gets it.
    text = text.replace("channel: email, recipient: wang, after: 2026-03-02 07:00",
                        "channel: wecom, recipient: ops, after: 2026-03-02 07:00")
    text = text.replace("{{kind: escalated, case: c, count: 3}}",
                        "{{kind: escalated, case: c, count: 2}}")
    result = run(_scenario(make_tree, tmp_path, text))
    assert result.ok, "\n".join(result.lines)
    assert any("role:boss (inbox); ops (wecom" in line for line in result.lines)


def test_the_cli_prints_them_and_exits_by_the_checks(make_tree: MakeTree, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(make_tree, tmp_path)
    assert main(["scenario", str(path)]) == 0
    assert "通知 [升级]" in capsys.readouterr().out
    assert main(["scenario", "--lang", "en", str(path)]) == 0
    out = capsys.readouterr().out
    assert "notify [escalated]" in out and "after 2026-03-02 07:00" in out
