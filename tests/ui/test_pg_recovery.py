"""The app on PostgreSQL: a database restart mid-session says so, then works without a restart."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import sign_in


@pytest.fixture
def on_postgres(pg_cluster: Any, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("HANDBOOK_DATABASE_URL", pg_url)
    return pg_cluster.cluster


def _errors(at: Any) -> list[str]:
    return [e.value for e in at.error]


def test_database_down_mid_session_shows_why_and_recovers(on_postgres: Any) -> None:
    at = sign_in("frontdesk.taoyuan")
    assert not at.exception and not _errors(at)
    on_postgres.stop()
    try:
        at.run()
        assert not at.exception  # no traceback: a plain message instead
        assert any("数据库" in e and "无需重启" in e for e in _errors(at)), _errors(at)
    finally:
        on_postgres.start()
    at.run()  # the same app process and session, the server back: the page works again
    assert not at.exception and not _errors(at)
    assert at.session_state["auth_user"] == "frontdesk.taoyuan"


def test_server_restart_between_reruns_is_invisible(on_postgres: Any) -> None:
    at = sign_in("frontdesk.taoyuan")
    on_postgres.restart()
    at.run()  # the pool finds its connections dead and replaces them before use
    assert not at.exception and not _errors(at)
