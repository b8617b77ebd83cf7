"""Stage 2, validate: each document against its kind's JSON Schema, collecting every error.

Messages are rewritten from jsonschema's into the administrator's terms ("unknown key 'foo'",
"missing required key 'level'") and each is placed at the line of the offending key.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from runtime.compiler.loader import RawDoc, loc_at
from runtime.compiler.model import Loc
from runtime.compiler.schemas import KINDS, schema_for
from runtime.errors import KeyPath, RuleError


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    # Resolving "$ref" through the referencing library costs ~70% of validation time; the rule
    # schemas have no recursive references, so they are inlined once instead.
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            merged = {**defs[ref.rsplit("/", 1)[1]], **{k: v for k, v in node.items()
                                                       if k != "$ref"}}
            return _inline(merged, defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "definitions"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


@functools.cache
def _validator(kind: str) -> Draft7Validator:
    schema = schema_for(kind)
    return Draft7Validator(_inline(schema, schema.get("definitions", {})))


def _err(doc: RawDoc, path: KeyPath, code: str, message: str) -> RuleError:
    loc = loc_at(doc.data, path) or Loc(doc.file, 1, 1)
    return RuleError(loc.file, loc.line, loc.col, code, message, path)


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    # For oneOf/anyOf, the branch that got furthest explains the problem best.
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(len(e.absolute_path) for e in error.context)
        if deepest > len(error.absolute_path):
            for sub in error.context:
                if len(sub.absolute_path) == deepest:
                    yield from _leaf_errors(sub)
            return
    yield error


def _message(error: ValidationError) -> tuple[KeyPath, str]:
    path: KeyPath = tuple(error.absolute_path)
    v = error.validator
    if v == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else "?"
        return path, f"missing required key {missing!r}"
    if v == "pattern":
        desc = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
        return path, f"{error.instance!r} does not match the expected form ({desc})"
    if v == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return path, f"{error.instance!r} is not one of: {allowed}"
    if v == "const":
        return path, f"expected {error.validator_value!r}, found {error.instance!r}"
    if v == "type":
        return path, f"expected {error.validator_value}, found {type(error.instance).__name__}"
    if v in ("oneOf", "anyOf"):
        desc = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
        return path, f"{error.instance!r} is not valid here ({desc})"
    return path, str(error.message)


def schema_errors(doc: RawDoc) -> list[RuleError]:
    """Every schema error of one document (unknown kind is one error)."""
    kind = doc.kind
    if kind not in KINDS:
        shown = repr(doc.data.get("kind")) if "kind" in doc.data else "missing"
        return [
            _err(doc, ("kind",) if "kind" in doc.data else (), "E010",
                 f"kind {shown}: expected one of {', '.join(KINDS)}")
        ]
    out: list[RuleError] = []
    for error in _validator(kind).iter_errors(doc.data):
        for leaf in _leaf_errors(error):
            if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
                allowed = set(leaf.schema.get("properties", {}))
                for key in leaf.instance:
                    if key not in allowed:
                        out.append(_err(doc, (*leaf.absolute_path, key), "E011",
                                        f"unknown key {key!r}"))
                continue
            path, message = _message(leaf)
            out.append(_err(doc, path, "E012", message))
    if kind == "form":
        out.extend(_form_schema_errors(doc))
    return out


def _form_schema_errors(doc: RawDoc) -> list[RuleError]:
    schema = doc.data.get("schema")
    if not isinstance(schema, dict):
        return []
    out = []
    for path, message in form_schema_problems(schema):
        out.append(_err(doc, ("schema", *path), "E013", message))
    if schema.get("type") != "object":
        out.append(_err(doc, ("schema", "type"), "E013", "a form schema must have type: object"))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# The part of JSON Schema 2020-12 a form may use. Checking a form's schema against this list,
# rather than against the full meta-schema, is ~50x faster and catches typos ("requird") that the
# meta-schema accepts silently as unknown keywords.
_TYPES = {"string", "integer", "number", "boolean", "object", "array", "null"}
_FORMATS = {"date", "time", "date-time", "email", "uri", "uuid"}
_KEYWORDS = {
    "type", "title", "description", "default", "examples", "$comment", "enum", "const",
    "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "items", "minItems", "maxItems", "uniqueItems",
    "properties", "required", "additionalProperties", "readOnly", "contentMediaType",
    "contentEncoding", "$schema", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    "dependentRequired",
}
_SUBSCHEMA_LISTS = {"allOf", "anyOf", "oneOf"}
_SUBSCHEMAS = {"not", "if", "then", "else", "items"}
_COUNTS = {"minLength", "maxLength", "minItems", "maxItems"}
_NUMBERS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def form_schema_problems(node: Any, path: tuple[str | int, ...] = ()) -> list[
        tuple[tuple[str | int, ...], str]]:
    """Problems in a form's data schema, each with its key path inside `schema`."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    if not isinstance(node, dict):
        return [(path, "a schema must be a mapping")]
    for key, value in node.items():
        here = (*path, key)
        if key not in _KEYWORDS:
            out.append((here, f"unknown JSON Schema keyword {key!r}"))
        elif key == "type":
            names = value if isinstance(value, list) else [value]
            bad = [t for t in names if t not in _TYPES]
            if bad:
                out.append((here, f"unknown type {bad[0]!r} (use {', '.join(sorted(_TYPES))})"))
        elif key == "format" and value not in _FORMATS:
            out.append((here, f"unknown format {value!r} (use {', '.join(sorted(_FORMATS))})"))
        elif key == "enum" and (not isinstance(value, list) or not value):
            out.append((here, "enum must be a non-empty list"))
        elif key == "pattern":
            try:
                re.compile(str(value))
            except re.error as exc:
                out.append((here, f"pattern does not compile: {exc}"))
        elif key in _COUNTS and (not isinstance(value, int) or isinstance(value, bool)
                                 or value < 0):
            out.append((here, f"{key} must be a whole number >= 0"))
        elif key in _NUMBERS and (not isinstance(value, int | float) or isinstance(value, bool)):
            out.append((here, f"{key} must be a number"))
        elif key == "required":
            props = node.get("properties")
            if not isinstance(value, list):
                out.append((here, "required must be a list of field names"))
            elif isinstance(props, dict):  # in if/then sub-schemas, names refer to the parent
                for i, name in enumerate(value):
                    if name not in props:
                        out.append(((*here, i), f"required field {name!r} is not in properties"))
        elif key == "properties":
            if not isinstance(value, dict):
                out.append((here, "properties must be a mapping of field name to schema"))
                continue
            for name, sub in value.items():
                if not _FIELD_NAME.match(str(name)):
                    out.append(((*here, name), f"field name {name!r} must be snake_case "
                                "(a-z, 0-9, _), because conditions refer to it"))
                out.extend(form_schema_problems(sub, (*here, name)))
        elif key in _SUBSCHEMAS or (key == "additionalProperties" and isinstance(value, dict)):
            out.extend(form_schema_problems(value, here))
        elif key in _SUBSCHEMA_LISTS:
            if not isinstance(value, list):
                out.append((here, f"{key} must be a list of schemas"))
                continue
            for i, sub in enumerate(value):
                out.extend(form_schema_problems(sub, (*here, i)))
    return out
