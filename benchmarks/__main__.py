"""Run the benchmarks: ``python -m benchmarks [NAME ...] [--quick]``."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys

import attrs

import benchmarks
from benchmarks import REGISTRY, Run


def _load_all() -> None:
    for module in pkgutil.iter_modules(benchmarks.__path__):
        if module.name.startswith("bench_"):
            importlib.import_module(f"benchmarks.{module.name}")


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks and print one JSON object per line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="run benchmarks whose name starts with NAME")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data")
    parser.add_argument("--list", action="store_true", help="list the benchmark names")
    args = parser.parse_args(argv)
    _load_all()
    selected = [
        name
        for name in sorted(REGISTRY)
        if not args.names or any(name.startswith(prefix) for prefix in args.names)
    ]
    if args.list:
        print("\n".join(selected))
        return 0
    if not selected:
        print(f"no benchmark matches {args.names}", file=sys.stderr)
        return 2
    run = Run(scale=0.1 if args.quick else 1.0)
    for name in selected:
        print(f"running {name} ...", file=sys.stderr)
        for result in REGISTRY[name](run):
            print(json.dumps(attrs.asdict(result)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
