"""Flowcharts and org charts laid out for reading: wrapped labels, one label per merge,
titles not field ids, nothing overlapping or cut off, readable text at page width."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from runtime.compiler import pipeline
from runtime.compiler.expr import compile_condition
from runtime.compiler.model import Handbook
from runtime.store.postgres.testing import in_ci
from runtime.ui import diagrams, dot_render
from tests.ui.conftest import open_page, sign_in
from tests.ui.dot_parse import flow_edges, norm


@pytest.fixture(scope="module")
def views() -> dict[str | None, Handbook]:
    return dict(pipeline.compiled().views)


@pytest.fixture
def graphviz() -> Iterator[None]:
    """Graphviz's dot on the server (Debian package graphviz): skips locally, fails in CI."""
    if not dot_render.available():
        if in_ci():
            pytest.fail("CI must lay diagrams out, but Graphviz (dot) is not installed",
                        pytrace=False)
        pytest.skip("diagram layout tests skipped: Graphviz (dot) is not installed "
                    "(apt-get install graphviz)")
    yield


def _display(line: str) -> float:
    return sum(diagrams._width(c) for c in line)


@pytest.mark.parametrize("text", [
    "接待投诉，填写《顾客投诉（建议）登记表》",
    "能够当场处理 (集体投诉仍转值班人员, 以便15分钟内报告管理处主任)",
    "结案 (登记表次年年初统一归档)",
    "Call back the customer within one week after the repair is done",
    "短",
])
def test_wrap_keeps_text_breaks_lines_and_never_starts_with_closing_punctuation(
        text: str) -> None:
    wrapped = diagrams.wrap(text, 10)
    lines = wrapped.split("\n")
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost or added
    for line in lines:
        assert line and line[0] not in "，、。；：）》),;:"
        # One closing mark may hang over the width rather than start the next line.
        assert _display(line.rstrip("，、。；：）》),;:")) <= 10
    assert diagrams.wrap("一\n二", 10) == "一\n二"


def test_same_label_into_one_step_is_drawn_once(views: dict[str | None, Handbook]) -> None:
    hb = views["zhongxing-apartments"]
    proc = hb.procedures["complaint-handling"]
    dot = diagrams.flowchart(proc, hb)
    assert norm(dot).count("客户服务人员无法解决") == 1
    edges = flow_edges(dot)
    assert ("handle", "manager-organises", "客户服务人员无法解决") in edges
    assert ("refer-department", "manager-organises", "客户服务人员无法解决") in edges
    for step in proc.steps:  # every transition is still there, with its label
        for tr in step.next:
            assert (step.id, tr.to, norm(tr.label or "")) in edges


def test_clock_to_a_case_date_shows_the_field_title(views: dict[str | None, Handbook]) -> None:
    hb = views["zhongxing-apartments"]
    proc = hb.procedures["complaint-handling"]
    dot = diagrams.flowchart(proc, hb)
    assert "≤ 约定回复时间" in dot and "reply_due" not in dot
    # A clock that starts and stops at one step is written in the step's box, not as a loop.
    assert not re.search(r'^\s*"([^"]+)" -> "\1"', dot, re.M)
    assert "2小时" in next(line for line in dot.splitlines()
                         if line.startswith('  "notify-head-office" [label='))
    # Long clock titles stay in the tooltip (and the table below the chart), off the drawing.
    assert 'tooltip="当场处理的投诉1小时内报告管理处"' in dot


def test_unlabelled_condition_names_field_titles(views: dict[str | None, Handbook]) -> None:
    hb = views[None]
    proc = hb.procedures["complaint-handling"]
    step = next(s for s in proc.steps if s.next)
    cond = compile_condition("responsibility == 'service'")
    bare = dataclasses.replace(step.next[0], label=None, when=cond)
    changed = dataclasses.replace(proc, steps=tuple(
        dataclasses.replace(s, next=(bare, *s.next[1:])) if s.id == step.id else s
        for s in proc.steps))
    dot = diagrams.flowchart(changed, hb)
    assert "区分责任=='service'" in norm(dot)
    assert "responsibility==" not in norm(dot)


def _diagrams(views: dict[str | None, Handbook]) -> Iterator[tuple[str, str]]:
    for pid, hb in views.items():
        yield f"{pid}/org", diagrams.org_chart(hb)
        for proc in hb.procedures.values():
            yield f"{pid}/{proc.id}", dot_render.fitted(
                lambda width, p=proc, h=hb: diagrams.flowchart(p, h, "zh", width))


@pytest.mark.usefixtures("graphviz")
def test_every_bundled_diagram_is_laid_out_without_overlaps(
        views: dict[str | None, Handbook]) -> None:
    checked = 0
    wide: set[str] = set()
    for name, dot in _diagrams(views):
        lay = dot_render.layout(dot)
        assert lay.boxes, name
        assert lay.overlaps() == [], name
        assert lay.outside() == [], name  # nothing cut at the drawing's edge
        # Fitted to the page's column, the smallest text is readable (was ~9 px) …
        if lay.smallest_text_px(dot_render.VIEW_PX) < dot_render.MIN_TEXT_PX:
            wide.add(name.split("/")[1])
        # … and where it cannot be, the page's SVG stops shrinking at 12 px and scrolls.
        page = dot_render.page_svg(dot)
        floor = float(re.search(r"min-width:(\d+)px", page).group(1))  # type: ignore[union-attr]
        assert min(lay.font_sizes) * floor / lay.width >= dot_render.MIN_TEXT_PX - 0.5, name
        assert "<script" not in page and page.count("data:image/svg+xml;base64,") == 1
        checked += 1
    assert checked >= 20  # 4 views × (org + their procedures)
    # Only 求助 (29 steps, nine branches out of its first step) is wider than the column.
    assert wide <= {"help-request"}, wide


@pytest.mark.usefixtures("graphviz")
def test_wide_procedure_is_wrapped_narrower_to_fit(views: dict[str | None, Handbook]) -> None:
    hb = views["zhongxing-apartments"]
    proc = hb.procedures["help-request"]
    wide = dot_render.layout(diagrams.flowchart(proc, hb, "zh", 14))
    fitted = dot_render.layout(dot_render.fitted(
        lambda width: diagrams.flowchart(proc, hb, "zh", width)))
    assert fitted.width < wide.width
    assert fitted.smallest_text_px(940) > wide.smallest_text_px(940)


@pytest.mark.usefixtures("graphviz")
def test_svg_and_png_downloads(views: dict[str | None, Handbook]) -> None:
    hb = views["zhongxing-apartments"]
    dot = diagrams.org_chart(hb)
    svg = dot_render.render(dot, "svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "客户服务主管" in "".join(root.itertext())
    png = dot_render.render(dot, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width >= dot_render.layout(dot).width * dot_render.PNG_DPI / 72 - 2  # 2× resolution


def test_broken_dot_is_an_error_not_a_crash() -> None:
    if not dot_render.available():
        with pytest.raises(dot_render.DiagramError):
            dot_render.render("digraph {}", "svg")
        return
    with pytest.raises(dot_render.DiagramError):
        dot_render.render("digraph { a -> ", "svg")


@pytest.mark.parametrize(("page", "key"), [("flow", "flow_diagram"), ("org", "org_diagram")])
def test_pages_show_the_diagram_with_downloads(page: str, key: str) -> None:
    at = open_page(sign_in("trainer.taoyuan"), page)
    assert not at.exception
    ids = " ".join(str(e.proto.id) for e in at.get("download_button"))
    got = " ".join(str(e.proto.label) for e in at.get("download_button"))
    assert "下载 DOT 源文件" in got
    if dot_render.available():
        assert any("data:image/svg+xml" in str(e.proto.body) for e in at.get("html")), \
            "the server-drawn SVG is not shown"
        assert "下载 SVG" in got and "下载 PNG" in got
    else:
        assert at.get("graphviz_chart")
    assert f"{key}_dot" in ids  # keyed per page: the flow and org downloads never clash


def test_without_graphviz_the_browser_draws_and_only_dot_downloads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dot_render, "dot_binary", lambda: None)
    at = open_page(sign_in("trainer.taoyuan"), "flow")
    assert not at.exception
    assert at.get("graphviz_chart") and not at.get("html")
    got = " ".join(str(e.proto.label) for e in at.get("download_button"))
    assert "下载 DOT 源文件" in got and "下载 SVG" not in got and "下载 PNG" not in got
    assert any("未安装 Graphviz" in str(c.value) for c in at.caption)
    with pytest.raises(dot_render.DiagramError):
        dot_render.render("digraph { a }", "svg")
