"""Streamlit adapter: draw a form's fields as native widgets, collect what was typed.

Thin on purpose: which fields show, which are required, which choices are offered and every
check live in the pure modules (`spec`, `state`, `validation`). Each widget's value lives in
`st.session_state` under a stable key — `<prefix>.<field path>`, e.g. `f.complainant`,
`f.items[0].condition` — so AppTest can drive it by key, and what the user typed survives
reruns and failed validation. Initial values (record data or defaults) are seeded only into
keys not yet in the session.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

import streamlit as st

from runtime.compiler.model import Form
from runtime.forms.attachments import attachment_name, attachment_value, save_attachment
from runtime.forms.defaults import FormContext, as_context, resolve_default
from runtime.forms.spec import FieldSpec, FormSpec, form_spec
from runtime.forms.state import FormState, evaluate, rows_of
from runtime.forms.validation import clean, coerce, validate
from runtime.i18n import t

Attach = Callable[[FieldSpec, str, bytes, str], Any]
ERRORS = ":errors"  # session key suffix: field errors of the last submit
SUBMITTED = ":submitted"  # session key suffix: cleaned data of the last valid submit
LANG_SEEN_KEY = "_choice_lang"  # session key: the language each choice widget was last shown in
_MIN_DATE, _MAX_DATE = date(1900, 1, 1), date(2100, 12, 31)


def widget_key(prefix: str, path: str) -> str:
    """The session-state key of a field's widget."""
    return f"{prefix}.{path}"


def _rows_key(prefix: str, path: str) -> str:
    return f"{prefix}.{path}#rows"


# ---------------------------------------------------------------- stored value <-> widget value


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return None
    return None


def _parse_time(value: Any) -> time | None:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value[:8])
        except ValueError:
            return None
    return None


def to_widget(spec: FieldSpec, value: Any) -> Any:
    """A stored value as the widget for its kind expects it (None when it cannot show it)."""
    kind = spec.value_kind
    if kind == "date":
        d = _parse_date(value)
        return d if d is not None and _MIN_DATE <= d <= _MAX_DATE else None
    if kind == "datetime":
        dt = _parse_datetime(value)
        return dt if dt is not None and _MIN_DATE <= dt.date() <= _MAX_DATE else None
    if kind == "time":
        return _parse_time(value)
    if kind == "yesno":
        return value if isinstance(value, bool) else False
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53
        return value if ok else None
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        number = float(value) if ok and abs(value) < 1e300 else None
        return number if number is not None and math.isfinite(number) else None
    if kind == "multichoice":
        return [v for v in value if spec.option(v)] if isinstance(value, list) else []
    if kind == "choice":
        return value if spec.option(value) else None
    if kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else (value or "")
    if kind in ("text", "textarea", "phone", "unit"):
        return "" if value is None else str(value)
    return value


def from_widget(spec: FieldSpec, value: Any) -> Any:
    """A widget's value in stored form (ISO dates, typed numbers...)."""
    if value is None or value == "" or value == []:
        return None
    return coerce(spec, value)


# ---------------------------------------------------------------- seeding and collecting


def _seed(prefix: str, specs: tuple[FieldSpec, ...], data: Mapping[str, Any],
          ctx: FormContext, indexes: tuple[int, ...], use_defaults: bool) -> None:
    ss = st.session_state
    for spec in specs:
        path = spec.concrete_path(*indexes)
        value = data.get(spec.name)
        if value is None and use_defaults:
            value = resolve_default(spec, ctx)
        if spec.kind in ("group", "rows") and value is not None and not isinstance(
                value, Mapping if spec.kind == "group" else list):
            ss.setdefault(widget_key(prefix, path) + "#raw", value)
        if spec.kind == "group":
            _seed(prefix, spec.children, value if isinstance(value, Mapping) else {}, ctx,
                  indexes, use_defaults)
            continue
        if spec.kind == "rows":
            rows = rows_of(value)
            rk = _rows_key(prefix, path)
            if rk not in ss:
                ss[rk] = len(rows)
            for i, row in enumerate(rows):
                _seed(prefix, spec.children, row, ctx, (*indexes, i), use_defaults)
            continue
        key = widget_key(prefix, path)
        if spec.kind == "file":
            if key + "#value" not in ss:
                ss[key + "#value"] = value
            continue
        if key not in ss and spec.kind != "computed":
            shown = to_widget(spec, value)
            ss[key] = shown
            if _unshowable(value, shown):
                ss[key + "#raw"] = value  # shown under the widget so it is not lost unseen


def _collect(prefix: str, specs: tuple[FieldSpec, ...], indexes: tuple[int, ...],
             fallback: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """(values held by drawn widgets, names of the fields those widgets control).

    A controlled field's widget is authoritative (emptied widget → field removed); fields
    without a widget this session keep their value from `fallback`."""
    ss = st.session_state
    out: dict[str, Any] = {}
    controlled: set[str] = set()
    for spec in specs:
        path = spec.concrete_path(*indexes)
        if spec.kind == "group":
            sub = fallback.get(spec.name)
            sub = sub if isinstance(sub, Mapping) else {}
            values, ctrl = _collect(prefix, spec.children, indexes, sub)
            if ctrl:
                controlled.add(spec.name)
                merged = {k: v for k, v in sub.items() if k not in ctrl}
                merged.update(values)
                if merged:
                    out[spec.name] = merged
            continue
        if spec.kind == "rows":
            n = ss.get(_rows_key(prefix, path))
            if not isinstance(n, int) or isinstance(n, bool):
                continue
            controlled.add(spec.name)
            old = rows_of(fallback.get(spec.name))
            rows = []
            for i in range(n):
                prev = old[i] if i < len(old) else {}
                values, ctrl = _collect(prefix, spec.children, (*indexes, i), prev)
                row = {k: v for k, v in prev.items() if k not in ctrl}
                row.update(values)
                rows.append(row)
            out[spec.name] = rows
            continue
        key = widget_key(prefix, path)
        if spec.kind == "file":
            if key + "#value" not in ss:
                continue
            value = ss[key + "#value"]
        elif spec.kind == "computed" or key not in ss:
            continue
        else:
            value = from_widget(spec, ss[key])
        controlled.add(spec.name)
        if value is not None:
            out[spec.name] = value
    return out, controlled


def collect(form: Form, key_prefix: str, data: Mapping[str, Any] | None = None
            ) -> dict[str, Any]:
    """What the widgets under `key_prefix` hold, in stored form, over `data` for the rest."""
    spec = form_spec(form)
    base = dict(data or {})
    drawn, controlled = _collect(key_prefix, spec.fields, (), base)
    result = {k: v for k, v in base.items() if k not in controlled}
    result.update(drawn)
    return result


# ---------------------------------------------------------------- drawing


def _label(spec: FieldSpec, lang: str, required: bool, title: str | None = None) -> str:
    text = title or spec.label(lang)
    if spec.unit:
        text = f"{text} ({spec.unit})"
    return f"{text} *" if required else text


def _help(spec: FieldSpec, lang: str) -> str | None:
    parts = [spec.help] if spec.help else []
    if spec.kind == "lines":
        parts.append(t("forms.lines_help", lang))
    if spec.compute:
        parts.append(t("forms.computed", lang))
    if spec.kind in ("date", "datetime") and not spec.readonly:
        # The field takes digits segment by segment; the calendar it opens may cover the
        # buttons below, so say how to type and how to close it.
        parts.append(t(f"forms.typing_{spec.kind}", lang))
        for word, key in ((spec.not_before, "forms.help_not_before"),
                          (spec.not_after, "forms.help_not_after")):
            if word:
                shown = {"now": t("forms.word_now", lang), "today": t("forms.word_today", lang)}
                parts.append(t(key, lang, limit=shown.get(word.strip(), word.strip())))
    return "\n\n".join(parts) or None


class _Drawer:
    """Draws one form's widgets for one run of the script."""

    def __init__(self, spec: FormSpec, prefix: str, lang: str, state: FormState,
                 errors: Mapping[str, str], disabled: bool, attach: Attach | None) -> None:
        self.spec = spec
        self.prefix = prefix
        self.lang = lang
        self.state = state
        self.errors = errors
        self.disabled = disabled
        self.attach = attach

    def fields(self, specs: Iterable[FieldSpec], indexes: tuple[int, ...] = ()) -> None:
        """Draw the visible fields among `specs`, each followed by its error."""
        for spec in specs:
            path = spec.concrete_path(*indexes)
            if not self.state.is_visible(path):
                continue
            self.field(spec, path, indexes)
            raw = st.session_state.get(widget_key(self.prefix, path) + "#raw")
            if raw is not None:
                st.caption(t("forms.original_value", self.lang, value=_short(raw)))
            message = self.errors.get(path)
            if message:
                st.error(message)

    def field(self, spec: FieldSpec, path: str, indexes: tuple[int, ...]) -> None:
        """Draw one field with the widget its kind calls for."""
        key = widget_key(self.prefix, path)
        required = self.state.is_required(path)
        label = _label(spec, self.lang, required)
        help_ = _help(spec, self.lang)
        off = self.disabled or spec.readonly
        kind = spec.kind
        ss = st.session_state
        if kind == "computed":
            value = self.state.computed.get(path)
            ss[key] = "" if value is None else str(value)
            st.text_input(label, key=key, disabled=True, help=help_)
        elif kind == "group":
            with st.container(border=True):
                st.markdown(f"**{_md(spec.label(self.lang))}**")
                self.fields(spec.children, indexes)
        elif kind == "rows":
            self.rows(spec, path, indexes, label, off)
        elif kind in ("choice", "multichoice"):
            self.choice(spec, key, path, label, help_, off)
        elif kind == "yesno":
            draw = st.toggle if spec.widget == "toggle" else st.checkbox
            draw(label, key=key, help=help_, disabled=off)
        elif kind in ("integer", "number"):
            self.number(spec, key, label, help_, off)
        elif kind == "date":
            st.date_input(label, key=key, help=help_, disabled=off, format="YYYY-MM-DD",
                          min_value=_MIN_DATE, max_value=_MAX_DATE)
        elif kind == "datetime":
            st.datetime_input(label, key=key, help=help_, disabled=off, format="YYYY-MM-DD",
                              step=60, min_value=datetime.combine(_MIN_DATE, time()),
                              max_value=datetime.combine(_MAX_DATE, time(23, 59)))
        elif kind == "time":
            st.time_input(label, key=key, help=help_, disabled=off, step=60)
        elif kind == "file":
            self.file(spec, key, label, help_, off)
        elif kind in ("textarea", "lines"):
            st.text_area(label, key=key, help=help_, disabled=off,
                         placeholder=spec.placeholder, max_chars=_max_chars(spec))
        else:
            st.text_input(label, key=key, help=help_, disabled=off,
                          placeholder=spec.placeholder, max_chars=_max_chars(spec))

    def _carry_over_language_switch(self, key: str) -> None:
        """Keep a choice across a language switch, and only then.

        Switching the language makes a choice widget a new widget that would drop its value;
        handing the value back as session state carries it over (typed text survives on its
        own). Done on every run, as before, the hand-back echoed a stale value to the browser
        and undid a click made while an earlier rerun was still in flight (a lost 面谈 under load).
        """
        ss = st.session_state
        seen: dict[str, str] = ss.setdefault(LANG_SEEN_KEY, {})
        if key in ss and seen.get(key, self.lang) != self.lang:
            ss[key] = ss[key]
        seen[key] = self.lang

    def choice(self, spec: FieldSpec, key: str, path: str, label: str, help_: str | None,
               off: bool) -> None:
        """Radio, select box or multiselect over the options offered now."""
        options = self.state.choices.get(path, spec.options)
        values = [o.value for o in options]
        labels = {repr(o.value): o.text(self.lang) for o in options}

        def fmt(v: Any) -> str:
            return labels.get(repr(v), str(v))

        ss = st.session_state
        if spec.kind == "multichoice":
            current = ss.get(key)
            if isinstance(current, list) and any(v not in values for v in current):
                ss[key] = [v for v in current if v in values]  # filtered by another field
            else:
                self._carry_over_language_switch(key)
            st.multiselect(label, values, key=key, format_func=fmt, help=help_, disabled=off,
                           placeholder=spec.placeholder or t("forms.pick", self.lang))
            return
        if ss.get(key) is not None and ss.get(key) not in values:
            ss[key] = None
        else:
            self._carry_over_language_switch(key)
        if spec.widget == "radio" or (spec.widget is None and len(values) <= 4):
            st.radio(label, values, key=key, format_func=fmt, help=help_, disabled=off,
                     horizontal=True)
        else:
            st.selectbox(label, values, key=key, format_func=fmt, help=help_, disabled=off,
                         placeholder=spec.placeholder or t("forms.pick", self.lang))

    def number(self, spec: FieldSpec, key: str, label: str, help_: str | None,
               off: bool) -> None:
        """An integer or decimal input (bounds are checked by validation, not the widget)."""
        ss = st.session_state
        if spec.kind == "integer":
            if ss.get(key) is not None and not isinstance(ss.get(key), int):
                ss[key] = None
            step_i = int(spec.step) if spec.step and float(spec.step).is_integer() else 1
            st.number_input(label, key=key, help=help_, disabled=off, step=step_i,
                            placeholder=spec.placeholder)
        else:
            current = ss.get(key)
            if current is not None:
                ss[key] = float(current) if isinstance(current, int | float) else None
            st.number_input(label, key=key, help=help_, disabled=off,
                            step=float(spec.step or 1.0),
                            placeholder=spec.placeholder, format="%g")

    def file(self, spec: FieldSpec, key: str, label: str, help_: str | None,
             off: bool) -> None:
        """File uploader; uploaded files are saved and replaced by references."""
        ss = st.session_state
        current = ss.get(key + "#value")
        if current:
            items = current if isinstance(current, list) else [current]
            names = "、".join(attachment_name(v) for v in items)
            st.caption(t("forms.attached", self.lang, names=names))
        uploaded = st.file_uploader(label, key=key, help=help_, disabled=off,
                                    type=list(spec.accept) or None,
                                    accept_multiple_files=spec.multiple)
        files = uploaded if isinstance(uploaded, list) else ([uploaded] if uploaded else [])
        if not files:
            return
        refs = []
        for f in files:
            content = f.getvalue()
            saver = self.attach or _default_attach
            refs.append(saver(spec, f.name, content, f.type or ""))
        ss[key + "#value"] = refs if spec.multiple else refs[0]

    def rows(self, spec: FieldSpec, path: str, indexes: tuple[int, ...], label: str,
             off: bool) -> None:
        """Repeatable rows: one bordered block per row, add and remove buttons."""
        rk = _rows_key(self.prefix, path)
        ss = st.session_state
        n = _count(ss.get(rk))
        st.markdown(f"**{_md(label)}**")
        if spec.help:
            st.caption(spec.help)
        if n == 0:
            st.caption(t("forms.no_rows", self.lang))
        for i in range(n):
            with st.container(border=True):
                st.caption(t("forms.row", self.lang, n=i + 1))
                self.fields(spec.children, (*indexes, i))
                if not off:
                    st.button(t("forms.remove_row", self.lang), key=f"{rk}.remove.{i}",
                              on_click=_remove_row, args=(self.prefix, spec, path, indexes, i))
        if not off and (spec.max_items is None or n < spec.max_items):
            st.button(t("forms.add_row", self.lang), key=f"{rk}.add",
                      on_click=_add_row, args=(rk,))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:200] + "…"


def _md(text: str) -> str:
    # Field titles come from rules, but escape Markdown anyway so they print literally.
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in text)


def _max_chars(spec: FieldSpec) -> int | None:
    return spec.max_length if spec.max_length and spec.max_length <= 100_000 else None


def _default_attach(spec: FieldSpec, name: str, content: bytes, mime: str) -> Any:
    digest, ref = save_attachment(name, content, mime)
    return attachment_value(spec, name, digest, ref, mime, len(content))


def _unshowable(value: Any, shown: Any) -> bool:
    if value is None or value == "" or value == [] or isinstance(value, bool):
        return False
    if isinstance(value, list) and isinstance(shown, list):
        return len(shown) < len(value)  # some choices are no longer offered
    return shown is None or shown == "" or shown == [] or shown is False


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _add_row(rows_key: str) -> None:
    st.session_state[rows_key] = _count(st.session_state.get(rows_key)) + 1


def _remove_row(prefix: str, spec: FieldSpec, path: str, indexes: tuple[int, ...],
                index: int) -> None:
    """Delete row `index`: shift the widget values of later rows up by one."""
    ss = st.session_state
    rk = _rows_key(prefix, path)
    n = _count(ss.get(rk))
    if not 0 <= index < n:
        return
    for i in range(index, n):
        for child in spec.children:
            src = widget_key(prefix, child.concrete_path(*indexes, i + 1))
            dst = widget_key(prefix, child.concrete_path(*indexes, i))
            for suffix in ("", "#value"):
                if src + suffix in ss:
                    ss[dst + suffix] = ss[src + suffix]
                elif dst + suffix in ss:
                    del ss[dst + suffix]
    for child in spec.children:
        last = widget_key(prefix, child.concrete_path(*indexes, n - 1))
        for suffix in ("", "#value"):
            if last + suffix in ss:
                del ss[last + suffix]
    ss[rk] = n - 1


# ---------------------------------------------------------------- public entry points


def render_form(form: Form, key_prefix: str | None = None, lang: str = "zh",
                data: Mapping[str, Any] | None = None,
                context: FormContext | Mapping[str, Any] | None = None,
                section_ids: Iterable[str] | None = None, *,
                key: str | None = None, fields: Iterable[str] | None = None,
                errors: Mapping[str, str] | None = None, disabled: bool = False,
                use_defaults: bool = True, show_titles: bool = True,
                attach: Attach | None = None) -> dict[str, Any]:
    """Draw the form's fields (all, or those of `section_ids` / the top-level `fields`) and
    return the current data: drawn values in stored form over `data` for the rest.

    Errors shown under each widget: `errors` if given, else those of the last
    `submit_button` click. Values live in st.session_state under `<key_prefix>.<path>`.
    """
    prefix = key_prefix or key or f"form.{form.id}"
    spec = form_spec(form)
    ctx = as_context(context)
    base = dict(data or {})
    wanted = _wanted(spec, section_ids, fields)
    _seed(prefix, tuple(s for s in spec.fields if s.name in wanted), base, ctx, (),
          use_defaults)
    current = collect(form, prefix, base)
    state = evaluate(spec, current, ctx)
    shown = dict(errors) if errors is not None else dict(st.session_state.get(prefix + ERRORS)
                                                         or {})
    shown.update(state.errors)  # a compute/condition that breached a limit says so at the field
    drawer = _Drawer(spec, prefix, lang, state, shown, disabled, attach)
    drawn: set[str] = set()
    for section in spec.sections:
        # A field listed in several sections gets one widget, in the first of them.
        specs = [s for s in section.fields if s.name in wanted and s.name not in drawn]
        drawn.update(s.name for s in specs)
        if not specs:
            continue
        if show_titles and len(spec.sections) > 1:
            st.subheader(section.label(lang))
        drawer.fields(specs)
    return collect(form, prefix, base)


def _wanted(spec: FormSpec, section_ids: Iterable[str] | None,
            fields: Iterable[str] | None) -> set[str]:
    if fields is not None:
        return set(fields)
    if section_ids is not None:
        return set(spec.section_fields(list(section_ids)))
    return {s.name for s in spec.fields}


def _on_submit(form: Form, prefix: str, lang: str, context: FormContext,
               data: Mapping[str, Any], fields: tuple[str, ...] | None,
               on_valid: Callable[[dict[str, Any]], None] | None) -> None:
    values = collect(form, prefix, data)
    cleaned = clean(form, values, context)
    errors = validate(form, cleaned, lang, context, fields=fields)
    st.session_state[prefix + ERRORS] = errors
    if errors:
        st.session_state.pop(prefix + SUBMITTED, None)
        return
    if fields is not None:
        cleaned = {k: v for k, v in cleaned.items() if k in fields}
    st.session_state[prefix + SUBMITTED] = cleaned
    if on_valid is not None:
        on_valid(cleaned)


def submit_button(form: Form, key_prefix: str, lang: str = "zh",
                  data: Mapping[str, Any] | None = None,
                  context: FormContext | Mapping[str, Any] | None = None,
                  section_ids: Iterable[str] | None = None, *, label: str | None = None,
                  fields: Iterable[str] | None = None,
                  on_valid: Callable[[dict[str, Any]], None] | None = None
                  ) -> dict[str, Any] | None:
    """A submit button validating on click (before the rerun, so errors show under the
    widgets at once). Returns the cleaned data once after a valid submit, else None; on
    errors shows a summary, and everything typed stays in the widgets."""
    spec = form_spec(form)
    wanted: tuple[str, ...] | None = None
    if fields is not None or section_ids is not None:
        wanted = tuple(sorted(_wanted(spec, section_ids, fields)))
    st.button(label or t("forms.submit", lang), key=f"{key_prefix}:submit", type="primary",
              on_click=_on_submit,
              args=(form, key_prefix, lang, as_context(context), dict(data or {}), wanted,
                    on_valid))
    errors = st.session_state.get(key_prefix + ERRORS)
    if errors:
        st.warning(t("forms.errors_summary", lang, n=len(errors)))
    result = st.session_state.pop(key_prefix + SUBMITTED, None)
    return result if isinstance(result, dict) else None


def reset_form(key_prefix: str) -> None:
    """Forget every widget value and error under `key_prefix` (e.g. after saving)."""
    ss = st.session_state
    for k in list(ss.keys()):
        if isinstance(k, str) and (k.startswith(key_prefix + ".") or
                                   k.startswith(key_prefix + ":")):
            del ss[k]


__all__ = ["collect", "from_widget", "render_form", "reset_form", "submit_button", "to_widget",
           "widget_key"]
