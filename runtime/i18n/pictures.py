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
}
