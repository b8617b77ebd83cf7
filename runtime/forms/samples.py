"""Sample data generated from a form's schema: one valid record and many invalid variants.

Used by the tests (every shipped form must accept its valid sample and reject each invalid one
naming the right field) and handy for demos and print previews. Deterministic: the same form
gives the same samples.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from runtime.compiler.model import Form
from runtime.forms.defaults import FormContext
from runtime.forms.spec import PHONE_PATTERN, UNIT_PATTERN, FieldSpec, FormSpec, form_spec
from runtime.forms.state import allowed_options, evaluate, names_for, rows_of

SAMPLE_DATE = "2026-03-16"
SAMPLE_TIME = "09:30"
SAMPLE_DATETIME = "2026-03-16T09:30:00"
FUTURE, PAST = "2099", "2000"  # years for samples on either side of a `now` / `today` bound

# Hostile strings: markup, template syntax, control characters, a very long line.
HOSTILE = (
    "<script>alert('x')</script>",
    "{{ 7*7 }}{% for x in range(9) %}{{ self.__init__.__globals__ }}{% endfor %}",
    "\x00\x07\x1b[31m\x0b\x0c\u202e\ufeff控制字符",
    "=HYPERLINK(\"http://evil\",\"x\")",
    "<img src=x onerror=alert(1)>&amp;\"'",
    "长" * 5000,
)


# ---------------------------------------------------------------- regex → sample string

_CATEGORY_CHARS = {
    sre_c.CATEGORY_DIGIT: "1",
    sre_c.CATEGORY_NOT_DIGIT: "a",
    sre_c.CATEGORY_WORD: "a",
    sre_c.CATEGORY_NOT_WORD: "-",
    sre_c.CATEGORY_SPACE: " ",
    sre_c.CATEGORY_NOT_SPACE: "a",
}
_POOL = "1a0A中-_ .9zZ#/"


def _in_set(ch: str, items: list[Any]) -> bool:
    code = ord(ch)
    for op, arg in items:
        if op == sre_c.LITERAL and code == arg:
            return True
        if op == sre_c.RANGE and arg[0] <= code <= arg[1]:
            return True
        if op == sre_c.CATEGORY and re.match(_category_regex(arg), ch):
            return True
    return False


def _category_regex(cat: Any) -> str:
    return {sre_c.CATEGORY_DIGIT: r"\d", sre_c.CATEGORY_NOT_DIGIT: r"\D",
            sre_c.CATEGORY_WORD: r"\w", sre_c.CATEGORY_NOT_WORD: r"\W",
            sre_c.CATEGORY_SPACE: r"\s", sre_c.CATEGORY_NOT_SPACE: r"\S"}.get(cat, r".")


def _pick_in(items: list[Any]) -> str:
    negate = bool(items) and items[0][0] == sre_c.NEGATE
    if negate:
        rest = items[1:]
        return next((c for c in _POOL if not _in_set(c, rest)), "~")
    for op, arg in items:
        if op == sre_c.LITERAL:
            return chr(arg)
        if op == sre_c.RANGE:
            return chr(arg[0])
        if op == sre_c.CATEGORY:
            return _CATEGORY_CHARS.get(arg, "a")
    return "a"


def _gen(parsed: Any, want: int) -> str:
    out: list[str] = []
    for op, arg in parsed:
        if op == sre_c.LITERAL:
            out.append(chr(arg))
        elif op == sre_c.NOT_LITERAL:
            out.append(next(c for c in _POOL if ord(c) != arg))
        elif op == sre_c.IN:
            out.append(_pick_in(arg))
        elif op == sre_c.ANY:
            out.append("a")
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = arg
            hi = want if hi == sre_c.MAXREPEAT else hi
            n = max(lo, min(want, hi))
            out.append("".join(_gen(sub, want) for _ in range(n)))
        elif op == sre_c.SUBPATTERN:
            out.append(_gen(arg[-1], want))
        elif op == sre_c.BRANCH:
            out.append(_gen(arg[1][0], want))
        elif op == getattr(sre_c, "ATOMIC_GROUP", None):
            out.append(_gen(arg, want))
        # AT (anchors), lookarounds and back-references add nothing; the result is checked.
    return "".join(out)


def sample_for_pattern(pattern: str, min_len: int | None = None,
                       max_len: int | None = None) -> str | None:
    """A string matching `pattern` (search semantics, like JSON Schema) within the length
    bounds, or None when this simple generator cannot find one."""
    try:
        parsed = sre_parse.parse(pattern)
        rx = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    for want in (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64):
        try:
            text = _gen(parsed, want)
        except (StopIteration, RecursionError, TypeError, ValueError, IndexError):
            return None
        if (min_len or 0) <= len(text) <= (max_len if max_len is not None else 10**9) \
                and rx.search(text):
            return text
    return None


# ---------------------------------------------------------------- valid sample


def _text(spec: FieldSpec, default: str) -> str:
    lo, hi = spec.min_length or 0, spec.max_length
    if spec.pattern:
        found = sample_for_pattern(spec.pattern, lo, hi)
        if found is not None:
            return found
    text = default
    if len(text) < lo:
        text = text + "字" * (lo - len(text))
    if hi is not None:
        text = text[:hi]
    return text


def _number(spec: FieldSpec) -> int | float:
    lo = spec.minimum
    if spec.exclusive_minimum is not None:
        lo = spec.exclusive_minimum + (1 if spec.kind == "integer" else 0.5)
    hi = spec.maximum if spec.maximum is not None else (
        spec.exclusive_maximum - (1 if spec.kind == "integer" else 0.5)
        if spec.exclusive_maximum is not None else None)
    value: float = lo if lo is not None else (min(1, hi) if hi is not None else 1)
    if spec.step and spec.kind == "integer" and spec.step >= 1:
        value = (value // spec.step + (value % spec.step > 0)) * spec.step
    return int(value) if spec.kind == "integer" or float(value).is_integer() else value


def sample_value(spec: FieldSpec, names: Mapping[str, Any], rows: int = 2) -> Any:
    """A valid value for one field (None for computed fields, which fill themselves)."""
    kind = spec.value_kind
    if spec.kind == "computed":
        return None
    if "const" in spec.schema:
        return copy.deepcopy(spec.schema["const"])
    if kind == "choice":
        opts = allowed_options(spec, names)
        return opts[0].value if opts else None
    if kind == "multichoice":
        opts = allowed_options(spec, names)
        n = max(spec.min_items or 1, 1)
        return [o.value for o in opts[:n]]
    if kind == "yesno":
        default = spec.schema.get("default")
        return default if isinstance(default, bool) else False
    if kind in ("integer", "number"):
        return _number(spec)
    if kind in ("date", "datetime"):
        return _bounded(spec, SAMPLE_DATE if kind == "date" else SAMPLE_DATETIME)
    if kind == "time":
        return SAMPLE_TIME
    if kind == "phone":
        return _fixed(spec, "13812345678", PHONE_PATTERN)
    if kind == "unit":
        return _fixed(spec, "98-1-302", UNIT_PATTERN)
    if kind == "group":
        return _sample_level(spec.children, names, rows)
    if kind == "rows":
        n = max(spec.min_items or 0, rows)
        if spec.max_items is not None:
            n = min(n, spec.max_items)
        return [_sample_level(spec.children, names, rows) for _ in range(n)]
    if kind == "lines":
        return [_text(spec, f"示例{spec.title}")] * max(spec.min_items or 1, 1)
    if kind == "file":
        name = "现场照片.jpg" if "jpg" in spec.accept else "附件.pdf"
        return [name] if spec.multiple else name
    return _text(spec, f"示例{spec.title}")


def _bounded(spec: FieldSpec, sample: str) -> str:
    """The sample date moved inside the field's not-before / not-after, still deterministic:
    a bound on the clock (`now`, `today`) takes a day far ahead (or the fixed past sample)."""
    if spec.not_before in ("now", "today"):
        sample = FUTURE + sample[4:]
    for word, later in ((spec.not_before, True), (spec.not_after, False)):
        if not word or word in ("now", "today"):
            continue
        bound = word.replace(" ", "T") if spec.value_kind == "datetime" else word[:10]
        if len(bound) == 10 and spec.value_kind == "datetime":
            bound += "T00:00:00" if later else "T23:59:00"
        if (bound > sample) if later else (bound < sample):
            sample = bound
    return sample


def _fixed(spec: FieldSpec, value: str, default_pattern: str) -> str:
    pattern = spec.pattern or default_pattern
    if re.search(pattern, value) and (spec.max_length is None or len(value) <= spec.max_length):
        return value
    return _text(spec, value)


def _sample_level(specs: tuple[FieldSpec, ...], base: Mapping[str, Any], rows: int
                  ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Choice sources first so filtered choices (choices-from) can be picked consistently.
    order = sorted(specs, key=lambda s: s.choices_from is not None)
    for spec in order:
        names = names_for(specs, out, base)
        value = sample_value(spec, names, rows)
        if value is not None:
            out[spec.name] = value
    return {s.name: out[s.name] for s in specs if s.name in out}


def valid_sample(form: Form, context: FormContext | Mapping[str, Any] | None = None,
                 rows: int = 2) -> dict[str, Any]:
    """A record that fills every field with a valid value (hidden fields are dropped)."""
    from runtime.forms.validation import clean, validate

    spec = form_spec(form)
    data = clean(form, _sample_level(spec.fields, {}, rows), context)
    # Schema-level rules (if/then, const) can reject the first guess: try the other values
    # of the fields named, a few rounds, keeping any change that removes that field's error.
    for _ in range(4):
        errors = validate(form, data, "en", context)
        if not errors:
            break
        for path in errors:
            fs = spec.by_path.get(re.sub(r"\[\d+\]", "[]", path))
            if fs is None:
                continue
            for candidate in _alternatives(fs):
                trial = clean(form, _set(data, path, candidate), context)
                if path not in validate(form, trial, "en", context):
                    data = trial
                    break
    return data


def _alternatives(fs: FieldSpec) -> list[Any]:
    if fs.value_kind == "yesno":
        return [True, False]
    if fs.value_kind == "choice":
        return [o.value for o in fs.options]
    if fs.value_kind == "multichoice":
        return [[o.value] for o in fs.options]
    return []


# ---------------------------------------------------------------- invalid samples


@dataclass(frozen=True)
class Invalid:
    """A broken copy of the valid sample and the field path whose error it must raise."""

    reason: str
    path: str
    data: dict[str, Any]


def _parts(path: str) -> list[str | int]:
    out: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        out.append(int(index) if index else name)
    return out


def _get(data: Any, path: str) -> Any:
    """The value at a concrete path (None when absent)."""
    node = data
    for part in _parts(path):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _set(data: dict[str, Any], path: str, value: Any, remove: bool = False) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    parts = _parts(path)
    for part in parts[:-1]:
        node = node[part]
    if remove:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value
    return out


def _bad_pattern_values(pattern: str) -> Iterator[str]:
    yield from ("!!", "不合法 格式 ??", "<>", "0", "a b", "-")


def invalid_samples(form: Form, context: FormContext | Mapping[str, Any] | None = None
                    ) -> Iterator[Invalid]:
    """Variants of the valid sample each breaking one field: missing when required, an
    unknown choice, a wrong format, too long, out of range, the wrong type."""
    spec = form_spec(form)
    good = valid_sample(form, context)
    state = evaluate(spec, good, context)
    for fs, path in _paths(spec, good):
        if not state.is_visible(path) or fs.kind == "computed":
            continue
        if path in state.required:
            yield Invalid("missing", path, _set(good, path, None, remove=True))
        kind = fs.value_kind
        if kind == "choice" and fs.options:
            yield Invalid("enum", path, _set(good, path, "__no_such_option__"))
        if kind == "multichoice" and fs.options:
            yield Invalid("enum", path, _set(good, path, ["__no_such_option__"]))
        if kind in ("text", "textarea", "phone", "unit"):
            pattern = fs.pattern or {"phone": PHONE_PATTERN, "unit": UNIT_PATTERN}.get(kind)
            if pattern:
                for bad in _bad_pattern_values(pattern):
                    if not re.search(pattern, bad):
                        yield Invalid("pattern", path, _set(good, path, bad))
                        break
            if fs.max_length is not None and fs.max_length < 100_000:
                yield Invalid("too-long", path, _set(good, path, "字" * (fs.max_length + 1)))
            yield Invalid("type", path, _set(good, path, {"not": "text"}))
        if kind in ("integer", "number"):
            yield Invalid("type", path, _set(good, path, "不是数字"))
            if fs.minimum is not None:
                yield Invalid("minimum", path, _set(good, path, fs.minimum - 1))
            if fs.maximum is not None:
                yield Invalid("maximum", path, _set(good, path, fs.maximum + 1))
        if kind == "yesno":
            yield Invalid("type", path, _set(good, path, "也许"))
        if kind in ("date", "datetime", "time"):
            bad = {"date": "2026-13-45", "datetime": "2026-02-30 25:61", "time": "25:99"}[kind]
            yield Invalid("format", path, _set(good, path, bad))
        if kind in ("date", "datetime") and isinstance(good_value := _get(good, path), str):
            # Outside a bound on the clock: far in the past / future, whatever today is.
            if fs.not_before in ("now", "today"):
                yield Invalid("not-before", path, _set(good, path, PAST + good_value[4:]))
            if fs.not_after in ("now", "today"):
                yield Invalid("not-after", path, _set(good, path, FUTURE + good_value[4:]))


def _paths(spec: FormSpec, data: Mapping[str, Any]) -> Iterator[tuple[FieldSpec, str]]:
    def level(specs: tuple[FieldSpec, ...], values: Mapping[str, Any],
              indexes: tuple[int, ...]) -> Iterator[tuple[FieldSpec, str]]:
        for fs in specs:
            path = fs.concrete_path(*indexes)
            yield fs, path
            value = values.get(fs.name)
            if fs.kind == "group" and isinstance(value, Mapping):
                yield from level(fs.children, value, indexes)
            elif fs.kind == "rows":
                for i, row in enumerate(rows_of(value)[:1]):  # the first row is enough
                    yield from level(fs.children, row, (*indexes, i))

    yield from level(spec.fields, data, ())


def hostile_sample(form: Form, text: str, context: FormContext | Mapping[str, Any] | None = None
                   ) -> dict[str, Any]:
    """The valid sample with `text` in every free-text field (validity not guaranteed)."""
    spec = form_spec(form)
    data = valid_sample(form, context)

    def fill(specs: tuple[FieldSpec, ...], values: dict[str, Any]) -> None:
        for fs in specs:
            value = values.get(fs.name)
            if fs.kind in ("text", "textarea", "phone", "unit"):
                values[fs.name] = text
            elif fs.kind == "lines":
                values[fs.name] = [text]
            elif fs.kind == "group":
                child = value if isinstance(value, dict) else {}
                fill(fs.children, child)
                values[fs.name] = child
            elif fs.kind == "rows":
                rows = [r for r in (value or []) if isinstance(r, dict)] or [{}]
                for row in rows:
                    fill(fs.children, row)
                values[fs.name] = rows

    fill(spec.fields, data)
    return data
