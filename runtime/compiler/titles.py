"""Titles that cannot lie: the durations a title states, and `{within}` rendered from the limit.

A clock titled "24小时内处理" whose `within:` became 12h shows staff the old promise. Two
remedies: the check warns when a title states a duration other than its limit (W080), and a
title may write `{within}` (clocks), `{delay}` (follow-ups) or `{time-limit}` (steps) — any of
them in any of the three — rendered with the limit itself ("{within}内处理" → "12小时内处理").
"""

from __future__ import annotations

import re

from runtime.compiler.timeexpr import Duration

_ZH_UNITS = {"minutes": "分钟", "hours": "小时", "days": "天", "weeks": "周", "months": "个月",
             "years": "年"}
PLACEHOLDERS = ("{within}", "{delay}", "{time-limit}")

_NUM = "0-9０-９一二两三四五六七八九十百半"
_STATED = re.compile(
    rf"([{_NUM}]+(?:\.[0-9]+)?)\s*(?:个)?\s*"
    r"(工作日|个?工作小时|工作天|小时|钟头|分钟|天|日|周|星期|礼拜|个?月|年)")
_MINUTES = {"分钟": 1, "小时": 60, "钟头": 60, "工作小时": 60, "天": 1440, "日": 1440,
            "工作日": 1440, "工作天": 1440, "周": 10080, "星期": 10080, "礼拜": 10080,
            "月": 43200, "年": 525600}
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}


def human_duration(d: Duration | None, lang: str = "zh") -> str:
    """7d → 7天 / 7 days; 2 working days → 2个工作日 / 2 working days."""
    if d is None:
        return "无" if lang == "zh" else "none"
    amount = int(d.amount) if float(d.amount).is_integer() else d.amount
    if lang != "zh":
        unit = d.unit if amount != 1 else d.unit.rstrip("s")
        return f"{amount} {'working ' if d.working else ''}{unit}"
    if d.working:
        return f"{amount}个工作{'日' if d.unit == 'days' else _ZH_UNITS[d.unit]}"
    return f"{amount}{_ZH_UNITS[d.unit]}"


def _number(text: str) -> float | None:
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text == "半":
        return 0.5
    try:
        return float(text)
    except ValueError:
        pass
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


def stated(title: str) -> list[tuple[str, float]]:
    """The durations a title states: (the text, its length in minutes), in order."""
    out = []
    for m in _STATED.finditer(title):
        amount = _number(m.group(1))
        unit = m.group(2).removeprefix("个")
        if amount is None or amount <= 0 or unit not in _MINUTES:
            continue
        out.append((m.group(0), amount * _MINUTES[unit]))
    return out


def minutes(d: Duration) -> float:
    """A limit's length in minutes; a working day counts as a day (titles say 两日 for it)."""
    per = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10080, "months": 43200,
           "years": 525600}
    return float(d.amount) * per[d.unit]


def contradiction(title: str, limit: Duration | None) -> str | None:
    """The duration text of `title` when it states some duration but never `limit`, else None."""
    if limit is None or any(p in title for p in PLACEHOLDERS):
        return None
    found = stated(title)
    if limit.working and limit.unit != "days" and any(
            "工作日" in text or "工作天" in text for text, _value in found):
        return None  # 一个工作日 vs 8 working hours: a working day's length is the calendar's
    if not found or any(abs(value - minutes(limit)) < 1e-6 for _text, value in found):
        return None
    return found[0][0]


def render(title: str, limit: Duration | None, lang: str = "zh") -> str:
    """`title` with `{within}` / `{delay}` / `{time-limit}` replaced by the limit."""
    if limit is None or "{" not in title:
        return title
    text = human_duration(limit, lang)
    for p in PLACEHOLDERS:
        title = title.replace(p, text)
    return title
