"""Role chapters written line by line, in the many shapes real handbooks use.

A chapter starts at a line that names a role:
  * a title ending in a role suffix — `保洁员岗位职责`, `绿化工职责`, `物業客服中心助理職責`,
    `客服助理岗位说明书`, with or without a number in front (`二、`, `（一）`, `第一章`, `3.1`);
  * `岗位名称：客服主管`;
  * a numbered heading that is just a role's name (`3.1 部门经理`, `一、客服主管`,
    `第一章 客服主管`) followed by a subsection (岗位职责 / 工作内容 / 工作流程 / 任职要求)
    or by numbered items;
  * an inline title with its items on the same line (`收费员职责：①…；②…`).
Inside a chapter, subsection lines (`3.1.1 岗位职责`, `（二）工作流程`, `岗位职责：`) switch
the list the items go to: duties, work content, daily routine, qualifications, authorities, purpose,
scope, related documents. Items are split by `segment` (so every numbering style, gaps and
glued page numbers work as elsewhere); `3.1`-style numbers under `3.0 岗位职责` are items too.
A docx table with 岗位 | 职责 columns gives one chapter per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from runtime.importer.core import Context, Document
from runtime.importer.forms import find_mentions
from runtime.importer.roles import (
    _FIELD_RE,
    FIELD_KEYS,
    ParsedRole,
    _duty,
    guess_level,
    item_label,
)
from runtime.importer.segment import ITEM_CLASSES, Node, clean, is_layout, segment

SUFFIX = (r"(?:主要职责与权限|岗位职责与权限|职责与权限|岗位职责|岗位管理职能|岗位职能|岗位规范"
          r"|主要职责|工作职责|岗位说明书|岗位说明|岗位描述|职务说明书|职责)")
# Numbering in front of a line: 一、 （一） (一) 第一章 3.1 3.1.1 1.0 1、 1. 1) (1) ① a)
_MARK = (r"(?:第[一二三四五六七八九十百\d]{1,4}[章节部篇]|[一二三四五六七八九十]{1,3}、"
         r"|[(（][一二三四五六七八九十]{1,3}[)）]、?|\d{1,2}(?:[.．]\d{1,2}){1,2}(?=[\s\u4e00-\u9fff])"
         r"|\d{1,2}\s+(?=[\u4e00-\u9fff]))")
_LINE_RE = re.compile(r"^[ \t\u3000]*(?P<mark>" + _MARK
                      + r")?[ \t\u3000]*(?P<rest>.*?)[ \t\u3000]*$")
_TITLE_RE = re.compile(r"^(?P<name>[^\s:：。；;，,、]{1,24}?)" + SUFFIX
                       + r"(?:[ \t\u3000]*[:：][ \t\u3000]*(?P<inline>.*)"
                       r"|[ \t\u3000]+(?P<inline2>(?:1[、.．)）]|[(（]1[)）]|①|第一条).*))?$")
_POST_RE = re.compile(r"^(?:岗位名称|岗位|职位名称|职位|职务)[ \t\u3000]*[:：][ \t\u3000]*"
                      r"(?P<name>[^\s:：]{2,20})$")
ROLE_WORDS = ("经理", "主管", "主任", "主办", "助理", "专员", "文员", "前台", "班长", "领班",
              "队长",
              "组长", "员", "工", "管家", "会计", "出纳", "司机", "接待", "总监", "秘书", "干事")
SECTIONS = {
    "岗位职责": "duties", "主要职责": "duties", "工作职责": "duties", "职责": "duties",
    "岗位职责与权限": "duties", "职责与权限": "duties",
    "工作内容": "work-content", "主要工作内容": "work-content", "日常工作内容": "work-content",
    "工作流程": "routine", "日常工作流程": "routine", "每日工作流程": "routine",
    "一日工作流程": "routine", "工作程序": "routine",
    "任职要求": "qualifications", "任职资格": "qualifications", "任职条件": "qualifications",
    "岗位要求": "qualifications",
    "岗位权限": "authorities", "权限": "authorities", "工作权限": "authorities",
    "目的": "purpose", "适用范围": "scope", "范围": "scope",
    "相关文件": "references", "引用文件": "references", "支持性文件": "references",
    "相关制度": "references", "质量记录": "records", "记录": "records",
}
_SECTION_RE = re.compile(r"^(?P<key>" + "|".join(sorted(SECTIONS, key=len, reverse=True))
                         + r")[ \t\u3000]*(?:[:：][ \t\u3000]*(?P<inline>.*))?$")
_PLURAL = ("各", "各岗位", "各级", "人员", "部门", "各部门")
_PROC_TITLE_RE = re.compile(r"(?:工作程序|处理程序|作业程序|操作程序|处理流程|操作流程|作业流程"
                            r"|的流程"
                            r"|的程序|的步骤)\s*[:：]?$")


@dataclass
class Line:
    """One line of the recognition text, with its numbering mark taken off."""

    start: int
    end: int
    mark: str
    rest_start: int
    rest: str


@dataclass
class Chapter:
    """A role chapter: where it starts, its name and the lines it owns."""

    name: str
    start: int
    head_end: int  # end of the heading (what is placed as the title)
    end: int = 0
    default: str = "duties"  # where items go before any subsection line
    inline: tuple[int, int] | None = None  # items written on the heading line
    table: bool = False
    sections: list[tuple[str, int, int, int]] = field(default_factory=list)  # key, head a, b, end


def _lines(text: str) -> list[Line]:
    out: list[Line] = []
    pos = 0
    for raw in text.split("\n"):
        a, b = pos, pos + len(raw)
        pos = b + 1
        if not raw.strip():
            continue
        m = _LINE_RE.match(raw)
        assert m is not None  # the pattern matches any line
        out.append(Line(a, b, m["mark"] or "", a + m.start("rest"), m["rest"]))
    return out


def _role_like(name: str) -> bool:
    return (2 <= len(name) <= 12 and name.endswith(ROLE_WORDS)
            and not re.search(r"[，,。；;：:、\s《》()（）\d]", name))


def _section(line: Line) -> tuple[str, int] | None:
    m = _SECTION_RE.match(line.rest)
    if not m:
        return None
    return SECTIONS[m["key"]], line.rest_start + m.end("key")


def _is_item(line: Line, text: str) -> bool:
    if line.mark and re.match(r"\d{1,2}[.．]\d", line.mark):
        return True
    return bool(segment(text, line.start, line.end, ITEM_CLASSES).roots
                and segment(text, line.start, line.end, ITEM_CLASSES).roots[0].kind == "item"
                and is_layout(text[line.start:segment(text, line.start, line.end,
                                                      ITEM_CLASSES).roots[0].start]))


def find_chapters(ctx: Context) -> list[Chapter]:
    """Role chapters of a multi-line text, in order (none when the text names no role)."""
    text = ctx.text
    lines = _lines(text)
    heads: list[Chapter] = []
    for i, line in enumerate(lines):
        if ctx.coverage.placed[line.start]:
            continue  # a document-control line
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        cells = line.rest.split("\t")
        if len(cells) >= 2 and re.fullmatch(r"岗位(名称)?", cells[0].strip()) \
                and "职责" in cells[1]:
            continue  # the header row of a 岗位 | 职责 table (its rows follow)
        if len(cells) == 2 and i > 0 and re.fullmatch(r"岗位(名称)?\t.*职责.*",
                                                     _table_header(lines, i, text)):
            name = clean(cells[0])
            if name:
                a = line.rest_start + len(cells[0]) + 1
                heads.append(Chapter(name, line.start, line.rest_start + len(cells[0]),
                                     inline=(a, line.end), table=True))
            continue
        if _section(line) is not None:
            continue  # 3.1.1 岗位职责, （二）工作流程: a part of the chapter above
        post = _POST_RE.match(line.rest)
        if post:
            heads.append(Chapter(post["name"], line.start, line.end, default="preamble"))
            continue
        m = _TITLE_RE.match(line.rest)
        if m and m["name"] and not m["name"].endswith(_PLURAL) \
                and not re.search(r"一览表|汇总", line.rest):
            name = m["name"]
            if "\t" in line.rest:
                continue
            inline = None
            head_end = line.end
            group = "inline" if m["inline"] else "inline2"
            if m[group]:
                a = line.rest_start + m.start(group)
                inline, head_end = (a, line.end), a
            heads.append(Chapter(name, line.start, head_end, inline=inline))
            continue
        if line.mark and _role_like(line.rest) and nxt is not None and (
                _section(nxt) is not None or _is_item(nxt, text)):
            heads.append(Chapter(line.rest, line.start, line.end, default="duties"))
    for i, h in enumerate(heads):
        h.end = heads[i + 1].start if i + 1 < len(heads) else len(text)
    kept: list[Chapter] = []
    for i, h in enumerate(heads):
        empty = h.inline is None and is_layout(text[h.head_end:h.end])
        if empty and any(later.name == h.name for later in heads[i + 1:]):
            # A contents list: the same role heading again later, with its chapter.
            ctx.coverage.explain(h.start, h.end, "table of contents entry (its chapter follows)")
            continue
        kept.append(h)
    return kept


def _table_header(lines: list[Line], i: int, text: str) -> str:
    """The first line of the table that row `i` belongs to (rows are consecutive tab lines)."""
    j = i
    while j > 0 and "\t" in lines[j - 1].rest:
        j -= 1
    return lines[j].rest.strip()


def _items(ctx: Context, lo: int, hi: int) -> tuple[list[Node], list[Node], Any]:
    """Numbered items of text[lo:hi] (any style); `3.1`-style headings count as items."""
    text = ctx.text
    decimal = re.match(r"\s*\d{1,2}[.．]\d{1,2}(?![\d.．])", text[lo:hi])
    seg = segment(text, lo, hi, ITEM_CLASSES)
    items = [] if decimal else [n for n in seg.roots if n.kind == "item"]
    # `3.1 …` under 3.0 岗位职责, or 一、… / （一）… used as item numbers under a role title.
    for classes in (("dec2", "dec3"), ("cnum",), ("pcnum",)):
        if items:
            break
        seg = segment(text, lo, hi, classes)
        items = [n for n in seg.roots if n.kind == "heading"]
        for n in items:
            n.body_start = n.title_start  # the whole text is the item's
    rest = [n for n in seg.roots if n.kind == "text"]
    return items, rest, seg


def _sections(ctx: Context, ch: Chapter) -> list[tuple[str, int, int]]:
    """(key, body start, body end) of the chapter's parts, in order."""
    text = ctx.text
    lines = [ln for ln in _lines(text) if ch.head_end <= ln.start < ch.end]
    parts: list[tuple[str, int, int]] = []
    current, start = ch.default, ch.head_end
    if ch.inline:
        current, start = "duties", ch.inline[0]
    for ln in lines:
        sec = _section(ln)
        if sec is None:
            continue
        key, body = sec
        parts.append((current, start, ln.start))
        ctx.place(ln.start, body, "role", None, key)
        current, start = key, body
    parts.append((current, start, ch.end))
    return [p for p in parts if not is_layout(text[p[1]:p[2]])]


def extract_chapters(ctx: Context) -> list[ParsedRole]:
    """Draft roles from line-by-line role chapters; [] when the text has none."""
    chapters = find_chapters(ctx)
    ids: list[str] = []
    for ch in chapters:
        rid = ctx.registry.allocate("role", ch.name, "role")
        existing = ctx.registry.find_role(ch.name)
        if existing and existing not in ctx.registry.new_roles.values():
            ctx.note(ch.start, ch.head_end, f"a role like {ch.name!r} already exists "
                     f"({existing}): drafted as {rid}; merge or rename at review")
        ctx.registry.new_roles.setdefault(ch.name, rid)
        ids.append(rid)
    first = chapters[0].start if chapters else len(ctx.text)
    if chapters and not is_layout(ctx.text[:first]):
        ctx.coverage.explain(0, first, "text before the first role (a chapter or table title)")
    return [_chapter(ctx, ch, rid) for ch, rid in zip(chapters, ids, strict=True)]


def _people(ctx: Context, value: str, a: int, b: int, name: str) -> list[str]:
    out: list[str] = []
    for boss in re.split(r"[、,，/和及]", value):
        boss = clean(boss)
        if boss:
            ref = ctx.role_ref(boss, a, b, f"named as the superior of {name}")
            if ref not in out:
                out.append(ref)
    return out


_LEADS_RE = re.compile(r"在(?P<boss>[^,，。;；\n]{2,20}?)的(?:直接)?(?:领导|指导|管理)下")


def _chapter(ctx: Context, ch: Chapter, rid: str) -> ParsedRole:
    text = ctx.text
    since = len(ctx.placements)
    ctx.place(ch.start, ch.head_end, "role", rid, "title")
    body: dict[str, Any] = {}
    comments: list[str] = []
    reports: list[str] = []
    duties: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    lists: dict[str, list[dict[str, Any]]] = {"work-content": [], "routine": []}
    department = ctx.registry.department_of(ch.name)
    if department:
        body["department"] = department
    for key, lo, hi in _sections(ctx, ch):
        if key in ("preamble",):
            key = _preamble(ctx, rid, ch, lo, hi, body, reports)
            continue
        if key == "records":
            ctx.coverage.explain(lo, hi, f"quality records of {ch.name}: a role keeps no "
                                 "records (they belong to a procedure)")
            continue
        items, rest, seg = _items(ctx, lo, hi)
        if key in ("purpose", "scope"):
            value = clean(text[lo:hi])
            body[key] = value
            ctx.place(lo, hi, "role", rid, key)
            continue
        if key == "references":
            refs = []
            for mention in find_mentions(text, lo, hi):
                refs.append({"title": mention.title})
                ctx.place(mention.start, mention.end, "role", rid, "references")
            for n in items:
                if not find_mentions(text, n.start, n.subtree_end):
                    refs.append({"title": clean(text[n.body_start:n.subtree_end])})
                ctx.place(n.start, n.subtree_end, "role", rid, "references")
            if refs:
                body["references"] = refs
            continue
        if key == "qualifications" and not items:
            _qualification_lines(ctx, rid, lo, hi, body)
            continue
        if _FIELD_RE.search(text, lo, items[0].start if items else hi):
            _preamble(ctx, rid, ch, lo, items[0].start if items else hi, body, reports)
            lo = max(lo, max((b for a, b in _placed_runs(ctx, lo, items[0].start if items
                                                         else hi)), default=lo))
        head = text[lo:items[0].start] if items else text[lo:hi]
        if items and not is_layout(head):
            summary = clean(head)
            body.setdefault("summary", summary)
            ctx.place(lo, items[0].start, "role", rid, "summary")
            lead = _LEADS_RE.search(text, lo, items[0].start)
            if lead:
                reports += _people(ctx, lead["boss"], lead.start("boss"), lead.end("boss"),
                                   ch.name)
        elif not items:
            if key == "duties" and ch.default == "preamble":
                _preamble(ctx, rid, ch, lo, hi, body, reports)
            else:
                ctx.coverage.explain(lo, hi, f"{key} of {ch.name}: no numbered items")
            continue
        numbers = [n.number or 0 for n in items]
        restart = next((k for k in range(1, len(items))
                        if 0 < numbers[k] <= numbers[k - 1]), None)
        if restart is not None:
            # A list that starts again (the next document of a compilation) is reported,
            # not appended: a role's numbers never repeat.
            ctx.coverage.explain(items[restart].start, hi,
                                 f"a new numbered list after the {key} of {ch.name}")
            items = items[:restart]
        for a, b in seg.strays:
            ctx.coverage.unplace(a, b, "stray digits glued to an item number (a page number?)")
        for n in rest:
            if n.start > items[0].start:
                ctx.coverage.explain(n.start, n.end, f"text after the last item of {ch.name}")
        for n in items:
            own = clean(text[n.body_start:n.end])
            kids = [c for c in n.children if c.kind == "item"]
            if kids and len(kids) >= 2 and _PROC_TITLE_RE.search(own):
                continue  # "5、处理报修的工作程序：1)…": a procedure, found by its own extractor
            entry_text = clean(text[n.body_start:n.subtree_end])
            if key == "duties" and not duties:
                lead = _LEADS_RE.search(text, n.body_start, n.subtree_end)
                if lead:
                    reports += _people(ctx, lead["boss"], lead.start("boss"),
                                       lead.end("boss"), ch.name)
            if key in ("duties", "work-content"):
                entry = _duty(ctx, n, ch.name)
                entry["text"] = entry_text
            else:
                entry = {"no": n.number or 1, "text": entry_text}
            label = item_label(ctx, n)
            if label:
                entry = {"no": entry["no"], "label": label,
                         **{k: v for k, v in entry.items() if k != "no"}}
            path = {"duties": "duties", "work-content": "work-content",
                    "routine": "routine"}.get(key, key)
            if key == "duties":
                duties.append(entry)
                spans.append((n.start, n.subtree_end))
                ctx.place(n.start, n.subtree_end, "role", rid, f"duties[{len(duties) - 1}]")
            elif key in lists:
                lists[key].append(entry)
                ctx.place(n.start, n.subtree_end, "role", rid, f"{path}[{len(lists[key]) - 1}]")
            elif key == "authorities":
                body.setdefault("authorities", []).append(entry_text)
                ctx.place(n.start, n.subtree_end, "role", rid, "authorities")
            elif key == "qualifications":
                body.setdefault("qualifications", {}).setdefault("other", []).append(entry_text)
                ctx.place(n.start, n.subtree_end, "role", rid, "qualifications")
    # 《员工考核办法》 named in a duty is a related document, not a form: it is listed in the
    # role's references (the duty card shows them) and stays in the duty's text.
    cited = [m.title for a, b in spans for m in find_mentions(text, a, b) if m.kind == "document"]
    known = {r["title"] for r in body.get("references", [])}
    for title in dict.fromkeys(cited):
        if title not in known:
            body.setdefault("references", []).append({"title": title})
    reports = [r for r in dict.fromkeys(reports) if r != rid]
    if reports:
        body["reports-to"] = reports[0] if len(reports) == 1 else reports
    if "level" not in body:
        body["level"] = guess_level(ch.name)
        comments.append("level: guessed from the title (管理级别 not stated)")
    if duties:
        body["duties"] = duties
    for key, entries in lists.items():
        if entries:
            body[key] = entries
    order = ["department", "reports-to", "level", "headcount", "purpose", "scope", "summary",
             "description", "duties", "work-content", "routine", "authorities",
             "qualifications", "references"]
    body = {k: body[k] for k in order if k in body}
    ctx.settle(since, rid)
    ctx.documents.append(Document("role", rid, ch.name, body, comments))
    if not duties and not any(lists.values()):
        ctx.note(ch.start, ch.head_end, f"{ch.name}: no numbered duties found")
    return ParsedRole(rid, ch.name, ch.start, ch.end, body.get("summary"), reports,
                      [{**d, "start": a, "end": b} for d, (a, b) in zip(duties, spans,
                                                                         strict=True)],
                      work_content=lists["work-content"], routine=lists["routine"],
                      extra={k: body[k] for k in ("purpose", "scope", "references")
                             if k in body})


def _preamble(ctx: Context, rid: str, ch: Chapter, lo: int, hi: int, body: dict[str, Any],
              reports: list[str]) -> str:
    """Role fields (所属部门：… 直接上级：… 定编：…) under a 岗位名称 line."""
    text = ctx.text
    found = list(_FIELD_RE.finditer(text, lo, hi))
    for i, m in enumerate(found):
        vend = found[i + 1].start() if i + 1 < len(found) else hi
        stop = re.search(r"\n", text[m.end():vend])
        if stop:
            vend = m.end() + stop.start()
        value = clean(text[m.end():vend])
        key = FIELD_KEYS[m["key"]]
        if key == "reports-to" and value:
            reports += _people(ctx, value, m.end(), vend, ch.name)
        elif key == "headcount":
            nums = re.findall(r"\d+", value)
            body["headcount"] = int(nums[0]) if len(nums) == 1 else {"note": value}
        elif key == "level" and value:
            body["level"] = "management" if "管理" in value else "operational"
        elif key in ("direct-reports", "department") and value:
            label = "直接下级" if key == "direct-reports" else "所属部门"
            body["description"] = "; ".join(x for x in (body.get("description"),
                                                       f"{label}: {value}") if x)
        elif key in ("education", "experience") and value:
            body.setdefault("qualifications", {})[key] = value
        elif value:
            body.setdefault("qualifications", {}).setdefault("other", []).append(value)
        ctx.place(m.start(), vend, "role", rid, key)
    rest_lo = max([lo, *[m.end() for m in found]])
    leftover = [(a, b) for a, b in _gaps(ctx, lo, hi)]
    for a, b in leftover:
        if not is_layout(text[a:b]) and a >= rest_lo:
            ctx.coverage.explain(a, b, f"text under {ch.name} before its duties")
    return "preamble"


def _gaps(ctx: Context, lo: int, hi: int) -> list[tuple[int, int]]:
    out, i = [], lo
    while i < hi:
        if ctx.coverage.placed[i]:
            i += 1
            continue
        j = i
        while j < hi and not ctx.coverage.placed[j]:
            j += 1
        out.append((i, j))
        i = j
    return out


def _placed_runs(ctx: Context, lo: int, hi: int) -> list[tuple[int, int]]:
    out, i = [], lo
    while i < hi:
        if not ctx.coverage.placed[i]:
            i += 1
            continue
        j = i
        while j < hi and ctx.coverage.placed[j]:
            j += 1
        out.append((i, j))
        i = j
    return out


_QUAL_RE = re.compile(r"(?P<k>学历|工作经验|经验|资质证书|证书|年龄|专业)\s*[:：]\s*(?P<v>.+)")


def _qualification_lines(ctx: Context, rid: str, lo: int, hi: int, body: dict[str, Any]) -> None:
    """任职资格 written as lines (学历：大专以上 …) rather than numbered items."""
    text = ctx.text
    quals = body.setdefault("qualifications", {})
    pos = lo
    for raw in text[lo:hi].split("\n"):
        a, b = pos, pos + len(raw)
        pos = b + 1
        entry = clean(raw)
        if not entry:
            continue
        src = clean(ctx.source[a:b])
        fm = _QUAL_RE.match(entry)
        value = src[len(src) - len(fm["v"]):] if fm else src
        if fm and fm["k"] == "学历":
            quals["education"] = value
        elif fm and fm["k"] in ("工作经验", "经验"):
            quals["experience"] = value
        elif fm and fm["k"] in ("资质证书", "证书"):
            quals.setdefault("certificates", []).extend(
                c for c in re.split(r"[、,，;；]", value) if c)
        else:
            quals.setdefault("other", []).append(src)
        ctx.place(a, b, "role", rid, "qualifications")
