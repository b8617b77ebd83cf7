"""Procedures with the standard headings (目的, 适用范围, 职责, 程序, 记录, 相关文件) → a draft.

Sections are found by heading title (`1.0 目的`, `一、适用范围`, `第三章 工作程序`, or a line that
is just the word). The 程序 section's numbered items (4.1, 4.2 or 1、2、) become steps in order,
linked one after the other with the last one terminal; 职责 items become responsibilities;
记录 items with 《…》 become records with their 保存期; a 一周后回访 becomes a follow-up.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from runtime.importer.core import Context, Document
from runtime.importer.forms import find_mentions
from runtime.importer.phrases import find_durations
from runtime.importer.segment import ITEM_CLASSES, Node, Segmented, clean, segment

SECTION_OF = {
    "目的": "purpose", "适用范围": "scope", "范围": "scope", "职责": "responsibilities",
    "程序": "steps", "工作程序": "steps", "工作流程": "steps", "流程": "steps",
    "记录": "records", "质量记录": "records", "相关文件": "related", "支持性文件": "related",
    "引用文件": "related", "定义": "definitions", "术语": "definitions",
}
MISSING = "待补充 (原文无此节)"
# "管理处值班人员接到…": a step's subject, when it ends like a role.
_SUBJECT_RE = re.compile(r"^(?:由|对|在)?(?P<name>[\u4e00-\u9fff]{2,10}?(?:人员|主管|主任|经理|班长"
                         r"|队长|组长|助理|主办|前台|员|维修工|清洁工|绿化工))"
                         r"(?=接到|对|应|须|在|负责|将|于|把|要|向|核对|收取|陪同|发放|检查|通知|"
                         r"完成|开具|登记|填写|审核|组织|巡查|每)")
_ROLE_LEAD_RE = re.compile(r"^(?P<name>[\u4e00-\u9fff]{2,12}?)(?:[:：]|负责|应|须|对)")


def sections(text: str, doc: Segmented) -> dict[str, Node]:
    """The standard procedure sections found among the headings, by section key."""
    out: dict[str, Node] = {}
    for node in doc.walk():
        if node.kind != "heading":
            continue
        key = SECTION_OF.get(node.title(text))
        if key and key not in out:
            out[key] = node
    return out


def looks_like_procedure(text: str, doc: Segmented) -> bool:
    """True when the text has a 程序 section and at least one of 目的 / 适用范围 / 职责."""
    found = sections(text, doc)
    return "steps" in found and bool({"purpose", "scope", "responsibilities"} & set(found))


def _section_text(text: str, node: Node) -> str:
    return clean(text[node.body_start:node.subtree_end])


def _entries(text: str, node: Node) -> list[Node]:
    """A section's numbered entries (items or sub-headings), or the section itself if none."""
    kids = [c for c in node.children if c.kind in ("item", "heading")]
    return kids or [node]


def _entry_text(text: str, node: Node) -> str:
    start = node.body_start if node.kind == "item" else node.title_start
    return clean(text[start:node.subtree_end])


def _roles_in(ctx: Context, s: str, candidates: dict[str, str]) -> list[str]:
    """Roles named in `s`, in order of first mention (longer titles win at the same place)."""
    hits: list[tuple[int, int, str]] = []
    for title, rid in candidates.items():
        pos = s.find(title) if title else -1
        if pos >= 0:
            hits.append((pos, -len(title), rid))
    found: list[str] = []
    for _, _, rid in sorted(hits):
        if rid not in found:
            found.append(rid)
    return found


def _build_steps(ctx: Context, entries: list[Node], candidates: dict[str, str],
                 default_roles: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Steps (and follow-ups) from a procedure's numbered entries, placing what they use."""
    text = ctx.text
    steps: list[dict[str, Any]] = []
    follow_ups: list[dict[str, Any]] = []
    for i, entry in enumerate(entries, start=1):
        s = _entry_text(text, entry)
        if not s:
            continue
        sid = f"step-{i}"
        short = re.split(r"[,，。;；:：]", s, maxsplit=1)[0][:20] or s[:20]
        # The sentence's subject acts (管理处值班人员接到…报告客服主管); else the first role named.
        subject = _SUBJECT_RE.match(s)
        if subject:
            roles = [ctx.role_ref(subject["name"], entry.start, entry.subtree_end,
                                  f"the subject of step {i}")]
            candidates[subject["name"]] = roles[0]
        else:
            roles = _roles_in(ctx, s, candidates)[:1]
        roles = roles or default_roles
        step: dict[str, Any] = {"id": sid, "title": short, "roles": roles, "instructions": s}
        if not roles:
            ctx.note(entry.start, entry.subtree_end, f"step {i} names no known role: roles left "
                     "empty, assign one at review")
        durations = find_durations(text, entry.start, entry.subtree_end)
        within = [d for d in durations if d.role == "within"]
        if within:
            step["time-limit"] = within[0].canonical
        for d in durations:
            if d.role == "after" and roles and steps:
                # "维修完成一周后回访": the wait runs from the end of the previous step.
                follow_ups.append({"id": f"follow-up-{len(follow_ups) + 1}",
                                   "title": d.source + ("回访" if "回访" in s else short),
                                   "after": {"step": steps[-1]["id"], "event": "complete"},
                                   "delay": d.canonical, "role": roles[0]})
        step_forms = [f for f in find_mentions(text, entry.start, entry.subtree_end)
                      if f.kind == "form"]
        if step_forms:
            step["form"] = ctx.forms.resolve(step_forms[0].title)
        steps.append(step)
        ctx.place(entry.start, entry.subtree_end, "procedure", None, f"steps[{sid}]")
    return steps, follow_ups


def _link(steps: list[dict[str, Any]]) -> None:
    """One step after the other; the last one closes the case."""
    for a, b in itertools.pairwise(steps):
        a["next"] = [{"to": b["id"]}]
    steps[-1]["terminal"] = True


def extract_procedure(ctx: Context, doc: Segmented) -> dict[str, Any] | None:
    """One draft procedure from the standard sections; None when there is no 程序 section."""
    text = ctx.text
    cov = ctx.coverage
    found = sections(text, doc)
    if "steps" not in found:
        return None
    first = min(n.start for n in found.values())
    title = clean(text[:first].split("\n")[0]) if clean(text[:first]) else "导入的作业规程"
    if len(title) > 40:
        title = title[:40]
    since = len(ctx.placements)
    title_span = (text.find(title), text.find(title) + len(title)) if title in text else (0, 0)
    ctx.place(*title_span, "procedure", None, "title")
    body: dict[str, Any] = {}
    for key in ("purpose", "scope"):
        node = found.get(key)
        if node is not None and _section_text(text, node):
            body[key] = _section_text(text, node)
            ctx.place(node.start, node.subtree_end, "procedure", None, key)
        else:
            body[key] = MISSING
            ctx.note(first, first, f"no {key} section (目的/适用范围): written as {MISSING!r}")
    candidates = {**ctx.registry.tree_roles, **ctx.registry.new_roles}
    resp: list[dict[str, str]] = []
    if "responsibilities" in found:
        node = found["responsibilities"]
        cov.place(node.start, node.body_start)
        for entry in _entries(text, node):
            s = _entry_text(text, entry)
            roles = _roles_in(ctx, s, candidates)
            if not roles:
                m = _ROLE_LEAD_RE.match(s)
                if m:
                    roles = [ctx.role_ref(m["name"], entry.start, entry.subtree_end,
                                          "named in the 职责 section")]
                    candidates[m["name"]] = roles[0]
            if roles and s:
                resp.append({"role": roles[0], "text": s})
                ctx.place(entry.start, entry.subtree_end, "procedure", None,
                          f"responsibilities[{len(resp) - 1}]")
            else:
                cov.explain(entry.start, entry.subtree_end, "responsibility names no role")
        if resp:
            body["responsibilities"] = resp
    default_roles = [r["role"] for r in resp[:1]]
    node = found["steps"]
    cov.place(node.start, node.body_start)
    steps, follow_ups = _build_steps(ctx, _entries(text, node), candidates, default_roles)
    if not steps:
        return None
    _link(steps)
    body["steps"] = steps
    if follow_ups:
        body["follow-ups"] = follow_ups
    records: list[dict[str, Any]] = []
    if "records" in found:
        node = found["records"]
        cov.place(node.start, node.body_start)
        for entry in _entries(text, node):
            mentions = [f for f in find_mentions(text, entry.start, entry.subtree_end)
                        if f.kind == "form"]
            for k, mention in enumerate(mentions):
                # A retention period belongs to the form named just before it.
                until = mentions[k + 1].start if k + 1 < len(mentions) else entry.subtree_end
                keep = [d for d in find_durations(text, mention.end, until)
                        if d.role in ("retention", "plain")]
                rec: dict[str, Any] = {"form": ctx.forms.resolve(mention.title)}
                if keep:
                    rec["retention"] = keep[0].canonical
                records.append(rec)
            if mentions:
                ctx.place(entry.start, entry.subtree_end, "procedure", None, "records")
            else:
                cov.explain(entry.start, entry.subtree_end, "record names no 《form》")
    if records:
        body["records"] = records
    if "related" in found:
        node = found["related"]
        body["description"] = "相关文件: " + _section_text(text, node)
        ctx.place(node.start, node.subtree_end, "procedure", None, "description")
    pid = ctx.registry.allocate("procedure", title, "procedure")
    ctx.settle(since, pid)
    ctx.documents.append(Document("procedure", pid, title, body))
    return {"id": pid, "title": title, "sections": sorted(found),
            "steps": [{"id": s["id"], "title": s["title"], "roles": s["roles"]} for s in steps]}


# "处理客户投诉请求的工作程序:" over numbered items: a procedure written as one list.
_INLINE_RE = re.compile(r"^(?P<title>.{2,30}?(?:工作程序|处理程序|作业程序|操作程序|工作流程"
                        r"|处理流程|操作流程|作业流程))\s*[:：]?$")


def extract_inline_procedures(ctx: Context, doc: Segmented) -> list[dict[str, Any]]:
    """Procedures written as a titled list of steps inside other text (seed 003's 工作程序)."""
    text = ctx.text
    out = []
    for node in doc.walk():
        if node.kind == "text" or ctx.coverage.placed[node.start]:
            continue
        own = clean(text[node.body_start if node.kind == "item" else node.title_start:node.end])
        m = _INLINE_RE.match(own)
        kids = [c for c in node.children if c.kind == "item"]
        if not m or len(kids) < 2:
            continue
        since = len(ctx.placements)
        title = m["title"]
        ctx.place(node.start, node.end, "procedure", None, "title")
        candidates = {**ctx.registry.tree_roles, **ctx.registry.new_roles}
        steps, follow_ups = _build_steps(ctx, kids, candidates, [])
        if not steps:
            continue
        _link(steps)
        for key in ("purpose", "scope"):
            ctx.note(node.start, node.end, f"{title}: no {key} in the source, written as "
                     f"{MISSING!r}")
        body: dict[str, Any] = {"purpose": MISSING, "scope": MISSING, "steps": steps}
        if follow_ups:
            body["follow-ups"] = follow_ups
        pid = ctx.registry.allocate("procedure", title, "procedure")
        ctx.settle(since, pid)
        ctx.documents.append(Document("procedure", pid, title, body))
        out.append({"id": pid, "title": title, "sections": ["steps"],
                    "steps": [{"id": s["id"], "title": s["title"], "roles": s["roles"]}
                              for s in steps]})
    return out


# "协助客户办理入驻手续的流程：" on its own line, the steps numbered below it (or after the colon).
_TITLED_RE = re.compile(r"^[ \t\u3000]*(?:\d{1,2}[、.．]\s*|[一二三四五六七八九十]{1,3}、)?"
                        r"(?P<title>[^\s:：。；;]{2,30}?(?:流程|程序|步骤|规程))[ \t\u3000]*"
                        r"(?:[:：](?P<inline>.*))?$", re.M)
# Words that name a part of a role or procedure document, not a procedure of their own.
_NOT_TITLES = ("工作流程", "日常工作流程", "每日工作流程", "一日工作流程", "工作程序", "程序",
               "流程",
               "作业程序", "工作步骤")


def extract_titled_procedures(ctx: Context) -> list[dict[str, Any]]:
    """Procedures written as a titled list on their own lines, outside role chapters."""
    text = ctx.text
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    heads = []
    for a, b in lines:
        m = _TITLED_RE.match(text, a, b) if a < b else None
        if m is None or m.end() != b or ctx.coverage.placed[m.start("title")]:
            continue
        if m["title"] in _NOT_TITLES or m["title"].endswith(("说明书", "职责")):
            continue
        heads.append((a, b, m))
    out = []
    for i, (a, b, m) in enumerate(heads):
        hi = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        lo = m.start("inline") if m["inline"] and m["inline"].strip() else b
        seg = segment(text, lo, hi, ITEM_CLASSES)
        items: list[Node] = []
        for node in seg.roots:
            if node.kind != "item" or ctx.coverage.placed[node.start]:
                break
            items.append(node)
        if len(items) < 2:
            continue
        title = m["title"]
        since = len(ctx.placements)
        ctx.place(a, m.end("title"), "procedure", None, "title")
        candidates = {**ctx.registry.tree_roles, **ctx.registry.new_roles}
        steps, follow_ups = _build_steps(ctx, items, candidates, [])
        _link(steps)
        end = items[-1].subtree_end
        for node in seg.roots:
            if node.kind == "text" and node.start >= items[0].start and node.start < end + 1:
                ctx.coverage.explain(node.start, node.end, f"text after the last step of {title}")
        ctx.note(a, b, f"{title}: no purpose or scope in the source, written as {MISSING!r}")
        body: dict[str, Any] = {"purpose": MISSING, "scope": MISSING, "steps": steps}
        if follow_ups:
            body["follow-ups"] = follow_ups
        pid = ctx.registry.allocate("procedure", title, "procedure")
        ctx.settle(since, pid)
        ctx.documents.append(Document("procedure", pid, title, body))
        out.append({"id": pid, "title": title, "sections": ["steps"],
                    "steps": [{"id": s["id"], "title": s["title"], "roles": s["roles"]}
                              for s in steps]})
    return out
