"""Speed of the README's default study (pytest-benchmark; no timed assertions).

The README's main job: every variant at its defaults and at its recommended setting (14
settings), 32 seeds, N(4, 1.25), 20,000 generator steps, on all CPU cores, into a fresh
folder (training only: the report is not written). Goal on the 2-core machine (issue #15):
<= 90 s. Run (about 3 minutes):

    pytest tests/benchmarks/test_study_speed.py -m "benchmark and slow" --benchmark-enable \
        --benchmark-json=benchmarks/study.json -p no:cacheprovider

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
    study = Study(settings=["all", "all:recommended"], seeds=32, targets=["gaussian:4,1.25"])

    def fresh_folder():
        return (study, tmp_path / f"round{next(_rounds)}"), {"progress": False}

    result = benchmark.pedantic(run_study, setup=fresh_folder, rounds=1, iterations=1)
    assert result.trained == 14 * 32
