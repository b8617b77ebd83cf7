"""Version pinning and migration: a v1 case finishes under v1, or moves where steps map."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.cli import main
from runtime.compiler import model as m
from runtime.compiler.pipeline import load
from runtime.engine.repo import MemoryRepository
from runtime.engine.service import Engine
from runtime.engine.store_repo import StoreRepository
from runtime.errors import EngineError
from runtime.store import open_store

from .helpers import FIXTURES, INTAKE, dt

PROC = Path("rules/company/procedures/ticket-flow.yaml")


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(FIXTURES / "rules", root / "rules")
    shutil.copytree(FIXTURES / "forms", root / "forms")
    return root


def _publish_v2(root: Path) -> None:
    """v2 renames the step `assess` to `evaluate`."""
    p = root / PROC
    text = p.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 2.0.0")
    text = text.replace("id: assess\n", "id: evaluate\n").replace("to: assess\n",
                                                                 "to: evaluate\n")
    text = text.replace("{step: assess, event: complete}", "{step: evaluate, event: complete}")
    p.write_text(text, encoding="utf-8")


def _hb_for(root: Path) -> Callable[[str | None], m.Handbook]:
    return lambda pid: load(root / "rules", root / "forms", property=pid)


def test_pinned_case_needs_its_version_or_a_migration(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    eng = Engine(MemoryRepository(), _hb_for(root))
    c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    c = eng.complete_step(c.id, {}, dt("2026-03-02 09:10"))
    v1: m.Procedure = load(root / "rules", root / "forms").procedures["ticket-flow"]
    _publish_v2(root)

    with pytest.raises(EngineError, match="cases migrate"):
        eng.complete_step(c.id, {}, dt("2026-03-02 09:20"))

    # The version layer keeps v1: the case finishes under v1 although v2 is current.
    pinned = Engine(eng.repo, _hb_for(root), procedure_for=lambda case: v1
                    if case.procedure_version == "1.0.0" else
                    load(root / "rules", root / "forms").procedures[case.procedure_id])
    done = pinned.complete_step(c.id, {}, dt("2026-03-02 09:20"))
    assert done.step == "resolve" and done.procedure_version == "1.0.0"


def test_migrate_maps_steps_or_reports_why_not(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    eng = Engine(MemoryRepository(), _hb_for(root))
    at_assess = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
    at_assess = eng.complete_step(at_assess.id, {}, dt("2026-03-02 09:10"))
    at_receive = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:30"))
    _publish_v2(root)

    results = {r.number: r for r in eng.migrate("ticket-flow", dt("2026-03-02 10:00"))}
    assert not results[at_assess.number].ok
    assert "--map assess=<new step>" in results[at_assess.number].message
    assert results[at_receive.number].ok  # `receive` still exists

    with pytest.raises(EngineError, match="not in ticket-flow"):
        from runtime.engine.migrate import check_mapping
        check_mapping(load(root / "rules", root / "forms").procedures["ticket-flow"],
                      {"assess": "nope"})

    dry = eng.migrate("ticket-flow", dt("2026-03-02 10:00"), mapping={"assess": "evaluate"},
                      dry_run=True)
    assert all(r.ok for r in dry)
    assert eng.get_case(at_assess.id).procedure_version == "1.0.0"  # dry run saved nothing

    eng.migrate("ticket-flow", dt("2026-03-02 10:00"), mapping={"assess": "evaluate"})
    moved = eng.get_case(at_assess.id)
    assert (moved.step, moved.procedure_version) == ("evaluate", "2.0.0")
    assert [v.step for v in moved.visits] == ["receive", "evaluate"]
    assert moved.events[-1].type == "migrated"
    assert moved.events[-1].data["renamed"] == {"assess": "evaluate"}
    # the v2 clock keyed on `evaluate` sees the history: completing it stops the clock
    done = eng.complete_step(at_assess.id, {}, dt("2026-03-02 10:05"))
    st = next(s for s in eng.clocks(done.id, dt("2026-03-02 10:05")) if s.key == "assess-4wh")
    assert st.status == "met"
    again = {r.number: r for r in eng.migrate("ticket-flow", dt("2026-03-02 11:00"))}
    assert again[at_assess.number].message == "already current"


def test_cli_migrate_on_the_store(tmp_path: Path, capsys) -> None:
    root = _tree(tmp_path)
    store_dir = tmp_path / "store"
    with open_store(store_dir) as store:
        eng = Engine(StoreRepository(store), _hb_for(root))
        c = eng.start_case("ticket-flow", None, INTAKE, dt("2026-03-02 09:00"))
        eng.complete_step(c.id, {}, dt("2026-03-02 09:10"))
    _publish_v2(root)
    args = ["cases", "migrate", "--procedure", "ticket-flow", "--to-current",
            "--store", str(store_dir), "--rules", str(root / "rules"),
            "--forms", str(root / "forms")]
    assert main(args) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main([*args, "--map", "assess=evaluate"]) == 0
    assert "v1.0.0 → v2.0.0" in capsys.readouterr().out
    assert main([*args, "--map", "broken"]) == 2
    with open_store(store_dir) as store:
        case = StoreRepository(store).get_case(c.id)
        assert (case.step, case.procedure_version) == ("evaluate", "2.0.0")
