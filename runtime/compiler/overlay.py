"""Stage 3, resolve overlays: a property's differences applied to copies of company rules.

An overlay names a company rule by id and says what differs: `set` a value, `add` list items,
`remove` list items. Paths address list items by their `id` (or a duty's `no`), never by
position, so an overlay keeps pointing at the same step when the company inserts another:
`steps[resolve].time-limit`, `clocks[handle-24h].within`, `duties[6]`.

Values written by an overlay keep the overlay's own file and line (they were loaded from the
property file), so the resolved rule knows where each value came from.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.compiler.loader import LocDict, LocList, RawDoc, loc_at
from runtime.compiler.model import Loc
from runtime.errors import KeyPath, RuleError

_SEGMENT = re.compile(r"^(?P<key>[A-Za-z0-9_-]+)(?:\[(?P<sel>[^\]]+)\])?$")


class OverlayPathError(ValueError):
    """An overlay path does not parse or does not lead to anything."""


@dataclass(frozen=True)
class Segment:
    """One step of an overlay path: a key, optionally selecting a list item by id/no."""

    key: str
    select: str | None = None


def parse_path(text: str) -> list[Segment]:
    """Parse `steps[resolve].time-limit` into segments; OverlayPathError when malformed."""
    if not isinstance(text, str) or not text.strip():
        raise OverlayPathError("empty path")
    out = []
    for part in text.strip().split("."):
        match = _SEGMENT.match(part)
        if not match:
            raise OverlayPathError(f"bad path segment {part!r} in {text!r}")
        out.append(Segment(match["key"], match["sel"]))
    return out


def _matches(item: Any, sel: str) -> bool:
    # Items are named by id, a duty by its number, a record-keeping entry by its form.
    if not isinstance(item, dict):
        return False
    return any(str(item.get(key)) == sel for key in ("id", "no", "form") if key in item)


def _find(items: list[Any], sel: str) -> int:
    hits = [i for i, item in enumerate(items) if _matches(item, sel)]
    if len(hits) > 1:
        # Two duties numbered 5: silently patching the first would change the wrong one.
        raise OverlayPathError(f"[{sel}] is ambiguous: {len(hits)} items match (items "
                               f"{', '.join(str(i) for i in hits)}); give them distinct ids "
                               "and address the item by its id")
    if hits:
        return hits[0]
    raise OverlayPathError(f"no item [{sel}]")


def _descend(doc: Any, segments: list[Segment]) -> tuple[Any, KeyPath]:
    """Walk all segments; returns the value reached and its positional key path."""
    node: Any = doc
    path: KeyPath = ()
    for seg in segments:
        if not isinstance(node, dict) or seg.key not in node:
            raise OverlayPathError(f"no key {seg.key!r} at {_fmt(path) or 'top level'}")
        node, path = node[seg.key], (*path, seg.key)
        if seg.select is not None:
            if not isinstance(node, list):
                raise OverlayPathError(f"{seg.key!r} is not a list")
            i = _find(node, seg.select)
            node, path = node[i], (*path, i)
    return node, path


def _fmt(path: KeyPath) -> str:
    from runtime.errors import format_path

    return format_path(path)


@dataclass
class OverlayResult:
    """Resolved copies of the rules a property overlays, and the problems found."""

    docs: dict[tuple[str, str], RawDoc] = field(default_factory=dict)
    errors: list[RuleError] = field(default_factory=list)


def apply_overlays(prop: RawDoc, base: Mapping[tuple[str, str], RawDoc]) -> OverlayResult:
    """Apply a property's `overlays:` to the base docs (copy-on-write, originals untouched)."""
    result = OverlayResult()
    overlays = prop.data.get("overlays")
    if not isinstance(overlays, list):
        return result
    by_id: dict[str, list[tuple[str, str]]] = {}
    for key in base:
        by_id.setdefault(key[1], []).append(key)

    for i, ov in enumerate(overlays):
        if not isinstance(ov, LocDict):
            continue
        opath: KeyPath = ("overlays", i)

        def err(path: KeyPath, code: str, message: str) -> None:
            loc = loc_at(prop.data, path) or Loc(prop.file, 1, 1)
            result.errors.append(RuleError(loc.file, loc.line, loc.col, code, message, path))

        rule_id = ov.get("rule")
        kind = ov.get("kind")
        candidates = [k for k in by_id.get(str(rule_id), []) if kind is None or k[0] == kind]
        if not candidates:
            err((*opath, "rule"), "E060", f"overlay patches unknown rule id {rule_id!r}")
            continue
        if len(candidates) > 1:
            kinds = ", ".join(sorted(k[0] for k in candidates))
            err((*opath, "rule"), "E060", f"rule id {rule_id!r} is ambiguous ({kinds}): add kind:")
            continue
        key = candidates[0]
        target = result.docs.get(key)
        if target is None:
            original = base[key]
            target = RawDoc(original.file, copy.deepcopy(original.data), original.text_hash)
            result.docs[key] = target
        _apply_one(target.data, ov, opath, err)
    return result


def _op_set(doc: LocDict, segments: list[Segment], value: Any, loc: Loc) -> None:
    parent, _ = _descend(doc, segments[:-1])
    last = segments[-1]
    if last.select is None:
        if not isinstance(parent, LocDict):
            raise OverlayPathError(f"cannot set {last.key!r}: parent is not a mapping")
        if len(segments) == 1 and last.key in {"kind", "id"}:
            raise OverlayPathError("an overlay cannot change kind or id")
        parent[last.key] = value
        parent.locs[last.key] = loc
        return
    lst, idx = _item(parent, last)
    lst[idx] = value
    lst.locs[idx] = loc


def _op_add(doc: LocDict, segments: list[Segment], items: Any, loc: Loc) -> None:
    parent, _ = _descend(doc, segments[:-1])
    last = segments[-1]
    if last.select is not None or not isinstance(parent, LocDict):
        raise OverlayPathError("add takes the path of a list, e.g. duties")
    if not isinstance(items, LocList):
        raise OverlayPathError("add needs a list of items")
    lst = parent.get(last.key)
    if lst is None:
        lst = LocList(loc=loc)
        parent[last.key] = lst
        parent.locs[last.key] = loc
    if not isinstance(lst, LocList):
        raise OverlayPathError(f"{last.key!r} is not a list")
    for item, item_loc in zip(items, items.locs, strict=False):
        ident = item.get("id", item.get("no")) if isinstance(item, dict) else None
        if ident is not None and any(_matches(x, str(ident)) for x in lst):
            raise OverlayPathError(f"item [{ident}] already exists: use set")
        lst.append(item)
        lst.locs.append(item_loc)


def _op_unset(doc: LocDict, segments: list[Segment], _value: Any, _loc: Loc) -> None:
    last = segments[-1]
    if last.select is not None:
        raise OverlayPathError("unset takes a key, e.g. headcount; use remove for list items")
    parent, _ = _descend(doc, segments[:-1])
    if not isinstance(parent, LocDict) or last.key not in parent:
        raise OverlayPathError(f"no key {last.key!r} to unset")
    if len(segments) == 1 and last.key in {"kind", "id", "title", "version"}:
        raise OverlayPathError(f"{last.key!r} cannot be unset")
    del parent[last.key]
    parent.locs.pop(last.key, None)


def _op_remove(doc: LocDict, segments: list[Segment], _value: Any, _loc: Loc) -> None:
    last = segments[-1]
    if last.select is None:
        raise OverlayPathError("remove takes a list item, e.g. duties[6]")
    parent, _ = _descend(doc, segments[:-1])
    lst, idx = _item(parent, last)
    del lst[idx]
    del lst.locs[idx]


def _item(parent: Any, last: Segment) -> tuple[LocList, int]:
    """The list named by `last.key` under `parent`, and the position of `last.select` in it."""
    lst, _ = _descend(parent, [Segment(last.key)])
    if not isinstance(lst, LocList):
        raise OverlayPathError(f"{last.key!r} is not a list")
    return lst, _find(lst, str(last.select))


# operation → (how it reads in a message, what it does), applied in this order.
_OPS = {
    "set": ("set", _op_set),
    "add": ("add to", _op_add),
    "unset": ("unset", _op_unset),
    "remove": ("remove", _op_remove),
}


def _entries(section: Any, fallback: Loc) -> list[tuple[str | int, str, Any, Loc]]:
    """(where, path, value, location) of each entry of a set/add mapping or unset/remove list."""
    if isinstance(section, LocDict):
        return [(k, k, v, section.locs.get(k, fallback)) for k, v in section.items()]
    if isinstance(section, LocList):
        return [(j, str(p), None, section.locs[j] if j < len(section.locs) else fallback)
                for j, p in enumerate(section)]
    return []


def _apply_one(doc: LocDict, ov: LocDict, opath: KeyPath, err: Any) -> None:
    for op, (verb, apply) in _OPS.items():
        for where, raw_path, value, loc in _entries(ov.get(op), ov.loc):
            try:
                apply(doc, parse_path(raw_path), value, loc)
            except OverlayPathError as exc:
                err((*opath, op, where), "E061", f"cannot {verb} {raw_path!r}: {exc}")
