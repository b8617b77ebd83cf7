"""Per-table counts and content checksums of a repository, for backups and backend copies.

A checksum covers every document's id, revision and body in canonical JSON (sorted keys, ids in
order), so two stores agree exactly when they hold the same documents — whatever the backend
and whatever the physical layout (snapshot, journal, SQL rows).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from runtime.store.repository import Repository


def _canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8", "surrogatepass")  # lone surrogates are data too


def table_checksum(docs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """{count, sha256} of one table's documents (order-independent: sorted by id)."""
    digest = hashlib.sha256()
    count = 0
    for doc in sorted(docs, key=lambda d: int(d["id"])):
        digest.update(_canonical(doc) + b"\n")
        count += 1
    return {"count": count, "sha256": digest.hexdigest()}


def checksums(repo: Repository, tables: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{table: {count, sha256}} for the named tables."""
    return {name: table_checksum(repo.all(name)) for name in sorted(tables)}
