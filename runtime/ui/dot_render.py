"""Lay DOT out on the server with Graphviz's `dot` (Debian package graphviz): SVG and PNG
for download and display, and the laid-out boxes so tests can check nothing overlaps.

`dot` gets the text on standard input (never a shell, never a file name from the rules) and
a time limit; the DOT itself is built by runtime.ui.diagrams with every label quoted, so no
rule text can become a Graphviz attribute (image=, shapefile=…) that reads a file.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Format = Literal["svg", "png", "json"]
TIMEOUT_S = 60.0  # a 30-step procedure takes well under a second; the limit is for a hang
PNG_DPI = 144  # twice the 72-dpi layout: sharp on high-density screens and in print
VIEW_PX = 940  # the page's main column in a 1400 px browser window (measured in chromium)
MIN_TEXT_PX = 12  # the smallest text a reader should see at that width
FIT_WIDTHS = (14.0, 12.0, 10.0, 9.0)  # wrap widths tried, widest (fewest lines) first


class DiagramError(RuntimeError):
    """Graphviz is missing, failed or took too long."""


def dot_binary() -> str | None:
    """Path of the `dot` program, or None when Graphviz is not installed."""
    return shutil.which("dot")


def available() -> bool:
    """True when diagrams can be laid out on the server."""
    return dot_binary() is not None


@functools.lru_cache(maxsize=64)
def render(dot: str, fmt: Format) -> bytes:
    """The DOT laid out as SVG, PNG or JSON (cached by text: pages rerun on every click)."""
    exe = dot_binary()
    if exe is None:
        raise DiagramError("Graphviz (dot) is not installed")
    args = [exe, f"-T{fmt}"] + ([f"-Gdpi={PNG_DPI}"] if fmt == "png" else [])
    try:
        done = subprocess.run(args, input=dot.encode("utf-8"), capture_output=True,
                              timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DiagramError(f"dot took longer than {TIMEOUT_S:g} s") from exc
    except OSError as exc:
        raise DiagramError(f"dot could not run: {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        raise DiagramError(done.stderr.decode("utf-8", "replace").strip()[:500] or "dot failed")
    return done.stdout


@dataclass(frozen=True)
class Box:
    """A laid-out rectangle in points (72 per inch), origin bottom left as Graphviz gives."""

    name: str
    kind: Literal["node", "label"]
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, tolerance: float = 0.5) -> bool:
        """True when the two rectangles share more than a hairline."""
        return (min(self.x1, other.x1) - max(self.x0, other.x0) > tolerance
                and min(self.y1, other.y1) - max(self.y0, other.y0) > tolerance)


@dataclass(frozen=True)
class Layout:
    """Where `dot` put every node and every text label, and the drawing's size in points."""

    width: float
    height: float
    boxes: tuple[Box, ...]
    font_sizes: tuple[float, ...]  # of every text drawn

    def overlaps(self) -> list[tuple[str, str]]:
        """Pairs of boxes that overlap: two nodes, two labels, or a label on a node."""
        out = []
        for i, a in enumerate(self.boxes):
            for b in self.boxes[i + 1:]:
                if a.overlaps(b):
                    out.append((a.name, b.name))
        return out

    def outside(self) -> list[str]:
        """Boxes that stick out of the drawing (would be cut at its edge)."""
        return [b.name for b in self.boxes
                if b.x0 < -0.5 or b.y0 < -0.5 or b.x1 > self.width + 0.5
                or b.y1 > self.height + 0.5]

    def smallest_text_px(self, view_width_px: float) -> float:
        """The smallest text, in CSS pixels, when the drawing is fitted to `view_width_px`
        (never enlarged): what a reader sees in the page."""
        scale = min(1.0, view_width_px / (self.width * 96 / 72)) * 96 / 72
        return min(self.font_sizes, default=0.0) * scale


def _text_boxes(ops: list[dict[str, Any]], name: str) -> tuple[list[Box], list[float]]:
    """Boxes of the text lines of an xdot draw list, joined into one box per label."""
    size, xs0, xs1, ys0, ys1, sizes = 14.0, [], [], [], [], []
    for op in ops:
        if op.get("op") == "F":
            size = float(op.get("size", size))
        elif op.get("op") == "T":
            x, y = (float(v) for v in op["pt"])
            w = float(op.get("width", 0.0))
            align = op.get("align", "c")
            left = x - w / 2 if align == "c" else (x - w if align == "r" else x)
            xs0.append(left)
            xs1.append(left + w)
            ys0.append(y - 0.25 * size)  # the baseline: descenders go a quarter below
            ys1.append(y + 0.8 * size)
            sizes.append(size)
    if not xs0:
        return [], []
    return [Box(name, "label", min(xs0), min(ys0), max(xs1), max(ys1))], sizes


@functools.lru_cache(maxsize=64)
def layout(dot: str) -> Layout:
    """Lay `dot` out and read back each node's box and each edge/cluster label's box."""
    data = json.loads(render(dot, "json"))
    bb = [float(v) for v in str(data.get("bb", "0,0,0,0")).split(",")]
    boxes: list[Box] = []
    sizes: list[float] = []
    for obj in data.get("objects", []):
        name = str(obj.get("name", ""))
        if "nodes" in obj or "subgraphs" in obj or name.startswith("cluster"):
            labels, fs = _text_boxes(obj.get("_ldraw_", []), f"cluster {name}")
            boxes += labels
            sizes += fs
            continue
        if obj.get("shape") == "plain" or "pos" not in obj:
            # A label-only node: its text is its box.
            labels, fs = _text_boxes(obj.get("_ldraw_", []), f"node {name}")
            boxes += labels
            sizes += fs
            continue
        x, y = (float(v) for v in str(obj["pos"]).split(","))
        w, h = float(obj.get("width", 0)) * 72, float(obj.get("height", 0)) * 72
        boxes.append(Box(f"node {name}", "node", x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        _, fs = _text_boxes(obj.get("_ldraw_", []), name)
        sizes += fs
        xlabels, fs = _text_boxes(obj.get("_xldraw_", []), f"xlabel {name}")
        boxes += xlabels
        sizes += fs
    for edge in data.get("edges", []):
        tail = data["objects"][edge["tail"]].get("name", "")
        head = data["objects"][edge["head"]].get("name", "")
        labels, fs = _text_boxes(edge.get("_ldraw_", []), f"label {tail}->{head}")
        boxes += labels
        sizes += fs
    return Layout(bb[2] - bb[0], bb[3] - bb[1], tuple(boxes), tuple(sizes))


def fitted(build: Callable[[float], str], widths: Sequence[float] = FIT_WIDTHS,
           view_px: float = VIEW_PX, min_text_px: float = MIN_TEXT_PX) -> str:
    """The DOT `build(width)` for the widest wrap width whose layout keeps all text at least
    `min_text_px` when fitted to `view_px`; else the most readable one. Without Graphviz the
    first (the layout cannot be measured)."""
    if not available() or not widths:
        return build(widths[0] if widths else FIT_WIDTHS[0])
    best, best_px = "", -1.0
    for width in widths:
        dot = build(width)
        try:
            px = layout(dot).smallest_text_px(view_px)
        except DiagramError:
            return dot
        if px >= min_text_px:
            return dot
        if px > best_px:
            best, best_px = dot, px
    return best


@functools.lru_cache(maxsize=32)
def page_svg(dot: str, alt: str = "", min_text_px: float = MIN_TEXT_PX) -> str:
    """HTML showing the laid-out SVG: as wide as the column allows, never shrunk so far that
    its smallest text is under `min_text_px` (then the box scrolls), never enlarged.

    An <img> with a data: URI, because Streamlit's HTML sanitiser drops inline <svg>; the
    SVG inside still renders its text with the browser's fonts."""
    svg = render(dot, "svg")
    lay = layout(dot)
    natural_px = lay.width * 96 / 72
    smallest_pt = min(lay.font_sizes, default=14.0)
    smallest = smallest_pt * 96 / 72
    floor_px = natural_px * min(1.0, min_text_px / smallest) if smallest else natural_px
    data = base64.b64encode(svg).decode("ascii")
    return ('<div class="handbook-diagram" style="overflow:auto;max-height:85vh">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}" '
            f'data-width-pt="{lay.width:.1f}" data-min-font-pt="{smallest_pt:g}" '
            f'style="display:block;width:100%;min-width:{floor_px:.0f}px;'
            f'max-width:{natural_px:.0f}px;height:auto"></div>')
