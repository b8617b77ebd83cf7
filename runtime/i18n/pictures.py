"""UI strings of diagrams (flowcharts, org charts), dashboard charts and report exports."""

from __future__ import annotations


def _s(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


CATALOG: dict[str, dict[str, str]] = {
    "app.diagram.svg": _s("下载 SVG", "Download SVG"),
    "app.diagram.png": _s("下载 PNG", "Download PNG"),
    "app.diagram.dot": _s("下载 DOT 源文件", "Download DOT source"),
    "app.diagram.no_graphviz": _s("服务器未安装 Graphviz: 图在浏览器中绘制, 不能下载 SVG/PNG。",
                                  "Graphviz is not installed on the server: the diagram is drawn "
                                  "in the browser, SVG/PNG downloads are not available."),
    "app.diagram.failed": _s("服务器无法绘制此图 ({error}), 改在浏览器中绘制。",
                             "The server could not draw this diagram ({error}); drawn in the "
                             "browser instead."),
    # 客户投诉工作月报 print / export (runtime/reports.py)
    "report.title": _s("客户投诉工作月报", "Monthly complaint report"),
    "report.property": _s("管理处", "Property"),
    "report.period": _s("月份", "Month"),
    "report.printed_at": _s("打印时间", "Printed"),
    "report.prepared_by": _s("填报人", "Prepared by"),
    "report.reviewed_by": _s("管理处主任审阅", "Reviewed by the property manager"),
    "report.date": _s("日期", "Date"),
    "report.page": _s("第 {page} 页", "Page {page}"),
    "report.figures": _s("主要指标", "Key figures"),
    "report.received": _s("受理件数", "Received"),
    "report.complaints": _s("投诉", "Complaints"),
    "report.suggestions": _s("建议", "Suggestions"),
    "report.closed": _s("已结案", "Closed"),
    "report.handling_rate": _s("投诉处理率", "Handling rate"),
    "report.on_time_rate": _s("按时处理率", "Handled on time"),
    "report.breached": _s("曾超时", "Breached"),
    "report.callback_rate": _s("回访完成率", "Call-backs done"),
    "report.satisfaction": _s("满意率", "Satisfaction"),
    "report.by_responsibility": _s("按责任区分", "By responsibility"),
    "report.by_channel": _s("按投诉方式", "By channel"),
    "report.by_validity": _s("按投诉性质", "By validity"),
    "report.per_day": _s("每日受理", "Received per day"),
    "report.by_procedure": _s("按管理处与作业规程 (当前)", "By property and procedure (now)"),
    "report.col.item": _s("项目", "Item"),
    "report.col.value": _s("数值", "Value"),
    "report.col.note": _s("计算", "Basis"),
    "report.col.count": _s("件数", "Cases"),
    "report.col.share": _s("占比", "Share"),
    "report.col.date": _s("日期", "Date"),
    "report.col.responsibility": _s("责任区分", "Responsibility"),
    "report.col.channel": _s("投诉方式", "Channel"),
    "report.col.validity": _s("投诉性质", "Validity"),
    "report.col.property": _s("管理处", "Property"),
    "report.col.procedure": _s("作业规程", "Procedure"),
    "report.col.open": _s("办理中", "Open"),
    "report.col.overdue": _s("已超期", "Overdue"),
    "report.col.breached": _s("曾超时", "Breached"),
    "report.col.closed": _s("已结案", "Closed"),
    # Dashboard: the report's downloads and progress
    "app.report.print": _s("打印视图 (HTML)", "Print view (HTML)"),
    "app.report.pdf": _s("下载 PDF", "Download PDF"),
    "app.report.csv": _s("下载 CSV", "Download CSV"),
    "app.report.xlsx": _s("下载 XLSX", "Download XLSX"),
    "app.report.building": _s("正在生成月报…", "Building the report…"),
    "app.report.built": _s("月报已生成: {month}, {total} 件",
                           "Report ready: {month}, {total} cases"),
    # Progress of long work on other pages
    "app.progress.publishing": _s("正在发布: 检查规则、生成新版本…",
                                  "Publishing: checking the rules, making the new version…"),
    "app.progress.published": _s("新版本已生效。", "The new version is live."),
    "app.progress.read_tasks": _s("已为相关岗位人员创建 {n} 个阅读任务。",
                                  "{n} read tasks created for the people concerned."),
    "app.progress.publish_done": _s("发布完成", "Published"),
    "app.progress.publish_failed": _s("发布未完成", "Not published"),
}
