"""UI strings of the daily workspace (issue 12): sessions, people, confirmations, reports."""

from __future__ import annotations


def _s(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


CATALOG: dict[str, dict[str, str]] = {
    # people
    "ws.person": _s("{name}（{role}）", "{name} ({role})"),
    "ws.role.people": _s("{role} {people}", "{role} {people}"),
    "ws.people.more": _s(" 等 {n} 人", " and others ({n})"),
    "ws.users.phone": _s("电话", "Phone"),
    "ws.users.email": _s("电子邮箱", "Email"),
    "ws.users.email_invalid": _s("电子邮箱格式不正确", "not a valid email address"),
    "ws.users.sessions_ended": _s("已让 {name} 在所有设备上退出登录。",
                                  "Signed {name} out on every device."),
    # confirmations: what happened, and what is next
    "ws.done.step": _s("已完成「{step}」，{next}", "Completed \"{step}\"; {next}"),
    "ws.done.transfer": _s("已转单，{next}", "Transferred; {next}"),
    "ws.done.return": _s("已退回，{next}", "Returned; {next}"),
    "ws.start.done": _s("已登记 {number}，{next}", "Filed {number}; {next}"),
    "ws.done.comment": _s("已添加备注。", "Comment added."),
    "ws.next.to": _s("已转交 {who}", "passed to {who}"),
    "ws.next.due": _s("，期限 {due}", ", due {due}"),
    "ws.next.closed": _s("案件已结案。", "the case is closed."),
    "ws.next.end": _s("。", "."),
    "ws.case.header.procedure": _s("程序", "Procedure"),
    # long work
    "ws.busy.publish": _s("正在发布…", "Publishing…"),
    "ws.busy.import": _s("正在导入…", "Importing…"),
    "ws.busy.export": _s("正在生成导出文件…", "Preparing the export…"),
    "ws.busy.done": _s("完成", "Done"),
    # search
    "ws.search.more": _s("显示前 {n} 条，请缩小查询范围。",
                         "Showing the first {n}; narrow the search."),
    # reports
    "ws.report.print": _s("打印 / 下载 HTML", "Print / download HTML"),
    "ws.report.pdf": _s("下载 PDF", "Download PDF"),
    "ws.report.xlsx": _s("导出 XLSX", "Export XLSX"),
    "ws.report.csv": _s("导出 CSV", "Export CSV"),
    "ws.report.month": _s("月份", "Month"),
}
