r"""Instance noise: Gaussian noise on everything the discriminator sees, annealed to zero.

Sønderby, Caballero, Theis, Shi & Huszár (2017), "Amortised MAP Inference for Image
Super-resolution", ICLR, Sec. 3.2 and Appendix C; Arjovsky & Bottou (2017), "Towards
Principled Methods for Training Generative Adversarial Networks", ICLR, Sec. 3.1. Real and
generated samples reach the discriminator as

.. math::

    \tilde x = x + \sigma_t\,\varepsilon, \qquad \varepsilon \sim N(0, I), \qquad
    \sigma_t = \sigma_0 \max\!\Big(0,\ 1 - \frac{t}{T}\Big),

in every step, the generator's included (it is trained against D on the noisy
distributions), with t the generator step and T = ``anneal_steps`` (T = 0: a constant
σ_0). The game is then played between :math:`p * N(0, \sigma_t^2 I)` and
:math:`q * N(0, \sigma_t^2 I)`, whose supports overlap, so the discriminator cannot be
perfect and its gradient does not vanish while the generator is far off. The papers anneal
σ to zero; the linear schedule is this implementation's choice. With packing the noise is
added to each sample before the packs are formed; with ``standardize=True`` σ is in
standard units.

The numbers ε come from each run's own stream (``Stream.INSTANCE_NOISE``), keyed by the
seed and the step like the training batches, so member k of an ensemble and a resumed run
see exactly the numbers of the single, uninterrupted run.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from .._streams import CHUNK_STEPS, Stream, numpy_rng
from .._validation import check_float, check_int


@dataclasses.dataclass(frozen=True, kw_only=True)
class InstanceNoise:
    """Instance noise of standard deviation ``std`` (σ_0), annealed linearly to 0 over
    ``anneal_steps`` generator steps (0: never annealed); see the module docstring."""

    std: float = 0.1
    anneal_steps: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "std", check_float("std", self.std, nonnegative=True))
        check_int("anneal_steps", self.anneal_steps, minimum=0)

    def std_at(self, step: int) -> float:
        """σ_t at generator step ``step`` (0-based)."""
        if not self.anneal_steps:
            return self.std
        return self.std * max(0.0, 1.0 - step / self.anneal_steps)

    def to_dict(self) -> dict[str, object]:
        return {"name": type(self).__name__, "std": self.std, "anneal_steps": self.anneal_steps}


class InstanceNoiseDraws:
    """The standard normal numbers ε of every step of K runs, drawn in chunks of
    :data:`~ganzoo._streams.CHUNK_STEPS` steps from ``SeedSequence(seed, (INSTANCE_NOISE, chunk))``.

    Per generator step and member: for each of the ``n_critic`` critic steps, ε for its
    ``samples`` real and ``samples`` generated points, then ε for the generator step's
    ``samples`` generated points (``samples`` = samples per batch, packs × packing).
    """

    def __init__(self, seeds: list[int], *, samples: int, dim: int, n_critic: int, device, dtype) -> None:
        self.seeds, self.samples, self.dim, self.n_critic = seeds, samples, dim, n_critic
        self.device, self.dtype = device, dtype
        self._index, self._chunk = -1, None

    def at(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``(critic (n_critic, 2, K, samples, dim), generator (K, samples, dim))`` of step ``step``:
        ``critic[i, 0]`` for critic step i's real points, ``critic[i, 1]`` for its generated ones."""
        chunk, offset = divmod(step, CHUNK_STEPS)
        if chunk != self._index:
            self._chunk = None
            shape = (CHUNK_STEPS, 2 * self.n_critic + 1, self.samples, self.dim)
            draws = np.stack([numpy_rng(seed, Stream.INSTANCE_NOISE, chunk).standard_normal(shape) for seed in self.seeds])
            self._chunk = torch.as_tensor(draws, dtype=self.dtype).to(self.device).transpose(0, 1)
            self._index = chunk
        numbers = self._chunk[offset]  # (K, 2 n_critic + 1, samples, dim)
        critic = numbers[:, : 2 * self.n_critic].unflatten(1, (self.n_critic, 2)).permute(1, 2, 0, 3, 4)
        return critic, numbers[:, -1]
