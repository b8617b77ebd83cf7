"""`handbook roster`: the month's 值班安排表 from the roles' work patterns."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES
from runtime.errors import HandbookError


def register(sub: argparse._SubParsersAction) -> None:
    """Add `roster`."""
    p = sub.add_parser("roster", help="print a month's roster (值班安排表) from work patterns")
    p.add_argument("--property", help="property id (default: the company base)")
    p.add_argument("--month", required=True, help="month, e.g. 2026-12")
    p.add_argument("--role", action="append", default=[], help="only this role (repeatable)")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text")
    p.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="rules directory")
    p.add_argument("--forms", type=Path, default=DEFAULT_FORMS, help="forms directory")
    p.set_defaults(func=_roster)


def _roster(args: argparse.Namespace) -> int:
    from runtime.compiler.pipeline import load
    from runtime.engine import calendar as engcal
    from runtime.engine import roster as rs

    try:
        year, month = rs.parse_month(args.month)
        hb = load(args.rules, args.forms, property=args.property)
        table = rs.month_roster(hb, engcal.for_handbook(hb), year, month, tuple(args.role))
    except HandbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(rs.to_json(table), ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(rs.to_csv(table))
    else:
        sys.stdout.write(rs.to_text(table))
    return 0
