"""Shared fixtures: the shipped tree, and a small temporary rules tree to break on purpose."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import streamlit_deprecations

# Password hashing made cheap for tests (argon2 with 1 MiB, one pass; the parameters are in
# each hash), and the app run as a demo so AppTest signs in with the published demo password
# (a real start without HANDBOOK_DEMO makes demo accounts choose their own: issue 18).
os.environ.setdefault("HANDBOOK_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("HANDBOOK_ARGON2_TIME", "1")
os.environ.setdefault("HANDBOOK_DEMO", "1")

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
FORMS = ROOT / "forms"

HEADER = """\
version: 1.0.0
effective: 2026-01-01
drafted-by: 综合部
reviewed-by: 品质部
approved-by: 总经理
"""

MINI_TREE: dict[str, str] = {
    "rules/company.yaml": """\
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
        """,
    "rules/calendar.yaml": """\
        kind: calendar
        id: cal
        title: 日历
        {header}
        working-hours:
          - {{start: "08:30", end: "17:30"}}
        """,
    "rules/roles/boss.yaml": """\
        kind: role
        id: boss
        title: 主管
        {header}
        department: service-centre
        level: management
        duties:
          - no: 1
            text: 审批投诉处理意见。
            procedures: [complaint]
        """,
    "rules/roles/clerk.yaml": """\
        kind: role
        id: clerk
        title: 前台
        {header}
        department: service-centre
        reports-to: boss
        level: operational
        duties:
          - no: 1
            text: 登记投诉。
            time-limit: 1h
        """,
    "rules/procedures/complaint.yaml": """\
        kind: procedure
        id: complaint
        title: 投诉处理
        {header}
        purpose: 处理投诉。
        scope: 全体。
        form: register
        steps:
          - id: receive
            title: 登记
            roles: [clerk]
            section: intake
            next:
              - to: approve
                when: serious
              - to: close
          - id: approve
            title: 审批
            roles: boss
            time-limit: 2h
            next:
              - to: close
          - id: close
            title: 结案
            roles: [clerk]
            terminal: true
        clocks:
          - id: handle
            title: 24小时内处理
            from: receive
            to: close
            within: 24h
            escalate:
              - role: boss
                within: 2h
        follow-ups:
          - id: callback
            title: 一周后回访
            after: {{step: close, event: complete}}
            delay: 7d
            role: clerk
        """,
    "rules/schedules/routine.yaml": """\
        kind: schedule
        id: routine
        title: 例行工作
        {header}
        items:
          - id: meeting
            title: 部门工作例会
            owner: boss
            recurrence: every Friday 14:30
        """,
    "rules/training/script.yaml": """\
        kind: training
        id: script
        title: 话术
        {header}
        scripts:
          - id: phone
            title: 接听电话
            lines:
              - text: 三声之内接听
        """,
    "rules/properties/east/property.yaml": """\
        kind: property
        id: east
        title: 东区管理处
        {header}
        property-type: residential
        overlays:
          - rule: complaint
            set:
              clocks[handle].within: 12h
              clocks[handle].title: "{{within}}内处理"
            add:
              steps[approve].next: []
          - rule: clerk
            add:
              duties:
                - no: 2
                  text: 每周上报周工作信息表。
        """,
    "rules/properties/west/property.yaml": """\
        kind: property
        id: west
        title: 西区管理处
        {header}
        property-type: office
        """,
    "forms/register.yaml": """\
        kind: form
        id: register
        title: 登记表
        {header}
        schema:
          type: object
          required: [content]
          properties:
            content: {{type: string, title: 内容}}
            serious: {{type: boolean, title: 严重}}
            phone: {{type: string, title: 电话}}
        ui:
          sections:
            - {{id: intake, title: 登记, fields: [content, serious, phone]}}
          fields:
            phone: {{personal: true, visible-if: "not serious"}}
        """,
}


def _write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        body = textwrap.dedent(text)
        body = body.replace("{header}", HEADER.strip()).replace("{{", "{").replace("}}", "}")
        path.write_text(body, encoding="utf-8")
    return root


MakeTree = Callable[..., Path]


@pytest.fixture
def make_tree(tmp_path: Path) -> MakeTree:
    """Write the small rules tree (with optional replacements/additions) and return its root."""

    def make(files: dict[str, str | None] | None = None) -> Path:
        tree: dict[str, str] = dict(MINI_TREE)
        for rel, text in (files or {}).items():
            if text is None:
                tree.pop(rel, None)
            else:
                tree[rel] = text
        return _write_tree(tmp_path / "tree", tree)

    return make


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A copy of the shipped rules/ and forms/ to break on purpose."""
    dest = tmp_path / "copy"
    shutil.copytree(RULES, dest / "rules")
    shutil.copytree(FORMS, dest / "forms")
    return dest


# ---- record-store backends (issue 14): one fixture runs a test on every backend ----------

BACKENDS = ("embedded", "postgresql")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster for the session (skips without binaries; fails in CI)."""
    from runtime.store.postgres.testing import in_ci, start_test_cluster, unavailable_reason

    why = unavailable_reason()
    if why:
        if in_ci():
            pytest.fail(f"CI must run the PostgreSQL tests, but {why}", pytrace=False)
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    cluster = start_test_cluster()
    yield cluster
    cluster.close()


@pytest.fixture
def pg_url(pg_cluster: Any) -> Iterator[str]:
    """URL of a fresh, migrated database (dropped after the test)."""
    url = pg_cluster.new_database()
    yield url
    pg_cluster.drop_database(url)


class Backend:
    """One record-store backend for a test: `open()` gives a handle on the same data."""

    def __init__(self, name: str, path: Path, url: str | None) -> None:
        self.name, self.path, self.url = name, path, url
        self.opened: list[Any] = []

    def open(self, **kwargs: Any) -> Any:
        """A new Repository handle on this test's data (closed after the test)."""
        if self.url is not None:
            from runtime.store.postgres.store import open_pg_store

            store: Any = open_pg_store(self.url, **kwargs)
        else:
            from runtime.store import open_store

            store = open_store(self.path, **kwargs)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        """Close every handle opened by the test."""
        for s in self.opened:
            s.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[Backend]:
    """Each record-store backend in turn; the app/CLI see it through HANDBOOK_DATABASE_URL."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("HANDBOOK_DATABASE_URL", url)
    else:
        monkeypatch.delenv("HANDBOOK_DATABASE_URL", raising=False)
    b = Backend(request.param, tmp_path / "store", url)
    yield b
    b.close_all()


@pytest.fixture(autouse=True)
def streamlit_deprecations_seen() -> Iterator[list[str]]:
    """Fail a test during which Streamlit logged one of its deprecation notices (a test of
    the guard itself takes this fixture and clears what it expected)."""
    with streamlit_deprecations.collected() as messages:
        yield messages
    if messages:
        pytest.fail("Streamlit deprecation: " + " | ".join(messages), pytrace=False)
