"""Diagrams as chromium draws them: the server's SVG in the page, its text at least 12 px and
no two pieces of text on top of each other, measured with the browser's own fonts (the
layout used Graphviz's font metrics; a different font in the browser would show here).
Uses the server and chromium fixtures of tests/browser/test_browser.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from runtime.compiler import pipeline
from runtime.ui import dot_render
from tests.browser.test_browser import _idle, _nav, _shot, _sign_in, browser, pytestmark, server
from tests.browser.test_document_control_browser import _choose

__all__ = ["browser", "pytestmark", "server"]  # fixtures and marks shared with test_browser

# The diagram image as laid out in the page: its drawn width against the layout's width in
# points gives the size its smallest text is drawn at.
_MEASURE = """() => {
  const img = document.querySelector('.handbook-diagram img');
  if (!img || !img.complete || !img.naturalWidth) return null;
  const scale = img.getBoundingClientRect().width / parseFloat(img.dataset.widthPt);
  const box = img.parentElement.getBoundingClientRect();
  return {px: parseFloat(img.dataset.minFontPt) * scale, width: img.getBoundingClientRect().width,
          column: box.width, scrolls: img.parentElement.scrollWidth > box.width + 1};
}"""


def _check(page: Any, name: str) -> dict[str, Any]:
    page.wait_for_function(f"() => ({_MEASURE})() !== null", timeout=30000)
    got = page.evaluate(_MEASURE)
    # The smallest text (edge labels, 12 pt) is never drawn under 12 px …
    assert got["px"] >= dot_render.MIN_TEXT_PX - 0.5, (name, got)
    # … and a diagram that fits is not wider than the column (no needless scrolling).
    assert got["scrolls"] or got["width"] <= got["column"] + 1, (name, got)
    _shot(page, f"pictures-{name}")
    return got


def test_flowcharts_and_org_chart_read_well_in_chromium(server: str, browser: Any) -> None:
    if not dot_render.available():
        pytest.skip("Graphviz (dot) is not installed: the page draws in the browser instead")
    hb = pipeline.compiled().views["zhongxing-apartments"]
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    try:
        _sign_in(page, server, "admin.zhongxing")
        _nav(page, "组织架构图")
        assert not _check(page, "org")["scrolls"]
        _nav(page, "流程图")
        for pid in ("complaint-handling", "help-request"):
            _choose(page, "作业规程", hb.procedures[pid].meta.title)
            _idle(page)
            _check(page, pid)
        assert page.get_by_role("button", name="下载 PNG").count() == 1
    finally:
        page.close()
