"""Every benchmark still runs and reports in the documented format, on tiny data.

This checks the benchmarks' code, never their figures: no timing is asserted
(speed is read from ``python -m benchmarks``). A benchmark that a change broke
(say, a command that now refuses the benchmark's data) fails here, not in the
next full benchmark run.
"""

from __future__ import annotations

import json
import math

import attrs
import pytest
from benchmarks import REGISTRY, Result, Run
from benchmarks.__main__ import _load_all

_load_all()
TINY = Run(scale=0.002, repeats=1)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_each_benchmark_runs_and_reports_one_json_line_per_result(name: str) -> None:
    results = REGISTRY[name](TINY)
    assert results, f"{name} reported nothing"
    for result in results:
        assert isinstance(result, Result)
        assert result.benchmark == name
        assert result.n > 0
        assert math.isfinite(result.value)
        assert result.baseline is None or math.isfinite(result.baseline)
        assert result.ratio is None or math.isfinite(result.ratio)
        assert result.target
        line = json.loads(json.dumps(attrs.asdict(result)))
        assert set(line) >= {"benchmark", "n", "value", "unit", "baseline", "ratio", "met"}
