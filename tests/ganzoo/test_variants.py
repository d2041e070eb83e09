"""Every variant and add-on combination of the conformance list, through the generic tests;
then the schedules (EMA, learning-rate decay, TTUR), networks and the docs' example."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from conformance import GENERIC_CHECKS, _parameters

import ganzoo.variants
from ganzoo import (
    GAN,
    LSGAN,
    VARIANTS,
    WGAN,
    Adam,
    GANConfig,
    LRDecay,
    MLPSpec,
    NonSaturatingGAN,
    VanillaGAN,
    get_variant,
)
from ganzoo._streams import Stream, standard_normal
from ganzoo.variants import PRESENTATION_ORDER

# ---------------------------------------------------------------- the conformance list


def test_every_registered_variant_has_a_row(conformance_cases):
    plain = {case.variant for case in conformance_cases if not case.options}
    missing = [name for name, cls in VARIANTS.items() if cls not in plain]
    assert not missing, f"add a row to CASES in tests/ganzoo/conformance.py for: {missing}"


def test_the_registry_is_every_variant_module_in_presentation_order():
    defined = {
        value
        for info in pkgutil.iter_modules(ganzoo.variants.__path__)
        for value in vars(importlib.import_module(f"ganzoo.variants.{info.name}")).values()
        if isinstance(value, type) and issubclass(value, GAN) and value.__module__.startswith("ganzoo.variants.")
    }
    assert set(VARIANTS.values()) == defined
    assert list(VARIANTS)[: len(PRESENTATION_ORDER)] == list(PRESENTATION_ORDER)
    for name, cls in VARIANTS.items():
        assert get_variant(name) is cls and cls.name == name
    known = ", ".join(VARIANTS)
    with pytest.raises(ValueError, match=f"unknown variant 'dcgan'; known variants: {re.escape(known)}$"):
        get_variant("dcgan")


@pytest.mark.parametrize("check", GENERIC_CHECKS, ids=lambda check: check.__name__)
def test_generic_checks(case, check):
    check(case)


# ---------------------------------------------------------------- defaults from the papers


def test_defaults_follow_the_papers():
    wgan = get_variant("wgan").defaults
    assert (wgan.d_optimizer.lr, wgan.n_critic, wgan.constraints[0].clip) == (5e-5, 5, 0.01)
    gp = get_variant("wgan-gp").defaults
    assert (gp.d_optimizer.lr, gp.d_optimizer.betas, gp.n_critic, gp.penalties[0].weight) == (1e-4, (0.0, 0.9), 5, 10.0)
    ls = get_variant("lsgan").defaults.loss
    assert (ls.a, ls.b, ls.c) == (0.0, 1.0, 1.0)
    for cls in (VARIANTS[name] for name in PRESENTATION_ORDER):  # the reference problem's networks and budget
        config = cls.defaults
        assert config.generator == config.discriminator == MLPSpec(width=16, depth=1, activation="relu")
        assert (config.batch_size, config.latent_dim, config.steps) == (64, 1, 20_000)


# ---------------------------------------------------------------- schedules


def test_sample_uses_the_moving_average_of_the_generator():
    gan = LSGAN(seed=0, ema_decay=0.9, dtype=torch.float64)
    trainer = gan.build()
    start = _parameters(trainer.generator)
    gan.fit(steps=1, eval_every=0)
    after_one = _parameters(trainer.generator)
    for average, initial, live in zip(trainer.generator_average.parameters(), start, after_one):
        # θ_ema ← β θ_ema + (1 − β) θ, from θ_ema = θ_0
        torch.testing.assert_close(average, 0.9 * initial + 0.1 * live, rtol=1e-12, atol=1e-15)
    gan.fit(steps=20, eval_every=0)
    samples = gan.sample(30, seed=4)
    noise = torch.as_tensor(standard_normal(gan.seeds, Stream.SAMPLING, (30, 1), 2**31 + 4))
    with torch.no_grad():
        np.testing.assert_array_equal(samples, trainer.generator_average(noise)[0].numpy())
        assert not np.allclose(samples, trainer.generator(noise)[0].numpy())


def test_lr_decay_factors():
    # linear: f(t) = 1 - (1 - final) min(t/T, 1); exponential: f(t) = final ** min(t/T, 1)
    linear, exponential = LRDecay(final=0.2), LRDecay(kind="exponential", final=0.01)
    assert linear.factor(0, horizon=100) == 1.0
    assert linear.factor(50, horizon=100) == pytest.approx(0.6)  # 1 - 0.8 * 0.5
    assert linear.factor(500, horizon=100) == pytest.approx(0.2)  # held at final after T
    assert exponential.factor(50, horizon=100) == pytest.approx(0.1)  # 0.01 ** 0.5
    assert exponential.factor(100, horizon=100) == pytest.approx(0.01)


def test_lr_decay_is_applied_per_generator_step_to_both_optimizers():
    gan = WGAN(seed=0, lr_decay=LRDecay(steps=10), steps=1000)  # T = 10, not the budget
    gan.fit(steps=4, eval_every=0)
    for optimizer in (gan.trainer.g_optimizer, gan.trainer.d_optimizer):
        assert optimizer.param_groups[0]["lr"] == pytest.approx(5e-5 * 0.6)  # 1 - 4/10
    gan.fit(steps=6, eval_every=0)
    frozen = _parameters(gan.trainer.generator)
    gan.fit(steps=3, eval_every=0)  # the rate is now 0: nothing moves
    assert all(torch.equal(a, b) for a, b in zip(frozen, gan.trainer.generator.parameters()))
    budget = LSGAN(seed=0, lr_decay=LRDecay(), steps=8)  # T from the budget
    budget.fit(steps=2, eval_every=0)
    assert budget.trainer.g_optimizer.param_groups[0]["lr"] == pytest.approx(2e-4 * 0.75)


def test_ttur_gives_each_network_its_learning_rate():
    gan = NonSaturatingGAN(seed=0, g_optimizer=Adam(lr=1e-4), d_optimizer=Adam(lr=4e-4, betas=(0.0, 0.9)))
    trainer = gan.build()
    assert trainer.g_optimizer.param_groups[0]["lr"] == 1e-4
    assert (trainer.d_optimizer.param_groups[0]["lr"], trainer.d_optimizer.param_groups[0]["betas"]) == (
        4e-4,
        (0.0, 0.9),
    )


# ---------------------------------------------------------------- networks


def test_any_module_is_checked_for_shape_at_build():
    wrong_generator = torch.nn.Linear(1, 2)  # target is 1-D
    with pytest.raises(ValueError, match=r"generator must map \(batch, 1\) to \(batch, 1\).*\(2, 2\)"):
        NonSaturatingGAN(seed=0, generator=wrong_generator).build()
    wrong_input = torch.nn.Linear(3, 1)
    with pytest.raises(ValueError, match=r"discriminator must map \(batch, 1\) to \(batch, 1\); calling it"):
        NonSaturatingGAN(seed=0, discriminator=wrong_input).build()


def test_custom_modules_with_torch_spectral_norm_are_pointed_to_mlp_spec():
    critic = torch.nn.Sequential(torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(1, 4)), torch.nn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"use MLPSpec\(spectral_norm=True\)"):
        NonSaturatingGAN(seeds=[0, 1], discriminator=critic).build()


def test_mlp_spec_builds_depth_width_activation_and_head():
    spec = MLPSpec(width=5, depth=3, activation="tanh", output="sigmoid")
    module = spec.build(2, 1, generator=torch.Generator().manual_seed(0))
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(2, 5), (5, 5), (5, 5), (5, 1)]
    assert sum(isinstance(m, torch.nn.Tanh) for m in module) == 3 and isinstance(module[-1], torch.nn.Sigmoid)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: LRDecay(kind="cosine"), ValueError, "kind must be one of 'linear', 'exponential'; got 'cosine'"),
        (lambda: LRDecay(final=1.5), ValueError, "final must be <= 1.0, got 1.5"),
        (lambda: LRDecay(final="0"), TypeError, "final must be a real number, got '0'"),
        (lambda: LRDecay(kind="exponential"), ValueError, "final must be > 0 for exponential decay, got 0.0"),
        (lambda: LRDecay(steps=0), ValueError, "steps must be >= 1, got 0"),
        (lambda: LRDecay(steps=2.5), TypeError, "steps must be an integer, got 2.5"),
        (lambda: VanillaGAN(seed=0, lr_decay="linear"), TypeError, "lr_decay must be None or an LRDecay.*got 'linear'"),
        (lambda: MLPSpec(spectral_norm=1), TypeError, r"spectral_norm must be True or False, got 1 \(int\)"),
        (lambda: GANConfig(loss=None), TypeError, "loss must be a ganzoo.losses.Loss, got None"),
    ],
)
def test_bad_schedule_and_network_settings_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ---------------------------------------------------------------- the docs' example


def test_the_example_in_docs_variants_runs():
    text = (Path(__file__).parents[2] / "docs" / "variants.md").read_text()
    section = text.split("## Writing your own variant", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    assert len(code.strip().splitlines()) <= 40
    namespace: dict = {}
    exec(compile(code, "docs/variants.md", "exec"), namespace)
    gan, history = namespace["gan"], namespace["history"]
    assert np.isfinite(history.d_loss).all() and history.scores["ks_statistic"].shape[0] == gan.members
