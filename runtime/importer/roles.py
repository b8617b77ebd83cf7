"""Role chapters → draft role rules: title, summary, reporting line, fields and numbered duties.

A role chapter starts at a numbered heading whose title ends in 岗位职责 / 职责与权限 / 岗位职能
(`二、客户中心主办岗位职责`), at an inline heading with a colon (`副主任岗位职责与权限:`), or at a
numbered heading followed by role fields (`(一)、客服主管直接上级:项目经理…`). Its region runs to
the next role heading or the end of the enclosing section, and is segmented afresh, so a list
of another style above it cannot swallow its duties.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from runtime.importer.core import Context, Document
from runtime.importer.forms import find_mentions
from runtime.importer.phrases import find_all
from runtime.importer.segment import (
    ITEM_CLASSES,
    ROLE_SUFFIX,
    Node,
    Segmented,
    clean,
    is_layout,
    segment,
)

FIELD_KEYS = {
    "直接上级": "reports-to", "直接下级": "direct-reports", "管理级别": "level",
    "所属部门": "department", "定编人数": "headcount", "定编": "headcount", "人数": "headcount",
    "任职资格": "qualifications", "学历": "education", "工作经验": "experience",
    "资质证书": "certificates", "岗位概述": "summary", "岗位目的": "summary",
}
_FIELD_RE = re.compile("(?P<key>" + "|".join(sorted(FIELD_KEYS, key=len, reverse=True))
                       + r")\s*[:：]")
_HEADING_ROLE_RE = re.compile(r"^(?P<name>.*?)" + ROLE_SUFFIX + r"$")
_INLINE_ROLE_RE = re.compile(ROLE_SUFFIX + r"\s*[:：]|(?:的)?(?:岗位)?职责如下\s*[:：]")
# "其职责如下:" ends a summary; these words before 职责如下 are not a role's name.
_NOT_NAMES = ("其", "主要", "具体", "以下", "相关", "本岗位", "岗位")
_LEADS_RE = re.compile(r"在(?P<boss>[^,，。;；]{2,40}?)的(?:直接)?(?:领导|指导|管理|安排)下")
_MANAGEMENT_WORDS = ("经理", "主管", "主办", "主任", "队长", "班长", "组长", "总监", "副总")
_NAME_CUT_RE = re.compile(r".*(?:职能|一览表|架构图?|职责)")
_NAME_CHARS = re.compile(r"[\u4e00-\u9fff\w（）()·]")


def guess_level(title: str) -> str:
    """management for 经理/主管/主办/主任/队长/班长 titles, else operational."""
    return "management" if any(w in title for w in _MANAGEMENT_WORDS) else "operational"


@dataclass
class RoleHeading:
    """Where a role chapter starts: its heading span, its name and the region it owns."""

    start: int
    end: int  # end of the heading text (the region starts here)
    name: str
    limit: int  # end of the enclosing section
    region_end: int = 0
    numbered: bool = False  # a numbered heading (二、…岗位职责), not an inline one


@dataclass
class ParsedRole:
    """A role as parsed, for the preview: title, id, duties with their spans."""

    id: str
    title: str
    start: int
    end: int
    summary: str | None
    reports_to: list[str]
    duties: list[dict[str, Any]] = field(default_factory=list)
    work_content: list[dict[str, Any]] = field(default_factory=list)
    routine: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # purpose, scope, references


def _name_before(text: str, pos: int, floor: int) -> tuple[int, str]:
    i = pos
    while i > floor and _NAME_CHARS.match(text[i - 1]) and pos - i < 24:
        i -= 1
    name = text[i:pos]
    cut = _NAME_CUT_RE.match(name)
    if cut and cut.end() < len(name):
        i += cut.end()
        name = name[cut.end():]
    while name and name[0].isdigit():  # a page number glued to the name
        i += 1
        name = name[1:]
    return i, name


def find_role_headings(text: str, doc: Segmented) -> list[RoleHeading]:
    """Numbered and inline role headings, in text order, each with the region it owns."""
    heads: list[RoleHeading] = []
    covered: list[tuple[int, int]] = []
    for node in doc.walk():
        if node.kind != "heading":
            continue
        title = node.title(text)
        m = _HEADING_ROLE_RE.match(title)
        after = text[node.title_end:node.title_end + 12].lstrip()
        fields_follow = _FIELD_RE.match(after) is not None
        if m or fields_follow:
            name = m["name"] if m else title
            cut = _NAME_CUT_RE.match(name)
            if cut and cut.end() < len(name):
                name = name[cut.end():]
            if not name.strip():
                continue
            heads.append(RoleHeading(node.start, node.title_end, clean(name), node.subtree_end,
                                     numbered=True))
            covered.append((node.start, node.title_end))
    numbered = [(h.end, h.limit) for h in heads]
    for m in _INLINE_ROLE_RE.finditer(text):
        if any(a <= m.start() < b for a, b in covered):
            continue
        start, name = _name_before(text, m.start(), 0)
        if len(name) < 2 or name.startswith(_NOT_NAMES) or name.endswith("其"):
            continue
        if "如下" in m.group(0) and any(a <= m.start() < b for a, b in numbered):
            continue  # the end of a numbered role's summary, not a new role
        limit = next((n.subtree_end for n in reversed(doc.walk())
                      if n.kind == "heading" and n.start <= start < n.subtree_end), len(text))
        heads.append(RoleHeading(start, m.end(), name, limit))
    heads.sort(key=lambda h: h.start)
    for i, h in enumerate(heads):
        nxt = heads[i + 1].start if i + 1 < len(heads) else len(text)
        h.region_end = min(h.limit, nxt)
    return heads


def _fields(ctx: Context, lo: int, hi: int) -> tuple[dict[str, tuple[str, int, int]], int, int]:
    """Role fields (直接上级: …) in the preamble; returns (key → (value, start, end), the rest)."""
    text = ctx.text
    found = list(_FIELD_RE.finditer(text, lo, hi))
    out: dict[str, tuple[str, int, int]] = {}
    for i, m in enumerate(found):
        vend = found[i + 1].start() if i + 1 < len(found) else hi
        value = clean(text[m.end():vend])
        if not value and i + 1 < len(found):
            continue
        key = FIELD_KEYS[m["key"]]
        if key == "headcount" and "headcount" in out:
            continue
        # The last field's value ends at its first sentence end: a summary may follow.
        if i + 1 == len(found):
            stop = re.search(r"[。；;\n]", text[m.end():vend])
            if stop:
                vend = m.end() + stop.start()
                value = clean(text[m.end():vend])
        out[key] = (value, m.start(), vend)
    if not found:
        return out, lo, hi
    first, last_end = found[0].start(), max(v[2] for v in out.values()) if out else hi
    # Summary text may stand before the first field or after the last one.
    if not is_layout(text[lo:first]):
        return out, lo, first
    return out, last_end, hi


def item_label(ctx: Context, node: Node) -> str | None:
    """The handbook's own numbering as written (`（1）`, `①`, `a)`, `第三条`), kept as the duty's
    `label`; None for plain `1、` / `1.`, which `no` already says."""
    marker = clean(ctx.source[node.start:node.body_start]) or ctx.source[
        node.start:node.body_start].strip()
    if re.fullmatch(r"\d{1,3}[、.．]?", marker):
        return None
    return marker or None


def _duty(ctx: Context, node: Node, role_title: str) -> dict[str, Any]:
    text = ctx.text
    end = node.subtree_end
    body = clean(text[node.body_start:end])
    duty: dict[str, Any] = {"no": node.number or 1, "text": body}
    phrases = find_all(text, node.body_start, end)
    within = [p for p in phrases if p.kind == "duration" and p.role == "within"]
    recs = [p for p in phrases if p.kind == "recurrence"]
    targets = [p for p in phrases if p.kind == "target"]
    if recs:
        duty["frequency"] = recs[0].source
        duty["schedule"] = recs[0].canonical
    if within:
        duty["time-limit"] = within[0].canonical
    if targets:
        duty["targets"] = [p.target for p in targets]
    forms: list[str] = []
    for mention in find_mentions(text, node.body_start, end):
        if mention.kind == "form":
            fid = ctx.forms.resolve(mention.title)
            if fid not in forms:
                forms.append(fid)
        else:
            ctx.note(mention.start, mention.end,
                     f"《{mention.title}》 is a cited document, not a form: left in the text")
    if forms:
        duty["forms"] = forms
    if node.gap:
        ctx.note(node.start, node.body_start,
                 f"{role_title}: duty {node.number} follows {node.number - 2 if node.number else 0}"
                 f" (item {node.number - 1 if node.number else 0} is missing in the source)")
    return duty


def extract_roles(ctx: Context, doc: Segmented) -> list[ParsedRole]:
    """Draft role documents for every role chapter; marks what they place in the coverage."""
    text = ctx.text
    heads = []
    found = find_role_headings(text, doc)
    empties = [h.numbered and is_layout(text[h.end:h.region_end]) for h in found]
    for i, h in enumerate(found):
        empty = is_layout(text[h.end:h.region_end])
        if empty and any(later.name == h.name for later in found[i + 1:]):
            ctx.coverage.explain(h.start, h.region_end,
                                 "table of contents entry (its chapter follows)")
            continue
        if empties[i] and ((i > 0 and empties[i - 1]) or (i + 1 < len(found) and empties[i + 1])):
            # Numbered role headings in a row with no text: a contents list whose chapters are
            # not in this text. Inline ones (副主任岗位职责与权限:) may be roles left blank.
            ctx.coverage.explain(h.start, h.region_end,
                                 "table of contents entry (no chapter text follows)")
            continue
        if empty and h.numbered and any(h.end <= o.start < h.limit for o in found[i + 1:]):
            # "三、员工岗位职责" over "(一)、客服主管 …": a chapter of roles, not a role.
            ctx.coverage.place(h.start, h.end)
            continue
        heads.append(h)
    # Pass 1: register every role title first, so reporting lines between them resolve.
    ids: list[str] = []
    for h in heads:
        rid = ctx.registry.find_role(h.name) if h.name in ctx.registry.new_roles else None
        if rid is None:
            existing = ctx.registry.find_role(h.name)
            rid = ctx.registry.allocate("role", h.name, "role")
            if existing:
                ctx.note(h.start, h.end, f"a role like {h.name!r} already exists ({existing}): "
                         f"drafted as {rid}; merge or rename at review")
            ctx.registry.new_roles[h.name] = rid
        ids.append(rid)
    for h, rid in zip(heads, ids, strict=True):
        lead = _LEADS_RE.search(text, h.end, h.region_end)
        if lead:
            subject = clean(text[h.end:lead.start()])
            if 2 <= len(subject) <= 16 and subject not in ctx.registry.new_roles:
                ctx.registry.new_roles[subject] = rid  # 客户服务中心主办 is 客户中心主办
    out: list[ParsedRole] = []
    for h, rid in zip(heads, ids, strict=True):
        out.append(_role(ctx, h, rid))
    return out


def _role(ctx: Context, h: RoleHeading, rid: str) -> ParsedRole:
    text = ctx.text
    cov = ctx.coverage
    ctx.place(h.start, h.end, "role", rid, "title")
    seg = segment(text, h.end, h.region_end, ITEM_CLASSES)
    items = [n for n in seg.roots if n.kind == "item"]
    tail = _TAIL_RE.search(text, items[0].start, h.region_end) if items else None
    if tail is not None:
        # 权限 / 任职资格 after the duties: their own lists, not more duties.
        seg = segment(text, h.end, tail.start(), ITEM_CLASSES)
        items = [n for n in seg.roots if n.kind == "item"]
    restart = next((i for i, (a, b) in enumerate(itertools.pairwise(items), start=1)
                    if a.number and b.number and b.number <= a.number), None)
    if restart is not None:
        # A list that starts again at 1 is another list (the next document of a compilation),
        # not more duties of this role: it is reported, not appended.
        cut = items[restart].start
        ctx.coverage.explain(cut, h.region_end,
                             f"a new numbered list after the duties of {h.name}")
        seg = segment(text, h.end, cut, ITEM_CLASSES)
        items = [n for n in seg.roots if n.kind == "item"]
        tail = None
    pre_end = items[0].start if items else h.region_end
    fields, sum_lo, sum_hi = _fields(ctx, h.end, pre_end)
    body: dict[str, Any] = {}
    comments: list[str] = []
    department = ctx.registry.department_of(h.name)
    if department:
        body["department"] = department
    reports: list[str] = []
    summary = clean(text[sum_lo:sum_hi])
    if summary and not items and len(summary) > 120:
        # No duties: the text after the heading is not the role's (a chapter that ends here).
        stop = re.search(r"[。；;\n]", text[sum_lo:sum_hi])
        sum_hi = sum_lo + stop.end() if stop else sum_lo
        summary = clean(text[sum_lo:sum_hi])
    if summary:
        ctx.place(sum_lo, sum_hi, "role", rid, "summary")
        lead = _LEADS_RE.search(text, sum_lo, sum_hi)
        if lead:
            for boss in re.split(r"和|及|与|、|以及", lead["boss"]):
                boss = clean(boss)
                if boss:
                    ref = ctx.role_ref(boss, lead.start("boss"), lead.end("boss"),
                                       f"named as the superior of {h.name}")
                    if ref != rid and ref not in reports:
                        reports.append(ref)
    if "reports-to" in fields:
        value, a, b = fields["reports-to"]
        for boss in re.split(r"[、,，/和及]", value):
            boss = clean(boss)
            if boss:
                ref = ctx.role_ref(boss, a, b, f"named as the superior of {h.name}")
                if ref != rid and ref not in reports:
                    reports.append(ref)
    if reports:
        body["reports-to"] = reports[0] if len(reports) == 1 else reports
    level_text = fields.get("level", ("", 0, 0))[0]
    if "管理" in level_text:
        body["level"] = "management"
    elif level_text:
        body["level"] = "operational"
    else:
        body["level"] = guess_level(h.name)
        comments.append("level: guessed from the title (管理级别 not stated)")
    if "headcount" in fields:
        value = fields["headcount"][0]
        nums = re.findall(r"\d+", value)
        if len(nums) == 1 and re.fullmatch(r"\d+\s*人?", value):
            body["headcount"] = int(nums[0])
        else:
            body["headcount"] = {"note": value}
    if summary:
        body["summary"] = summary
    description = []
    if "direct-reports" in fields:
        description.append(f"直接下级: {fields['direct-reports'][0]}")
    if "department" in fields and "department" not in body:
        description.append(f"所属部门: {fields['department'][0]}")
    if description:
        body["description"] = "; ".join(description)
    quals: dict[str, Any] = {}
    for key, target in (("education", "education"), ("experience", "experience")):
        if key in fields:
            quals[target] = fields[key][0]
    if "certificates" in fields:
        quals["certificates"] = [c for c in re.split(r"[、,，;；]", fields["certificates"][0]) if c]
    if "qualifications" in fields and fields["qualifications"][0]:
        quals.setdefault("other", []).append(fields["qualifications"][0])
    if quals:
        body["qualifications"] = quals
    for key, (_value, a, b) in fields.items():
        ctx.place(a, b, "role", rid, key)
    duties = []
    for node in items:
        duty = _duty(ctx, node, h.name)
        label = item_label(ctx, node)
        if label:
            duty = {"no": duty["no"], "label": label,
                    **{k: v for k, v in duty.items() if k != "no"}}
        duties.append(duty)
        ctx.place(node.start, node.subtree_end, "role", rid, f"duties[{len(duties) - 1}]")
    for a, b in seg.strays:
        cov.unplace(a, b, "stray digits glued to an item number (a page number?)")
    for node in seg.roots:
        if node.kind == "text" and items and node.start >= items[0].start:
            cov.explain(node.start, node.end,
                        f"text after the last numbered duty of {h.name}")
    if tail is not None:
        _tail_sections(ctx, rid, h, tail.start(), body)
    if duties:
        body["duties"] = duties
    else:
        ctx.note(h.start, h.end, f"{h.name}: no numbered duties found")
    title = h.name
    ctx.documents.append(Document("role", rid, title, body, comments))
    return ParsedRole(rid, title, h.start, h.region_end, summary or None, reports,
                      [{**d, "start": n.start, "end": n.subtree_end}
                       for d, n in zip(duties, items, strict=True)])


_TAIL_RE = re.compile(r"(?:(?<=\n)|(?<=[。；;]))[ \t\u3000]*(?P<key>任职资格|任职条件|任职要求"
                      r"|岗位权限|工作权限|权限)[ \t\u3000]*(?:[:：]|(?=\n))")


def _tail_sections(ctx: Context, rid: str, h: RoleHeading, lo: int, body: dict[str, Any]) -> None:
    """Authorities (权限) and qualifications (任职资格) written after a role's duties."""
    text = ctx.text
    keys = list(_TAIL_RE.finditer(text, lo, h.region_end))
    for i, m in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else h.region_end
        seg = segment(text, m.end(), end, ITEM_CLASSES)
        items = [n for n in seg.roots if n.kind == "item"]
        if items:
            entries = [(n.start, n.subtree_end, clean(text[n.body_start:n.subtree_end]))
                       for n in items]
            trailing = [n for n in seg.roots if n.kind == "text" and n.start > items[0].start]
            for n in trailing:
                ctx.coverage.explain(n.start, n.end, f"text after the {m['key']} of {h.name}")
        else:
            entries = [(a, a + len(line), clean(line)) for a, line in _lines(text, m.end(), end)]
        entries = [e for e in entries if e[2]]
        ctx.place(m.start("key"), m.end(), "role", rid, "authorities"
                  if "权限" in m["key"] else "qualifications")
        if "权限" in m["key"]:
            body.setdefault("authorities", []).extend(e[2] for e in entries)
            for a, b, _ in entries:
                ctx.place(a, b, "role", rid, "authorities")
            continue
        quals = body.setdefault("qualifications", {})
        for a, b, entry in entries:
            fm = re.match(r"(?P<k>学历|工作经验|经验|资质证书|证书)\s*[:：]\s*(?P<v>.+)", entry)
            if fm and fm["k"] in ("学历",):
                quals["education"] = fm["v"]
            elif fm and fm["k"] in ("工作经验", "经验"):
                quals["experience"] = fm["v"]
            elif fm:
                quals.setdefault("certificates", []).extend(
                    c for c in re.split(r"[、,，;；]", fm["v"]) if c)
            else:
                quals.setdefault("other", []).append(entry)
            ctx.place(a, b, "role", rid, "qualifications")


def _lines(text: str, lo: int, hi: int) -> list[tuple[int, str]]:
    out, pos = [], lo
    for line in text[lo:hi].split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def stand_in_roles(ctx: Context) -> None:
    """Draft documents for roles that drafts name but the source does not describe."""
    have = {d.id for d in ctx.documents if d.kind == "role"}
    for rid, title in ctx.created_roles.items():
        if rid in have:
            continue
        ctx.documents.append(Document(
            "role", rid, title,
            {"level": guess_level(title),
             "summary": f"导入时新建: 原文提及「{title}」但未描述其职责。"},
            ["stand-in: named by another draft, not described in the source"],
        ))
