"""JSON text for JSONB: the store's normal form, with an escape for what JSONB cannot hold.

JSONB refuses U+0000 and (being UTF-8) lone surrogates, both of which the embedded store keeps
exactly. Such a string (key or value) is stored as MARK + its ASCII JSON escape form, and so is
any string that itself starts with MARK, so decoding is unambiguous. The fast path (no such
string, the overwhelming case) only scans the JSON text once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from runtime.store.journal import encode_doc

MARK = "\uf8ff"  # a private-use character: never in real content, kept as is by JSONB
_RISKY = re.compile(r"\\u0000|\\u[dD][89a-fA-F]")


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


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return _escape_str(value)
    if isinstance(value, dict):
        return {_escape_str(k): _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


def _unescape_str(s: str) -> str:
    return json.loads('"' + s[1:] + '"') if s.startswith(MARK) else s


def _unescape(value: Any) -> Any:
    if isinstance(value, str):
        return _unescape_str(value)
    if isinstance(value, dict):
        return {_unescape_str(k): _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return value


def dumps_value(value: Any) -> str:
    """JSONB-safe JSON text of any JSON value (query operands)."""
    return json.dumps(_escape(value), ensure_ascii=False, allow_nan=False)


def encode(doc: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(JSONB-safe text, the document as it reads back); StoreError when not JSON data."""
    text, value = encode_doc(doc)
    if MARK in text or _RISKY.search(text):
        text = json.dumps(_escape(value), ensure_ascii=False, separators=(",", ":"))
    return text, value


def decode(text: str) -> Any:
    """A stored body (JSON text from the server) back to the caller's document."""
    value = json.loads(text)
    return _unescape(value) if MARK in text else value
