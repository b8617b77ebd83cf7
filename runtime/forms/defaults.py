"""Who is filling a form, where and when: the context defaults and conditions read.

Default specs (UI hint `default`, else the schema's `default`):
`now`, `today`, `current-user`, `current-property`, `case:<field>` (a value carried over from
the case the form belongs to), or a literal value. All datetimes are naive local property time
(Asia/Shanghai), like the rest of the runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType
from typing import Any

from runtime.forms.spec import FieldSpec, FormSpec

LOCAL_TZ = timezone(timedelta(hours=8))  # China: one zone, no daylight saving time


def local_now() -> datetime:
    """The current naive local time, to the second."""
    return datetime.now(LOCAL_TZ).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class FormContext:
    """What conditions and defaults may read besides the form's own fields."""

    now: datetime | None = None  # None: the wall clock when asked
    user: str | None = None
    property: str | None = None
    roles: tuple[str, ...] = ()
    case: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def clock(self) -> datetime:
        """`now`, or the current local time."""
        return self.now or local_now()

    def names(self) -> dict[str, Any]:
        """The context names a condition may use (see runtime.compiler.expr.CONTEXT_NAMES)."""
        now = self.clock()
        return {
            "now": now,
            "today": now.date(),
            "weekday": now.isoweekday(),
            "hour": now.hour,
            "property": self.property,
            "user": self.user,
            "roles": list(self.roles),
            "case": dict(self.case),
            "true": True, "false": False, "none": None,
        }


def as_context(context: FormContext | Mapping[str, Any] | None) -> FormContext:
    """Accept a FormContext, a plain mapping of its fields, or None."""
    if isinstance(context, FormContext):
        return context
    if not isinstance(context, Mapping):
        return FormContext()
    now = context.get("now")
    roles = context.get("roles") or ()
    case = context.get("case")
    return FormContext(
        now=now if isinstance(now, datetime) else None,
        user=_str_or_none(context.get("user")),
        property=_str_or_none(context.get("property")),
        roles=tuple(str(r) for r in roles) if isinstance(roles, list | tuple) else (),
        case=MappingProxyType(dict(case)) if isinstance(case, Mapping) else MappingProxyType({}),
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def format_datetime(value: datetime) -> str:
    """The stored form of a date-time: naive local ISO to the second."""
    if value.tzinfo is not None:
        value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat()


def format_time(value: time) -> str:
    """The stored form of a time of day: HH:MM (HH:MM:SS when seconds matter)."""
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def parse_moment(value: Any) -> datetime | None:
    """A stored date or date-time string as a naive local datetime (a date is its midnight);
    None for anything else."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return moment


def time_bound(word: str, kind: str, clock: datetime, *, upper: bool) -> datetime | None:
    """The moment a `not-before` (upper=False) / `not-after` (upper=True) bound stands for.

    `now` is the submit-time clock to the minute (widgets pick minutes, so the current minute
    is allowed either way); `today` and a date literal are the whole day; for a date field
    every bound is a day. None for a word that is no bound (the check reports it as E053).
    """
    text = word.strip()
    if text == "now":
        moment, whole_day = clock.replace(second=0, microsecond=0), False
    elif text == "today":
        moment, whole_day = datetime.combine(clock.date(), time()), True
    else:
        parsed = parse_moment(text)
        if parsed is None:
            return None
        moment, whole_day = parsed, len(text) <= 10
    if kind == "date" or whole_day:
        moment = datetime.combine(moment.date(), time())
        return moment.replace(hour=23, minute=59, second=59) if upper else moment
    return moment.replace(second=59) if upper and text == "now" else moment


def _for_kind(spec: FieldSpec, moment: datetime) -> Any:
    kind = spec.value_kind
    if kind == "date":
        return moment.date().isoformat()
    if kind == "time":
        return format_time(moment.time().replace(second=0))
    return format_datetime(moment)


def resolve_default(spec: FieldSpec, context: FormContext | Mapping[str, Any] | None = None) -> Any:
    """The initial value of a field, or None when it has no default."""
    if not spec.has_default:
        return None
    raw = spec.default
    ctx = as_context(context)
    if isinstance(raw, str):
        word = raw.strip()
        if word == "now":
            return _for_kind(spec, ctx.clock())
        if word == "today":
            today = ctx.clock().date()
            return today.isoformat() if spec.value_kind != "datetime" else format_datetime(
                datetime.combine(today, time()))
        if word == "current-user":
            return ctx.user
        if word == "current-property":
            return ctx.property
        if word.startswith("case:"):
            return _from_case(ctx.case, word[5:].strip())
    if isinstance(raw, datetime):
        return format_datetime(raw)
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, list | dict):
        import copy

        return copy.deepcopy(raw)  # never share a mutable default between records
    return raw


def _from_case(case: Mapping[str, Any], path: str) -> Any:
    value: Any = case
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def initial_data(spec: FormSpec, context: FormContext | Mapping[str, Any] | None = None,
                 data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults for every top-level field without a value in `data`, merged over `data`."""
    out: dict[str, Any] = dict(data or {})
    for fs in spec.fields:
        if out.get(fs.name) in (None, ""):
            value = resolve_default(fs, context)
            if value is not None:
                out[fs.name] = value
    return out
