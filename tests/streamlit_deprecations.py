"""Streamlit's own deprecation notices fail the test run.

Streamlit logs them (`streamlit.deprecation_util`, e.g. "Please replace `st.components.v1.html`
with `st.iframe`") instead of raising a DeprecationWarning, so `-W error` never sees them.
`tests/conftest.py` collects them around every test; the browser tests read the same lines
from the server log (`SERVER_LOG_MARK`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

LOGGER = "streamlit.deprecation_util"
# The server's log format in the browser tests names the logger, so its lines are findable.
SERVER_LOG_FORMAT = "%(name)s: %(message)s"
SERVER_LOG_MARK = f"{LOGGER}:"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def collected() -> Iterator[list[str]]:
    """Yield the list of Streamlit deprecation messages logged inside the block."""
    handler = _Collect()
    # Streamlit's loggers do not propagate, so the handler goes on the logger itself.
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def in_server_log(text: str) -> list[str]:
    """The deprecation lines of a server log written with SERVER_LOG_FORMAT."""
    return [line for line in text.splitlines() if SERVER_LOG_MARK in line]
