"""Run every bench/bench_*.py module and print its figures: `python -m bench [name ...]`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

import bench


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    print(f"{'figure':<58} {'value':>12} {'unit':<8} {'target':<26} result")
    failed = 0
    for name in names:
        try:
            figures = importlib.import_module(f"bench.{name}").run()
        except Exception:  # noqa: BLE001 - report and go on with the other benchmarks
            traceback.print_exc()
            failed += 1
            continue
        for fig in figures:
            print(fig.row(), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
