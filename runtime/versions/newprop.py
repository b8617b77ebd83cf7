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

from runtime.errors import HandbookError
from runtime.pipeline import compiled as compile_tree
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


def write_new_property(drafts: Drafts, draft: Draft, spec: NewProperty, by: str) -> list[str]:
    """Write the property's rule files into the draft; returns their paths (relative)."""
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
                      "../../../runtime/schemas/calendar.schema.json")
        cal += yaml.safe_dump({"property": spec.id, "working-hours": [
            {"start": s, "end": e} for s, e in spec.working_hours], "country": "CN"},
            allow_unicode=True, sort_keys=False)
        rel = f"{folder}/calendar.yaml"
        drafts.save(draft, rel, cal, drafts.read(draft, rel)[1], by)
        written.append(rel)
        body["calendar"] = cal_id
    if overlays:
        body["overlays"] = overlays
    text = _header("property", spec.id, spec.title, by,
                   "../../../runtime/schemas/property.schema.json")
    text += yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    rel = f"{folder}/property.yaml"
    drafts.save(draft, rel, text, drafts.read(draft, rel)[1], by)
    written.insert(0, rel)
    return written
