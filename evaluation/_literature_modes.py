r"""The mode metrics of the GAN literature, exactly as VEEGAN and PacGAN computed them.

VEEGAN (Srivastava et al. 2017, Sec. 5.1) and PacGAN (Lin et al. 2018, Sec. 5 and Table 1)
score a sample of a mixture of m Gaussian modes :math:`(\mu_k, \sigma_k)`, weights
:math:`w_k`, as the PacGAN authors' code does (``MetricLogger.do`` in
``synthetic_data_experiments/PacGAN/pacgan/extensions.py`` of github.com/fjxmlzn/PacGAN;
the KL as ``KLD(p, q)`` of ``stacked_MNIST_experiments/*/model.py``):

- each sample x goes to the mode nearest in standardized distance,
  :math:`d_k(x) = \lVert (x - \mu_k) / \sigma_k \rVert` (with one σ per mode, as every
  built-in mixture has, the Euclidean nearest mode when the σ are equal);
- it is *high quality* when that distance is *below* 3: :math:`d_k(x) < 3` (strict, as
  the code's ``min_dis < self.dis_thre``);
- a mode is *captured* when at least one high-quality sample went to it;
- *high-quality fraction*: high-quality samples / all samples (the papers report it in %);
- *reverse KL*: :math:`\mathrm{KL}(p \,\Vert\, w) = \sum_{k: p_k > 0} p_k \log(p_k / w_k)`,
  with p the histogram of the high-quality samples over the modes and w the mixture weights
  (uniform for the ring and the grid); NaN when no sample is high quality.

These differ from :func:`evaluation.mode_coverage`, ganzoo's own, in one rule on purpose:
ganzoo counts a mode covered only with at least a fifth of the high-quality samples it
should get (one stray sample does not cover a mode), and its threshold is ``<=``. Use these
to compare with published numbers, ganzoo's to judge a run.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from ._modes import has_modes, mode_parameters
from ._specs import as_target
from ._target import Target
from ._validation import as_samples, check_finite

__all__ = ["LiteratureModeMetrics", "literature_mode_metrics"]

HIGH_QUALITY_STD = 3.0
"""The papers' threshold: a sample within 3 standard deviations of its nearest mode."""


@dataclasses.dataclass(frozen=True)
class LiteratureModeMetrics:
    """VEEGAN/PacGAN's mode metrics of one sample (module docstring)."""

    modes_captured: int
    n_modes: int
    high_quality_fraction: float
    reverse_kl: float
    counts: tuple[int, ...]  # high-quality samples per mode

    def to_dict(self) -> dict[str, float | int]:
        return {
            "modes_captured": self.modes_captured,
            "n_modes": self.n_modes,
            "high_quality_fraction": self.high_quality_fraction,
            "reverse_kl": self.reverse_kl,
        }


def high_quality_modes(x: np.ndarray, target: Target) -> np.ndarray:
    """Per sample of ``x`` ``(n, dim)``, the index of its nearest mode of the mixture-like
    ``target`` by standardized distance ‖(x − μ_k)/σ_k‖ when that distance is below
    :data:`HIGH_QUALITY_STD` (a high-quality sample), else −1: the authors' rule."""
    modes, std, _ = mode_parameters(target)
    distance = np.linalg.norm((x[:, None, :] - modes[None, :, :]) / std[None, :, None], axis=2)  # (n, m)
    nearest = np.argmin(distance, axis=1)
    return np.where(distance[np.arange(len(x)), nearest] < HIGH_QUALITY_STD, nearest, -1)


def literature_mode_metrics(samples: Any, target: Target | str) -> LiteratureModeMetrics:
    """VEEGAN/PacGAN's modes captured, high-quality fraction and reverse KL of ``samples``
    ``(n, dim)`` on a mixture-like ``target`` (``modes``, ``mode_std``: GaussianMixture, Ring,
    Grid). Strict: NaN or inf in ``samples`` is a ValueError."""
    target = as_target(target)
    if not has_modes(target):
        raise ValueError(
            f"target must be mixture-like (GaussianMixture, Ring, Grid) for literature_mode_metrics, got {target!r}"
        )
    x = check_finite(as_samples(samples, target.dim, min_n=1))
    _, _, weights = mode_parameters(target)
    m = len(weights)
    assigned = high_quality_modes(x, target)
    counts = np.bincount(assigned[assigned >= 0], minlength=m)
    n_good = int(counts.sum())
    if n_good:
        p = counts / n_good
        kl = float(sum(p[k] * math.log(p[k] / weights[k]) for k in range(m) if p[k] > 0))
    else:
        kl = math.nan
    return LiteratureModeMetrics(int(np.count_nonzero(counts)), m, n_good / len(x), kl, tuple(int(c) for c in counts))
