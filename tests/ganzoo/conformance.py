"""The conformance list and the generic checks that every row of it must pass.

:data:`CASES` holds every variant, and a few add-on combinations, as one row each;
:data:`GENERIC_CHECKS` are the checks that run over every row (``test_variants.py`` runs
them all over :data:`CASES`). A new variant is one file in ``ganzoo/variants/`` plus one
row here; ``test_toy_variant.py`` shows that a variant defined in one file passes every
generic check with nothing else changed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from evaluation import Gaussian
from ganzoo import (
    DRAGAN,
    GAN,
    LSGAN,
    R1,
    R2,
    SGD,
    WGAN,
    WGANGP,
    GradientPenalty,
    HingeGAN,
    InstanceNoise,
    LRDecay,
    MinimaxGAN,
    MLPSpec,
    NonSaturatingGAN,
    RMSprop,
    VanillaGAN,
)
from ganzoo._streams import RandomSource
from ganzoo.engine import unsupported_features

STEPS = 30
TARGET = Gaussian(4, 1.25)


@dataclasses.dataclass(frozen=True)
class Case:
    """A variant with some overrides; ``make(seed=...)`` builds it."""

    id: str
    variant: type[GAN]
    options: dict = dataclasses.field(default_factory=dict)

    def make(self, **kwargs) -> GAN:
        return self.variant(**self.options, **kwargs)


# The networks here are tiny (batch 64, width 16): intra-op threads only add hand-offs, and
# on a loaded 2-core machine each threaded op can wait a scheduler slice (measured: one
# small baddbmm took 7.8 ms with 2 threads under load, 26 µs with 1).
torch.set_num_threads(1)


def _custom_critic() -> torch.nn.Module:
    # Any nn.Module: takes the generic torch.func.vmap path (ModuleEnsemble).
    return torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


CASES = [
    Case("vanilla", VanillaGAN),
    Case("minimax", MinimaxGAN),
    Case("nonsaturating", NonSaturatingGAN),
    Case("wgan", WGAN),
    Case("wgan-gp", WGANGP),
    Case("lsgan", LSGAN),
    Case("hinge", HingeGAN),
    Case("nonsaturating+r1", NonSaturatingGAN, {"penalties": (R1(gamma=1.0),)}),
    Case("lsgan+r2+ema", LSGAN, {"penalties": (R2(),), "ema_decay": 0.9}),
    Case("hinge+spectral-norm", HingeGAN, {"discriminator": MLPSpec(spectral_norm=True)}),
    Case("vanilla+ttur", VanillaGAN, {"g_optimizer": SGD(lr=1e-3, momentum=0.9), "d_optimizer": RMSprop(lr=4e-3)}),
    Case(
        "minimax+dragan+lr-decay",
        MinimaxGAN,
        {"penalties": (DRAGAN(),), "lr_decay": LRDecay(kind="exponential", final=0.1, steps=20)},
    ),
    Case("nonsaturating+packing", NonSaturatingGAN, {"packing": 2}),
    Case("minimax+unrolled", MinimaxGAN, {"unrolled_steps": 2}),
    Case(
        "vanilla+instance-noise+simultaneous",
        VanillaGAN,
        {"instance_noise": InstanceNoise(std=0.3, anneal_steps=20), "updates": "simultaneous"},
    ),
    Case("wgan-gp+packing+minibatch-std", WGANGP, {"packing": 3, "discriminator": MLPSpec(minibatch_std=True)}),
    Case(
        "wgan-gp-one-sided+custom-critic",
        WGANGP,
        {"penalties": (GradientPenalty(one_sided=True),), "discriminator": _custom_critic()},
    ),
]


# ---------------------------------------------------------------- helpers


def _parameters(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def _objectives(trainer):
    """The discriminator objective (loss + penalties) and generator loss on one batch."""
    real, noise_d, noise_g, uniform = trainer.batches.batches(0)
    seen = trainer.autograd_step.seen  # packs, when the setting packs
    fake = seen(trainer.generator(noise_d[0]).detach(), None, 0.0)
    real = seen(real[0], None, 0.0)
    d_loss = trainer.config.loss.discriminator_loss(trainer.discriminator(real), trainer.discriminator(fake))
    rng = RandomSource(uniform[0])
    penalties = [p(trainer.discriminator, real, fake, rng=rng) for p in trainer.config.penalties]
    g_loss = trainer.config.loss.generator_loss(trainer.discriminator(seen(trainer.generator(noise_g), None, 0.0)))
    return d_loss, penalties, g_loss


def train(gan, steps, target=TARGET, **fit):
    gan.fit(target, steps=steps, eval_every=fit.pop("eval_every", 0), **fit)
    return gan


def state(gan) -> list[np.ndarray]:
    """Every parameter of the trainer's networks (the average too), as float64 numpy."""
    trainer = gan.trainer
    modules = [trainer.generator, trainer.discriminator]
    if trainer.generator_average is not None:
        modules.append(trainer.generator_average)
    return [p.detach().double().cpu().numpy().copy() for m in modules for p in m.parameters()]


def assert_same_training(fused, reference, *, rtol, atol):
    for ours, theirs in zip(state(fused), state(reference), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)
    np.testing.assert_allclose(fused.history.d_loss, reference.history.d_loss, rtol=rtol, atol=atol)
    np.testing.assert_allclose(fused.history.g_loss, reference.history.g_loss, rtol=rtol, atol=atol)


def tolerance(config) -> dict[str, float]:
    """How closely (float64) the fused step follows autograd's for ``config``.

    Penalties differentiated by hand sum their terms in another order than double
    backpropagation does, and Adam divides each gradient by its running RMS, which turns
    rounding differences in near-zero gradients into differences of up to ~1e-9 relative
    after 100 steps; without penalties the two agree to ~1e-12.
    """
    return {"rtol": 1e-8, "atol": 1e-10} if config.penalties else {"rtol": 1e-10, "atol": 1e-12}


def pair(make, steps, *, target=TARGET, engine="fused-eager", **fit):
    """The same GAN trained by a fused engine (torch's eager step, or ``engine``) and by autograd."""
    fused = train(make(engine=engine), steps, target, **dict(fit))
    reference = train(make(engine="autograd"), steps, target, **dict(fit))
    assert fused.trainer.fused is not None and reference.trainer.fused is None
    return fused, reference


# ---------------------------------------------------------------- the generic checks


def cites_a_paper(case):
    """The variant's docstring names its source with a year, e.g. "(2017)"."""
    assert case.variant.__doc__ and "(20" in case.variant.__doc__


def losses_and_penalties_are_finite_per_member(case):
    trainer = case.make(seeds=[0, 1]).build(Gaussian())
    d_loss, penalties, g_loss = _objectives(trainer)
    for value in (d_loss, g_loss, *penalties):
        assert value.shape == (2,)
        assert torch.isfinite(value).all()


def gradients_reach_both_networks(case):
    trainer = case.make(seeds=[0, 1]).build(Gaussian())
    d_loss, penalties, g_loss = _objectives(trainer)
    d_grads = torch.autograd.grad((d_loss + sum(penalties)).sum(), trainer.d_params)
    g_grads = torch.autograd.grad(g_loss.sum(), trainer.g_params)
    for grads in (d_grads, g_grads):
        assert all(torch.isfinite(g).all() for g in grads)
        assert any(g.abs().sum() > 0 for g in grads)


def short_training_stays_finite_and_samples_have_the_right_shape(case):
    gan = case.make(seed=0)
    history = gan.fit(steps=STEPS, eval_every=0)
    assert history.d_loss.shape == history.g_loss.shape == (STEPS,)
    assert np.isfinite(history.d_loss).all() and np.isfinite(history.g_loss).all()
    assert all(torch.isfinite(p).all() for p in gan.trainer.generator.parameters())
    samples = gan.sample(50)
    assert samples.shape == (50, 1) and samples.dtype == np.float64 and np.isfinite(samples).all()


def same_seed_gives_identical_runs(case):
    runs = []
    for _ in range(2):
        gan = case.make(seed=11)
        history = gan.fit(steps=10, eval_every=0)
        runs.append((_parameters(gan.trainer.discriminator), history.g_loss, gan.sample(20)))
    (p1, g1, x1), (p2, g2, x2) = runs
    assert all(torch.equal(a, b) for a, b in zip(p1, p2))
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(x1, x2)


def ensemble_member_equals_the_single_run_with_its_seed(case):
    ensemble = case.make(seeds=[2, 5, 7], dtype=torch.float64)
    ensemble.fit(steps=STEPS, eval_every=0)
    single = case.make(seed=5, dtype=torch.float64)
    single.fit(steps=STEPS, eval_every=0)
    for network in ("generator", "discriminator"):
        stacked = getattr(ensemble.trainer, network).parameters()
        alone = getattr(single.trainer, network).parameters()
        for a, b in zip(stacked, alone):
            np.testing.assert_allclose(a[1].detach().numpy(), b[0].detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ensemble.history.d_loss[1], single.history.d_loss, rtol=1e-10, atol=1e-12)
    assert ensemble.sample(40).shape == (3, 40, 1)
    np.testing.assert_allclose(ensemble.sample(40, seed=3)[1], single.sample(40, seed=3), rtol=1e-10, atol=1e-12)


def fused_step_equals_autograd_step_where_supported(case):
    problems = unsupported_features(case.make(seeds=[3, 5]).config)
    if problems:
        gan = case.make(seeds=[3, 5], engine="auto")
        gan.build(TARGET)
        assert gan.trainer.fused is None  # auto falls back to the reference path
        with pytest.raises(ValueError, match="fused engine does not support"):
            case.make(seeds=[3, 5], engine="fused").build(TARGET)
        return
    fused, reference = pair(lambda **kw: case.make(seeds=[3, 5], dtype=torch.float64, **kw), 100)
    assert_same_training(fused, reference, **tolerance(case.make(seed=0).config))


def numba_step_equals_autograd_step_where_supported(case):
    """The numba engine (auto's choice on the CPU) trains what autograd trains, and an
    ensemble member is bit for bit the single run with its seed, whatever the threads."""
    if unsupported_features(case.make(seeds=[3, 5]).config):
        assert case.make(seeds=[3, 5], engine="auto").build(TARGET).fused is None
        with pytest.raises(ValueError, match="numba engine does not support"):
            case.make(seeds=[3, 5], engine="numba").build(TARGET)
        return
    fast, reference = pair(lambda **kw: case.make(seeds=[3, 5], dtype=torch.float64, **kw), 100, engine="numba")
    assert fast.trainer.fused.kind == "numba"
    assert_same_training(fast, reference, **tolerance(case.make(seed=0).config))
    single = train(case.make(seed=5, dtype=torch.float64, engine="numba"), 100)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # the numba engine runs members on as many threads as torch may
    try:
        two_threads = train(case.make(seeds=[3, 5], dtype=torch.float64, engine="numba"), 100)
    finally:
        torch.set_num_threads(threads)
    for a, b, c in zip(state(fast), state(single), state(two_threads), strict=True):
        np.testing.assert_array_equal(a[1], b[0])
        np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(fast.history.g_loss[1], single.history.g_loss)


GENERIC_CHECKS = [
    cites_a_paper,
    losses_and_penalties_are_finite_per_member,
    gradients_reach_both_networks,
    short_training_stays_finite_and_samples_have_the_right_shape,
    same_seed_gives_identical_runs,
    ensemble_member_equals_the_single_run_with_its_seed,
    fused_step_equals_autograd_step_where_supported,
    numba_step_equals_autograd_step_where_supported,
]
