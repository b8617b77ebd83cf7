"""The schemas as an editor sees them: the compiler's schemas plus what only an editor needs.

`handbook check` validates against `schema_for(kind)` and leaves durations, recurrences, ids and
a form's data schema to the parsers and checks, whose messages are better. An editor
(yaml-language-server) has nothing but the JSON Schema, so the files written for it add:

- the duration and recurrence syntax as patterns (`patterns.py`, built from timeexpr's tables);
- for one rules tree (`handbook schemas --tree`): its role, form, procedure, step, department,
  calendar, property and named-limit ids as enums with their Chinese titles, so the editor
  completes ids and flags unknown ones as you type;
- the JSON Schema subset a form's `schema:` may use (`form_data.py`), so `type: integr`
  inside a form is flagged in the editor as `handbook check` flags it (E013).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.compiler.schemas import ID, SCHEMAS
from runtime.compiler.schemas.form_data import FORM_DATA_DEFS
from runtime.compiler.schemas.patterns import (
    duration_pattern,
    limit_name_pattern,
    recurrence_pattern,
)

if TYPE_CHECKING:
    from runtime.compiler.pipeline import Compiled

# Which kind of id a key refers to, by the key's name where the schema uses an id pattern.
# A key not listed (overlay `rule`, `section`, `event`, robot `via`, rotation `cycle`, an `id`
# that defines rather than refers) keeps the plain id pattern.
KEY_REFS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("roles", "role", "notify", "head", "keeper", "pattern-of", "reports-to",
                     "owner", "drafted-by", "reviewed-by", "approved-by", "may-combine",
                     "administer", "train", "dashboard", "all-properties"), ("role",)),
    **dict.fromkeys(("form", "forms", "requires", "evidence"), ("form",)),
    **dict.fromkeys(("procedures", "hands-off-to"), ("procedure",)),
    **dict.fromkeys(("to", "start", "pause-in", "required-before", "step", "step-point"),
                    ("step",)),
    "department": ("department",),
    "by": ("department", "role"),  # waits-for: the department or role that records the event
    "calendar": ("calendar",),
    "property": ("property",),
    "serves": ("property",),
}


@dataclass
class TreeIds:
    """The ids a rules tree defines, each with its title (for completion and hover)."""

    ids: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> id -> title
    limits: list[str] = field(default_factory=list)

    def add(self, kind: str, ident: str, title: str) -> None:
        """Record one id (the first title seen wins: the company's before a property's)."""
        self.ids.setdefault(kind, {}).setdefault(ident, title)

    @classmethod
    def of(cls, tree: Compiled) -> TreeIds:
        """Every id of every view of a compiled tree (a property's own roles included)."""
        out = cls()
        for view in tree.views.values():
            for kind, rules in (("role", view.roles), ("form", view.forms),
                                ("procedure", view.procedures), ("calendar", view.calendars),
                                ("property", view.properties)):
                for rid, rule in rules.items():
                    out.add(kind, rid, rule.meta.title)
            for proc in view.procedures.values():
                for step in proc.steps:
                    out.add("step", step.id, f"{step.title} ({proc.meta.title})")
            departments = list(view.company.departments)
            if view.property is not None:
                departments += list(view.property.departments)
            for dep in departments:
                out.add("department", dep.id, dep.title)
            out.limits.extend(n for n in view.company.limits if n not in out.limits)
        return out


def _enum_for(kinds: tuple[str, ...], ids: TreeIds) -> dict[str, Any] | None:
    values: dict[str, str] = {}
    for kind in kinds:
        for ident, title in sorted(ids.ids.get(kind, {}).items()):
            values.setdefault(ident, title)
    if not values:  # a tree without such ids: keep the pattern, an empty enum refuses all
        return None
    return {"enum": list(values), "enumDescriptions": list(values.values()),
            "markdownEnumDescriptions": list(values.values())}


def _with_ids(node: Any, key: str | None, ids: TreeIds) -> Any:
    """A copy of `node` where each id reference of a known kind lists the tree's ids."""
    if isinstance(node, Mapping):
        if node.get("pattern") == ID and key in KEY_REFS:
            enum = _enum_for(KEY_REFS[key], ids)
            if enum is not None:
                out = {k: v for k, v in node.items() if k != "pattern"}
                return {**out, **enum}
        result: dict[str, Any] = {}
        for k, v in node.items():
            if k in ("properties", "definitions"):
                result[k] = {name: _with_ids(sub, name, ids) for name, sub in v.items()}
            else:  # items, oneOf, anyOf, additionalProperties: the same key still applies
                result[k] = _with_ids(v, key, ids)
        return result
    if isinstance(node, list):
        return [_with_ids(v, key, ids) for v in node]
    return node


def editor_schema(kind: str, ids: TreeIds | None = None) -> dict[str, Any]:
    """The schema of `kind` for editors; with `ids`, the tree's ids as enums."""
    schema = copy.deepcopy(SCHEMAS[kind])
    defs = schema["definitions"]
    names = [*ids.limits, "immediately"] if ids is not None else None
    defs["duration"]["pattern"] = (f"(?:{duration_pattern()})|(?:{limit_name_pattern(names)})")
    defs["duration"]["patternErrorMessage"] = (
        "时长写法: 15m, 1h, 24h, 7d, 1w, 3 months, 2y, '2 working days', '4 working hours'"
        " 或公司 limits 中的名称 (如 immediately)")
    defs["recurrence"]["pattern"] = recurrence_pattern()
    defs["recurrence"]["patternErrorMessage"] = (
        "周期写法: daily 08:00, 'every Friday 14:30', 'monthly by day 25', "
        "'quarterly by day 25 of month 3', 'yearly in December'")
    if kind == "form":
        defs.update(copy.deepcopy(FORM_DATA_DEFS))
        props = schema["properties"]
        props["schema"] = {"description": props["schema"]["description"],
                           "$ref": "#/definitions/form-data"}
    if ids is not None:
        schema = _with_ids(schema, None, ids)
    return schema
