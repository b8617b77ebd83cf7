"""`handbook check`, `handbook stats` and `handbook schemas`: validate and count the rules."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TextIO

from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES, check


def _tree_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="rules directory")
    p.add_argument("--forms", type=Path, default=DEFAULT_FORMS, help="forms directory")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `check`, `stats` and `schemas`."""
    p = sub.add_parser("check", help="validate every rule and form; exit 1 listing each problem")
    _tree_args(p)
    p.add_argument("--property", help="check only what this property's view uses")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--data", type=Path, default=None,
                   help="data directory whose live version changed files must bump "
                        "(default $HANDBOOK_DATA, else data/)")
    p.add_argument("--today", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="check as on this day (the holiday-schedule warning W091 depends on "
                        "the date; default today)")
    p.set_defaults(func=_check)

    s = sub.add_parser("stats", help="count roles, duties, procedures, forms ...")
    _tree_args(s)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=_stats)

    w = sub.add_parser("schemas", help="write runtime/compiler/schemas/*.schema.json for editors")
    w.add_argument("--write", action="store_true", help="rewrite the committed schema files")
    w.add_argument("--tree", action="store_true",
                   help="write schemas for one rules tree (--rules/--forms): its role, form, "
                        "procedure, step and department ids as enums, into --out")
    w.add_argument("--out", type=Path, default=None,
                   help="where --tree writes (default: .schemas/ beside the rules directory)")
    _tree_args(w)
    w.set_defaults(func=_schemas)


def _check(args: argparse.Namespace) -> int:
    from runtime.versions import VersionRepo, data_dir
    from runtime.versions.gate import full_check, order

    result = check(args.rules, args.forms, args.property)
    live = VersionRepo(args.data if args.data is not None else data_dir()).current()
    # The one check the editor, submit and publish use (version bumps E090 included);
    # --property keeps what that property's view uses.
    every = full_check(args.rules, args.forms, live, today=args.today)
    if args.property is not None:  # the view's own errors, and every version bump
        every = order(list(result.errors) + [e for e in every if e.code in ("E090", "W091")])
    errors = [e for e in every if e.severity == "error"]
    warnings = [e for e in every if e.severity != "error"]
    if args.format == "json":
        print(json.dumps({"ok": not errors, "content_hash": result.content_hash,
                          "files": len(result.files),
                          "errors": [e.as_dict() for e in every]},
                         ensure_ascii=False, indent=2))
    else:
        for e in every:  # the cached result is shared: never mutate it
            print(one_line(e.cli_line()))
        if errors:
            sys.stdout.flush()
            print(f"{len(errors)} error(s), {len(warnings)} warning(s) in "
                  f"{len({e.file for e in errors})} file(s)", file=_summary_stream())
        else:
            st = result.stats
            print(f"ok: {len(result.files)} files, {st.properties} properties, {st.roles} roles, "
                  f"{st.procedures} procedures, {st.forms} forms, {len(warnings)} warning(s)")
    return 1 if errors else 0


def one_line(text: str) -> str:
    """An error line that stays one line: a multi-line message (a YAML parser's) is joined,
    so every problem is exactly one `path:line:col: CODE …` line ending in a newline."""
    return " ⏎ ".join(part.rstrip() for part in text.splitlines() if part.strip())


def _summary_stream() -> TextIO:
    """Where the summary goes: stderr, unless stdout and stderr are the same file (a terminal,
    `2>&1`). Then it goes to stdout, the stream the error lines went to, so nothing (a pager,
    `tee`, a terminal multiplexer) can interleave the two and run the summary into the last
    error line (`…roles[0])3 error(s)`)."""
    try:
        if os.path.sameopenfile(sys.stdout.fileno(), sys.stderr.fileno()):
            return sys.stdout
    except (AttributeError, OSError, ValueError):  # in-process capture: no real files
        pass
    return sys.stderr


def _stats(args: argparse.Namespace) -> int:
    result = check(args.rules, args.forms)
    data = asdict(result.stats)
    if args.json:
        print(json.dumps(data))
    else:
        for key, value in data.items():
            print(f"{key:>15}: {value}")
    return 0 if result.ok else 1


def _schemas(args: argparse.Namespace) -> int:
    from runtime.compiler.pipeline import PROJECT_ROOT
    from runtime.compiler.schemas import KINDS, render, schema_file, write_all
    from runtime.compiler.schemas.docs import rules_doc_is_current, update_rules_doc

    rules_doc = PROJECT_ROOT / "docs" / "RULES.md"
    if args.tree:
        # Per-tree schemas are not committed: they name this tree's ids, which change with
        # every published version, so they go to their own folder.
        out = args.out if args.out is not None else Path(args.rules).resolve().parent / ".schemas"
        for path in write_all(out, check(args.rules, args.forms)):
            print(path)
        return 0
    if args.write:
        for path in write_all():
            print(path)
        if rules_doc.is_file() and update_rules_doc(rules_doc):
            print(rules_doc)
        return 0
    stale: list[str] = [str(schema_file(k)) for k in KINDS if not schema_file(k).is_file()
             or schema_file(k).read_text(encoding="utf-8") != render(k)]
    if rules_doc.is_file() and not rules_doc_is_current(rules_doc):
        stale.append(str(rules_doc))
    for name in stale:
        print(f"stale: {name} (run `handbook schemas --write`)")
    return 1 if stale else 0
