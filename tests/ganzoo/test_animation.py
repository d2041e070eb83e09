"""The film of training: snapshots at every check, frames, writers, and the store's copy."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from matplotlib import animation
from PIL import Image

from ganzoo import VanillaGAN, WGAN
from ganzoo._history import History
from ganzoo._streams import Stream, standard_normal
from ganzoo._traces import SNAPSHOT_POINTS
from ganzoo.study import Store, Study, run_study
from ganzoo.study._cell import run_cell


def frames(path) -> int:
    with Image.open(path) as image:
        return image.n_frames


def test_a_default_run_films_one_frame_per_check(tmp_path):
    gan = VanillaGAN(seed=0)
    gan.fit(progress=False)  # 20,000 steps, a check every 1,000
    snapshots = gan.history.snapshots
    assert snapshots.scores.shape == (20, 201) and snapshots.samples.shape == (20, SNAPSHOT_POINTS, 1)
    assert frames(gan.animate(tmp_path / "run.gif")) == 20


def test_snapshots_are_the_checks_own_points_and_d_on_the_grid():
    gan = WGAN(seeds=range(2))
    gan.fit(steps=40, eval_every=20, progress=False)
    trainer, snapshots = gan.trainer, gan.history.snapshots
    assert snapshots.samples.shape == (2, 2, SNAPSHOT_POINTS, 1)
    np.testing.assert_array_equal(snapshots.scores[:, -1], gan.discriminate(snapshots.grid).astype(np.float32))
    # The last check (the last step): the first points of the fixed evaluation sample.
    noise = torch.as_tensor(standard_normal(gan.seeds, Stream.EVALUATION, (2000, 1)), dtype=torch.float32)
    np.testing.assert_array_equal(snapshots.samples[:, -1], trainer.generate(noise)[:, :SNAPSHOT_POINTS].astype(np.float32))
    twin = History.from_state(trainer.history.to_state(), members=2)
    np.testing.assert_array_equal(twin.snapshots.samples, snapshots.samples)


def test_2d_films_and_an_ensemble_member(tmp_path):
    gan = VanillaGAN(seeds=range(2))
    gan.fit("ring", steps=40, eval_every=10, progress=False)
    assert gan.history.snapshots.scores.shape == (2, 4, 41 * 41)
    assert frames(gan.animate(tmp_path / "ring.gif", member=1)) == 4
    with pytest.raises(ValueError, match="member must be < 2"):
        gan.animate(tmp_path / "x.gif", member=2)


def test_writers_and_their_errors(tmp_path):
    gan = VanillaGAN(seed=0)
    with pytest.raises(RuntimeError, match="needs a built GAN"):
        gan.animate(tmp_path / "x.gif")
    gan.fit(steps=20, eval_every=0, progress=False)
    with pytest.raises(ValueError, match="eval_every > 0"):
        gan.animate(tmp_path / "x.gif")
    gan.fit(steps=20, eval_every=10, progress=False)
    with pytest.raises(ValueError, match=r"must end in \.gif or \.mp4, got .*x\.png"):
        gan.animate(tmp_path / "x.png")
    if animation.writers.is_available("ffmpeg"):
        assert gan.animate(tmp_path / "x.mp4").stat().st_size > 0
    else:
        with pytest.raises(RuntimeError, match="needs ffmpeg on the PATH"):
            gan.animate(tmp_path / "x.mp4")


def test_a_study_stores_each_runs_film_and_animate_draws_it(tmp_path):
    study = Study(settings=["vanilla"], seeds=2, steps=60, eval_every=20, final_samples=200, stored_samples=50)
    run_study(study, tmp_path / "s", workers=1, progress=False)
    with Store.open(tmp_path / "s") as store:
        steps, stored = store.snapshots("vanilla", "gaussian:4,1.25", 1)
        assert store.snapshots("vanilla", "gaussian:4,1.25", 7) is None
    (cell,) = study.cells()
    direct = run_cell(study, cell)[1].snapshots
    assert steps == [20, 40, 60]
    np.testing.assert_array_equal(stored.samples, direct.samples)
    np.testing.assert_array_equal(stored.scores, direct.scores)
    command = [sys.executable, "-m", "ganzoo", "animate", str(tmp_path / "s"), "--setting", "vanilla", "--seed", "1"]
    done = subprocess.run([*command, "--output", str(tmp_path / "v.gif")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "3 frames" in done.stderr and frames(tmp_path / "v.gif") == 3
    bad = subprocess.run([*command, "--output", str(tmp_path / "v.txt")], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "must end in .gif or .mp4" in bad.stderr
