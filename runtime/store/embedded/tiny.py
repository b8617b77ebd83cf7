"""TinyDB on the journal engine: stock Table/Document/Query API, per-document durable writes.

Stock TinyDB reads the whole file, applies a change and rewrites the whole file. Here
`Table._update_table` runs TinyDB's own updater against a staging view of the live table,
then hands only the changed documents to the journal; reads go to the in-memory state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.table import Document, Table

from runtime.store.embedded.journal import (
    DocView,
    JournalStorage,
    Op,
    check_table_name,
    decode_doc,
    encode_doc,
)
from runtime.store.embedded.packing import plain


def clone(value: Any) -> Any:
    """Deep copy of JSON data (dicts, lists, scalars); much faster than copy.deepcopy."""
    if type(value) is dict:
        return {k: clone(v) if type(v) in (dict, list) else v for k, v in value.items()}
    if type(value) is list:
        return [clone(v) if type(v) in (dict, list) else v for v in value]
    return value


class _Staged(MutableMapping[int, Any]):
    """What TinyDB's updaters see as "the table": reads fall through, writes are staged.

    A document handed out for mutation is a private copy, so a failing updater leaves the
    live state untouched; afterwards only copies that really changed become journal puts.
    """

    def __init__(self, live: DocView) -> None:
        self._live = live
        self.changed: dict[int, Any] = {}
        self.cleared = False

    def __getitem__(self, key: int) -> Any:
        if key in self.changed:
            value = self.changed[key]
            if value is None:
                raise KeyError(key)
            return value
        if self.cleared:
            raise KeyError(key)
        value = self._live.fresh(key)  # decoded afresh: the caller's to change
        self.changed[key] = value
        return value

    def __setitem__(self, key: int, value: Any) -> None:
        self.changed[key] = value

    def __delitem__(self, key: int) -> None:
        if key not in self:
            raise KeyError(key)
        self.changed[key] = None

    def __contains__(self, key: object) -> bool:
        if key in self.changed:
            return self.changed[key] is not None
        return not self.cleared and key in self._live

    def __iter__(self) -> Iterator[int]:
        if not self.cleared:
            yield from [k for k in self._live if k not in self.changed]
        yield from [k for k, v in self.changed.items() if v is not None]

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def clear(self) -> None:
        """Drop every document (TinyDB's truncate)."""
        self.cleared = True
        self.changed.clear()

    def ops(self, table: str) -> list[Op]:
        """Journal operations for what the updater did."""
        out: list[Op] = [("clear", table)] if self.cleared else []
        for key, value in self.changed.items():
            if value is None:
                if not self.cleared:
                    out.append(("del", table, key))
                continue
            text, doc = encode_doc(value)
            if not self.cleared and key in self._live:
                stored = plain(self._live.raw[key])
                if stored == text.encode("utf-8") or self._live[key] == doc:
                    continue  # only read (e.g. a query condition looked at it)
            out.append(("put", table, int(key), doc, text))
        return out


class JournalTable(Table):
    """A TinyDB table whose storage is the journal engine (int ids, live in-memory docs)."""

    document_id_class = int

    def __init__(self, storage: JournalStorage, name: str, cache_size: int = 10) -> None:
        check_table_name(name)
        super().__init__(storage, name, cache_size=cache_size)
        self._journal = storage
        self._cache_version = -1
        self._cache_state: object = None

    # -- storage plumbing TinyDB calls ------------------------------------------------
    def _read_table(self) -> DocView:  # type: ignore[override]
        state = self._journal.state(self.name)
        return state.docs if state is not None else DocView()

    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> None:
        with self._journal.write_lock():
            state = self._journal.state(self.name)
            staged = _Staged(state.docs if state is not None else DocView())
            updater(staged)  # type: ignore[arg-type]
            self._journal.stage(staged.ops(self.name))
        self.clear_cache()

    def _get_next_id(self) -> int:
        return self._journal.next_id(self.name)

    def _fresh_cache(self) -> None:
        # The version counts changes of one TableState; a clear or a reload puts a new one
        # in place whose count starts again, so the object is compared too.
        state = self._journal.state(self.name)
        version = state.version if state is not None else 0
        if version != self._cache_version or state is not self._cache_state:
            self._query_cache.clear()
            self._cache_version = version
            self._cache_state = state

    # -- writes: one lock around id allocation and the change ---------------------------
    def _put_op(self, document: Mapping[Any, Any], taken: set[int]) -> Op:
        """Encode one new document; a TinyDB Document keeps its own id (TinyDB semantics)."""
        if not isinstance(document, Mapping):
            raise ValueError("Document is not a Mapping")
        if isinstance(document, Document):
            doc_id = int(document.doc_id)
            state = self._journal.state(self.name)
            if doc_id in taken or (state is not None and doc_id in state.docs):
                raise ValueError(f"Document with ID {doc_id} already exists")
        else:
            doc_id = self._journal.next_id(self.name)
        taken.add(doc_id)
        text, doc = encode_doc(document)
        return ("put", self.name, doc_id, doc, text)

    def insert(self, document: Mapping[Any, Any]) -> int:
        """Insert one document durably (one journal line, fsync'ed); returns its id."""
        with self._journal.write_lock():
            op = self._put_op(document, set())
            self._journal.stage([op])
        return int(op[2])

    def insert_multiple(self, documents: Iterable[Mapping[Any, Any]]) -> list[int]:
        """Insert many documents as one journal line (all or nothing)."""
        with self._journal.write_lock():
            taken: set[int] = set()
            ops = [self._put_op(d, taken) for d in documents]
            self._journal.stage(ops)
        return [int(op[2]) for op in ops]

    def upsert(self, document: Mapping[Any, Any], cond: QueryLike | None = None) -> list[int]:
        """TinyDB upsert, atomic under the write lock."""
        with self._journal.write_lock():
            return super().upsert(document, cond)

    # -- reads under the read lock (and after catching up with other processes) -----------
    def search(self, cond: QueryLike) -> list[Document]:
        """Documents matching a TinyDB query."""
        with self._journal.read_lock():
            self._fresh_cache()
            # copies: a caller mutating a result must not reach the live state
            return [Document(clone(dict(d)), d.doc_id) for d in super().search(cond)]

    def get(  # type: ignore[override]
        self,
        cond: QueryLike | None = None,
        doc_id: int | None = None,
        doc_ids: list[int] | None = None,
    ) -> Document | list[Document] | None:
        """TinyDB get by query, id or ids."""
        with self._journal.read_lock():
            docs = self._read_table()
            if doc_id is not None:
                if doc_id not in docs:
                    return None
                return Document(docs.fresh(doc_id), doc_id)
            if doc_ids is not None:
                return [Document(docs.fresh(i), i) for i in doc_ids if i in docs]
            if cond is None:
                raise TypeError("get() needs cond, doc_id or doc_ids")
            found = super().get(cond)
            return None if found is None else Document(clone(dict(found)), found.doc_id)

    def count(self, cond: QueryLike) -> int:
        """Number of documents matching a query."""
        with self._journal.read_lock():
            return super().count(cond)

    def __len__(self) -> int:
        with self._journal.read_lock():
            return len(self._read_table())

    def __iter__(self) -> Iterator[Document]:
        with self._journal.read_lock():
            items = list(self._read_table().raw.items())
        for doc_id, raw in items:
            yield Document(decode_doc(raw), doc_id)


class JournalDB(TinyDB):
    """TinyDB whose tables journal their writes: `JournalDB(path)` or `JournalDB(None)`."""

    table_class = JournalTable  # type: ignore[assignment]
    default_storage_class = JournalStorage  # type: ignore[assignment]

    def __init__(self, path: Any = None, **kwargs: Any) -> None:
        super().__init__(path, storage=JournalStorage, **kwargs)

    @property
    def journal(self) -> JournalStorage:
        """The storage engine."""
        storage = self.storage
        assert isinstance(storage, JournalStorage)
        return storage

    def tables(self) -> set[str]:
        """Names of every table ever written."""
        with self.journal.read_lock():
            return set(self.journal.table_names())

    def drop_table(self, name: str) -> None:
        """Empty a table (journaled as one clear operation)."""
        self.table(name).truncate()

    def drop_tables(self) -> None:
        """Empty every table in one transaction."""
        with self.journal.write_lock():
            for name in self.tables():
                self.drop_table(name)
