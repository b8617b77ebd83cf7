"""Server-side validation and cleaning of form data.

`clean` turns what widgets or files hand over (strings, dates, None) into the stored shape and
drops hidden fields; `validate` checks data against the form's JSON Schema (draft 2020-12 with
date / time / date-time format checking) and the form's own rules (conditional requiredness,
visibility, choices filtered by another field, phone and 房号 formats) and returns exactly one
message per field path, in Chinese or English. Neither raises on hostile input.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from runtime.compiler.model import Form
from runtime.errors import FormValidationError, format_path
from runtime.forms.defaults import (
    FormContext,
    as_context,
    format_datetime,
    format_time,
    parse_moment,
    time_bound,
)
from runtime.forms.spec import (
    PHONE_PATTERN,
    UNIT_PATTERN,
    FieldSpec,
    FormSpec,
    Option,
    form_spec,
)
from runtime.forms.state import FormState, evaluate, present, rows_of
from runtime.i18n import t

FORM_KEY = "_form"  # error key when the data as a whole is wrong (not an object)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$"
)


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_TIME.match(value))


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _is_uuid(value: object) -> bool:
    # The RFC 9562 text form only: 8-4-4-4-12 hex digits (no braces, no URN, no bare hex).
    return not isinstance(value, str) or bool(_UUID.match(value))


def _email_ok(value: object, international: bool) -> bool:
    if not isinstance(value, str):
        return True
    if not international and not value.isascii():
        return False  # `email` is RFC 5321 (ASCII); `idn-email` is RFC 6531
    from email_validator import EmailNotValidError, validate_email

    try:
        # Syntax only; never a DNS look-up, and local names (`a@io`) are syntax too.
        validate_email(value, check_deliverability=False, allow_quoted_local=True,
                       allow_domain_literal=True, allow_smtputf8=international,
                       globally_deliverable=False)
    except EmailNotValidError:
        return False
    return True


def _is_email(value: object) -> bool:
    return _email_ok(value, international=False)


def _is_idn_email(value: object) -> bool:
    return _email_ok(value, international=True)


# Formats a form may declare (docs/RULES.md, form schema); each means what it says.
CHECKED_FORMATS: tuple[str, ...] = (
    "date", "time", "date-time", "email", "idn-email", "uri", "uri-reference", "iri",
    "iri-reference", "uuid", "hostname", "idn-hostname", "ipv4", "ipv6", "json-pointer",
    "relative-json-pointer", "uri-template", "duration", "regex",
)


@functools.lru_cache(maxsize=1)
def format_checker() -> FormatChecker:
    """jsonschema's format checkers (with its `format-nongpl` extras installed: uri, iri,
    hostname, duration … are real checks) plus our date, time and date-time rules, a real
    e-mail syntax check (email-validator; jsonschema only looks for an "@") and strict uuid.

    Stock jsonschema demands RFC 3339 offsets for `time` and `date-time`; forms store naive
    local times (`2026-01-31T14:30:00`), and people type `14:30`, so the three are ours.
    """
    checker = FormatChecker()
    checker.checkers["date"] = (_is_date, ())
    checker.checkers["time"] = (_is_time, ())
    checker.checkers["date-time"] = (_is_datetime, ())
    checker.checkers["email"] = (_is_email, ())
    checker.checkers["idn-email"] = (_is_idn_email, ())
    checker.checkers["uuid"] = (_is_uuid, ())
    missing = [f for f in CHECKED_FORMATS if f not in checker.checkers]
    if missing:  # an install without the extras must fail loudly, not check nothing
        raise RuntimeError(f"format checkers missing (install jsonschema[format-nongpl]): "
                           f"{', '.join(missing)}")
    return checker


_VALIDATORS: dict[int, tuple[Mapping[str, Any], Draft202012Validator | None]] = {}


def _validator(form: Form) -> Draft202012Validator | None:
    hit = _VALIDATORS.get(id(form))
    if hit is not None and hit[0] is form.schema:
        return hit[1]
    try:
        v: Draft202012Validator | None = Draft202012Validator(
            dict(form.schema), format_checker=format_checker())
    except Exception:  # a broken schema is the rule checker's business; validate the rest
        v = None
    _VALIDATORS[id(form)] = (form.schema, v)
    return v


# ---------------------------------------------------------------- cleaning

_TRUE = {"true", "yes", "y", "1", "on", "是", "对", "有", "√", "✓", "☑"}
_FALSE = {"false", "no", "n", "0", "off", "否", "不", "无", "×", "✗", "☐"}
_SPLIT = re.compile(r"\s*[,，、;；\n]\s*")
_CN_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_CN_DATETIME = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?[\sT]*"
    r"(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})\s*秒?)?\s*分?\s*$"
)
_CN_TIME = re.compile(
    r"^\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})\s*秒?)?\s*分?\s*$"
)


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        m = _CN_DATE.match(value)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                return value
    return value


def _to_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_datetime(datetime.combine(value, time()))
    if isinstance(value, str) and len(value) <= 64:
        text = value.strip()
        if _DATETIME.match(text):
            try:
                return format_datetime(datetime.fromisoformat(text.replace("Z", "+00:00")))
            except ValueError:
                return value
        m = _CN_DATETIME.match(text)
        if m:
            try:
                return format_datetime(datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]),
                                                int(m[5]), int(m[6] or 0)))
            except ValueError:
                return value
    return value


def _to_time(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value.time())
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, str):
        m = _CN_TIME.match(value)
        if m:
            try:
                return format_time(time(int(m[1]), int(m[2]), int(m[3] or 0)))
            except ValueError:
                return value
    return value


def _to_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, str) and len(value.strip()) <= 30:
        try:
            return int(value.strip().replace(",", ""))
        except ValueError:
            try:
                f = float(value.strip().replace(",", ""))
            except ValueError:
                return value
            return int(f) if f.is_integer() else value
    return value


def _to_number(value: Any) -> Any:
    if isinstance(value, str) and len(value.strip()) <= 40:
        text = value.strip().replace(",", "")
        try:
            return int(text)
        except ValueError:
            try:
                f = float(text)
            except ValueError:
                return value
            return f if f == f and f not in (float("inf"), float("-inf")) else value
    return value


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return value


def _to_option(spec: FieldSpec, value: Any) -> Any:
    if not spec.options or any(o.value == value and type(o.value) is type(value)
                               for o in spec.options):
        return value
    text = str(value) if isinstance(value, str | int | float) else None
    if text is None:
        return value
    for o in spec.options:
        if str(o.value) == text:
            return o.value
    for o in spec.options:  # a label typed or pasted instead of the stored value
        if text.strip() in (o.label, o.label_en):
            return o.value
    return value


def _to_text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # an integer too long to print
            return value
    return value


def coerce(spec: FieldSpec, value: Any) -> Any:
    """One field's value in its stored type, when it can be read as such (else unchanged)."""
    kind = spec.value_kind
    if kind in ("text", "textarea", "phone", "unit"):
        return _to_text(value)
    if kind == "integer":
        return _to_int(value)
    if kind == "number":
        return _to_number(value)
    if kind == "yesno":
        return _to_bool(value)
    if kind == "date":
        return _to_date(value)
    if kind == "datetime":
        return _to_datetime(value)
    if kind == "time":
        return _to_time(value)
    if kind == "choice":
        return _to_option(spec, value)
    if kind == "multichoice":
        items = _SPLIT.split(value.strip()) if isinstance(value, str) else value
        if isinstance(items, tuple | set | frozenset):
            items = list(items)
        if not isinstance(items, list):
            return value
        out: list[Any] = []
        for item in items:
            item = _to_option(spec, item)
            if present(item) and item not in out:
                out.append(item)
        return out
    if kind == "lines":
        if isinstance(value, str):
            return [line for line in value.splitlines() if line.strip()]
        return value
    return value


def _clean_level(specs: tuple[FieldSpec, ...], data: Mapping[Any, Any], state: FormState,
                 indexes: tuple[int, ...]) -> dict[Any, Any]:
    known = {s.name: s for s in specs}
    out: dict[Any, Any] = {}
    for key, value in data.items():
        spec = known.get(key) if isinstance(key, str) else None
        if spec is None:
            if value is not None:
                out[key] = copy.deepcopy(value)  # unknown keys are kept; validation names them
            continue
        path = spec.concrete_path(*indexes)
        if not state.is_visible(path):
            continue  # a hidden field's value is dropped on submit
        if spec.kind == "group" and isinstance(value, Mapping):
            value = _clean_level(spec.children, value, state, indexes)
        elif spec.kind == "rows" and isinstance(value, list):
            rows = []
            for i, row in enumerate(value):
                if isinstance(row, Mapping):
                    row = _clean_level(spec.children, row, state, (*indexes, i))
                    if not any(present(v) for v in row.values()):
                        continue  # a row added but never filled in
                rows.append(row)
            value = rows
        else:
            value = coerce(spec, copy.deepcopy(value))
        if value is None or value == "" or value == []:
            continue
        out[key] = value
    # Computed fields take their computed value whatever was submitted.
    for spec in specs:
        path = spec.concrete_path(*indexes)
        if spec.compute and state.is_visible(path):
            value = state.computed.get(path)
            if value is None:
                out.pop(spec.name, None)
            else:
                out[spec.name] = value
    return out


def clean(form: Form, data: Any, context: FormContext | Mapping[str, Any] | None = None
          ) -> dict[str, Any]:
    """Data in stored shape: values coerced to their types, hidden and empty fields dropped."""
    if not isinstance(data, Mapping):
        return {}
    spec = form_spec(form)
    # Coerce first so conditions see typed values, then evaluate visibility on the result.
    typed = _coerce_all(spec.fields, data)
    state = evaluate(spec, typed, context)
    return _clean_level(spec.fields, typed, state, ())


def _coerce_all(specs: tuple[FieldSpec, ...], data: Mapping[Any, Any]) -> dict[Any, Any]:
    known = {s.name: s for s in specs}
    out: dict[Any, Any] = {}
    for key, value in data.items():
        spec = known.get(key) if isinstance(key, str) else None
        if spec is None:
            out[key] = value
        elif spec.kind == "group" and isinstance(value, Mapping):
            out[key] = _coerce_all(spec.children, value)
        elif spec.kind == "rows" and isinstance(value, list):
            out[key] = [_coerce_all(spec.children, r) if isinstance(r, Mapping) else r
                        for r in value]
        else:
            out[key] = coerce(spec, value)
    return out


# ---------------------------------------------------------------- validation

_PRIORITY = {"unencodable": 0, "limit": 0, "required": 0, "type": 1, "unknown": 1, "format": 2,
             "enum": 2, "pattern": 2}


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def unencodable(data: Any, path: str = "") -> list[tuple[str, str]]:
    """(concrete path, `U+D800`) for every text, or key, holding a code point that UTF-8
    cannot encode (a lone surrogate), at any depth. Such text is refused at the boundary,
    not replaced, so what is stored is always what the person typed."""
    out: list[tuple[str, str]] = []
    if isinstance(data, str):
        hit = _SURROGATE.search(data)
        if hit:
            out.append((path, f"U+{ord(hit[0]):04X}"))
    elif isinstance(data, Mapping):
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            out += unencodable(key, sub) if isinstance(key, str) else []
            out += unencodable(value, sub)
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            out += unencodable(value, f"{path}[{i}]")
    return out


class _Errors:
    """Collects at most one message per path, keeping the most basic problem."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[int, str]] = {}

    def add(self, path: str, kind: str, message: str) -> None:
        """Keep `message` unless the path already has a more basic problem."""
        rank = _PRIORITY.get(kind, 3)
        old = self.found.get(path)
        if old is None or rank < old[0]:
            self.found[path] = (rank, message)

    def result(self) -> dict[str, str]:
        """Path → message."""
        return {p: m for p, (_, m) in self.found.items()}


def _label(spec: FieldSpec | None, path: str, lang: str, form_spec_: FormSpec) -> str:
    """A field's name for a message; a row child reads "人员第 2 行的姓名"."""
    if spec is None:
        return path
    m = re.search(r"\[(\d+)\]\.[^.\[]+$", path)
    if m and "[]" in spec.path:
        parent_path = spec.path.rsplit("[].", 1)[0]
        parent = form_spec_.by_path.get(parent_path)
        if parent is not None:
            return t("forms.row_field", lang, rows=parent.label(lang), n=int(m[1]) + 1,
                     field=spec.label(lang))
    return spec.label(lang)


def _template_path(concrete: str) -> str:
    return re.sub(r"\[\d+\]", "[]", concrete)


def _locate(fs: FormSpec, parts: Iterable[Any]) -> tuple[str, FieldSpec | None]:
    """The nearest field spec above a jsonschema error location, and its concrete path."""
    parts = list(parts)
    while parts:
        concrete = format_path(parts)
        spec = fs.by_path.get(_template_path(concrete))
        if spec is not None:
            return concrete, spec
        parts.pop()
    return "", None


def _limit(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _message(err: ValidationError, spec: FieldSpec, name: str, lang: str) -> tuple[str, str]:
    """(priority kind, message) for one jsonschema error on a field."""
    v = err.validator
    kind = spec.value_kind
    if v == "type":
        key = {"integer": "forms.type.integer", "number": "forms.type.number",
               "yesno": "forms.type.yesno", "group": "forms.type.group",
               "rows": "forms.type.list", "multichoice": "forms.type.list",
               "lines": "forms.type.list"}.get(kind, "forms.type.text")
        if kind == "file" and spec.multiple:
            key = "forms.type.list"
        return "type", t(key, lang, field=name)
    if v == "const" and err.validator_value is True and kind == "yesno":
        return "enum", t("forms.must_tick", lang, field=name)
    if v in ("enum", "const"):
        return "enum", t("forms.enum", lang, field=name)
    if v == "pattern":
        if kind == "phone":
            return "pattern", t("forms.phone", lang, field=name)
        if kind == "unit":
            return "pattern", t("forms.unit", lang, field=name)
        return "pattern", t("forms.pattern", lang, field=name)
    if v == "format":
        key = {"date": "forms.date", "time": "forms.time", "date-time": "forms.datetime"}.get(
            str(err.validator_value), "forms.format")
        return "format", t(key, lang, field=name)
    if v in ("maxLength", "minLength"):
        actual = len(err.instance) if isinstance(err.instance, str) else 0
        if v == "minLength" and actual == 0:
            return "required", t("forms.required", lang, field=name)
        key = "forms.max_length" if v == "maxLength" else "forms.min_length"
        return v, t(key, lang, field=name, limit=err.validator_value, actual=actual)
    simple = {"minimum": "forms.minimum", "maximum": "forms.maximum",
              "exclusiveMinimum": "forms.exclusive_minimum",
              "exclusiveMaximum": "forms.exclusive_maximum", "multipleOf": "forms.multiple_of",
              "minItems": "forms.min_items", "maxItems": "forms.max_items"}
    if v in simple:
        return v, t(simple[v], lang, field=name, limit=_limit(err.validator_value))
    if v == "uniqueItems":
        return v, t("forms.unique", lang, field=name)
    return "other", t("forms.invalid", lang, field=name)


def _prune(specs: tuple[FieldSpec, ...], data: Mapping[Any, Any], state: FormState,
           indexes: tuple[int, ...]) -> dict[str, Any]:
    """What jsonschema should see: string keys, no hidden fields, no empty values."""
    known = {s.name: s for s in specs}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str) or (not present(value) and not isinstance(value, bool)):
            continue
        spec = known.get(key)
        if spec is not None:
            if not state.is_visible(spec.concrete_path(*indexes)):
                continue
            if spec.kind == "group" and isinstance(value, Mapping):
                value = _prune(spec.children, value, state, indexes)
            elif spec.kind == "rows" and isinstance(value, list):
                value = [_prune(spec.children, r, state, (*indexes, i))
                         if isinstance(r, Mapping) else r for i, r in enumerate(value)]
        out[key] = value
    return out


def _walk_values(specs: tuple[FieldSpec, ...], data: Mapping[Any, Any],
                 indexes: tuple[int, ...]) -> Iterable[tuple[FieldSpec, str, Any]]:
    for spec in specs:
        value = data.get(spec.name)
        yield spec, spec.concrete_path(*indexes), value
        if spec.kind == "group" and isinstance(value, Mapping):
            yield from _walk_values(spec.children, value, indexes)
        elif spec.kind == "rows":
            for i, row in enumerate(rows_of(value)):
                yield from _walk_values(spec.children, row, (*indexes, i))


def _top(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _option_texts(options: tuple[Option, ...], lang: str) -> str:
    return "、".join(o.text(lang) for o in options[:20])


def validate(form: Form, data: Any, lang: str = "zh",
             context: FormContext | Mapping[str, Any] | None = None, *,
             fields: Iterable[str] | None = None) -> dict[str, str]:
    """Field path → one message (empty: valid). `fields` limits checks to those top-level
    fields (e.g. the sections a procedure step fills)."""
    if not isinstance(data, Mapping):
        return {FORM_KEY: t("forms.not_object", lang)}
    fs = form_spec(form)
    only = set(fields) if fields is not None else None
    errors = _Errors()
    try:
        state = evaluate(fs, data, context)
        for path, message in state.errors.items():  # a breached rule limit: refuse, say why
            errors.add(path, "limit", message)
        for path, code in unencodable(data):
            spec = fs.by_path.get(re.sub(r"\[\d+\]", "[]", path))
            errors.add(path or FORM_KEY, "unencodable", t(
                "forms.unencodable", lang, field=_label(spec, path, lang, fs), code=code))
        _check_rules(fs, data, state, lang, errors)
        _check_bounds(fs, data, state, lang, as_context(context), errors)
        _check_schema(form, fs, data, state, lang, errors)
    except RecursionError:  # absurdly nested hostile data: reject it as a whole, never crash
        return {FORM_KEY: t("forms.not_object", lang)}
    found = errors.result()
    if only is not None:
        found = {p: m for p, m in found.items() if _top(p) in only}
    return found


def _check_rules(fs: FormSpec, data: Mapping[Any, Any], state: FormState, lang: str,
                 errors: _Errors) -> None:
    """Requiredness, visibility, choices-from and phone / 房号 formats."""
    for spec, path, value in _walk_values(fs.fields, data, ()):
        if not state.is_visible(path):
            continue
        name = _label(spec, path, lang, fs)
        if not present(value) and not (isinstance(value, bool)):
            if state.is_required(path) and not spec.compute:
                key = "forms.choose" if spec.kind in ("choice", "multichoice", "yesno") \
                    else "forms.required"
                errors.add(path, "required", t(key, lang, field=name))
            continue
        if isinstance(value, str) and not spec.pattern:
            default = {"phone": PHONE_PATTERN, "unit": UNIT_PATTERN}.get(spec.kind)
            if default and not re.match(default, value.strip()):
                errors.add(path, "pattern", t(f"forms.{spec.kind}", lang, field=name))
        if spec.choices_from is not None and spec.kind in ("choice", "multichoice"):
            allowed = state.choices.get(path, spec.options)
            if allowed is spec.options:
                continue  # the source field is empty or unmapped: nothing to filter by
            values = value if isinstance(value, list) else [value]
            allowed_values = [o.value for o in allowed]
            if any(v not in allowed_values for v in values):
                src = fs.by_path.get(spec.choices_from.field)
                errors.add(path, "enum", t("forms.choices_from", lang, field=name,
                                           source=src.label(lang) if src else
                                           spec.choices_from.field,
                                           options=_option_texts(allowed, lang)))


def _check_bounds(fs: FormSpec, data: Mapping[Any, Any], state: FormState, lang: str,
                  context: FormContext, errors: _Errors) -> None:
    """`not-before` / `not-after` of date and date-time fields, against the submit-time clock.

    A value the case already holds is not judged again: an agreed reply time that has since
    passed must not block the later steps that show it (the overdue clock says so instead).
    """
    clock = parse_moment(context.clock()) or context.clock()  # naive local, like the values
    for spec, path, value in _walk_values(fs.fields, data, ()):
        if not (spec.not_before or spec.not_after) or spec.kind not in ("date", "datetime"):
            continue
        if not state.is_visible(path) or not isinstance(value, str) or not value.strip():
            continue
        if "." not in path and "[" not in path and context.case.get(path) == value:
            continue
        moment = parse_moment(value)
        if moment is None:
            continue  # the format check reports it
        for word, upper, key in ((spec.not_before, False, "forms.not_before"),
                                 (spec.not_after, True, "forms.not_after")):
            bound = time_bound(word, spec.kind, clock, upper=upper) if word else None
            if bound is not None and (moment > bound if upper else moment < bound):
                errors.add(path, "bound", t(key, lang, field=_label(spec, path, lang, fs),
                                            limit=_bound_text(word or "", bound, lang)))
                break  # one message per field


def _bound_text(word: str, bound: datetime, lang: str) -> str:
    """How a bound reads in a message: 现在 (2026-12-03 14:30), 今天 (2026-12-03), or the date."""
    shown = bound.strftime("%Y-%m-%d %H:%M")
    if word.strip() == "now":
        return t("forms.bound_now", lang, time=shown)
    if word.strip() == "today":
        return t("forms.bound_today", lang, date=bound.date().isoformat())
    return word.strip().replace("T", " ")


def _check_schema(form: Form, fs: FormSpec, data: Mapping[Any, Any], state: FormState,
                  lang: str, errors: _Errors) -> None:
    validator = _validator(form)
    if validator is None:
        return
    pruned = _tame(_prune(fs.fields, data, state, ()))
    try:
        found = list(validator.iter_errors(pruned))
    except (ValueError, TypeError, RecursionError):  # jsonschema choking on odd values
        errors.add(FORM_KEY, "other", t("forms.invalid", lang, field=form.title))
        return
    for err in found:
        parts = list(err.absolute_path)
        if err.validator == "required":
            missing = _missing_name(err)
            if missing is None:
                continue
            concrete = format_path([*parts, missing])
            spec = fs.by_path.get(_template_path(concrete))
            if spec is not None and (spec.required or state.is_required(concrete)
                                     or not state.is_visible(concrete)):
                continue  # decided by _check_rules (with visibility); hidden is never required
            # Required only by a schema rule such as `if/then` (or a field without a spec).
            name = _label(spec, concrete, lang, fs)
            key = "forms.choose" if spec is not None and spec.kind in (
                "choice", "multichoice", "yesno") else "forms.required"
            errors.add(concrete, "required", t(key, lang, field=name))
            continue
        if err.validator in ("additionalProperties", "unevaluatedProperties"):
            props = _known_keys(fs, parts)
            for extra in err.instance if isinstance(err.instance, Mapping) else ():
                if extra not in props:
                    path = format_path([*parts, extra])
                    errors.add(path, "unknown", t("forms.unknown_field", lang, field=path))
            continue
        path, spec = _locate(fs, parts)
        if spec is None:
            where = path or FORM_KEY
            errors.add(where, "other", t("forms.invalid", lang, field=form.title))
            continue
        kind, message = _message(err, spec, _label(spec, path, lang, fs), lang)
        errors.add(path, kind, message)


_HUGE = 10**300


def _tame(value: Any) -> Any:
    """Integers too long to print (jsonschema's messages repr them) become a huge float."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _HUGE:
        return float("inf") if value > 0 else float("-inf")
    if isinstance(value, dict):
        return {k: _tame(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tame(v) for v in value]
    return value


def _missing_name(err: ValidationError) -> str | None:
    for name in err.validator_value if isinstance(err.validator_value, list) else ():
        if err.message == f"{name!r} is a required property":
            return str(name)
    return None


def _known_keys(fs: FormSpec, parts: list[Any]) -> set[str]:
    if not parts:
        return {s.name for s in fs.fields}
    _, spec = _locate(fs, parts)
    return {c.name for c in spec.children} if spec else set()


def check(form: Form, data: Any, lang: str = "zh",
          context: FormContext | Mapping[str, Any] | None = None, *,
          fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Clean then validate: the stored data, or FormValidationError with every field message."""
    cleaned = clean(form, data, context)
    errors = validate(form, cleaned if isinstance(data, Mapping) else data, lang, context,
                      fields=fields)
    if errors:
        raise FormValidationError(errors)
    return cleaned
