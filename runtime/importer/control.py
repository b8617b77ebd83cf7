"""编制 / 审核 / 批准 lines (and 文件编号 / 版本) → the drafts' document-control header.

    编制：张丽    审核：王强    批准：
    → drafted-by 张丽, reviewed-by 王强, approved-by pending (empty)

A key with nothing after it is *pending* (the rule language's empty value); a key the source
does not have stays as the importer writes it (drafted-by importer, the others pending).
"""

from __future__ import annotations

import re

from runtime.importer.core import Context

KEYS = {"编制": "drafted-by", "编写": "drafted-by", "拟制": "drafted-by", "拟稿": "drafted-by",
        "审核": "reviewed-by", "审查": "reviewed-by", "复核": "reviewed-by",
        "批准": "approved-by", "审批": "approved-by", "核准": "approved-by", "签发": "approved-by"}
_KEY_ALT = "|".join(KEYS)
_FIELD_RE = re.compile(r"(?P<key>" + _KEY_ALT + r")(?:人)?[ \t\u3000]*[:：][ \t\u3000]*"
                       r"(?P<value>[^\s:：]{0,20}?)(?=[ \t\u3000]|$|" + _KEY_ALT + r")", re.M)
_NUMBER_RE = re.compile(r"(?P<key>文件编号|文件编码|编号|版本号?|版次|受控状态|生效日期)"
                        r"[ \t\u3000]*[:：]"
                        r"[ \t\u3000]*(?P<value>[^\s:：]{1,30})")


def _line_spans(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def extract_control(ctx: Context) -> dict[str, str]:
    """Read 编制/审核/批准 lines into ctx.document_control; returns 文件编号/版本 found with them.

    Only a line (or table row) naming at least two of the three keys counts, so a duty that
    says "负责审核: 各类报表" is not read as document control.
    """
    text = ctx.text
    extra: dict[str, str] = {}
    for lo, hi in _line_spans(text):
        fields = list(_FIELD_RE.finditer(text, lo, hi))
        if len({KEYS[m["key"]] for m in fields}) < 2:
            numbers = list(_NUMBER_RE.finditer(text, lo, hi))
            rest = _NUMBER_RE.sub("", text[lo:hi]).strip()
            if numbers and not rest:
                # 文件编号：KF-02-003  版本：A/1 — a line of document identifiers only.
                for m in numbers:
                    extra[m["key"]] = ctx.source[m.start("value"):m.end("value")]
                ctx.place(lo, hi, "header", None, "description")
            continue
        for m in fields:
            value = ctx.source[m.start("value"):m.end("value")].strip()
            ctx.document_control[KEYS[m["key"]]] = value or None
        ctx.place(lo, hi, "header", None, "document-control")
    return extra
