"""Divergence: NaN or inf in training stops the affected run (or ensemble member), never the rest.

What is checked:

- a member poisoned with NaN/inf weights leaves every other member bit for bit as in a
  clean run (autograd and fused engines), and is recorded as diverged at the right step;
- a single run that diverges stops computing, returns its full-length record (NaN losses
  after the divergence, 'diverged' checks), raises nothing;
- divergence found in the weights only (the generator's moving average) is dated at the
  end of the span, divergence found in the samples only at the check;
- the record (History) carries ``diverged_at`` through member(), concatenate() and a
  strict-JSON save/load;
- a study whose cells diverge in part or in full completes, stores 'diverged' with the
  step, and writes no NaN or inf in the store, the CSV files or the report.

Deterministic divergence without poisoning: LSGAN with Adam(lr=1e6, betas=(0.5, 0.999)) on
N(4, 1.25), float32. Found by a sweep (lr 1e3..1e20, seeds 0-7, 50 steps, both engines
agree): seeds 2 and 6 meet an infinite loss at generator step 3 (the step-2 loss is
~3e26), seeds 0, 1, 3, 4, 5, 7 stay finite for at least 50 steps; lr=1e10 makes every
seed's loss non-finite at step 1. Training is tiny (tens of steps) throughout.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import sqlite3

import numpy as np
import pytest
import torch

from ganzoo import LSGAN, Adam, VanillaGAN
from ganzoo import _trainer as trainer_module
from ganzoo._history import History
from ganzoo.study import FILENAME, Store, Study, build_report, run_study

SEEDS = (0, 1, 2)
POISONED = 1  # the member poisoned in the isolation tests
STEPS, EVAL_EVERY, EVAL_SAMPLES = 24, 8, 64


def _lsgan(lr: float, **kwargs) -> LSGAN:
    optimizer = Adam(lr=lr, betas=(0.5, 0.999))
    return LSGAN(g_optimizer=optimizer, d_optimizer=optimizer, **kwargs)


def _poison(gan, network: str, value: float) -> None:
    """Set member POISONED's first weight tensor of ``network`` to ``value`` (in place)."""
    module = getattr(gan.trainer, network)
    with torch.no_grad():
        next(module.parameters())[POISONED].fill_(value)


def _no_nan_json(text: str):
    def refuse(token: str):
        raise AssertionError(f"non-finite number {token} written as JSON")

    return json.loads(text, parse_constant=refuse)


# --------------------------------------------------------------------------------------
# Isolation: one member's NaN never reaches another member.


@pytest.mark.parametrize("engine", ["autograd", "fused-eager", pytest.param("fused-compiled", marks=pytest.mark.slow)])
@pytest.mark.parametrize(("network", "value"), [("discriminator", math.nan), ("generator", math.inf)])
def test_poisoned_member_leaves_the_others_bit_identical(engine, network, value):
    def train(poison: bool):
        gan = VanillaGAN(seeds=SEEDS, engine=engine)
        gan.build()
        if poison:
            _poison(gan, network, value)
        history = gan.fit(steps=STEPS, eval_every=EVAL_EVERY, eval_samples=EVAL_SAMPLES, progress=False)
        return gan, history

    clean_gan, clean = train(False)
    gan, poisoned = train(True)
    assert (gan.trainer.fused is not None) == (engine != "autograd")
    others = [k for k in range(len(SEEDS)) if k != POISONED]

    # The others: every number as in the clean run.
    for field in ("d_loss", "g_loss", "labels"):
        np.testing.assert_array_equal(getattr(poisoned, field)[others], getattr(clean, field)[others])
    for key, values in clean.scores.items():
        np.testing.assert_array_equal(poisoned.scores[key][others], values[others], err_msg=key)
    for mine, theirs in zip(gan.trainer.generator.parameters(), clean_gan.trainer.generator.parameters()):
        assert torch.equal(mine[others], theirs[others])
    for mine, theirs in zip(gan.trainer.discriminator.parameters(), clean_gan.trainer.discriminator.parameters()):
        assert torch.equal(mine[others], theirs[others])
    np.testing.assert_array_equal(gan.sample(50, seed=0)[others], clean_gan.sample(50, seed=0)[others])

    # The poisoned member: diverged at step 1 (its first loss is non-finite), masked after.
    assert clean.diverged_at.tolist() == [-1, -1, -1]
    assert poisoned.diverged_at.tolist() == [-1 if k != POISONED else 1 for k in range(len(SEEDS))]
    assert "loss" in gan.trainer.divergence_reasons[POISONED]
    assert not np.isfinite(poisoned.d_loss[POISONED, 0]) or not np.isfinite(poisoned.g_loss[POISONED, 0])
    assert np.isnan(poisoned.d_loss[POISONED, 1:]).all() and np.isnan(poisoned.g_loss[POISONED, 1:]).all()
    assert poisoned.labels[POISONED].tolist() == ["diverged"] * (STEPS // EVAL_EVERY)
    counts = ("n", "n_nonfinite")  # sample sizes, not scores
    assert all(np.isnan(v[POISONED]).all() for key, v in poisoned.scores.items() if key not in counts)
    assert poisoned.member(POISONED).diverged_at == 1 and poisoned.member(0).diverged_at == -1


# --------------------------------------------------------------------------------------
# A single run stops; where divergence is found decides its step.


@pytest.mark.parametrize(("eval_every", "trained"), [(10, 10), (0, 16)])
def test_a_single_run_that_diverges_stops_and_returns_its_record(monkeypatch, eval_every, trained):
    # Looks for divergence every 16 steps here (1024 in real use), so that eval_every=0
    # (one span for the whole call otherwise) stops after 16 steps.
    monkeypatch.setattr(trainer_module, "DIVERGENCE_CHECK_STEPS", 16)
    gan = _lsgan(1e6, seed=2, engine="fused-eager")  # diverges at step 3 (module docstring)
    trainer = gan.build()
    calls = []
    step = trainer.step
    monkeypatch.setattr(trainer, "step", lambda *batches: calls.append(1) or step(*batches))

    history = gan.fit(steps=40, eval_every=eval_every, eval_samples=EVAL_SAMPLES, progress=False)

    assert len(calls) == trained  # the span that diverged, nothing after it
    assert trainer.step_count == 40 and history.steps == 40
    assert history.diverged_at.shape == () and history.diverged_at == 3
    assert trainer.diverged_at.tolist() == [3]
    assert trainer.divergence_reasons == ["non-finite discriminator and generator loss"]
    assert np.isfinite(history.d_loss[:2]).all() and not np.isfinite(history.d_loss[2])
    assert np.isnan(history.d_loss[3:]).all() and np.isnan(history.g_loss[3:]).all()
    if eval_every:
        assert history.eval_steps.tolist() == [10, 20, 30, 40]
        assert history.labels.tolist() == ["diverged"] * 4
        assert np.isnan(history.scores["ks_statistic"]).all()
    assert gan.history.diverged_at == 3
    # Training on does nothing more and keeps the step.
    more = gan.fit(steps=20, eval_every=10, eval_samples=EVAL_SAMPLES, progress=False)
    assert len(calls) == trained and more.diverged_at == 3 and np.isnan(more.d_loss).all()
    assert gan.history.steps == 60 and gan.history.diverged_at == 3


def test_divergence_found_in_the_weights_is_dated_at_the_end_of_the_span():
    # NaN in the generator's moving average only: the losses stay finite (the average does
    # not train), the weights check finds it when the span ends (step 10).
    gan = VanillaGAN(seeds=SEEDS, ema_decay=0.9, engine="fused-eager")
    gan.build()
    _poison(gan, "generator_average", math.nan)
    history = gan.fit(steps=20, eval_every=10, eval_samples=EVAL_SAMPLES, progress=False)
    assert history.diverged_at.tolist() == [-1, 10, -1]
    assert gan.trainer.divergence_reasons[POISONED] == "non-finite generator average weights"
    assert np.isfinite(history.d_loss[POISONED, :10]).all() and np.isnan(history.d_loss[POISONED, 10:]).all()
    assert history.labels[POISONED].tolist() == ["diverged", "diverged"]
    assert "diverged" not in history.labels[[0, 2]]


def test_divergence_found_in_the_samples_is_dated_at_the_check():
    # Finite but huge average weights (3e38, near float32's largest): the weights and the
    # losses are finite, the samples overflow to inf, found at the check (step 10).
    gan = VanillaGAN(seeds=SEEDS, ema_decay=0.9, engine="fused-eager")
    gan.build()
    with torch.no_grad():
        for parameter in gan.trainer.generator_average.parameters():
            parameter[POISONED].fill_(3e38)
    history = gan.fit(steps=10, eval_every=10, eval_samples=EVAL_SAMPLES, progress=False)
    assert history.diverged_at.tolist() == [-1, 10, -1]
    assert "evaluation samples non-finite" in gan.trainer.divergence_reasons[POISONED]
    assert history.labels[POISONED, 0] == "diverged" and "diverged" not in history.labels[[0, 2], 0]
    assert np.isfinite(history.d_loss).all()  # nothing after step 10 to mask


def test_ganzoo_train_on_a_run_that_diverges(tmp_path, capsys):
    # A setting that diverges: LSGAN with Adam lr 1e6, beta1 0.5 (the setting syntax of compare).
    from ganzoo._cli import main

    out = tmp_path / "run"
    args = ["train", "lsgan:lr=1e6,beta1=0.5", "--seed", "2", "--steps", "20", "--eval-every", "10", "--samples", "100"]
    assert main([*args, "--out", str(out), "--json", "--quiet"]) == 0
    printed = _no_nan_json(capsys.readouterr().out)
    report = _no_nan_json((out / "report.json").read_text())
    assert printed == report and report["label"] == "diverged" and report["ks_statistic"] is None
    assert report["reasons"] == "training diverged at step 3: non-finite discriminator and generator loss"
    history = _no_nan_json((out / "history.json").read_text())
    assert history["diverged_at"] == 3 and history["labels"] == ["diverged", "diverged"]
    assert history["d_loss"][3:] == [None] * 17


# --------------------------------------------------------------------------------------
# The record.


def _record(diverged_at) -> History:
    steps, checks = 6, 2
    d_loss = np.arange(len(diverged_at) * steps, dtype=float).reshape(len(diverged_at), steps)
    return History(
        d_loss=d_loss,
        g_loss=-d_loss,
        eval_steps=np.array([3, 6]),
        scores={"ks_statistic": np.full((len(diverged_at), checks), 0.5)},
        labels=np.full((len(diverged_at), checks), "not_converged", dtype=object),
        diverged_at=np.array(diverged_at),
    )


def test_history_carries_diverged_at(tmp_path):
    record = History(
        d_loss=np.zeros((2, 4)), g_loss=np.zeros((2, 4)), eval_steps=np.array([], dtype=int),
        scores={}, labels=np.empty((2, 0), dtype=object),
    )
    assert record.diverged_at.tolist() == [-1, -1] and record.diverged_at.dtype == np.int64
    with pytest.raises(ValueError, match="diverged_at must have shape"):
        dataclasses.replace(_record([-1, 4]), diverged_at=np.array([1, 2, 3]))

    first = _record([-1, 4])
    second = _record([7, 4])  # later training: member 0 diverged at step 7, member 1 still at 4
    both = History.concatenate(first, second)
    assert both.diverged_at.tolist() == [7, 4] and both.diverged.tolist() == [True, True]
    assert both.member(1).diverged_at == 4 and both.member(1).diverged_at.shape == ()

    first.scores["ks_statistic"][1, 1] = math.nan  # a score that does not exist
    first.d_loss[1, 5] = math.inf
    path = tmp_path / "history.json"
    first.save(path)
    loaded = History.load(path)
    _no_nan_json(path.read_text())  # strict JSON: null, never NaN or Infinity
    assert loaded.diverged_at.tolist() == [-1, 4]
    assert np.isnan(loaded.scores["ks_statistic"][1, 1]) and np.isnan(loaded.d_loss[1, 5])
    np.testing.assert_array_equal(loaded.d_loss[0], first.d_loss[0])
    assert loaded.labels.tolist() == first.labels.tolist()
    single = History.from_dict(first.member(1).to_dict())
    assert single.diverged_at == 4 and single.d_loss.shape == (6,)
    legacy = {key: value for key, value in first.member(0).to_dict().items() if key != "diverged_at"}
    assert History.from_dict(legacy).diverged_at == -1


# --------------------------------------------------------------------------------------
# A study with diverging cells.


def test_a_study_with_diverging_runs_completes_and_stores_no_nan(tmp_path):
    # lr=1e6: seed 2 diverges at step 3, seeds 0, 1, 3 do not (a cell diverging in part);
    # lr=1e10: every seed at step 1 (cells diverging in full). See the module docstring.
    study = Study(
        settings=["lsgan:lr=1e6", "lsgan:lr=1e10"],
        seeds=4,
        steps=30,
        eval_every=10,
        eval_samples=100,
        final_samples=200,
        stored_samples=100,
        grid_points=11,
        chunk=2,
    )
    result = run_study(study, tmp_path, workers=1, progress=False)
    assert result.complete and result.trained == 8

    with Store.open(tmp_path) as store:
        runs = {(r.setting, r.seed): r for r in store.runs()}
    small, large = (setting.id for setting in study.settings)
    diverged = {key: r.history["diverged_at"] for key, r in runs.items() if r.label == "diverged"}
    assert diverged == {(small, 2): 3, **{(large, seed): 1 for seed in range(4)}}
    for (setting, seed), run in runs.items():
        if run.label == "diverged":
            assert not run.converged and run.scores["reasons"].startswith("training diverged at step ")
            assert all(math.isnan(v) for k, v in run.scores.items() if isinstance(v, float))
            assert run.history["labels"][-1] == "diverged"
        else:
            assert run.history["diverged_at"] is None and math.isfinite(run.scores["ks_statistic"])

    # No NaN or inf anywhere in the store: JSON texts are strict, REAL columns finite.
    with sqlite3.connect(tmp_path / FILENAME) as connection:
        for scores, history in connection.execute("SELECT scores, history FROM runs"):
            _no_nan_json(scores)
            _no_nan_json(history)
        columns = [row[1] for row in connection.execute("PRAGMA table_info(runs)")]
        for column in columns:
            for (value,) in connection.execute(f"SELECT {column} FROM runs WHERE typeof({column}) = 'real'"):
                assert math.isfinite(value), column
        assert connection.execute("SELECT COUNT(*) FROM runs WHERE label = 'diverged'").fetchone()[0] == 5

    report = build_report(tmp_path).read_text()
    assert "seed 2 at step 3" in report and "seed 3 at step 1" in report
    assert "left out of every median" in report
    for name in ("runs", "summary", "labels", "ranking", "comparison"):
        text = (tmp_path / f"{name}.csv").read_text().lower()
        assert "nan" not in text and "inf" not in text.replace("info", ""), name
    rows = list(csv.DictReader(io.StringIO((tmp_path / "runs.csv").read_text())))
    assert sorted((row["setting"], row["seed"], row["diverged_at"]) for row in rows if row["label"] == "diverged") == [
        (small, "2", "3"), *((large, str(seed), "1") for seed in range(4))
    ]
    assert all(row["ks_statistic"] == "" for row in rows if row["label"] == "diverged")
    assert all(row["diverged_at"] == "" and float(row["ks_statistic"]) >= 0 for row in rows if row["label"] != "diverged")
    labels = csv.DictReader(io.StringIO((tmp_path / "labels.csv").read_text()))
    assert sorted(int(row["diverged"]) for row in labels) == [1, 4]
