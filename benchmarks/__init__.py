"""leadcore's benchmarks: ``python -m benchmarks [NAME] [--quick]``.

Each benchmark is a function registered with :func:`benchmark`; it receives a
:class:`Run` (scale and seed) and returns a :class:`Result`. The runner prints
one JSON object per result on standard output and nothing else. Ratios against
a baseline measured in the same run are what count; absolute times are context.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["REGISTRY", "Result", "Run", "benchmark", "median_time"]


@attrs.frozen
class Run:
    """How a benchmark should run: ``scale`` 1.0 for the full size, 0.1 with --quick."""

    scale: float = 1.0
    seed: int = 20261127
    repeats: int = 5

    def size(self, full: int) -> int:
        """``full`` scaled down for a quick run (at least 1)."""
        return max(1, int(full * self.scale))


@attrs.frozen
class Result:
    """One line of the JSON report."""

    benchmark: str
    n: int
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    target: str
    met: bool
    details: dict[str, Any] = attrs.Factory(dict)


BenchmarkFn = Callable[[Run], list[Result]]
REGISTRY: dict[str, BenchmarkFn] = {}


def benchmark(name: str) -> Callable[[BenchmarkFn], BenchmarkFn]:
    """Register ``fn`` under ``name`` (names start with the area, e.g. ``criteria.``)."""

    def register(fn: BenchmarkFn) -> BenchmarkFn:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = fn
        return fn

    return register


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
