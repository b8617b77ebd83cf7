"""Form mentions 《…》: a reference to a known form, a new draft form, or a cited document.

Handbooks put every document title in 《》: forms (《周工作信息表》, 《装修许可证》) but also
regulations and flowcharts (《指挥中心管理制度》, 《消防报警流程图》). Only titles that name a
record to fill in become form references; the others are noted as cited documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from runtime.importer.naming import Registry

_MENTION_RE = re.compile(r"《(?P<title>[^《》\n]{1,40})》")
FORM_SUFFIXES = ("表", "单", "证", "卡", "簿", "本", "册", "记录", "报告", "月报", "周报", "通知",
                 "通知书", "协议书", "协议", "台账", "清单", "登记", "申请", "日志", "档案")
DOCUMENT_SUFFIXES = ("制度", "规定", "流程图", "流程", "规程", "程序", "办法", "标准", "手册",
                     "方案", "细则", "规范", "守则", "指引", "指南", "法", "条例", "合同")


@dataclass(frozen=True)
class Mention:
    """A 《…》 mention: its span, the title inside and what it names."""

    start: int
    end: int
    title: str
    kind: Literal["form", "document"]


def classify(title: str) -> Literal["form", "document"]:
    """`form` for records to fill in (…表, …单, …证, …记录); `document` for the rest."""
    t = re.sub(r"[(（][^)）]*[)）]", "", title).strip()
    if t.endswith(DOCUMENT_SUFFIXES):
        return "document"
    return "form" if t.endswith(FORM_SUFFIXES) else "document"


def find_mentions(text: str, lo: int = 0, hi: int | None = None) -> list[Mention]:
    """Every 《…》 in text[lo:hi]."""
    hi = len(text) if hi is None else hi
    return [Mention(m.start(), m.end(), m["title"].strip(), classify(m["title"]))
            for m in _MENTION_RE.finditer(text, lo, hi) if m["title"].strip()]


def draft_form(title: str) -> dict[str, Any]:
    """The body of a draft form for a title the tree does not know: date, content, recorder."""
    return {
        "description": f"导入时新建的表单草稿: 原文提及《{title}》。请按原表补充字段。",
        "schema": {
            "type": "object",
            "required": ["content"],
            "properties": {
                "recorded_at": {"type": "string", "format": "date-time", "title": "日期"},
                "content": {"type": "string", "title": "内容", "minLength": 1},
                "recorded_by": {"type": "string", "title": "记录人"},
            },
        },
    }


@dataclass
class FormRefs:
    """Resolves form titles to ids, creating draft forms for unknown ones (once per title)."""

    registry: Registry
    created: dict[str, str]  # id → title of the draft forms created

    def resolve(self, title: str) -> str:
        """The id of the form titled `title`, creating a draft form when none is known."""
        found = self.registry.find_form(title)
        if found:
            return found
        fid = self.registry.allocate("form", title, "form")
        self.registry.new_forms[title] = fid
        self.created[fid] = title
        return fid
