"""Penalties, constraints and spectral normalization: exact values on critics whose input
gradient is known, per-member behaviour on ensembles, seeded randomness, and bad input."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from ganzoo import (
    DRAGAN,
    R1,
    R2,
    WGAN,
    WGANGP,
    GradientPenalty,
    HingeGAN,
    MLPSpec,
    RandomSource,
    WeightClipping,
)
from ganzoo._networks import ModuleEnsemble, StackedMLP

CPU = torch.device("cpu")


class LinearCritic(nn.Module):
    """D_k(x) = x · w_k for member k: its input gradient is w_k everywhere."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = nn.Parameter(w.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * self.w[:, None, :]).sum(dim=-1, keepdim=True)


def _source(seeds=(0,)) -> RandomSource:
    return RandomSource.from_seeds(list(seeds), 8192, device=CPU, dtype=torch.float64)


def _batches(members: int, dim: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    real = torch.randn(members, 16, dim, generator=generator, dtype=torch.float64) + 4.0
    fake = torch.randn(members, 16, dim, generator=generator, dtype=torch.float64)
    return real, fake


DIRECTIONS = st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=4).filter(lambda v: math.hypot(*v) > 1e-3)


# ---------------------------------------------------------------- exact values


@settings(max_examples=40, deadline=None)
@given(direction=DIRECTIONS, members=st.integers(1, 3))
def test_gradient_penalties_vanish_for_a_critic_with_unit_gradient_norm(direction, members):
    w = torch.tensor(direction, dtype=torch.float64)
    critic = LinearCritic((w / w.norm()).expand(members, -1))
    real, fake = _batches(members, len(direction))
    for penalty in (GradientPenalty(), GradientPenalty(one_sided=True), DRAGAN()):
        value = penalty(critic, real, fake, rng=_source(range(members)))
        assert value.shape == (members,)
        np.testing.assert_allclose(value.detach().numpy(), 0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(direction=DIRECTIONS)
def test_penalty_values_on_a_linear_critic(direction):
    w = torch.tensor(direction, dtype=torch.float64)
    norm = w.norm().item()
    critic = LinearCritic(torch.stack([w, 2 * w]))  # two members: |∇D| = norm and 2 norm
    real, fake = _batches(2, len(direction))
    rng = _source((0, 1))
    norms = np.array([norm, 2 * norm])
    expected = {
        GradientPenalty(weight=10.0): 10.0 * (norms - 1.0) ** 2,  # λ (|w| - 1)²
        GradientPenalty(weight=10.0, one_sided=True): 10.0 * np.maximum(norms - 1.0, 0.0) ** 2,
        DRAGAN(weight=3.0, target=0.5): 3.0 * (norms - 0.5) ** 2,  # λ (|w| - k)²
        R1(gamma=4.0): 0.5 * 4.0 * norms**2,  # γ/2 |w|²
        R2(gamma=4.0): 0.5 * 4.0 * norms**2,
    }
    for penalty, value in expected.items():
        got = penalty(critic, real, fake, rng=rng).detach().numpy()
        np.testing.assert_allclose(got, value, rtol=1e-12, atol=1e-12, err_msg=repr(penalty))


def test_penalties_are_differentiable_in_the_critic_weights():
    w = torch.tensor([[0.6, 1.2]], dtype=torch.float64)
    critic = LinearCritic(w)
    real, fake = _batches(1, 2)
    value = GradientPenalty(weight=10.0)(critic, real, fake, rng=_source())
    (grad,) = torch.autograd.grad(value.sum(), critic.w)
    norm = w.norm()
    torch.testing.assert_close(grad, 2 * 10.0 * (norm - 1) * w / norm)  # d/dw λ(|w| - 1)²
    value = R1(gamma=2.0)(critic, real, fake, rng=_source())
    (grad,) = torch.autograd.grad(value.sum(), critic.w)
    torch.testing.assert_close(grad, 2.0 * w)  # d/dw γ/2 |w|²


def test_gradient_penalty_interpolates_with_each_members_own_numbers():
    """Against a per-member, per-sample transcription of Gulrajani et al.'s Algorithm 1."""
    spec = MLPSpec(width=6, activation="tanh")
    members = [spec.build(2, 1, generator=torch.Generator().manual_seed(s)).double() for s in (3, 4)]
    critic = StackedMLP(copy.deepcopy(members), spec).double()
    real, fake = _batches(2, 2)
    value = GradientPenalty(weight=10.0)(critic, real, fake, rng=_source((3, 4)))
    for k, seed in enumerate((3, 4)):
        epsilon = _source((seed,)).uniform(16, 1)[0]  # the same stream, replayed for member k alone
        penalties = []
        for b in range(16):
            x_hat = (epsilon[b] * real[k, b] + (1 - epsilon[b]) * fake[k, b]).requires_grad_(True)
            (gradient,) = torch.autograd.grad(members[k](x_hat[None]).sum(), x_hat)
            penalties.append((gradient.norm() - 1.0) ** 2)
        assert value[k].item() == pytest.approx(10.0 * torch.stack(penalties).mean().item(), rel=1e-12)


@pytest.mark.parametrize("penalty", [GradientPenalty(), R1(), R2(), DRAGAN()], ids=repr)
def test_generic_module_path_gives_the_stacked_paths_values_and_gradients(penalty):
    spec = MLPSpec(width=5)
    members = [spec.build(1, 1, generator=torch.Generator().manual_seed(s)).double() for s in range(3)]
    stacked = StackedMLP(copy.deepcopy(members), spec).double()
    generic = ModuleEnsemble(copy.deepcopy(members)).double()
    real, fake = _batches(3, 1)
    values = [penalty(net, real, fake, rng=_source(range(3))) for net in (stacked, generic)]
    torch.testing.assert_close(values[0], values[1], rtol=1e-12, atol=1e-12)
    # First-layer weight gradients: StackedMLP keeps (K, in, out), the generic path (K, out, in).
    g_stacked = torch.autograd.grad(values[0].sum(), stacked.weights[0])[0]
    g_generic = torch.autograd.grad(values[1].sum(), generic.stacked[0])[0]
    torch.testing.assert_close(g_stacked, g_generic.transpose(1, 2), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- seeded randomness


def test_random_source_gives_member_k_the_numbers_of_its_single_run():
    ensemble, single = _source((7, 8, 9)), _source((8,))
    for shape in [(5, 1), (3, 2), (4000, 1), (7,)]:
        torch.testing.assert_close(ensemble.uniform(*shape)[1], single.uniform(*shape)[0], rtol=0, atol=0)
    again = _source((8,)).uniform(5, 1)
    torch.testing.assert_close(again, _source((8,)).uniform(5, 1), rtol=0, atol=0)
    assert not torch.equal(_source((8,)).uniform(5, 1), _source((9,)).uniform(5, 1))


def test_random_source_refuses_to_serve_more_than_it_holds():
    source = RandomSource(torch.zeros(2, 10))
    source.uniform(4, 2)
    assert source.remaining == 2
    with pytest.raises(RuntimeError, match=r"asked for 3 more uniform numbers .*2 left of 10.*Penalty.draws"):
        source.uniform(3)
    with pytest.raises(ValueError, match=r"numbers must have shape \(members, n\), got \(10,\)"):
        RandomSource(torch.zeros(10))


@pytest.mark.parametrize("penalty", [GradientPenalty(), R1(), R2(), DRAGAN()], ids=repr)
def test_each_penalty_draws_exactly_what_it_declares(penalty):
    real, fake = _batches(2, 3)
    critic = LinearCritic(torch.ones(2, 3, dtype=torch.float64))
    declared = penalty.draws(real.shape[1], real.shape[2])
    source = RandomSource.from_seeds([0, 1], declared, device=CPU, dtype=torch.float64)
    penalty(critic, real, fake, rng=source)
    assert source.remaining == 0


def test_penalty_numbers_depend_on_the_step_not_on_how_training_was_split():
    """The trainer's penalty numbers are keyed by (seed, step): two calls of fit() of 3 + 4
    steps give the 7-step run exactly (the autograd path, which uses them one by one)."""
    whole = WGANGP(seeds=[0, 1], engine="autograd", dtype=torch.float64)
    whole.fit(steps=7, eval_every=0)
    split = WGANGP(seeds=[0, 1], engine="autograd", dtype=torch.float64)
    split.fit(steps=3, eval_every=0)
    split.fit(steps=4, eval_every=0)
    for ours, theirs in zip(split.trainer.discriminator.parameters(), whole.trainer.discriminator.parameters()):
        assert torch.equal(ours, theirs)


def test_randomized_add_ons_leave_torch_and_numpy_global_rngs_alone():
    torch.manual_seed(123)
    np.random.seed(123)
    expected_torch, expected_numpy = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    gan = WGANGP(seeds=[0, 1], penalties=(GradientPenalty(), DRAGAN()), discriminator=MLPSpec(spectral_norm=True))
    gan.fit(steps=3, eval_every=0)
    gan.sample(5)
    assert torch.equal(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_numpy)


# ---------------------------------------------------------------- weight clipping


@settings(max_examples=40, deadline=None)
@given(clip=st.floats(1e-4, 2.0), scale=st.floats(1e-3, 100.0), seed=st.integers(0, 2**16))
def test_weight_clipping_keeps_every_critic_weight_in_range(clip, scale, seed):
    spec = MLPSpec(width=4, depth=2)
    members = [spec.build(1, 1, generator=torch.Generator().manual_seed(seed + k)) for k in range(2)]
    critic = StackedMLP(members, spec)
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(scale)
    before = [p.detach().clone() for p in critic.parameters()]
    WeightClipping(clip=clip).apply(critic)
    for old, new in zip(before, critic.parameters()):
        assert (new.abs() <= clip).all()
        inside = old.abs() <= clip
        assert torch.equal(new[inside], old[inside])  # a projection: weights inside are untouched


def test_wgan_critic_weights_stay_clipped_during_training():
    gan = WGAN(seed=0)
    gan.fit(steps=10, eval_every=0)
    assert all((p.abs() <= 0.01).all() for p in gan.trainer.discriminator.parameters())


# ---------------------------------------------------------------- spectral normalization


def test_stacked_spectral_norm_equals_torch_spectral_norm_on_a_linear_layer():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        reference = nn.utils.parametrizations.spectral_norm(nn.Linear(3, 4)).double()
    spec = MLPSpec(depth=0, spectral_norm=True)  # a single linear layer
    stacked = StackedMLP([spec.build(3, 4, generator=torch.Generator().manual_seed(s)) for s in range(2)], spec)
    stacked = stacked.double()
    stacked.load_member(1, nn.Sequential(reference))
    generator = torch.Generator().manual_seed(0)
    for step in range(6):  # training forwards, each with one power iteration, and SGD steps
        x = torch.randn(2, 8, 3, generator=generator, dtype=torch.float64)
        ours, theirs = stacked(x)[1], reference(x[1])
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12, msg=f"step {step}")
        torch.testing.assert_close(stacked.sn_u_0[1], reference.parametrizations.weight[0]._u, rtol=1e-12, atol=1e-12)
        ours_grad = torch.autograd.grad(ours.square().sum(), stacked.weights[0])[0][1].T
        theirs_grad = torch.autograd.grad(theirs.square().sum(), reference.parametrizations.weight.original)[0]
        torch.testing.assert_close(ours_grad, theirs_grad, rtol=1e-10, atol=1e-12)
        with torch.no_grad():
            stacked.weights[0][1] -= 0.1 * ours_grad.T
            reference.parametrizations.weight.original -= 0.1 * theirs_grad


def test_stacked_spectral_norm_equals_its_members_and_normalizes():
    spec = MLPSpec(width=6, depth=2, spectral_norm=True)
    members = [spec.build(2, 1, generator=torch.Generator().manual_seed(s)).double() for s in range(3)]
    stacked = StackedMLP(copy.deepcopy(members), spec).double()
    x = torch.randn(3, 10, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    for _ in range(30):
        out = stacked(x)
        torch.testing.assert_close(out, torch.stack([m(x[k]) for k, m in enumerate(members)]), rtol=1e-12, atol=1e-12)
    for layer, weight in enumerate(stacked.weights):
        normalized = stacked._spectrally_normalized(layer, weight.detach())
        np.testing.assert_allclose(torch.linalg.matrix_norm(normalized, ord=2).numpy(), 1.0, rtol=1e-6)
    round_trip = stacked.member(2)
    torch.testing.assert_close(round_trip.eval()(x[2]), members[2].eval()(x[2]), rtol=1e-12, atol=1e-12)


def test_spectral_norm_estimate_changes_only_in_training_forwards():
    gan = HingeGAN(seed=0, discriminator=MLPSpec(spectral_norm=True))
    gan.fit(steps=2, eval_every=0)
    buffers = [b.clone() for b in gan.trainer.discriminator.buffers()]
    gan.discriminate(np.zeros((4, 1)))
    gan.sample(10)
    assert all(torch.equal(a, b) for a, b in zip(buffers, gan.trainer.discriminator.buffers()))
    gan.fit(steps=1, eval_every=0)
    assert not all(torch.equal(a, b) for a, b in zip(buffers, gan.trainer.discriminator.buffers()))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: GradientPenalty(weight=-1.0), ValueError, "weight must be >= 0, got -1.0"),
        (lambda: GradientPenalty(weight="10"), TypeError, "weight must be a real number, got '10'"),
        (lambda: GradientPenalty(one_sided="yes"), TypeError, r"one_sided must be True or False, got 'yes' \(str\)"),
        (lambda: R1(gamma=float("nan")), ValueError, "gamma must be finite, got nan"),
        (lambda: R2(gamma=-2), ValueError, "gamma must be >= 0, got -2"),
        (lambda: DRAGAN(scale=0.0), ValueError, "scale must be > 0, got 0.0"),
        (lambda: DRAGAN(target=-1.0), ValueError, "target must be >= 0, got -1.0"),
        (lambda: WeightClipping(clip=0.0), ValueError, "clip must be > 0, got 0.0"),
        (lambda: WeightClipping(clip=[0.01]), TypeError, r"clip must be a real number, got \[0.01\]"),
        (lambda: WeightClipping(0.01), TypeError, "positional"),  # keyword-only
        (lambda: WGAN(seed=0, penalties=[R1, None]), TypeError, "penalties.0. must be a ganzoo Penalty"),
        (lambda: WGAN(seed=0, constraints=[0.01]), TypeError, r"constraints\[0\] must be a ganzoo Constraint, got 0.01"),
    ],
)
def test_bad_penalty_settings_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_add_ons_describe_themselves():
    assert GradientPenalty(one_sided=True).to_dict() == {"name": "GradientPenalty", "weight": 10.0, "one_sided": True}
    assert repr(WeightClipping()) == "WeightClipping(clip=0.01)"
    assert R1() == R1(gamma=10) != R2()
