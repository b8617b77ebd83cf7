"""Draft rule files: YAML text with the editor schema header, a draft version and document control.

Every draft carries `version: 0.1.0`; `drafted-by` / `reviewed-by` / `approved-by` are the
source's 编制 / 审核 / 批准 when it states them, else `importer` and empty (pending), so nothing
imported looks reviewed or approved unless the handbook says it was.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from runtime.importer.core import Document

DRAFT_VERSION = "0.1.0"
DRAFTED_BY = "importer"
PENDING = None  # an empty 审核 / 批准: not yet given (the rule language's pending value)
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "compiler" / "schemas"
PROJECT = SCHEMA_DIR.parents[2]
# Sub-directory of a draft set per kind; forms go beside the rules in their own folder.
SUBDIR = {"role": "roles", "procedure": "procedures", "schedule": "schedules", "form": "forms"}
# Where drafts are meant to go in a project (used for the schema path in previews).
DEFAULT_PLACEMENT = {
    "role": "rules/company/imported/roles",
    "procedure": "rules/company/imported/procedures",
    "schedule": "rules/company/imported/schedules",
    "form": "forms/imported",
}


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, long Chinese lines kept whole."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        """Indent list items under their key (`duties:` then `  - no: 1`)."""
        super().increase_indent(flow, False)

    def resolve(self, kind: type, value: Any, implicit: Any) -> Any:
        """The tag a scalar would be read back as; `no` stays text."""
        # The duty key `no:` is text to our loader (YAML 1.2 booleans), as in the shipped
        # rules; keep it unquoted. Everything else keeps PyYAML's cautious quoting.
        if kind is yaml.ScalarNode and value == "no":
            return "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Clock times stay quoted ("08:30"), as docs/RULES.md asks, whatever PyYAML would do.
    style = "|" if "\n" in value else "'" if re.fullmatch(r"\d{2}:\d{2}", value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def file_name(doc: Document) -> str:
    """The draft's path inside a draft set: roles/<id>.yaml, forms/<id>.yaml …"""
    return f"{SUBDIR[doc.kind]}/{doc.id}.yaml"


def header(doc: Document, property: str | None, effective: date) -> dict[str, Any]:
    """The header keys every rule file carries, filled in as a draft."""
    out: dict[str, Any] = {
        "kind": doc.kind,
        "id": doc.id,
        "title": doc.title,
        "version": DRAFT_VERSION,
        "effective": effective.isoformat(),
        "drafted-by": doc.control.get("drafted-by", DRAFTED_BY),
        "reviewed-by": doc.control.get("reviewed-by", PENDING),
        "approved-by": doc.control.get("approved-by", PENDING),
    }
    if property:
        out["property"] = property
    return out


def schema_ref(kind: str, directory: Path | str) -> str:
    """The relative path from a draft's directory to its kind's JSON Schema (for editors)."""
    target = SCHEMA_DIR / f"{kind}.schema.json"
    base = Path(directory)
    if not base.is_absolute():
        # A preview's placement (rules/company/imported/roles) is inside the project.
        base = PROJECT / base
    return Path(os.path.relpath(target, base.resolve())).as_posix()


def render(doc: Document, property: str | None, effective: date, directory: Path | str,
           source: str = "") -> str:
    """The YAML text of a draft placed in `directory`."""
    data = {**header(doc, property, effective), **doc.body}
    lines = [f"# yaml-language-server: $schema={schema_ref(doc.kind, directory)}",
             f"# Draft written by `handbook import`{f' from {source}' if source else ''}:"
             " review before publishing."]
    lines += [f"# {c}" for c in doc.comments]
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100,
                     default_flow_style=False)
    return "\n".join(lines) + "\n" + body


def write(docs: list[Document], out: Path, property: str | None, effective: date,
          source: str = "") -> list[Path]:
    """Write every draft under `out` (roles/, procedures/, schedules/, forms/); returns paths."""
    written = []
    for doc in docs:
        # Resolved against the working directory, as the user typed --out: the schema path
        # in the header then points at the schemas from wherever the drafts land.
        path = (out / file_name(doc)).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(doc, property, effective, path.parent, source), encoding="utf-8")
        written.append(path)
    return written
