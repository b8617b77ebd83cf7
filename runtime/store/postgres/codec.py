"""JSON text for JSONB: the store's normal form, plus what JSONB would otherwise lose.

- JSONB refuses U+0000 and (being UTF-8) lone surrogates, both of which the embedded store keeps
  exactly. Such a string (key or value) is stored as MARK + its ASCII JSON escape form, and so
  is any string that itself starts with MARK, so decoding is unambiguous.
- JSONB sorts object keys (shorter first, then bytewise); the embedded store keeps insertion
  order, which callers see (a record's data fields in form order, history entries in that
  order). An object whose keys are not already in JSONB's order carries its key order under
  the key MARK (a bare MARK is never an escaped key); decoding restores it and drops it.
Reading is fast when no object needed either (no MARK in the text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from runtime.store.embedded.journal import encode_doc

MARK = "\uf8ff"  # a private-use character: never in real content, kept as is by JSONB


def _bad(s: str) -> bool:
    if "\x00" in s or s.startswith(MARK):
        return True
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _escape_str(s: str) -> str:
    return MARK + json.dumps(s)[1:-1] if _bad(s) else s


def _jsonb_order(key: str) -> tuple[int, bytes]:
    raw = key.encode("utf-8")
    return (len(raw), raw)


def _escape(value: Any, top: bool = True) -> Any:
    if isinstance(value, str):
        return _escape_str(value)
    if isinstance(value, dict):
        out = {_escape_str(k): _escape(v) for k, v in value.items()}
        keys = list(out)
        if top and len(keys) > 1 and keys != sorted(keys, key=_jsonb_order):
            out[MARK] = keys
        return out
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


def _unescape_str(s: str) -> str:
    return json.loads('"' + s[1:] + '"') if s.startswith(MARK) else s


def _unescape(value: Any) -> Any:
    if isinstance(value, str):
        return _unescape_str(value)
    if isinstance(value, dict):
        order = value.pop(MARK, None)
        if isinstance(order, list):
            keys = [k for k in order if k in value] + [k for k in value if k not in order]
        else:
            keys = list(value)
        return {_unescape_str(k): _unescape(value[k]) for k in keys}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return value


def dumps_value(value: Any) -> str:
    """JSONB-safe JSON text of any JSON value (query operands)."""
    return json.dumps(_escape(value, False), ensure_ascii=False, allow_nan=False)


def encode(doc: Mapping[str, Any], *, top_order: bool = True) -> tuple[str, dict[str, Any]]:
    """(JSONB-safe text, the document as it reads back); StoreError when not JSON data.

    `top_order=False` leaves the top-level key order out (an update's changes: the server
    merges them into the stored order, see hb_merge).
    """
    _, value = encode_doc(doc)
    text = json.dumps(_escape(value, top_order), ensure_ascii=False, separators=(",", ":"))
    return text, value


def top_keys(doc: Mapping[str, Any]) -> list[str]:
    """The top-level keys as stored (escaped), in the caller's order."""
    return [_escape_str(k) for k in doc]


def decode(text: str) -> Any:
    """A stored body (JSON text from the server) back to the caller's document."""
    value = json.loads(text)
    return _unescape(value) if MARK in text else value
