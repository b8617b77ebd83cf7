"""Every shipped scenario passes; the checker itself reports failures and bad files."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from runtime.cli import main
from runtime.engine.scenario import ScenarioError, run
from runtime.workcal import CalendarWarning

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))
FIXTURE_SCENARIOS = sorted((Path(__file__).parent / "fixtures").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS + FIXTURE_SCENARIOS, ids=lambda p: p.stem)
def test_scenario_passes(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarWarning)  # 2027 scenarios: fallback calendar
        result = run(path)
    assert result.ok, "\n".join(result.failures)
    assert result.checks > 0


def test_there_are_shipped_scenarios() -> None:
    assert len(SCENARIOS) >= 5


def _write(tmp_path: Path, text: str) -> Path:
    fixtures = Path(__file__).parent / "fixtures"
    p = tmp_path / "s.yaml"
    p.write_text(f"rules: {fixtures / 'rules'}\nforms: {fixtures / 'forms'}\n{text}",
                 encoding="utf-8")
    return p


WRONG = """
timeline:
  - at: 2026-03-02 09:00
    start: ticket-flow
    data: {unit: 1-101, content: x}
  - complete: receive
    fails: never happens
expect:
  - step: close
    status: closed
  - tasks: {kind: step, count: 7}
  - escalation: supervisor
"""


def test_failed_expectations_are_listed_and_exit_1(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, WRONG)
    result = run(path)
    assert not result.ok
    text = "\n".join(result.failures)
    for bit in ("expected it to fail", "step is 'assess'", "status is 'open'",
                "2 task(s), expected 7", "escalation"):
        assert bit in text
    assert main(["scenario", str(path), "--quiet"]) == 1
    assert "FAILED" in capsys.readouterr().out


@pytest.mark.parametrize("body", [
    "timeline: 3",
    "timeline:\n  - start: ticket-flow",  # no time
    "timeline:\n  - at: 2026-03-02 09:00\n    start: ticket-flow\n    complete: receive",
    "timeline:\n  - at: 2026-03-02 09:00\n    bogus: 1",
    "timeline:\n  - at: 2026-03-02 09:00\n    start: ticket-flow\n"
    "  - at: 2026-03-01 09:00\n    complete: receive",  # time goes backwards
    "timeline: []\nexpect:\n  - stepp: x",
    "nonsense: true",
])
def test_malformed_scenarios_are_errors_not_passes(tmp_path: Path, body: str) -> None:
    with pytest.raises(ScenarioError):
        run(_write(tmp_path, body))
    assert main(["scenario", str(_write(tmp_path, body))]) == 2


def test_unreadable_yaml_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("timeline: [\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        run(p)
