"""Speed as a user meets it (the goals of docs/engine.md): fresh processes, public API,
compilation or loading compiled code included, against the reference program in the same run.

Run with (about 20 minutes on two cores; deselected from the default test run):

    pytest tests/benchmarks/test_fresh_process.py -m benchmark --benchmark-enable \\
        --benchmark-json=benchmarks/fresh-process.json -p no:cacheprovider

Each round starts a fresh interpreter for the reference program (20,000 steps) and one for
the case (``benchmarks/fresh_process.py``: the process's first fit, then a later one); the
benchmarked time is the case's whole process (interpreter start, imports and both fits), and
``extra_info["row"]`` holds the medians that docs/engine.md's table shows: each fit's seconds
and ratio ``members x reference / fit`` (the fit call alone, as the reference is timed), and
the peak memory. ``python -m benchmarks.fresh_process --from-json`` prints that table.
Nothing here asserts a time.
"""

from __future__ import annotations

import pytest

from benchmarks.fresh_process import CASES, fit_case, reference_seconds, summary

pytestmark = pytest.mark.benchmark


@pytest.mark.parametrize("case", CASES)
def test_fresh_process(benchmark, case):
    references, fits = [], []

    def reference() -> None:  # pedantic's setup: before each round, not timed
        references.append(reference_seconds())

    def fit() -> None:
        fits.append(fit_case(case))

    rounds = 1 if case.split()[1] == "1024" else 3
    benchmark.pedantic(fit, setup=reference, rounds=rounds, warmup_rounds=0)
    row = summary(case, references, fits)
    benchmark.extra_info.update(row=row, rounds=fits, references=references)
    assert row["trains_with"] in {"numba", "fused", "autograd"}
