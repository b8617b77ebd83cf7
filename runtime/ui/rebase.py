"""Rebase panel of the versions page: a draft based on an older version than the live one.

Shown whenever another version went live after the draft was copied (the publish would be
refused as stale). The merge itself is `Drafts.rebase`; this only offers it and shows conflicts
like the editor does (live text, draft text, diff), with "keep the draft's text" per file.
"""

from __future__ import annotations

import streamlit as st

from runtime.ui import context as ctx
from runtime.versions.drafts import Draft, Drafts, RebaseConflicts


def rebase_panel(repo: Drafts, draft: Draft, by: str) -> None:
    """Offer to merge the versions published since the draft's base into it."""
    live = repo.versions.current_number()
    if draft.base_version == live or draft.state in ("published", "withdrawn"):
        return
    since = repo.versions.since(draft.base_version)
    st.warning(ctx.tr("app.rebase.stale", base=draft.base_version, live=live,
                      versions=", ".join(f"v{v.number} {v.published_by}: {v.message}"
                                         for v in since)))
    conflicts = st.session_state.get(f"rebase_conflicts_{draft.id}", [])
    keep: list[str] = []
    for i, c in enumerate(conflicts):
        with st.expander(ctx.tr("app.rebase.conflict", path=c.path, line=c.line), expanded=True):
            st.code(c.diff() or c.theirs, language="diff")
            if st.checkbox(ctx.tr("app.rebase.keep_draft"), key=f"rebase_keep_{draft.id}_{i}"):
                keep.append(c.path)
    if st.button(ctx.tr("app.rebase.run", live=live), key=f"rebase_{draft.id}"):
        try:
            repo.rebase(draft, by, keep_draft=keep)
        except RebaseConflicts as exc:
            st.session_state[f"rebase_conflicts_{draft.id}"] = exc.conflicts
            st.error(ctx.tr("app.rebase.conflicts", n=len(exc.conflicts)))
            st.rerun()
        else:
            st.session_state.pop(f"rebase_conflicts_{draft.id}", None)
            st.success(ctx.tr("app.rebase.done", live=live))
