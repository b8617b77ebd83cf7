"""Form interpreter: a form rule (JSON Schema + UI hints) → an ordered tree of field specs.

Everything downstream (validation, Streamlit widgets, printing, export, sample generation)
reads these specs instead of the raw schema, so the mapping "schema + hint → kind of field"
is decided once, here. Pure Python: no Streamlit import.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from runtime.compiler.expr import Condition, ExpressionError, compile_condition
from runtime.compiler.model import Form
from runtime.i18n import pick

Kind = Literal[
    "text", "textarea", "choice", "multichoice", "yesno", "integer", "number", "date", "time",
    "datetime", "phone", "unit", "file", "rows", "group", "lines", "computed",
]

# Widget hint → field kind. The hint wins over what the schema type alone would suggest.
WIDGET_KINDS: Mapping[str, Kind] = {
    "text": "text", "textarea": "textarea", "select": "choice", "radio": "choice",
    "multiselect": "multichoice", "checkbox": "yesno", "toggle": "yesno", "integer": "integer",
    "number": "number", "date": "date", "time": "time", "datetime": "datetime",
    "phone": "phone", "unit": "unit", "file": "file", "photo": "file", "rows": "rows",
    "section": "group", "group": "group", "computed": "computed",
}

# Kinds whose value is free text typed by a person (hostile-input tests target these).
TEXT_KINDS: frozenset[str] = frozenset({"text", "textarea", "phone", "unit", "lines"})

# Default formats for the phone and 房号 widgets when the schema gives no pattern of its own.
PHONE_PATTERN = (
    r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?|[0-9]{7,8}|400-?[0-9]{3}-?[0-9]{4})$"
)
UNIT_PATTERN = r"^[0-9A-Za-z\u4e00-\u9fa5][0-9A-Za-z\u4e00-\u9fa5#-]{0,19}$"

# A string field longer than this many characters gets a text area even without a hint.
TEXTAREA_OVER = 200


@dataclass(frozen=True)
class Option:
    """One choice: the stored value and its Chinese / English labels."""

    value: Any
    label: str
    label_en: str | None = None

    def text(self, lang: str = "zh") -> str:
        """The label shown in `lang`."""
        return pick(self.label, self.label_en, lang)


@dataclass(frozen=True)
class ChoicesFrom:
    """Choices filtered by another field: `field`'s value → the allowed values."""

    field: str
    map: Mapping[str, tuple[Any, ...]]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form, ready for a widget, a validator, a printer or an exporter.

    `path` is dotted from the form root; a repeatable row's children use `[]` for the row
    index (`people[].name`); `concrete_path()` fills the index in.
    """

    name: str
    path: str
    title: str
    kind: Kind
    schema: Mapping[str, Any] = field(repr=False)
    hints: Mapping[str, Any] = field(repr=False)
    title_en: str | None = None
    widget: str | None = None
    base_kind: Kind | None = None  # for a computed field: how its value looks (number, text…)
    required: bool = False  # listed in the parent's JSON Schema `required`
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    step: float | None = None
    unit: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    help: str | None = None
    placeholder: str | None = None
    default: Any = None  # a default spec: now, today, current-user, case:<field>, or a literal
    has_default: bool = False
    readonly: bool = False
    compute: str | None = None
    visible_if: Condition | None = None
    required_if: Condition | None = None
    choices_from: ChoicesFrom | None = None
    personal: bool = False
    accept: tuple[str, ...] = ()  # file types for attachments (photo → images)
    multiple: bool = False  # file: several attachments (array) rather than one
    print_lines: int | None = None  # blank paper form: lines to leave for handwriting
    # Date / date-time bounds (`now`, `today` or an ISO literal), judged at submit time.
    not_before: str | None = None
    not_after: str | None = None
    children: tuple[FieldSpec, ...] = ()

    def label(self, lang: str = "zh") -> str:
        """The field title in `lang`."""
        return pick(self.title, self.title_en, lang)

    def option(self, value: Any) -> Option | None:
        """The option whose value is `value`, if any."""
        for opt in self.options:
            if opt.value == value:
                return opt
        return None

    def option_label(self, value: Any, lang: str = "zh") -> str:
        """The label of a stored choice value (the value itself when unknown)."""
        opt = self.option(value)
        return opt.text(lang) if opt else str(value)

    @property
    def value_kind(self) -> Kind:
        """What the stored value looks like: the base kind of a computed field, else `kind`."""
        return self.base_kind if self.kind == "computed" and self.base_kind else self.kind

    @property
    def is_container(self) -> bool:
        """True for groups and repeatable rows (fields with child fields)."""
        return self.kind in ("group", "rows")

    def concrete_path(self, *indexes: int) -> str:
        """The path with each `[]` replaced by the next row index."""
        out = self.path
        for i in indexes:
            out = out.replace("[]", f"[{i}]", 1)
        return out


@dataclass(frozen=True)
class SectionSpec:
    """A titled, ordered group of top-level fields (procedure steps fill sections)."""

    id: str
    title: str
    fields: tuple[FieldSpec, ...]
    title_en: str | None = None

    def label(self, lang: str = "zh") -> str:
        """The section title in `lang`."""
        return pick(self.title, self.title_en, lang)


@dataclass(frozen=True)
class FormSpec:
    """All of a form's fields: top-level in display order, by section, and by path."""

    form_id: str
    fields: tuple[FieldSpec, ...]
    sections: tuple[SectionSpec, ...]
    by_path: Mapping[str, FieldSpec]

    def walk(self) -> Iterator[FieldSpec]:
        """Every field spec, depth first, parents before children."""
        yield from walk(self.fields)

    def field(self, name: str) -> FieldSpec | None:
        """A top-level field by name."""
        return self.by_path.get(name)

    def section(self, section_id: str) -> SectionSpec | None:
        """A section by id."""
        for s in self.sections:
            if s.id == section_id:
                return s
        return None

    def section_fields(self, section_ids: tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
        """Top-level field names of the given sections (every field when None)."""
        if section_ids is None:
            return tuple(f.name for f in self.fields)
        wanted = set(section_ids)
        return tuple(f.name for s in self.sections if s.id in wanted for f in s.fields)


def walk(specs: tuple[FieldSpec, ...]) -> Iterator[FieldSpec]:
    """Depth-first iteration over specs and their children."""
    for spec in specs:
        yield spec
        yield from walk(spec.children)


OTHER_SECTION = "other"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Resolver:
    """Follows local `$ref`s (`#/$defs/x`) of a form schema, for reading, never validating."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def __call__(self, schema: Any, depth: int = 0) -> Mapping[str, Any]:
        node = _mapping(schema)
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/") or depth > 16:
            return node
        target: Any = self.root
        for part in ref[2:].split("/"):
            target = _mapping(target).get(part.replace("~1", "/").replace("~0", "~"))
        merged = dict(self(target, depth + 1))
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        return merged


def _types(schema: Mapping[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


def _main_type(schema: Mapping[str, Any]) -> str | None:
    non_null = [t for t in _types(schema) if t != "null"]
    if non_null:
        return non_null[0]
    if "enum" in schema or "const" in schema:
        return "string"
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _enum_options(schema: Mapping[str, Any], hints: Mapping[str, Any]) -> tuple[Option, ...]:
    labels = _mapping(hints.get("labels"))
    labels_en = _mapping(hints.get("labels-en"))
    out: list[Option] = []
    if isinstance(schema.get("enum"), list):
        for v in schema["enum"]:
            if v is None:
                continue
            out.append(Option(v, str(labels.get(str(v), v)), _opt_str(labels_en.get(str(v)))))
    else:
        # `oneOf: [{const: x, title: 标签}]` is the JSON Schema way of labelled choices.
        for alt in schema.get("oneOf") or schema.get("anyOf") or []:
            alt = _mapping(alt)
            if "const" in alt and alt["const"] is not None:
                v = alt["const"]
                title = labels.get(str(v), alt.get("title", v))
                out.append(Option(v, str(title), _opt_str(labels_en.get(str(v)))))
    return tuple(out)


def _clamp(value: int | None, lo: int, hi: int) -> int | None:
    return None if value is None else max(lo, min(value, hi))


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _kind_of(schema: Mapping[str, Any], hints: Mapping[str, Any],
             resolve: _Resolver) -> tuple[Kind, Kind | None]:
    """(kind, base kind); the base kind matters for computed fields only."""
    base = _schema_kind(schema, resolve)
    widget = hints.get("widget")
    hinted = WIDGET_KINDS.get(widget) if isinstance(widget, str) else None
    if hints.get("compute"):
        return "computed", base
    if hinted is None:
        return base, None
    # A hint that contradicts the data type would produce values the schema rejects.
    if hinted == "computed":
        return "computed", base
    if base in ("rows", "group") and hinted not in ("rows", "group", "file"):
        return base, None
    if hinted == "yesno" and base == "multichoice":
        return base, None
    if hinted == "choice" and base == "multichoice":
        return "multichoice", None
    if hinted == "multichoice" and base != "multichoice":
        return base, None
    if hinted in ("integer", "number") and base not in ("integer", "number"):
        return base, None
    if hinted == "choice" and base not in ("choice", "multichoice"):
        return base, None
    return hinted, None


def _schema_kind(schema: Mapping[str, Any], resolve: _Resolver) -> Kind:
    t = _main_type(schema)
    if t == "boolean":
        return "yesno"
    if t == "integer":
        return "integer"
    if t == "number":
        return "number"
    if t == "object":
        return "group"
    if t == "array":
        items = resolve(schema.get("items"))
        if _enum_options(items, {}):
            return "multichoice"
        if _main_type(items) == "object":
            return "rows"
        return "lines"
    if _enum_options(schema, {}):
        return "choice"
    fmt = schema.get("format")
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "time":
        return "time"
    max_len = _int(schema.get("maxLength"))
    if max_len is not None and max_len > TEXTAREA_OVER:
        return "textarea"
    return "text"


def _condition(source: Any) -> Condition | None:
    if not isinstance(source, str) or not source.strip():
        return None
    try:
        return compile_condition(source)
    except ExpressionError:
        return None  # the rule checker reports it; a bad condition must not break a form


def _choices_from(hints: Mapping[str, Any]) -> ChoicesFrom | None:
    cf = _mapping(hints.get("choices-from"))
    src, table = cf.get("field"), _mapping(cf.get("map"))
    if not isinstance(src, str) or not table:
        return None
    norm: dict[str, tuple[Any, ...]] = {}
    for key, values in table.items():
        norm[str(key)] = tuple(values) if isinstance(values, list | tuple) else (values,)
    return ChoicesFrom(src, norm)


def _build(name: str, path: str, schema: Any, hints_raw: Any, required: bool,
           resolve: _Resolver) -> FieldSpec:
    node = resolve(schema)
    hints = _mapping(hints_raw)
    kind, base = _kind_of(node, hints, resolve)
    widget = hints.get("widget") if isinstance(hints.get("widget"), str) else None
    value_schema = node
    if kind in ("multichoice", "rows", "lines") or (kind == "file" and _main_type(node) == "array"):
        value_schema = resolve(node.get("items"))
    options = _enum_options(value_schema, hints)
    children: tuple[FieldSpec, ...] = ()
    if kind in ("group", "rows"):
        obj = node if kind == "group" else value_schema
        child_hints = _mapping(hints.get("fields"))
        req = set(x for x in obj.get("required", []) if isinstance(x, str))
        prefix = f"{path}." if kind == "group" else f"{path}[]."
        children = tuple(
            _build(cname, prefix + cname, cschema, child_hints.get(cname), cname in req, resolve)
            for cname, cschema in _mapping(obj.get("properties")).items()
        )
    accept: tuple[str, ...] = ()
    if isinstance(hints.get("accept"), list):
        accept = tuple(str(x) for x in hints["accept"])
    elif widget == "photo":
        accept = ("jpg", "jpeg", "png", "heic", "webp")
    has_default = "default" in hints or "default" in node
    string_schema = value_schema if kind == "lines" else node
    return FieldSpec(
        name=name,
        path=path,
        title=str(node.get("title") or name),
        title_en=_opt_str(hints.get("title-en")),
        kind=kind,
        base_kind=base,
        widget=widget,
        schema=node,
        hints=hints,
        required=required,
        options=options,
        minimum=_num(node.get("minimum")),
        maximum=_num(node.get("maximum")),
        exclusive_minimum=_num(node.get("exclusiveMinimum")),
        exclusive_maximum=_num(node.get("exclusiveMaximum")),
        step=_num(hints.get("step")) or _num(node.get("multipleOf")),
        unit=_opt_str(hints.get("unit")),
        min_length=_int(string_schema.get("minLength")),
        max_length=_int(string_schema.get("maxLength")),
        pattern=_opt_str(string_schema.get("pattern")),
        format=_opt_str(node.get("format")),
        min_items=_int(node.get("minItems")),
        max_items=_int(node.get("maxItems")),
        help=_opt_str(hints.get("help") or node.get("description")),
        placeholder=_opt_str(hints.get("placeholder")),
        default=hints["default"] if "default" in hints else node.get("default"),
        has_default=has_default,
        readonly=bool(hints.get("readonly")) or kind == "computed",
        compute=_opt_str(hints.get("compute")),
        visible_if=_condition(hints.get("visible-if")),
        required_if=_condition(hints.get("required-if")),
        choices_from=_choices_from(hints),
        personal=bool(hints.get("personal")),
        accept=accept,
        multiple=kind == "file" and _main_type(node) == "array",
        print_lines=_clamp(_int(hints.get("print-lines")), 1, 100),
        not_before=_opt_str(hints.get("not-before")),
        not_after=_opt_str(hints.get("not-after")),
        children=children,
    )


def build_spec(form: Form) -> FormSpec:
    """Interpret a form: every field as a FieldSpec, grouped into the form's sections."""
    schema = _mapping(form.schema)
    resolve = _Resolver(schema)
    root = resolve(schema)
    hints = _mapping(_mapping(form.ui).get("fields"))
    required = set(x for x in root.get("required", []) if isinstance(x, str))
    props = _mapping(root.get("properties"))
    built = {
        name: _build(name, name, sub, hints.get(name), name in required, resolve)
        for name, sub in props.items()
        if isinstance(name, str)
    }
    sections: list[SectionSpec] = []
    placed: set[str] = set()
    for sec in form.sections:
        # A field may sit in several sections (different steps fill it); each section keeps
        # its full list, and `fields` below lists every field once, at its first section.
        specs = tuple(built[n] for n in dict.fromkeys(sec.fields) if n in built)
        placed.update(s.name for s in specs)
        sections.append(SectionSpec(sec.id, sec.title, specs, sec.title_en))
    rest = tuple(s for n, s in built.items() if n not in placed)
    if rest:
        # Fields no section lists still appear, so no data is ever invisible.
        if sections:
            sections.append(SectionSpec(OTHER_SECTION, "其他", rest, "Other"))
        else:
            sections.append(SectionSpec("main", form.title, rest, form.meta.title_en))
    ordered = tuple(built[n] for n in dict.fromkeys(s.name for sec in sections
                                                     for s in sec.fields))
    by_path = {s.path: s for s in walk(ordered)}
    return FormSpec(form.id, ordered, tuple(sections), by_path)


# Forms are frozen but hold dicts (unhashable); cache by identity, dropped with the form.
_CACHE: dict[int, tuple[weakref.ref[Form], FormSpec]] = {}


def form_spec(form: Form) -> FormSpec:
    """The (cached) FormSpec of a form object."""
    key = id(form)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is form:
        return hit[1]
    spec = build_spec(form)

    def forget(_ref: weakref.ref[Form], k: int = key) -> None:
        _CACHE.pop(k, None)

    _CACHE[key] = (weakref.ref(form, forget), spec)
    return spec
