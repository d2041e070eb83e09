"""A target seen in training through a finite set of draws made once.

Some protocols train on a fixed sample of the target rather than on fresh draws: PacGAN's
toy experiments (Lin et al. 2018; the authors' ``GaussianPackingMixture`` in fjxmlzn/PacGAN,
``synthetic_data_experiments/PacGAN/pacgan/datasets.py``) draw 100,000 points of the mixture
once and take every batch from them. :class:`FixedDraws` is that protocol as a target: its
``sample`` draws rows, with replacement, from ``n`` draws of ``base`` made once from
``seed``; every other member (``cdf``, ``modes``, moments, ...) is ``base``'s, so scores
stay those against the distribution itself, and a two-sample score's reference sample is
drawn from ``base`` too (:func:`evaluation.reference_sample`). ``ganzoo`` trains on the
draws and scores against ``base``.

Spec: ``fixed:n,seed:BASE`` (``seed`` may be omitted: 0), e.g. ``fixed:100000,0:ring:8,1,0.01``.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

import numpy as np

from ._empirical import Empirical
from ._protocol import Members, check_members
from ._validation import check_int, check_rng

# The members a FixedDraws takes from its base: every optional member of the protocol.
_FROM_BASE = frozenset(f.name for f in dataclasses.fields(Members)) | {"mode_std", "weights"}


@dataclasses.dataclass(frozen=True)
class FixedDraws:
    """``base`` as training sees it: ``n`` draws made once (``seed``), sampled with replacement."""

    base: Any
    n: int = 100_000
    seed: int = 0
    kind: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        base = self.base
        if isinstance(base, str):
            raise TypeError(
                f"base must be a target, got the str {base!r}: pass evaluation.as_target({base!r}), "
                f"or write the whole spec 'fixed:{self.n},{self.seed}:{base}'"
            )
        check_members(base)
        if isinstance(base, (Empirical, FixedDraws)):
            raise ValueError(
                f"base must be a target that can be sampled anew, got {base.spec!r}, which is "
                "already a fixed set of draws"
            )
        object.__setattr__(self, "n", check_int("n", self.n, minimum=2))
        object.__setattr__(self, "seed", check_int("seed", self.seed, minimum=0))

    @property
    def dim(self) -> int:
        return self.base.dim

    @property
    def spec(self) -> str:
        return f"{self.kind}:{self.n},{self.seed}:{self.base.spec}"

    @functools.cached_property
    def data(self) -> np.ndarray:
        """The ``n`` draws, float64 of shape ``(n, dim)``, read-only: ``base.sample(n,
        numpy.random.default_rng(seed))``."""
        draws = np.array(self.base.sample(self.n, np.random.default_rng(self.seed)), dtype=np.float64)
        draws = draws.reshape(self.n, self.dim)
        draws.setflags(write=False)
        return draws

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` of the draws, chosen uniformly with replacement, float64 of shape (n, dim)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        return self.data[rng.integers(self.n, size=n)]

    def __getattr__(self, name: str) -> Any:
        # Called only for names not found normally: the optional members come from base.
        if name in _FROM_BASE:
            return getattr(self.base, name)  # an AttributeError where base has none
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
