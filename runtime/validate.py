"""Stage 2, validate: each document against its kind's JSON Schema, collecting every error.

Messages are rewritten from jsonschema's into the administrator's terms ("unknown key 'foo'",
"missing required key 'level'") and each is placed at the line of the offending key.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

from runtime.errors import KeyPath, RuleError
from runtime.loader import RawDoc, loc_at
from runtime.model import Loc
from runtime.schemas import KINDS, schema_for


@functools.cache
def _validator(kind: str) -> Draft7Validator:
    return Draft7Validator(schema_for(kind))


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
    try:
        Draft202012Validator.check_schema(_plain(schema))
    except SchemaError as exc:
        path = ("schema", *exc.absolute_path)
        out.append(_err(doc, path, "E013", f"not a valid JSON Schema (2020-12): {exc.message}"))
    if schema.get("type") != "object":
        out.append(_err(doc, ("schema", "type"), "E013", "a form schema must have type: object"))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
