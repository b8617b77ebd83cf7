"""UI strings of document control and the one check (runtime/versions/control.py, gate.py)."""

from __future__ import annotations


def _s(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


CATALOG: dict[str, dict[str, str]] = {
    "control.action.submit": _s("提交审核 (编制)", "submit (draft)"),
    "control.action.review": _s("审核", "review"),
    "control.action.approve": _s("批准", "approve"),
    "control.action.publish": _s("发布", "publish"),
    "control.action.reject": _s("退回", "send back"),
    "control.action.withdraw": _s("撤回", "withdraw"),
    "control.step.submit": _s("编制", "Drafted"),
    "control.step.review": _s("审核", "Reviewed"),
    "control.step.approve": _s("批准", "Approved"),
    "control.step.publish": _s("发布", "Published"),
    "control.denied.role": _s(
        "{user} 不能{action}: 公司文件控制规定由以下岗位{action}: {roles}。",
        "{user} may not {action}: company document control names {roles}."),
    "control.denied.company_role": _s(
        "{user} 不能{action}: 此草稿修改了公司通用规则, 须由公司级岗位{action}: {roles}。",
        "{user} may not {action}: this draft changes company rules, which company-level roles "
        "must {action}: {roles}."),
    "control.denied.company_level": _s(
        "{user} 是管理处 ({property}) 的账号, 不能{action}: 此草稿修改了公司通用规则 "
        "(影响所有管理处), 须由公司级账号办理。",
        "{user} is an account of property {property} and may not {action}: this draft changes "
        "company rules (every property), which company-level accounts decide."),
    "control.denied.other_property": _s(
        "{user} 不能{action}: 此草稿修改了本管理处以外的规则 ({properties})。",
        "{user} may not {action}: this draft changes rules beyond the user's own property "
        "({properties})."),
    "control.denied.same_person.draft": _s(
        "{user} 编制了此草稿, 不能再{action} (编制、审核、批准须由不同的人完成)。",
        "{user} drafted this draft and may not {action} it too (drafting, review and approval "
        "are done by different people)."),
    "control.denied.same_person.review": _s(
        "{user} 审核了此草稿, 不能再{action} (审核与批准须由不同的人完成)。",
        "{user} reviewed this draft and may not {action} it too (review and approval are done "
        "by different people)."),
    "control.denied.scope_company": _s(
        "{user} 是管理处 ({property}) 的账号, 只能修改本管理处的文件; {file} 是公司通用规则。",
        "{user} is an account of property {property} and may change only that property's "
        "files; {file} is a company rule."),
    "control.denied.scope_other": _s(
        "{user} 是管理处 ({property}) 的账号, 只能修改本管理处的文件; {file} 属于 {owner}。",
        "{user} is an account of property {property} and may change only that property's "
        "files; {file} belongs to {owner}."),
    "control.denied.state": _s("草稿当前为「{state}」, 不能{action}。",
                               "The draft is {state}: {action} is not possible now."),
    "control.affects": _s("影响: {properties}", "Affects: {properties}"),
    "control.affects.company": _s("修改公司通用规则", "changes company rules"),
    "control.has_errors": _s("有错误", "has errors"),
    "control.header": _s("{step}: {name} ({role}) {at}", "{step}: {name} ({role}) {at}"),
    "control.warnings_only": _s("没有错误, {n} 条警告:", "No errors, {n} warning(s):"),
    "control.open_line": _s("打开第{line}行", "Open line {line}"),
    "control.saved_with_errors": _s(
        "已保存到草稿「{draft}」, 但草稿有错误 ({n} 个, 见下): 有错误的草稿不能提交审核。",
        "Saved to draft “{draft}”, but the draft has errors ({n}, below): a draft with errors "
        "cannot be submitted."),
    "control.draft_errors": _s("有错误: 此草稿有 {n} 个错误, 改正前不能提交审核。",
                               "Has errors: this draft has {n} error(s) and cannot be submitted "
                               "until they are fixed."),
    "control.line_focus": _s("定位到第 {line} 行 (预览中以 ▶ 标出)。",
                             "Line {line} (marked ▶ in the preview)."),
    "control.steps": _s("编制 / 审核 / 批准", "Drafted / reviewed / approved"),
}
