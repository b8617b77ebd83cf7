"""Work calendars (工作行程) written one item per line → a draft schedule rule.

A line such as ``每周五下午2点半 部门工作例会 客服主管`` gives one item: the recurrence phrase
(`every Friday 14:30`), the work (部门工作例会) and the owner (客服主管, a known role or a new
draft role). Columns may be separated by spaces, tabs or ``|``; a leading serial number is
ignored. A line with no recognisable recurrence or owner is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from runtime.importer.core import Context, Document
from runtime.importer.forms import find_mentions
from runtime.importer.naming import slug
from runtime.importer.phrases import find_recurrences, find_targets
from runtime.importer.segment import clean

_SPLIT_RE = re.compile(r"[ \t\u3000|｜]+")
_ROLE_END = ("主管", "经理", "主任", "助理", "主办", "班长", "队长", "组长", "前台", "客服", "管家",
             "专员", "文员", "内勤", "老师", "干事", "会计", "出纳", "司机", "员", "工", "部",
             "中心", "人")
_HEADER_WORDS = ("序号", "工作事项", "责任人", "具体实施时间", "备注")


@dataclass
class Cell:
    """One column of a line, with its span in the source."""

    start: int
    end: int
    text: str


def _cells(text: str, lo: int, hi: int) -> list[Cell]:
    out = []
    pos = lo
    for part in _SPLIT_RE.split(text[lo:hi]):
        if not part:
            continue
        start = text.index(part, pos, hi)
        pos = start + len(part)
        out.append(Cell(start, pos, part))
    return out


def _looks_like_role(ctx: Context, cell: str) -> bool:
    names = [clean(n) for n in re.split(r"[、,，/和及]", cell) if clean(n)]
    return bool(names) and all(
        ctx.registry.find_role(n) or (len(n) <= 8 and n.endswith(_ROLE_END)) for n in names
    )


def schedule_lines(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines of text."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def looks_like_calendar(text: str) -> bool:
    """True when most non-empty lines (at least two) carry a recurrence phrase."""
    lines = schedule_lines(text)
    hits = sum(1 for a, b in lines if find_recurrences(text, a, b))
    return len(lines) >= 2 and hits * 2 >= len(lines)


def extract_schedule(ctx: Context, title: str | None = None) -> dict[str, Any] | None:
    """One draft schedule from the lines of the source; None when no line is an item."""
    text = ctx.text
    cov = ctx.coverage
    items: list[dict[str, Any]] = []
    parsed: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    sched_title = title
    since = len(ctx.placements)
    for lo, hi in schedule_lines(text):
        line = text[lo:hi]
        recs = find_recurrences(text, lo, hi)
        if not recs:
            if sched_title is None and not items and len(clean(line)) <= 40:
                sched_title = clean(line)
                ctx.place(lo, hi, "schedule", None, "title")
            elif all(w in line for w in _HEADER_WORDS[1:3]):
                cov.explain(lo, hi, "table header line")
            else:
                cov.explain(lo, hi, "no recurrence recognised on this line")
            continue
        rec = recs[0]
        cells = [c for c in _cells(text, lo, hi)]
        if cells and cells[0].text.isdigit() and len(cells) > 1:
            cells = cells[1:]  # serial number
        owner_cell = next((c for c in reversed(cells)
                           if not (c.start <= rec.start < c.end) and _looks_like_role(ctx, c.text)),
                          None)
        if owner_cell is None:
            cov.explain(lo, hi, "no owner (role) recognised on this line")
            continue
        owners = [ctx.role_ref(clean(n), owner_cell.start, owner_cell.end,
                               "named as a schedule owner")
                  for n in re.split(r"[、,，/和及]", owner_cell.text) if clean(n)]
        rest = [c for c in cells if c is not owner_cell]
        title_parts: list[str] = []
        notes: list[str] = []
        for c in rest:
            if c.start <= rec.start < c.end:
                leftover = clean(text[c.start:rec.start] + text[rec.end:c.end])
                if leftover:
                    title_parts.append(leftover)
            elif not title_parts:
                title_parts.append(c.text)
            else:
                notes.append(c.text)
        item_title = clean(" ".join(title_parts))
        if not item_title:
            cov.explain(lo, hi, "no work item recognised on this line")
            continue
        base = slug(item_title, "item")
        iid, n = base, 2
        while iid in used_ids:
            iid, n = f"{base}-{n}", n + 1
        used_ids.add(iid)
        item: dict[str, Any] = {
            "id": iid,
            "title": item_title,
            "owner": owners[0] if len(owners) == 1 else owners,
            "recurrence": rec.canonical,
        }
        forms = [m for m in find_mentions(text, lo, hi) if m.kind == "form"]
        if forms:
            item["form"] = ctx.forms.resolve(forms[0].title)
        targets = find_targets(text, lo, hi)
        if targets:
            item["targets"] = [t.target for t in targets]
        if notes:
            item["notes"] = " ".join(notes)
        if len(recs) > 1:
            extra = "; ".join(r.source for r in recs[1:])
            item["notes"] = (item.get("notes", "") + f" (另有时间: {extra})").strip()
            ctx.note(recs[1].start, recs[-1].end,
                     f"more than one time phrase on the line: used {rec.source!r}")
        items.append(item)
        parsed.append({**item, "start": lo, "end": hi, "phrase": rec.source})
        ctx.place(lo, hi, "schedule", None, f"items[{len(items) - 1}]")
    if not items:
        return None
    name = sched_title or "导入的工作行程"
    sid = ctx.registry.allocate("schedule", name, "schedule")
    ctx.settle(since, sid)
    ctx.documents.append(Document("schedule", sid, name, {"items": items}))
    return {"id": sid, "title": name, "items": parsed}
