"""The import corpus benchmark: per fragment, are the role, duty and step counts exact?

`benchmarks/import_corpus/manifest.yaml` lists handbook fragments written for the benchmark
(Simplified and Traditional, .txt and .docx, with noise) and their true counts, read by hand.
`run()` imports each fragment as `handbook import` does and compares; `handbook bench import`
prints the result. Goal: ≥ 95 % of fragments exact, 100 % of characters placed or reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from runtime.importer import ImportResult, preview, read_source, validate
from runtime.importer.normalise import to_simplified
from runtime.importer.segment import LAYOUT_CHARS

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "import_corpus"
GOAL_EXACT = 0.95


def _same(a: str | None, b: str | None) -> bool:
    """Titles compared as recognised: Traditional and Simplified forms are the same title."""
    if a is None or b is None:
        return a is b
    return to_simplified(a) == to_simplified(b)


def _role_facts(result: ImportResult, role: dict[str, Any],
                titles: dict[str, str]) -> dict[str, Any]:
    boss = role.get("reports_to") or []
    return {
        "title": role["title"],
        "duties": len(role["duties"]),
        "work-content": len(role.get("work_content") or []),
        "routine": len(role.get("routine") or []),
        "headcount": role.get("headcount"),
        "reports-to": titles.get(boss[0], boss[0]) if boss else None,
        "purpose": bool(role.get("purpose")),
        "scope": bool(role.get("scope")),
        "references": len(role.get("references") or []),
    }


def compare(expected: dict[str, Any], result: ImportResult,
            titles: dict[str, str]) -> list[str]:
    """What differs between a fragment's true counts and what the import found ([] = exact)."""
    diffs: list[str] = []
    want_roles = expected.get("roles") or []
    got_roles = [_role_facts(result, r, titles) for r in result.roles]
    if len(want_roles) != len(got_roles):
        diffs.append(f"roles: {len(got_roles)} found, {len(want_roles)} expected "
                     f"({', '.join(r['title'] for r in got_roles) or 'none'})")
    for want, got in zip(want_roles, got_roles, strict=False):
        for key, value in want.items():
            have = got.get(key)
            ok = _same(str(have) if have is not None else None,
                       str(value) if value is not None else None) \
                if key in ("title", "reports-to") else have == value
            if not ok:
                diffs.append(f"{want['title']}.{key}: {have!r}, expected {value!r}")
    want_procs = expected.get("procedures") or []
    if len(want_procs) != len(result.procedures):
        diffs.append(f"procedures: {len(result.procedures)} found, {len(want_procs)} expected")
    for want, got in zip(want_procs, result.procedures, strict=False):
        if not _same(got["title"], want["title"]):
            diffs.append(f"procedure title {got['title']!r}, expected {want['title']!r}")
        if len(got["steps"]) != want["steps"]:
            diffs.append(f"{want['title']}.steps: {len(got['steps'])}, expected {want['steps']}")
    dc = expected.get("document-control")
    if dc is not None:
        got_dc = result.document_control or {}
        for key, value in dc.items():
            if got_dc.get(key) != value:
                diffs.append(f"{key}: {got_dc.get(key)!r}, expected {value!r}")
    return diffs


def accounted(result: ImportResult) -> tuple[int, int]:
    """(content characters, of those placed or reported in an unplaced passage)."""
    text = result.text
    placed = result.placed_mask
    reported = bytearray(len(text))
    for u in result.unplaced:
        reported[u.start:u.end] = b"\x01" * (u.end - u.start)
    content = [i for i, ch in enumerate(text) if ch not in LAYOUT_CHARS]
    return len(content), sum(1 for i in content if placed[i] or reported[i])


def run(corpus: Path | str = CORPUS, *, check: bool = False) -> dict[str, Any]:
    """Import every fragment of the corpus; per-fragment exactness and corpus totals."""
    root = Path(corpus)
    manifest = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    for entry in manifest["fragments"]:
        text = read_source(root / entry["file"])
        result = preview(text, source=entry["file"])
        titles = {d.id: d.title for d in result.documents if d.kind == "role"}
        from runtime.importer import registry_for

        titles = {**{v: k for k, v in registry_for().tree_roles.items()}, **titles}
        diffs = compare(entry, result, titles)
        content, ok_chars = accounted(result)
        row: dict[str, Any] = {
            "file": entry["file"], "script": entry.get("script"), "shapes": entry.get("shapes"),
            "exact": not diffs, "differences": diffs, "kind": result.kind,
            "roles": [len(r["duties"]) for r in result.roles],
            "procedures": [len(p["steps"]) for p in result.procedures],
            "chars": content, "placed_or_reported": ok_chars,
            "placed": result.coverage["placed"], "unplaced_passages": len(result.unplaced),
        }
        if check:
            row["check_errors"] = [e.cli_line() for e in validate(result)]
        rows.append(row)
    exact = sum(1 for r in rows if r["exact"])
    chars = sum(r["chars"] for r in rows)
    ok = sum(r["placed_or_reported"] for r in rows)
    totals: dict[str, Any] = {
        "fragments": len(rows), "exact": exact,
        "exact_share": round(exact / len(rows), 4) if rows else 0.0,
        "chars": chars, "placed_or_reported": ok,
        "accounted_share": round(ok / chars, 4) if chars else 1.0,
        "goal_exact": GOAL_EXACT,
        "goal_met": bool(rows) and exact / len(rows) >= GOAL_EXACT and ok == chars,
    }
    if check:
        totals["drafts_failing_check"] = sum(1 for r in rows if r["check_errors"])
        totals["goal_met"] = totals["goal_met"] and totals["drafts_failing_check"] == 0
    return {"fragments": rows, "totals": totals}
