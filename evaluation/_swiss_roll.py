r"""The Swiss roll: a 2-D spiral with no density in closed form, known by its sampler alone.

The toy target of Gulrajani et al. (2017), "Improved Training of Wasserstein GANs", NeurIPS,
Figure 1, as the authors' ``gan_toy.py`` draws it (igul222/improved_wgan_training, L191-200):
``sklearn.datasets.make_swiss_roll(n, noise=0.25)``, its columns 0 and 2, divided by 7.5.
That is, with :math:`t = \tfrac{3\pi}{2}(1 + 2u)`, :math:`u \sim U(0, 1)`, and
:math:`\varepsilon \sim N(0, \sigma^2 I_2)`,

.. math::

    x = \bigl(t \cos t + \varepsilon_1,\; t \sin t + \varepsilon_2\bigr) / s,

with :math:`\sigma` = ``noise`` and :math:`s` = ``scale``. It has no exact density, CDF or
modes, so it is scored by two-sample tests against a large reference sample (the target
protocol's sample-only case); written here so that evaluation needs no scikit-learn.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import numpy as np

from ._target import _set, format_number
from ._validation import check_int, check_real, check_rng


@dataclasses.dataclass(frozen=True)
class SwissRoll:
    """The WGAN-GP toy's Swiss roll: ``noise`` (σ of the Gaussian noise, before scaling) and ``scale`` (the divisor)."""

    noise: float = 0.25
    scale: float = 7.5
    dim: ClassVar[int] = 2
    kind: ClassVar[str] = "swissroll"

    def __post_init__(self) -> None:
        _set(self, "noise", check_real("noise", self.noise))
        if self.noise < 0:
            raise ValueError(f"noise must be >= 0, got {self.noise!r}")
        _set(self, "scale", check_real("scale", self.scale, positive=True))

    @property
    def spec(self) -> str:
        return f"{self.kind}:{format_number(self.noise)},{format_number(self.scale)}"

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` i.i.d. draws as float64 of shape (n, 2)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        t = 1.5 * math.pi * (1.0 + 2.0 * rng.random(n))
        points = np.column_stack([t * np.cos(t), t * np.sin(t)]) + rng.normal(0.0, self.noise, size=(n, 2))
        return points / self.scale
