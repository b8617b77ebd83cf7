"""Show a diagram in the page with SVG / PNG / DOT downloads (Graphviz on the server), or
drawn in the browser by `st.graphviz_chart` when the server has no Graphviz."""

from __future__ import annotations

import streamlit as st

from runtime.ui import context as ctx
from runtime.ui import dot_render


def show_diagram(dot: str, name: str, key: str) -> None:
    """The laid-out diagram and its downloads as `name`.svg / .png / .dot."""
    svg: bytes | None = None
    if dot_render.available():
        try:
            svg = dot_render.render(dot, "svg")
            page = dot_render.page_svg(dot, alt=name)
        except dot_render.DiagramError as exc:
            svg = None
            st.warning(ctx.tr("app.diagram.failed", error=str(exc)))
    if svg is not None:
        # Fits the column while its text stays readable; wider diagrams scroll in their box.
        st.html(page)
    else:
        st.graphviz_chart(dot, width="stretch")
    cols = st.columns(3)
    if svg is not None:
        cols[0].download_button(ctx.tr("app.diagram.svg"), svg, file_name=f"{name}.svg",
                                mime="image/svg+xml", key=f"{key}_svg", on_click="ignore")
        # PNG only when asked: its bytes are made on the click, not on every rerun.
        cols[1].download_button(ctx.tr("app.diagram.png"), lambda: dot_render.render(dot, "png"),
                                file_name=f"{name}.png", mime="image/png", key=f"{key}_png",
                                on_click="ignore")
    else:
        cols[0].caption(ctx.tr("app.diagram.no_graphviz"))
    cols[2].download_button(ctx.tr("app.diagram.dot"), dot.encode("utf-8"),
                            file_name=f"{name}.dot", mime="text/vnd.graphviz",
                            key=f"{key}_dot", on_click="ignore")
