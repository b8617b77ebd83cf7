"""Forms: interpret a form rule into field specs, fill defaults, validate and clean data.

Pure modules (no Streamlit): `spec`, `defaults`, `state`, `validation`, `samples`.
The Streamlit adapter is `runtime.forms.widgets` (imported only by the app).
"""

from __future__ import annotations

from runtime.forms.defaults import FormContext, initial_data, resolve_default
from runtime.forms.spec import FieldSpec, FormSpec, Option, SectionSpec, form_spec
from runtime.forms.state import FormState, evaluate
from runtime.forms.validation import check, clean, validate

__all__ = [
    "FieldSpec",
    "FormContext",
    "FormSpec",
    "FormState",
    "Option",
    "SectionSpec",
    "check",
    "clean",
    "evaluate",
    "form_spec",
    "initial_data",
    "resolve_default",
    "validate",
]
