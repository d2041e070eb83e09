"""TensorBoard logs: what a fit writes, read back with TensorBoard's own reader, and the clear
error when the package is missing."""

import builtins

import pytest

from ganzoo import VanillaGAN


def read_events(folder) -> dict:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    return {
        "scalars": {tag: [(e.step, e.value) for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]},
        "histograms": {tag: [e.step for e in accumulator.Histograms(tag)] for tag in accumulator.Tags()["histograms"]},
    }


def test_a_fit_logs_losses_scores_traces_and_histograms_at_each_check(tmp_path):
    pytest.importorskip("tensorboard")
    gan = VanillaGAN(seed=3)
    history = gan.fit(steps=60, eval_every=20, progress=False, log_dir=tmp_path / "one")
    events = read_events(tmp_path / "one")
    ks = events["scalars"]["score/ks_statistic"]
    assert [step for step, _ in ks] == [20, 40, 60]
    assert [value for _, value in ks] == pytest.approx(history.scores["ks_statistic"].tolist())
    d_loss = events["scalars"]["loss/d"]
    assert d_loss[0][1] == pytest.approx(float(history.d_loss[:20].mean()), rel=1e-6)
    assert "trace/d_dead_fraction" in events["scalars"] and events["histograms"]["generated"] == [20, 40, 60]
    # A second fit continues the steps.
    gan.fit(steps=20, eval_every=20, progress=False, log_dir=tmp_path / "more")
    more = read_events(tmp_path / "more")
    assert [step for step, _ in more["scalars"]["loss/g"]] == [80]
    assert more["scalars"]["loss/g"][0][1] == pytest.approx(float(gan.history.g_loss[60:].mean()), rel=1e-6)


def test_an_ensemble_logs_each_seed_under_its_name(tmp_path):
    pytest.importorskip("tensorboard")
    gan = VanillaGAN(seeds=[4, 9])
    gan.fit(steps=40, eval_every=20, progress=False, log_dir=tmp_path)
    scalars = read_events(tmp_path)["scalars"]
    assert {"seed_4/score/ks_statistic", "seed_9/score/ks_statistic"} <= set(scalars)
    assert [step for step, _ in scalars["seed_9/trace/g_gradient_ratio"]] == [20, 40]


def test_without_tensorboard_log_dir_is_one_clear_error_before_training(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("torch.utils.tensorboard") or name.startswith("tensorboard"):
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    gan = VanillaGAN(seed=0)
    with pytest.raises(RuntimeError, match=r"needs the tensorboard package: pip install 'ganzoo\[tensorboard\]'"):
        gan.fit(steps=20, progress=False, log_dir=tmp_path)
    assert gan.trainer is None  # nothing trained


def test_train_and_compare_write_logs_with_tensorboard_dir(tmp_path, monkeypatch, capsys):
    pytest.importorskip("tensorboard")
    from ganzoo._cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["train", "vanilla", "--seeds", "2", "--steps", "40", "--eval-every", "20", "--samples", "200",
                 "--quiet", "--out", "run", "--tensorboard", "tb-train"]) == 0  # fmt: skip
    scalars = read_events(tmp_path / "tb-train")["scalars"]
    assert [step for step, _ in scalars["seed_1/score/ks_statistic"]] == [20, 40]
    assert main(["compare", "--variants", "vanilla", "wgan", "--seeds", "2", "--steps", "40", "--eval-every", "20",
                 "--final-samples", "200", "--stored-samples", "50", "--workers", "1", "--quiet", "--no-report",
                 "--out", "study", "--tensorboard", "tb-study"]) == 0  # fmt: skip
    events = read_events(tmp_path / "tb-study")
    assert [step for step, _ in events["scalars"]["wgan/gaussian:4,1.25/seed_1/trace/d_real_score"]] == [20, 40]
    assert events["histograms"]["vanilla/gaussian:4,1.25/seed_0/generated"] == [20, 40]
    assert "TensorBoard events in tb-study" in capsys.readouterr().err
