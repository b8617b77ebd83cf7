"""The background worker: clocks that tick when nobody is looking, and notifications delivered.

- `live.py`    the live rules of a data directory without Streamlit (published version,
               re-checked for a publish every few seconds; cases resolved to the version
               they started under).
- `lease.py`   one lease document in the store, taken and renewed by revision
               compare-and-swap, so of two workers one works and the other waits.
- `worker.py`  one tick: due cases (the `next_check_at` index; a full sweep on start and
               hourly), the week's schedule tasks per property (holiday rule applied),
               derived notifications (follow-up due, read tasks, drafts waiting for review
               or approval), outbox delivery, and the tick's status on the lease document.
- `bench.py`   `handbook bench worker`: one tick of N open cases across three properties.

`handbook worker` (runtime/cli/cmd_worker.py) runs it every minute, `--once` for cron;
SIGTERM finishes the current tick, releases the lease and exits 0.
"""

from __future__ import annotations
