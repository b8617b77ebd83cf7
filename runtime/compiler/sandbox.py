"""Bounded Jinja2 sandboxes: every condition, `compute:` expression and print template runs
with a restricted set of filters, globals and methods and under limits on output length,
range size, loop iterations and calls, the size of any string or sequence it builds, and time.

Why checks happen *before* an operation: one C-level operation (`'*' * 10**10`,
`'x'.center(10**9)`, `10**10**10`) cannot be interrupted by a timer thread or a signal, so the
operators, filters and methods that can build something large estimate the result first and
refuse it. Loops cannot be long because `range` is capped and every `{% for %}` is rewritten
to count its iterations; calls (macros, recursion) count too. Time is the thread's CPU time,
checked between steps, so a busy machine never fails a rule that is merely descheduled.

A breach raises `LimitExceeded` (runtime/errors.py) naming the limit; callers add the rule and
field. Documented for rule authors in docs/RULES.md ("Expressions and templates: limits").
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from runtime.errors import LimitExceeded


@dataclass(frozen=True)
class Limits:
    """The bounds one evaluation runs under."""

    max_output: int  # characters a template writes / an expression's result may hold
    max_range: int  # numbers one range() may produce
    max_steps: int  # loop iterations plus calls (macros, functions, filters by name)
    max_size: int  # characters / items any one string or sequence built may hold
    cpu_seconds: float  # the thread's CPU time for the whole evaluation
    max_int_bits: int = 4096  # integers larger than ~1,200 digits are refused


# Conditions and compute: fields are one-liners over one record; 100 ms is generous.
EXPRESSION_LIMITS = Limits(max_output=100_000, max_range=1_000, max_steps=10_000,
                           max_size=100_000, cpu_seconds=0.1)
# A print template renders a whole register: 500 rows of the largest shipped form use ~5,000
# steps and 0.04 s, so these limits leave a tenfold margin.
TEMPLATE_LIMITS = Limits(max_output=5_000_000, max_range=10_000, max_steps=50_000,
                         max_size=2_000_000, cpu_seconds=2.0)

# Filters rule authors may use (jinja2's own, minus the ones that build unbounded text, run
# heavy regexes, format with printf widths, reach attributes by name, or mark text safe).
ALLOWED_FILTERS: frozenset[str] = frozenset({
    "abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
    "groupby", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
    "reject", "rejectattr", "replace", "reverse", "round", "select", "selectattr", "sort",
    "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
    "wordcount", "center", "indent", "batch", "slice", "urlencode", "filesizeformat",
})
# Refused with a reason (so `handbook check` can say why rather than "unknown").
FORBIDDEN_FILTERS: Mapping[str, str] = {
    "attr": "reaches attributes by name", "format": "printf widths build unbounded text",
    "wordwrap": "quadratic on long text", "urlize": "heavy regular expressions on long text",
    "pprint": "prints Python internals", "xmlattr": "not needed in rules",
    "random": "results must be reproducible", "safe": "record data must stay escaped",
    "forceescape": "not needed in rules",
}
FORBIDDEN_GLOBALS: Mapping[str, str] = {
    "lipsum": "generates unbounded text", "cycler": "not needed in rules",
    "joiner": "not needed in rules", "namespace": "mutable state across loop iterations",
}
# Methods of built-in values a rule may call; every other one (center, ljust, zfill,
# expandtabs, format, format_map, join, replace, encode, to_bytes …) is refused.
SAFE_METHODS: Mapping[type, frozenset[str]] = {
    str: frozenset({
        "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split",
        "rsplit", "splitlines", "title", "capitalize", "casefold", "count", "find", "rfind",
        "index", "rindex", "isdigit", "isalpha", "isalnum", "isspace", "isnumeric", "isdecimal",
        "isupper", "islower", "istitle", "swapcase", "partition", "rpartition", "removeprefix",
        "removesuffix"}),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    dict: frozenset({"items", "keys", "values", "get"}),
    int: frozenset({"real", "imag", "numerator", "denominator"}),
    float: frozenset({"real", "imag", "is_integer"}),
    bool: frozenset(),
    bytes: frozenset(),
    set: frozenset(),
    frozenset: frozenset(),
}


class Budget:
    """What one evaluation has used so far."""

    __slots__ = ("deadline", "limits", "steps", "ticks")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0
        self.ticks = 0
        self.deadline = time.thread_time() + limits.cpu_seconds

    def step(self) -> None:
        """One loop iteration or call; refuses past max_steps or the time limit."""
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise LimitExceeded("iterations", f"more than {self.limits.max_steps} loop "
                                "iterations and calls")
        if not self.steps & 31:
            self.check_time()

    def tick(self) -> None:
        """A cheap operation (attribute look-up, operator): checks the time now and then."""
        self.ticks += 1
        if not self.ticks & 255:
            self.check_time()

    def check_time(self) -> None:
        """Refuse once the evaluation's CPU time is used up."""
        if time.thread_time() > self.deadline:
            raise LimitExceeded("time", f"took longer than {self.limits.cpu_seconds * 1000:g} "
                                "ms of CPU time")

    def size(self, n: int, what: str) -> None:
        """Refuse building a string or sequence of `n` characters or items."""
        if n > self.limits.max_size:
            raise LimitExceeded("size", f"{what} would hold {n:,} characters or items; the "
                                f"limit is {self.limits.max_size:,}")


_CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("hb_budget",
                                                                        default=None)


def current(limits: Limits = EXPRESSION_LIMITS) -> Budget:
    """The budget of the evaluation running now (a fresh one when called outside any)."""
    return _CURRENT.get() or Budget(limits)


@contextlib.contextmanager
def bounded(limits: Limits) -> Iterator[Budget]:
    """Run the body as one evaluation under `limits`; MemoryError and RecursionError become
    LimitExceeded so that a breach is never mistaken for an ordinary failure."""
    budget = Budget(limits)
    token = _CURRENT.set(budget)
    try:
        yield budget
    except MemoryError:
        raise LimitExceeded("memory", "ran out of memory") from None
    except RecursionError:
        raise LimitExceeded("recursion", "calls nested too deeply (recursion)") from None
    except SecurityError as exc:  # a refused attribute or call is a rule error, not "False"
        raise LimitExceeded("forbidden", str(exc)) from exc
    finally:
        _CURRENT.reset(token)


def check_result(value: Any, budget: Budget) -> Any:
    """Refuse an expression result longer than max_output."""
    if isinstance(value, str | list | tuple | dict) and len(value) > budget.limits.max_output:
        raise LimitExceeded("output", f"result of {len(value):,} characters or items; the "
                            f"limit is {budget.limits.max_output:,}")
    return value


def render_bounded(chunks: Iterable[str], budget: Budget) -> str:
    """Join a template's output, refusing more than max_output characters."""
    out: list[str] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > budget.limits.max_output:
            raise LimitExceeded("output", f"output longer than {budget.limits.max_output:,} "
                                "characters")
        budget.tick()
        out.append(chunk)
    budget.check_time()
    return "".join(out)


# ---------------------------------------------------------------- bounded filters and globals


def _length(value: Any) -> int:
    return len(value) if isinstance(value, Sized) else len(str(value))


def _bounded_range(*args: Any) -> range:
    budget = current()
    rng = range(*args)
    if len(rng) > budget.limits.max_range:
        raise LimitExceeded("range", f"range of {len(rng):,} numbers; the limit is "
                            f"{budget.limits.max_range:,}")
    return rng


def _bounded_center(value: Any, width: int = 80) -> str:
    current().size(max(int(width), _length(value)), "center()")
    return FILTERS["center"](value, width)


def _bounded_indent(value: Any, width: int | str = 4, first: bool = False,
                    blank: bool = False) -> str:
    text = str(value)
    pad = int(width) if not isinstance(width, str) else len(width)
    current().size(len(text) + pad * (text.count("\n") + 1), "indent()")
    return str(FILTERS["indent"](value, width, first, blank))


def _bounded_replace(eval_ctx: Any, value: Any, old: Any, new: Any,
                     count: int | None = None) -> Any:
    text, o, n = str(value), str(old), str(new)
    hits = (len(text) + 1) if not o else text.count(o)
    if count is not None and count >= 0:
        hits = min(hits, count)
    current().size(len(text) + hits * max(len(n) - len(o), 0), "replace()")
    return FILTERS["replace"](eval_ctx, value, old, new, count)


def _bounded_join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
    items = list(value) if isinstance(value, Iterable) else [value]
    budget = current()
    budget.size(len(items), "join()")
    total = sum(_length(x) for x in items) + len(str(d)) * max(len(items) - 1, 0)
    budget.size(total, "join()")
    return FILTERS["join"](eval_ctx, items, d, attribute)


def _bounded_batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    current().size(int(linecount), "batch()")
    return FILTERS["batch"](value, linecount, fill_with)


def _bounded_slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    current().size(int(slices), "slice()")
    return FILTERS["slice"](value, slices, fill_with)


def _bounded_truncate(env: Any, s: str, length: int = 255, killwords: bool = False,
                      end: str = "...", leeway: int | None = None) -> str:
    current().size(len(str(end)), "truncate()")
    return str(FILTERS["truncate"](env, s, length, killwords, end, leeway))


_BOUNDED: dict[str, Callable[..., Any]] = {
    "center": _bounded_center, "indent": _bounded_indent, "batch": _bounded_batch,
    "slice": _bounded_slice,
}
# jinja2 marks some filters as wanting the eval context / environment: keep the marks.
for _name, _fn, _mark in (("replace", _bounded_replace, "eval_context"),
                          ("join", _bounded_join, "eval_context"),
                          ("truncate", _bounded_truncate, "environment")):
    _fn.jinja_pass_arg = getattr(FILTERS[_name], "jinja_pass_arg", None)  # type: ignore[union-attr]
    _BOUNDED[_name] = _fn


def restricted_filters() -> dict[str, Callable[..., Any]]:
    """The filters rule expressions and templates may use (bounded where needed)."""
    return {name: _BOUNDED.get(name, FILTERS[name]) for name in ALLOWED_FILTERS}


# ---------------------------------------------------------------- the environments


class _Rewriter:
    """Rewrites a template's syntax tree: loops count their iterations, `~` checks sizes."""

    def __call__(self, node: nodes.Node) -> nodes.Node:
        for child in node.iter_child_nodes():
            self(child)
        if isinstance(node, nodes.For):
            node.iter = nodes.Call(nodes.EnvironmentAttribute("hb_iter"), [node.iter], [],
                                   None, None, lineno=node.lineno)
        for name, value in node.iter_fields():
            if isinstance(value, nodes.Concat):
                setattr(node, name, self._concat(value))
            elif isinstance(value, list):
                setattr(node, name, [self._concat(v) if isinstance(v, nodes.Concat) else v
                                     for v in value])
        return node

    @staticmethod
    def _concat(node: nodes.Concat) -> nodes.Expr:
        return nodes.Call(nodes.EnvironmentAttribute("hb_concat"), list(node.nodes), [], None,
                          None, lineno=node.lineno)


class _BoundedMixin(SandboxedEnvironment):
    """The limits, shared by the immutable (expressions) and the template sandbox."""

    limits: Limits = EXPRESSION_LIMITS
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def _bounded_setup(self, limits: Limits) -> None:
        self.limits = limits
        self.filters = restricted_filters()
        for name in FORBIDDEN_GLOBALS:
            self.globals.pop(name, None)
        self.globals["range"] = _bounded_range

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  defer_init: bool = False) -> str:
        # Every compile path (templates, compile_expression) passes through here.
        return super()._generate(_Rewriter()(source), name, filename,  # type: ignore[arg-type]
                                 defer_init=defer_init)

    def hb_iter(self, iterable: Any) -> Iterator[Any]:
        """An iterable whose every item counts as one step of the budget."""
        budget = current(self.limits)
        for item in iterable:
            budget.step()
            yield item

    def hb_concat(self, *parts: Any) -> str:
        """`a ~ b`: refused when the result would exceed the size limit."""
        budget = current(self.limits)
        budget.size(sum(_length(p) for p in parts), "~ (concatenation)")
        return (markup_join if self.autoescape else str_join)(parts)

    def call(__self, __context: Any, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        """A call from sandboxed code counts as one step."""
        current(__self.limits).step()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """`*`, `**`, `+`, `%`, `//` with the size of the result checked before computing it."""
        budget = current(self.limits)
        budget.tick()
        seq = (str, list, tuple)
        if operator == "*":
            if (isinstance(left, seq) and isinstance(right, int)) \
                    or (isinstance(right, seq) and isinstance(left, int)):
                s, n = (left, right) if isinstance(left, seq) else (right, left)
                budget.size(len(s) * max(int(n), 0), "repetition with *")  # type: ignore[arg-type]
            elif isinstance(left, int) and isinstance(right, int):
                self._int_bits(abs(left).bit_length() + abs(right).bit_length(), budget)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and right > 0 and abs(left) > 1:
            self._int_bits(abs(left).bit_length() * right, budget)
        elif operator == "+" and isinstance(left, seq) and isinstance(right, seq):
            budget.size(len(left) + len(right), "joining with +")
        elif operator == "%" and isinstance(left, str):
            raise LimitExceeded("forbidden", "%-formatting of text is not allowed "
                                "(widths build unbounded text); use ~ and filters")
        return super().call_binop(context, operator, left, right)

    @staticmethod
    def _int_bits(bits: int, budget: Budget) -> None:
        if bits > budget.limits.max_int_bits:
            raise LimitExceeded("size", f"a number of about {bits * 0.30103:,.0f} digits; "
                                f"the limit is about {budget.limits.max_int_bits * 0.30103:,.0f}")

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Built-in values expose only the methods in SAFE_METHODS."""
        current(self.limits).tick()
        for kind in type(obj).__mro__:
            if kind in SAFE_METHODS:
                if attr not in SAFE_METHODS[kind]:
                    return False
                break
        return bool(super().is_safe_attribute(obj, attr, value))

    def wrap_str_format(self, value: Any) -> None:
        """`str.format` / `format_map` are not offered at all (is_safe_attribute refuses)."""
        return None

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        """A refused attribute is an error naming it, not an empty value."""
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} "
                            "object is unsafe (not allowed in rules)")


class BoundedExpressionEnvironment(_BoundedMixin, ImmutableSandboxedEnvironment):
    """The sandbox for conditions and `compute:` expressions (no mutation at all)."""

    def __init__(self, limits: Limits = EXPRESSION_LIMITS, **options: Any) -> None:
        super().__init__(**options)
        self._bounded_setup(limits)


class BoundedTemplateEnvironment(_BoundedMixin, SandboxedEnvironment):
    """The sandbox for print templates."""

    def __init__(self, limits: Limits = TEMPLATE_LIMITS, **options: Any) -> None:
        super().__init__(**options)
        self._bounded_setup(limits)


def names_not_allowed(source_names: Iterable[str]) -> dict[str, str]:
    """Of the filter/global names used, those refused, with the reason."""
    out = {}
    for name in source_names:
        if name in FORBIDDEN_FILTERS:
            out[name] = FORBIDDEN_FILTERS[name]
        elif name in FORBIDDEN_GLOBALS:
            out[name] = FORBIDDEN_GLOBALS[name]
    return out


__all__ = ["ALLOWED_FILTERS", "EXPRESSION_LIMITS", "FORBIDDEN_FILTERS", "FORBIDDEN_GLOBALS",
           "SAFE_METHODS", "TEMPLATE_LIMITS", "BoundedExpressionEnvironment",
           "BoundedTemplateEnvironment", "Budget", "LimitExceeded", "Limits", "bounded",
           "check_result", "current", "render_bounded", "restricted_filters"]
