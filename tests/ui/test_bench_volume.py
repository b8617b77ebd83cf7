"""`handbook bench volume` pieces that need no history build (the build is benchmarked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from pytest import MonkeyPatch

from runtime.store.embedded.store import Store


def test_bench_volume_signs_in_the_account_with_the_most_open_work() -> None:
    from runtime.ui.bench_volume import PROPERTY, _busiest_user

    with Store(None) as s:
        for name, roles in (("frontdesk.x", ["front-desk"]), ("duty.x", ["duty-officer"])):
            s.insert("users", {"username": name, "roles": roles, "property": PROPERTY,
                               "demo": True})
        s.insert("users", {"username": "other", "roles": ["duty-officer"], "property": "p2",
                           "demo": True})
        for role, status in (("duty-officer", "open"), ("duty-officer", "open"),
                             ("front-desk", "open"), ("front-desk", "done"),
                             ("front-desk", "done")):
            s.insert("tasks", {"assignee_role": role, "status": status, "property": PROPERTY})
        assert _busiest_user(s) == "duty.x"


def test_a_cached_history_is_reused_only_under_its_own_key(tmp_path: Path,
                                                          monkeypatch: MonkeyPatch) -> None:
    from runtime.ui import bench_volume as bv

    built: list[Path] = []

    def fake_build(data: Path, years: float) -> dict[str, Any]:
        # stands in for the real `demo-data` child process: the caching is what is tested
        (data / "store").mkdir(parents=True)
        (data / "store" / "journal-0").write_text(f"{years} years", encoding="utf-8")
        built.append(data)
        return {"cases": 1, "build_s": 1.0}

    monkeypatch.setattr(bv, "_build", fake_build)
    cache = tmp_path / "cache"
    # what a killed build left behind goes when a build starts
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (cache / f"{bv.history_key(1)}.partial-{dead.pid}/data").mkdir(parents=True)
    first = bv._history(1, tmp_path / "a", cache)
    assert first["history"] == "built" and len(built) == 1
    again = bv._history(1, tmp_path / "b", cache)
    assert again["history"] == "cached" and len(built) == 1
    assert again["history_key"] == first["history_key"] == bv.history_key(1)
    # the run measures a copy: what it writes never reaches the cache
    assert (tmp_path / "b/store/journal-0").read_text(encoding="utf-8") == "0.5 years"
    (tmp_path / "b/store/journal-0").write_text("changed", encoding="utf-8")
    assert (cache / first["history_key"] / "data/store/journal-0").read_text(
        encoding="utf-8") == "0.5 years"
    # another scale, or a changed generator, is another key: built anew
    assert bv._history(10, tmp_path / "c", cache)["history"] == "built"
    monkeypatch.setattr(bv, "HISTORY_SOURCES", (*bv.HISTORY_SOURCES, "pyproject.toml"))
    assert bv.history_key(1) != first["history_key"]
    assert bv._history(1, tmp_path / "d", cache)["history"] == "built" and len(built) == 3
    # without a cache every run builds
    assert bv._history(1, tmp_path / "e", None)["history"] == "built" and len(built) == 4
    assert not list(cache.glob("*.partial-*"))  # only finished builds are entries


def test_the_history_key_ignores_comments_and_docstrings_only(tmp_path: Path) -> None:
    from runtime.ui.bench_volume import _code_of

    def code(text: str) -> bytes:
        path = tmp_path / "m.py"
        path.write_text(text, encoding="utf-8")
        return _code_of(path)

    base = code('"""Doc."""\n\ndef f(x):\n    """One line."""\n    return x + 1  # why\n')
    assert base == code('"""Other words."""\n\ndef f(x):\n    return x + 1\n')
    assert base != code('"""Doc."""\n\ndef f(x):\n    return x + 2\n')
    yaml = tmp_path / "rules.yaml"
    yaml.write_text("a: 1  # note\n", encoding="utf-8")
    assert _code_of(yaml) == yaml.read_bytes()  # other files count whole
