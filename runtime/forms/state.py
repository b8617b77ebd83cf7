"""The live state of a form being filled: which fields show, which are required, which choices
are offered and what the computed fields say, given the data typed so far.

A hidden field is never required and its value is dropped on submit (see `clean`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from runtime.compiler.expr import _env, names_and_filters, run_expression
from runtime.compiler.model import Form
from runtime.compiler.sandbox import names_not_allowed
from runtime.errors import LimitExceeded
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
    # path → message for a compute:/visible-if/required-if that breached a limit; shown at
    # the field and refused on submit (runtime/forms/validation.py), never silently empty.
    errors: Mapping[str, str] = field(default_factory=dict)

    def is_visible(self, path: str) -> bool:
        """False only for a field hidden by its (or a parent's) visible-if."""
        return path not in self.hidden

    def is_required(self, path: str) -> bool:
        """True when the field must be filled now."""
        return path in self.required


log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1024)
def _compiled(source: str) -> Callable[..., Any] | LimitExceeded | None:
    try:
        names, filters = names_and_filters(source)
        refused = names_not_allowed(names | filters)
        if refused:
            name, why = sorted(refused.items())[0]
            return LimitExceeded("forbidden", f"{name!r} is not available in rules ({why})")
        return _env().compile_expression(source, undefined_to_none=True)
    except Exception:  # a bad expression computes nothing; `handbook check` reports it
        return None


def compute(source: str, names: Mapping[str, Any], where: str = "") -> Any:
    """Evaluate a computed field's expression in the bounded sandbox; None when it fails on
    the data (wrong types), LimitExceeded naming `where` when it breaches a limit or uses a
    construct that cannot be bounded (runtime/compiler/sandbox.py)."""
    fn = _compiled(source)
    if isinstance(fn, LimitExceeded):
        raise fn.at(where or repr(source))
    if fn is None:
        return None
    clean = {k: v for k, v in names.items() if isinstance(k, str) and k != "self"}
    try:
        value = run_expression(fn, clean, where or repr(source))
    except LimitExceeded:
        raise
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


def _holds(cond: Any, names: Mapping[str, Any], path: str, key: str,
           acc: dict[str, Any]) -> bool:
    """A visible-if / required-if; a breach is recorded at the field and counts as True
    (the field shows and is required, so nothing is hidden or skipped by a breach)."""
    try:
        return bool(cond.evaluate(names))
    except LimitExceeded as exc:
        message = str(exc.at(f"form {acc['form']!r} field {path} {key}"))
        log.warning("%s", message)
        acc["errors"][path] = message
        return True


def _visit(specs: tuple[FieldSpec, ...], data: Mapping[str, Any], base: Mapping[str, Any],
           indexes: tuple[int, ...], parent_hidden: bool,
           acc: dict[str, Any]) -> None:
    names = names_for(specs, data, base)
    for s in specs:
        if s.compute:
            path = s.concrete_path(*indexes)
            try:
                value = compute(s.compute, names, f"form {acc['form']!r} field {path} compute")
            except LimitExceeded as exc:
                log.warning("%s", exc)
                acc["errors"][path] = str(exc)
                value = None
            acc["computed"][path] = value
            names[s.name] = value
    for s in specs:
        path = s.concrete_path(*indexes)
        hidden = parent_hidden or (s.visible_if is not None
                                   and not _holds(s.visible_if, names, path, "visible-if", acc))
        (acc["hidden"] if hidden else acc["visible"]).add(path)
        if not hidden and (s.required or (s.required_if is not None
                                          and _holds(s.required_if, names, path,
                                                     "required-if", acc))):
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
                           "choices": {}, "computed": {}, "errors": {}, "form": spec.form_id}
    _visit(spec.fields, values, ctx.names(), (), False, acc)
    return FormState(frozenset(acc["visible"]), frozenset(acc["hidden"]),
                     frozenset(acc["required"]), acc["choices"], acc["computed"],
                     acc["errors"])


__all__ = ["FormContext", "FormState", "allowed_options", "compute", "evaluate", "present",
           "rows_of"]
