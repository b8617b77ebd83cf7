"""导入手册: upload (.txt, .docx) or paste handbook text → parsed drafts beside the source, with
the same report as `handbook import` (coverage, unplaced passages with positions, "nothing
recognised", less than half placed) → save the drafts into a rule-set draft."""

from __future__ import annotations

import streamlit as st

from runtime.errors import HandbookError
from runtime.importer import KINDS, ImportResult, preview, read_bytes
from runtime.ui import context as ctx
from runtime.ui.control import show_errors
from runtime.ui.drafts import safe_relpath

LONG = 4000  # characters: above this the page shows a progress bar while it parses
LARGEST = 5  # passages shown when nothing is recognised


def import_target(name: str, property_id: str | None) -> str:
    """Where an imported draft file goes in the tree (`roles/x.yaml` → rules/.../imported/...)."""
    base = f"rules/properties/{property_id}" if property_id else "rules/company"
    return f"{base}/imported/{safe_relpath('rules/' + name).relative_to('rules').as_posix()}"


def _source_text() -> str | None:
    """The uploaded file's text (.txt as UTF-8/GB18030, .docx paragraphs and tables) or the
    pasted text; None (with the reason shown) when the upload cannot be read."""
    upload = st.file_uploader(ctx.tr("app.import.upload"), type=["txt", "md", "docx"],
                              key="import_upload")
    text = st.text_area(ctx.tr("app.import.paste"), height=200, key="import_text")
    if upload is None:
        return text
    try:
        return read_bytes(upload.getvalue(), upload.name)
    except HandbookError as exc:
        st.error(str(exc))
        return None


def _parse(text: str, kind: str, pid: str | None) -> ImportResult | None:
    rules_dir, forms_dir = ctx.rule_dirs()
    bar = st.progress(0.0, text=ctx.tr("app.import.progress.normalise")) \
        if len(text) > LONG else None

    def progress(stage: str, share: float) -> None:
        if bar is not None:
            bar.progress(share, text=ctx.tr(f"app.import.progress.{stage}"))

    try:
        result = preview(text, kind, pid, rules_dir=rules_dir, forms_dir=forms_dir,
                         progress=progress)
    except HandbookError as exc:
        st.error(str(exc))
        return None
    if bar is not None:
        bar.empty()
    return result


def show_report(result: ImportResult) -> None:
    """What the CLI prints: found, coverage, notes, every unplaced passage with its position."""
    c = result.coverage
    content = c["chars"] - c["layout"]
    if result.kind == "none":
        st.error(ctx.tr("app.import.nothing", chars=content))
        largest = sorted(result.unplaced, key=lambda p: p.start - p.end)[:LARGEST]
        for p in largest:
            st.markdown(f"- {ctx.tr('app.import.at', line=p.line, col=p.col)} "
                        f"({p.reason}, {p.end - p.start}): {p.excerpt()}")
        return
    st.caption(ctx.tr("app.import.found", kind=result.kind, roles=len(result.roles),
                      procedures=len(result.procedures), schedules=len(result.schedules),
                      unplaced=len(result.unplaced)))
    share = c["placed"] / content if content else 1.0
    st.progress(min(1.0, share), text=ctx.tr("app.import.coverage", placed=c["placed"],
                                              chars=content, passages=len(result.unplaced)))
    if content and c["placed"] * 2 < content:
        st.warning(ctx.tr("app.import.less_than_half", placed=c["placed"], chars=content))
    if result.unplaced:
        st.markdown(f"#### {ctx.tr('app.import.unplaced_title')}")
        st.dataframe([{ctx.tr("app.import.col.line"): p.line,
                       ctx.tr("app.import.col.col"): p.col,
                       ctx.tr("app.import.col.reason"): p.reason,
                       ctx.tr("app.import.col.chars"): p.end - p.start,
                       ctx.tr("app.import.col.text"): p.excerpt(80)}
                      for p in result.unplaced], hide_index=True, width="stretch")
    if result.notes:
        with st.expander(ctx.tr("app.import.notes", n=len(result.notes))):
            for n in result.notes:
                st.markdown(f"- {ctx.tr('app.import.at', line=n.line, col=n.col)}: {n.reason}")


def import_page() -> None:
    """Paste or upload handbook text → parsed preview beside the source → save into a draft."""
    from runtime.ui.pages.admin import draft_picker

    session = ctx.guard("administer")
    st.title(ctx.tr("app.page.import"))
    cols = st.columns(2)
    kind = cols[0].selectbox(ctx.tr("app.kind"), list(reversed(KINDS)), key="import_kind",
                             format_func=lambda k: ctx.tr("app.import.auto") if k == "auto"
                             else ctx.tr(f"app.kind.{k}"))
    base = ctx.handbook(None)
    pid = cols[1].selectbox(ctx.tr("app.col.property"), [None, *sorted(base.properties)],
                            key="import_property",
                            format_func=lambda p: ctx.tr("app.company_level") if p is None
                            else ctx.title_of(base.properties[p].meta))
    text = _source_text()
    if not text or not text.strip():
        return
    result = _parse(text, kind, pid)
    if result is None:
        return
    show_report(result)
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### {ctx.tr('app.import.source')}")
        with st.container(height=560):
            st.code(result.text, language=None, line_numbers=True, wrap_lines=True)
    with right:
        st.markdown(f"#### {ctx.tr('app.import.result')}")
        with st.container(height=560):
            for name, body in result.drafts.items():
                st.markdown(f"`{import_target(name, pid)}`")
                st.code(body, language="yaml", line_numbers=True)
    if not result.drafts:
        return
    draft = draft_picker(session, "import_draft")
    if draft is not None and st.button(ctx.tr("app.import.save"), type="primary",
                                       key="import_save"):
        repo = ctx.drafts()
        saved = []
        try:
            for name, body in result.drafts.items():
                rel = import_target(name, pid)
                _, base_hash = repo.read(draft, rel)
                repo.save(draft, rel, body, base_hash, session.user.username)
                saved.append(rel)
        except HandbookError as exc:
            st.error(str(exc))
        st.success(ctx.tr("app.import.saved", n=len(saved), draft=draft.title))
        show_errors(repo.check(draft), None)
