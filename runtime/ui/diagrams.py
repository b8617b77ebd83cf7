"""Graphviz DOT built from the rules: the org chart and procedure flowcharts (pure text).

`st.graphviz_chart` renders DOT in the browser with its bundled viz.js, so no Graphviz
package or binary is needed.
"""

from __future__ import annotations

from runtime.compiler import model as m
from runtime.i18n import pick
from runtime.ui.fmt import duration_text

_FONT = 'fontname="Noto Sans CJK SC,PingFang SC,Microsoft YaHei,sans-serif"'


def _q(text: str) -> str:
    """A DOT double-quoted string (escapes quotes, backslashes and newlines)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def org_chart(hb: m.Handbook, lang: str = "zh") -> str:
    """Roles grouped by department, with edges from each role to its direct reports."""
    lines = ["digraph org {", "  rankdir=TB;",
             f"  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef4fb\", {_FONT}];",
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
            lines.append(f"  subgraph cluster_{i} {{ label={_q(dept.title)}; "
                         "style=dashed; color=\"#b0bccd\";")
        for role in sorted(roles, key=lambda r: r.id):
            label = pick(role.title, role.meta.title_en, lang)
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


def flowchart(proc: m.Procedure, hb: m.Handbook, lang: str = "zh") -> str:
    """Steps as boxes with their roles and time limits, transitions with branch labels,
    and each clock as a dashed red edge from its start to its stop steps."""
    lines = ["digraph flow {", "  rankdir=TB;",
             f"  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f6f8fb\", {_FONT}];",
             f"  edge [{_FONT}, fontsize=10];"]
    departments = {d.id: d.title for d in hb.company.departments}
    if hb.property is not None:
        departments.update({d.id: d.title for d in hb.property.departments})
    joins = {s.id: s.join for s in proc.steps if s.join}
    for step in proc.steps:
        roles = "、".join(pick(hb.roles[r].title, hb.roles[r].meta.title_en, lang)
                         if r in hb.roles else r for r in step.roles)
        if step.department:  # a department acts: its head or any of its roles
            roles = "、".join(x for x in (roles, departments.get(step.department,
                                                                step.department)) if x)
        label = f"{step.title}\n[{roles}]" if roles else step.title
        if step.time_limit:
            label += f"\n≤ {duration_text(step.time_limit, lang)}"
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
    for step in proc.steps:
        if step.parallel:
            fork = "fork:" + step.id
            lines.append(f"  {_q(fork)} [label=\"\", shape=box, style=filled, "
                         'fillcolor="#333333", height=0.08, width=2.2, fixedsize=true];')
            lines.append(f"  {_q(step.id)} -> {_q(fork)};")
            for tr in step.parallel:
                label = tr.label or (str(tr.when) if tr.when else "")
                attr = f" [label={_q(label)}]" if label else ""
                lines.append(f"  {_q(fork)} -> {_q(tr.to)}{attr};")
        for tr in step.next:
            label = tr.label or (str(tr.when) if tr.when else "")
            attr = f" [label={_q(label)}]" if label else ""
            target = f"join:{tr.to}" if tr.to in joins else tr.to
            lines.append(f"  {_q(step.id)} -> {_q(target)}{attr};")
    for clock in proc.clocks:
        # A clock may run to a date in the case (until: reply_due) instead of a fixed limit.
        limit = duration_text(clock.within, lang) if clock.within else f"→ {clock.until}"
        for stop in clock.stop:
            text = f"≤ {limit}: {clock.title}"
            lines.append(f"  {_q(clock.start.step)} -> {_q(stop.step)} [label={_q(text)}, "
                         'style=dashed, color="#c0392b", fontcolor="#c0392b", constraint=false];')
    for fu in proc.follow_ups:
        node = f"follow-up:{fu.id}"
        text = f"{fu.title}\n+{duration_text(fu.delay, lang)}"
        lines.append(f"  {_q(node)} [label={_q(text)}, shape=note, fillcolor=\"#fff6db\"];")
        lines.append(f"  {_q(fu.after.step)} -> {_q(node)} [style=dotted];")
    lines.append("}")
    return "\n".join(lines)
