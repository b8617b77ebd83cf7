"""`handbook` console command: one module per sub-command, registered below."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from runtime.errors import HandbookError

# Each module defines `register(subparsers)`; the sub-parser's `func(args) -> int` runs it.
# Append a module here to add a sub-command; modules are imported lazily per run.
COMMANDS: list[str] = [
    "runtime.cli.cmd_check",
    "runtime.cli.cmd_bench",
    "runtime.cli.cmd_versions",
    "runtime.cli.cmd_engine",
    "runtime.cli.cmd_import",
    "runtime.cli.cmd_forms",
    "runtime.cli.cmd_worker",
    "runtime.cli.cmd_db",
    "runtime.cli.cmd_roster",
    "runtime.cli.cmd_backup",
    "runtime.cli.cmd_demo",
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(prog="handbook", description="Handbook rules and documents")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
    except KeyboardInterrupt:
        return 130
    except HandbookError as exc:
        # Damage, an unreachable database, a refused rule set: a sentence, never a traceback.
        print(f"handbook {args.command}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `handbook ... | head` closed the pipe: stop quietly instead of a traceback, and
        # point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
