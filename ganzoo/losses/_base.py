"""The loss interface: discriminator scores in, the two training objectives out."""

from __future__ import annotations

import abc

import torch


def batch_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean over the trailing ``(batch, 1)`` axes of per-sample values.

    Scores arrive as ``(batch, 1)`` for one run or ``(members, batch, 1)`` for an ensemble;
    each member's loss must be the mean over its own batch only, so that summing the
    members' losses gives every member exactly the gradient of its own run.
    """
    return values.mean(dim=(-2, -1))


class Loss(abc.ABC):
    """A GAN objective, written on the discriminator's raw scores (logits / critic values).

    Subclasses implement the two objectives; both take scores of shape ``(..., batch, 1)``
    and return one loss per leading index, shape ``(...)`` (a scalar for a single run).
    The docstring of each subclass starts with its formulas and its paper. Each loss is a
    frozen dataclass whose fields are its hyperparameters (keyword-only, validated in
    ``__post_init__``): equal settings compare and hash equal, and the repr shows them.

    ``probabilistic`` tells whether ``sigmoid(score)`` is the discriminator's probability
    that its input is real (the BCE family), which plots use to draw D(x) beside the
    optimal D*(x) = p(x) / (p(x) + q(x)).
    """

    probabilistic: bool = False

    @abc.abstractmethod
    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        """The objective the discriminator (critic) minimizes."""

    @abc.abstractmethod
    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        """The objective the generator minimizes."""
