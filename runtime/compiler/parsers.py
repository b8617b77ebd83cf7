"""Stage 4, model: one parser per rule kind, from validated (and overlaid) data to model objects.

Parsers run after the JSON Schema check, so shapes are right; they still never trust the data
blindly (a parser must not crash on a rule that failed the schema) and they report what only
they can see: durations, recurrences and conditions that do not parse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from itertools import pairwise
from types import MappingProxyType
from typing import Any, TypeVar, cast

from runtime.compiler import model as m
from runtime.compiler.expr import Condition, ExpressionError, compile_condition
from runtime.compiler.loader import LocDict, loc_at
from runtime.compiler.timeexpr import Duration, Recurrence, parse_duration, parse_recurrence
from runtime.compiler.titles import render as render_title
from runtime.errors import KeyPath, RuleError, format_path

T = TypeVar("T")
# Named limits (马上汇报 = within: immediately); the company's `limits:` sets their length.
DEFAULT_LIMITS: dict[str, Duration] = {"immediately": Duration(15, "minutes")}
LIMIT_ALIASES = {"马上": "immediately", "立即": "immediately", "立刻": "immediately"}


def named_limits(company: Any) -> dict[str, Duration]:
    """The company's `limits:` (name → duration) from its raw data; bad entries are skipped
    here and reported when the company itself is parsed."""
    out: dict[str, Duration] = {}
    for name, raw in _d(_d(company).get("limits")).items():
        try:
            out[str(name)] = parse_duration(str(raw))
        except ValueError:
            continue
    return out
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass
class Ctx:
    """A parse of one rule document: its data, file and the errors found so far."""

    data: LocDict
    file: str
    errors: list[RuleError] = field(default_factory=list)
    limits: Mapping[str, Duration] = field(default_factory=dict)  # named: immediately ...

    def loc(self, path: KeyPath) -> m.Loc:
        """Location of `path` in this document (nearest known ancestor)."""
        return loc_at(self.data, path) or m.Loc(self.file, 1, 1)

    def error(self, path: KeyPath, code: str, message: str) -> None:
        """Record one error at `path`."""
        loc = self.loc(path)
        self.errors.append(RuleError(loc.file, loc.line, loc.col, code, message, path))

    def duration(self, value: Any, path: KeyPath) -> Duration | None:
        """Parse an optional duration, reporting E040 when it does not parse."""
        if value is None:
            return None
        name = LIMIT_ALIASES.get(str(value).strip(), str(value).strip())
        if name in self.limits or name in DEFAULT_LIMITS:
            # A named limit (within: immediately): the company's value, else the default.
            return self.limits.get(name) or DEFAULT_LIMITS[name]
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.error(path, "E040", f"bad duration {value!r}: {exc}")
            return None

    def recurrence(self, value: Any, path: KeyPath) -> Recurrence | None:
        """Parse an optional recurrence, reporting E041 when it does not parse."""
        if value is None:
            return None
        try:
            return parse_recurrence(str(value))
        except ValueError as exc:
            self.error(path, "E041", f"bad recurrence {value!r}: {exc}")
            return None

    def condition(self, value: Any, path: KeyPath) -> Condition | None:
        """Compile an optional condition, reporting E050 on a syntax error."""
        if value is None:
            return None
        try:
            cond = compile_condition(str(value))
        except ExpressionError as exc:
            self.error(path, "E050", str(exc))
            return None
        # Limit breaches at run time name the rule, its file and the key (never silent).
        kind, rid = self.data.get("kind"), self.data.get("id")
        where = f"{kind} {rid!r} ({self.file}) {format_path(path)}"
        return cond.located(where)


def _d(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ids(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in _l(value))


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _hhmm(value: Any) -> time | None:
    if not isinstance(value, str) or ":" not in value:
        return None
    hh, mm = value.split(":", 1)
    try:
        hour, minute = int(hh), int(mm)
    except ValueError:
        return None
    if hour == 24 and minute == 0:
        return time(23, 59, 59)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return time(hour, minute)


def _point(value: Any) -> m.ClockPoint:
    if isinstance(value, dict):
        event = "complete" if value.get("event") == "complete" else "enter"
        return m.ClockPoint(str(value.get("step", "")), cast(Any, event))
    return m.ClockPoint(str(value or ""))


def parse_meta(ctx: Ctx) -> m.Meta:
    """The header common to every kind."""
    d = ctx.data
    scope = d.get("id") if d.get("kind") == "property" else d.get("property")
    return m.Meta(
        kind=str(d.get("kind", "")),
        id=str(d.get("id", "")),
        title=str(d.get("title", "")),
        version=str(d.get("version", "")),
        effective=str(d.get("effective", "")),
        drafted_by=_opt(d.get("drafted-by")),
        reviewed_by=_opt(d.get("reviewed-by")),
        approved_by=_opt(d.get("approved-by")),
        property=_opt(scope),
        src=d.loc,
        title_en=_opt(d.get("title-en")),
        description=_opt(d.get("description")),
    )


def _targets(items: Any) -> tuple[m.Target, ...]:
    out = []
    for t in _l(items):
        t = _d(t)
        out.append(
            m.Target(
                name=str(t.get("name", "")),
                value=_num(t.get("value")),
                unit=str(t.get("unit", "%")),
                comparison=cast(Any, t.get("comparison", ">=")),
                note=_opt(t.get("note")),
                max=_num(t.get("max")),
                per=_opt(t.get("per")),
            )
        )
    return tuple(out)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def parse_duties(ctx: Ctx, items: Any, path: KeyPath) -> tuple[m.Duty, ...]:
    """Numbered duties of a role or department."""
    out = []
    for i, raw in enumerate(_l(items)):
        d = _d(raw)
        p = (*path, i)
        raw_sched = d.get("schedule")
        scheds = [
            r for j, x in enumerate(raw_sched if isinstance(raw_sched, list) else [raw_sched])
            if (r := ctx.recurrence(x, (*p, "schedule", j) if isinstance(raw_sched, list)
                                    else (*p, "schedule"))) is not None
        ]
        out.append(
            m.Duty(
                no=int(d.get("no", i + 1)) if isinstance(d.get("no"), int) else i + 1,
                text=str(d.get("text", "")),
                src=ctx.loc(p),
                frequency=_opt(d.get("frequency")),
                schedule=scheds[0] if scheds else None,
                schedules=tuple(scheds),
                label=_opt(d.get("label")),
                time_limit=ctx.duration(d.get("time-limit"), (*p, "time-limit")),
                targets=_targets(d.get("targets")),
                procedures=_ids(d.get("procedures")),
                forms=_ids(d.get("forms")),
                id=_opt(d.get("id")),
            )
        )
    return tuple(out)


def _departments(ctx: Ctx, items: Any) -> tuple[m.Department, ...]:
    out = []
    for i, raw in enumerate(_l(items)):
        d = _d(raw)
        out.append(
            m.Department(
                id=str(d.get("id", "")),
                title=str(d.get("title", "")),
                duties=parse_duties(ctx, d.get("duties"), ("departments", i, "duties")),
                head=_opt(d.get("head")),
                src=ctx.loc(("departments", i)),
            )
        )
    return tuple(out)


def _service_hours(items: Any) -> tuple[m.ServiceHours, ...]:
    out = []
    for raw in _l(items):
        d = _d(raw)
        start, end = _hhmm(d.get("start")), _hhmm(d.get("end"))
        if start is None or end is None:
            continue
        out.append(m.ServiceHours(start, end, _opt(d.get("role")), _opt(d.get("note"))))
    return tuple(out)


def _notifications(ctx: Ctx, value: Any) -> m.Notifications | None:
    """`notifications:` of a company or property (runtime/notify reads it)."""
    if value is None:
        return None
    d = _d(value)
    channels = tuple(m.ChannelRule(_ids(_d(c).get("roles")), _ids(_d(c).get("via")),
                                   _ids(_d(c).get("kinds"))) for c in _l(d.get("channels")))
    robots = tuple(m.Robot(str(_d(r).get("id", "")), str(_d(r).get("type", "wecom")),
                           str(_d(r).get("url-env", "")), _opt(_d(r).get("secret-env")),
                           _opt(_d(r).get("title"))) for r in _l(d.get("robots")))
    quiet = None
    if "quiet-hours" in d:
        q = _d(d.get("quiet-hours"))
        start, end = _hhmm(q.get("start")), _hhmm(q.get("end"))
        if (start is None) != (end is None) or (start is not None and start == end):
            ctx.error(("notifications", "quiet-hours"), "E100",
                      "quiet hours need both start and end, and they must differ")
            start = end = None
        urgent = _ids(q.get("except")) if "except" in q else ("breach", "escalated")
        quiet = m.QuietHours(start, end, bool(q.get("non-working-days", False)), urgent)
    digest = None
    if "digest" in d:
        g = _d(d.get("digest"))
        every = ctx.duration(g.get("every"), ("notifications", "digest", "every"))
        if every is not None:
            minutes = (0 if every.working or every.is_calendar_unit
                       else every.to_timedelta().total_seconds() / 60)
            if minutes < 1:
                ctx.error(("notifications", "digest", "every"), "E100",
                          "a digest period is a wall-clock duration of at least 1 minute")
            else:
                digest = m.Digest(int(minutes), _ids(g.get("kinds")))
    return m.Notifications(channels, robots, quiet, digest)


def parse_company(ctx: Ctx) -> m.Company:
    """kind: company."""
    d = ctx.data
    dc = _d(d.get("document-control"))
    return m.Company(
        meta=parse_meta(ctx),
        calendar=_opt(d.get("calendar")),
        document_control=m.DocumentControl(
            drafters=_ids(dc.get("drafted-by")),
            reviewers=_ids(dc.get("reviewed-by")),
            approvers=_ids(dc.get("approved-by")),
            company_reviewers=_ids(_d(dc.get("company-rules")).get("reviewed-by")),
            company_approvers=_ids(_d(dc.get("company-rules")).get("approved-by")),
            may_combine=_ids(dc.get("may-combine")),
        ),
        departments=_departments(ctx, d.get("departments")),
        service_hours=_service_hours(d.get("service-hours")),
        access=m.Access(
            administer=_ids(_d(d.get("access")).get("administer")),
            train=_ids(_d(d.get("access")).get("train")),
            dashboard=_ids(_d(d.get("access")).get("dashboard")),
            all_properties=_ids(_d(d.get("access")).get("all-properties")),
        ),
        notifications=_notifications(ctx, d.get("notifications")),
        limits=MappingProxyType({
            str(k): dur for k, v in _d(d.get("limits")).items()
            if (dur := ctx.duration(v, ("limits", k))) is not None}),
    )


def parse_property(ctx: Ctx) -> m.Property:
    """kind: property (its overlays are applied by the overlay stage, not here)."""
    d = ctx.data
    return m.Property(
        meta=parse_meta(ctx),
        property_type=str(d.get("property-type", "residential")),
        calendar=_opt(d.get("calendar")),
        service_hours=_service_hours(d.get("service-hours")),
        departments=_departments(ctx, d.get("departments")),
        overlay_count=len(_l(d.get("overlays"))),
        address=_opt(d.get("address")),
        notifications=_notifications(ctx, d.get("notifications")),
        script=cast(Any, "hant" if d.get("script") == "hant" else "hans"),
    )


_WEEK_DAYS = {5: (0, 1, 2, 3, 4), 5.5: (0, 1, 2, 3, 4, 5), 6: (0, 1, 2, 3, 4, 5),
              7: (0, 1, 2, 3, 4, 5, 6)}


def _periods(ctx: Ctx, items: Any, path: KeyPath) -> m.Periods:
    out = []
    for i, raw in enumerate(_l(items)):
        start, end = _hhmm(_d(raw).get("start")), _hhmm(_d(raw).get("end"))
        if start is None or end is None or start >= end:
            ctx.error((*path, i), "E045", "a working period needs start < end (HH:MM) on one day")
            continue
        out.append((start, end))
    out.sort()
    for (_, e1), (s2, _) in pairwise(out):
        if s2 < e1:
            ctx.error(path, "E045", "working periods overlap")
            break
    return tuple(out)


def _month_day(value: Any) -> tuple[int, int]:
    mm, dd = str(value or "01-01").split("-", 1)
    return int(mm), int(dd)


def parse_work_pattern(ctx: Ctx, raw: Any, path: KeyPath) -> m.WorkPattern | None:
    """A role's `work-pattern`: week, days, half-days, hours, seasons, rotation."""
    if not isinstance(raw, dict):
        return None
    week = raw.get("week")
    week_f = float(week) if isinstance(week, int | float) and not isinstance(week, bool) else None
    if "days" in raw:
        days = tuple(sorted({WEEKDAYS[x] for x in _l(raw.get("days")) if x in WEEKDAYS}))
    else:
        days = _WEEK_DAYS.get(week_f or 5, _WEEK_DAYS[5])
    if "half-days" in raw:
        half = tuple(WEEKDAYS[x] for x in _l(raw.get("half-days")) if x in WEEKDAYS)
    else:
        half = (5,) if week_f == 5.5 else ()
    for j, h in enumerate(half):
        if h not in days:
            ctx.error((*path, "half-days", j), "E045",
                      "a half day must be one of the working days")
    seasons = []
    for i, rs in enumerate(_l(raw.get("seasons"))):
        sd = _d(rs)
        try:
            first, last = _month_day(sd.get("from")), _month_day(sd.get("to"))
            for md in (first, last):
                date(2024, *md)  # a leap year: raises ValueError for 02-30, 13-01
        except ValueError:
            ctx.error((*path, "seasons", i), "E045", "season dates are MM-DD (e.g. 10-01)")
            continue
        seasons.append(m.Season(
            id=str(sd.get("id", "")), name=str(sd.get("name") or sd.get("id", "")),
            start=first, end=last,
            hours=_periods(ctx, sd.get("hours"), (*path, "seasons", i, "hours"))))
    for a_i, a in enumerate(seasons):
        for b in seasons[a_i + 1:]:
            probe = [date(2024, *x) for x in (b.start, b.end)]
            if any(a.contains(p) for p in probe) or any(
                    b.contains(date(2024, *x)) for x in (a.start, a.end)):
                ctx.error((*path, "seasons"), "E045",
                          f"seasons {a.id!r} and {b.id!r} overlap")
    rotation = None
    rr = raw.get("rotation")
    if isinstance(rr, dict):
        rp: KeyPath = (*path, "rotation")
        shifts = []
        for rs in _l(rr.get("shifts")):
            sd = _d(rs)
            start, end = _hhmm(sd.get("start")), _hhmm(sd.get("end"))
            if start is None or end is None:
                continue
            shifts.append(m.RotationShift(str(sd.get("id", "")), str(sd.get("name", "")),
                                          start, end))
        ids = {sh.id for sh in shifts}
        cycle = tuple(str(x) for x in _l(rr.get("cycle")))
        for j, sid in enumerate(cycle):
            if sid != "off" and sid not in ids:
                ctx.error((*rp, "cycle", j), "E045",
                          f"cycle names {sid!r}, which is neither a shift id nor off")
        crews = tuple(str(x) for x in _l(rr.get("crews")))
        try:
            anchor = date.fromisoformat(str(rr.get("anchor")))
        except ValueError:
            ctx.error((*rp, "anchor"), "E045", "anchor is a date YYYY-MM-DD")
            anchor = date(2026, 1, 1)
        stagger = rr.get("stagger")
        if not isinstance(stagger, int) or isinstance(stagger, bool):
            stagger = len(cycle) // len(crews) if crews and cycle else 0
        if cycle and crews:
            rotation = m.Rotation(tuple(shifts), cycle, crews, anchor, stagger)
    hours = _periods(ctx, raw.get("hours"), (*path, "hours")) if "hours" in raw else ()
    holidays = raw.get("holidays")
    return m.WorkPattern(
        weekdays=days, half_days=half, hours=hours, seasons=tuple(seasons),
        rotation=rotation,
        holidays_off=(holidays != "work") if holidays is not None else rotation is None,
        week=week_f, pay=_opt(raw.get("pay")), note=_opt(raw.get("note")))


def parse_role(ctx: Ctx) -> m.Role:
    """kind: role."""
    d = ctx.data
    hc = d.get("headcount")
    if isinstance(hc, int):
        headcount = m.Headcount(count=hc)
    else:
        hcd = _d(hc)
        phases = {str(k): int(v) for k, v in _d(hcd.get("phases")).items() if isinstance(v, int)}
        count = hcd.get("count")
        headcount = m.Headcount(
            count=count if isinstance(count, int) else None,
            phases=MappingProxyType(phases),
            note=_opt(hcd.get("note")),
        )
    q = _d(d.get("qualifications"))
    shifts = tuple(
        m.Shift(
            name=str(_d(s).get("name", "")),
            start=_hhmm(_d(s).get("start")),
            end=_hhmm(_d(s).get("end")),
            days=_opt(_d(s).get("days")),
            note=_opt(_d(s).get("note")),
        )
        for s in _l(d.get("shifts"))
    )
    return m.Role(
        meta=parse_meta(ctx),
        department=_opt(d.get("department")),
        reports_to=_ids(d.get("reports-to")),
        level=cast(Any, d.get("level", "operational")),
        headcount=headcount,
        shifts=shifts,
        summary=_opt(d.get("summary")),
        duties=parse_duties(ctx, d.get("duties"), ("duties",)),
        authorities=tuple(str(a) for a in _l(d.get("authorities"))),
        qualifications=m.Qualifications(
            education=_opt(q.get("education")),
            experience=_opt(q.get("experience")),
            certificates=tuple(str(c) for c in _l(q.get("certificates"))),
            other=tuple(str(c) for c in _l(q.get("other"))),
        ),
        sees_personal_data=bool(d.get("sees-personal-data", False)),
        purpose=_opt(d.get("purpose")),
        scope=_opt(d.get("scope")),
        work_content=parse_duties(ctx, d.get("work-content"), ("work-content",)),
        routine=_routine(ctx, d.get("routine")),
        references=tuple(
            m.Reference(
                title=str(_d(r).get("title", "")),
                src=ctx.loc(("references", i)),
                number=_opt(_d(r).get("number")),
                link=_opt(_d(r).get("link")),
            )
            for i, r in enumerate(_l(d.get("references")))
        ),
        work_pattern=parse_work_pattern(ctx, d.get("work-pattern"), ("work-pattern",)),
        serves=(None if d.get("serves") is None else
                ("all",) if d.get("serves") == "all" else _ids(d.get("serves"))),
    )


def _routine(ctx: Ctx, items: Any) -> tuple[m.RoutineStep, ...]:
    """A role's daily routine (工作流程), in the order written."""
    out = []
    for i, raw in enumerate(_l(items)):
        r = _d(raw)
        no = r.get("no")
        out.append(m.RoutineStep(
            no=no if isinstance(no, int) and not isinstance(no, bool) else i + 1,
            text=str(r.get("text", "")),
            src=ctx.loc(("routine", i)),
            label=_opt(r.get("label")),
            id=_opt(r.get("id")),
        ))
    return tuple(out)


def _steps(ctx: Ctx, items: Any) -> tuple[m.Step, ...]:
    out = []
    for i, raw in enumerate(_l(items)):
        s = _d(raw)
        p: KeyPath = ("steps", i)
        nxt = []
        for j, t in enumerate(_l(s.get("next"))):
            t = _d(t)
            nxt.append(
                m.Transition(
                    to=str(t.get("to", "")),
                    when=ctx.condition(t.get("when"), (*p, "next", j, "when")),
                    label=_opt(t.get("label")),
                )
            )
        branches = []
        for j, t in enumerate(_l(s.get("parallel"))):
            td = _d(t) if isinstance(t, dict) else {"to": t}
            branches.append(m.Transition(
                to=str(td.get("to", "")),
                when=ctx.condition(td.get("when"), (*p, "parallel", j, "when")),
                label=_opt(td.get("label"))))
        waits = tuple(
            m.Precondition(str(_d(w).get("event", "")), str(_d(w).get("by", "")),
                           _opt(_d(w).get("title")))
            for w in _l(s.get("waits-for")))
        join = s.get("join")
        step_limit = ctx.duration(s.get("time-limit"), (*p, "time-limit"))
        out.append(
            m.Step(
                id=str(s.get("id", "")),
                title=render_title(str(s.get("title", "")), step_limit),
                roles=_ids(s.get("roles")),
                src=ctx.loc(p),
                instructions=_opt(s.get("instructions")),
                section=_opt(s.get("section")),
                form=_opt(s.get("form")),
                time_limit=step_limit,
                next=tuple(nxt),
                terminal=bool(s.get("terminal", False)),
                requires=_ids(s.get("requires")),
                notify=_ids(s.get("notify")),
                hands_off_to=_opt(s.get("hands-off-to")),
                title_en=_opt(render_title(str(s["title-en"]), step_limit, "en")
                              if s.get("title-en") else None),
                department=_opt(s.get("department")),
                parallel=tuple(branches),
                join=cast(Any, join if join in ("all", "any") else None),
                waits_for=waits,
            )
        )
    return tuple(out)


def _clocks(ctx: Ctx, items: Any) -> tuple[m.Clock, ...]:
    out = []
    for i, raw in enumerate(_l(items)):
        c = _d(raw)
        p: KeyPath = ("clocks", i)
        within = ctx.duration(c.get("within"), (*p, "within"))
        until = _opt(c.get("until"))
        if (within is None) == (until is None):
            if "within" not in c or until is not None:
                ctx.error(p, "E044", "a clock needs exactly one of within: (a duration) or "
                          "until: (a date-time field of the case)")
            continue
        stops = c.get("to")
        stop_points = tuple(_point(x) for x in (stops if isinstance(stops, list) else [stops]))
        basis = c.get("basis")
        working = (within.working if within else False) if basis is None else (
            basis in ("working", "pattern"))
        escalate = []
        for j, e in enumerate(_l(c.get("escalate"))):
            e = _d(e)
            escalate.append(
                m.Escalation(
                    role=str(e.get("role", "")),
                    within=ctx.duration(e.get("within"), (*p, "escalate", j, "within")),
                    on=cast(Any, e.get("on", "breach")),
                    note=_opt(e.get("note")),
                )
            )
        out.append(
            m.Clock(
                id=str(c.get("id", "")),
                title=render_title(str(c.get("title", "")), within),
                start=_point(c.get("from")),
                stop=stop_points,
                within=within,
                src=ctx.loc(p),
                working_time=working,
                pause_in=_ids(c.get("pause-in")),
                warn_before=ctx.duration(c.get("warn-before"), (*p, "warn-before")),
                when=ctx.condition(c.get("when"), (*p, "when")),
                escalate=tuple(escalate),
                evidence=_opt(c.get("evidence")),
                until=until,
                pattern=basis == "pattern",
                pattern_of=_opt(c.get("pattern-of")),
            )
        )
    return tuple(out)


def _follow_ups(ctx: Ctx, items: Any) -> tuple[m.FollowUp, ...]:
    out = []
    for i, raw in enumerate(_l(items)):
        f = _d(raw)
        p: KeyPath = ("follow-ups", i)
        delay = ctx.duration(f.get("delay"), (*p, "delay"))
        if delay is None:
            continue
        out.append(
            m.FollowUp(
                id=str(f.get("id", "")),
                title=render_title(str(f.get("title", "")), delay),
                after=_point(f.get("after")),
                delay=delay,
                role=str(f.get("role", "")),
                src=ctx.loc(p),
                form=_opt(f.get("form")),
                required_before=_opt(f.get("required-before")),
                when=ctx.condition(f.get("when"), (*p, "when")),
            )
        )
    return tuple(out)


def parse_procedure(ctx: Ctx) -> m.Procedure:
    """kind: procedure."""
    d = ctx.data
    steps = _steps(ctx, d.get("steps"))
    records = []
    for i, raw in enumerate(_l(d.get("records"))):
        r = _d(raw)
        records.append(
            m.RecordKeeping(
                form=str(r.get("form", "")),
                retention=ctx.duration(r.get("retention"), ("records", i, "retention")),
                keeper=_opt(r.get("keeper")),
                note=_opt(r.get("note")),
            )
        )
    return m.Procedure(
        meta=parse_meta(ctx),
        purpose=str(d.get("purpose", "")),
        scope=str(d.get("scope", "")),
        responsibilities=tuple(
            m.Responsibility(str(_d(r).get("role", "")), str(_d(r).get("text", "")))
            for r in _l(d.get("responsibilities"))
        ),
        form=_opt(d.get("form")),
        start=str(d.get("start") or (steps[0].id if steps else "")),
        steps=steps,
        clocks=_clocks(ctx, d.get("clocks")),
        follow_ups=_follow_ups(ctx, d.get("follow-ups")),
        records=tuple(records),
        category=_opt(d.get("category")),
    )


def _at_least(value: Any) -> tuple[int, str] | None:
    parts = str(value or "").split()
    if len(parts) != 3 or parts[1] != "per" or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[2]


def parse_schedule(ctx: Ctx) -> m.Schedule:
    """kind: schedule."""
    items = []
    for i, raw in enumerate(_l(ctx.data.get("items"))):
        it = _d(raw)
        p: KeyPath = ("items", i)
        rec = ctx.recurrence(it.get("recurrence"), (*p, "recurrence"))
        if rec is None:
            continue
        items.append(
            m.ScheduleItem(
                id=str(it.get("id", "")),
                title=str(it.get("title", "")),
                owners=_ids(it.get("owner")),
                recurrence=rec,
                src=ctx.loc(p),
                output=_opt(it.get("output")),
                form=_opt(it.get("form")),
                targets=_targets(it.get("targets")),
                holiday=cast(Any, it.get("holiday", "previous-working-day")),
                participants=tuple(str(x) for x in _l(it.get("participants"))),
                notes=_opt(it.get("notes")),
                within=ctx.duration(it.get("within"), (*p, "within")),
                follow_pattern=bool(it.get("follow-pattern", False)),
                at_least=_at_least(it.get("at-least")),
                on_days=tuple(WEEKDAYS[x] for x in _l(it.get("on-days")) if x in WEEKDAYS),
                duration=ctx.duration(it.get("duration"), (*p, "duration")),
            )
        )
    return m.Schedule(meta=parse_meta(ctx), items=tuple(items))


def parse_form(ctx: Ctx) -> m.Form:
    """kind: form."""
    d = ctx.data
    ui = _d(d.get("ui"))
    sections = tuple(
        m.FormSection(
            id=str(_d(s).get("id", "")),
            title=str(_d(s).get("title", "")),
            fields=tuple(str(f) for f in _l(_d(s).get("fields"))),
            title_en=_opt(_d(s).get("title-en")),
        )
        for s in _l(ui.get("sections"))
    )
    fields_ui = _d(ui.get("fields"))
    for name, hints in fields_ui.items():
        for key in ("visible-if", "required-if"):
            ctx.condition(_d(hints).get(key), ("ui", "fields", name, key))
    personal = tuple(n for n, h in fields_ui.items() if _d(h).get("personal"))
    prefix = d.get("number-prefix") or "".join(w[0] for w in str(d.get("id", "R")).split("-"))
    return m.Form(
        meta=parse_meta(ctx),
        schema=d.get("schema") or {},
        ui=ui,
        sections=sections,
        template=_opt(_d(d.get("print")).get("template")),
        number_prefix=str(prefix).upper(),
        retention=ctx.duration(d.get("retention"), ("retention",)),
        personal_fields=personal,
        signatures=tuple(str(s) for s in _l(_d(d.get("print")).get("signatures"))),
        orientation=cast(Any, "landscape" if _d(d.get("print")).get("orientation") == "landscape"
                         else "portrait"),
    )


def parse_calendar(ctx: Ctx) -> m.Calendar:
    """kind: calendar."""
    d = ctx.data
    hours = []
    for i, raw in enumerate(_l(d.get("working-hours"))):
        start, end = _hhmm(_d(raw).get("start")), _hhmm(_d(raw).get("end"))
        if start is None or end is None or start >= end:
            ctx.error(("working-hours", i), "E042", "working hours need start < end (HH:MM)")
            continue
        hours.append((start, end))
    days = tuple(WEEKDAYS[x] for x in _l(d.get("working-days")) if x in WEEKDAYS) or (
        0, 1, 2, 3, 4,
    )
    overrides = {}
    for year, raw in _d(d.get("years")).items():
        y = _d(raw)
        try:
            overrides[int(year)] = m.YearOverride(
                holidays=MappingProxyType(
                    {str(k): str(v) for k, v in _d(y.get("holidays")).items()}),
                workdays=tuple(str(x) for x in _l(y.get("workdays"))),
            )
        except ValueError:
            ctx.error(("years", year), "E042", f"year {year!r} is not a number")
            continue
        _check_override(ctx, year, overrides[int(year)])
    country = d.get("country", "CN")
    return m.Calendar(
        meta=parse_meta(ctx),
        working_hours=tuple(hours),
        working_weekdays=days,
        country=_opt(country),
        holidays=MappingProxyType({str(k): str(v) for k, v in _d(d.get("holidays")).items()}),
        workdays=tuple(str(x) for x in _l(d.get("workdays"))),
        overrides=MappingProxyType(overrides),
        warn_from_month=_month(d.get("warn-next-year-from")),
    )


def _check_override(ctx: Ctx, key: Any, ov: m.YearOverride) -> None:
    """A year's schedule: real dates of that year, none both a holiday and a working day.

    Without this the calendar would refuse the override only when a deadline is computed
    (WorkCalendar raises), long after the file was published."""
    year = int(key)
    seen: dict[str, str] = {}
    for part, dates in (("holidays", list(ov.holidays)), ("workdays", list(ov.workdays))):
        for i, text in enumerate(dates):
            path: KeyPath = ("years", key, part, text if part == "holidays" else i)
            try:
                day = date.fromisoformat(text)
            except ValueError:
                ctx.error(path, "E042", f"{text!r} is not a date (YYYY-MM-DD)")
                continue
            if day.year != year:
                ctx.error(path, "E042", f"{text} is not in {year}")
            elif text in seen and seen[text] != part:
                ctx.error(path, "E042", f"{text} is both a holiday and a make-up working day")
            seen[text] = part


def _month(value: Any) -> int:
    """A month 1..12 (the schema reports anything else); 11 (November) when absent."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 12 \
        else 11


def parse_training(ctx: Ctx) -> m.Training:
    """kind: training."""
    d = ctx.data
    sections = tuple(
        m.TrainingSection(
            id=str(_d(s).get("id", "")),
            title=str(_d(s).get("title", "")),
            items=tuple(str(x) for x in _l(_d(s).get("items"))),
        )
        for s in _l(d.get("sections"))
    )
    scripts = []
    for i, raw in enumerate(_l(d.get("scripts"))):
        s = _d(raw)
        lines = tuple(
            m.ScriptLine(
                text=str(_d(ln).get("text", "")),
                say=_opt(_d(ln).get("say")),
                time_limit=ctx.duration(
                    _d(ln).get("time-limit"), ("scripts", i, "lines", j, "time-limit")
                ),
            )
            for j, ln in enumerate(_l(s.get("lines")))
        )
        scripts.append(m.Script(str(s.get("id", "")), str(s.get("title", "")), lines))
    quiz = []
    for i, raw in enumerate(_l(d.get("quiz"))):
        q = _d(raw)
        choices = tuple(str(c) for c in _l(q.get("choices")))
        answer = str(q.get("answer", ""))
        if choices and answer not in choices:
            ctx.error(("quiz", i, "answer"), "E043", f"answer {answer!r} is not one of the choices")
        quiz.append(
            m.Question(
                id=str(q.get("id", "")),
                question=str(q.get("question", "")),
                choices=choices,
                answer=answer,
                explanation=_opt(q.get("explanation")),
                roles=_ids(q.get("roles")),
            )
        )
    return m.Training(
        meta=parse_meta(ctx),
        sections=sections,
        scripts=tuple(scripts),
        quiz=tuple(quiz),
        roles=_ids(d.get("roles")),
    )


PARSERS: dict[str, Callable[[Ctx], Any]] = {
    "company": parse_company,
    "property": parse_property,
    "role": parse_role,
    "procedure": parse_procedure,
    "schedule": parse_schedule,
    "form": parse_form,
    "calendar": parse_calendar,
    "training": parse_training,
}


def parse(kind: str, data: LocDict, file: str,
          limits: Mapping[str, Duration] | None = None) -> tuple[Any, list[RuleError]]:
    """Parse one document of a known kind (`limits`: the company's named limits);
    returns (model object, errors)."""
    ctx = Ctx(data, file, limits=dict(limits or {}))
    obj = PARSERS[kind](ctx)
    return obj, ctx.errors
