"""The one safe expression language for every condition in the rules.

Conditions (form visibility and requiredness, step branches, clock and follow-up conditions)
are Jinja2 expressions compiled once in an immutable sandbox, so a rule author can write
`category == 'engineering' and not explained_on_site` but never reach Python internals.
Names are extracted at load time so that a condition naming a missing field is a load error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jinja2 import TemplateSyntaxError, nodes

from runtime.compiler.sandbox import (
    ALLOWED_FILTERS,
    EXPRESSION_LIMITS,
    BoundedExpressionEnvironment,
    bounded,
    check_result,
    names_not_allowed,
)
from runtime.errors import HandbookError, LimitExceeded

# Names every condition may use besides form fields.
CONTEXT_NAMES: frozenset[str] = frozenset(
    {"now", "today", "weekday", "hour", "property", "user", "roles", "case", "true", "false",
     "none", "True", "False", "None", "weekday_of", "hour_of", "is_weekend"}
)


class ExpressionError(HandbookError):
    """A condition does not parse, or names something that does not exist."""


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def weekday_of(value: Any) -> int | None:
    """ISO weekday (1 = Monday … 7 = Sunday) of a date or date-time field; None when empty."""
    moment = _moment(value)
    return moment.isoweekday() if moment else None


def hour_of(value: Any) -> int | None:
    """Hour of day of a date-time field; None when empty."""
    moment = _moment(value)
    return moment.hour if moment else None


def is_weekend(value: Any) -> bool:
    """Saturday or Sunday (calendar weekend; make-up working days are the engine's concern)."""
    day = weekday_of(value)
    return day is not None and day >= 6


FUNCTIONS = {"weekday_of": weekday_of, "hour_of": hour_of, "is_weekend": is_weekend}


@functools.lru_cache(maxsize=1)
def _env() -> BoundedExpressionEnvironment:
    # Undefined names evaluate falsy instead of raising, so a field left empty never crashes.
    # Bounded: restricted filters/globals/methods and limits (runtime/compiler/sandbox.py).
    env = BoundedExpressionEnvironment(autoescape=False)
    env.globals.update(FUNCTIONS)
    return env


def _names_of(source: str) -> frozenset[str]:
    names, _filters = names_and_filters(source)
    return names


def names_and_filters(source: str) -> tuple[frozenset[str], frozenset[str]]:
    """(variable names, filter and test names) an expression uses; TemplateSyntaxError."""
    # Parse only (no code generation), so a refused filter is named, not "no filter named".
    ast = _env().parse("{{ (" + source + ") }}")
    names = {n.name for n in ast.find_all(nodes.Name) if n.ctx == "load"}
    filters = {n.name for n in ast.find_all(nodes.Filter) if n.name}
    return frozenset(names), frozenset(filters)


def expression_problems(source: str, known: Iterable[str]) -> list[str]:
    """What `handbook check` reports about one expression: syntax, refused filters or
    globals (with the reason), unknown filters, and names that are neither fields nor context
    names. Empty when the expression is fine. Used for `compute:` and conditions alike."""
    text = str(source).strip()
    try:
        names, filters = names_and_filters(text)
    except TemplateSyntaxError as exc:
        return [f"syntax error in {text!r}: {exc.message}"]
    out = [f"uses {name!r}, which cannot be bounded ({why})"
           for name, why in sorted(names_not_allowed(names | filters).items())]
    for name in sorted(filters - ALLOWED_FILTERS):
        if name not in names_not_allowed([name]):
            out.append(f"uses the unknown filter {name!r}")
    allowed = set(known) | CONTEXT_NAMES | {"range", "dict"}
    out += [f"names {name!r}, which is not a field" for name in sorted(names - allowed)
            if name not in names_not_allowed([name])]
    return out


def run_expression(fn: Callable[..., Any], names: Mapping[str, Any], where: str = "") -> Any:
    """Call a compiled expression under EXPRESSION_LIMITS; LimitExceeded (located at
    `where`) on a breach, any other failure propagates to the caller."""
    try:
        with bounded(EXPRESSION_LIMITS) as budget:
            return check_result(fn(**names), budget)
    except LimitExceeded as exc:
        raise exc.at(where) if where else exc from None


@dataclass(frozen=True)
class Condition:
    """A compiled condition: `source` text, the names it reads, and its evaluator."""

    source: str
    names: frozenset[str]
    _fn: Callable[..., Any] = field(repr=False, compare=False, hash=False)
    where: str = field(default="", compare=False)  # rule and field, for limit messages

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        """True when the condition holds; a failing evaluation (e.g. None > 3) is False.

        A breached limit is not a failing evaluation: it raises LimitExceeded naming the
        condition's rule and field (`where`), so it is shown instead of silently False."""
        # Only the names it reads: Jinja copies every name it is given into a new context
        # on each call, and a form's context holds all of its fields (a missing name is
        # undefined either way).
        names = {n: context[n] for n in self.names if n in context}
        try:
            return bool(run_expression(self._fn, names, self.where or repr(self.source)))
        except LimitExceeded:
            raise
        except Exception:  # a rule must never crash a page: wrong types simply don't match
            return False

    def located(self, where: str) -> Condition:
        """This condition, naming `where` (rule and field) in limit errors."""
        return Condition(self.source, self.names, self._fn, where)

    def __str__(self) -> str:
        return self.source


@functools.lru_cache(maxsize=4096)
def compile_condition(source: str) -> Condition:
    """Compile a condition once (cached by text); ExpressionError on bad syntax."""
    text = str(source).strip()
    if not text:
        raise ExpressionError("empty condition")
    if "{{" in text or "{%" in text:
        raise ExpressionError("write the bare expression, without {{ }} or {% %}")
    try:
        names, filters = names_and_filters(text)
        refused = names_not_allowed(names | filters)
        if refused:
            name, why = sorted(refused.items())[0]
            raise ExpressionError(f"condition {text!r} uses {name!r}, which cannot be bounded "
                                  f"({why})")
        fn = _env().compile_expression(text, undefined_to_none=True)
    except TemplateSyntaxError as exc:
        raise ExpressionError(f"syntax error in condition {text!r}: {exc.message}") from exc
    return Condition(source=text, names=names, _fn=fn)


def unknown_names(cond: Condition, known: Iterable[str]) -> list[str]:
    """Names in `cond` that are neither in `known` nor context names, sorted."""
    allowed = set(known) | CONTEXT_NAMES
    return sorted(n for n in cond.names if n not in allowed)
