"""The embedded backend: TinyDB tables on an append-only, checksummed journal (one machine).

Modules: `journal` (files, locks, replay, compaction), `indexes` (in-memory equality, range,
text and aggregate indexes), `tiny` (TinyDB's Table API on the journal), `store` (the
`Repository` implementation, including the page queries). The on-disk format is described
in runtime/store/__init__.py.
"""
