"""Display formatting shared by pages (pure: no Streamlit)."""

from __future__ import annotations

from datetime import datetime

from runtime.compiler.timeexpr import Duration

_ZH_UNITS = {"minutes": "分钟", "hours": "小时", "days": "天", "weeks": "周", "months": "个月",
             "years": "年"}
_ZH_WORKING = {"minutes": "个工作分钟", "hours": "个工作小时", "days": "个工作日"}


def _amount(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def duration_text(d: Duration | None, lang: str = "zh") -> str:
    """A duration as people say it: 24小时, 3个工作日 / 24 h, 3 working days."""
    if d is None:
        return ""
    if lang == "en":
        return str(d)
    units = _ZH_WORKING if d.working else _ZH_UNITS
    return f"{_amount(d.amount)}{units.get(d.unit, d.unit)}"


def when_text(value: datetime | str | None) -> str:
    """A timestamp as `2026-03-02 09:30` (empty for None)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d %H:%M")


def remaining_text(minutes: float, lang: str = "zh") -> str:
    """Time left (or overdue, when negative) as `2小时15分` / `-45 min`."""
    sign = "-" if minutes < 0 else ""
    total = int(abs(minutes))
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if lang == "en":
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min"]
    else:
        parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{mins}分"]
    if days:
        parts = parts[:2]  # minutes don't matter when days are left
    return sign + " ".join(p for p in parts if p).strip()
