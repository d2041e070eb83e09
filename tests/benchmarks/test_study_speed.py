"""Speed of the README's default study (pytest-benchmark; no timed assertions).

The study: every variant at its defaults, 32 seeds, N(4, 1.25), 20,000 generator steps,
on all CPU cores. Target on the 2-core reference machine: <= 3 minutes. Run:

    pytest tests/benchmarks/test_study_speed.py -m "benchmark and slow" --benchmark-enable

The measured figures are in docs/studies.md.
"""

from __future__ import annotations

import itertools

import pytest

from ganzoo.study import Study, run_study

_rounds = itertools.count()


@pytest.mark.slow
@pytest.mark.benchmark(group="study")
def test_default_study(benchmark, tmp_path):
    study = Study(settings=["all"], seeds=32, targets=["gaussian:4,1.25"])

    def fresh_folder():
        return (study, tmp_path / f"round{next(_rounds)}"), {"progress": False}

    result = benchmark.pedantic(run_study, setup=fresh_folder, rounds=1, iterations=1)
    assert result.trained == 7 * 32
