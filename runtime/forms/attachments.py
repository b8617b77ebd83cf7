"""Attachments (photos of leaks, scanned letters): content-addressed files next to the store.

A form value holds a reference, never the bytes: `att:<sha256>/<file name>` for a string
field, or `{"name", "ref", "type", "size"}` when the field's schema asks for objects. The bytes
live in `<data dir>/attachments/<sha256><ext>`, written atomically (temp file, fsync, rename),
so a crash leaves either the whole file or nothing, and the same photo twice is stored once.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from runtime.forms.spec import FieldSpec

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
MAX_BYTES = 25 * 1024 * 1024  # a phone photo is a few MB; refuse what is clearly not one


def data_dir() -> Path:
    """$HANDBOOK_DATA, else data/ in the project (the same place as the store)."""
    return Path(os.environ.get("HANDBOOK_DATA") or PROJECT_ROOT / "data")


def _safe_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")) or "file"
    base = re.sub(r"[\x00-\x1f\x7f/]", "_", base)
    return base[:120]


def save_attachment(name: str, content: bytes, mime: str = "",
                    directory: Path | None = None) -> tuple[str, str]:
    """Store bytes once; returns (sha256 hex, path relative to the data dir)."""
    if len(content) > MAX_BYTES:
        raise ValueError(f"attachment larger than {MAX_BYTES // (1024 * 1024)} MB")
    digest = hashlib.sha256(content).hexdigest()
    ext = os.path.splitext(_safe_name(name))[1].lower()
    ext = ext if re.fullmatch(r"\.[a-z0-9]{1,8}", ext) else ""
    root = directory or data_dir()
    folder = root / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}{ext}"
    if not target.exists():
        tmp = folder / f".{digest}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return digest, f"attachments/{target.name}"


def attachment_value(spec: FieldSpec, name: str, digest: str, ref: str, mime: str,
                     size: int) -> Any:
    """The value stored in the form data for one attachment, shaped as the schema wants."""
    items = spec.schema.get("items") if spec.multiple else spec.schema
    wants_object = isinstance(items, dict) and items.get("type") == "object"
    if wants_object:
        return {"name": _safe_name(name), "ref": ref, "type": mime, "size": size}
    return f"att:{digest}/{_safe_name(name)}"


def attachment_name(value: Any) -> str:
    """The file name shown for a stored attachment value."""
    if isinstance(value, dict):
        return str(value.get("name") or value.get("ref") or "")
    text = str(value)
    if text.startswith("att:") and "/" in text:
        return text.split("/", 1)[1]
    return text
