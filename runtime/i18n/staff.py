"""UI strings of the staff workspace added after QA (runtime/ui/pages/staff.py)."""

from __future__ import annotations


def _s(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


CATALOG: dict[str, dict[str, str]] = {
    # why a case operation was refused (runtime.errors.CaseBlocked keys)
    "staff.blocked.closed": _s("案件 {number} 已结案，不能再办理。",
                               "Case {number} is closed; nothing more to do."),
    "staff.blocked.moved_on": _s("案件 {number} 已由他人办理到「{step}」，已显示最新内容。",
                                 "Case {number} has moved on to \"{step}\"; showing it now."),
    "staff.blocked.needs_record": _s("完成「{step}」前须先保存《{forms}》。",
                                     "Save the {forms} before completing \"{step}\"."),
    "staff.blocked.no_transition": _s("「{step}」没有适用的下一步，请核对所填内容。",
                                      "No next step applies to \"{step}\"; check the data."),
    "staff.blocked.reason": _s("请填写原因。", "Please give a reason."),
    "staff.blocked.first_step": _s("案件 {number} 处于第一步，没有可退回的步骤。",
                                   "Case {number} is at its first step; there is nothing to "
                                   "return it to."),
    "staff.comment_required": _s("请填写备注内容。", "Please write the comment."),
    "staff.conflict": _s("该案件刚被他人更新，已显示最新内容，请核对后重试。",
                         "Someone else has just updated this case; check the latest and try "
                         "again."),
    "staff.clock.breached": _s("已超时：{title}（期限 {due}）", "Overdue: {title} (due {due})"),
    # records linked to a case
    "staff.record.saved": _s("已保存《{form}》{number}。", "Saved {form} {number}."),
    "staff.records.title": _s("关联记录", "Linked records"),
    "staff.records.item": _s("《{form}》{number} · {when}", "{form} {number} · {when}"),
}
