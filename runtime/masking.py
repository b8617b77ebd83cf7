"""The one masking of personal data, used at every exit: screen, print (HTML/PDF), CSV/XLSX
and search results.

A field is personal when its ui hint says `personal: true`, at any depth: a top-level field,
a field of a group, or a column of repeatable rows (renovation-permit `workers[].id_no`). A
personal group or rows field masks everything inside it. Masking keeps the first 3 and the
last 4 characters of long values (13812345678 → 138****5678, an 18-digit ID number
110101********1234 → 110***********1234), fewer for short ones, and hides values of at most 4
characters completely. For search, `strip_personal` removes the personal values instead,
so a search by a hidden number cannot find the record (the masked text would still match its
visible head or tail).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from runtime.compiler import model as m
from runtime.forms.spec import FieldSpec, form_spec


def mask_text(text: str) -> str:
    """A personal text with its middle hidden; at most half of a short value stays visible."""
    n = len(text)
    if n <= 4:
        return "*" * n
    head, tail = (3, 4) if n >= 11 else (2, 2) if n >= 8 else (1, 1)
    return text[:head] + "*" * (n - head - tail) + text[-tail:]


def mask_value(value: Any) -> Any:
    """Mask any personal value: text and numbers as text, lists item by item, objects value
    by value (empty values stay empty, so a blank field still reads as blank)."""
    if value is None or value == "" or value == [] or value == {}:
        return value
    if isinstance(value, Mapping):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v) for v in value]
    if isinstance(value, bool):
        return "****"
    return mask_text(str(value))


def _specs(form: m.Form) -> tuple[FieldSpec, ...]:
    return form_spec(form).fields


def _top_personal(form: m.Form) -> set[str]:
    # The model's list (top-level hints) as well as the specs: both name personal fields.
    return set(form.personal_fields)


def _walk(specs: tuple[FieldSpec, ...], data: Mapping[str, Any], top: set[str],
          drop: bool) -> dict[str, Any]:
    out = dict(data)
    for spec in specs:
        if spec.name not in out:
            continue
        value = out[spec.name]
        if spec.personal or spec.name in top:
            if drop:
                del out[spec.name]
            else:
                out[spec.name] = mask_value(value)
        elif spec.kind == "group" and isinstance(value, Mapping):
            out[spec.name] = _walk(spec.children, value, set(), drop)
        elif spec.kind == "rows" and isinstance(value, list):
            out[spec.name] = [_walk(spec.children, row, set(), drop)
                              if isinstance(row, Mapping) else row for row in value]
    return out


def mask_data(form: m.Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of record data with every personal value masked (nested rows included)."""
    return _walk(_specs(form), data if isinstance(data, Mapping) else {}, _top_personal(form),
                 drop=False)


def strip_personal(form: m.Form, data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of record data without any personal value (for matching a search)."""
    return _walk(_specs(form), data if isinstance(data, Mapping) else {}, _top_personal(form),
                 drop=True)


def for_viewer(form: m.Form | None, data: Mapping[str, Any], sees_personal: bool
               ) -> dict[str, Any]:
    """Record data as a viewer may see it: unchanged for those who see personal data,
    masked otherwise; with no form known, every value is masked (nothing is assumed safe)."""
    if sees_personal:
        return dict(data)
    if form is None:
        return {k: mask_value(v) for k, v in data.items()}
    return mask_data(form, data)


def personal_paths(form: m.Form) -> list[str]:
    """Every personal field of a form as a spec path (`phone`, `workers[].id_no`)."""
    top = _top_personal(form)

    def visit(specs: tuple[FieldSpec, ...], depth: int) -> Iterator[str]:
        for spec in specs:
            if spec.personal or (depth == 0 and spec.name in top):
                yield spec.path
            else:
                yield from visit(spec.children, depth + 1)

    return list(visit(_specs(form), 0))


__all__ = ["for_viewer", "mask_data", "mask_text", "mask_value", "personal_paths",
           "strip_personal"]
