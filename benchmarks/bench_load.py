"""Load + validate time of the shipped rules and of a generated rule set 100x larger.

The large set is the shipped tree copied N times with every rule id renamed per copy (so each
copy is a full, valid, cross-referenced handbook), sharing one company rule and calendar.
Prints both times and the growth factor per file: close to 1.0 means linear.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.compiler.loader import iter_rule_files, load_text  # noqa: E402
from runtime.compiler.pipeline import compile_tree  # noqa: E402

SHARED_KINDS = {"company", "calendar"}


def _ids(rules: Path, forms: Path) -> list[str]:
    ids = set()
    for path in iter_rule_files(rules, forms):
        data, _ = load_text(path.read_text(encoding="utf-8"), path.name)
        if data and data.get("kind") not in SHARED_KINDS and isinstance(data.get("id"), str):
            ids.add(data["id"])
    return sorted(ids, key=len, reverse=True)


def generate(dest: Path, copies: int) -> tuple[Path, Path]:
    """Write `copies` renamed copies of the shipped tree under dest; returns (rules, forms)."""
    rules, forms = ROOT / "rules", ROOT / "forms"
    ids = _ids(rules, forms)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])")
    out_rules, out_forms = dest / "rules", dest / "forms"
    shutil.copytree(forms / "templates", out_forms / "templates")
    files = list(iter_rule_files(rules, forms))
    for k in range(copies):
        for path in files:
            text = path.read_text(encoding="utf-8")
            kind = re.search(r"^kind: (\S+)", text, re.M)
            if kind and kind.group(1) in SHARED_KINDS:
                if k == 0:
                    target = out_rules / path.relative_to(rules)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(text, encoding="utf-8")
                continue
            # Copy 0 keeps the shipped ids, which the shared company rule refers to.
            renamed = text if k == 0 else pattern.sub(lambda m, k=k: f"{m.group(1)}-k{k}", text)
            # Template file names are shared, not renamed.
            renamed = re.sub(r"(template: \S+?)-k\d+(\.html\.j2)", r"\1\2", renamed)
            base = rules if path.is_relative_to(rules) else forms
            outb = out_rules if base == rules else out_forms
            target = outb / f"copy{k}" / path.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(renamed, encoding="utf-8")
    return out_rules, out_forms


def _time(rules: Path, forms: Path, repeat: int) -> tuple[float, int, int]:
    runs = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = compile_tree(rules, forms)
        runs.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(runs), len(result.files), len(result.errors)


def run(copies: int = 100, repeat: int = 5) -> dict[str, float | int]:
    """Measure both sets in one run; returns the figures."""
    base_s, base_files, base_errors = _time(ROOT / "rules", ROOT / "forms", repeat)
    with tempfile.TemporaryDirectory() as tmp:
        rules, forms = generate(Path(tmp), copies)
        big_s, big_files, big_errors = _time(rules, forms, max(1, repeat // 5))
    per_file_growth = (big_s / big_files) / (base_s / base_files)
    return {
        "shipped_files": base_files,
        "shipped_ms": round(base_s * 1000, 1),
        "shipped_errors": base_errors,
        "large_files": big_files,
        "large_ms": round(big_s * 1000, 1),
        "large_errors": big_errors,
        "size_ratio": round(big_files / base_files, 1),
        "time_ratio": round(big_s / base_s, 1),
        "per_file_growth": round(per_file_growth, 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the load benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.copies)
    if args.json:
        print(json.dumps(figures))
    else:
        print("load + validate (handbook check)")
        for key, value in figures.items():
            print(f"  {key:>16}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
