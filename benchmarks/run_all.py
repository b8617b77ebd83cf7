"""`make bench`: run every benchmark in benchmarks/ (each prints ratios against its baseline)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each benchmarks/bench_*.py module's main() in turn."""
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {path.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        try:
            code = module.main([])
        except Exception as exc:  # one broken benchmark must not hide the others
            print(f"{path.stem} failed: {exc!r}")
            code = 1
        failures += bool(code)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
