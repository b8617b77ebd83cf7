"""Record store: TinyDB tables on an append-only, checksummed journal (never loses a write).

Callers use the `Repository` interface (`open_store(path)` / `open_memory_store()`), so a
server database can replace this engine without touching them. The app's pages read through
its page queries (`open_tasks`, `search_cases`, `search_records`, `case_counts`,
`monthly_report`; result types and derivations in `runtime.store.pages`), which the embedded
backend answers from indexes and incrementally kept tallies (runtime/store/embedded/pages.py)
and every backend passes one contract suite (tests/store/contract/). Records of filled forms
live on top of it in `runtime.store.records`.

On-disk format — one directory per database, every file UTF-8 JSON a person can read:

    snapshot.json          full state at some point: {"format": "handbook-store/2",
                           "generation": G, "seq": S, "layout": "compact-lines",
                           "last_ids": {...}, "tables": {"records": {"1": {...}, ...}},
                           "checksum": "<crc32>"} — one document per line, as its compact
                           JSON; the checksum covers every byte before it, so an edited or
                           damaged snapshot is refused (format /1, written before
                           checksums, and snapshots without "layout" still open — decoded
                           whole — and are rewritten at the next compaction).
    journal-<G>.jsonl      everything committed after that snapshot, one transaction per
                           line: {"crc":"1a2b3c4d","seq":S+1,"ops":[{"op":"put","t":"records",
                           "id":7,"doc":{...}}, {"op":"del",...}, {"op":"clear",...}]}
    committed              the number of the last committed transaction, rewritten in
                           place after each journal fsync (not itself fsynced: it can lag the
                           journal after a power cut, never lead it). An open whose snapshot
                           plus journal reach fewer transactions — a journal truncated or
                           deleted — is refused, never opened with less data.
    lock                   empty; fcntl.flock'ed (exclusive to write, shared to catch up).

Writes. A transaction (one insert/update, or a `with store.transaction():` block) is applied
in memory, encoded as one journal line, appended with O_APPEND and fdatasync'ed before the
call returns — durable like SQLite with synchronous=FULL. The CRC-32 covers the line with
its "crc" member removed; `seq` numbers lines consecutively. A crash mid-append leaves an
unfinished or mis-checksummed last line: it was never acknowledged, so readers ignore it
and the next writer truncates it away. A bad line followed by valid ones is real damage:
the store refuses to open and leaves the files as they are.

Concurrency. Threads share one Store. Two locks: the writer lock (one transaction at a
time, held through its fsync; also the compaction switch) and the readers' lock (held while
the in-memory tables are read or changed). Reads never take the writer lock: a transaction
holds the readers' lock for its body, and at commit a small one (<= 64 operations) is taken
back out of the tables while its line is written and fsynced with the readers' lock
released, then applied again once durable. So other threads read the last committed state
meanwhile instead of waiting for the disk, and never see a change that could still fail or
half a transaction; the writing thread sees its own changes at once. (A big transaction, a
bulk load, keeps the readers' lock through its fsync: replaying it would cost more.)
Processes coordinate through the lock file: whoever takes it first replays the lines other
processes appended since its last read offset (and notices a compaction by the snapshot's
inode), so every process sees every write and ids, allocated under the exclusive lock, never
collide; a read that notices another process's write catches up under the writer lock first.

Compaction (automatic when the journal outgrows max(8 MiB, snapshot size), or
`store.compact()`) never holds the locks while it writes: under the exclusive lock it
freezes the state at transaction S (nothing is copied: each table records the old document
of every id it changes from then on; documents are never mutated in place) and lets go;
snapshot.json.<pid>.<n>.tmp with generation G+1 and seq S is written and fsynced (in 1 MiB
steps, so other writers' fsyncs never queue behind a long flush) while other threads and
processes keep reading and appending to journal-<G>.jsonl (in a background thread once the
snapshot is over 1 MiB; smaller ones are written inline, in milliseconds). Still without
the lock, the lines committed after S are copied into a private journal-<G+1>.jsonl.<pid>.
<n>.tmp and fsynced. The switch, under the exclusive lock: append the few lines committed
since that copy (one data sync), rename the temp snapshot over snapshot.json, rename the temp
journal to journal-<G+1>.jsonl, fsync the directory once, delete the old journal (the old
files are closed, and their blocks freed, after the lock is released). Until the old journal
is deleted it holds every committed line, so every crash point is recoverable: before the
snapshot's rename the old pair holds everything (a kept journal rename is only a copy of
old lines: the next open checks that — a newer journal holding transactions beyond the
snapshot's is refused as damage — and deletes it with the dead writer's temp files); after
the snapshot's rename but without the journal's, whoever looks next under the lock (an open,
or another live process) appends the old journal's lines after S to journal-<G+1>.jsonl
(`_finish_switch`). Another process notices the new snapshot, and since it already applied
every copied line it switches journals and skips them instead of reloading.

Memory. Each document is held as its compact JSON bytes (the normal form, exactly the
snapshot's line), decoded on access, with a small bounded cache of decoded documents:
bytes take a fraction of the decoded dicts and the garbage collector never walks them. So
opening reads the snapshot's lines as they are and decodes nothing, compaction copies the
bytes instead of re-encoding, and every reader gets a document decoded afresh (nobody can
change a stored one in place). Documents of 2 KB or more (cases, which carry their history)
are held deflated against one dictionary sampled from the store's own documents
(`embedded/packing.py`): a thread does it after each open, batch by batch outside the locks,
and every later write of a large document is deflated as it is stored. Only memory holds
that form: journal lines and snapshots are written from the plain JSON, so the files stay
readable and the dictionary is never kept (five-year demo store: 0.9 KB resident a document
instead of 1.6 KB).

Indexes: equality on kind, status, form_id, property, assignee_role, assignee_user,
case_id and number in every table, ordered (range) on due_at, plus any
`store.ensure_index(table, field, ordered=...)`; kept in step with every write and
replayed line. The default ones are also in the snapshot, after "tables": "indexes":
{table: {"eq": {field: [[value, ids], ...]}, "ordered": {field: [ids, keys]}}}, the ids
and keys packed as base64 of little-endian int64 / float64 (millions of numbers read back
in C). The compaction builds them from the frozen documents in its own thread; an open
keeps them packed (about 11 bytes an id) and decodes no document, and each is unpacked on
its first query and brought up to date with the changes since the open (the snapshot's
bytes of every document changed meanwhile are kept until then). They are derived data:
one that does not read back, or whose table changed by more than a quarter, is built
instead. Any other index is built on the first query that needs it, every missing
declared index of the table in one decoding pass. Naive datetimes are local property time
(UTC+8); aware ones are converted before comparing.

Test hook: `runtime.store.embedded.journal.fault_hook` is called at each crash-relevant step so the
crash tests can SIGKILL a writer exactly there (it is None in normal use).
"""

from __future__ import annotations

from runtime.store.embedded.store import Store, open_memory_store, open_store
from runtime.store.repository import Criteria, Doc, DocId, Repository

__all__ = [
    "Criteria",
    "Doc",
    "DocId",
    "Repository",
    "Store",
    "open_memory_store",
    "open_store",
]
