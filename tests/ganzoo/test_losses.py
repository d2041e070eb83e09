"""Losses: reference values on small fixed logits, per-member shapes, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ganzoo import (
    HingeLoss,
    LeastSquaresLoss,
    MinimaxLoss,
    NonSaturatingLoss,
    SigmoidBCELoss,
    WassersteinLoss,
)

# One member, batch of 2: real logits (1, -2), fake logits (0.5, 3), shape (batch, 1).
REAL = torch.tensor([[1.0], [-2.0]], dtype=torch.float64)
FAKE = torch.tensor([[0.5], [3.0]], dtype=torch.float64)

# softplus(x) = log(1 + e^x), values from numpy.logaddexp(0, x):
#   softplus(-1) = 0.31326168751822286   softplus(2) = 2.1269280110429727
#   softplus(0.5) = 0.9740769841801067   softplus(3) = 3.048587351573742
#   softplus(-0.5) = 0.47407698418010663 softplus(-3) = 0.04858735157374206
REFERENCE = [
    # L_D = mean softplus(-real) + mean softplus(fake) = (0.31326 + 2.12693)/2 + (0.97408 + 3.04859)/2
    #     = 1.2200948492805978 + 2.0113321678769244 ; L_G = -mean softplus(fake)
    (MinimaxLoss(), 3.231427017157522, -2.0113321678769244),
    # same L_D ; L_G = mean softplus(-fake) = (0.47408 + 0.04859)/2
    (NonSaturatingLoss(), 3.231427017157522, 0.26133216787692437),
    # BCE on sigmoid probabilities equals the softplus forms for moderate logits (no clamping)
    (SigmoidBCELoss(), 3.231427017157522, 0.26133216787692437),
    # L_D = mean fake - mean real = 1.75 - (-0.5) ; L_G = -mean fake
    (WassersteinLoss(), 2.25, -1.75),
    # (a, b, c) = (0, 1, 1): L_D = ((1-1)^2 + (-2-1)^2)/4 + (0.5^2 + 3^2)/4 = 2.25 + 2.3125 ;
    # L_G = ((0.5-1)^2 + (3-1)^2)/4 = 1.0625
    (LeastSquaresLoss(), 4.5625, 1.0625),
    # (a, b, c) = (-1, 1, 0): L_D = 2.25 + ((0.5+1)^2 + (3+1)^2)/4 = 2.25 + 4.5625 ; L_G = (0.25 + 9)/4
    (LeastSquaresLoss(a=-1.0, b=1.0, c=0.0), 6.8125, 2.3125),
    # L_D = mean relu(1 - real) + mean relu(1 + fake) = (0 + 3)/2 + (1.5 + 4)/2 ; L_G = -mean fake
    (HingeLoss(), 4.25, -1.75),
]
LOSSES = [loss for loss, _, _ in REFERENCE]
BCE_FAMILY = [SigmoidBCELoss(), MinimaxLoss(), NonSaturatingLoss()]


@pytest.mark.parametrize(("loss", "d_expected", "g_expected"), REFERENCE, ids=repr)
def test_reference_values(loss, d_expected, g_expected):
    assert loss.discriminator_loss(REAL, FAKE).item() == pytest.approx(d_expected, rel=1e-14)
    assert loss.generator_loss(FAKE).item() == pytest.approx(g_expected, rel=1e-14)


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_one_value_per_member_each_equal_to_its_own_batch(loss):
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(3, 5, 1, generator=generator, dtype=torch.float64)
    fake = torch.randn(3, 5, 1, generator=generator, dtype=torch.float64)
    d_loss, g_loss = loss.discriminator_loss(real, fake), loss.generator_loss(fake)
    assert d_loss.shape == g_loss.shape == (3,)
    for k in range(3):
        assert d_loss[k].item() == pytest.approx(loss.discriminator_loss(real[k], fake[k]).item(), rel=1e-14)
        assert g_loss[k].item() == pytest.approx(loss.generator_loss(fake[k]).item(), rel=1e-14)


@pytest.mark.parametrize("loss", [MinimaxLoss(), NonSaturatingLoss()], ids=repr)
def test_logit_losses_stay_finite_at_extreme_logits(loss):
    extreme = torch.tensor([[-1000.0], [1000.0]], dtype=torch.float64, requires_grad=True)
    value = loss.discriminator_loss(extreme, extreme) + loss.generator_loss(extreme)
    (grad,) = torch.autograd.grad(value, extreme)
    assert torch.isfinite(value) and torch.isfinite(grad).all()


def test_losses_compare_by_type_and_parameters():
    assert LeastSquaresLoss() == LeastSquaresLoss(a=0, b=1, c=1) != LeastSquaresLoss(a=-1, b=1, c=0)
    assert MinimaxLoss() != NonSaturatingLoss() and hash(HingeLoss()) == hash(HingeLoss())
    assert repr(LeastSquaresLoss()) == "LeastSquaresLoss(a=0.0, b=1.0, c=1.0)"
    assert all(loss.probabilistic for loss in BCE_FAMILY)
    assert not any(loss.probabilistic for loss in (WassersteinLoss(), LeastSquaresLoss(), HingeLoss()))


# ---------------------------------------------------------------- properties

LOGITS = st.floats(min_value=-20.0, max_value=20.0, allow_nan=False)


def _score_gradient(function, score: float) -> float:
    """d function / d score for a batch holding the one score."""
    s = torch.tensor([[score]], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(function(s), s)
    return grad.item()


@settings(max_examples=60, deadline=None)
@given(real=LOGITS, fake=LOGITS)
def test_bce_family_discriminator_pushes_real_up_and_fake_down(real, fake):
    fake_t = torch.tensor([[fake]], dtype=torch.float64)
    real_t = torch.tensor([[real]], dtype=torch.float64)
    for loss in BCE_FAMILY:
        assert _score_gradient(lambda s: loss.discriminator_loss(s, fake_t), real) < 0  # ∂L_D/∂real < 0
        assert _score_gradient(lambda s: loss.discriminator_loss(real_t, s), fake) > 0  # ∂L_D/∂fake > 0


@settings(max_examples=60, deadline=None)
@given(fake=st.floats(min_value=-15.0, max_value=15.0))
def test_vanilla_and_nonsaturating_generator_gradients_agree_off_saturation(fake):
    # Both are d/ds [-log σ(s)] = σ(s) - 1; VanillaGAN forms σ first, which only loses
    # accuracy where σ(s) rounds to 0 or 1 (|s| beyond ~36 in float64).
    vanilla = _score_gradient(SigmoidBCELoss().generator_loss, fake)
    nonsaturating = _score_gradient(NonSaturatingLoss().generator_loss, fake)
    assert vanilla == pytest.approx(nonsaturating, rel=1e-7)
    assert nonsaturating == pytest.approx(-1.0 / (1.0 + math.exp(fake)), rel=1e-12)  # σ(s) - 1 = -σ(-s)


@settings(max_examples=60, deadline=None)
@given(fake=st.floats(min_value=-60.0, max_value=-8.0))
def test_minimax_generator_gradient_vanishes_as_d_of_g_goes_to_zero(fake):
    # D(G(z)) = σ(s) → 0 as s → -∞. Saturating: ∂/∂s log(1 - σ(s)) = -σ(s) → 0.
    # Non-saturating: ∂/∂s [-log σ(s)] = σ(s) - 1 → -1.
    d_of_g = 1.0 / (1.0 + math.exp(-fake))
    saturating = _score_gradient(MinimaxLoss().generator_loss, fake)
    nonsaturating = _score_gradient(NonSaturatingLoss().generator_loss, fake)
    assert saturating == pytest.approx(-d_of_g, rel=1e-12) and abs(saturating) < 4e-4
    assert nonsaturating == pytest.approx(-1.0, abs=4e-4)


def test_saturation_in_numbers():
    # At D(G(z)) = σ(-10) ≈ 4.5e-5 the saturating gradient is 2.2e4 times weaker.
    ratio = _score_gradient(NonSaturatingLoss().generator_loss, -10.0) / _score_gradient(
        MinimaxLoss().generator_loss, -10.0
    )
    assert ratio == pytest.approx(math.exp(10.0), rel=1e-9)  # (1 - σ(s)) / σ(s) = e^{-s}


@settings(max_examples=40, deadline=None)
@given(real=st.floats(-5, 5), fake=st.floats(-5, 5))
def test_wasserstein_and_hinge_gradients_point_the_right_way(real, fake):
    real_t, fake_t = torch.tensor([[real]], dtype=torch.float64), torch.tensor([[fake]], dtype=torch.float64)
    assert _score_gradient(lambda s: WassersteinLoss().discriminator_loss(s, fake_t), real) == -1.0
    assert _score_gradient(lambda s: WassersteinLoss().discriminator_loss(real_t, s), fake) == 1.0
    hinge_real = _score_gradient(lambda s: HingeLoss().discriminator_loss(s, fake_t), real)
    assert hinge_real == (-1.0 if real < 1 else 0.0)  # no gradient beyond the margin
    assert _score_gradient(HingeLoss().generator_loss, fake) == -1.0


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: LeastSquaresLoss(a="0"), TypeError, "a must be a real number, got '0'"),
        (lambda: LeastSquaresLoss(b=float("inf")), ValueError, "b must be finite, got inf"),
        (lambda: LeastSquaresLoss(c=None), TypeError, "c must be a real number, got None"),
        (lambda: LeastSquaresLoss(a=1.0, b=1.0), ValueError, "a .* must differ from b .*got a=1.0 and b=1.0"),
        (lambda: LeastSquaresLoss(0.0, 1.0, 1.0), TypeError, "positional"),  # keyword-only
    ],
)
def test_bad_loss_parameters_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_reference_values_agree_with_numpy():
    # An independent check of the table above in numpy.
    real, fake = REAL.numpy().ravel(), FAKE.numpy().ravel()
    softplus = lambda x: np.logaddexp(0.0, x)  # noqa: E731
    assert MinimaxLoss().discriminator_loss(REAL, FAKE).item() == pytest.approx(
        softplus(-real).mean() + softplus(fake).mean(), rel=1e-14
    )
    assert NonSaturatingLoss().generator_loss(FAKE).item() == pytest.approx(softplus(-fake).mean(), rel=1e-14)
