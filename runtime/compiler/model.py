"""Typed, immutable objects of a resolved rule set (the `model` stage of the pipeline).

Everything here is a frozen dataclass built by `runtime.compiler.parsers` from validated YAML;
callers (engine, forms, app) read these and never the raw YAML. Every object carries `src`, the
file and line its value came from after overlays (a property override points at the property file).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from types import MappingProxyType
from typing import Any, Literal

from runtime.compiler.expr import Condition
from runtime.compiler.timeexpr import Duration, Recurrence


@dataclass(frozen=True)
class Loc:
    """Where a value came from: a rule file (relative to the project root) and a 1-based line."""

    file: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


NOWHERE = Loc("<generated>", 0, 0)
EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return EMPTY


@dataclass(frozen=True)
class Meta:
    """The header every rule file carries: identity, version and document control."""

    kind: str
    id: str
    title: str
    version: str
    effective: str
    drafted_by: str | None  # None: not yet given (编制/审核/批准 pending)
    reviewed_by: str | None
    approved_by: str | None
    property: str | None  # None: company base; else the property this rule belongs to
    src: Loc
    title_en: str | None = None
    description: str | None = None

    @builtins.property
    def pending(self) -> tuple[str, ...]:
        """The document-control keys not yet given (drafted-by, reviewed-by, approved-by)."""
        keys = (("drafted-by", self.drafted_by), ("reviewed-by", self.reviewed_by),
                ("approved-by", self.approved_by))
        return tuple(k for k, v in keys if v is None)


class _Named:
    """`id` and `title` of a rule object, read from its `meta` header."""

    meta: Meta

    @builtins.property
    def id(self) -> str:
        """The rule id."""
        return self.meta.id

    @builtins.property
    def title(self) -> str:
        """The rule's display title."""
        return self.meta.title


@dataclass(frozen=True)
class Target:
    """A KPI target such as 投诉处理率 100% or 收缴率 98%."""

    name: str
    value: float | None
    unit: str = "%"
    comparison: Literal[">=", "<=", "="] = ">="
    note: str | None = None
    max: float | None = None
    per: str | None = None  # day, week, month, quarter, year, occurrence

    def __str__(self) -> str:
        def num(x: float) -> str:
            return str(int(x)) if float(x).is_integer() else str(x)

        if self.value is None:
            return self.name + (f" ({self.note})" if self.note else "")
        if self.max is not None:
            return f"{self.name} {num(self.value)}–{num(self.max)}{self.unit}"
        op = {">=": "≥", "<=": "≤", "=": "="}[self.comparison]
        return f"{self.name} {op} {num(self.value)}{self.unit}"


@dataclass(frozen=True)
class Duty:
    """One numbered duty of a role or department."""

    no: int
    text: str
    src: Loc
    frequency: str | None = None  # free text as the handbook says it (每日, 每周, 随时)
    schedule: Recurrence | None = None  # the first of `schedules`
    schedules: tuple[Recurrence, ...] = ()
    label: str | None = None  # the handbook's own numbering when not 1, 2, 3 (1.1, a), ①)
    time_limit: Duration | None = None
    targets: tuple[Target, ...] = ()
    procedures: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    id: str | None = None


@dataclass(frozen=True)
class RoutineStep:
    """One step of a role's daily routine (工作流程): ordered, without clock times."""

    no: int
    text: str
    src: Loc
    label: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Reference:
    """A related document that is not a form (《员工考核办法》): title, number, optional link."""

    title: str
    src: Loc
    number: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Shift:
    """A shift pattern or working-hours block of a role (行政班 08:30-17:30, 三班三运转)."""

    name: str
    start: time | None = None
    end: time | None = None
    days: str | None = None
    note: str | None = None


Periods = tuple[tuple[time, time], ...]


@dataclass(frozen=True)
class Season:
    """季节作息: the working periods used between two month-days (冬季 10-01 .. 04-30)."""

    id: str
    name: str
    start: tuple[int, int]  # (month, day), inclusive
    end: tuple[int, int]  # (month, day), inclusive; may wrap over the new year
    hours: Periods

    def contains(self, d: date) -> bool:
        """Whether `d` falls in this season (a season may run over the new year)."""
        md = (d.month, d.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


@dataclass(frozen=True)
class RotationShift:
    """One shift of a rotation (早班 07:00-15:00)."""

    id: str
    name: str
    start: time
    end: time


@dataclass(frozen=True)
class Rotation:
    """倒班: crews walk the same day-by-day cycle of shifts, staggered (三班三运转)."""

    shifts: tuple[RotationShift, ...]
    cycle: tuple[str, ...]  # shift id per day of the cycle, "off" for a rest day
    crews: tuple[str, ...]
    anchor: date  # the first crew is on day 1 of the cycle on this date
    stagger: int  # days each next crew is offset in the cycle

    def shift_of(self, crew: int, d: date) -> RotationShift | None:
        """The shift crew number `crew` (0-based) works on `d`; None on its rest day."""
        pos = ((d - self.anchor).days - crew * self.stagger) % len(self.cycle)
        sid = self.cycle[pos]
        return next((s for s in self.shifts if s.id == sid), None)

    @property
    def coverage(self) -> Periods:
        """The periods some crew is on duty each day: the union of the shifts' hours."""
        return tuple(sorted({(s.start, s.end) for s in self.shifts if s.start < s.end}))


@dataclass(frozen=True)
class WorkPattern:
    """工作制 of a role: working weekdays (五天半 / 六天), periods by season, or a rotation."""

    weekdays: tuple[int, ...]  # 0 = Monday
    half_days: tuple[int, ...] = ()  # weekdays with only the first period (周六上午)
    hours: Periods = ()  # empty: the property calendar's working hours
    seasons: tuple[Season, ...] = ()
    rotation: Rotation | None = None
    holidays_off: bool = True  # public holidays are days off (rotations work through them)
    week: float | None = None  # 5, 5.5, 6, 7 as the handbook says it
    pay: str | None = None  # monthly (月薪制), hourly, daily
    note: str | None = None

    def season_on(self, d: date) -> Season | None:
        """The season whose dates hold `d`, if any."""
        return next((s for s in self.seasons if s.contains(d)), None)

    def hours_on(self, d: date, default: Periods = ()) -> Periods:
        """The working periods of `d` by the pattern (before holidays): () on a day off."""
        if self.rotation is not None:
            return self.rotation.coverage
        if d.weekday() not in self.weekdays:
            return ()
        season = self.season_on(d)
        hours = season.hours if season else (self.hours or default)
        if d.weekday() in self.half_days and hours:
            return hours[:1]
        return hours


@dataclass(frozen=True)
class Headcount:
    """定编: total, optional per-phase numbers (一期 15 人, 二期 55 人) and a note."""

    count: int | None = None
    phases: Mapping[str, int] = field(default_factory=_empty)
    note: str | None = None


@dataclass(frozen=True)
class Qualifications:
    """任职资格: education, experience, certificates and other requirements."""

    education: str | None = None
    experience: str | None = None
    certificates: tuple[str, ...] = ()
    other: tuple[str, ...] = ()


@dataclass(frozen=True)
class Role(_Named):
    """岗位: a position with its reporting line, duties, authorities and qualifications."""

    meta: Meta
    department: str | None
    reports_to: tuple[str, ...]
    level: Literal["management", "operational"]
    headcount: Headcount
    shifts: tuple[Shift, ...]
    summary: str | None
    duties: tuple[Duty, ...]
    authorities: tuple[str, ...]
    qualifications: Qualifications
    sees_personal_data: bool = False  # may see unmasked phone / ID numbers
    purpose: str | None = None  # 1.0 目的 of a role document
    scope: str | None = None  # 2.0 适用范围
    work_content: tuple[Duty, ...] = ()  # 工作内容: its own numbered list, not more duties
    routine: tuple[RoutineStep, ...] = ()  # 工作流程: the day's work in order
    references: tuple[Reference, ...] = ()  # 相关文件 that are not forms
    work_pattern: WorkPattern | None = None  # 工作制 (roster, pattern-following tasks/clocks)
    serves: tuple[str, ...] | None = None  # company-level role: ("all",) or property ids

    def serves_property(self, property_id: str | None) -> bool:
        """Whether this role works in `property_id` (a role without `serves` works anywhere)."""
        if self.serves is None or property_id is None:
            return True
        return "all" in self.serves or property_id in self.serves


@dataclass(frozen=True)
class Responsibility:
    """职责: what one role is responsible for in a procedure."""

    role: str
    text: str


@dataclass(frozen=True)
class Transition:
    """A way out of a step: go to `to` when `when` holds (no condition: the default)."""

    to: str
    when: Condition | None = None
    label: str | None = None


@dataclass(frozen=True)
class Precondition:
    """An event another department or role records on the case before a step may complete."""

    event: str
    by: str  # department id or role id
    title: str | None = None


@dataclass(frozen=True)
class Step:
    """One step of a procedure."""

    id: str
    title: str
    roles: tuple[str, ...]
    src: Loc
    instructions: str | None = None
    section: str | None = None  # the section of the case form this step fills
    form: str | None = None  # a separate form whose record this step creates (派工单)
    time_limit: Duration | None = None
    next: tuple[Transition, ...] = ()
    terminal: bool = False
    requires: tuple[str, ...] = ()  # forms whose record must exist before the step completes
    notify: tuple[str, ...] = ()  # roles told when the step is entered
    hands_off_to: str | None = None  # procedure whose case this step starts (报修, 投诉)
    title_en: str | None = None
    department: str | None = None  # owned by a department: its head or any of its roles
    parallel: tuple[Transition, ...] = ()  # split: every branch whose `when` holds starts
    join: Literal["all", "any"] | None = None  # waits for all branches, or the first one
    waits_for: tuple[Precondition, ...] = ()  # external events needed before completing


@dataclass(frozen=True)
class ClockPoint:
    """Where a clock starts or stops: a step being entered or completed."""

    step: str
    event: Literal["enter", "complete"] = "enter"


@dataclass(frozen=True)
class Escalation:
    """Who is told when a clock breaches (or warns), and how long they have."""

    role: str
    within: Duration | None = None
    on: Literal["breach", "warning"] = "breach"
    note: str | None = None


@dataclass(frozen=True)
class Clock:
    """A time limit across steps: from `start` to any of `stop`, within a duration."""

    id: str
    title: str
    start: ClockPoint
    stop: tuple[ClockPoint, ...]
    within: Duration | None  # None when the deadline is a case field (`until`)
    src: Loc
    working_time: bool = False
    pause_in: tuple[str, ...] = ()
    warn_before: Duration | None = None
    when: Condition | None = None
    escalate: tuple[Escalation, ...] = ()
    evidence: str | None = None  # form whose record proves the stop (e.g. a report sent)
    until: str | None = None  # date-time field of the case holding the agreed deadline
    pattern: bool = False  # basis: pattern — working time of a role's work pattern
    pattern_of: str | None = None  # that role (default: the role of the from step)


@dataclass(frozen=True)
class FollowUp:
    """A task created after a step, e.g. "call back one week after resolution"."""

    id: str
    title: str
    after: ClockPoint
    delay: Duration
    role: str
    src: Loc
    form: str | None = None
    required_before: str | None = None  # step that may not complete until the record exists
    when: Condition | None = None


@dataclass(frozen=True)
class RecordKeeping:
    """A quality record a procedure keeps, with its retention period and keeper."""

    form: str
    retention: Duration | None
    keeper: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Procedure(_Named):
    """作业规程: purpose, scope, responsibilities, steps, clocks, follow-ups and records."""

    meta: Meta
    purpose: str
    scope: str
    responsibilities: tuple[Responsibility, ...]
    form: str | None
    start: str
    steps: tuple[Step, ...]
    clocks: tuple[Clock, ...]
    follow_ups: tuple[FollowUp, ...]
    records: tuple[RecordKeeping, ...]
    category: str | None = None

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError when absent)."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role named by a step, in first-use order."""
        seen: dict[str, None] = {}
        for s in self.steps:
            for r in s.roles:
                seen.setdefault(r, None)
        return tuple(seen)


@dataclass(frozen=True)
class ScheduleItem:
    """One recurring task of a work calendar (工作行程)."""

    id: str
    title: str
    owners: tuple[str, ...]
    recurrence: Recurrence
    src: Loc
    output: str | None = None
    form: str | None = None
    targets: tuple[Target, ...] = ()
    holiday: Literal["keep", "previous-working-day", "next-working-day", "skip"] = (
        "previous-working-day"
    )
    participants: tuple[str, ...] = ()
    notes: str | None = None
    within: Duration | None = None  # to finish after each due date (30个工作日内完成分析)
    follow_pattern: bool = False  # occurrences follow the first owner's work pattern
    at_least: tuple[int, str] | None = None  # (count, per): 每周不少于两次 = (2, "week")
    on_days: tuple[int, ...] = ()  # weekdays the counted tasks fall on (else spread)
    duration: Duration | None = None  # how long each occurrence takes (会议10分钟左右)


@dataclass(frozen=True)
class Schedule(_Named):
    """工作行程: a set of recurring tasks."""

    meta: Meta
    items: tuple[ScheduleItem, ...]


@dataclass(frozen=True)
class FormSection:
    """A titled group of fields in a form; procedure steps fill sections."""

    id: str
    title: str
    fields: tuple[str, ...]
    title_en: str | None = None


@dataclass(frozen=True)
class Form(_Named):
    """表: a JSON Schema for the data plus UI hints and a print template."""

    meta: Meta
    schema: Mapping[str, Any]
    ui: Mapping[str, Any]
    sections: tuple[FormSection, ...]
    template: str | None
    number_prefix: str
    retention: Duration | None
    personal_fields: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()  # signature boxes of the paper register (经办人, 主管)
    orientation: Literal["portrait", "landscape"] = "portrait"

    @property
    def field_names(self) -> tuple[str, ...]:
        """Top-level field names, in schema order."""
        return tuple(self.schema.get("properties", {}))


@dataclass(frozen=True)
class YearOverride:
    """One year's State Council schedule, replacing the package's data for that year."""

    holidays: Mapping[str, str] = field(default_factory=_empty)  # ISO date -> name
    workdays: tuple[str, ...] = ()  # make-up working days (调休上班)


@dataclass(frozen=True)
class Calendar(_Named):
    """Working hours, working weekdays and holidays of a company or property."""

    meta: Meta
    working_hours: tuple[tuple[time, time], ...]
    working_weekdays: tuple[int, ...]
    country: str | None
    holidays: Mapping[str, str]
    workdays: tuple[str, ...]
    overrides: Mapping[int, YearOverride]
    warn_from_month: int = 11  # from this month on, a missing next-year schedule is warned


@dataclass(frozen=True)
class TrainingSection:
    """A titled list of points (仪容仪表, 礼貌用语...)."""

    id: str
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class ScriptLine:
    """One line of a phone script: what to do or say, with an optional time rule."""

    text: str
    say: str | None = None
    time_limit: Duration | None = None


@dataclass(frozen=True)
class Script:
    """A phone or counter script (客服话术)."""

    id: str
    title: str
    lines: tuple[ScriptLine, ...]


@dataclass(frozen=True)
class Question:
    """One quiz question with its choices and answer."""

    id: str
    question: str
    choices: tuple[str, ...]
    answer: str
    explanation: str | None = None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Training(_Named):
    """培训: etiquette sections, courteous phrases, phone scripts and quiz questions."""

    meta: Meta
    sections: tuple[TrainingSection, ...]
    scripts: tuple[Script, ...]
    quiz: tuple[Question, ...]
    roles: tuple[str, ...] = ()

    @property
    def item_count(self) -> int:
        """Points, script lines and quiz questions: the `training_items` statistic."""
        return (
            sum(len(s.items) for s in self.sections)
            + sum(len(s.lines) for s in self.scripts)
            + len(self.quiz)
        )


@dataclass(frozen=True)
class Department:
    """部门 with its numbered duties."""

    id: str
    title: str
    duties: tuple[Duty, ...]
    head: str | None = None
    src: Loc = NOWHERE


@dataclass(frozen=True)
class DocumentControl:
    """Which roles may draft, review and approve rule changes (编制 / 审核 / 批准)."""

    drafters: tuple[str, ...]
    reviewers: tuple[str, ...]
    approvers: tuple[str, ...]
    # A draft that changes company rules (everything outside rules/properties/<id>/ and the
    # property's own forms) is reviewed and approved by these, from company-level accounts.
    company_reviewers: tuple[str, ...] = ()
    company_approvers: tuple[str, ...] = ()
    # Roles whose holders may do more than one of 编制/审核/批准 on the same draft; without
    # them drafter, reviewer and approver must be three different people.
    may_combine: tuple[str, ...] = ()

    def roles(self) -> frozenset[str]:
        """Every role named anywhere in document control."""
        return frozenset((*self.drafters, *self.reviewers, *self.approvers,
                          *self.company_reviewers, *self.company_approvers))


@dataclass(frozen=True)
class Access:
    """Which roles may use which app capabilities (staff work is open to every role)."""

    administer: tuple[str, ...] = ()
    train: tuple[str, ...] = ()
    dashboard: tuple[str, ...] = ()
    all_properties: tuple[str, ...] = ()

    def allows(self, capability: str, roles: tuple[str, ...] | list[str] | set[str]) -> bool:
        """Whether any of `roles` has `capability` (administer, train, dashboard, ...)."""
        allowed = getattr(self, capability.replace("-", "_"), ())
        return any(r in allowed for r in roles)


@dataclass(frozen=True)
class ServiceHours:
    """Who answers residents when: 08:30–17:30 service centre, 21:00–08:30 fire-control centre."""

    start: time
    end: time
    role: str | None
    note: str | None = None


@dataclass(frozen=True)
class ChannelRule:
    """Which external channels (email, a robot id) the holders of some roles are told by."""

    roles: tuple[str, ...]
    via: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # empty: every kind of notification


@dataclass(frozen=True)
class Robot:
    """A WeCom / DingTalk group robot; its URL and signing secret live in the environment."""

    id: str
    type: str  # wecom | dingtalk
    url_env: str
    secret_env: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class QuietHours:
    """External messages wait while it is quiet (local time on the property calendar)."""

    start: time | None = None
    end: time | None = None
    non_working_days: bool = False
    urgent: tuple[str, ...] = ("breach", "escalated")  # `except:` kinds, never held


@dataclass(frozen=True)
class Digest:
    """External messages of these kinds are merged into one per period and recipient."""

    every_minutes: int
    kinds: tuple[str, ...] = ()  # empty: every kind except breach and escalated


@dataclass(frozen=True)
class Notifications:
    """Per-company or per-property notification settings (runtime/notify)."""

    channels: tuple[ChannelRule, ...] = ()
    robots: tuple[Robot, ...] = ()
    quiet_hours: QuietHours | None = None
    digest: Digest | None = None


@dataclass(frozen=True)
class Company:
    """The company base every property inherits."""

    meta: Meta
    calendar: str | None
    document_control: DocumentControl
    departments: tuple[Department, ...]
    service_hours: tuple[ServiceHours, ...] = ()
    access: Access = field(default_factory=Access)
    notifications: Notifications | None = None
    limits: Mapping[str, Duration] = field(default_factory=_empty)  # immediately: 15m ...


@dataclass(frozen=True)
class Property(_Named):
    """A management office (管理处) with its differences from the company base."""

    meta: Meta
    property_type: str
    calendar: str | None
    service_hours: tuple[ServiceHours, ...]
    departments: tuple[Department, ...]
    overlay_count: int = 0
    address: str | None = None
    notifications: Notifications | None = None  # None: the company's settings apply
    script: Literal["hans", "hant"] = "hans"  # zh-Hant: printed chrome in Traditional


@dataclass(frozen=True)
class Stats:
    """Counts reported by `handbook stats` (exactly these keys in its JSON)."""

    roles: int = 0
    duties: int = 0
    procedures: int = 0
    steps: int = 0
    clocks: int = 0
    schedules: int = 0
    schedule_items: int = 0
    forms: int = 0
    fields: int = 0
    properties: int = 0
    training_items: int = 0


@dataclass(frozen=True)
class Handbook:
    """The resolved rule set for one property (or the company base when `property` is None)."""

    company: Company
    property: Property | None
    roles: Mapping[str, Role]
    procedures: Mapping[str, Procedure]
    schedules: Mapping[str, Schedule]
    forms: Mapping[str, Form]
    calendars: Mapping[str, Calendar]
    trainings: Mapping[str, Training]
    properties: Mapping[str, Property]  # every property of the tree, for pickers
    content_hash: str
    provenance: Mapping[tuple[str, str], Mapping[tuple[str | int, ...], Loc]] = field(
        default_factory=dict
    )
    raw: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)

    @builtins.property
    def scope(self) -> str | None:
        """The property id this view resolves, or None for the company base."""
        return self.property.meta.id if self.property else None

    @builtins.property
    def notifications(self) -> Notifications:
        """The effective notification settings: the property's, else the company's."""
        own = self.property.notifications if self.property else None
        return own or self.company.notifications or Notifications()

    @builtins.property
    def calendar(self) -> Calendar | None:
        """The effective calendar: the property's, else the company's."""
        cal_id = (self.property.calendar if self.property else None) or self.company.calendar
        return self.calendars.get(cal_id) if cal_id else None

    def where(self, kind: str, rule_id: str, path: tuple[str | int, ...] = ()) -> Loc | None:
        """Provenance: the file and line the resolved value at `path` of a rule came from."""
        locs = self.provenance.get((kind, rule_id))
        if locs is None:
            return None
        probe = tuple(path)
        while True:
            if probe in locs:
                return locs[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def roles_reporting_to(self, role_id: str) -> tuple[Role, ...]:
        """Direct reports of a role."""
        return tuple(r for r in self.roles.values() if role_id in r.reports_to)
