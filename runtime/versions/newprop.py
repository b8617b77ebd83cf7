"""A new property from the company base, without writing YAML: choices in, overlay rules out.

The administrator picks roles and headcounts, working hours and changed time limits in the app;
this writes `rules/properties/<id>/property.yaml` (overlays) and a property calendar into a draft,
which then goes through the same review and publish path as any other change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import yaml

from runtime.compiler import model as m
from runtime.compiler.pipeline import compiled as compile_tree
from runtime.compiler.timeexpr import Duration, parse_duration
from runtime.errors import HandbookError
from runtime.versions.control import Actor, check_edit
from runtime.versions.drafts import Draft, Drafts

_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class NewProperty:
    """What the administrator chose for a new property."""

    id: str
    title: str
    property_type: str = "residential"
    address: str | None = None
    headcount: Mapping[str, int] = field(default_factory=dict)  # role id → people (0: none)
    working_hours: list[tuple[str, str]] = field(default_factory=list)  # [("08:30","17:30")]
    clock_limits: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (proc, clock)
    step_limits: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (proc, step)
    follow_up_delays: Mapping[tuple[str, str], str] = field(default_factory=dict)


def _header(kind: str, rid: str, title: str, by: str, schema: str) -> str:
    return (f"# yaml-language-server: $schema={schema}\n# Created in the app from the company "
            f"base by {by}.\n") + yaml.safe_dump({
                "kind": kind, "id": rid, "title": title, "version": "1.0.0",
                "effective": date.today().isoformat(), "drafted-by": by,
                "reviewed-by": "待审核", "approved-by": "待批准"}, allow_unicode=True,
                sort_keys=False)


def write_new_property(drafts: Drafts, draft: Draft, spec: NewProperty, by: str,
                       actor: Actor | None = None) -> list[str]:
    """Write the property's rule files into the draft; returns their paths (relative).

    With `actor` (the app) the saves are held to its scope of authority: a new property is a
    company-level decision, so a property's account is refused (ControlDenied).
    """
    who: str | Actor = actor or by
    if actor is not None:  # refuse before writing anything, not half-way
        check_edit(actor, f"rules/properties/{spec.id}/property.yaml", None, "")
    if not _ID.match(spec.id):
        raise HandbookError(f"property id {spec.id!r} must be kebab-case (e.g. east-garden)")
    base = compile_tree(draft.rules, draft.forms)
    company = base.views.get(None)
    if company is None:
        raise HandbookError("the draft has no company rules to start from")
    if spec.id in company.properties:
        raise HandbookError(f"property {spec.id!r} already exists")
    overlays: list[dict[str, object]] = []
    for role_id, count in sorted(spec.headcount.items()):
        if role_id not in company.roles:
            raise HandbookError(f"unknown role {role_id!r}")
        overlays.append({"rule": role_id, "kind": "role", "set": {"headcount": int(count)}})
    per_proc: dict[str, dict[str, str]] = {}
    for (proc, clock), limit in spec.clock_limits.items():
        per_proc.setdefault(proc, {})[f"clocks[{clock}].within"] = limit
    for (proc, step), limit in spec.step_limits.items():
        per_proc.setdefault(proc, {})[f"steps[{step}].time-limit"] = limit
    for (proc, fu), delay in spec.follow_up_delays.items():
        per_proc.setdefault(proc, {})[f"follow-ups[{fu}].delay"] = delay
    for proc, sets in sorted(per_proc.items()):
        if proc not in company.procedures:
            raise HandbookError(f"unknown procedure {proc!r}")
        overlays.append({"rule": proc, "kind": "procedure", "set": sets})
    body: dict[str, object] = {"property-type": spec.property_type}
    if spec.address:
        body["address"] = spec.address
    written = []
    folder = f"rules/properties/{spec.id}"
    if spec.working_hours:
        for start, end in spec.working_hours:
            if not (_HHMM.match(start) and _HHMM.match(end)) or start >= end:
                raise HandbookError(f"working hours {start}-{end}: use HH:MM with start < end")
        cal_id = f"{spec.id}-calendar"
        cal = _header("calendar", cal_id, f"{spec.title}工作日历", by,
                      "../../../runtime/compiler/schemas/calendar.schema.json")
        cal += yaml.safe_dump({"property": spec.id, "working-hours": [
            {"start": s, "end": e} for s, e in spec.working_hours], "country": "CN"},
            allow_unicode=True, sort_keys=False)
        rel = f"{folder}/calendar.yaml"
        drafts.save(draft, rel, cal, drafts.read(draft, rel)[1], who)
        written.append(rel)
        body["calendar"] = cal_id
    if overlays:
        body["overlays"] = overlays
    text = _header("property", spec.id, spec.title, by,
                   "../../../runtime/compiler/schemas/property.schema.json")
    text += yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    rel = f"{folder}/property.yaml"
    drafts.save(draft, rel, text, drafts.read(draft, rel)[1], who)
    written.insert(0, rel)
    return written


# ---- the form's side: what the company offers, and checking what the administrator typed -----

PROPERTY_TYPES = ("residential", "apartment", "office", "mall", "mixed")  # property.schema.json
_HOURS_SPLIT = re.compile(r"\s*(?:-|–|—|~|～|至|到)\s*")
_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Limit:
    """One company time limit a property may change: a clock, a step limit or a follow-up."""

    kind: str  # clock | step | follow-up
    procedure: str
    procedure_title: str
    item: str
    title: str
    value: Duration

    @property
    def key(self) -> str:
        """A stable form-field key: `clock:complaint-handling:handle-within-24h`."""
        return f"{self.kind}:{self.procedure}:{self.item}"


def company_limits(company: m.Handbook) -> list[Limit]:
    """Every fixed time limit of the company procedures (clocks, step limits, follow-ups)."""
    out: list[Limit] = []
    for pid, proc in sorted(company.procedures.items()):
        for clock in proc.clocks:
            if clock.within is not None:  # `until` clocks run to a case date: nothing to set
                out.append(Limit("clock", pid, proc.title, clock.id, clock.title, clock.within))
        for step in proc.steps:
            if step.time_limit is not None:
                out.append(Limit("step", pid, proc.title, step.id, step.title, step.time_limit))
        for fu in proc.follow_ups:
            out.append(Limit("follow-up", pid, proc.title, fu.id, fu.title, fu.delay))
    return out


def company_hours(company: m.Handbook) -> list[str]:
    """The company calendar's working-hour blocks as `HH:MM-HH:MM` (the form's defaults)."""
    if company.calendar is None:
        return []
    return [f"{a.strftime('%H:%M')}-{b.strftime('%H:%M')}"
            for a, b in company.calendar.working_hours]


def parse_hours(text: str) -> tuple[str, str]:
    """`8:30-12:00` (also –, ~, 至) → ("08:30", "12:00"); ValueError when not HH:MM–HH:MM."""
    parts = _HOURS_SPLIT.split(text.strip())
    if len(parts) != 2:
        raise ValueError(text)
    out = []
    for part in parts:
        hit = _CLOCK_TIME.match(part.replace("：", ":"))
        if not hit or int(hit[1]) > 23 or int(hit[2]) > 59:
            raise ValueError(text)
        out.append(f"{int(hit[1]):02d}:{hit[2]}")
    if out[0] >= out[1]:
        raise ValueError(text)
    return out[0], out[1]


@dataclass
class PropertyForm:
    """What the administrator typed, unchecked (every value as the widget returned it)."""

    id: str = ""
    title: str = ""
    property_type: str = "residential"
    address: str = ""
    headcount: Mapping[str, int | None] = field(default_factory=dict)  # None: company value
    hours: list[str] = field(default_factory=list)  # one or two "HH:MM-HH:MM"; "" unused
    limits: Mapping[str, str] = field(default_factory=dict)  # Limit.key → typed duration


FieldErrors = dict[str, tuple[str, dict[str, str]]]  # field → (message code, values)
ERROR_CODES = ("required", "id_format", "id_taken", "type", "hours_format", "hours_overlap",
               "duration", "headcount")  # every code check_property_form gives (UI messages)


def check_property_form(form: PropertyForm, company: m.Handbook,
                        ) -> tuple[NewProperty | None, FieldErrors]:
    """The NewProperty to write (only changed values), or the field errors to show.

    Error codes (ERROR_CODES) are translated by the UI.
    """
    errors: FieldErrors = {}
    pid, title = form.id.strip(), form.title.strip()
    if not pid:
        errors["id"] = ("required", {})
    elif not _ID.match(pid):
        errors["id"] = ("id_format", {"value": pid})
    elif pid in company.properties:
        errors["id"] = ("id_taken", {"value": pid})
    if not title:
        errors["title"] = ("required", {})
    if form.property_type not in PROPERTY_TYPES:
        errors["property_type"] = ("type", {"value": str(form.property_type)})
    hours: list[tuple[str, str]] = []
    for i, text in enumerate(form.hours):
        if not text.strip():
            continue
        try:
            hours.append(parse_hours(text))
        except ValueError:
            errors[f"hours.{i}"] = ("hours_format", {"value": text})
    if len(hours) == 2 and hours[1][0] < hours[0][1]:
        errors["hours.1"] = ("hours_overlap", {"value": f"{hours[1][0]}-{hours[1][1]}"})
    if hours == [parse_hours(h) for h in company_hours(company)]:
        hours = []  # the company calendar's hours: nothing to write, the property inherits them
    headcount: dict[str, int] = {}
    for role_id, count in sorted(form.headcount.items()):
        role = company.roles.get(role_id)
        if role is None or count is None:
            continue
        if count < 0:
            errors[f"headcount.{role_id}"] = ("headcount", {"value": str(count)})
        elif count != role.headcount.count:
            headcount[role_id] = int(count)
    clocks: dict[tuple[str, str], str] = {}
    steps: dict[tuple[str, str], str] = {}
    follow_ups: dict[tuple[str, str], str] = {}
    by_kind = {"clock": clocks, "step": steps, "follow-up": follow_ups}
    for limit in company_limits(company):
        typed = form.limits.get(limit.key, "").strip()
        if not typed:
            continue
        try:
            value = parse_duration(typed)
        except ValueError as exc:
            errors[f"limit.{limit.key}"] = ("duration", {"value": typed, "reason": str(exc)})
            continue
        if value != limit.value:  # only a changed limit becomes an overlay
            by_kind[limit.kind][(limit.procedure, limit.item)] = str(value)
    if errors:
        return None, errors
    return NewProperty(id=pid, title=title, property_type=form.property_type,
                       address=form.address.strip() or None, headcount=headcount,
                       working_hours=hours, clock_limits=clocks, step_limits=steps,
                       follow_up_delays=follow_ups), {}
