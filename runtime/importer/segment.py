"""Headings and numbered items of Chinese handbook text, with exact character positions.

Handbook text often arrives as one long line (copied out of a PDF or a web page), so markers are
found anywhere in the text, not only at line starts, and a marker is believed only when its
number continues the list it belongs to: `3、` is an item after `2.` (both Arabic-numbered), a
`二、` heading after `一、`. A list may skip one number (a handbook's missing item 4), restart at
1 (a table of contents, then the chapters), and a number glued to a page number (`28)` after
item 7) is read as item 8 with the stray digit reported.

Marker classes, outermost first as they usually nest:
  part 第一部分, chapter 第一章, section 第一节   cnum  一、 二、   pcnum  (一) （二）
  dec1     1.0 2.0 (followed by a title)   dec2  3.1 4.2   dec3  4.2.1
  arabic   1、 1. 1．      paren  1) 1）1)、     pparen  (1) （1）
  circled  ① ②            alpha  a) b)          dash  —— at the start of a line
  article  第一条 第二条 (articles of a regulation: items)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# 第一部分 / 第一章 / 第一节 are three lists (a 第二部分 after 第二章 is not "章 4").
HEADING_CLASSES = ("part", "chapter", "section", "cnum", "pcnum", "dec1", "dec2", "dec3")
ITEM_CLASSES = ("article", "arabic", "paren", "pparen", "circled", "alpha", "dash")
ALL_CLASSES = HEADING_CLASSES + ITEM_CLASSES

# Characters that carry no content of their own: separators between items, bullets, spaces.
LAYOUT_CHARS = set(
    " \t\r\n\u3000\xa0•·●◆■□▪►、，,。.．;；:：!！?？…—–-_|/\\()（）[]【】\"'“”‘’<>《》"
)
_BOUNDARY = set("\n\r。；;：:!！?？•·●◆■▪►)）.．」”\"' \t\u3000")

CN_NUM = "一二三四五六七八九十"
_MARKER_RE = re.compile(
    r"(?P<chapter>第(?P<chapter_n>[一二三四五六七八九十百零〇\d]{1,4})(?P<unit>[章部篇节条])(?:分)?)"
    r"|(?P<pcnum>[(（](?P<pcnum_n>[一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾]{1,3})[)）]、?)"
    r"|(?P<cnum>(?<![一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾第\d])"
    r"(?P<cnum_n>[一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾]{1,3})、)"
    r"|(?P<dec>(?<![\d.．])(?P<dec_n>\d{1,2}(?:[.．]\d{1,2}){1,2})(?![\d.．%％]))"
    r"|(?P<pparen>[(（](?P<pparen_n>\d{1,3})[)）]、?)"
    r"|(?P<paren>(?<![\d(（.．/\-])(?P<paren_n>\d{1,3})[)）]、?)"
    r"|(?P<arabic>(?<![\d/\-第])(?<!\d[.．])(?P<arabic_n>\d{1,3})(?:[、]|[.．](?![\d.．])))"
    r"|(?P<circled>[①-⑳])"
    r"|(?P<alpha>(?<![A-Za-z])(?P<alpha_n>[a-h])[)）])"
    r"|(?P<dash>(?:(?<=\n)|^)[ \t\u3000]*(?:——|—|－|-)(?=[^\s—\-]))",
    re.MULTILINE,
)

# "1.24小时内处理": item 1 whose text starts with a number. Only believed at a line or sentence
# start (not "收费1.5元") and, like every marker, only when 1 fits its list.
_ARABIC_BEFORE_DIGIT_RE = re.compile(r"(?<![\d/\-第.．])(?P<n>\d{1,3})[.．](?=\d)")

_OUTER = ("part", "chapter", "section")  # 第N部分/章/节: distinctive enough to open a level

NodeKind = Literal["heading", "item", "text"]


@dataclass
class Marker:
    """A numbering marker found in the text."""

    start: int
    end: int
    cls: str
    number: int
    depth: int = 0
    gap: bool = False  # this number skipped one (a missing item in the source)

    @property
    def heading(self) -> bool:
        """True for heading classes (一、 第一章 1.0 3.1)."""
        return self.cls in HEADING_CLASSES


@dataclass
class Node:
    """A heading, a numbered item or a run of plain text, located by character offsets.

    `start..end` is the node's own text including its marker (children excluded);
    `body_start..end` is the text after the marker (for headings: after the title).
    """

    kind: NodeKind
    start: int
    end: int
    body_start: int
    cls: str = ""
    number: int | None = None
    depth: int = 0
    title_start: int = 0
    title_end: int = 0
    gap: bool = False
    children: list[Node] = field(default_factory=list)

    def marker(self, text: str) -> str:
        """The marker as written (`3、`, `二、`, `4.2.1`)."""
        end = self.title_start if self.kind == "heading" else self.body_start
        return text[self.start:end].strip() if self.kind != "text" else ""

    def title(self, text: str) -> str:
        """A heading's title (empty for items and text)."""
        return clean(text[self.title_start:self.title_end]) if self.kind == "heading" else ""

    def body(self, text: str) -> str:
        """The node's own text after its marker and title."""
        return clean(text[self.body_start:self.end])

    @property
    def subtree_end(self) -> int:
        """End of the node with all its descendants."""
        return max([self.end, *(c.subtree_end for c in self.children)])

    def walk(self) -> list[Node]:
        """This node and every descendant, in text order."""
        out = [self]
        for c in self.children:
            out.extend(c.walk())
        return out


@dataclass
class Segmented:
    """The result of segmenting a span: nodes, strays (page-number digits) and gaps."""

    roots: list[Node]
    strays: list[tuple[int, int]]
    lo: int
    hi: int

    def walk(self) -> list[Node]:
        """Every node in text order."""
        out: list[Node] = []
        for r in self.roots:
            out.extend(r.walk())
        return out


def clean(s: str) -> str:
    """Strip layout from both ends of a passage (spaces, bullets, stray separators)."""
    return s.strip(" \t\r\n\u3000\xa0•·●◆■▪►:：;；,，、.．")


def is_layout(s: str) -> bool:
    """True when a passage holds no content: only spaces, bullets and punctuation."""
    return all(ch in LAYOUT_CHARS for ch in s)


def _number(cls: str, raw: str) -> int | None:
    from runtime.importer.phrases import cn_int

    if cls == "circled":
        return ord(raw) - ord("①") + 1
    if cls == "alpha":
        return ord(raw) - ord("a") + 1
    if cls == "dash":
        return 0
    return cn_int(raw)


def _at_boundary(text: str, pos: int, lo: int) -> bool:
    return pos <= lo or text[pos - 1] in _BOUNDARY


def find_markers(text: str, lo: int, hi: int, classes: tuple[str, ...]) -> list[Marker]:
    """Every candidate marker of the given classes in text[lo:hi] (not yet sequence-checked)."""
    out: list[Marker] = []
    for m in _MARKER_RE.finditer(text, lo, hi):
        cls = next(c for c in ("chapter", "pcnum", "cnum", "dec", "pparen", "paren", "arabic",
                               "circled", "alpha", "dash") if m.group(c) is not None)
        start, end = m.start(cls), m.end(cls)
        if cls == "dec":
            raw = m["dec_n"].replace("．", ".")
            parts = raw.split(".")
            follow = text[end:end + 2].lstrip(" \t\u3000")[:1]
            if not _at_boundary(text, start, lo) or not follow or not (
                "\u4e00" <= follow <= "\u9fff" or follow in "《“「("
            ):
                continue
            if parts[-1] == "0" and len(parts) == 2:
                cls, number = "dec1", int(parts[0])
            else:
                cls, number = f"dec{len(parts)}", int(parts[-1])
            if number == 0:
                continue
        elif cls == "dash":
            start = end - len(m.group(cls).lstrip(" \t\u3000"))
            number = 0
        else:
            raw = m.group(f"{cls}_n") if cls not in ("circled",) else m.group(cls)
            n = _number(cls, raw)
            if n is None or n == 0:
                continue
            number = n
            if cls == "alpha" and not _at_boundary(text, start, lo):
                continue
            if cls == "chapter":
                cls = {"部": "part", "篇": "part", "节": "section",
                       "条": "article"}.get(m["unit"], "chapter")
        if cls not in classes:
            continue
        out.append(Marker(start, end, cls, number))
    if "arabic" in classes:
        for m in _ARABIC_BEFORE_DIGIT_RE.finditer(text, lo, hi):
            if _at_boundary(text, m.start(), lo) and int(m["n"]) > 0:
                out.append(Marker(m.start(), m.end(), "arabic", int(m["n"])))
        # Stable sort: at one position the decimal reading is tried first.
        out.sort(key=lambda mk: mk.start)
    return out


def _strip_page_number(text: str, c: Marker, wanted: tuple[int, ...],
                       strays: list[tuple[int, int]]) -> bool:
    """Read "71)" as item 1 after a page number 7 when 1 is what the list wants next."""
    digits = text[c.start:c.end]
    lead = len(digits) - len(digits.lstrip("0123456789"))
    for k in range(1, lead):
        if int(digits[k:lead]) in wanted:
            strays.append((c.start, c.start + k))
            c.start += k
            c.number = int(digits[k:lead])
            return True
    return False


def accept(text: str, cands: list[Marker]) -> tuple[list[Marker], list[tuple[int, int]]]:
    """Keep the markers whose numbers continue their lists; returns (accepted, stray spans)."""
    stack: list[list[object]] = []  # [cls, last number]
    accepted: list[Marker] = []
    strays: list[tuple[int, int]] = []
    for c in cands:
        if accepted and c.start < accepted[-1].end:
            continue
        idx = next((i for i, (cls, _) in enumerate(stack) if cls == c.cls), None)
        n = c.number
        if c.cls == "dash":
            # Dashes carry no number: each one is the next item of its list.
            if idx is None:
                stack.append(["dash", 0])
                idx = len(stack) - 1
            del stack[idx + 1:]
            c.depth = idx
            accepted.append(c)
            continue
        if idx is not None:
            last = int(str(stack[idx][1]))
            fits = n in (last + 1, last + 2) or n == 1
            if not fits:
                # A page number glued to the marker: "28)" after item 7 is item 8.
                fits = _strip_page_number(text, c, (last + 1, last + 2), strays)
                n = c.number
            if not fits:
                continue
            c.gap = n == last + 2
            del stack[idx + 1:]
            stack[idx][1] = n
            c.depth = idx
        else:
            outer = c.cls in _OUTER and all(
                str(cls) not in HEADING_CLASSES
                or HEADING_CLASSES.index(str(cls)) > HEADING_CLASSES.index(c.cls)
                for cls, _ in stack)
            if outer:
                # 第二部分 after 第二章: a part whose first one lies outside this text.
                stack.clear()
            elif n != 1 and stack and not _strip_page_number(text, c, (1,), strays):
                continue
            n = c.number
            if c.heading:
                # A new heading style nests under the last heading, never under an item.
                keep = 0
                for i, (cls, _) in enumerate(stack):
                    if cls in HEADING_CLASSES:
                        keep = i + 1
                del stack[keep:]
            stack.append([c.cls, n])
            c.depth = len(stack) - 1
        accepted.append(c)
    return accepted, strays


def _sentence_cut(text: str, a: int, b: int) -> int:
    """Where the last item of a list ends when more text follows it before the next marker.

    Multi-line text: at the first line break after a sentence end (or a blank line); a wrapped
    line that ends mid-sentence continues the item. One-line text: after the first 。 that more
    text follows. The rest belongs to the enclosing section.
    """
    seg = text[a:b]
    if "\n" in seg.strip():
        for m in re.finditer(r"\n", seg):
            before, after = seg[:m.start()].rstrip(), seg[m.end():]
            if is_layout(after):
                break
            ends = before.endswith(("。", "；", ";", "！", "!", "？", "?"))
            if ends or re.match(r"[ \t]*\n", after):
                return a + m.start()
        return b
    for m in re.finditer("。", seg):
        if not is_layout(seg[m.end():]):
            return a + m.end()
    return b


def build(text: str, lo: int, hi: int, markers: list[Marker],
          strays: list[tuple[int, int]] | None = None) -> list[Node]:
    """Nodes from accepted markers: each runs to the next marker; trailing text of a list's last
    item becomes a text node of the enclosing level."""
    roots: list[Node] = []
    stack: list[Node] = []
    if markers and not is_layout(text[lo:markers[0].start]):
        roots.append(Node("text", lo, markers[0].start, lo, depth=-1))
    elif not markers and not is_layout(text[lo:hi]):
        roots.append(Node("text", lo, hi, lo, depth=-1))
    stray_at = {b: a for a, b in strays or []}
    for i, mk in enumerate(markers):
        nxt = markers[i + 1] if i + 1 < len(markers) else None
        end = nxt.start if nxt else hi
        end = stray_at.get(end, end)  # a page number glued to the next marker is no one's
        kind: NodeKind = "heading" if mk.heading else "item"
        node = Node(kind, mk.start, end, mk.end, mk.cls, mk.number or None, mk.depth,
                    title_start=mk.end, title_end=mk.end, gap=mk.gap)
        while stack and stack[-1].depth >= mk.depth:
            stack.pop()
        parent = stack[-1] if stack else None
        (parent.children if parent else roots).append(node)
        stack.append(node)
        last_of_list = nxt is None or nxt.depth < mk.depth
        if kind == "item" and last_of_list:
            cut = _sentence_cut(text, mk.end, end)
            if cut < end and not is_layout(text[cut:end]):
                node.end = cut
                rest = Node("text", cut, end, cut, depth=mk.depth)
                (parent.children if parent else roots).append(rest)
    return roots


def segment(text: str, lo: int = 0, hi: int | None = None,
            classes: tuple[str, ...] = ALL_CLASSES) -> Segmented:
    """Segment text[lo:hi] into headings, items and text nodes."""
    hi = len(text) if hi is None else hi
    accepted, strays = accept(text, find_markers(text, lo, hi, classes))
    roots = build(text, lo, hi, accepted, strays)
    result = Segmented(roots, strays, lo, hi)
    assign_titles(text, result)
    return result


# ---------------------------------------------------------------------------- heading titles

ROLE_SUFFIX = (r"(?:主要职责与权限|岗位职责与权限|职责与权限|岗位职责|岗位管理职能|岗位职能"
               r"|岗位规范|主要职责|工作职责)")
PROCEDURE_HEADINGS = ("目的", "适用范围", "范围", "职责", "工作程序", "程序", "工作流程", "流程",
                      "质量记录", "记录", "相关文件", "支持性文件", "引用文件", "定义", "术语")
_ROLE_TITLE_RE = re.compile(r"[^\n。；;：:]{1,30}?" + ROLE_SUFFIX)
MAX_TITLE = 30
_ROLE_FIELD_RE = re.compile(r"(?:直接上级|直接下级|管理级别|所属部门|定编|任职资格)\s*[:：]")


def _title_end(text: str, a: int, b: int, known: set[str]) -> int:
    seg = text[a:b]
    stripped = seg.lstrip(" \t\u3000")
    off = a + len(seg) - len(stripped)
    nl = stripped.find("\n")
    if 0 < nl <= 60 or (nl == -1 and "\n" in text[b:b + 1]):
        line_end = off + (nl if nl > 0 else len(stripped))
        colon = re.search(r"[:：]", text[off:line_end])
        return off + colon.start() if colon and colon.start() > 0 else line_end
    field = _ROLE_FIELD_RE.search(stripped[:MAX_TITLE + 6])
    if field and field.start() > 0:
        return off + field.start()  # 客服主管直接上级:… — the role's fields follow its title
    m = _ROLE_TITLE_RE.match(stripped)
    if m and len(m.group(0)) <= MAX_TITLE:
        return off + m.end()
    for title in sorted(known, key=len, reverse=True):
        if stripped.startswith(title):
            return off + len(title)
    for word in PROCEDURE_HEADINGS:
        if stripped.startswith(word) and (len(stripped) == len(word)
                                          or stripped[len(word)] in " \t:：\n"):
            return off + len(word)
    colon = re.search(r"[:：]", stripped[:MAX_TITLE + 1])
    if colon and colon.start() > 0:
        return off + colon.start()
    body = stripped.rstrip()
    if len(body) <= MAX_TITLE:
        return off + len(body)
    return off  # no recognisable end: everything is body (reported if not placed)


def assign_titles(text: str, seg: Segmented) -> None:
    """Split each heading's own text into title and body."""
    headings = [n for n in seg.walk() if n.kind == "heading"]
    # Short headings followed directly by another heading (a contents list) teach us titles
    # that a one-line text otherwise gives no end for.
    contents = {clean(text[n.title_start:n.end]) for n in headings}
    known = {c for c in contents if c and len(c) <= MAX_TITLE
             and any(o != c and o.startswith(c) for o in contents)}
    for n in headings:
        n.title_end = _title_end(text, n.title_start, n.end, known)
        n.body_start = n.title_end
