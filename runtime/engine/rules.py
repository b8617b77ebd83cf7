"""What the pure engine functions need from the rules for one case: procedure, calendar, forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from runtime.compiler import model as m
from runtime.compiler.timeexpr import Duration
from runtime.workcal import WorkCalendar


@dataclass(frozen=True)
class Rules:
    """The procedure version a case runs on, its property's calendar and the forms it fills."""

    procedure: m.Procedure
    calendar: WorkCalendar
    forms: Mapping[str, m.Form]
    role_calendars: Mapping[str, WorkCalendar] = field(default_factory=dict)  # work patterns
    actors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # department → roles

    def roles_of(self, step: m.Step) -> tuple[str, ...]:
        """Who may do a step: its roles, then for a department step its head and its roles."""
        extra = self.actors.get(step.department, ()) if step.department else ()
        return tuple(dict.fromkeys((*step.roles, *extra)))

    def step(self, step_id: str) -> m.Step:
        """The step with this id (KeyError when absent)."""
        return self.procedure.step(step_id)

    def deadline(self, start: datetime, d: Duration, working: bool = False) -> datetime:
        """`start + d` on wall-clock time, or on the property's working time."""
        from runtime.engine.clocks import working_duration

        d = working_duration(d, working)
        return self.calendar.add(start, d) if d.working else d.add_to(start)


# Handbook views are immutable: the actors of one are worked out once (every engine operation
# asks, and walking the departments' roles cost ~0.1 ms a time). Keyed by id with the view
# kept beside its answer, so a recycled id never answers for another view; a few views only.
_ACTORS: dict[int, tuple[m.Handbook, dict[str, tuple[str, ...]]]] = {}


def actors_of(hb: m.Handbook) -> dict[str, tuple[str, ...]]:
    """Department id → the roles acting for it (head first), for department-owned steps."""
    from runtime.compiler.language_checks import department_roles

    hit = _ACTORS.get(id(hb))
    if hit is not None and hit[0] is hb:
        return dict(hit[1])
    deps = {d.id: d for d in hb.company.departments}
    if hb.property is not None:
        deps.update({d.id: d for d in hb.property.departments})
    found = {did: department_roles(hb, dep, did) for did, dep in deps.items()}
    if len(_ACTORS) >= 32:
        _ACTORS.clear()
    _ACTORS[id(hb)] = (hb, found)
    return dict(found)
