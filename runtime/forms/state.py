"""The live state of a form being filled: which fields show, which are required, which choices
are offered and what the computed fields say, given the data typed so far.

A hidden field is never required and its value is dropped on submit (see `clean`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from runtime.compiler.model import Form
from runtime.forms.defaults import FormContext, as_context, format_datetime, format_time
from runtime.forms.spec import FieldSpec, FormSpec, Option, form_spec

MAX_ROWS = 500  # rows beyond this are neither evaluated nor offered (hostile input guard)


@dataclass(frozen=True)
class FormState:
    """Per concrete path (`people[0].name`): visibility, requiredness, choices, computed values."""

    visible: frozenset[str]
    hidden: frozenset[str]
    required: frozenset[str]
    choices: Mapping[str, tuple[Option, ...]]
    computed: Mapping[str, Any]

    def is_visible(self, path: str) -> bool:
        """False only for a field hidden by its (or a parent's) visible-if."""
        return path not in self.hidden

    def is_required(self, path: str) -> bool:
        """True when the field must be filled now."""
        return path in self.required


@functools.lru_cache(maxsize=1)
def _env() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(autoescape=False)


@functools.lru_cache(maxsize=1024)
def _compiled(source: str) -> Callable[..., Any] | None:
    try:
        return _env().compile_expression(source, undefined_to_none=True)
    except Exception:  # a bad expression computes nothing rather than breaking the page
        return None


def compute(source: str, names: Mapping[str, Any]) -> Any:
    """Evaluate a computed field's expression in the sandbox; None when it fails."""
    fn = _compiled(source)
    if fn is None:
        return None
    try:
        value = fn(**{k: v for k, v in names.items() if isinstance(k, str) and k != "self"})
    except Exception:
        return None
    return _json_safe(value)


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


def names_for(specs: tuple[FieldSpec, ...], data: Mapping[str, Any],
              base: Mapping[str, Any]) -> dict[str, Any]:
    """Condition names: `base` overlaid with this level's field values (missing → None)."""
    out = dict(base)
    for s in specs:
        out[s.name] = data.get(s.name)
    return out


def present(value: Any) -> bool:
    """True when a value counts as filled in (not None, not blank text, not an empty list)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return True


def rows_of(value: Any) -> list[Mapping[str, Any]]:
    """The row objects of a repeatable-rows value (non-objects become empty rows)."""
    if not isinstance(value, list):
        return []
    return [r if isinstance(r, Mapping) else {} for r in value[:MAX_ROWS]]


def allowed_options(spec: FieldSpec, names: Mapping[str, Any]) -> tuple[Option, ...]:
    """The options of a choice field, filtered by its choices-from source when that is set."""
    cf = spec.choices_from
    if cf is None:
        return spec.options
    source = names.get(cf.field)
    if isinstance(source, list | tuple):  # a multichoice source: union of what each allows
        keys = [str(s) for s in source if s is not None]
    else:
        keys = [] if source is None else [str(source)]
    keys = [k for k in keys if k in cf.map]
    if not keys:
        return spec.options
    allowed: list[Any] = []
    for k in keys:
        allowed.extend(v for v in cf.map[k] if v not in allowed)
    by_value = {o.value: o for o in spec.options}
    return tuple(by_value.get(v) or Option(v, str(v)) for v in allowed)


def _visit(specs: tuple[FieldSpec, ...], data: Mapping[str, Any], base: Mapping[str, Any],
           indexes: tuple[int, ...], parent_hidden: bool,
           acc: dict[str, Any]) -> None:
    names = names_for(specs, data, base)
    for s in specs:
        if s.compute:
            value = compute(s.compute, names)
            acc["computed"][s.concrete_path(*indexes)] = value
            names[s.name] = value
    for s in specs:
        path = s.concrete_path(*indexes)
        hidden = parent_hidden or (s.visible_if is not None and not s.visible_if.evaluate(names))
        (acc["hidden"] if hidden else acc["visible"]).add(path)
        if not hidden and (s.required or (s.required_if is not None
                                          and s.required_if.evaluate(names))):
            acc["required"].add(path)
        if s.kind in ("choice", "multichoice") or s.choices_from is not None:
            acc["choices"][path] = allowed_options(s, names)
        value = names.get(s.name)
        if s.kind == "group":
            child = value if isinstance(value, Mapping) else {}
            _visit(s.children, child, names, indexes, hidden, acc)
        elif s.kind == "rows":
            for i, row in enumerate(rows_of(value)):
                _visit(s.children, row, names, (*indexes, i), hidden, acc)


def evaluate(form: Form | FormSpec, data: Mapping[str, Any] | None,
             context: FormContext | Mapping[str, Any] | None = None) -> FormState:
    """The state of a form for the data typed so far (never raises on odd data)."""
    spec = form if isinstance(form, FormSpec) else form_spec(form)
    values = data if isinstance(data, Mapping) else {}
    ctx = as_context(context)
    acc: dict[str, Any] = {"visible": set(), "hidden": set(), "required": set(),
                           "choices": {}, "computed": {}}
    _visit(spec.fields, values, ctx.names(), (), False, acc)
    return FormState(frozenset(acc["visible"]), frozenset(acc["hidden"]),
                     frozenset(acc["required"]), acc["choices"], acc["computed"])


__all__ = ["FormContext", "FormState", "allowed_options", "compute", "evaluate", "present",
           "rows_of"]
