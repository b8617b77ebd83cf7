"""A damaged record store gives every visitor one plain message, not a traceback."""

from __future__ import annotations

from pathlib import Path

from runtime.store import open_store
from tests.ui.conftest import sign_in


def test_truncated_journal_shows_the_restore_message(data_dir: Path) -> None:
    with open_store(data_dir / "store") as s:
        for n in range(5):
            s.insert("t", {"n": n})
    journal = next((data_dir / "store").glob("journal-*.jsonl"))
    journal.write_bytes(b"")
    at = sign_in("frontdesk.zhongxing")  # the sign-in page itself needs no store
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "记录库文件已损坏" in shown and "handbook restore" in shown
    assert "truncated or deleted" in shown  # the detail names what is wrong
    assert journal.read_bytes() == b""  # nothing repaired behind the administrator's back
