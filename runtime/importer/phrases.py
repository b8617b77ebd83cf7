"""Time, recurrence and target phrases of Chinese handbooks → the rule language's canonical text.

Every recognised phrase is turned into the canonical syntax of `runtime.compiler.timeexpr` by
building an English form and running it through `parse_duration` / `parse_recurrence` and back
through `str()`, so whatever this module outputs is exactly what `handbook check` accepts.

Recognised (examples): durations ``24小时内`` → ``24h``, ``三日内`` → ``3d``, ``30个工作日内``
→ ``30 working days``, ``一周后`` → ``1w`` (a delay), ``保存期2年`` → ``2 years`` (a retention);
recurrences ``每周五下午2点半`` → ``every Friday 14:30``, ``每月25日前`` → ``monthly by day 25``,
``每季度第三个月25日前`` → ``quarterly by day 25 of month 3``, ``次年年初`` → ``yearly in January``,
``每日8:00-22:00每一小时`` → ``hourly 08:00-22:00``; targets ``投诉处理率达100%`` →
``{name: 投诉处理率, value: 100}``, ``回收率不低于60%``, ``不超过5%`` (comparison ``<=``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from runtime.compiler.timeexpr import MONTHS, WEEKDAYS, parse_duration, parse_recurrence

PhraseKind = Literal["duration", "recurrence", "target"]
# What a duration means where it stands: a time limit (内), a delay (后), a retention (保存期).
DurationRole = Literal["within", "after", "retention", "plain"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9,
              # financial numerals (壹、贰、叁) number the headings of formal documents
              "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+)"


def cn_int(text: str) -> int | None:
    """`25`, `二十五`, `十五`, `两`, `一百二十` → int; None when not a number."""
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if any(ch not in _CN_DIGITS and ch not in "十拾百佰" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in "百佰":
            total += (current or 1) * 100
            current = 0
        elif ch in "十拾":
            total += (current or 1) * 10
            current = 0
        else:
            # Digit strings such as 二〇二六 read digit by digit.
            current = current * 10 + _CN_DIGITS[ch] if current else _CN_DIGITS[ch]
    return total + current


def cn_number(text: str) -> float | None:
    """Like `cn_int` but also `1.5` and `半` (a half)."""
    if text == "半":
        return 0.5
    if re.fullmatch(r"\d+\.\d+", text):
        return float(text)
    value = cn_int(text)
    return float(value) if value is not None else None


@dataclass(frozen=True)
class Phrase:
    """One recognised phrase: where it stands in the text and its canonical meaning."""

    kind: PhraseKind
    start: int
    end: int
    source: str  # the text as written
    canonical: str  # canonical duration / recurrence text; the target as "name >= value%"
    role: DurationRole | None = None  # for durations
    target: dict[str, Any] | None = field(default=None)  # for targets: the rule's target mapping


# ---------------------------------------------------------------------------- time of day

_AMPM = r"(?P<ampm>上午|早上|早晨|早|中午|下午|傍晚|晚上|夜间|晚)?"
TIME_OF_DAY = (
    _AMPM
    + r"\s*(?:(?P<hh>\d{1,2})[:：](?P<mm>\d{2})|(?P<h>"
    + NUM
    + r")\s*(?:点|时)(?:\s*(?P<half>半)|\s*(?P<m>\d{1,2}|[一二三四五十]+)\s*分?)?)"
)
_TIME_RE = re.compile(TIME_OF_DAY)


def clock_time(m: re.Match[str], prefix: str = "") -> str | None:
    """`HH:MM` from a TIME_OF_DAY match (groups may carry a prefix); None when out of range."""

    def g(name: str) -> str | None:
        return m.group(prefix + name)

    if g("hh") is not None:
        hour, minute = int(g("hh") or 0), int(g("mm") or 0)
    else:
        h = cn_int(g("h") or "")
        if h is None:
            return None
        hour = h
        minute = 30 if g("half") else cn_int(g("m") or "0") or 0
    ampm = g("ampm") or ""
    if ampm in ("下午", "傍晚", "晚上", "夜间", "晚") and hour < 12:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def _prefixed(pattern: str, prefix: str) -> str:
    return re.sub(r"\(\?P<(\w+)>", lambda mm: f"(?P<{prefix}{mm[1]}>", pattern)


# ---------------------------------------------------------------------------- durations

_DUR_UNITS: dict[str, str] = {
    "个工作日": "working days", "工作日": "working days", "工作天": "working days",
    "个工作小时": "working hours", "工作小时": "working hours", "工作分钟": "working minutes",
    "个小时": "hours", "小时": "hours", "个钟头": "hours", "钟头": "hours",
    "分钟": "minutes", "天": "days", "日": "days", "个星期": "weeks", "星期": "weeks",
    "周": "weeks", "个月": "months", "年": "years",
}
_UNIT_ALT = "|".join(sorted(map(re.escape, _DUR_UNITS), key=len, reverse=True))
_DURATION_RE = re.compile(
    r"(?P<ret>保存期(?:限)?(?:为|是)?|保存|保留|存档)?\s*(?P<num>" + NUM + r"|半)\s*(?P<unit>"
    + _UNIT_ALT + r")(?P<suffix>以内|之内|内|以后|之后|后)?"
)
# Units that are durations even without 内/后: "24小时", "30个工作日", "3个月".
_BARE_OK = {"个工作日", "工作日", "个工作小时", "工作小时", "工作分钟", "个小时", "小时",
            "个钟头", "钟头", "分钟", "个月", "个星期"}


def duration_text(amount: float, unit: str) -> str:
    """Canonical duration text (validated by `parse_duration`); half hours become minutes."""
    if unit in ("hours", "working hours") and not float(amount).is_integer():
        unit = "minutes" if unit == "hours" else "working minutes"
        amount *= 60
    number = str(int(amount)) if float(amount).is_integer() else str(amount)
    return str(parse_duration(f"{number} {unit}"))


def find_durations(text: str, lo: int = 0, hi: int | None = None) -> list[Phrase]:
    """Durations in `text[lo:hi]`: 24小时内, 三日内, 一周后, 保存期2年, 30个工作日内."""
    hi = len(text) if hi is None else hi
    out = []
    for m in _DURATION_RE.finditer(text, lo, hi):
        unit_word, suffix, ret = m["unit"], m["suffix"] or "", m["ret"]
        before = text[max(lo, m.start("num") - 1):m.start("num")]
        after = text[m.end():m.end() + 1]
        if before in ("每", "第", "隔") or before.isdigit():
            continue  # 每一小时 is a recurrence, 第3天 an ordinal
        if unit_word in ("日", "天", "年", "周", "星期") and not (suffix or ret):
            continue  # 25日 is a date, 2011年 a year, 周五 a weekday
        if unit_word not in _BARE_OK and not (suffix or ret):
            continue
        if after in ("前", "之") and not suffix:
            continue
        amount = cn_number(m["num"])
        if amount is None or amount <= 0:
            continue
        try:
            canonical = duration_text(amount, _DUR_UNITS[unit_word])
        except ValueError:
            continue
        role: DurationRole = (
            "retention" if ret else "after" if "后" in suffix else "within" if suffix else "plain"
        )
        start = m.start("ret") if ret else m.start("num")
        out.append(Phrase("duration", start, m.end(), text[start:m.end()], canonical, role))
    return out


# ---------------------------------------------------------------------------- recurrences

_WD = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": -1}
_T = TIME_OF_DAY
_DAY = r"(?P<day>" + NUM + r")\s*(?:日|号)"
_BEFORE = r"(?P<before>以前|之前|前)?"

RecBuilder = Callable[[re.Match[str]], str | None]
_REC_RULES: list[tuple[re.Pattern[str], RecBuilder]] = []


def _rule(pattern: str) -> Callable[[RecBuilder], RecBuilder]:
    def deco(fn: RecBuilder) -> RecBuilder:
        _REC_RULES.append((re.compile(pattern), fn))
        return fn

    return deco


def _times(m: re.Match[str]) -> str:
    """' HH:MM' when the match carries a time of day (group prefix t_), else ''."""
    if m.groupdict().get("t_h") is None and m.groupdict().get("t_hh") is None:
        return ""
    t = clock_time(m, "t_")
    if t is None:
        raise ValueError(f"not a time of day: {m.group(0)!r}")  # never drop a bad time silently
    return f" {t}"


_TT = "(?:" + _prefixed(_T, "t_") + ")?"


@_rule(r"每(?:日|天)?\s*" + _prefixed(_T, "a_") + r"\s*(?:-|—|–|~|～|至|到)\s*"
       + _prefixed(_T, "b_") + r"\s*[,，]?\s*每(?:隔)?\s*(?P<n>" + NUM + r")?\s*个?小时")
def _hourly_window(m: re.Match[str]) -> str | None:
    a, b = clock_time(m, "a_"), clock_time(m, "b_")
    n = cn_int(m["n"] or "1")
    if not a or not b or not n:
        return None
    head = "hourly" if n == 1 else f"every {n} hours"
    return f"{head} {a}-{b}"


@_rule(r"每(?:隔)?\s*(?P<n>" + NUM + r")?\s*个?(?:小时|钟头)(?!内|以内)")
def _every_hours(m: re.Match[str]) -> str | None:
    n = cn_int(m["n"] or "1")
    return None if not n else "hourly" if n == 1 else f"every {n} hours"


@_rule(r"每(?:个)?工作日" + _TT)
def _working_days(m: re.Match[str]) -> str | None:
    return "every working day" + _times(m)


@_rule(r"每(?:周|星期|礼拜)(?P<d1>[一二三四五六日天])\s*(?:至|到|-|~)\s*(?:周|星期)?"
       r"(?P<d2>[一二三四五六日天])" + _TT)
def _weekday_range(m: re.Match[str]) -> str | None:
    a, b = _WD[m["d1"]], _WD[m["d2"]]
    if b < a:
        return None
    return "every " + ", ".join(WEEKDAYS[d].capitalize() for d in range(a, b + 1)) + _times(m)


@_rule(r"每(?:周|星期|礼拜)(?P<days>[一二三四五六日天](?:\s*[、,，和及与]\s*(?:周|星期)?"
       r"[一二三四五六日天])*)" + _TT)
def _weekly(m: re.Match[str]) -> str | None:
    days = sorted({_WD[c] for c in m["days"] if c in _WD})
    return "every " + ", ".join(WEEKDAYS[d].capitalize() for d in days) + _times(m)


@_rule(r"每(?:周|星期)末")
def _weekend(m: re.Match[str]) -> str | None:
    return "every Saturday, Sunday"


@_rule(r"(?:每(?:日|天)|每晚|每早|每天晚上|每日晚上)" + _TT
       + r"(?:\s*[、,，和及]\s*" + _prefixed(_T, "u_") + ")?")
def _daily(m: re.Match[str]) -> str | None:
    times = _times(m)
    if m.group(0).startswith(("每晚", "每天晚上", "每日晚上")) and times:
        hour = int(times[1:3])
        if hour < 12:
            times = f" {hour + 12:02d}:{times[4:]}"
    if m.groupdict().get("u_h") is not None or m.groupdict().get("u_hh") is not None:
        second = clock_time(m, "u_")
        if second is None:
            return None
        if times:
            times += f", {second}"
    return "daily" + times


@_rule(r"(?:每(?:个)?月|次月|下月)(?:的)?\s*" + _DAY + _BEFORE + _TT)
def _monthly_day(m: re.Match[str]) -> str | None:
    day = cn_int(m["day"])
    if day is None or not 1 <= day <= 31:
        return None
    mode = "by" if m["before"] else "on"
    return f"monthly {mode} day {day}" + _times(m)


@_rule(r"(?:每(?:个)?月|次月)(?:的)?(?:底|末|月底|月末|最后一天)(?P<before>前)?")
def _monthly_last(m: re.Match[str]) -> str | None:
    return "monthly by last day"


@_rule(r"每(?:个)?月(?:的)?最后一个工作日")
def _monthly_last_working(m: re.Match[str]) -> str | None:
    return "monthly on last working day"


@_rule(r"每(?:个)?月(?:的)?(?:第一个|首个)工作日")
def _monthly_first_working(m: re.Match[str]) -> str | None:
    return "monthly on first working day"


@_rule(r"每(?:个)?月(?:初|月初)")
def _monthly_start(m: re.Match[str]) -> str | None:
    return "monthly on day 1"


@_rule(r"每(?:个)?月(?:中|月中)")
def _monthly_mid(m: re.Match[str]) -> str | None:
    return "monthly on day 15"


_QMONTH = r"(?:第(?P<qm>[一二三123])个?月|(?P<qlast>最后一个?月|末月)|(?P<qfirst>首月))"


@_rule(r"每(?:个)?季度(?:的)?" + _QMONTH + r"(?:的)?\s*(?:" + _DAY + r"|(?P<mid>月中)|"
       r"(?P<end>月底|月末|底))" + _BEFORE)
def _quarterly(m: re.Match[str]) -> str | None:
    month = 3 if m["qlast"] else 1 if m["qfirst"] else cn_int(m["qm"] or "")
    if month is None or not 1 <= month <= 3:
        return None
    if m["mid"]:
        day_text = "day 15"
    elif m["end"]:
        return f"quarterly by last day of month {month}"
    else:
        day = cn_int(m["day"] or "")
        if day is None or not 1 <= day <= 31:
            return None
        day_text = f"day {day}"
    mode = "by" if m["before"] else "on"
    return f"quarterly {mode} {day_text} of month {month}"


@_rule(r"每(?:个)?季度(?:末|底)|季度末")
def _quarter_end(m: re.Match[str]) -> str | None:
    return "quarterly by last day of month 3"


@_rule(r"每(?:个)?季度初")
def _quarter_start(m: re.Match[str]) -> str | None:
    return "quarterly on day 1 of month 1"


@_rule(r"每年(?P<mo>" + NUM + r")\s*月(?:份)?\s*(?:" + _DAY + r")?" + _BEFORE)
def _yearly_date(m: re.Match[str]) -> str | None:
    month = cn_int(m["mo"])
    if month is None or not 1 <= month <= 12:
        return None
    if m["day"] is None:
        return f"yearly in {MONTHS[month - 1].capitalize()}"
    day = cn_int(m["day"])
    if day is None:
        return None
    mode = "by" if m["before"] else "on"
    return f"yearly {mode} {month:02d}-{day:02d}"


@_rule(r"每年(?P<ms>" + NUM + r"\s*月(?:\s*[、,，和及与]\s*" + NUM + r"\s*月)+)")
def _yearly_months(m: re.Match[str]) -> str | None:
    months = sorted({cn_int(x) or 0 for x in re.findall(NUM, m["ms"])})
    if not months or not all(1 <= x <= 12 for x in months):
        return None
    return "yearly in " + ", ".join(MONTHS[x - 1].capitalize() for x in months)


@_rule(r"(?:每年|次年|每一年)(?:的)?(?:年初|初)|每年伊始")
def _year_start(m: re.Match[str]) -> str | None:
    return "yearly in January"


@_rule(r"(?:每年|当年|每一年)(?:的)?(?:年底|年末|底|末)")
def _year_end(m: re.Match[str]) -> str | None:
    return "yearly in December"


@_rule(r"每半年")
def _half_yearly(m: re.Match[str]) -> str | None:
    return "twice yearly in June and December"


def find_recurrences(text: str, lo: int = 0, hi: int | None = None) -> list[Phrase]:
    """Recurrences in `text[lo:hi]`, longest match first at each position, never overlapping."""
    hi = len(text) if hi is None else hi
    found: list[tuple[int, int, str]] = []
    for pattern, build in _REC_RULES:
        for m in pattern.finditer(text, lo, hi):
            try:
                english = build(m)
                if english is None:
                    continue
                canonical = str(parse_recurrence(english))
            except ValueError:
                continue
            end = m.end()
            while end > m.start() and text[end - 1].isspace():
                end -= 1
            found.append((m.start(), end, canonical))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[Phrase] = []
    taken_until = lo
    for start, end, canonical in found:
        if start < taken_until:
            continue
        out.append(Phrase("recurrence", start, end, text[start:end], canonical))
        taken_until = end
    return out


# ---------------------------------------------------------------------------- targets

_OPS = {
    "达到": ">=", "达": ">=", "为": ">=", "不低于": ">=", "不少于": ">=", "不小于": ">=",
    "高于": ">=", "大于等于": ">=", "≥": ">=", ">=": ">=", "在": ">=", "保持在": ">=",
    "不超过": "<=", "不高于": "<=", "不大于": "<=", "低于": "<=", "小于": "<=", "≤": "<=",
    "<=": "<=", "控制在": "<=", "等于": "=", "=": "=",
}
_OP_ALT = "|".join(sorted(map(re.escape, _OPS), key=len, reverse=True))
_TARGET_RE = re.compile(
    r"(?P<name>[\u4e00-\u9fff]{1,16}?)?\s*(?:要|应|须|必须|需|应当)?\s*(?P<op>" + _OP_ALT
    + r")\s*(?P<ref>[\u4e00-\u9fff]{1,10}的)?\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>%|％)"
    r"(?P<tail>以上|以下|以内|之内|内)?"
)
# Words that come before a target's name but are not part of it (力争管理费收缴率 → 管理费收缴率).
_NAME_LEAD = re.compile(r"^.*(?:力争|确保|保证|要求|做到|使得|达到|对|的|使|并|且|其|让"
                        r"|每月|每周|每日|每天|每年|每季度|不定期|定期)")


def _target_name(raw: str) -> str:
    name = raw
    if "率" in name:
        name = name[: name.rindex("率") + 1]
    cut = _NAME_LEAD.sub("", name)
    name = cut if len(cut) >= 2 else name
    return name[-10:]


def find_targets(text: str, lo: int = 0, hi: int | None = None) -> list[Phrase]:
    """KPI targets in `text[lo:hi]`: 投诉处理率达100%, 收缴率达98%, 回收率不低于60%."""
    hi = len(text) if hi is None else hi
    out = []
    for m in _TARGET_RE.finditer(text, lo, hi):
        raw_name = m["name"] or ""
        if not raw_name:
            continue
        name = _target_name(raw_name)
        if len(name) < 2:
            continue
        comparison = _OPS[m["op"]]
        if m["tail"] in ("以下", "以内", "之内", "内"):
            comparison = "<="
        value = float(m["value"])
        number: int | float = int(value) if value.is_integer() else value
        target: dict[str, Any] = {"name": name, "value": number}
        if comparison != ">=":
            target["comparison"] = comparison
        if m["ref"]:
            target["note"] = f"{m['ref']}{m['value']}%"
        start = m.start("name") + raw_name.rfind(name) if name in raw_name else m.start()
        op = {">=": "≥", "<=": "≤", "=": "="}[comparison]
        out.append(Phrase("target", start, m.end(), text[start:m.end()],
                          f"{name} {op} {target['value']}%", target=target))
    return out


def find_all(text: str, lo: int = 0, hi: int | None = None) -> list[Phrase]:
    """Every duration, recurrence and target in `text[lo:hi]`, in text order.

    A duration inside a recurrence (the 一小时 of 每一小时) is dropped in favour of the
    recurrence.
    """
    recs = find_recurrences(text, lo, hi)
    durs = [d for d in find_durations(text, lo, hi)
            if not any(r.start <= d.start < r.end for r in recs)]
    return sorted([*recs, *durs, *find_targets(text, lo, hi)], key=lambda p: (p.start, p.kind))


def interpret(phrase: str) -> Phrase | None:
    """The single phrase that covers `phrase` best (for tests and the app's phrase box)."""
    found = find_all(phrase)
    if not found:
        return None
    return max(found, key=lambda p: (p.end - p.start, p.kind == "recurrence"))

