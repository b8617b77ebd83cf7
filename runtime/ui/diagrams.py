"""Graphviz DOT built from the rules: the org chart and procedure flowcharts (pure text).

Laid out for reading (issue 12 item 5): long labels are wrapped, edges into one step that
carry the same label meet at one label instead of repeating it, clock deadlines show the
field's title (not its id) and stay short, and the org chart runs left to right so that a
wide organisation does not shrink to unreadable text. `runtime.ui.dot_render` lays the DOT
out on the server (Debian's graphviz) for the page, the SVG/PNG downloads and the overlap
checks; without it `st.graphviz_chart` draws the same DOT in the browser.
"""

from __future__ import annotations

import re
import unicodedata

from runtime.compiler import model as m
from runtime.forms.spec import form_spec
from runtime.i18n import pick
from runtime.ui.fmt import duration_text

_FONT = 'fontname="Noto Sans CJK SC,PingFang SC,Microsoft YaHei,sans-serif"'
NODE_WRAP = 14  # display width (a CJK character is 1, a Latin letter 0.5) of a step title line
ROLE_WRAP = 16  # the role line under it is a list, so it may be a little wider
EDGE_WRAP = 10  # branch labels sit between the columns: keep them narrow
# Break after these rather than inside a word: CJK punctuation, closing brackets, spaces.
_BREAK_AFTER = set("，、。；：！？）》」』】,;:!?) /")
# Never start a line with these: they stay on the line they close, even a little over width.
_NO_LINE_START = set("，、。；：！？）》」』】,;:!?)]")
_NO_LINE_END = set("《（「『【([")


def _q(text: str) -> str:
    """A DOT double-quoted string (escapes quotes, backslashes and newlines)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _width(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5


def wrap(text: str, width: float = NODE_WRAP) -> str:
    """Text broken into lines of at most `width` display units (CJK 1, Latin 0.5), lines of
    even length (no one-character last line), preferring breaks after punctuation or spaces,
    never before a closing mark or after an opening one; existing line breaks stay."""
    return "\n".join(_wrap_line(para, width) for para in text.split("\n"))


def _wrap_line(para: str, width: float) -> str:
    total = sum(_width(c) for c in para)
    if total <= width:
        return para
    # Even lines: as many lines as `width` needs, each about the same length.
    lines_needed = -(-total // width)
    target = max(2.0, -(-total // lines_needed) + 0.5)
    out: list[str] = []
    line, used, last_break = "", 0.0, -1
    for ch in para:
        if used + _width(ch) > target and line and ch not in _NO_LINE_START:
            cut = last_break + 1 if last_break >= len(line) // 2 else len(line)
            while cut > 1 and line[cut - 1] in _NO_LINE_END:
                cut -= 1  # 《 belongs to the title it opens, on the next line
            out.append(line[:cut].rstrip())
            total -= sum(_width(c) for c in line[:cut])
            line = line[cut:].lstrip()
            used = sum(_width(c) for c in line)
            # The rest shares the lines left (an early break at a comma leaves more for them).
            left = max(1.0, lines_needed - len(out))
            target = min(width, max(target, -(-total // left) + 0.5))
            last_break = max((i for i, c in enumerate(line) if c in _BREAK_AFTER), default=-1)
        if not line and ch == " ":
            continue
        line += ch
        used += _width(ch)
        if ch in _BREAK_AFTER:
            last_break = len(line) - 1
    out.append(line.rstrip())
    return "\n".join(x for x in out if x)


def org_chart(hb: m.Handbook, lang: str = "zh") -> str:
    """Roles grouped by department, with edges from each role to its direct reports.

    Left to right: the chart's width grows with the depth of the hierarchy (a few levels),
    its height with the number of roles, so text keeps its size in a page-wide view."""
    lines = ["digraph org {", "  rankdir=LR; nodesep=0.18; ranksep=0.45; newrank=true;",
             f"  graph [{_FONT}, fontsize=15];",
             f"  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef4fb\", {_FONT}, "
             "fontsize=15, margin=\"0.12,0.06\"];",
             f"  edge [color=\"#7a8ca5\", {_FONT}];"]
    departments = {d.id: d for d in hb.company.departments}
    if hb.property:
        departments.update({d.id: d for d in hb.property.departments})
    by_dept: dict[str | None, list[m.Role]] = {}
    for role in hb.roles.values():
        by_dept.setdefault(role.department, []).append(role)
    for i, (dept_id, roles) in enumerate(sorted(by_dept.items(), key=lambda kv: kv[0] or "")):
        dept = departments.get(dept_id) if dept_id else None
        if dept is not None:
            lines.append(f"  subgraph cluster_{i} {{ label={_q(wrap(dept.title, 12))}; "
                         "style=dashed; color=\"#b0bccd\"; labeljust=l;")
        for role in sorted(roles, key=lambda r: r.id):
            label = wrap(pick(role.title, role.meta.title_en, lang), 10)
            if role.headcount.count:
                label += f"\n×{role.headcount.count}"
            fill = "#dce8f7" if role.level == "management" else "#f6f8fb"
            lines.append(f"    {_q(role.id)} [label={_q(label)}, fillcolor=\"{fill}\"];")
        if dept is not None:
            lines.append("  }")
    for role in hb.roles.values():
        for boss in role.reports_to:
            if boss in hb.roles:
                lines.append(f"  {_q(boss)} -> {_q(role.id)};")
    lines.append("}")
    return "\n".join(lines)


def _field_title(hb: m.Handbook, proc: m.Procedure, name: str, lang: str) -> str:
    """The title of a case-form field (the name itself when the form does not have it)."""
    form = hb.forms.get(proc.form or "")
    spec = form_spec(form).field(name) if form is not None else None
    return spec.label(lang) if spec is not None else name


def _branch_label(tr: m.Transition, hb: m.Handbook, proc: m.Procedure, lang: str) -> str:
    """The transition's label; else its condition with field names shown as their titles."""
    if tr.label:
        return tr.label
    if tr.when is None:
        return ""
    text = str(tr.when)
    for name in sorted(tr.when.names, key=len, reverse=True):
        title = _field_title(hb, proc, name, lang)
        if title != name:
            text = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w])", title, text)
    return text


def _edge(src: str, dst: str, label: str, width: float = EDGE_WRAP, extra: str = "") -> str:
    attrs = [f"label={_q(wrap(label, width))}"] if label else []
    if extra:
        attrs.append(extra)
    return f"  {_q(src)} -> {_q(dst)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";"


def flowchart(proc: m.Procedure, hb: m.Handbook, lang: str = "zh",
              width: float = NODE_WRAP) -> str:
    """Steps as boxes with their roles and time limits, transitions with branch labels,
    and each clock as a dashed red edge from its start to its stop steps; `width` is the
    wrap width of step titles (narrower for procedures with many branches side by side)."""
    role_w, edge_w = width + ROLE_WRAP - NODE_WRAP, max(6.0, width + EDGE_WRAP - NODE_WRAP)
    lines = ["digraph flow {", "  rankdir=TB; nodesep=0.3; ranksep=0.4;",
             f"  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f6f8fb\", {_FONT}, "
             "fontsize=14];",
             f"  edge [{_FONT}, fontsize=12];"]
    departments = {d.id: d.title for d in hb.company.departments}
    if hb.property is not None:
        departments.update({d.id: d.title for d in hb.property.departments})
    joins = {s.id: s.join for s in proc.steps if s.join}
    # A clock that starts and stops at one step is that step's own limit: shown in its box.
    own_clock: dict[str, list[str]] = {}
    for clock in proc.clocks:
        for stop in clock.stop:
            if stop.step == clock.start.step:
                own_clock.setdefault(stop.step, []).append(_limit(clock, hb, proc, lang))
    for step in proc.steps:
        roles = "、".join(pick(hb.roles[r].title, hb.roles[r].meta.title_en, lang)
                         if r in hb.roles else r for r in step.roles)
        if step.department:  # a department acts: its head or any of its roles
            roles = "、".join(x for x in (roles, departments.get(step.department,
                                                                step.department)) if x)
        label = wrap(step.title, width)
        if roles:
            label += "\n" + wrap(f"[{roles}]", role_w)
        limits = [f"≤ {duration_text(step.time_limit, lang)}"] if step.time_limit else []
        limits += [x for x in own_clock.get(step.id, ()) if x not in limits]
        if limits:
            label += "\n" + " · ".join(limits)
        attrs = [f"label={_q(label)}"]
        if step.id == proc.start:
            attrs.append('fillcolor="#dcf3e4"')
        if step.terminal:
            attrs.append('shape=doubleoctagon')
        if step.requires:
            attrs.append('peripheries=2')
        lines.append(f"  {_q(step.id)} [{', '.join(attrs)}];")
    # Parallel branches as in an activity diagram: a black fork bar after the splitting step,
    # a join bar (全部完成 / 任一完成) before the step where the branches meet.
    for sid, how in joins.items():
        text = ("全部完成" if how == "all" else "任一完成") if lang == "zh" else (
            "all done" if how == "all" else "first done")
        lines.append(f"  {_q('join:' + sid)} [label=\"\", xlabel={_q(text)}, shape=box, "
                     'style=filled, fillcolor="#333333", height=0.08, width=2.2, fixedsize=true];')
        lines.append(f"  {_q('join:' + sid)} -> {_q(sid)};")
    edges: list[tuple[str, str, str]] = []
    for step in proc.steps:
        if step.parallel:
            fork = "fork:" + step.id
            lines.append(f"  {_q(fork)} [label=\"\", shape=box, style=filled, "
                         'fillcolor="#333333", height=0.08, width=2.2, fixedsize=true];')
            lines.append(f"  {_q(step.id)} -> {_q(fork)};")
            for tr in step.parallel:
                lines.append(_edge(fork, tr.to, _branch_label(tr, hb, proc, lang), edge_w))
        for tr in step.next:
            target = f"join:{tr.to}" if tr.to in joins else tr.to
            edges.append((step.id, target, _branch_label(tr, hb, proc, lang)))
    lines += _edges_merged(edges, edge_w)
    for clock in proc.clocks:
        text = _limit(clock, hb, proc, lang)
        for stop in clock.stop:
            if stop.step == clock.start.step:
                continue  # drawn in the step's box
            lines.append(_edge(clock.start.step, stop.step, text, edge_w,
                               f"tooltip={_q(clock.title)}, style=dashed, color=\"#c0392b\", "
                               "fontcolor=\"#c0392b\", constraint=false"))
    for fu in proc.follow_ups:
        node = f"follow-up:{fu.id}"
        text = f"{wrap(fu.title, width)}\n+{duration_text(fu.delay, lang)}"
        lines.append(f"  {_q(node)} [label={_q(text)}, shape=note, fillcolor=\"#fff6db\"];")
        lines.append(f"  {_q(fu.after.step)} -> {_q(node)} [style=dotted];")
    lines.append("}")
    return "\n".join(lines)


def _limit(clock: m.Clock, hb: m.Handbook, proc: m.Procedure, lang: str) -> str:
    """`≤ 24小时`, or `≤ 约定回复时间` for a clock that runs to a date in the case."""
    if clock.within:
        return f"≤ {duration_text(clock.within, lang)}"
    return f"≤ {_field_title(hb, proc, clock.until or '', lang)}"


def _edges_merged(edges: list[tuple[str, str, str]], width: float) -> list[str]:
    """DOT edges; two or more edges into one step with the same label meet at one label
    node (drawn once, as a merge in an activity diagram) instead of repeating the label."""
    groups: dict[tuple[str, str], list[str]] = {}
    for src, dst, label in edges:
        if label:
            groups.setdefault((dst, label), []).append(src)
    out: list[str] = []
    merged: set[tuple[str, str]] = set()
    for n, ((dst, label), sources) in enumerate(groups.items()):
        if len(sources) < 2:
            continue
        merged.add((dst, label))
        node = f"merge:{n}:{dst}"
        out.append(f"  {_q(node)} [label={_q(wrap(label, width))}, shape=plain, "
                   "fontsize=12, style=\"\"];")
        out += [f"  {_q(src)} -> {_q(node)} [arrowhead=none];" for src in sources]
        out.append(f"  {_q(node)} -> {_q(dst)};")
    out += [_edge(src, dst, label, width) for src, dst, label in edges
            if (dst, label) not in merged]
    return out
