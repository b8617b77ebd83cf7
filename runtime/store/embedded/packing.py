"""Large documents held deflated in memory (never on disk).

A case carries its whole history: at five years of a busy property cases are a tenth of
the documents but over half of the bytes (6 KB each on average, against 0.5 KB for a task).
Held as compact JSON they dominate the store's resident memory; deflated against a shared
dictionary sampled from the store's own documents they take about a tenth of that, and
inflating one costs microseconds, which only the few documents a page reads pay.

Only memory holds the deflated form: the journal and the snapshot are written from the
plain JSON (`plain`), so the files stay readable and the dictionary never has to be kept.
A deflated value starts with a zero byte, which compact JSON of an object never does.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable

# Documents shorter than this stay plain: deflating a task of 500 B saves little, and its
# dictionary set-up would cost more than its JSON decoding.
MIN_BYTES = 2048
# zlib's window: the dictionary is at most this long (its last bytes are the ones used).
_DICT_BYTES = 32 * 1024
_MARK = b"\x00"

_dictionary: bytes | None = None
_sealing = threading.Lock()


def sealed() -> bool:
    """True once the process's dictionary is chosen (documents are deflated from then on)."""
    return _dictionary is not None


def seal(samples: Iterable[bytes]) -> None:
    """Choose the process's dictionary from sample documents, once; later calls do nothing.

    The dictionary is never changed afterwards: every deflated value in memory was made
    with it. A fork's child inherits it with the values, so they stay readable there too.
    """
    global _dictionary
    with _sealing:
        if _dictionary is not None:
            return
        text = b"".join(samples)[-_DICT_BYTES:]
        if len(text) >= 1024:  # too little to learn from: wait for a bigger table
            _dictionary = text


def deflate(raw: bytes) -> bytes:
    """The form a table holds for one document's compact JSON (deflated when that pays)."""
    zdict = _dictionary
    if zdict is None or len(raw) < MIN_BYTES or raw[:1] == _MARK:
        return raw
    packer = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict)
    out = _MARK + packer.compress(raw) + packer.flush()
    return out if len(out) < len(raw) else raw


def plain(held: bytes) -> bytes:
    """The compact JSON of a held document (what `deflate` was given)."""
    if held[:1] != _MARK:
        return held
    assert _dictionary is not None  # a deflated value exists only once it is sealed
    unpacker = zlib.decompressobj(-15, zdict=_dictionary)
    return unpacker.decompress(held[1:]) + unpacker.flush()


def is_deflated(held: bytes) -> bool:
    """True when `held` is a deflated document."""
    return held[:1] == _MARK
