"""The app's one doorway to generated forms: render a form section, validate, show errors.

Rendering goes through the forms room's Streamlit adapter (`runtime.forms.widgets`) when it
is installed; the pages never build form widgets themselves. Validation is the forms room's
`runtime.forms.check` (cleaned data, or one message per field in the UI language).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import streamlit as st

from runtime import forms
from runtime.compiler import model as m
from runtime.errors import FormValidationError
from runtime.forms.defaults import FormContext
from runtime.ui import context as ctx


def _widgets() -> Any | None:
    try:
        return importlib.import_module("runtime.forms.widgets")
    except ImportError:
        return None


def section_fields(form: m.Form, section: str | None) -> tuple[str, ...]:
    """Top-level fields of one section (every field when `section` is None or unknown)."""
    spec = forms.form_spec(form)
    if section is None or spec.section(section) is None:
        return spec.section_fields(None)
    return spec.section_fields([section])


def render(form: m.Form, *, key: str, fields: tuple[str, ...], initial: Mapping[str, Any],
           context: FormContext, errors: Mapping[str, str] | None = None,
           show_titles: bool = False) -> dict[str, Any]:
    """Draw the fields of `form` (keyed under `key`, so typed values survive reruns) and
    return what the user entered."""
    widgets = _widgets()
    if widgets is None:
        st.warning(ctx.tr("app.form.unavailable"))
        return dict(initial)
    data: dict[str, Any] = widgets.render_form(
        form, key=key, fields=fields, data=dict(initial), context=context, lang=ctx.lang(),
        errors=dict(errors or {}), show_titles=show_titles)
    return data


def validate(form: m.Form, data: Mapping[str, Any], fields: tuple[str, ...],
             context: FormContext) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """(cleaned data limited to `fields`, {}) when valid, else (None, field → message)."""
    try:
        cleaned = forms.check(form, dict(data), ctx.lang(), context, fields=fields)
    except FormValidationError as exc:
        return None, dict(exc.errors)
    return {k: v for k, v in cleaned.items() if k in fields}, {}


def show_errors(form: m.Form, errors: Mapping[str, str]) -> None:
    """One message per field, with the field's title."""
    if not errors:
        return
    spec = forms.form_spec(form)
    lines = []
    for path, message in errors.items():
        top = path.split(".")[0].split("[")[0]
        field = spec.field(top)
        label = field.label(ctx.lang()) if field else path
        lines.append(f"- **{label}**: {message}")
    st.error(ctx.tr("app.form.errors", n=len(errors)) + "\n\n" + "\n".join(lines))
