"""Text for recognition: Traditional → Simplified, character by character, and noise blanked.

The recognisers (headings, role suffixes, phrases, the lexicon) are written in Simplified
Chinese; a Traditional handbook (物業客服中心助理職責) is recognised through OpenCC's t2s
table. The conversion is done one character at a time so every offset stays the same: the
recognisers read the converted text, the drafts take their words from the source as written.

Noise — web-page boilerplate (首页 > …, 上一篇：…, 版权所有), page numbers (- 1 -, 第 2 页 共 3 页),
a contents list's dot leaders and page numbers, and page headers repeated down the text — is
blanked (replaced by spaces, line breaks kept) before recognition and reported afterwards with
its position and reason, never dropped.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

_ITEM_START = re.compile(r"^\s*(?:\d{1,3}\s*[、.．)）]"
                         r"|[(（]\s*[\d一二三四五六七八九十]{1,3}\s*[)）]"
                         r"|[①-⑳]|第[一二三四五六七八九十百\d]+[条章节]|[一二三四五六七八九十]{1,3}、)")


@functools.cache
def _converter() -> object | None:
    try:
        from opencc import OpenCC
    except ModuleNotFoundError:  # pragma: no cover - a dependency; without it: no conversion
        return None
    return OpenCC("t2s")


@functools.lru_cache(maxsize=8192)
def _char(ch: str) -> str:
    cc = _converter()
    if cc is None or ch.isascii():
        return ch
    out = cc.convert(ch)  # type: ignore[attr-defined]
    return out if len(out) == 1 else ch


# Frequent Traditional-only characters of duty lists: enough to tell a Traditional handbook
# when OpenCC itself is missing (an install that skipped the dependency).
_TRADITIONAL_HINTS = set("職責業務處員經負時區戶來電話檔與為會證領導規範據辦職條節崗級設備")


def converter_missing(text: str) -> bool:
    """True when `text` looks Traditional but OpenCC is not installed to read it."""
    return _converter() is None and sum(ch in _TRADITIONAL_HINTS for ch in text) >= 3


def to_simplified(text: str) -> str:
    """`text` in Simplified characters, one for one (same length, same offsets)."""
    return "".join(_char(ch) for ch in text)


def is_traditional(text: str) -> bool:
    """True when converting changes a noticeable share of the Chinese characters."""
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    changed = sum(1 for ch in han if _char(ch) != ch)
    return bool(han) and changed >= max(2, len(han) // 50)


@dataclass(frozen=True)
class Noise:
    """A span of the source that is not handbook content, and why."""

    start: int
    end: int
    reason: str


WEB = "web-page boilerplate"
PAGE = "page number"
HEADER = "page header repeated down the text"
TOC = "table of contents (title, dot leaders and page numbers)"

_WEB_RE = re.compile(
    r"(?:当前位置|您的位置|你的位置|所在位置)\s*[:：]\s*首页(?:\s*[>＞»]\s*[^\s>＞»]+)*"
    r"|首页(?:\s*[>＞»]\s*[^\s>＞»]+)+"
    r"|(?:发布时间|发布日期|更新时间|发表时间)\s*[:：]\s*[\d\-/年月日: ]+\d"
    r"|(?:浏览次数|点击次数|阅读次数|浏览量|点击量|阅读量)\s*[:：]\s*\d+"
    r"|分享到\s*[:：][^\n]*?(?=\s*(?:上一篇|下一篇|版权所有)|\n|$)"
    r"|上一篇\s*[:：]\s*[^\n]*?(?=\s+下一篇|\s+版权所有|\n|$)"
    r"|下一篇\s*[:：]\s*\S+"
    r"|(?:版权所有|Copyright|©)[^\n]*"
    r"|[\u4e00-\u9fff]ICP[备证]\d+号(?:-\d+)?"
    r"|【?(?:打印本页|关闭窗口|返回顶部|收藏本页|打印|关闭)】"
    r"|【字体\s*[:：][^】]*】"
)
_PAGE_LINE_RE = re.compile(
    r"^[ \t\u3000]*(?:[-－—–]\s*\d{1,3}\s*[-－—–]|[·•]\s*\d{1,3}\s*[·•]|第\s*\d{1,3}\s*页"
    r"(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3}|Page\s+\d+(?:\s+of\s+\d+)?"
    r"|\d{1,3})[ \t\u3000]*$", re.M | re.I)
_TOC_TITLE_RE = re.compile(r"^[ \t\u3000]*目[ \t\u3000]*录[ \t\u3000]*$", re.M)
_TOC_LEADER_RE = re.compile(r"[ \t\u3000]*(?:[…\.·．]{3,}|[-－—]{4,})[ \t\u3000]*\d{1,3}"
                            r"[ \t\u3000]*$",
                            re.M)


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def find_noise(text: str) -> list[Noise]:
    """Noise spans of (Simplified) text, in text order, not overlapping."""
    found: list[Noise] = []
    found += [Noise(m.start(), m.end(), WEB) for m in _WEB_RE.finditer(text)]
    found += [Noise(m.start(), m.end(), PAGE) for m in _PAGE_LINE_RE.finditer(text)
              if m.group(0).strip()]
    found += [Noise(m.start(), m.end(), TOC) for m in _TOC_TITLE_RE.finditer(text)]
    found += [Noise(m.start(), m.end(), TOC) for m in _TOC_LEADER_RE.finditer(text)]
    lines = _lines(text)
    counts = Counter(" ".join(text[a:b].split()) for a, b in lines)
    for a, b in lines:
        key = " ".join(text[a:b].split())
        # A short line seen again and again that is no numbered item and no sentence: a page
        # header (company name, manual title) left in the text by a PDF or Word conversion.
        if (counts[key] >= 2 and 4 <= len(key) <= 40 and not _ITEM_START.match(key)
                and not key.endswith(("。", "；", ";", "：", ":"))):
            found.append(Noise(a, b, HEADER))
    found.sort(key=lambda n: (n.start, -n.end))
    out: list[Noise] = []
    for n in found:
        if out and n.start < out[-1].end:
            continue
        out.append(n)
    return out


def blank(text: str, noise: list[Noise]) -> str:
    """`text` with each noise span replaced by spaces (line breaks kept, offsets unchanged)."""
    chars = list(text)
    for n in noise:
        for i in range(n.start, n.end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


class Restorer:
    """Puts a value taken from the recognition text back into the source's own characters."""

    def __init__(self, source: str, recognised: str) -> None:
        self.source = source
        self.recognised = recognised
        self.same = source == recognised
        pairs: dict[str, set[str]] = {}
        for s, r in zip(source, recognised, strict=True):
            if s != r and r != " ":
                pairs.setdefault(r, set()).add(s)
        # A Simplified character written one way only in this source maps back to it.
        self.back = {r: next(iter(s)) for r, s in pairs.items() if len(s) == 1}

    def __call__(self, value: str) -> str:
        """`value` as written in the source (located by position when found there)."""
        if self.same or not value:
            return value
        pos = self.recognised.find(value)
        if pos >= 0:
            return "".join(self.source[i] if self.recognised[i] != " " or
                           self.source[i] == " " else " "
                           for i in range(pos, pos + len(value)))
        return "".join(self.back.get(ch, ch) for ch in value)
