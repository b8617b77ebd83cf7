"""README and docs/*.md tested against the code: commands, options, error codes, demo users."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from runtime.auth import DEMO_PASSWORD, demo_users
from runtime.cli import build_parser
from runtime.compiler.pipeline import load

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))  # docs/sources/** is the transcription record


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _readme_table_commands() -> list[str]:
    """The `handbook …` spans of the first column of README's command table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    out: list[str] = []
    for row in section.splitlines():
        if row.startswith("| `handbook"):
            first_cell = re.split(r"(?<!\\)\|", row)[1]
            out.extend(re.findall(r"`(handbook [^`]+)`", first_cell))
    return out


def _doc_block_commands() -> list[tuple[str, str]]:
    """(file, command) for each `handbook …` line inside a fenced block of README or docs/."""
    out = []
    for path in [README, *DOCS]:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
            for line in block.splitlines():
                line = line.strip().removeprefix("$ ")
                if line.startswith("handbook "):
                    out.append((path.name, line.split("  #")[0].strip()))
    return out


def _resolve(command: str) -> list[tuple[argparse.ArgumentParser, list[str]]]:
    """The sub-parsers a documented command names (`store|clocks` names two) and its options.

    Fails the test when a sub-command or an option does not exist in the parser.
    """
    text = command.replace("\\|", "|")
    tokens = text.split()
    assert tokens[0] == "handbook", command
    options = re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text)
    parsers = [build_parser()]
    for token in tokens[1:]:
        if not all(_subcommands(p) for p in parsers):
            break
        names = token.split("|")
        nxt: list[argparse.ArgumentParser] = []
        for p in parsers:
            subs = _subcommands(p)
            missing = [n for n in names if n not in subs]
            assert not missing, f"{command!r}: no sub-command {missing} (have {sorted(subs)})"
            nxt.extend(subs[n] for n in names)
        parsers = nxt
    return [(p, options) for p in parsers]


def test_readme_table_lists_commands() -> None:
    assert len(_readme_table_commands()) >= 10


@pytest.mark.parametrize("command", _readme_table_commands())
def test_readme_command_exists_in_the_parser(command: str) -> None:
    for parser, options in _resolve(command):
        assert not _subcommands(parser), f"{command!r} stops before a sub-command"
        for option in options:
            assert option in parser._option_string_actions, f"{command!r}: no option {option}"


def test_readme_table_covers_every_subcommand() -> None:
    named = {c.replace("\\|", "|").split()[1] for c in _readme_table_commands()}
    top = set(_subcommands(build_parser()))
    assert top <= {n for part in named for n in part.split("|")}, top - named


@pytest.mark.parametrize("where, command", _doc_block_commands())
def test_doc_example_command_parses(where: str, command: str) -> None:
    for parser, options in _resolve(command):
        for option in options:
            assert option in parser._option_string_actions, f"{where}: {command!r}: {option}"


def _codes_in_code() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "runtime").rglob("*.py"):
        codes |= set(re.findall(r"[\"'](E\d{3})[\"']", path.read_text(encoding="utf-8")))
    return codes


def test_rules_doc_lists_every_error_code() -> None:
    table = set(re.findall(r"^\| (E\d{3}) \|", (ROOT / "docs/RULES.md").read_text(
        encoding="utf-8"), re.M))
    assert table == _codes_in_code()


def test_stats_keys_in_rules_doc() -> None:
    from dataclasses import fields

    from runtime.compiler.pipeline import check

    text = (ROOT / "docs/RULES.md").read_text(encoding="utf-8")
    section = text.split("`handbook stats [--json]` counts", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"`(\w+)`", section))
    assert documented == {f.name for f in fields(check().stats)}


def test_demo_users_doc_matches_the_accounts() -> None:
    text = (ROOT / "docs/DEMO_USERS.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([\w.]+)` \| `(\w+)` \| [^|]+ \| [^|(]+\(`([\w-]+)`\) \|", text, re.M)
    documented = {(user, password, role) for user, password, role in rows}
    actual = {(d.user.username, d.password, d.user.roles[0]) for d in demo_users(load())}
    assert documented == actual
    readme = README.read_text(encoding="utf-8")
    assert f"**`{DEMO_PASSWORD}`**" in readme
    assert all(f"`{user}`" in readme for user, _, _ in actual)


def test_doc_links_resolve() -> None:
    for path in [README, *DOCS]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            assert (path.parent / target).exists(), f"{path.name}: broken link {target}"


def test_doc_paths_named_in_backticks_exist() -> None:
    # `runtime/…`, `tests/…`, `benchmarks/…`, `docs/…` paths in the docs point at real files.
    pattern = re.compile(r"`((?:runtime|tests|benchmarks|docs)/[\w./-]+?)(?::[^`]*)?`")
    for path in [README, *DOCS]:
        for target in pattern.findall(path.read_text(encoding="utf-8")):
            if "*" in target or "<" in target:
                continue
            assert (ROOT / target).exists(), f"{path.name}: no such path {target}"


def test_scenarios_doc_example_runs_as_printed(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from runtime.cli import main

    text = (ROOT / "docs/SCENARIOS.md").read_text(encoding="utf-8")
    example = re.search(r"## Example\n\n```yaml\n(.*?)```", text, re.S)
    printout = re.search(r"Printout \(abridged\):\n\n```\n(.*?)```", text, re.S)
    assert example and printout
    path = tmp_path / "x.yaml"
    path.write_text(example[1], encoding="utf-8")
    assert main(["scenario", str(path)]) == 0
    out = capsys.readouterr().out
    # Every line the doc shows (the elided `…` aside) is printed, apart from the file name.
    for line in printout[1].splitlines():
        if "…" in line:
            continue
        if line.startswith("tests/scenarios/x.yaml"):
            line = line.replace("tests/scenarios/x.yaml", str(path))
        assert line in out, line
