"""The live rules and engine of a data directory, for processes without Streamlit.

The app (runtime/ui/context.py) caches the same things with st.cache_resource; the worker
re-reads `versions/CURRENT` at most every RULES_TTL seconds so a publish reaches it within a
tick, and compiles once per content hash (`pipeline.compiled`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from runtime.compiler import model as m
from runtime.compiler import pipeline
from runtime.engine.service import Engine
from runtime.engine.state import Case
from runtime.engine.store_repo import StoreRepository
from runtime.store import Repository
from runtime.versions import VersionRepo, current_tree

RULES_TTL = 5.0


def data_dir() -> Path:
    """$HANDBOOK_DATA, else `data/` in the project (created when missing)."""
    raw = os.environ.get("HANDBOOK_DATA")
    path = Path(raw) if raw else pipeline.PROJECT_ROOT / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pinned_procedure(handbook_for: Callable[[str | None], m.Handbook], data: str | Path,
                     engine: Engine, case: Case) -> m.Procedure:
    """The procedure version a case started on: found among the published versions by the
    rule-set hash the case carries (a case started under v1 finishes under v1)."""
    hb = handbook_for(case.property)
    proc = hb.procedures.get(case.procedure_id)
    if hb.content_hash == case.ruleset_hash and proc is not None:
        return proc
    for info in reversed(VersionRepo(data).all()):
        comp = pipeline.compiled(info.rules, info.forms)  # cached per content hash
        if comp.content_hash != case.ruleset_hash:
            continue
        view = comp.views.get(case.property) or comp.views.get(None)
        old = view.procedures.get(case.procedure_id) if view else None
        if old is not None:
            return old
    return engine.current_procedure(case)  # same procedure version, or a clear EngineError


class LiveRules:
    """handbook_for(property) over the published version of a data directory."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self._checked = 0.0
        self._dirs: tuple[Path, Path] | None = None

    def dirs(self) -> tuple[Path, Path]:
        """The live rules and forms trees ($HANDBOOK_RULES / $HANDBOOK_FORMS override)."""
        rules = os.environ.get("HANDBOOK_RULES")
        if rules:
            forms = os.environ.get("HANDBOOK_FORMS")
            return Path(rules), Path(forms) if forms else pipeline.DEFAULT_FORMS
        if self._dirs is None or time.monotonic() - self._checked > RULES_TTL:
            r, f, _n = current_tree(self.data)
            self._dirs, self._checked = (r, f), time.monotonic()
        return self._dirs

    def compiled(self) -> pipeline.Compiled:
        """The compiled live rule set (one compile per content hash)."""
        rules, forms = self.dirs()
        return pipeline.compiled(rules, forms)

    def handbook_for(self, property_id: str | None) -> m.Handbook:
        """The resolved view of a property (the company's when None or unknown)."""
        views = self.compiled().views
        return views[property_id] if property_id in views else views[None]


def engine(store: Repository, rules: LiveRules) -> Engine:
    """The case engine on a store, resolving cases through the published versions."""
    eng = Engine(StoreRepository(store), rules.handbook_for)
    eng.procedure_for = lambda case: pinned_procedure(rules.handbook_for, rules.data, eng, case)
    return eng
