"""Dry-runs of the procedures transcribed after the language extensions, on the real engine:
every branch of each, and each clock both met and breached (tests/rules/scenarios/*.yaml)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from runtime.engine.scenario import run
from runtime.workcal import CalendarWarning

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_passes(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarWarning)
        result = run(path)
    assert result.ok, "\n".join(result.failures)
    assert result.checks >= 3


def test_every_new_procedure_has_a_scenario() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in SCENARIOS)
    for pid in ("questionnaire-survey", "community-activity-summary", "repair-intake",
                "construction-rework"):
        assert f"start: {pid}" in text, pid
