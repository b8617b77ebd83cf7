"""Read back the flowchart DOT the app builds: edges with their labels, merges resolved."""

from __future__ import annotations

import re

_NODE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" \[(.*)\];$')
_EDGE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)"(?: \[(.*)\])?;$')
_LABEL = re.compile(r'(?<![a-z])label="((?:[^"\\]|\\.)*)"')


def norm(text: str) -> str:
    """Label text without line breaks and spaces: wrapping drops the space it breaks at."""
    return text.replace("\\n", "").replace("\n", "").replace(" ", "")


def _label(attrs: str | None) -> str:
    found = _LABEL.search(attrs or "")
    return norm(found.group(1)) if found else ""


def flow_edges(dot: str) -> set[tuple[str, str, str]]:
    """(from, to, norm(label)) of every solid transition; an edge through a merge label node
    counts as one edge from each source to the step, carrying the merge node's label."""
    merge_label: dict[str, str] = {}
    raw: list[tuple[str, str, str, str]] = []
    for line in dot.splitlines():
        if e := _EDGE.match(line):
            raw.append((e.group(1), e.group(2), _label(e.group(3)), e.group(3) or ""))
        elif (n := _NODE.match(line)) and n.group(1).startswith("merge:"):
            merge_label[n.group(1)] = _label(n.group(2))
    into = {src: dst for src, dst, _, _ in raw if src in merge_label}
    out = set()
    for src, dst, label, attrs in raw:
        if src in merge_label or "dashed" in attrs:
            continue
        if dst in merge_label:
            out.add((src, into[dst], merge_label[dst]))
        else:
            out.add((src, dst, label))
    return out
