"""The conformance list: every variant, and a few add-on combinations, as one row each.

Every test with a ``case`` argument (the generic tests of ``test_variants.py``) runs over
:data:`CASES`. A new variant needs one
row here (``test_every_registered_variant_has_a_row`` fails until it has one).
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

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
    LRDecay,
    MinimaxGAN,
    MLPSpec,
    NonSaturatingGAN,
    RMSprop,
    VanillaGAN,
)


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
    Case(
        "wgan-gp-one-sided+custom-critic",
        WGANGP,
        {"penalties": (GradientPenalty(one_sided=True),), "discriminator": _custom_critic()},
    ),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test taking a ``case`` argument runs once per row of :data:`CASES`."""
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", CASES, ids=[c.id for c in CASES])


@pytest.fixture
def conformance_cases() -> list[Case]:
    return CASES
