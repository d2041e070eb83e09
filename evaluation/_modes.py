"""Mode coverage for mixture-like targets (GaussianMixture, Ring, Grid).

Definitions, after VEEGAN (Srivastava et al. 2017, sec. 5.1) and PacGAN (Lin et al. 2018,
sec. 5):

- each sample is assigned to its nearest mode (Euclidean distance);
- it is *high quality* if it lies within ``n_std`` (default 3) standard deviations of that
  mode: |x - mode_k| <= n_std * mode_std_k;
- ``high_quality_fraction`` = high-quality samples / all samples;
- mode k is *covered* if it receives at least ``min_fraction`` (default 0.2) of the
  high-quality samples it would expect, i.e. count_k >= max(1, min_fraction * n * w_k); for
  the 25-mode grid at n = 2,500 this is 20 samples;
- ``mode_kl`` = KL(p || w) = sum_k p_k log(p_k / w_k), with p the histogram of high-quality
  samples over modes and w the target's mixture weights (uniform for Ring and Grid): PacGAN's
  "reverse KL" of the mode distribution. 0 when the modes are hit in proportion; log(m) when
  all the mass sits on one of m equal modes; NaN when no sample is high quality.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from ._specs import as_target
from ._target import Target
from ._validation import as_samples, check_finite, check_probability, check_real

__all__ = ["ModeCoverage", "has_modes", "mode_coverage", "nan_coverage"]


#: Defaults of :func:`mode_coverage`, shared with evaluate() and the calibration.
N_STD = 3.0
MIN_FRACTION = 0.2


def has_modes(target: Target) -> bool:
    """True for mixture-like targets (those exposing ``modes`` and ``mode_std``)."""
    return hasattr(target, "modes") and hasattr(target, "mode_std")


@dataclasses.dataclass(frozen=True)
class ModeCoverage:
    """Modes covered, high-quality fraction and mode-histogram KL (see the module docstring)."""

    modes_covered: int  # NaN (a float) only in a 'diverged' Report
    n_modes: int
    high_quality_fraction: float
    mode_kl: float
    counts: tuple[int, ...]

    def to_dict(self) -> dict[str, float | int]:
        return {
            "modes_covered": (
                int(self.modes_covered) if math.isfinite(self.modes_covered) else math.nan
            ),
            "n_modes": int(self.n_modes),
            "high_quality_fraction": float(self.high_quality_fraction),
            "mode_kl": float(self.mode_kl),
        }


def nan_coverage(target: Target) -> ModeCoverage | None:
    """The coverage of a diverged sample: NaN, the target's mode count; None without modes."""
    if not has_modes(target):
        return None
    return ModeCoverage(math.nan, len(target.modes), math.nan, math.nan, ())


def mode_parameters(target: Target) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(modes (m, dim), mode_std (m,), weights (m,), summing to 1)`` of a mixture-like
    target (equal weights where it declares none)."""
    modes = np.asarray(target.modes, dtype=float)
    m = modes.shape[0]
    mode_std = np.broadcast_to(np.asarray(target.mode_std, dtype=float), (m,))
    weights = np.asarray(getattr(target, "weights", np.full(m, 1.0 / m)), dtype=float)
    return modes, mode_std, weights / weights.sum()


def _coverage(
    x: np.ndarray, target: Target, *, n_std: float = N_STD, min_fraction: float = MIN_FRACTION
) -> ModeCoverage:
    modes, mode_std, weights = mode_parameters(target)
    m = modes.shape[0]
    # |x|^2 - 2 x.mu + |mu|^2 avoids an (n, m, dim) temporary; m is at most a few dozen.
    d2 = (x * x).sum(axis=1)[:, None] - 2 * x @ modes.T + (modes * modes).sum(axis=1)
    nearest = np.argmin(d2, axis=1)
    dist = np.sqrt(np.maximum(d2[np.arange(x.shape[0]), nearest], 0.0))
    good = dist <= n_std * mode_std[nearest]
    counts = np.bincount(nearest[good], minlength=m)
    n = x.shape[0]
    covered = int(np.sum(counts >= np.maximum(1.0, min_fraction * n * weights)))
    n_good = int(counts.sum())
    if n_good:
        p = counts / n_good
        nz = p > 0
        kl = float(np.sum(p[nz] * np.log(p[nz] / weights[nz])))
    else:
        kl = math.nan
    return ModeCoverage(
        covered, m, n_good / n, max(kl, 0.0) if n_good else kl, tuple(int(c) for c in counts)
    )


def mode_coverage(
    samples: Any,
    target: Target | str,
    *,
    n_std: float = N_STD,
    min_fraction: float = MIN_FRACTION,
) -> ModeCoverage:
    """Modes covered, fraction of high-quality samples and KL of the mode histogram.

    See the module docstring for the definitions (VEEGAN, Srivastava et al. 2017; PacGAN,
    Lin et al. 2018). ``target`` must be mixture-like (``modes``, ``mode_std``). Strict: NaN
    or inf in ``samples`` is a ValueError.
    """
    target = as_target(target)
    if not has_modes(target):
        raise ValueError(
            f"target must be mixture-like (GaussianMixture, Ring, Grid) for mode_coverage, got {target!r}"
        )
    x = check_finite(as_samples(samples, target.dim, min_n=1))
    n_std = check_real("n_std", n_std, positive=True)
    min_fraction = check_probability("min_fraction", min_fraction, open_interval=False)
    return _coverage(x, target, n_std=n_std, min_fraction=min_fraction)
