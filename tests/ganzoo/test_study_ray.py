"""The Ray backend: the same study on a local Ray instance stores the same results.

Ray is an optional extra (pip install 'ganzoo[ray]'); without it this module is skipped.
Run it with: python -m pytest -m ray (marked slow too, so the default run never starts Ray)
"""

from __future__ import annotations

import pytest

from ganzoo.study import Store, Study, equal_runs, run_study

ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.ray, pytest.mark.slow]  # starts Ray: not in the default run

STUDY = dict(
    settings=["vanilla", "lsgan:lr=0.001"],
    seeds=3,
    targets=["gaussian:4,1.25", "uniform:0,1"],
    steps=40,
    eval_every=20,
    eval_samples=200,
    final_samples=400,
    stored_samples=200,
    grid_points=11,
)


def test_ray_backend_stores_what_the_local_backend_stores(tmp_path):
    study = Study(**STUDY)
    result = run_study(study, tmp_path / "ray", backend="ray", workers=2, progress=False)
    assert (result.trained, result.total) == (12, 12)
    assert not ray.is_initialized()  # the instance it started is shut down again
    run_study(study, tmp_path / "local", workers=1, progress=False)
    with Store.open(tmp_path / "ray") as on_ray, Store.open(tmp_path / "local") as here:
        assert equal_runs(on_ray.runs(), here.runs())
