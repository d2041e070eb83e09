"""Speed as a user meets it (the goals of docs/engine.md): fresh processes, public API,
compilation or loading compiled code included, against the reference program in the same run.

Run with (about 20 minutes on two cores; deselected from the default test run):

    pytest tests/benchmarks/test_fresh_process.py -m benchmark --benchmark-enable \\
        --benchmark-json=benchmarks/fresh-process.json -p no:cacheprovider

Each round starts a fresh interpreter for the reference program (20,000 steps) and one for
the case (``benchmarks/fresh_process.py``); the benchmarked time is the case's whole process
(interpreter start and imports included), and ``extra_info`` holds each round's ratio
``members x reference / fit`` (the fit call alone, as the reference is timed) and the peak
memory.
Nothing here asserts a time.
"""

from __future__ import annotations

import statistics

import pytest

from benchmarks.fresh_process import CASES, fit_case, reference_seconds

pytestmark = pytest.mark.benchmark


@pytest.mark.parametrize("case", CASES)
def test_fresh_process(benchmark, case):
    references, ratios, peaks, engines = [], [], [], []

    def reference() -> None:  # pedantic's setup: before each round, not timed
        references.append(reference_seconds())

    def fit() -> None:
        result = fit_case(case)
        ratios.append(int(case.split()[1]) * references[-1] / result["seconds"])
        peaks.append(result["peak_mib"])
        engines.append(result["trains_with"])

    rounds = 1 if case.split()[1] == "1024" else 3
    benchmark.pedantic(fit, setup=reference, rounds=rounds, warmup_rounds=0)
    benchmark.extra_info.update(
        case=case,
        trains_with=engines[0],
        times_reference_median=statistics.median(ratios),
        times_reference=ratios,
        peak_mib_median=statistics.median(peaks),
    )
