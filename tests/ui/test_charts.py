"""Dashboard chart specs: titled axes, days in calendar order with zeros, even heights."""

import json
from datetime import date

from runtime.ui import charts


def test_day_bars_cover_the_whole_month_in_calendar_order() -> None:
    spec = charts.day_bars(date(2026, 2, 1), {3: 2, 10: 1}, day_title="日期（日）",
                           count_title="件数")
    labels = [v["label"] for v in spec["data"]["values"]]
    assert labels == [str(d) for d in range(1, 29)]  # February 2026: 28 days, not "1, 10, 11…"
    assert spec["encoding"]["x"]["sort"] == labels
    counts = {v["label"]: v["count"] for v in spec["data"]["values"]}
    assert counts["3"] == 2 and counts["10"] == 1 and counts["4"] == 0
    assert spec["encoding"]["x"]["title"] == "日期（日）"
    assert spec["encoding"]["y"]["title"] == "件数"
    assert spec["encoding"]["x"]["axis"]["labelAngle"] == 0


def test_day_bars_leap_february() -> None:
    spec = charts.day_bars(date(2028, 2, 1), {}, day_title="d", count_title="n")
    assert len(spec["data"]["values"]) == 29


def test_category_bars_keep_order_titles_and_line_up() -> None:
    rows = charts.ordered_counts({"物业原因": 2, "非物业原因": 5, "其他": 2})
    assert rows == [("非物业原因", 5), ("其他", 2), ("物业原因", 2)]
    spec = charts.category_bars(rows, category_title="责任区分", count_title="件数", min_bars=5)
    y, x = spec["encoding"]["y"], spec["encoding"]["x"]
    assert y["title"] == "责任区分" and x["title"] == "件数"
    assert y["sort"] == ["非物业原因", "其他", "物业原因"]
    assert y["axis"]["labelAngle"] == 0 and x["axis"]["format"] == "d"
    assert spec["height"] == 5 * charts.BAR_PX  # as tall as its neighbour with five bars
    more = charts.category_bars(rows * 3, category_title="a", count_title="b", min_bars=5)
    assert more["height"] == 9 * charts.BAR_PX
    # Both side-by-side elements get the same pixel height (Streamlit sizes the element).
    assert charts.element_height(spec) == charts.element_height(
        charts.category_bars(rows[:1], category_title="a", count_title="b", min_bars=5))
    json.dumps(spec, ensure_ascii=False)  # plain data: goes to the browser as is


def test_category_bars_empty_is_still_a_valid_chart() -> None:
    spec = charts.category_bars([], category_title="a", count_title="b")
    assert spec["data"]["values"] == [] and spec["height"] == charts.BAR_PX
