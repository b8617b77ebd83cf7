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

    def step(self, step_id: str) -> m.Step:
        """The step with this id (KeyError when absent)."""
        return self.procedure.step(step_id)

    def deadline(self, start: datetime, d: Duration, working: bool = False) -> datetime:
        """`start + d` on wall-clock time, or on the property's working time."""
        from runtime.engine.clocks import working_duration

        d = working_duration(d, working)
        return self.calendar.add(start, d) if d.working else d.add_to(start)
