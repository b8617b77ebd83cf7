"""AppTest fixtures: a fresh data directory per test and a signed-in app driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PASSWORD = "demo1234"
TIMEOUT = 60


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test gets its own store and drafts; hashing is cheap so 19 demo users are quick."""
    monkeypatch.setenv("HANDBOOK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("HANDBOOK_PBKDF2_ITERATIONS", "1000")
    yield tmp_path / "data"


def sign_in(username: str, password: str = PASSWORD) -> AppTest:
    """The app after a sign-in attempt."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    return at


def open_page(at: AppTest, key: str, **state: object) -> AppTest:
    """Ask the router for page `key` (as the app's own links do) and run."""
    for k, v in state.items():
        at.session_state[k] = v
    at.session_state["_goto"] = key
    return at.run()


@pytest.fixture
def app() -> Callable[[str], AppTest]:
    """Sign in as a demo user and return the running app."""
    return sign_in
