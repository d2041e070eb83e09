r"""What the discriminator is doing at each evaluation check: the traces behind a failure's cause.

At every check the trainer records, per member, on :data:`TRACE_POINTS` fixed real points
(:func:`trace_points`) and as many points from the *training* generator (the one the
discriminator plays against, not its moving average), all in the networks' own units:

``d_real_score``, ``d_fake_score``
    the mean raw score (logit, critic value) of D on the real and on the generated points;
``d_score_range``
    :math:`\max - \min` of D's score over the real points: 0 when D is constant on the data;
``d_dead_fraction``
    the largest share, over D's hidden layers, of units that are *inactive* (ReLU output
    exactly 0) at every real point. 1 means one layer is dead on the whole data range, so
    D's output there is a constant and its gradient with respect to x is exactly 0. NaN
    when the activation is not ReLU (no unit is ever exactly inactive) or D is a user's
    own module;
``g_gradient_ratio``
    how much of its drive the generator's loss still passes on:

    .. math::

        \rho = \frac{\operatorname{mean}_i |\partial \ell_G / \partial s|_{s = s(G(z_i))}}
                    {|\partial \ell_G / \partial s|_{s = m}}, \qquad
        m = \tfrac12 (\bar s_{\mathrm{real}} + \bar s_{\mathrm{fake}}),

    with :math:`\ell_G` the loss's per-sample generator objective, differentiated by
    autograd exactly as training computes it, and :math:`m` the score halfway between real
    and fake, where a sample D cannot place would sit. :math:`\rho \ll 1` is the
    *saturation* of Goodfellow et al. (2014, Sec. 3): the minimax objective
    :math:`\log(1 - D(G(z)))` has slope :math:`\sigma(s)`, which vanishes once D rejects
    the fakes confidently; for the non-saturating, Wasserstein and hinge objectives the
    slope does not shrink there and :math:`\rho \ge 1`.

All are cheap (one forward pass of D on ~1,000 points per member, one of G on 500) and
change nothing in training: no random stream is drawn from and no weight is touched.

A check also takes a *snapshot* for the film of training (:mod:`ganzoo._animation`): the
first :data:`SNAPSHOT_POINTS` points of the check's evaluation sample and D's raw scores
on the fixed grid of :func:`ganzoo._reference.discriminator_grid` (:class:`CheckRecorder`).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ._inference import forward_in_groups, inference_groups
from ._networks import StackedMLP
from ._reference import discriminator_grid, reference_points
from .remedies import pack

TRACE_POINTS = 500
"""Real points (and generated points) per member on which the traces are taken."""

SNAPSHOT_POINTS = 256
"""Points of each check's evaluation sample kept per member in its snapshot."""

TRACE_KEYS = ("d_real_score", "d_fake_score", "d_score_range", "d_dead_fraction", "g_gradient_ratio")


def trace_points(target, n: int = TRACE_POINTS) -> np.ndarray:
    """``n`` fixed real points ``(n, dim)`` of the training target: evenly spaced rows of its
    data, or its first ``n`` seeded reference draws (:func:`ganzoo._reference.reference_points`)."""
    points = reference_points(target)
    rows = np.linspace(0, len(points) - 1, min(n, len(points))).round().astype(int)
    return points[rows]


def discriminator_traces(
    discriminator: torch.nn.Module, loss, real: torch.Tensor, fake: torch.Tensor, *, packing: int = 1
) -> dict[str, np.ndarray]:
    """The traces (module docstring) of K members: ``real`` ``(n, dim)`` shared by all,
    ``fake`` ``(K, m, dim)``, both in the networks' units; each value has shape ``(K,)``.
    A packed discriminator (``packing`` p) is traced on packs of p consecutive points."""
    members = fake.shape[0]
    real = real.expand(members, *real.shape)
    if packing > 1:  # whole packs only
        real = pack(real[:, : real.shape[1] // packing * packing], packing)
        fake = pack(fake[:, : fake.shape[1] // packing * packing], packing)
    with torch.no_grad():
        real_scores, dead = _scores_and_dead_fraction(discriminator, real)
        fake_scores = forward_in_groups(discriminator, fake)
    middle = 0.5 * (real_scores.mean(dim=(1, 2)) + fake_scores.mean(dim=(1, 2)))
    at_fake = _generator_slopes(loss, fake_scores).abs().mean(dim=(1, 2))
    at_middle = _generator_slopes(loss, middle[:, None, None]).abs()[:, 0, 0]
    ratio = torch.where(at_middle > 0, at_fake / at_middle, torch.full_like(at_fake, math.nan))
    return {
        "d_real_score": _numpy(real_scores.mean(dim=(1, 2))),
        "d_fake_score": _numpy(fake_scores.mean(dim=(1, 2))),
        "d_score_range": _numpy(real_scores.amax(dim=(1, 2)) - real_scores.amin(dim=(1, 2))),
        "d_dead_fraction": dead,
        "g_gradient_ratio": _numpy(ratio),
    }


class CheckRecorder:
    """What one trainer records at a check besides the scores: the traces and the snapshot.

    Holds the fixed real points (of ``training_target``) and the snapshot grid (over
    ``target``), in data units (:attr:`grid`) and in the networks' units (``standard_units``
    when the setting standardizes).
    """

    def __init__(self, training_target, target, standard_units, *, dtype: torch.dtype, device: torch.device) -> None:
        self.grid = discriminator_grid(target)

        def tensor(points: np.ndarray) -> torch.Tensor:
            if standard_units is not None:  # the networks work in standard units
                points = (points - standard_units.location) / standard_units.scale
            return torch.as_tensor(points, dtype=dtype, device=device)

        self.real, self.grid_points = tensor(trace_points(training_target)), tensor(self.grid)

    def record(self, trainer, noise: torch.Tensor, samples: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """``(traces, scores_on_grid (K, g), snapshot samples (K, m, dim))`` of the trainer's
        members now: ``noise`` ``(K, n, latent)`` for the training generator's points,
        ``samples`` the check's evaluation sample; NaN traces for a diverged member."""
        whole = noise.shape[1] // trainer.config.packing * trainer.config.packing  # whole packs only
        with torch.no_grad():
            fake = forward_in_groups(trainer.generator, noise[:, :whole].to(self.real.device, self.real.dtype))
        on_grid = trainer.discriminator_scores(self.grid_points.expand(trainer.members, *self.grid_points.shape))
        config = trainer.config
        traces = discriminator_traces(trainer.discriminator, config.loss, self.real, fake, packing=config.packing)
        for values in traces.values():
            values[trainer.diverged_at >= 0] = math.nan
        return traces, on_grid.float().cpu().numpy(), samples[:, :SNAPSHOT_POINTS].astype(np.float32)


def _generator_slopes(loss, scores: torch.Tensor) -> torch.Tensor:
    """:math:`\\partial \\ell_G / \\partial s` at each score of ``scores (K, n, 1)``: the
    gradient of the members' summed mean losses, times n (each member's loss is a mean)."""
    scores = scores.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (gradient,) = torch.autograd.grad(loss.generator_loss(scores).sum(), scores)
    return gradient * scores.shape[1]


def _scores_and_dead_fraction(discriminator: torch.nn.Module, real: torch.Tensor) -> tuple[torch.Tensor, np.ndarray]:
    """D's scores at ``real`` (K, n, dim) and per member the largest share over hidden layers
    of ReLU units that output 0 at every point (NaN for another activation, no hidden layer,
    or a user's own module), from one pass, a group of members at a time."""
    members = real.shape[0]
    if not isinstance(discriminator, StackedMLP) or discriminator.spec.activation != "relu":
        return forward_in_groups(discriminator, real), np.full(members, math.nan)
    scores, shares = [], []
    for group in inference_groups(discriminator, real.shape[1]):
        hidden, output = discriminator.hidden_and_output(real[group], members=group)
        scores.append(output)
        if hidden:
            shares.append(torch.stack([(h == 0).all(dim=1).double().mean(dim=1) for h in hidden]).amax(dim=0))
    dead = _numpy(torch.cat(shares)) if shares else np.full(members, math.nan)
    return torch.cat(scores), dead


def _numpy(values: torch.Tensor) -> np.ndarray:
    return values.detach().double().cpu().numpy()
