"""Staffing tables (人员配置表) → each role's headcount, working hours and shifts.

    岗位	人数	工作时间	班次	备注
    客服助理	3	冬8:00-18:00 夏8:00-18:30	两班倒	节假日轮休

Also flattened into one line (`岗位 人数 工作时间 班次 客服主管 1 8:30-17:30 行政班 …`), as a web
page or a PDF gives it: a row starts at a name followed by a number. A row joins the role
chapter of the same title when the text has one, else it becomes a role of its own (no duties).
Working hours map onto the language's `work-pattern`: 冬/夏 hours → `seasons` (the customary
dates 10-01–04-30 and 05-01–09-30, noted for review since handbooks rarely state them), one or
more same-day periods → `hours`, anything else (night shifts) → its `note`; 班次 → `shifts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from runtime.importer.core import Context, Document
from runtime.importer.normalise import to_simplified
from runtime.importer.roles import ParsedRole, guess_level

COLUMNS = {"岗位": "role", "岗位名称": "role", "职位": "role", "人数": "headcount",
           "定编": "headcount", "定编人数": "headcount", "编制人数": "headcount",
           "工作时间": "hours", "上班时间": "hours", "作息时间": "hours", "班次": "shift",
           "班制": "shift", "工作制": "shift", "备注": "note", "说明": "note"}
_RANGE_RE = re.compile(r"(?:(?P<season>冬|夏)(?:季|令时?)?\s*[:：]?\s*)?"
                       r"(?P<a>\d{1,2})[:：](?P<am>\d{2})"
                       r"\s*[-－—–~～至到]\s*(?P<b>\d{1,2})[:：](?P<bm>\d{2})")
SEASON_DATES = {"冬": ("winter", "冬季", "10-01", "04-30"),
                "夏": ("summer", "夏季", "05-01", "09-30")}


@dataclass
class Row:
    """One row of a staffing table, with the span of each cell in the source."""

    start: int
    end: int
    cells: dict[str, tuple[str, int, int]]  # column → (recognition text, start, end)


def _tokens(text: str, lo: int, hi: int, sep: str) -> list[tuple[str, int, int]]:
    out = []
    for m in re.finditer(sep, text[lo:hi]):
        out.append((m.group(0), lo + m.start(), lo + m.end()))
    return out


def _columns(tokens: list[tuple[str, int, int]]) -> list[str]:
    cols = []
    for tok, _, _ in tokens:
        if tok not in COLUMNS:
            break
        cols.append(COLUMNS[tok])
    return cols


def find_tables(text: str) -> list[tuple[int, int, list[Row]]]:
    """Staffing tables: (header start, header end, rows)."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    out = []
    i = 0
    while i < len(lines):
        a, b = lines[i]
        cell_sep = r"[^\t|｜]+" if "\t" in text[a:b] or "|" in text[a:b] else r"\S+"
        header = [t for t in _tokens(text, a, b, cell_sep) if t[0].strip()]
        header = [(t.strip(), s + len(t) - len(t.lstrip()), s + len(t.rstrip()))
                  for t, s, _ in header]
        cols = _columns(header)
        if "role" not in cols or "headcount" not in cols or cols[0] != "role":
            i += 1
            continue
        head_end = header[len(cols) - 1][2]
        rows: list[Row] = []
        rest = header[len(cols):]
        if rest:
            # Flattened: the rows follow on the header's own line.
            rows = _flat_rows(rest, cols)
            out.append((a, head_end, rows))
            i += 1
            continue
        j = i + 1
        while j < len(lines):
            ra, rb = lines[j]
            cells = [c for c in _tokens(text, ra, rb, r"[^\t|｜]+")]
            if len(cells) < 2:
                cells = _tokens(text, ra, rb, r"\S+(?:[ \u3000]\S+)*")
            cells = [(t.strip(), s + len(t) - len(t.lstrip()), s + len(t.rstrip()))
                     for t, s, _ in cells if t.strip()]
            if len(cells) < 2 or not re.fullmatch(r"\d{1,3}人?", cells[1][0]):
                break
            rows.append(Row(ra, rb, {col: cells[k] for k, col in enumerate(cols)
                                     if k < len(cells)}))
            if len(cells) > len(cols):
                extra = cells[len(cols):]
                note = rows[-1].cells.get("note")
                joined = " ".join(c[0] for c in ([note] if note else []) + extra)
                rows[-1].cells["note"] = (joined, (note or extra[0])[1], extra[-1][2])
            j += 1
        if rows:
            out.append((a, head_end, rows))
        i = j
    return out


def _flat_rows(tokens: list[tuple[str, int, int]], cols: list[str]) -> list[Row]:
    starts = [k for k in range(len(tokens) - 1)
              if not re.search(r"\d", tokens[k][0]) and re.fullmatch(r"\d{1,3}人?",
                                                                      tokens[k + 1][0])]
    rows = []
    for n, k in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        group = tokens[k:stop]
        cells: dict[str, tuple[str, int, int]] = {}
        for idx, col in enumerate(cols):
            if idx < len(group):
                cells[col] = group[idx]
        if len(group) > len(cols):
            extra = group[len(cols):]
            cells["note"] = (" ".join(t[0] for t in extra), extra[0][1], extra[-1][2])
        rows.append(Row(group[0][1], group[-1][2], cells))
    return rows


def _hhmm(h: str, m: str) -> str | None:
    hour, minute = int(h), int(m)
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return f"{hour:02d}:{minute:02d}"
    return None


def work_pattern(hours: str) -> tuple[dict[str, Any], list[str]]:
    """The `work-pattern` for an hours cell, and comments on what was assumed."""
    ranges = [(m["season"], _hhmm(m["a"], m["am"]), _hhmm(m["b"], m["bm"]))
              for m in _RANGE_RE.finditer(to_simplified(hours))]
    pattern: dict[str, Any] = {}
    comments: list[str] = []
    if ranges and all(a and b and a < b for _, a, b in ranges):
        seasons = [s for s, _, _ in ranges if s]
        if seasons and len(set(seasons)) == len(seasons) == len(ranges):
            pattern["seasons"] = []
            for season, a, b in ranges:
                sid, name, start, end = SEASON_DATES[season]
                pattern["seasons"].append({"id": sid, "name": name, "from": start, "to": end,
                                           "hours": [{"start": a, "end": b}]})
            comments.append("work-pattern.seasons: dates not stated in the source, the "
                            "customary 冬 10-01–04-30 / 夏 05-01–09-30 written: check them")
        elif not seasons and ranges == sorted(ranges, key=lambda r: r[1] or "") and all(
                (ranges[k][2] or "") <= (ranges[k + 1][1] or "") for k in range(len(ranges) - 1)):
            pattern["hours"] = [{"start": a, "end": b} for _, a, b in ranges]
    pattern["note"] = hours
    return pattern, comments


def extract_staffing(ctx: Context) -> list[ParsedRole]:
    """Headcount and hours from staffing tables; returns roles created for rows without a
    chapter of their own."""
    text = ctx.text
    created: list[ParsedRole] = []
    by_title = {to_simplified(d.title): d for d in ctx.documents if d.kind == "role"}
    for head_start, head_end, rows in find_tables(text):
        ctx.coverage.explain(head_start, head_end, "staffing table header (column names)")
        for row in rows:
            title_text, ta, tb = row.cells["role"]
            title = ctx.source[ta:tb]
            doc = by_title.get(to_simplified(title))
            new = doc is None
            if doc is None:
                rid = ctx.registry.allocate("role", title_text, "role")
                ctx.registry.new_roles.setdefault(title_text, rid)
                doc = Document("role", rid, title, {"level": guess_level(title_text)},
                               ["level: guessed from the title (管理级别 not stated)",
                                "from a staffing table: duties not in the source"])
                ctx.documents.append(doc)
                by_title[to_simplified(title)] = doc
                ctx.note(ta, tb, f"{title}: only a staffing-table row, no duties")
            body = doc.body
            ctx.place(ta, tb, "role", doc.id, "title")
            count, ca, cb = row.cells["headcount"]
            body["headcount"] = int(count.rstrip("人"))
            ctx.place(ca, cb, "role", doc.id, "headcount")
            if "hours" in row.cells:
                _, ha, hb = row.cells["hours"]
                pattern, comments = work_pattern(ctx.source[ha:hb])
                body["work-pattern"] = pattern
                doc.comments.extend(comments)
                ctx.place(ha, hb, "role", doc.id, "work-pattern")
            if "shift" in row.cells:
                _, sa, sb = row.cells["shift"]
                shift: dict[str, Any] = {"name": ctx.source[sa:sb]}
                hours = body.get("work-pattern", {}).get("hours", [])
                if len(hours) == 1:
                    shift.update(hours[0])
                body["shifts"] = [shift]
                ctx.place(sa, sb, "role", doc.id, "shifts")
            if "note" in row.cells:
                _, na, nb = row.cells["note"]
                body["description"] = "; ".join(
                    x for x in (body.get("description"), f"备注: {ctx.source[na:nb]}") if x)
                ctx.place(na, nb, "role", doc.id, "description")
            if new:
                created.append(ParsedRole(doc.id, title, row.start, row.end, None, [], []))
    return created
