"""Concurrent sessions for `handbook bench volume`: 10 sessions rerunning 我的待办 at once.

Streamlit serves every browser tab of one app process from that process: each session's
reruns run in their own thread, over the one store the app caches (`st.cache_resource`).
This measures that shape with AppTest: `sessions` signed-in sessions each rerun the page
`reruns` times in their own thread, all at once, against one of them rerunning alone in the
same run. Throughput ratio = reruns per second together / reruns per second alone (issue 13
goal: >= 1.0; the GIL shares one core's worth of Python between them, so a ratio well under
1.0 means the sessions wait for each other, e.g. for the store's writer lock). It also counts
the store transactions committed during the reruns: a page rerun that writes would make
every session queue behind one fsync at a time. Then the same reruns together once more
while another thread saves a document nonstop ("writing_*"): reads that waited for the
writer's fsync (as they did while reads took the writer's lock) would show there.

AppTest is made for one run at a time: each run installs a mock Streamlit `Runtime` and
removes it when it ends, which would pull it from under the runs still going in other threads.
`overlapping_apptests()` gives all of them one mock for the duration instead.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

SESSIONS = 10
GOAL_RATIO = 1.0


@contextlib.contextmanager
def overlapping_apptests() -> Iterator[None]:
    """Let AppTest runs overlap in threads: one mock Runtime and one config patch for all."""
    from unittest.mock import MagicMock

    from streamlit.runtime import Runtime
    from streamlit.testing.v1 import app_test
    from streamlit.testing.v1.util import patch_config_options

    class PerRunSlot:
        """Takes the Runtime each run sets and clears, so the shared one stays in place."""

        _instance: object = None

    shared = MagicMock(spec=Runtime)  # what each AppTest run builds for itself
    shared.media_file_mgr = app_test.MediaFileManager(app_test.MemoryMediaFileStorage("/mock"))
    shared.dataframe_source_mgr = app_test.DataframeSourceManager()
    shared.cache_storage_manager = app_test.MemoryCacheStorageManager()
    components = app_test.BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    shared.bidi_component_registry = components
    saved = (app_test.Runtime, app_test.patch_config_options, Runtime._instance)
    with patch_config_options({"global.appTest": True}):
        app_test.Runtime = PerRunSlot  # type: ignore[assignment,misc]
        app_test.patch_config_options = lambda _overrides: contextlib.nullcontext()  # type: ignore[assignment,return-value]
        Runtime._instance = shared
        try:
            yield
        finally:
            app_test.Runtime, app_test.patch_config_options, Runtime._instance = saved  # type: ignore[misc]


def _quantile_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[round(q * (len(ordered) - 1))] * 1000, 1) if ordered else 0.0


def _alone(app: Any, reruns: int, into: list[float]) -> None:
    """`reruns` reruns of one session, nothing else running; their times go `into` the list."""
    for _ in range(reruns):
        t0 = time.perf_counter()
        app.run()
        into.append(time.perf_counter() - t0)
        if app.exception:
            raise RuntimeError(f"a rerun alone failed: {app.exception}")


def _together(apps: list[Any], reruns: int) -> tuple[list[float], float]:
    """Every app reruns `reruns` times in its own thread, all started at once: (latencies, wall)."""
    together: list[float] = []
    failures: list[BaseException] = []
    start = threading.Barrier(len(apps))

    def session(app: Any) -> None:
        try:
            start.wait()
            for _ in range(reruns):
                t0 = time.perf_counter()
                app.run()
                together.append(time.perf_counter() - t0)  # list.append is atomic
                if app.exception:
                    raise RuntimeError(f"rerun failed: {app.exception}")
        except BaseException as exc:  # reported below: a failed rerun is no figure
            failures.append(exc)
            start.abort()

    threads = [threading.Thread(target=session, args=(app,), name=f"session-{n}")
               for n, app in enumerate(apps)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"a concurrent session failed: {failures[0]!r}") from failures[0]
    return together, wall


@contextlib.contextmanager
def _writing(write: Callable[[], object]) -> Iterator[list[int]]:
    """`write()` over and over in a thread until the block ends; yields [writes done]."""
    done = [0]
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            write()
            done[0] += 1

    thread = threading.Thread(target=writer, name="bench-writer")
    thread.start()
    try:
        yield done
    finally:
        stop.set()
        thread.join()


def measure(sign_in: Callable[[], Any], sequence: Callable[[], int], *,
            sessions: int = SESSIONS, reruns: int = 10,
            write: Callable[[], object] | None = None) -> dict[str, Any]:
    """Reruns of `sessions` signed-in AppTests alone and together (see the module docstring).

    `sign_in()` returns a signed-in AppTest on the page; `sequence()` the store's count of
    committed transactions (to tell whether reruns write). With `write` (one small durable
    store write), the sessions rerun together once more while another thread writes
    nonstop, as when other users save or the worker ticks: a read that waited for the
    writer's fsync would show there.
    """
    if sessions < 1 or reruns < 1:
        raise ValueError("sessions and reruns must be at least 1")
    with overlapping_apptests():
        apps = [sign_in() for _ in range(sessions)]
        for app in apps:
            app.run()  # warm-up: every session's first rerun after sign-in
        alone: list[float] = []
        # Alone before and after the reruns together, so a change of the machine's load
        # (other processes) during the run weighs on both sides alike.
        each = max(reruns, sessions)
        before = sequence()
        _alone(apps[0], each, alone)
        alone_writes = sequence() - before
        before = sequence()
        together, wall = _together(apps, reruns)
        together_writes = sequence() - before
        if write is not None:
            with _writing(write) as writes:
                writing, writing_wall = _together(apps, reruns)
        _alone(apps[0], each, alone)
    alone_rate = len(alone) / sum(alone)
    together_rate = len(together) / wall
    out: dict[str, Any] = {
        "sessions": sessions,
        "session_reruns": len(together),
        "alone_p50_ms": _quantile_ms(alone, 0.5),
        "alone_p95_ms": _quantile_ms(alone, 0.95),
        "alone_reruns_per_s": round(alone_rate, 1),
        "together_p50_ms": _quantile_ms(together, 0.5),
        "together_p95_ms": _quantile_ms(together, 0.95),
        "together_reruns_per_s": round(together_rate, 1),
        "sessions_throughput_ratio": round(together_rate / alone_rate, 2),
        "sessions_within_goal": together_rate / alone_rate >= GOAL_RATIO,
        "rerun_writes_alone": alone_writes,
        "rerun_writes_together": together_writes,
    }
    if write is not None:
        writing_rate = len(writing) / writing_wall
        out.update({
            "writing_p50_ms": _quantile_ms(writing, 0.5),
            "writing_p95_ms": _quantile_ms(writing, 0.95),
            "writing_reruns_per_s": round(writing_rate, 1),
            "writing_throughput_ratio": round(writing_rate / alone_rate, 2),
            "writes_during_reruns": writes[0],
        })
    return out
