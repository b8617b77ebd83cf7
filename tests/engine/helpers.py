"""Shared builders for the engine tests: the fixture rules tree and an in-memory engine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RULES = FIXTURES / "rules"
FORMS = FIXTURES / "forms"
INTAKE = {"unit": "1-101", "content": "漏水"}


def handbook(property: str | None = None) -> m.Handbook:
    """The fixture tree's view of a property (company base for None)."""
    return load(RULES, FORMS, property=property)


def engine() -> Engine:
    """An engine on a fresh in-memory repository and the fixture rules."""
    return Engine(MemoryRepository(), handbook)


def dt(text: str) -> datetime:
    """`2026-03-02 09:00` → datetime."""
    return datetime.fromisoformat(text)
