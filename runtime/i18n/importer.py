"""UI strings of the role document parts of the duty card and of the import page."""

from __future__ import annotations


def _s(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


CATALOG: dict[str, dict[str, str]] = {
    # duty card: role document parts (runtime/ui/dutycard.py)
    "app.card.pending": _s("待定", "pending"),
    "app.card.version": _s("版本", "Version"),
    "app.card.drafted": _s("编制", "Drafted by"),
    "app.card.reviewed": _s("审核", "Reviewed by"),
    "app.card.approved": _s("批准", "Approved by"),
    "app.card.purpose": _s("目的", "Purpose"),
    "app.card.scope": _s("适用范围", "Scope"),
    "app.card.work_content": _s("工作内容", "Work content"),
    "app.card.work_item": _s("内容", "Item"),
    "app.card.routine": _s("工作流程", "Daily routine"),
    "app.card.routine_hint": _s("按先后顺序, 不规定钟点。", "In order, without clock times."),
    "app.card.references": _s("相关文件", "Related documents"),
}
