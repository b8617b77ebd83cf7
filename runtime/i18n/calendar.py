"""UI strings of the holiday-schedule page (runtime/ui/pages/holidays.py) and its form checks
(runtime/versions/holiday_years.py)."""

from __future__ import annotations


def _s(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


CATALOG: dict[str, dict[str, str]] = {
    "app.page.holidays": _s("节假日安排", "Holiday schedule"),
    "calendar.intro": _s(
        "国务院每年年底公布下一年的放假与调休安排。节假日数据只覆盖到 {covered} 年; 之后的年份"
        "若不在这里录入, 时限只按法定节日计算, 不含调休。录入的安排保存到草稿, 经审核、批准、"
        "发布后生效。",
        "The State Council publishes next year's holidays and make-up working days late each "
        "year. The holiday data covers {covered}; for later years not entered here, deadlines "
        "count statutory holidays only, without make-up days. What you enter is saved into a "
        "draft and takes effect once reviewed, approved and published."),
    "calendar.gap": _s(
        "日历「{calendar}」还没有 {year} 年的放假安排 ({file})。请在下面录入。",
        "Calendar “{calendar}” has no {year} holiday schedule yet ({file}). Enter it below."),
    "calendar.all_known": _s("所有日历都已有 {years} 年的放假安排。",
                             "Every calendar has its {years} holiday schedule."),
    "calendar.col.calendar": _s("日历", "Calendar"),
    "calendar.col.year": _s("年份", "Year"),
    "calendar.col.source": _s("来源", "Source"),
    "calendar.col.holidays": _s("放假 (工作日)", "Days off (working days)"),
    "calendar.col.workdays": _s("调休上班", "Make-up working days"),
    "calendar.source.override": _s("本规则录入", "entered in the rules"),
    "calendar.source.package": _s("国务院安排 (节假日数据)", "State Council (holiday data)"),
    "calendar.source.statutory": _s("仅法定节日 (缺少安排)", "statutory only (missing)"),
    "calendar.source.country": _s("按国家规则", "country rules"),
    "calendar.form": _s("录入一年的放假安排", "Enter a year's schedule"),
    "calendar.calendar": _s("日历", "Calendar"),
    "calendar.year": _s("年份", "Year"),
    "calendar.holidays": _s("放假日期", "Days off"),
    "calendar.holidays_help": _s(
        "每行一项: 2027-01-01 元旦, 或一段 2027-10-01~2027-10-07 国庆节 (一段中的周末本来就"
        "休息, 只记其中的工作日)",
        "One per line: 2027-01-01 New Year, or a span 2027-10-01~2027-10-07 National Day "
        "(weekend days in a span are off anyway; only its working days are kept)"),
    "calendar.workdays": _s("调休上班日期", "Make-up working days"),
    "calendar.workdays_help": _s("周末上班的日期, 用空格、逗号或换行分隔: 2027-02-06 2027-02-20",
                                 "Weekend days worked, separated by spaces, commas or lines"),
    "calendar.save": _s("检查并保存到草稿", "Check and save into the draft"),
    "calendar.saved": _s("已保存到草稿「{draft}」: {n} 个放假日, {m} 个调休上班日。请到「版本管理」"
                         "提交审核。",
                         "Saved into draft “{draft}”: {n} days off, {m} make-up working days. "
                         "Submit it on the versions page."),
    "calendar.not_saved": _s("没有保存: 请先改正以下 {n} 处问题。",
                             "Not saved: correct these {n} problems first."),
    "calendar.problem.bad_line": _s("看不懂「{line}」: 请写成 2027-01-01 元旦",
                                    "Cannot read “{line}”: write 2027-01-01 New Year"),
    "calendar.problem.bad_date": _s("{date} 不是真实的日期 (「{line}」)",
                                    "{date} is not a real date (“{line}”)"),
    "calendar.problem.bad_range": _s("「{line}」: 一段日期须从早到晚, 且不超过一个月",
                                     "“{line}”: a span must run forwards and at most a month"),
    "calendar.problem.duplicate": _s("{date} 写了两次", "{date} is listed twice"),
    "calendar.problem.empty": _s("没有填写任何日期", "No dates entered"),
    "calendar.problem.wrong_year": _s("{date} 不在 {year} 年内", "{date} is not in {year}"),
    "calendar.problem.holiday_weekend": _s(
        "{date} 是周末, 本来就休息: 放假日只填工作日", "{date} is a weekend day, off anyway: "
        "days off are working days only"),
    "calendar.problem.workday_weekday": _s(
        "{date} 是工作日: 调休上班日必须是周末", "{date} is a working day: a make-up working "
        "day must be a weekend day"),
    "calendar.problem.both": _s("{date} 不能既放假又调休上班",
                                "{date} cannot be both a day off and a make-up working day"),
}
