"""A data directory with users, rules that notify, and a worker subprocess to run on it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runtime.compiler.pipeline import load
from runtime.engine.service import Engine
from runtime.engine.store_repo import StoreRepository
from runtime.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]

COMPANY = """\
kind: company
id: company
title: 测试公司
{header}
calendar: cal
document-control:
  drafted-by: [boss]
  reviewed-by: [boss]
  approved-by: [boss]
departments:
  - {{id: service-centre, title: 客户服务中心, head: boss}}
notifications:
  channels:
    - roles: [boss]
      via: [email, ops]
    - roles: [clerk]
      via: [email]
  robots:
    - {{id: ops, type: wecom, url-env: HB_TEST_WECOM, title: 运营群}}
    - {{id: ding, type: dingtalk, url-env: HB_TEST_DING, secret-env: HB_TEST_DING_SECRET}}
  quiet-hours: {{start: "22:00", end: "07:00"}}
"""

USERS = [
    {"username": "wang", "name": "王主管", "roles": ["boss"], "property": None,
     "email": "wang@example.test", "lang": "en", "active": True},
    {"username": "li", "name": "李前台", "roles": ["clerk"], "property": None,
     "email": "li@example.test", "lang": "zh", "active": True},
]


def tree(make_tree: Any, company: str = COMPANY) -> Path:
    """The small test tree whose company notifies the boss by e-mail and robot."""
    return make_tree({"rules/company.yaml": company})


def add_users(store: Store, users: list[dict[str, Any]] = USERS) -> None:
    """Users with addresses and languages."""
    store.insert_many("users", [{**u, "password_hash": ""} for u in users])


def engine(store: Store, root: Path) -> Engine:
    """An engine on the store and the tree (the same the worker will load)."""
    def handbook_for(pid: str | None) -> Any:
        return load(root / "rules", root / "forms", property=pid)

    return Engine(StoreRepository(store), handbook_for)


def prepared(make_tree: Any, tmp_path: Path, backend: Any = None
             ) -> tuple[Path, Path, Store, Engine]:
    """The notifying tree, a data directory with the users, its store and an engine on it
    (on the test's `backend` when given: the worker subprocess gets its database URL)."""
    root = tree(make_tree)
    data = tmp_path / "data"
    if backend is not None and backend.url is None:
        data = backend.path.parent  # the embedded backend's store is <data>/store
    store = backend.open() if backend is not None else open_data(data)
    add_users(store)
    return root, data, store, engine(store, root)


def backend_env(backend: Any) -> dict[str, str]:
    """What a worker subprocess needs to open the test's backend."""
    return {"HANDBOOK_DATABASE_URL": backend.url} if backend is not None and backend.url \
        else {}


def worker_env(root: Path, data: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment of a worker subprocess on the tree and data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HB_TEST", "HANDBOOK_"))}
    env.update({"HANDBOOK_RULES": str(root / "rules"), "HANDBOOK_FORMS": str(root / "forms"),
                "HANDBOOK_DATA": str(data), "PYTHONPATH": str(ROOT)})
    env.update(extra or {})
    return env


def worker_cmd(*args: str) -> list[str]:
    """`handbook worker ...` in this interpreter."""
    return [sys.executable, "-m", "runtime.cli", "worker", *args]


def run_worker(root: Path, data: Path, *args: str,
               env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `handbook worker --once ...` to completion."""
    return subprocess.run(worker_cmd("--once", *args), env=worker_env(root, data, env),
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def open_data(data: Path) -> Store:
    """The data directory's store."""
    return open_store(data / "store")


def dt(text: str) -> Any:
    """`2026-03-02 09:00` → datetime."""
    from datetime import datetime

    return datetime.fromisoformat(text)
