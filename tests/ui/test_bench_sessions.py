"""`handbook bench volume`'s concurrent sessions: AppTest reruns overlapping in threads."""

from __future__ import annotations

import pytest

COUNTER = """
import streamlit as st
st.session_state["n"] = st.session_state.get("n", 0) + 1
if st.session_state.get("fail_at") == st.session_state["n"]:
    raise ValueError("this rerun fails")
st.write(st.session_state["n"])
"""


def test_sessions_rerun_together_and_every_rerun_counts() -> None:
    from streamlit.runtime import Runtime
    from streamlit.testing.v1 import AppTest, app_test

    from runtime.ui import bench_sessions

    apps: list[AppTest] = []
    commits = iter(range(0, 1000, 3))  # stands in for the store's transaction counter

    def sign_in() -> AppTest:
        app = AppTest.from_string(COUNTER, default_timeout=120).run()
        apps.append(app)
        return app

    writes: list[int] = []
    result = bench_sessions.measure(sign_in, lambda: next(commits), sessions=4, reruns=3,
                                    write=lambda: writes.append(1))
    assert result["sessions"] == 4 and result["session_reruns"] == 12
    alone = 2 * max(3, 4)
    # sign-in run + warm-up + its reruns alone (the first session, before and after) + 3
    # reruns together, and 3 more together while writes go on
    assert [app.session_state["n"] for app in apps] == [2 + alone + 6, 8, 8, 8]
    assert result["writes_during_reruns"] == len(writes) > 0
    for key in ("writing_p50_ms", "writing_p95_ms", "writing_reruns_per_s",
                "writing_throughput_ratio"):
        assert isinstance(result[key], float) and result[key] > 0, key
    assert not [app for app in apps if app.exception]
    assert result["rerun_writes_alone"] == 3 and result["rerun_writes_together"] == 3
    for key in ("alone_p50_ms", "alone_p95_ms", "together_p50_ms", "together_p95_ms",
                "alone_reruns_per_s", "together_reruns_per_s", "sessions_throughput_ratio"):
        assert isinstance(result[key], float) and result[key] > 0, key
    assert result["alone_p95_ms"] >= result["alone_p50_ms"]
    assert result["together_p95_ms"] >= result["together_p50_ms"]
    assert result["sessions_within_goal"] == (result["sessions_throughput_ratio"] >= 1.0)
    # AppTest is left as it was: one mock Runtime per run again, none installed between runs
    assert app_test.Runtime is Runtime and Runtime._instance is None
    assert apps[0].run().session_state["n"] == 2 + alone + 7


def test_a_failing_rerun_is_reported_not_measured() -> None:
    from streamlit.testing.v1 import AppTest

    from runtime.ui import bench_sessions

    apps: list[AppTest] = []

    def sign_in() -> AppTest:
        app = AppTest.from_string(COUNTER, default_timeout=120).run()
        if apps:  # the second session's second rerun together (after sign-in, warm-up)
            app.session_state["fail_at"] = 4
        apps.append(app)
        return app

    with pytest.raises(RuntimeError, match="concurrent session failed"):
        bench_sessions.measure(sign_in, lambda: 0, sessions=2, reruns=3)

    def failing_alone() -> AppTest:
        app = AppTest.from_string(COUNTER, default_timeout=120).run()
        app.session_state["fail_at"] = 3  # the first rerun alone
        return app

    with pytest.raises(RuntimeError, match="rerun alone failed"):
        bench_sessions.measure(failing_alone, lambda: 0, sessions=2, reruns=3)
