"""`handbook import FILE`: turn handbook text (.txt or .docx) into draft rules for review."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES
from runtime.importer import KINDS, ImportFailed, preview, read_source, validate, write_drafts
from runtime.importer.writer import SCHEMA_DIR

NOTHING = 3  # exit code: no role, procedure or schedule recognised


def register(sub: argparse._SubParsersAction) -> None:
    """Add `import`."""
    p = sub.add_parser(
        "import",
        help="draft rules from handbook text; prints what it could not place, with positions",
    )
    p.add_argument("file", type=Path, help="plain text (UTF-8 or GB18030) or .docx")
    p.add_argument("--kind", choices=KINDS, default="auto", help="what the text describes")
    p.add_argument("--property", help="scope the drafts to this property (management office)")
    p.add_argument("--out", type=Path, help="where to write the drafts "
                   "(default: <data>/imports/<file name>, data = $HANDBOOK_DATA or ./data)")
    p.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="rules tree to check against")
    p.add_argument("--forms", type=Path, default=DEFAULT_FORMS, help="forms directory")
    p.add_argument("--dry-run", action="store_true", help="parse and check, write nothing")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=_import)


def _import(args: argparse.Namespace) -> int:
    src: Path = args.file
    try:
        text = read_source(src)
        result = preview(text, args.kind, args.property, rules_dir=args.rules,
                         forms_dir=args.forms, source=src.name)
    except ImportFailed as exc:
        print(f"handbook import: {exc}", file=sys.stderr)
        return 2
    c = result.coverage
    content = c["chars"] - c["layout"]
    if result.kind == "none":
        # Honest exit: an import that finds nothing is not a success (exit 3), and what it
        # could not read is shown biggest first so the user sees why.
        if args.format == "json":
            data = result.to_dict()
            data.update(written=[], check_errors=[], exit="nothing recognised")
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return NOTHING
        print(f"{src}: nothing recognised: no role, procedure or schedule found "
              f"(placed 0 of {content} content characters)")
        largest = sorted(result.unplaced, key=lambda p: p.start - p.end)[:5]
        for p in largest:
            print(f"{src}:{p.line}:{p.col}: unplaced ({p.reason}), {p.end - p.start} chars: "
                  f"{p.excerpt()}")
        return NOTHING
    errors = validate(result, args.rules, args.forms)
    from runtime.versions import data_dir

    # Imports are drafts for review: they go with the data, never into the shipped rules.
    out: Path = args.out or data_dir() / "imports" / src.stem
    written = [] if args.dry_run else write_drafts(result, out, src.name)
    if args.format == "json":
        data = result.to_dict()
        data["written"] = [str(p) for p in written]
        data["check_errors"] = [e.as_dict() for e in errors]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 1 if errors else 0
    duties = ", ".join(str(len(r["duties"])) for r in result.roles)
    print(f"{src}: found {result.kind}: {len(result.roles)} role(s)"
          f"{f' (duties {duties})' if duties else ''}, {len(result.procedures)} procedure(s), "
          f"{sum(len(s['items']) for s in result.schedules)} schedule item(s); "
          f"{len(result.drafts)} draft file(s)")
    for path in written:
        print(f"  wrote {path}")
    if errors:
        print(f"check: {len(errors)} error(s) the drafts would add:")
        for e in errors:
            print(f"  {e.cli_line()}")
    else:
        print(f"check: ok (the drafts pass `handbook check` added to {args.rules})")
    if written:
        print(f"  ($schema headers point at {SCHEMA_DIR})")
    for n in result.notes:
        print(f"{src}:{n.line}:{n.col}: note: {n.reason}")
    c = result.coverage
    print(f"placed {c['placed']} of {c['chars']} characters ({c['layout']} layout, "
          f"{c['unplaced']} unplaced in {len(result.unplaced)} passage(s))")
    for p in result.unplaced:
        print(f"{src}:{p.line}:{p.col}: unplaced ({p.reason}), {p.end - p.start} chars: "
              f"{p.excerpt()}")
    if content and c["placed"] * 2 < content:
        print(f"placed only {c['placed']} of {content} content characters (less than half): "
              "most of the source is in the unplaced passages above")
    return 1 if errors else 0
