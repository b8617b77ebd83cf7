"""Three-way merge of rule files, for rebasing a draft onto a newer live version.

`merge3(base, ours, theirs)` merges line by line: a region changed on one side only takes that
side; the same change on both sides is taken once; different changes to overlapping regions are
a conflict, reported with both texts (nothing is guessed). `merge_trees` applies it to every file
of two trees against their common base, including files added or deleted on either side.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

# A change of the base: lines [start, end) of the base replaced by `lines`.
Hunk = tuple[int, int, list[str]]


@dataclass(frozen=True)
class MergeConflict:
    """Overlapping changes in one file: the base region and what each side made of it."""

    path: str
    base: str
    ours: str
    theirs: str
    line: int = 0  # 1-based line of the region in the base (0: the whole file)

    def diff(self) -> str:
        """Their change against ours, as a unified diff (what the editor shows)."""
        return "".join(difflib.unified_diff(
            self.theirs.splitlines(keepends=True), self.ours.splitlines(keepends=True),
            fromfile=f"live/{self.path}", tofile=f"draft/{self.path}"))


@dataclass
class TreeMerge:
    """What a tree merge produced: path → text (None = deleted), and the conflicts."""

    files: dict[str, str | None] = field(default_factory=dict)
    conflicts: list[MergeConflict] = field(default_factory=list)


def _hunks(base: list[str], other: list[str]) -> list[Hunk]:
    matcher = difflib.SequenceMatcher(a=base, b=other, autojunk=False)
    out: list[Hunk] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            # Line for line: two sides that changed neighbouring lines (a title here, the
            # version there) do not clash, and the same line changed alike is taken once.
            out += [(i1 + k, i1 + k + 1, [other[j1 + k]]) for k in range(i2 - i1)
                    if base[i1 + k] != other[j1 + k]]
        else:
            out.append((i1, i2, other[j1:j2]))
    return out


def _overlaps(a: Hunk, b: Hunk) -> bool:
    """Whether two changes touch the same base lines (or insert at the same place)."""
    if a[0] < b[1] and b[0] < a[1]:
        return True
    # An insertion at the edge of (or at the same point as) another change has no single right
    # position, so it is a conflict rather than a guess.
    if a[0] == a[1] and b[0] <= a[0] <= b[1]:
        return True
    return b[0] == b[1] and a[0] <= b[0] <= a[1]


def merge3(base: str, ours: str, theirs: str, path: str = "") -> tuple[str, list[MergeConflict]]:
    """Merge `ours` and `theirs`, both derived from `base`; conflicts keep ours in the text."""
    if ours == theirs or theirs == base:
        return ours, []
    if ours == base:
        return theirs, []
    b = base.splitlines(keepends=True)
    mine, yours = _hunks(b, ours.splitlines(keepends=True)), _hunks(b, theirs.splitlines(
        keepends=True))
    conflicts: list[MergeConflict] = []
    taken: list[Hunk] = list(mine)
    for h in yours:
        clash = [m for m in mine if _overlaps(m, h)]
        if not clash:
            taken.append(h)
            continue
        if len(clash) == 1 and clash[0] == h:
            continue  # the same change on both sides
        lo, hi = min([h[0]] + [c[0] for c in clash]), max([h[1]] + [c[1] for c in clash])
        conflicts.append(MergeConflict(
            path, "".join(b[lo:hi]),
            "".join(_apply(b[lo:hi], [(c[0] - lo, c[1] - lo, c[2]) for c in clash])),
            "".join(_apply(b[lo:hi], [(h[0] - lo, h[1] - lo, h[2])])), lo + 1))
    return "".join(_apply(b, taken)), conflicts


def _apply(base: list[str], hunks: list[Hunk]) -> list[str]:
    out: list[str] = []
    at = 0
    for start, end, lines in sorted(hunks, key=lambda h: (h[0], h[1])):
        if start < at:
            continue  # an overlapping hunk already applied (only in conflict previews)
        out += base[at:start] + lines
        at = end
    return out + base[at:]


def _texts(root: Path, label: str) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {f"{label}/{p.relative_to(root).as_posix()}": p.read_text(encoding="utf-8",
                                                                      errors="replace")
            for p in sorted(root.rglob("*")) if p.is_file()}


def tree_texts(rules: Path, forms: Path) -> dict[str, str]:
    """Every file of a rules + forms tree by its `rules/…` / `forms/…` path."""
    return {**_texts(rules, "rules"), **_texts(forms, "forms")}


def merge_trees(base: dict[str, str], ours: dict[str, str],
                theirs: dict[str, str]) -> TreeMerge:
    """Merge two trees against their base; `files` holds only what differs from `ours`."""
    out = TreeMerge()
    for path in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(path), ours.get(path), theirs.get(path)
        if o == t or t == b:
            continue  # nothing new from the live side
        if o == b:
            out.files[path] = t  # only the live side changed it (or deleted it)
            continue
        if o is None or t is None:
            out.conflicts.append(MergeConflict(path, b or "", o or "", t or ""))
            continue
        text, conflicts = merge3(b or "", o, t, path)
        out.conflicts += conflicts
        if not conflicts:
            out.files[path] = text
    return out
