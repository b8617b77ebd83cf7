"""Handbook runtime: load → validate → resolve overlays → model → interpret."""

from __future__ import annotations

from runtime.errors import HandbookError, RuleError, RuleErrors

__all__ = ["HandbookError", "RuleError", "RuleErrors", "check", "load"]


def __getattr__(name: str) -> object:
    # Imported lazily so that light modules (store, timeexpr) stay cheap to import.
    if name in ("load", "check"):
        from runtime.compiler import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
