"""The guard that turns Streamlit's logged deprecation notices into test failures."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests import streamlit_deprecations


def _old_api() -> None:
    import streamlit as st

    st.components.v1.html("<p>old</p>", height=50)


def _new_api() -> None:
    import streamlit as st

    st.iframe("<p>new</p>", height=50)


def test_a_logged_deprecation_is_collected(streamlit_deprecations_seen: list[str]) -> None:
    with streamlit_deprecations.collected() as messages:
        AppTest.from_function(_old_api).run()
    assert any("st.iframe" in m for m in messages), messages
    # The autouse guard saw it too (that is what fails a real test); expected here.
    assert streamlit_deprecations_seen == messages
    streamlit_deprecations_seen.clear()


def test_the_current_api_logs_nothing() -> None:
    with streamlit_deprecations.collected() as messages:
        AppTest.from_function(_new_api).run()
    assert messages == []


def test_server_log_lines_are_found() -> None:
    log = "x: started\nstreamlit.deprecation_util: Please replace `st.a` with `st.b`.\n"
    assert streamlit_deprecations.in_server_log(log) == [log.splitlines()[1]]
