"""Stage 4b, cross-checks on a resolved view: references, graphs, cycles, time sanity.

Each check is a small named function `check_xxx(view) -> Iterator[RuleError]` in the manner of
Home Assistant's config validators; `run_checks` runs them all and collects every error. A view
checks only its `subjects` (the rules it owns or overlays) so a tree with many properties is
checked in time linear in its size.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from runtime.compiler import model as m
from runtime.compiler import titles
from runtime.compiler.expr import Condition, unknown_names
from runtime.errors import KeyPath, RuleError

Key = tuple[str, str]
T = TypeVar("T")


@dataclass
class View:
    """A resolved handbook plus what to check in it."""

    hb: m.Handbook
    subjects: set[Key]
    template_dirs: tuple[Path, ...] = ()
    departments: set[str] = field(default_factory=set)

    def each(self, kind: str, collection: Mapping[str, T]) -> Iterator[T]:
        """The objects of one kind this view must check (iterates subjects, not the whole view)."""
        for k, rid in sorted(self.subjects):
            if k == kind and rid in collection:
                yield collection[rid]

    def wants(self, kind: str, rule_id: str) -> bool:
        """Whether this view should check the rule."""
        return (kind, rule_id) in self.subjects

    def error(self, kind: str, rule_id: str, path: KeyPath, code: str, msg: str) -> RuleError:
        """An error located through provenance at `path` of a rule."""
        loc = self.hb.where(kind, rule_id, path) or m.Loc("<unknown>", 1, 1)
        return RuleError(loc.file, loc.line, loc.col, code, msg, path)

    def index(self, kind: str, rule_id: str, list_key: str, item_id: str) -> int:
        """Position of the item with `item_id` in a rule's list (for precise key paths)."""
        raw = self.hb.raw.get((kind, rule_id), {})
        for i, item in enumerate(raw.get(list_key) or []):
            if isinstance(item, dict) and str(item.get("id", item.get("no"))) == item_id:
                return i
        return 0


def _fields_of(form: m.Form | None) -> set[str]:
    if form is None:
        return set()
    return set(form.schema.get("properties", {}))


def check_role_references(v: View) -> Iterator[RuleError]:
    """reports-to, department, and each duty's procedures and forms must exist."""
    hb = v.hb
    for role in v.each("role", hb.roles):
        raw_reports = hb.raw.get(("role", role.id), {}).get("reports-to")
        for i, boss in enumerate(role.reports_to):
            if boss not in hb.roles:
                path: KeyPath = ("reports-to", i) if isinstance(raw_reports, list) else (
                    "reports-to",)
                yield v.error("role", role.id, path, "E022", f"unknown role {boss!r}")
        if role.department and v.departments and role.department not in v.departments:
            yield v.error("role", role.id, ("department",), "E023",
                          f"unknown department {role.department!r}")
        for key, items in (("duties", role.duties), ("work-content", role.work_content)):
            for i, duty in enumerate(items):
                for j, proc in enumerate(duty.procedures):
                    if proc not in hb.procedures:
                        yield v.error("role", role.id, (key, i, "procedures", j), "E024",
                                      f"unknown procedure {proc!r}")
                for j, form in enumerate(duty.forms):
                    if form not in hb.forms:
                        yield v.error("role", role.id, (key, i, "forms", j), "E025",
                                      f"unknown form {form!r}")


def check_reports_to_cycles(v: View) -> Iterator[RuleError]:
    """No role may (indirectly) report to itself."""
    hb = v.hb
    reported: set[frozenset[str]] = set()
    for start in v.each("role", hb.roles):
        # Depth-first walk up the reporting lines, remembering the trail to name the cycle.
        stack: list[tuple[str, tuple[str, ...]]] = [(start.id, (start.id,))]
        seen: set[str] = set()
        while stack:
            rid, trail = stack.pop()
            role = hb.roles.get(rid)
            if role is None:
                continue
            for boss in role.reports_to:
                if boss == start.id:
                    cycle = frozenset(trail)
                    if cycle not in reported:
                        reported.add(cycle)
                        chain = " → ".join((*trail, boss))
                        yield v.error("role", start.id, ("reports-to",), "E070",
                                      f"reports-to cycle: {chain}")
                elif boss not in seen:
                    seen.add(boss)
                    stack.append((boss, (*trail, boss)))


def _role_refs(v: View, proc: m.Procedure) -> Iterator[tuple[KeyPath, str]]:
    pid = proc.id
    for i, resp in enumerate(proc.responsibilities):
        yield ("responsibilities", i, "role"), resp.role
    raw = v.hb.raw.get(("procedure", pid), {})
    for step in proc.steps:
        si = v.index("procedure", pid, "steps", step.id)
        raw_roles = (raw.get("steps") or [{}])[si].get("roles") if raw.get("steps") else None
        for j, r in enumerate(step.roles):
            path: KeyPath = ("steps", si, "roles", j) if isinstance(raw_roles, list) else (
                "steps", si, "roles")
            yield path, r
        for j, r in enumerate(step.notify):
            yield ("steps", si, "notify", j), r
    for clock in proc.clocks:
        ci = v.index("procedure", pid, "clocks", clock.id)
        for j, e in enumerate(clock.escalate):
            yield ("clocks", ci, "escalate", j, "role"), e.role
    for fu in proc.follow_ups:
        fi = v.index("procedure", pid, "follow-ups", fu.id)
        yield ("follow-ups", fi, "role"), fu.role
    for i, rec in enumerate(proc.records):
        if rec.keeper:
            yield ("records", i, "keeper"), rec.keeper


def _form_refs(v: View, proc: m.Procedure) -> Iterator[tuple[KeyPath, str]]:
    pid = proc.id
    if proc.form:
        yield ("form",), proc.form
    for step in proc.steps:
        si = v.index("procedure", pid, "steps", step.id)
        if step.form:
            yield ("steps", si, "form"), step.form
        for j, f in enumerate(step.requires):
            yield ("steps", si, "requires", j), f
    for clock in proc.clocks:
        if clock.evidence:
            yield ("clocks", v.index("procedure", pid, "clocks", clock.id), "evidence"), (
                clock.evidence)
    for fu in proc.follow_ups:
        if fu.form:
            yield ("follow-ups", v.index("procedure", pid, "follow-ups", fu.id), "form"), fu.form
    for i, rec in enumerate(proc.records):
        yield ("records", i, "form"), rec.form


def _step_refs(v: View, proc: m.Procedure) -> Iterator[tuple[KeyPath, str]]:
    pid = proc.id
    yield ("start",), proc.start
    for step in proc.steps:
        si = v.index("procedure", pid, "steps", step.id)
        for j, t in enumerate(step.next):
            yield ("steps", si, "next", j, "to"), t.to
    for clock in proc.clocks:
        ci = v.index("procedure", pid, "clocks", clock.id)
        yield ("clocks", ci, "from"), clock.start.step
        for j, p in enumerate(clock.stop):
            yield ("clocks", ci, "to", j) if len(clock.stop) > 1 else ("clocks", ci, "to"), p.step
        for j, s in enumerate(clock.pause_in):
            yield ("clocks", ci, "pause-in", j), s
    for fu in proc.follow_ups:
        fi = v.index("procedure", pid, "follow-ups", fu.id)
        yield ("follow-ups", fi, "after"), fu.after.step
        if fu.required_before:
            yield ("follow-ups", fi, "required-before"), fu.required_before


def check_procedure_references(v: View) -> Iterator[RuleError]:
    """Roles, forms, steps and form sections named by a procedure must exist."""
    hb = v.hb
    for proc in v.each("procedure", hb.procedures):
        for path, rid in _role_refs(v, proc):
            if rid not in hb.roles:
                yield v.error("procedure", proc.id, path, "E022", f"unknown role {rid!r}")
        for path, fid in _form_refs(v, proc):
            if fid not in hb.forms:
                yield v.error("procedure", proc.id, path, "E025", f"unknown form {fid!r}")
        for step in proc.steps:
            if step.hands_off_to and step.hands_off_to not in hb.procedures:
                si = v.index("procedure", proc.id, "steps", step.id)
                yield v.error("procedure", proc.id, ("steps", si, "hands-off-to"), "E024",
                              f"unknown procedure {step.hands_off_to!r}")
        step_ids = {s.id for s in proc.steps}
        for path, sid in _step_refs(v, proc):
            if sid not in step_ids:
                yield v.error("procedure", proc.id, path, "E026", f"unknown step {sid!r}")
        seen: set[str] = set()
        for i, step in enumerate(proc.steps):
            if step.id in seen:
                yield v.error("procedure", proc.id, ("steps", i, "id"), "E021",
                              f"duplicate step id {step.id!r}")
            seen.add(step.id)
        form = hb.forms.get(proc.form) if proc.form else None
        for step in proc.steps:
            if not step.section:
                continue
            # A step fills a section of the case form, or of the form it creates itself.
            owners = [f for f in (form, hb.forms.get(step.form or "")) if f is not None]
            if owners and not any(step.section in {s.id for s in f.sections} for f in owners):
                si = v.index("procedure", proc.id, "steps", step.id)
                names = " or ".join(repr(f.id) for f in owners)
                yield v.error("procedure", proc.id, ("steps", si, "section"), "E028",
                              f"form {names} has no section {step.section!r}")
            elif not owners:
                si = v.index("procedure", proc.id, "steps", step.id)
                yield v.error("procedure", proc.id, ("steps", si, "section"), "E028",
                              "the step names a form section but neither the procedure nor the "
                              "step names a form")


def check_procedure_graph(v: View) -> Iterator[RuleError]:
    """Every step reachable from the start, every non-terminal step has a way out, all can end."""
    for proc in v.each("procedure", v.hb.procedures):
        steps = {s.id: s for s in proc.steps}
        if proc.start not in steps:
            continue  # reported as an unknown step
        # A split's branches are ways out too (parallel:, issue 19).
        succ = {s.id: [t.to for t in (*s.next, *s.parallel) if t.to in steps]
                for s in proc.steps}
        reach = _closure([proc.start], succ)
        pred: dict[str, list[str]] = {sid: [] for sid in steps}
        for sid, outs in succ.items():
            for to in outs:
                pred[to].append(sid)
        can_end = _closure([s.id for s in proc.steps if s.terminal], pred)
        if not any(s.terminal for s in proc.steps):
            yield v.error("procedure", proc.id, ("steps",), "E032",
                          "no terminal step: mark the closing step with terminal: true")
        for step in proc.steps:
            si = v.index("procedure", proc.id, "steps", step.id)
            path: KeyPath = ("steps", si)
            if step.id not in reach:
                yield v.error("procedure", proc.id, path, "E030",
                              f"step {step.id!r} is unreachable from start {proc.start!r}")
            if not step.terminal and not step.next and not step.parallel:
                yield v.error("procedure", proc.id, path, "E031",
                              f"step {step.id!r} has no way out: add next: or terminal: true")
            elif step.terminal and step.next:
                yield v.error("procedure", proc.id, (*path, "next"), "E033",
                              f"terminal step {step.id!r} must not have next steps")
            elif step.id in reach and step.id not in can_end and (step.next or step.parallel):
                yield v.error("procedure", proc.id, path, "E032",
                              f"no path from step {step.id!r} reaches a terminal step")
            defaults = [j for j, t in enumerate(step.next) if t.when is None]
            if step.next and step.next[-1].when is not None and not step.terminal:
                yield v.error("procedure", proc.id, (*path, "next"), "E035",
                              f"step {step.id!r}: the last way out must have no condition "
                              "(the default), so a case can never get stuck")
            if len(defaults) > 1 or (defaults and defaults[-1] != len(step.next) - 1):
                yield v.error("procedure", proc.id, (*path, "next", defaults[0]), "E035",
                              "only the last way out may be unconditional")


def _closure(starts: Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    seen = set(starts)
    todo = list(seen)
    while todo:
        for nxt in edges.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _check_condition(v: View, kind: str, rid: str, path: KeyPath, cond: Condition | None,
                     known: set[str], what: str) -> Iterator[RuleError]:
    if cond is None:
        return
    for name in unknown_names(cond, known):
        yield v.error(kind, rid, path, "E051", f"condition names {name!r}, which is not a "
                      f"field of {what}")


def check_conditions(v: View) -> Iterator[RuleError]:
    """Every name in a condition is a field of the relevant form (or a context name)."""
    hb = v.hb
    for proc in v.each("procedure", hb.procedures):
        form = hb.forms.get(proc.form) if proc.form else None
        known = _fields_of(form)
        for step in proc.steps:
            if step.form:
                known |= _fields_of(hb.forms.get(step.form))
        what = f"form {proc.form!r}" if proc.form else "the procedure (it names no form)"
        for step in proc.steps:
            si = v.index("procedure", proc.id, "steps", step.id)
            for j, t in enumerate(step.next):
                yield from _check_condition(v, "procedure", proc.id, ("steps", si, "next", j,
                                            "when"), t.when, known, what)
        for clock in proc.clocks:
            ci = v.index("procedure", proc.id, "clocks", clock.id)
            yield from _check_condition(v, "procedure", proc.id, ("clocks", ci, "when"),
                                        clock.when, known, what)
            if clock.until and clock.until not in known:
                yield v.error("procedure", proc.id, ("clocks", ci, "until"), "E051",
                              f"until names {clock.until!r}, which is not a field of {what}")
        yield from _lying_titles(v, proc)
        for fu in proc.follow_ups:
            fi = v.index("procedure", proc.id, "follow-ups", fu.id)
            yield from _check_condition(v, "procedure", proc.id, ("follow-ups", fi, "when"),
                                        fu.when, known, what)
    from runtime.compiler.expr import compile_condition

    for form in v.each("form", hb.forms):
        fields = _fields_of(form)
        fields_ui = form.ui.get("fields") or {}
        for name, hints in fields_ui.items():
            if name not in fields:
                yield v.error("form", form.id, ("ui", "fields", name), "E052",
                              f"ui hints for {name!r}, which is not a field of the schema")
            if not isinstance(hints, dict):
                continue
            for key in ("visible-if", "required-if"):
                src = hints.get(key)
                if not isinstance(src, str):
                    continue
                try:
                    cond = compile_condition(src)
                except Exception:
                    continue  # syntax errors are reported by the parser
                yield from _check_condition(v, "form", form.id, ("ui", "fields", name, key),
                                            cond, fields, f"form {form.id!r}")
            yield from _time_bounds(v, form, name, hints)
            cf = hints.get("choices-from")
            if isinstance(cf, dict) and cf.get("field") not in fields:
                yield v.error("form", form.id, ("ui", "fields", name, "choices-from", "field"),
                              "E052", f"choices-from names {cf.get('field')!r}, not a field")
        for i, section in enumerate(form.sections):
            for j, fname in enumerate(section.fields):
                if fname not in fields:
                    yield v.error("form", form.id, ("ui", "sections", i, "fields", j), "E052",
                                  f"section {section.id!r} lists {fname!r}, not a schema field")


def _time_bounds(v: View, form: Any, name: str, hints: dict[str, Any]) -> Iterator[RuleError]:
    """E053: not-before / not-after only on a date or date-time field, with a real date, and
    fixed bounds in order (otherwise nothing could ever be entered)."""
    from datetime import datetime

    words = {k: hints[k] for k in ("not-before", "not-after") if isinstance(hints.get(k), str)}
    if not words:
        return
    props = form.schema.get("properties") if isinstance(form.schema, dict) else None
    sub = props.get(name) if isinstance(props, dict) else None
    fmt = sub.get("format") if isinstance(sub, dict) else None
    widget = hints.get("widget")
    if fmt not in ("date", "date-time") and widget not in ("date", "datetime"):
        key = next(iter(words))
        yield v.error("form", form.id, ("ui", "fields", name, key), "E053",
                      f"{key} on {name!r}, which is not a date or date-time field")
        return
    fixed = {}
    for key, word in words.items():
        if word.strip() in ("now", "today"):
            continue
        try:
            fixed[key] = datetime.fromisoformat(word.strip())
        except ValueError:  # the schema's pattern passed 2026-02-30; the calendar did not
            yield v.error("form", form.id, ("ui", "fields", name, key), "E053",
                          f"{key} of {name!r}: {word!r} is not a date or date-time")
    if len(fixed) == 2 and fixed["not-before"] > fixed["not-after"]:
        yield v.error("form", form.id, ("ui", "fields", name, "not-after"), "E053",
                      f"not-after of {name!r} is before its not-before: nothing can be entered")


def _hint_levels(hints: Any, known: set[str], schema: Any, path: KeyPath
                 ) -> Iterator[tuple[KeyPath, str, dict[str, Any], set[str]]]:
    """(key path, field name, hints, names known there) for every field hint, nested
    `fields:` of groups and rows included (a row's names add to its parents')."""
    if not isinstance(hints, dict):
        return
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    here = known | {str(k) for k in props}
    for name, h in hints.items():
        if not isinstance(h, dict):
            continue
        yield (*path, name), str(name), h, here
        sub = props.get(name) if isinstance(props, dict) else None
        if isinstance(sub, dict) and isinstance(sub.get("items"), dict):
            sub = sub["items"]
        yield from _hint_levels(h.get("fields"), here, sub, (*path, name, "fields"))


def check_expressions(v: View) -> Iterator[RuleError]:
    """`compute:` names and filters (nested fields too), and every form expression tried on
    an empty form, so constructs that cannot be bounded or that breach a limit whatever
    the data (`'*' * 10**10`, `x|center(10**9)`) fail the check instead of a page."""
    from runtime.compiler.expr import (
        CONTEXT_NAMES,
        FUNCTIONS,
        _env,
        expression_problems,
        run_expression,
    )
    from runtime.errors import LimitExceeded

    for form in v.each("form", v.hb.forms):
        top = ("ui", "fields")
        for path, name, hints, known in _hint_levels(form.ui.get("fields"), set(),
                                                     form.schema, top):
            for key in ("compute", "visible-if", "required-if"):
                src = hints.get(key)
                if not isinstance(src, str) or not src.strip():
                    continue
                problems = expression_problems(src, known)
                nested = len(path) > 3
                for problem in problems:
                    if key == "compute" or nested or "cannot be bounded" in problem:
                        code = "E054" if "cannot be bounded" in problem else (
                            "E050" if problem.startswith("syntax") else "E051")
                        if key != "compute" and code == "E050":
                            continue  # the parser reports condition syntax (E050)
                        yield v.error("form", form.id, (*path, key), code,
                                      f"{key} of {name!r} {problem}")
                if problems:
                    continue
                try:
                    fn = _env().compile_expression(src, undefined_to_none=True)
                    empty: dict[str, Any] = {n: None for n in known | set(CONTEXT_NAMES)}
                    empty.update(FUNCTIONS)
                    run_expression(fn, empty)
                except LimitExceeded as exc:
                    yield v.error("form", form.id, (*path, key), "E054",
                                  f"{key} of {name!r} exceeds a limit on an empty form: "
                                  f"{exc.detail}")
                except Exception:
                    pass


def check_procedure_condition_limits(v: View) -> Iterator[RuleError]:
    """Each procedure condition tried on an empty case: one that breaches a limit whatever
    the data (`('x' * 10**9) == content`) is E054 at check time, not an error on a case."""
    from runtime.errors import LimitExceeded

    for proc in v.each("procedure", v.hb.procedures):
        found: list[tuple[KeyPath, Condition | None]] = []
        for step in proc.steps:
            si = v.index("procedure", proc.id, "steps", step.id)
            found += [(("steps", si, "next", j, "when"), t.when) for j, t in enumerate(step.next)]
        for clock in proc.clocks:
            found.append((("clocks", v.index("procedure", proc.id, "clocks", clock.id), "when"),
                          clock.when))
        for fu in proc.follow_ups:
            found.append((("follow-ups", v.index("procedure", proc.id, "follow-ups", fu.id),
                           "when"), fu.when))
        for path, cond in found:
            if cond is None:
                continue
            try:
                cond.evaluate({})
            except LimitExceeded as exc:
                yield v.error("procedure", proc.id, path, "E054",
                              f"condition exceeds a limit on an empty case: {exc.detail}")


def _confined(root: Path, name: str) -> Path | None:
    """`root/name` resolved, when it is a regular file inside `root` (symlinks resolved)."""
    try:
        base = root.resolve()
        target = (base / name).resolve()
        target.relative_to(base)
    except (OSError, RuntimeError, ValueError):
        return None
    return target if target.is_file() else None


def check_form_templates(v: View) -> Iterator[RuleError]:
    """A form's print template must be a file inside forms/templates (by resolved path, so
    an absolute path, `..` or a symlink out of it is refused without looking outside)."""
    if not v.template_dirs:
        return
    for form in v.each("form", v.hb.forms):
        if not form.template:
            continue
        name = form.template
        if Path(name).is_absolute() or ".." in Path(name).parts or "\\" in name:
            yield v.error("form", form.id, ("print", "template"), "E027",
                          f"print template {name!r} must be a file name inside "
                          "forms/templates (no absolute paths or '..')")
            continue
        found = _confined(v.template_dirs[0], name)
        if found is None:
            yield v.error("form", form.id, ("print", "template"), "E027",
                          f"print template {name!r} not found in forms/templates")
            continue
        for problem in _template_problems(found):
            yield v.error("form", form.id, ("print", "template"), "E054",
                          f"print template {name!r} {problem}")


def _template_problems(path: Path) -> list[str]:
    """Refused filters and globals a template uses, and syntax errors (parse only)."""
    from jinja2 import TemplateSyntaxError, nodes

    from runtime.compiler.sandbox import ALLOWED_FILTERS, BoundedTemplateEnvironment
    from runtime.compiler.sandbox import names_not_allowed as refused

    try:
        if path.stat().st_size > 1_000_000:
            return ["is larger than 1 MB"]
        ast = BoundedTemplateEnvironment().parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [f"cannot be read: {exc}"]
    except TemplateSyntaxError as exc:
        return [f"has a syntax error at line {exc.lineno}: {exc.message}"]
    filters = {n.name for n in ast.find_all(nodes.Filter)}
    names = {n.name for n in ast.find_all(nodes.Name) if n.ctx == "load"}
    out = [f"uses {name!r}, which cannot be bounded ({why})"
           for name, why in sorted(refused(filters | names).items())]
    out += [f"uses the unknown filter {f!r}" for f in sorted(filters - ALLOWED_FILTERS)
            if f not in refused([f])]
    return out


def check_time_sanity(v: View) -> Iterator[RuleError]:
    """Warnings before the limit, follow-ups before archiving, escalations that fit."""
    hb = v.hb
    for proc in v.each("procedure", hb.procedures):
        retention = {r.form: r.retention for r in proc.records if r.retention}
        for clock in proc.clocks:
            ci = v.index("procedure", proc.id, "clocks", clock.id)
            if clock.warn_before and clock.within and _minutes(clock.warn_before) >= _minutes(
                    clock.within):
                yield v.error("procedure", proc.id, ("clocks", ci, "warn-before"), "E080",
                              f"warning {clock.warn_before} is not before the limit "
                              f"{clock.within}")
        yield from _lying_titles(v, proc)
        for fu in proc.follow_ups:
            fi = v.index("procedure", proc.id, "follow-ups", fu.id)
            kept = retention.get(proc.form or "") if proc.form else None
            if kept is not None and _minutes(fu.delay) >= _minutes(kept):
                yield v.error("procedure", proc.id, ("follow-ups", fi, "delay"), "E080",
                              f"follow-up after {fu.delay} falls after the case record is "
                              f"archived ({kept})")


def _lying_titles(v: View, proc: m.Procedure) -> Iterator[RuleError]:
    """A clock, follow-up or step whose title states another duration than its limit (W080)."""
    items: list[tuple[str, str, str, str, Any]] = (
        [("clocks", c.id, c.title, "within", c.within) for c in proc.clocks]
        + [("follow-ups", f.id, f.title, "delay", f.delay) for f in proc.follow_ups]
        + [("steps", s.id, s.title, "time-limit", s.time_limit) for s in proc.steps])
    for list_key, item_id, title, key, limit in items:
        said = titles.contradiction(title, limit)
        if said is None:
            continue
        i = v.index("procedure", proc.id, list_key, item_id)
        placeholder = "{within}" if key == "within" else "{" + key + "}"
        # At the limit: where a property's overlay changed it, the overlay is what to fix.
        e = v.error("procedure", proc.id, (list_key, i, key), "W080",
                    f"title says {said} but the limit is {titles.human_duration(limit)}")
        yield dataclasses.replace(
            e, severity="warning",
            hint=f"update the title, or write {placeholder} in it (e.g. \"{placeholder}内处理\"): "
                 "it is shown with the limit itself")


def _minutes(d: object) -> float:
    # Working time is compared as if 8 h a working day: good enough for ordering checks.
    amount = float(getattr(d, "amount", 0))
    unit = str(getattr(d, "unit", "minutes"))
    working = bool(getattr(d, "working", False))
    per = {"minutes": 1, "hours": 60, "days": 480 if working else 1440, "weeks": 10080,
           "months": 43200, "years": 525600}
    return amount * per.get(unit, 1)


def check_other_references(v: View) -> Iterator[RuleError]:
    """Schedules, trainings, calendars, service hours and document control name real things."""
    hb = v.hb
    for sched in v.each("schedule", hb.schedules):
        for item in sched.items:
            ii = v.index("schedule", sched.id, "items", item.id)
            raw = hb.raw.get(("schedule", sched.id), {}).get("items") or []
            owner_is_list = ii < len(raw) and isinstance(raw[ii].get("owner"), list)
            for j, owner in enumerate(item.owners):
                if owner not in hb.roles:
                    path: KeyPath = ("items", ii, "owner", j) if owner_is_list else (
                        "items", ii, "owner")
                    yield v.error("schedule", sched.id, path, "E022", f"unknown role {owner!r}")
            if item.form and item.form not in hb.forms:
                yield v.error("schedule", sched.id, ("items", ii, "form"), "E025",
                              f"unknown form {item.form!r}")
    for tr in v.each("training", hb.trainings):
        for j, r in enumerate(tr.roles):
            if r not in hb.roles:
                yield v.error("training", tr.id, ("roles", j), "E022", f"unknown role {r!r}")
        for i, q in enumerate(tr.quiz):
            for j, r in enumerate(q.roles):
                if r not in hb.roles:
                    yield v.error("training", tr.id, ("quiz", i, "roles", j), "E022",
                                  f"unknown role {r!r}")
    obj: m.Company | m.Property
    if hb.property is not None and v.wants("property", hb.property.id):
        kind, rid, obj = "property", hb.property.id, hb.property
    elif hb.property is None and v.wants("company", hb.company.meta.id):
        kind, rid, obj = "company", hb.company.meta.id, hb.company
    else:
        return
    if obj.calendar and obj.calendar not in hb.calendars:
        yield v.error(kind, rid, ("calendar",), "E029", f"unknown calendar {obj.calendar!r}")
    for i, sh in enumerate(obj.service_hours):
        if sh.role and sh.role not in hb.roles:
            yield v.error(kind, rid, ("service-hours", i, "role"), "E022",
                          f"unknown role {sh.role!r}")
    for i, dep in enumerate(obj.departments):
        if dep.head and dep.head not in hb.roles:
            yield v.error(kind, rid, ("departments", i, "head"), "E022",
                          f"unknown role {dep.head!r}")
    if isinstance(obj, m.Company):
        for key in ("administer", "train", "dashboard", "all-properties"):
            for j, r in enumerate(getattr(obj.access, key.replace("-", "_"))):
                if r not in hb.roles:
                    yield v.error(kind, rid, ("access", key, j), "E022", f"unknown role {r!r}")
        dc = obj.document_control
        named: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
            (("drafted-by",), dc.drafters), (("reviewed-by",), dc.reviewers),
            (("approved-by",), dc.approvers),
            (("company-rules", "reviewed-by"), dc.company_reviewers),
            (("company-rules", "approved-by"), dc.company_approvers),
            (("may-combine",), dc.may_combine))
        for keys, roles in named:
            for j, r in enumerate(roles):
                if r not in hb.roles:
                    yield v.error(kind, rid, ("document-control", *keys, j), "E022",
                                  f"unknown role {r!r}")


def check_notifications(v: View) -> Iterator[RuleError]:
    """`notifications:` names known roles, `email` or its own robots, each robot once (E100)."""
    hb = v.hb
    owners: list[tuple[str, str, m.Notifications | None]] = [
        ("company", hb.company.meta.id, hb.company.notifications)]
    if hb.property is not None:
        owners.append(("property", hb.property.meta.id, hb.property.notifications))
    for kind, rid, settings in owners:
        if settings is None or not v.wants(kind, rid):
            continue
        robots = [r.id for r in settings.robots]
        for i, rid_ in enumerate(robots):
            if robots.index(rid_) != i:
                yield v.error(kind, rid, ("notifications", "robots", i, "id"), "E021",
                              f"duplicate robot id {rid_!r}")
        for i, rule in enumerate(settings.channels):
            for j, role in enumerate(rule.roles):
                if role not in hb.roles:
                    yield v.error(kind, rid, ("notifications", "channels", i, "roles", j),
                                  "E022", f"unknown role {role!r}")
            for j, via in enumerate(rule.via):
                if via != "email" and via not in robots:
                    yield v.error(kind, rid, ("notifications", "channels", i, "via", j),
                                  "E100", f"unknown channel {via!r}: use email or a robot id "
                                  f"({', '.join(robots) or 'no robots defined'})")


_LINK_OK = re.compile(r"^(?:https?://\S+|[^:\s][^:]*)$")


def check_role_documents(v: View) -> Iterator[RuleError]:
    """A routine runs in order (its numbers rise); a reference link is http(s) or a path."""
    for role in v.each("role", v.hb.roles):
        for i, (a, b) in enumerate(itertools.pairwise(role.routine), start=1):
            if b.no <= a.no:
                yield v.error("role", role.id, ("routine", i, "no"), "E097",
                              f"routine step {b.no} follows {a.no}: a daily routine is "
                              "listed in order, each number higher than the one before")
        for i, ref in enumerate(role.references):
            if ref.link is not None and not _LINK_OK.match(ref.link):
                yield v.error("role", role.id, ("references", i, "link"), "E098",
                              f"link {ref.link!r} is neither an http(s) address nor a "
                              "relative path")


from runtime.compiler.language_checks import LANGUAGE_CHECKS  # noqa: E402 (needs View)

CHECKS: tuple[Callable[[View], Iterator[RuleError]], ...] = (
    check_role_references,
    check_reports_to_cycles,
    check_procedure_references,
    check_procedure_graph,
    check_conditions,
    check_expressions,
    check_procedure_condition_limits,
    check_form_templates,
    check_time_sanity,
    check_other_references,
    check_notifications,
    check_role_documents,
    *LANGUAGE_CHECKS,
)


def run_checks(view: View) -> list[RuleError]:
    """Run every check on a view; returns all errors found."""
    out: list[RuleError] = []
    for check in CHECKS:
        out.extend(check(view))
    return out
