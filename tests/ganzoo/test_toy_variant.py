"""A new variant costs one file and one conformance row: this file is that file.

``ToyGAN`` is declared here exactly as a variant module in ``ganzoo/variants/`` declares
one, and ``ROW`` is its conformance row; every generic check of the conformance list passes
on it, and the convergence property tests skip it (it has no confirmation) instead of
failing, with nothing else in the project changed.
"""

from __future__ import annotations

import pytest
from conformance import GENERIC_CHECKS, Case
from test_convergence import documented

from ganzoo import GAN, Adam, GANConfig, HingeLoss, MLPSpec


class ToyGAN(GAN):
    r"""A toy variant: the hinge loss of Lim & Ye (2017), "Geometric GAN", with small
    leaky-ReLU networks and Adam at 2e-4, β = (0.5, 0.999) (Radford et al. 2016).

    .. math::

        L_D = \mathbb{E}[\max(0, 1 - D(x))] + \mathbb{E}[\max(0, 1 + D(G(z)))], \qquad
        L_G = -\mathbb{E}[D(G(z))].
    """

    name = "toy"
    defaults = GANConfig(
        loss=HingeLoss(),
        generator=MLPSpec(width=8, depth=2, activation="leaky_relu"),
        discriminator=MLPSpec(width=8, depth=2, activation="leaky_relu"),
        g_optimizer=Adam(lr=2e-4, betas=(0.5, 0.999)),
        d_optimizer=Adam(lr=2e-4, betas=(0.5, 0.999)),
        n_critic=2,
        steps=1000,
    )


ROW = Case("toy", ToyGAN)


@pytest.mark.parametrize("check", GENERIC_CHECKS, ids=lambda check: check.__name__)
def test_a_toy_variant_passes_every_generic_check(check):
    check(ROW)


def test_the_convergence_property_tests_skip_a_variant_without_confirmation(monkeypatch):
    with pytest.raises(pytest.skip.Exception, match="ToyGAN declares no recommended setting"):
        documented(ToyGAN)
    monkeypatch.setattr(ToyGAN, "recommended_settings", {"n_critic": 5})
    with pytest.raises(pytest.skip.Exception, match="toy: not confirmed yet; run `python -m benchmarks"):
        documented(ToyGAN)
