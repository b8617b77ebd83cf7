"""`handbook scenario`, `handbook cases migrate|list` and `handbook schedule run`."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES, PROJECT_ROOT
from runtime.errors import HandbookError

if TYPE_CHECKING:
    from runtime.engine.service import Engine
    from runtime.store import Store


def _default_store() -> Path:
    # Same place as the app (runtime/ui/context.py): $HANDBOOK_DATA/store, else data/store.
    return Path(os.environ.get("HANDBOOK_DATA") or PROJECT_ROOT / "data") / "store"


def _tree_args(p: argparse.ArgumentParser, rules_default: Path | None = DEFAULT_RULES,
               forms_default: Path | None = DEFAULT_FORMS) -> None:
    p.add_argument("--rules", type=Path, default=rules_default, help="rules directory")
    p.add_argument("--forms", type=Path, default=forms_default, help="forms directory")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `scenario`, `cases` and `schedule`."""
    p = sub.add_parser("scenario", help="dry-run scripted case timelines against the rules")
    p.add_argument("files", nargs="+", type=Path,
                   help="scenario YAML file(s), or directories of them")
    p.add_argument("--property", help="run in this property (overrides the file's property)")
    _tree_args(p, None, None)
    p.add_argument("--lang", choices=("zh", "en"), help="language of the timeline")
    p.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    p.add_argument("--allow-rule-errors", action="store_true",
                   help="run even when `handbook check` reports errors")
    p.set_defaults(func=_scenario)

    c = sub.add_parser("cases", help="case maintenance")
    csub = c.add_subparsers(dest="cases_command", required=True)
    mg = csub.add_parser("migrate", help="move open cases to the current procedure version")
    mg.add_argument("--procedure", required=True, help="procedure id")
    mg.add_argument("--to-current", action="store_true", required=True,
                    help="target the procedure version in the current rules")
    mg.add_argument("--map", action="append", metavar="OLD=NEW", default=[],
                    help="rename a step (repeatable)")
    mg.add_argument("--property", help="only cases of this property")
    mg.add_argument("--store", type=Path, default=None, help="store directory")
    mg.add_argument("--dry-run", action="store_true", help="report without saving")
    _tree_args(mg)
    mg.set_defaults(func=_migrate)
    ls = csub.add_parser("list", help="list cases with their step and clocks")
    ls.add_argument("--property")
    ls.add_argument("--status", choices=("open", "closed"), default="open")
    ls.add_argument("--store", type=Path, default=None, help="store directory")
    _tree_args(ls)
    ls.set_defaults(func=_list)

    s = sub.add_parser("schedule", help="recurring work")
    ssub = s.add_subparsers(dest="schedule_command", required=True)
    run = ssub.add_parser("run", help="create the schedule tasks of a date range (idempotent)")
    run.add_argument("--from", dest="start", required=True, type=date.fromisoformat)
    run.add_argument("--to", dest="end", required=True, type=date.fromisoformat)
    run.add_argument("--property", help="property id (default: every property)")
    run.add_argument("--store", type=Path, default=None, help="store directory")
    run.add_argument("--dry-run", action="store_true", help="list the tasks, store nothing")
    _tree_args(run)
    run.set_defaults(func=_schedule)


def _scenario(args: argparse.Namespace) -> int:
    from runtime.engine.scenario import ScenarioError, run

    failed = 0
    paths: list[Path] = []
    for given in args.files:  # a directory means every *.yaml in it
        paths.extend(sorted(given.glob("*.yaml")) if given.is_dir() else [given])
    for path in paths:
        try:
            result = run(path, property=args.property, rules_dir=args.rules,
                         forms_dir=args.forms, strict=not args.allow_rule_errors,
                         lang=args.lang)
        except ScenarioError as exc:
            print(f"{exc}", file=sys.stderr)
            return 2
        except HandbookError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
        lines = [ln for ln in result.lines if "✗" in ln] if args.quiet else result.lines
        if lines:
            print("\n".join(lines))
        status = "ok" if result.ok else f"{len(result.failures)} FAILED"
        print(f"{path}: {result.checks} check(s), {status}")
        failed += not result.ok
    return 1 if failed else 0


def _engine(args: argparse.Namespace) -> tuple[Store, Engine]:
    from runtime.compiler.pipeline import load
    from runtime.engine.service import Engine
    from runtime.engine.store_repo import StoreRepository
    from runtime.store import open_store
    from runtime.store.backends import database_url, open_url

    url = database_url()
    store: Store = open_url(url) if url and not args.store else open_store(  # type: ignore[assignment]
        args.store or _default_store())
    return store, Engine(StoreRepository(store),
                         lambda pid: load(args.rules, args.forms, property=pid))


def _migrate(args: argparse.Namespace) -> int:
    from runtime.engine.migrate import parse_mapping

    try:
        mapping = parse_mapping(args.map)
        store, engine = _engine(args)
        with store:
            results = engine.migrate(args.procedure, datetime.now(), property=args.property,
                                     mapping=mapping, user="cli", dry_run=args.dry_run)
    except HandbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for r in results:
        print(f"{'ok ' if r.ok else 'FAIL'} {r.number}: {r.message}")
    bad = sum(not r.ok for r in results)
    print(f"{len(results)} open case(s), {bad} not migrated")
    return 1 if bad else 0


def _list(args: argparse.Namespace) -> int:
    from runtime.engine.timeline import fmt_dt

    try:
        store, engine = _engine(args)
        with store:
            now = datetime.now()
            for case in engine.repo.find_cases(property=args.property, status=args.status):
                clocks = ", ".join(f"{s.clock_id}:{s.status}" for s in engine.clocks(case.id, now)
                                   if s.status != "inactive")
                print(f"{case.number}  {case.procedure_id} v{case.procedure_version}  "
                      f"{case.property or '-'}  {case.step or '-'}  {case.role or '-'}  "
                      f"{fmt_dt(case.updated_at)}  {clocks}")
    except HandbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from runtime.compiler.pipeline import load
    from runtime.engine.timeline import fmt_dt

    if args.end < args.start:
        print("error: --to is before --from", file=sys.stderr)
        return 2
    try:
        props = [args.property] if args.property else sorted(
            load(args.rules, args.forms).properties)
        if args.dry_run:
            from runtime.engine import calendar as engcal
            from runtime.engine import schedules

            for pid in props:
                hb = load(args.rules, args.forms, property=pid)
                for t in schedules.plan(hb, engcal.for_handbook(hb), args.start, args.end,
                                        datetime.now()):
                    print(f"{pid}  {fmt_dt(t.due_at)}  {t.role}  {t.title}"
                          + (f"  ({t.note})" if t.note else ""))
            return 0
        store, engine = _engine(args)
        with store:
            for pid in props:
                r = engine.run_schedules(pid, args.start, args.end, datetime.now())
                print(f"{pid}: {r.created} task(s) created, {r.existing} already there")
    except HandbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
