"""A worker SIGKILLed again and again during delivery loses no notification and never puts
one twice in an inbox; e-mails and robot posts arrive at least once, with the same key.

Each round starts `handbook worker --once --trace` on the same data directory and kills it
right after a random number of delivery steps (inbox row, claim, send, mark) were printed, so
the kills land between claim and send, between send and mark, inside store transactions and
inside SMTP sessions. The restarted worker carries the same `--holder` name (as a supervisor
restarting it would), so it takes the lease over at once; `--claim-ttl 0` lets it retake the
dead worker's claims at once instead of after two minutes.
"""

from __future__ import annotations

import queue
import random
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import IO, Any

import pytest

from tests.notify.servers import Hook, Mailbox
from tests.worker import helpers as h

CASES = 40
KILLS = 55
AT = "2026-03-02T12:00:00"  # every case started on 03-01 is past its 24 h limit
LINE_TIMEOUT = 180.0  # a loaded 2-core machine: generous, and only waits on real output


def _lines(stream: IO[str], out: queue.Queue[str | None]) -> None:
    for line in stream:
        out.put(line)
    out.put(None)


def _round(root: Path, data: Path, env: dict[str, str], kill_after: int | None,
           log: Path) -> bool:
    """One worker run; killed after `kill_after` trace lines. True when it was killed."""
    with log.open("a", encoding="utf-8") as err:
        proc = subprocess.Popen(
            h.worker_cmd("--once", "--at", AT, "--holder", "kill-test", "--claim-ttl", "0",
                         "--trace"),
            env=h.worker_env(root, data, env), cwd=h.ROOT, stdout=subprocess.PIPE,
            stderr=err, text=True)
        assert proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True)
        reader.start()
        seen = 0
        killed = False
        try:
            while True:
                line = lines.get(timeout=LINE_TIMEOUT)
                if line is None:
                    break
                if line.startswith("trace "):
                    seen += 1
                    if kill_after is not None and seen >= kill_after:
                        proc.kill()
                        killed = True
                        break
        finally:
            proc.wait(timeout=LINE_TIMEOUT)
            reader.join(timeout=LINE_TIMEOUT)
        if killed:
            # It may have finished on its own just before the signal landed.
            return proc.returncode == -9
        assert proc.returncode == 0, log.read_text(encoding="utf-8")[-3000:]
        return False


@pytest.mark.slow
def test_sigkill_during_delivery_loses_nothing_and_never_doubles_the_inbox(
        make_tree: Any, tmp_path: Path, smtp_server: Mailbox, webhook_server: Hook) -> None:
    root, data, store, eng = h.prepared(make_tree, tmp_path)
    ids = [eng.start_case("complaint", None, {"content": f"漏水 {i}"},
                          h.dt(f"2026-03-01 {9 + i // 60:02}:{i % 60:02}")).id
           for i in range(CASES)]
    store.close()
    env = {"HANDBOOK_SMTP_HOST": "127.0.0.1", "HANDBOOK_SMTP_PORT": str(smtp_server.port),
           "HB_TEST_WECOM": webhook_server.url}
    log = tmp_path / "worker.log"
    rng = random.Random(15)
    kills = 0
    rounds = 0
    while kills < KILLS:
        rounds += 1
        assert rounds < KILLS * 3, f"only {kills} kills landed in {rounds} rounds"
        kills += _round(root, data, env, rng.randint(1, 9), log)
    # Then workers run to the end (each may still find work a killed one left).
    for _ in range(5):
        _round(root, data, env, None, log)

    store = h.open_data(data)
    try:
        entries = store.all("outbox")
        by_channel = Counter(e["channel"] for e in entries)
        # Every case's breach (to the clerk) and escalation (to the boss) was written:
        # inbox li + e-mail li, inbox wang + e-mail wang + the ops robot, per case.
        assert by_channel == {"inbox": 2 * CASES, "email": 2 * CASES, "wecom": CASES}, by_channel
        for cid in ids:
            kinds = {(e["kind"], e["channel"], e["recipient"]) for e in entries
                     if e["case_id"] == cid}
            assert kinds == {("breach", "inbox", "li"), ("breach", "email", "li"),
                             ("escalated", "inbox", "wang"), ("escalated", "email", "wang"),
                             ("escalated", "wecom", "ops")}, (cid, kinds)
        # None lost: every entry ended sent.
        assert Counter(e["status"] for e in entries) == {"sent": len(entries)}
        # In-app: exactly once per entry.
        rows = Counter(r["key"] for r in store.all("inbox"))
        inbox_keys = {e["key"] for e in entries if e["channel"] == "inbox"}
        assert set(rows) == inbox_keys
        assert [k for k, n in rows.items() if n != 1] == []
        # External: at least once, only known keys, resends carry the same key.
        mail_keys = Counter(smtp_server.keys())
        hook_keys = Counter(webhook_server.keys())
        assert set(mail_keys) == {e["key"] for e in entries if e["channel"] == "email"}
        assert set(hook_keys) == {e["key"] for e in entries if e["channel"] == "wecom"}
        # Each case breached and escalated once, whatever the kills did.
        for cid in ids:
            case = h.engine(store, root).get_case(cid)
            assert [e.type for e in case.events].count("clock-breach") == 1
            assert [e.type for e in case.events].count("escalated") == 1
        assert len(store.find("tasks", kind="escalation")) == CASES
    finally:
        store.close()
    print(f"{kills} kills in {rounds} rounds; resent e-mails "
          f"{sum(mail_keys.values()) - len(mail_keys)}, robot posts "
          f"{sum(hook_keys.values()) - len(hook_keys)}")
