"""Crash safety: writers killed with SIGKILL at random points and at every compaction step.

Each writer is a small `python -c` process that prints every acknowledged write (after
the call returned, i.e. after fsync). After every kill the store must open and hold
every acknowledged write.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtime.store.embedded.store import Store

WRITER = r"""
import os, signal, sys
from runtime.store.embedded import journal
from runtime.store.embedded.store import Store

path, mode, step, skip = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if step != "-":
    seen = [0]

    def hook(name):
        if name == step:
            seen[0] += 1
            if seen[0] > skip:
                os.kill(os.getpid(), signal.SIGKILL)

    journal.fault_hook = hook
# "background": compactions start by themselves and are written by a background thread
# while this thread keeps writing, so the new journal starts with copied lines.
store = Store(path, compact_min_bytes=1 << 30 if mode == "plain" else 2048,
              background_min_bytes=0 if mode == "background" else 1 << 30)
pid, out, mine = os.getpid(), sys.stdout, None
i = 0
while True:
    i += 1
    token = f"{pid}-{i}"
    if i % 3 == 0:
        ids = store.insert_many("t", [{"token": token + "a"}, {"token": token + "b"}])
        out.write(f"i {ids[0]} {token}a\ni {ids[1]} {token}b\n")
    else:
        doc_id = store.insert("t", {"token": token, "pad": "柜" * (i % 40)})
        out.write(f"i {doc_id} {token}\n")
        mine = mine or doc_id
    if i % 5 == 0:
        store.update("t", mine, {"v": i}, by=str(pid), at="2026-01-01T00:00:00")
        out.write(f"u {mine} {i}\n")
    out.flush()
    if mode == "compact" and i % 4 == 0:
        store.compact()
"""

STEPS = [
    "line-half-written",
    "snapshot-written",
    "journal-copied",
    "journal-created",
    "snapshot-renamed",
    "journal-renamed",
    "dir-synced",
    "old-journal-removed",
]
MODES = ("plain", "compact", "background")


class Acks:
    """Everything writers acknowledged for one store directory."""

    def __init__(self) -> None:
        self.inserted: dict[int, str] = {}
        self.updated: dict[int, int] = {}

    def take(self, output: bytes) -> int:
        lines = output.decode("utf-8").split("\n")[:-1]  # a cut-off last line was not acked
        for line in lines:
            kind, doc_id, value = line.split(" ")
            if kind == "i":
                assert int(doc_id) not in self.inserted, f"id {doc_id} handed out twice"
                self.inserted[int(doc_id)] = value
            else:
                self.updated[int(doc_id)] = max(int(value), self.updated.get(int(doc_id), 0))
        return len(lines)

    def check(self, path: Path) -> None:
        with Store(path) as store:  # must open after any kill
            docs = {d["id"]: d for d in store.all("t")}
        for doc_id, token in self.inserted.items():
            assert doc_id in docs, f"acknowledged insert {doc_id} lost"
            assert docs[doc_id]["token"] == token
        for doc_id, v in self.updated.items():
            assert docs[doc_id].get("v", 0) >= v, f"acknowledged update of {doc_id} lost"
        tokens = [d["token"] for d in docs.values()]
        assert len(tokens) == len(set(tokens)), "a write was applied twice"


def _writer(path: Path, mode: str, step: str = "-", skip: int = 0) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), mode, step, str(skip)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        # Unbuffered: the first line is read with readline() and the rest by communicate(),
        # which reads the pipe itself; a buffered reader would keep (and lose) whatever the
        # writer had written past its first line by then.
        bufsize=0,
    )


def test_random_sigkill_never_loses_an_acknowledged_write(tmp_path: Path) -> None:
    rnd = random.Random(20260301)
    kills = acked = 0
    lanes = 2  # two writers on two directories at once: half the wall time on 2 cores
    acks = [Acks() for _ in range(lanes)]
    paths = [tmp_path / f"lane{n}-0" for n in range(lanes)]
    for run in range(105):
        if run % 20 == 0:
            acks = [Acks() for _ in range(lanes)]
            paths = [tmp_path / f"lane{n}-{run}" for n in range(lanes)]
        procs = [_writer(paths[n], MODES[(run + n) % 3]) for n in range(lanes)]
        firsts = []
        for proc in procs:
            assert proc.stdout is not None
            firsts.append(proc.stdout.readline())  # the writer is up and writing
        for proc in procs:
            time.sleep(rnd.uniform(0, 0.01))
            proc.send_signal(signal.SIGKILL)
        for n, proc in enumerate(procs):
            rest, err = proc.communicate()
            assert proc.returncode == -signal.SIGKILL, err.decode()
            kills += 1
            acked += acks[n].take(firsts[n] + rest)
            acks[n].check(paths[n])
    assert kills >= 200
    assert acked > kills  # the kills landed among real writes


@pytest.mark.parametrize("mode", ["compact", "background"])
@pytest.mark.parametrize("step", STEPS)
def test_sigkill_at_each_crash_step(tmp_path: Path, step: str, mode: str) -> None:
    acks = Acks()
    for skip in (0, 2):
        proc = _writer(tmp_path, mode, step, skip)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err.decode()
        acks.take(out)
        acks.check(tmp_path)
        names = sorted(p.name for p in tmp_path.iterdir())
        assert not [n for n in names if n.endswith(".tmp")]
        assert len([n for n in names if n.startswith("journal-")]) == 1
    assert acks.inserted


def test_writer_survives_a_torn_line_left_by_another(tmp_path: Path) -> None:
    """A writer killed mid-line leaves a torn tail; the next process cuts it and goes on."""
    acks = Acks()
    dead = _writer(tmp_path, "plain", "line-half-written", 3)
    acks.take(dead.communicate(timeout=60)[0])
    [journal] = list(tmp_path.glob("journal-*"))
    assert not journal.read_bytes().endswith(b"\n")  # the torn half line is there
    live = _writer(tmp_path, "plain")
    assert live.stdout is not None
    first = live.stdout.readline()
    time.sleep(0.01)
    live.send_signal(signal.SIGKILL)
    acks.take(first + live.communicate()[0])
    acks.check(tmp_path)
    assert len(acks.inserted) > 4
    assert os.path.getsize(journal) > 0
