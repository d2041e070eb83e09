"""Training on targets from anything: scipy.stats distributions, spec strings, the user's
own data (split into training and held-out rows), bare samplers and a point mass; through
the Python API, checkpoints, the command line and studies."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.stats
import torch

from evaluation import Empirical, Gaussian, PointMass, Ring, ScipyTarget, evaluate
from ganzoo import GAN, NonSaturatingGAN, VanillaGAN
from ganzoo._cli import main
from ganzoo._streams import STANDARDIZE_SAMPLES
from ganzoo.study import Study, load_runs, run_study

torch.set_num_threads(1)
DATA = np.random.default_rng(7).gamma(2.0, 1.5, size=(1000, 1))


class Sampler:
    """A target with only the protocol's required members."""

    dim = 1
    spec = "sampler:laplace"

    def sample(self, n, rng):
        return rng.laplace(4.0, 1.0, size=(n, 1))


class Documented(Sampler):
    """The members the old Target protocol documented: fit used to fail on cdf, skewness, logcdf."""

    mean, std = 4.0, 2**0.5

    def pdf(self, x):
        return 0.5 * np.exp(-np.abs(np.asarray(x) - 4.0))


def test_a_custom_target_with_the_documented_members_trains_and_reports_diverged_runs():
    gan = NonSaturatingGAN(seeds=[0, 1], standardize=True)
    history = gan.fit(Documented(), steps=10, eval_every=5, eval_samples=200)
    assert history.labels.shape == (2, 2) and np.isfinite(history.scores["ks_statistic"]).all()
    assert gan.trainer.standard_units.samples == STANDARDIZE_SAMPLES
    from ganzoo._member_reports import diverged_report

    report = diverged_report(Documented(), 200, step=3, reason="test")
    assert report["label"] == "diverged" and set(report) == set(evaluate(gan.sample(200)[0], Documented()).to_dict())


def test_a_frozen_scipy_distribution_is_an_exact_target():
    gan = NonSaturatingGAN(seed=0)
    history = gan.fit(scipy.stats.gamma(2, scale=1.5), steps=20, eval_every=20, eval_samples=500)
    assert isinstance(gan.trainer.target, ScipyTarget) and gan.trainer.scoring_target is gan.trainer.target
    x = gan.sample(500, seed=4)
    direct = scipy.stats.kstest(x[:, 0], scipy.stats.gamma(2, scale=1.5).cdf).statistic
    assert evaluate(x, scipy.stats.gamma(2, scale=1.5)).ks.statistic == pytest.approx(direct, abs=1e-12)
    assert history.scores["ks_statistic"].shape == (1,)


def test_spec_strings_and_bare_samplers_train():
    assert VanillaGAN(seed=0).fit("scipy:norm,loc=4,scale=1.25", steps=5, eval_every=5).labels.shape == (1,)
    assert VanillaGAN(seed=0).fit("ring", steps=5, eval_every=5).labels.shape == (1,)
    history = VanillaGAN(seed=0).fit(Sampler(), steps=5, eval_every=5, eval_samples=200)
    assert history.labels.shape == (1,) and "ks_statistic" in history.scores


def test_data_train_on_a_seeded_split_and_are_scored_on_the_held_out_rest():
    gan = NonSaturatingGAN(seeds=[0, 1], standardize=True)
    history = gan.fit(DATA, steps=10, eval_every=10, eval_samples=300, holdout=0.25)
    trainer = gan.trainer
    train, held_out = trainer.batches.target, trainer.scoring_target
    assert (train.n, held_out.n) == (750, 250)
    rows = {tuple(r) for r in DATA}
    assert {tuple(r) for r in train.data} | {tuple(r) for r in held_out.data} == rows
    assert not {tuple(r) for r in train.data} & {tuple(r) for r in held_out.data}
    # Standardized in units estimated from the training rows only, not from all the data.
    assert trainer.standard_units.samples == 750
    assert trainer.standard_units.location[0] == pytest.approx(train.data.mean())
    # The checks compare with the held-out rows: the same report as evaluating them directly.
    x = trainer.generate(torch.as_tensor(np.random.default_rng(0).standard_normal((2, 300, 1))))
    expected = evaluate(x[0], held_out).to_dict()
    assert expected["n_reference"] == 250 and history.scores["ks_statistic"].shape == (2, 1)
    # The same data and holdout give the same split (the seed is fixed).
    again = NonSaturatingGAN(seed=0).build(Empirical(DATA), holdout=0.25)
    np.testing.assert_array_equal(again.scoring_target.data, held_out.data)


def test_standardize_estimates_from_draws_not_the_exact_moments():
    gan = NonSaturatingGAN(seed=0, standardize=True)
    gan.build(Gaussian(4, 1.25))
    units = gan.trainer.standard_units
    assert units.samples == STANDARDIZE_SAMPLES and units.location[0] != 4.0 and units.scale[0] != 1.25
    with pytest.raises(ValueError, match="positive, finite spread"):
        NonSaturatingGAN(seed=0, standardize=True).build(PointMass(3.0))


def test_a_data_file_target_round_trips_through_a_checkpoint(tmp_path):
    path = tmp_path / "data.csv"
    np.savetxt(path, DATA, header="x", comments="", delimiter=",")
    gan = NonSaturatingGAN(seed=0, standardize=True)
    gan.fit(f"data:{path}", steps=10, eval_every=0, holdout=0.3)
    gan.save(tmp_path / "run.pt")
    loaded = GAN.load(tmp_path / "run.pt")
    assert loaded.trainer.holdout == 0.3 and loaded.trainer.scoring_target == gan.trainer.scoring_target
    np.testing.assert_array_equal(loaded.sample(50, seed=1), gan.sample(50, seed=1))
    in_memory = NonSaturatingGAN(seed=0)
    in_memory.fit(DATA, steps=5, eval_every=0)
    in_memory.save(tmp_path / "memory.pt")
    with pytest.raises(ValueError, match="cannot be rebuilt here .*pass the target it was trained on"):
        GAN.load(tmp_path / "memory.pt")
    assert GAN.load(tmp_path / "memory.pt", target=DATA).trainer.step_count == 5


def test_the_command_line_trains_on_a_data_file_and_records_the_units(tmp_path, capsys):
    path = tmp_path / "data.npy"
    np.save(path, DATA)
    out = tmp_path / "run"
    args = ["train", "vanilla", "--target", f"data:{path}", "--steps", "5", "--eval-every", "5", "--samples", "50"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["target"] == f"data:{path}" and "standardization" not in config
    report = json.loads((out / "report.json").read_text())
    assert report["n_reference"] == 200  # scored against the held-out 20 %


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("x\n1\n2\nabc\n", "row 4, column 1: 'abc' is not a number"),
        ("1,2\n3\n", "row 2"),
        ("1\nnan\n", "row 2"),
        ("1\n2\n3\n", "MIN_DATA_ROWS = 100 are needed"),
    ],
    ids=["missing", "non-numeric", "ragged", "nan", "too-few-rows"],
)
def test_a_bad_data_file_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, content, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    out = tmp_path / "run"
    assert main(["train", "vanilla", "--target", f"data:{path}", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err and message in err and str(path) in err
    assert not out.exists()
    study_out = tmp_path / "study"
    assert main(["compare", "--variants", "vanilla", "--target", f"data:{path}", "--out", str(study_out), "--quiet"]) == 2
    assert message in capsys.readouterr().err and not study_out.exists()


def test_a_study_file_trains_every_kind_of_target(tmp_path):
    path = tmp_path / "data.csv"
    np.savetxt(path, DATA, delimiter=",")
    study = Study(
        settings=["nonsaturating"], seeds=2, steps=20, eval_every=10, eval_samples=200, final_samples=300,
        stored_samples=100, targets=[f"data:{path}", "scipy:gamma,a=2,scale=1.5", "dirac:3"],
    )  # fmt: skip
    run_study(study, tmp_path / "study", workers=1, progress=False)
    definition, runs = load_runs(tmp_path / "study")
    assert sorted({r.target for r in runs}) == sorted(definition["targets"]) and len(runs) == 6
    data_runs = [r for r in runs if r.target.startswith("data:")]
    assert all(r.scores["n_reference"] == 200 for r in data_runs)  # the held-out 20 % of 1,000 rows


def test_fixed_draws_train_on_the_draws_and_score_against_the_base():
    gan = NonSaturatingGAN(seeds=[0, 1])
    gan.fit("fixed:300,2:ring:8,1,0.01", steps=3, eval_every=3, eval_samples=200)
    trainer = gan.trainer
    assert trainer.scoring_target == Ring(8, 1.0, 0.01)
    rows = {tuple(np.float32(v) for v in row) for row in trainer.training_target.data}
    real = trainer.batches.batches(0).real.numpy().reshape(-1, 2)
    assert all(tuple(row) in rows for row in real)
    assert NonSaturatingGAN.recommended(target="fixed:300:ring:8,1,0.01").config == NonSaturatingGAN.recommended(target="ring").config
