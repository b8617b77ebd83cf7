"""`handbook versions`, `handbook diff A B [--plain]`, `handbook publish --message TEXT`."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path


def _data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=None,
                   help="data directory (default: $HANDBOOK_DATA or ./data)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add `versions`, `diff`, `publish` and `rollback`."""
    v = sub.add_parser("versions", help="list published rule-set versions")
    _data(v)
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_versions)

    d = sub.add_parser("diff", help="what changed between two versions (numbers or folders)")
    _data(d)
    d.add_argument("a", help="version number, or a folder holding rules/ and forms/")
    d.add_argument("b", help="version number, or a folder holding rules/ and forms/")
    d.add_argument("--plain", action="store_true", help="plain-language sentences only")
    d.add_argument("--lang", choices=("zh", "en"), default="zh")
    d.set_defaults(func=_diff)

    p = sub.add_parser("publish", help="check a rules tree and publish it as the next version")
    _data(p)
    p.add_argument("--message", required=True, help="what changed and why")
    p.add_argument("--rules", type=Path, help="rules folder (default: <project>/rules)")
    p.add_argument("--forms", type=Path, help="forms folder (default: <project>/forms)")
    p.add_argument("--by", default=None, help="who publishes (default: the login name)")
    p.add_argument("--base", type=int, default=None,
                   help="the version this tree was made from (default: the version live when the "
                        "command starts); refused if another version went live since")
    p.set_defaults(func=_publish)

    r = sub.add_parser("rollback", help="publish an older version anew")
    _data(r)
    r.add_argument("version", type=int)
    r.add_argument("--by", default=None)
    r.add_argument("--message", default="")
    r.set_defaults(func=_rollback)


def _repo(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from runtime.versions import VersionRepo, data_dir

    return VersionRepo(args.data or data_dir())


def _tree(repo, ref: str) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    if ref.isdigit():
        info = repo.get(int(ref))
        return info.rules, info.forms
    folder = Path(ref)
    return folder / "rules", folder / "forms"


def _versions(args: argparse.Namespace) -> int:
    repo = _repo(args)
    current = repo.current_number()
    infos = repo.all()
    if args.json:
        print(json.dumps([dict(i.as_dict(), current=i.number == current) for i in infos],
                         ensure_ascii=False, indent=2))
        return 0
    for info in infos:
        mark = "*" if info.number == current else " "
        when = info.published_at or "(shipped)"
        print(f"{mark} {info.number:>3}  {when:<19}  {info.published_by or '-':<12}  "
              f"{info.content_hash[:10]}  {info.message}")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from runtime.errors import HandbookError
    from runtime.versions.diff import diff_trees, raw_diff

    repo = _repo(args)
    try:
        a_rules, a_forms = _tree(repo, args.a)
        b_rules, b_forms = _tree(repo, args.b)
    except HandbookError as exc:
        print(f"handbook diff: {exc}", file=sys.stderr)
        return 2
    changes = diff_trees(a_rules, a_forms, b_rules, b_forms)
    for change in changes:
        print(change.sentence(args.lang))
    if not changes:
        print("无变化" if args.lang == "zh" else "no changes")
    if not args.plain:
        print()
        print(raw_diff(a_rules, a_forms, b_rules, b_forms), end="")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from runtime.compiler.pipeline import DEFAULT_FORMS, DEFAULT_RULES
    from runtime.errors import HandbookError, RuleErrors, StaleBase

    repo = _repo(args)
    by = args.by or getpass.getuser()
    try:
        info = repo.publish(args.rules or DEFAULT_RULES, args.forms or DEFAULT_FORMS,
                            message=args.message, by=by, base=args.base)
    except RuleErrors as exc:
        for error in exc.errors:
            print(error.cli_line())
        print(f"publish refused: {len(exc.errors)} error(s); version "
              f"{repo.current_number()} stays live", file=sys.stderr)
        return 1
    except StaleBase as exc:
        print(f"publish refused: {exc}", file=sys.stderr)
        for v in exc.since:
            print(f"  published meanwhile: version {v.number} by {v.published_by}: {v.message}",
                  file=sys.stderr)
        return 1
    except HandbookError as exc:
        print(f"publish refused: {exc}", file=sys.stderr)
        return 1
    print(f"published version {info.number} ({info.content_hash[:10]}): {info.message}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from runtime.errors import HandbookError

    repo = _repo(args)
    try:
        info = repo.rollback(args.version, by=args.by or getpass.getuser(), message=args.message)
    except HandbookError as exc:
        print(f"rollback refused: {exc}", file=sys.stderr)
        return 1
    print(f"published version {info.number} = version {args.version}")
    return 0
