"""The discriminator's traces on constructed networks with known answers, and in training."""

import math

import numpy as np
import pytest
import torch

from evaluation import Gaussian
from ganzoo import MinimaxGAN, MLPSpec, VanillaGAN
from ganzoo._causes import Trace, failure_cause
from ganzoo._history import History
from ganzoo._networks import build_ensemble
from ganzoo._traces import TRACE_KEYS, TRACE_POINTS, CheckRecorder, discriminator_traces, trace_points
from ganzoo.losses import HingeLoss, LeastSquaresLoss, MinimaxLoss, NonSaturatingLoss, SigmoidBCELoss, WassersteinLoss

REAL = torch.linspace(2.0, 6.0, 101)[:, None]  # the data range of N(4, 1.25), roughly


def discriminator(members: int = 2, *, activation: str = "relu"):
    spec = MLPSpec(width=4, depth=2, activation=activation)
    return build_ensemble(spec, 1, 1, [torch.Generator().manual_seed(k) for k in range(members)], name="discriminator", device=torch.device("cpu"), dtype=torch.float32)


class Linear(torch.nn.Module):
    """D(x) = slope (x - 3): real points (x > 3) score high, fakes near 0 score low."""

    def __init__(self, slope: float) -> None:
        super().__init__()
        self.slope = slope

    def forward(self, x):
        return self.slope * (x - 3.0)


def record_now(trainer) -> dict:
    """The traces a check would record now, on 50 generated points per member."""
    recorder = CheckRecorder(trainer.training_target, trainer.target, trainer.standard_units, dtype=torch.float32,
                             device=torch.device("cpu"))  # fmt: skip
    traces, on_grid, shown = recorder.record(trainer, torch.zeros(trainer.members, 50, 1), np.zeros((trainer.members, 9, 1)))
    assert on_grid.shape == (trainer.members, 201) and shown.shape == (trainer.members, 9, 1)
    return traces


def test_a_layer_with_every_unit_inactive_on_the_data_is_dead_and_d_is_constant():
    d = discriminator()
    with torch.no_grad():  # member 0: the second hidden layer's units all negative on the data
        d.weights[1][0].fill_(-1.0)
        d.biases[1][0].fill_(-0.5)
    fake = torch.zeros(2, 50, 1)
    traces = discriminator_traces(d, NonSaturatingLoss(), REAL, fake)
    assert traces["d_dead_fraction"][0] == 1.0 and traces["d_score_range"][0] == 0.0
    assert traces["d_dead_fraction"][1] < 1.0 and traces["d_score_range"][1] > 0.0
    assert set(traces) == set(TRACE_KEYS) and all(v.shape == (2,) for v in traces.values())


def test_dead_units_are_counted_per_layer():
    d = discriminator(members=1)
    with torch.no_grad():  # two of four units of the first layer dead (zero weight, negative bias)
        d.weights[0][0, :, :2] = 0.0
        d.biases[0][0, :, :2] = -1.0
        d.weights[0][0, :, 2:] = 1.0
        d.biases[0][0, :, 2:] = 1.0
        d.weights[1][0] = torch.eye(4)
        d.biases[1][0] = 0.0
    assert discriminator_traces(d, NonSaturatingLoss(), REAL, torch.zeros(1, 10, 1))["d_dead_fraction"][0] == 0.5


@pytest.mark.parametrize("activation", ["tanh", "leaky_relu"])
def test_dead_units_are_not_applicable_without_relu(activation):
    traces = discriminator_traces(discriminator(activation=activation), NonSaturatingLoss(), REAL, torch.zeros(2, 10, 1))
    assert np.isnan(traces["d_dead_fraction"]).all()
    own = discriminator_traces(Linear(1.0), NonSaturatingLoss(), REAL, torch.zeros(2, 10, 1))
    assert np.isnan(own["d_dead_fraction"]).all()


def test_the_gradient_ratio_shows_why_the_minimax_loss_saturates_and_the_others_do_not():
    fake = torch.zeros(1, 50, 1)  # scores 3 * -3 = -9 (D(fake) ~ 1e-4); real scores -3 .. 9
    ratio = {
        type(loss).__name__: discriminator_traces(Linear(3.0), loss, REAL, fake)["g_gradient_ratio"][0]
        for loss in (MinimaxLoss(), SigmoidBCELoss(), NonSaturatingLoss(), WassersteinLoss(), HingeLoss(), LeastSquaresLoss())
    }
    # Minimax: slope sigma(s) at the fakes (s = -9) over sigma(m) at the midpoint m = (3 - 9) / 2 = -3.
    expected = torch.sigmoid(torch.tensor(-9.0)) / torch.sigmoid(torch.tensor(-3.0))
    assert ratio["MinimaxLoss"] == pytest.approx(float(expected), rel=1e-5) and ratio["MinimaxLoss"] < 0.01
    assert ratio["NonSaturatingLoss"] > 1.0 and ratio["SigmoidBCELoss"] > 1.0
    assert ratio["WassersteinLoss"] == ratio["HingeLoss"] == 1.0
    assert ratio["LeastSquaresLoss"] > 1.0


def test_trace_points_are_fixed_rows_of_the_data_or_seeded_draws():
    first, again = trace_points(Gaussian()), trace_points(Gaussian())
    assert first.shape == (TRACE_POINTS, 1) and np.array_equal(first, again)
    assert abs(first.mean() - 4.0) < 0.2


def test_training_records_the_traces_at_every_check_and_they_round_trip():
    gan = VanillaGAN(seeds=range(3))
    gan.fit(steps=60, eval_every=20, progress=False)
    history = gan.trainer.history
    assert set(history.traces) == set(TRACE_KEYS)
    assert all(value.shape == (3, 3) for value in history.traces.values())
    for twin in (History.from_dict(history.to_dict()), History.from_state(history.to_state(), members=3)):
        for key in TRACE_KEYS:
            np.testing.assert_array_equal(twin.traces[key], history.traces[key])
    more = gan.fit(steps=20, eval_every=20, progress=False)
    assert more is not None and gan.trainer.history.traces["d_real_score"].shape == (3, 4)
    assert gan.history.member(1).traces["d_real_score"].shape == (4,)


def test_traces_change_nothing_in_training():
    with_checks, without = VanillaGAN(seeds=range(2)), VanillaGAN(seeds=range(2))
    with_checks.fit(steps=40, eval_every=10, progress=False)
    without.fit(steps=40, eval_every=0, progress=False)
    for a, b in zip(with_checks.trainer.discriminator.parameters(), without.trainer.discriminator.parameters()):
        assert torch.equal(a, b)


def test_a_trained_run_with_its_discriminator_killed_is_diagnosed_dead():
    gan = MinimaxGAN(seeds=range(2))
    gan.fit(steps=40, eval_every=20, progress=False)
    d = gan.trainer.discriminator
    with torch.no_grad():  # member 0: its one hidden layer off on the whole real line
        d.weights[0][0].zero_()
        d.biases[0][0].fill_(-1.0)
    traces = record_now(gan.trainer)
    assert traces["d_dead_fraction"][0] == 1.0 and traces["d_score_range"][0] == 0.0
    record = Trace(
        eval_steps=np.array([20, 40, 60]),
        scores={"ks_statistic": np.full(3, 0.5)},
        labels=np.array(["not_converged"] * 3, dtype=object),
        traces={key: np.r_[gan.history.traces[key][0], traces[key][0]] for key in TRACE_KEYS},
    )
    final = {"label": "not_converged", "converged": False, "std_ratio": 1.0, "std": 1.25}
    cause = failure_cause(final, record)
    assert (cause.name, cause.since) == ("discriminator_dead", 60)


def test_a_diverged_member_has_no_traces():
    gan = VanillaGAN(seeds=range(2))
    gan.fit(steps=20, eval_every=20, progress=False)
    trainer = gan.trainer
    trainer.diverged_at[1] = 5
    traces = record_now(trainer)
    assert all(math.isnan(value[1]) and math.isfinite(value[0]) for value in traces.values())
