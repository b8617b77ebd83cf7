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
    # import page (runtime/ui/pages/import_ui.py)
    "app.import.nothing": _s("未识别出任何岗位、作业规程或工作行程 (内容 {chars} 字均未归类)。"
                             "以下是最长的未归类段落:",
                             "Nothing recognised: no role, procedure or schedule found (none of "
                             "the {chars} content characters placed). The largest unplaced "
                             "passages:"),
    "app.import.at": _s("第 {line} 行第 {col} 列", "line {line}, column {col}"),
    "app.import.coverage": _s("已归类 {placed} / {chars} 字, 未归类段落 {passages} 处",
                              "Placed {placed} of {chars} content characters; {passages} "
                              "unplaced passage(s)"),
    "app.import.less_than_half": _s("只归类了 {placed} / {chars} 字 (不到一半): 大部分内容在下面的"
                                    "未归类段落中。",
                                    "Placed only {placed} of {chars} content characters (less "
                                    "than half): most of the source is in the unplaced passages "
                                    "below."),
    "app.import.unplaced_title": _s("未归类的段落", "Unplaced passages"),
    "app.import.col.line": _s("行", "Line"),
    "app.import.col.col": _s("列", "Column"),
    "app.import.col.reason": _s("原因", "Reason"),
    "app.import.col.chars": _s("字数", "Characters"),
    "app.import.col.text": _s("原文", "Text"),
    "app.import.notes": _s("导入说明 ({n} 条)", "Notes ({n})"),
    "app.import.progress.normalise": _s("正在读取与规范化文本…", "Reading and normalising…"),
    "app.import.progress.segment": _s("正在切分标题与编号…", "Finding headings and numbers…"),
    "app.import.progress.roles": _s("正在识别岗位…", "Recognising roles…"),
    "app.import.progress.procedures": _s("正在识别作业规程…", "Recognising procedures…"),
    "app.import.progress.drafts": _s("正在生成草稿…", "Writing drafts…"),
    "app.import.progress.done": _s("完成", "Done"),
}
