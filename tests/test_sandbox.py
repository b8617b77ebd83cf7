"""Bounded evaluation: each resource payload of the attack run ends at its limit with a clear
error naming the limit (and the rule and field where the caller knows them) — never a silent
False, never a hang. No timed assertions: every payload below hits a size/step limit that is
checked *before* the expensive operation, so it returns at once whatever the machine's load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2.exceptions import SecurityError

from runtime.compiler.expr import compile_condition, run_expression
from runtime.compiler.pipeline import compile_tree
from runtime.compiler.sandbox import (
    EXPRESSION_LIMITS,
    BoundedTemplateEnvironment,
    Limits,
    bounded,
    render_bounded,
)
from runtime.errors import LimitExceeded
from runtime.forms.state import compute
from runtime.printing import ConfinedLoader, PrintError, render_html
from tests.conftest import MakeTree

BIG = "a" * 100_000

# (payload, data, limit name, message fragment)
EXPRESSION_PAYLOADS = [
    ("lipsum(10**6)|length", {}, "forbidden", "lipsum"),
    ("x|wordwrap", {"x": BIG}, "forbidden", "wordwrap"),
    ("x|center(10**9)", {"x": BIG}, "size", "center()"),
    ("x|indent(10**9)", {"x": BIG}, "size", "indent()"),
    ("'*'*10**10", {}, "size", "repetition"),
    ("[0]*10**9", {}, "size", "repetition"),
    ("10**(10**10)", {}, "size", "digits"),
    ("x ~ x", {"x": BIG}, "size", "concatenation"),
    ("x|replace('a', x)", {"x": BIG}, "size", "replace()"),
    ("(range(1000)|list)|join(x)", {"x": BIG}, "size", "join()"),
    ("range(100000)|list|length", {}, "range", "range of 100,000"),
    ("'x'.center(10**9)", {}, "forbidden", "center"),
    ("'{:>999999999}'.format(1)", {}, "forbidden", "format"),
    ("'%999999999s' % 1", {}, "forbidden", "%-formatting"),
    ("''|attr('format')", {}, "forbidden", "attr"),
    ("cycler.__init__.__globals__", {}, "forbidden", "cycler"),
    ("namespace(a=1)", {}, "forbidden", "namespace"),
]


@pytest.mark.parametrize("payload,data,limit,fragment", EXPRESSION_PAYLOADS,
                         ids=[p[0] for p in EXPRESSION_PAYLOADS])
def test_compute_payload_ends_with_clear_error(payload: str, data: dict[str, Any], limit: str,
                                               fragment: str) -> None:
    with pytest.raises(LimitExceeded) as info:
        compute(payload, data, "form 'x' field total compute")
    assert info.value.limit == limit, str(info.value)
    assert fragment in str(info.value)
    assert str(info.value).startswith("form 'x' field total compute: ")


@pytest.mark.parametrize("payload,data,limit,fragment", EXPRESSION_PAYLOADS,
                         ids=[p[0] for p in EXPRESSION_PAYLOADS])
def test_condition_payload_is_refused_or_raises(payload: str, data: dict[str, Any], limit: str,
                                                fragment: str) -> None:
    """A condition never turns a breach into False: refused at compile, or raises."""
    try:
        cond = compile_condition(payload).located("procedure 'p' steps[0].next[0].when")
    except Exception as exc:  # refused at load time (`handbook check` reports it)
        assert fragment.split("(")[0] in str(exc), str(exc)
        return
    with pytest.raises(LimitExceeded) as info:
        cond.evaluate(data)
    assert "procedure 'p' steps[0].next[0].when" in str(info.value)


def test_wrong_types_still_simply_do_not_match() -> None:
    assert compile_condition("x > 3").evaluate({"x": None}) is False
    assert compute("x + 1", {"x": "a"}) is None


def test_memory_error_is_a_limit_not_false() -> None:
    class Hog:
        def __eq__(self, other: object) -> bool:
            raise MemoryError

        __hash__ = object.__hash__

    with pytest.raises(LimitExceeded) as info:
        compile_condition("x == 1").evaluate({"x": Hog()})
    assert info.value.limit == "memory"


def test_cpu_time_limit_is_checked_between_steps() -> None:
    """A zero time budget fails at the first time check (deterministic, not timed)."""
    fn = __import__("runtime.compiler.expr", fromlist=["_env"])._env().compile_expression(
        "range(500)|map('string')|list|length")
    with pytest.raises(LimitExceeded) as info, bounded(Limits(100, 1000, 10_000, 1000, 0.0)) \
            as budget:
        for _ in range(64):
            budget.step()
        fn()
    assert info.value.limit == "time"
    assert run_expression(fn, {}) == 500  # the normal limits allow it


def _render(source: str, limits: Limits | None = None) -> str:
    env = BoundedTemplateEnvironment(**({"limits": limits} if limits else {}))
    template = env.from_string(source)
    with bounded(env.limits) as budget:
        return render_bounded(template.root_render_func(template.new_context({})), budget)


TEMPLATE_PAYLOADS = [
    ("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
     "range"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
     "iterations"),
    ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
     "iterations"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursion"),
    ("{% set x = 'a' * 1000000 %}{% set x = x ~ x %}{% set x = x ~ x %}{{ x }}", "size"),
    ("{% for i in range(10000) %}{{ 'a' * 1000 }}{% endfor %}", "output"),
    ("{{ lipsum(10**6) }}", "forbidden"),
]


@pytest.mark.parametrize("source,limit", TEMPLATE_PAYLOADS, ids=[p[1] + str(i) for i, p in
                                                                  enumerate(TEMPLATE_PAYLOADS)])
def test_template_payload_ends_at_its_limit(source: str, limit: str) -> None:
    with pytest.raises((LimitExceeded, Exception)) as info:
        _render(source)
    if limit == "forbidden":
        assert "lipsum" in str(info.value)
    else:
        assert isinstance(info.value, LimitExceeded), repr(info.value)
        assert info.value.limit == limit, str(info.value)


def test_templates_still_render_loops_and_macros() -> None:
    out = _render("{% macro b(x) %}[{{ x }}]{% endmacro %}"
                  "{% for i in range(3) %}{{ b(i ~ '!') }}{{ loop.index }}{% endfor %}")
    assert out == "[0!]1[1!]2[2!]3"


def test_print_template_breach_names_form_and_template(tmp_path: Path) -> None:
    from tests.forms.shipped import KITCHEN_SINK, make_form

    (tmp_path / "loop.html.j2").write_text(
        '{% extends "_register.html.j2" %}{% block footer %}'
        "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}"
        "{% endblock %}", encoding="utf-8")
    form = make_form(KITCHEN_SINK.replace("print:\n", "print:\n  template: loop.html.j2\n"))
    with pytest.raises(PrintError) as info:
        render_html(None, form, None, templates=[tmp_path])
    assert "loop.html.j2" in str(info.value) and "iterations" in str(info.value)


def test_confined_loader_refuses_paths_out_of_its_directory(tmp_path: Path) -> None:
    from jinja2 import TemplateNotFound

    inner = tmp_path / "templates"
    inner.mkdir()
    (tmp_path / "secret.yaml").write_text("x", encoding="utf-8")
    (inner / "link.j2").symlink_to(tmp_path / "secret.yaml")
    (inner / "ok.j2").write_text("ok", encoding="utf-8")
    loader = ConfinedLoader(inner)
    env = BoundedTemplateEnvironment()
    assert loader.get_source(env, "ok.j2")[0] == "ok"
    for name in ("/etc/passwd", "../secret.yaml", "link.j2", "missing.j2"):
        with pytest.raises(TemplateNotFound):
            loader.get_source(env, name)


def test_expression_limits_are_the_documented_ones() -> None:
    assert EXPRESSION_LIMITS.cpu_seconds == 0.1
    doc = (Path(__file__).resolve().parent.parent / "docs" / "RULES.md").read_text("utf-8")
    for fragment in ("100 ms", "wordwrap", "lipsum", "E054"):
        assert fragment in doc, fragment


def test_python_internals_are_a_clear_refusal() -> None:
    with pytest.raises(LimitExceeded) as info:
        _render("{{ ''.__class__ }}")
    assert info.value.limit == "forbidden" and isinstance(info.value.__cause__, SecurityError)


# ---------------------------------------------------------------- handbook check


CHECK_CASES = [
    ("unknown-name", "total: {widget: computed, compute: 'contnt|length'}", "E051",
     "compute of 'total' names 'contnt', which is not a field"),
    ("forbidden-filter", "total: {widget: computed, compute: 'content|wordwrap'}", "E054",
     "'wordwrap', which cannot be bounded"),
    ("forbidden-global", "total: {widget: computed, compute: 'lipsum(10**6)|length'}", "E054",
     "'lipsum', which cannot be bounded"),
    ("breach-on-empty-form", "total: {widget: computed, compute: \"'*' * 10**10\"}", "E054",
     "exceeds a limit on an empty form"),
    ("center-breach", "total: {widget: computed, compute: 'content|center(10**9)'}", "E054",
     "center()"),
    ("condition-breach", "total: {visible-if: \"('x' * 10**9) == content\"}", "E054",
     "exceeds a limit"),
]


@pytest.mark.parametrize("hint,code,fragment", [c[1:] for c in CHECK_CASES],
                         ids=[c[0] for c in CHECK_CASES])
def test_check_flags_compute_names_and_unboundable(make_tree: MakeTree, hint: str, code: str,
                                                   fragment: str) -> None:
    root = make_tree()
    reg = root / "forms/register.yaml"
    text = reg.read_text(encoding="utf-8")
    text = text.replace("phone: {type: string, title: 电话}",
                        "phone: {type: string, title: 电话}\n    total: {type: string}")
    text = text.replace("  fields:\n", f"  fields:\n    {hint}\n")
    reg.write_text(text, encoding="utf-8")
    errors = compile_tree(root / "rules", root / "forms").errors
    hits = [e for e in errors if e.code == code and fragment in e.message]
    assert hits, "\n".join(e.cli_line() for e in errors)
    assert hits[0].file == "forms/register.yaml"
    assert hits[0].key_path.startswith("ui.fields.total.")


def test_check_flags_a_procedure_condition_that_always_breaches(make_tree: MakeTree) -> None:
    root = make_tree()
    proc = root / "rules/procedures/complaint.yaml"
    proc.write_text(proc.read_text(encoding="utf-8").replace(
        "when: serious", "when: \"('x' * 10**9) == content\"", 1), encoding="utf-8")
    errors = compile_tree(root / "rules", root / "forms").errors
    hits = [e for e in errors if e.code == "E054"]
    assert hits and hits[0].file == "rules/procedures/complaint.yaml", errors
    assert hits[0].key_path == "steps[0].next[0].when"


def test_runtime_breach_names_rule_file_and_key(make_tree: MakeTree) -> None:
    """A condition whose breach depends on the data: raised with rule, file and key path."""
    root = make_tree()
    proc = root / "rules/procedures/complaint.yaml"
    proc.write_text(proc.read_text(encoding="utf-8").replace(
        "when: serious", "when: \"(content * 10) == 'x'\"", 1), encoding="utf-8")
    compiled = compile_tree(root / "rules", root / "forms")
    hb = compiled.views[None]
    cond = next(t.when for s in hb.procedures["complaint"].steps for t in s.next if t.when)
    assert cond.evaluate({"content": "ab"}) is False
    with pytest.raises(LimitExceeded) as info:
        cond.evaluate({"content": BIG})
    message = str(info.value)
    assert "procedure 'complaint'" in message and "rules/procedures/complaint.yaml" in message
    assert "steps[0].next[0].when" in message and info.value.limit == "size"


def test_form_state_shows_breach_at_the_field(make_tree: MakeTree) -> None:
    from runtime.forms import validate
    from runtime.forms.state import evaluate

    root = make_tree()
    reg = root / "forms/register.yaml"
    text = reg.read_text(encoding="utf-8").replace(
        "phone: {type: string, title: 电话}", "phone: {type: string, title: 电话}\n"
        "    total: {type: string}").replace(
        "  fields:\n", "  fields:\n    total: {widget: computed, compute: 'content * 2'}\n")
    reg.write_text(text, encoding="utf-8")
    form = compile_tree(root / "rules", root / "forms").views[None].forms["register"]
    state = evaluate(form, {"content": BIG})
    assert "total" in state.errors and "form 'register' field total compute" in \
        state.errors["total"]
    result = validate(form, {"content": BIG})
    assert "total" in result and "limit" in result["total"]
