"""Vega-Lite bar charts with titled, readable axes for the dashboard (pure data, no Streamlit).

`st.bar_chart` leaves the axes untitled, sorts category labels alphabetically ("1", "10",
"11", … "2") and turns long Chinese labels on their side. These specs keep the given order,
title both axes, keep labels horizontal and give every bar room, so two charts side by side
can be made the same height.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

BAR_PX = 26  # height per bar of a horizontal chart: room for one line of 12 px CJK text
AXIS_PX = 60  # axis, its title and padding below the bars
LABEL_LIMIT_PX = 220  # category labels longer than this are cut with … (the tooltip has all)
_FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"


def _base(rows: Sequence[tuple[str, int]], height: int) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": [{"label": label, "count": int(n)} for label, n in rows]},
        "mark": {"type": "bar", "tooltip": True, "color": "#4c78a8"},
        "height": height,
        "config": {"font": _FONT, "axis": {"labelFontSize": 12, "titleFontSize": 13}},
    }


def _count_axis(title: str) -> dict[str, Any]:
    # Whole numbers only: "0.5 件" is not a thing.
    return {"field": "count", "type": "quantitative", "title": title,
            "axis": {"tickMinStep": 1, "format": "d"}}


def category_bars(rows: Sequence[tuple[str, int]], *, category_title: str, count_title: str,
                  min_bars: int = 0) -> dict[str, Any]:
    """Horizontal bars, one per (label, count) in the given order; `min_bars` sets the height
    of a chart with fewer bars, so charts side by side line up."""
    height = BAR_PX * max(len(rows), min_bars, 1)
    spec = _base(rows, height)
    spec["encoding"] = {
        "y": {"field": "label", "type": "nominal", "title": category_title,
              "sort": [label for label, _ in rows],
              "axis": {"labelLimit": LABEL_LIMIT_PX, "labelAngle": 0}},
        "x": _count_axis(count_title),
    }
    return spec


def day_bars(month: date, by_day: Mapping[int, int], *, day_title: str, count_title: str,
             height: int = 220) -> dict[str, Any]:
    """Vertical bars for every day of `month` (days without cases show as 0), days in order."""
    days = calendar.monthrange(month.year, month.month)[1]
    rows = [(str(d), int(by_day.get(d, 0))) for d in range(1, days + 1)]
    spec = _base(rows, height)
    spec["encoding"] = {
        "x": {"field": "label", "type": "ordinal", "title": day_title,
              "sort": [label for label, _ in rows], "axis": {"labelAngle": 0}},
        "y": _count_axis(count_title),
    }
    return spec


def element_height(spec: Mapping[str, Any]) -> int:
    """Pixel height to give the Streamlit element: the plot plus its axis. Streamlit sizes a
    chart by the element, not the spec, and squashes a short horizontal bar chart flat."""
    return int(spec.get("height", 0)) + AXIS_PX


def ordered_counts(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """(label, count) pairs, largest first, ties by label: the order a reader scans."""
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))
