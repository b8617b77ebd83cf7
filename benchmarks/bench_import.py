"""Import accuracy on the handbook corpus, and import speed against plain segmentation.

Accuracy (the goal): fragments of `benchmarks/import_corpus/` with exact role/duty/step counts
(≥ 95 %) and content characters placed or reported (100 %). Speed is printed as a ratio against
a baseline measured in the same run: `segment()` alone over the same texts (the importer does
that and much more: conversion, noise, two readers, drafts). Run:
`.venv/bin/python benchmarks/bench_import.py [--json]` (also `handbook bench import`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from runtime.importer import preview, read_source
from runtime.importer.bench import CORPUS, run
from runtime.importer.segment import segment


def main(argv: list[str] | None = None) -> int:
    """Print accuracy totals and the speed ratio; exit 1 when the accuracy goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    totals = run()["totals"]
    import yaml

    files = [f["file"] for f in yaml.safe_load(
        (CORPUS / "manifest.yaml").read_text(encoding="utf-8"))["fragments"]]
    texts = [read_source(CORPUS / f) for f in files]
    t0 = time.perf_counter()
    for text in texts:
        segment(text)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    for text in texts:
        preview(text)
    full = time.perf_counter() - t0
    out = {**totals, "import_seconds": round(full, 3), "segment_seconds": round(base, 4),
           "import_vs_segment": round(full / base, 1) if base else None}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for key, value in out.items():
            print(f"{key:>20}: {value}")
    return 0 if totals["goal_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
