"""Two-dimensional benchmark mixtures: the ring and the grid of Gaussians."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np

from ._target import _readonly, _set, format_number
from ._validation import check_int, check_real, check_rng

#: The most modes a Ring or Grid may have: mode coverage compares every sample with every
#: mode (an (n, modes) matrix), so a typo such as ``ring:80000000`` must not exhaust memory.
MAX_MODES = 1000


class _PlanarMixture:
    """Equal-weight isotropic Gaussian mixture in 2-D (the Ring and Grid benchmarks)."""

    dim: ClassVar[int] = 2
    kind: ClassVar[str]
    mode_std: float
    _modes: np.ndarray

    def _finish(self) -> None:
        modes = self._modes
        mean = modes.mean(axis=0)
        var = ((modes - mean) ** 2).mean(axis=0) + self.mode_std**2
        _set(self, "_mean", _readonly(mean))
        _set(self, "_std", _readonly(np.sqrt(var)))
        _set(self, "_weights", _readonly(np.full(len(modes), 1.0 / len(modes))))
        _readonly(modes)

    @property
    def modes(self) -> np.ndarray:
        return self._modes

    @property
    def weights(self) -> np.ndarray:
        return self._weights

    @property
    def n_modes(self) -> int:
        return len(self._modes)

    @property
    def mean(self) -> np.ndarray:
        return self._mean

    @property
    def std(self) -> np.ndarray:
        """Per-coordinate standard deviation, sqrt(var of the mode coordinates + mode_std^2)."""
        return self._std

    @property
    def spec(self) -> str:
        args = ",".join(format_number(getattr(self, f.name)) for f in dataclasses.fields(self))
        return f"{self.kind}:{args}"

    def pdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != (2,):
            raise ValueError(f"x must have shape (..., 2) for a 2-D target, got {x.shape}")
        d2 = ((x[..., None, :] - self._modes) ** 2).sum(axis=-1)
        s2 = self.mode_std**2
        return np.exp(-0.5 * d2 / s2).mean(axis=-1) / (2 * math.pi * s2)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` i.i.d. draws as float64 of shape (n, 2): a uniform mode plus N(0, mode_std^2 I)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        k = rng.integers(len(self._modes), size=n)
        return self._modes[k] + rng.normal(0.0, self.mode_std, size=(n, 2))


@dataclasses.dataclass(frozen=True)
class Ring(_PlanarMixture):
    """8 modes at radius 2, angles 2 pi k / 8 (k = 0..7), std 0.02 (Unrolled GAN, VEEGAN).

    The angles deliberately exclude 2 pi: ``linspace(0, 2 pi, 8)`` would put two modes on
    the same point, a slip found in some public demos.
    """

    n_modes: int = 8
    radius: float = 2.0
    mode_std: float = 0.02
    kind: ClassVar[str] = "ring"

    def __post_init__(self) -> None:
        _set(self, "n_modes", check_int("n_modes", self.n_modes, minimum=1))
        if self.n_modes > MAX_MODES:
            raise ValueError(f"n_modes must be <= {MAX_MODES}, got {self.n_modes}")
        _set(self, "radius", check_real("radius", self.radius, positive=True))
        _set(self, "mode_std", check_real("mode_std", self.mode_std, positive=True))
        angles = 2 * np.pi * np.arange(self.n_modes) / self.n_modes
        _set(self, "_modes", self.radius * np.column_stack([np.cos(angles), np.sin(angles)]))
        self._finish()


@dataclasses.dataclass(frozen=True)
class Grid(_PlanarMixture):
    """side x side modes spaced ``spacing`` apart, centred on 0: {-4,-2,0,2,4}^2, std 0.05 by default
    (VEEGAN, PacGAN)."""

    side: int = 5
    spacing: float = 2.0
    mode_std: float = 0.05
    kind: ClassVar[str] = "grid"

    def __post_init__(self) -> None:
        _set(self, "side", check_int("side", self.side, minimum=1))
        if self.side**2 > MAX_MODES:
            side = math.isqrt(MAX_MODES)
            raise ValueError(f"side must be <= {side} (side**2 modes, at most {MAX_MODES}), got {self.side}")
        _set(self, "spacing", check_real("spacing", self.spacing, positive=True))
        _set(self, "mode_std", check_real("mode_std", self.mode_std, positive=True))
        coords = (np.arange(self.side) - (self.side - 1) / 2) * self.spacing
        gx, gy = np.meshgrid(coords, coords, indexing="ij")
        _set(self, "_modes", np.column_stack([gx.ravel(), gy.ravel()]))
        self._finish()

    @property
    def n_modes(self) -> int:  # type: ignore[override]
        return self.side**2
