"""Parts of a duty card that a role document adds to the duties: document control, purpose and
scope, work content (工作内容), daily routine (工作流程) and related documents (相关文件)."""

from __future__ import annotations

import streamlit as st

from runtime.compiler import model as m
from runtime.ui import context as ctx
from runtime.ui.fmt import duration_text


def document_control_line(meta: m.Meta) -> str:
    """`版本 0.1.0 · 编制 综合部 · 审核 待定 · 批准 待定`: pending keys are shown as pending."""
    pending = ctx.tr("app.card.pending")
    parts = [f"{ctx.tr('app.card.version')} {meta.version}"]
    for key, value in (("drafted", meta.drafted_by), ("reviewed", meta.reviewed_by),
                       ("approved", meta.approved_by)):
        parts.append(f"{ctx.tr(f'app.card.{key}')} {value if value is not None else pending}")
    return " · ".join(parts)


def render_intro(role: m.Role) -> None:
    """Document control, then 目的 and 适用范围 when the role document states them."""
    st.caption(document_control_line(role.meta))
    for key, value in (("purpose", role.purpose), ("scope", role.scope)):
        if value:
            st.markdown(f"**{ctx.tr(f'app.card.{key}')}**: {value}")


def _label(no: int, label: str | None) -> str:
    return label or str(no)


def render_lists(role: m.Role) -> None:
    """工作内容 as a table like the duties, 工作流程 as an ordered list, each on its own."""
    lang = ctx.lang()
    if role.work_content:
        st.markdown(f"#### {ctx.tr('app.card.work_content')}")
        st.dataframe([{
            ctx.tr("app.col.no"): _label(d.no, d.label),
            ctx.tr("app.card.work_item"): d.text,
            ctx.tr("app.card.frequency"): d.frequency or (str(d.schedule) if d.schedule else ""),
            ctx.tr("app.card.time_limit"): duration_text(d.time_limit, lang),
        } for d in role.work_content], hide_index=True, width="stretch")
    if role.routine:
        st.markdown(f"#### {ctx.tr('app.card.routine')}")
        st.caption(ctx.tr("app.card.routine_hint"))
        # The handbook's own numbers, escaped so Markdown does not renumber the list.
        st.markdown("  \n".join(f"{_label(s.no, s.label)}\\. {s.text}" for s in role.routine))


def reference_text(ref: m.Reference) -> str:
    """《title》 (number), linked when the rule gives a link."""
    title = f"《{ref.title}》"
    if ref.link:
        title = f"[{title}]({ref.link})"
    return f"{title} {ref.number}" if ref.number else title


def render_references(role: m.Role) -> None:
    """相关文件: regulations and methods the role works by (not forms)."""
    if role.references:
        st.markdown(f"#### {ctx.tr('app.card.references')}")
        st.markdown("\n".join(f"- {reference_text(r)}" for r in role.references))
