"""The results of :func:`evaluation.evaluate`: :class:`Report` and :class:`MomentsND`."""

from __future__ import annotations

import dataclasses
import html
import math
from typing import Any

import numpy as np

from ._modes import ModeCoverage
from ._one_sample import Moments, TestResult
from ._tables import to_html
from ._two_sample import MMDResult
from ._verdict import Verdict

__all__ = ["MomentsND", "Report", "SCALAR_MOMENT_KEYS"]

_NAN = math.nan
SCALAR_MOMENT_KEYS = (
    "mean",
    "std",
    "skewness",
    "excess_kurtosis",
    "mean_error",
    "std_error",
    "std_ratio",
)


@dataclasses.dataclass(frozen=True, eq=False)
class MomentsND:
    """Per-coordinate mean and std (ddof=1) of a d-D sample vs the target's.

    ``mean_error``, ``std_error``, ``std_ratio`` are arrays (sample - target, sample /
    target); ``mean_error_norm`` = |mean - target mean|; ``total_std_ratio`` =
    sqrt(trace cov / trace target cov), the scale used for the 'collapsed' label.
    """

    n: int
    mean: np.ndarray
    std: np.ndarray
    target_mean: np.ndarray
    target_std: np.ndarray

    def __eq__(self, other: object) -> bool:
        # Field-wise array comparison (the generated __eq__ would compare arrays with ==).
        if not isinstance(other, MomentsND):
            return NotImplemented
        return self.n == other.n and all(
            np.array_equal(getattr(self, f), getattr(other, f), equal_nan=True)
            for f in ("mean", "std", "target_mean", "target_std")
        )

    @property
    def mean_error(self) -> np.ndarray:
        return self.mean - self.target_mean

    @property
    def std_error(self) -> np.ndarray:
        return self.std - self.target_std

    @property
    def std_ratio(self) -> np.ndarray:
        """std / target std; NaN where the target std is 0 (a point mass), never inf."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.target_std > 0, self.std / self.target_std, _NAN)

    @property
    def mean_error_norm(self) -> float:
        return float(np.linalg.norm(self.mean_error))

    @property
    def total_std_ratio(self) -> float:
        total = np.sum(self.target_std**2)
        if not total > 0:
            return _NAN  # a point mass: the ratio is undefined
        return float(np.sqrt(np.sum(self.std**2) / total))

    def to_dict(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in ("mean", "std", "mean_error", "std_error", "std_ratio"):
            for i, v in enumerate(getattr(self, name)):
                out[f"{name}_{i}"] = float(v)
        out["mean_error_norm"] = self.mean_error_norm
        out["total_std_ratio"] = self.total_std_ratio
        return out


@dataclasses.dataclass(frozen=True)
class Report:
    """Scores of one sample against one target, and the verdict.

    Fields that do not apply to the target hold NaN results (``ks``, ``cvm``, ``ad``,
    ``wasserstein`` in 2-D; ``sliced_wasserstein`` in 1-D) or None (``mmd`` in 1-D,
    ``modes`` for targets without modes), so generic code can read them all.

    What the scores were computed against (see "Targets" in docs/evaluation.md):
    ``two_sample`` names the scores computed against a sample instead of the exact target,
    ``reference`` says which sample (``"data"`` for an Empirical target, ``"reference
    sample (seed s)"`` for one drawn with the target's ``sample``) and ``n_reference`` its
    size; ``skipped`` lists ``"score: reason"`` for each score that could not be computed
    (NaN in its field). ``marginal_ks`` holds the per-coordinate two-sample KS D of a d-D
    target without exact marginals (None otherwise).

    ``protocol_keys`` is False for the built-in targets and complete scipy.stats targets,
    whose ``to_dict()`` keeps its original layout; True for every other target (Empirical,
    point mass, custom targets, multivariate normal), whose ``to_dict()`` adds
    ``reference``, ``n_reference``, ``two_sample``, ``skipped`` (and ``ks_statistic_<i>``
    in d-D). The key set depends only on the target, never on the sample.
    """

    n: int
    target: str
    dim: int
    moments: Moments | MomentsND
    ks: TestResult
    cvm: TestResult
    ad: TestResult
    wasserstein: float
    energy_distance: float
    verdict: Verdict
    sliced_wasserstein: float = _NAN
    mmd: MMDResult | None = None
    modes: ModeCoverage | None = None
    n_nonfinite: int = 0
    null_percentiles: dict[str, float] | None = None
    two_sample: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    reference: str = ""
    n_reference: int = 0
    marginal_ks: tuple[float, ...] | None = None
    protocol_keys: bool = False

    @property
    def label(self) -> str:
        return self.verdict.label

    @property
    def converged(self) -> bool:
        return self.verdict.converged

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.verdict.reasons

    def _repr_html_(self) -> str:
        """The verdict and every score as an HTML table (notebooks show this)."""
        scores = self.to_dict()
        rows = [{"score": key, "value": value} for key, value in scores.items() if key not in ("target", "label", "reasons")]
        reasons = f" ({html.escape(scores['reasons'])})" if scores.get("reasons") else ""
        return f"<p>{html.escape(self.target)}: <b>{html.escape(scores['label'])}</b>{reasons}</p>" + to_html(rows)

    def to_dict(self) -> dict[str, Any]:
        """Flat, JSON-ready (plain float/int/str/bool; NaN where undefined), one key per number."""
        out: dict[str, Any] = {
            "n": int(self.n),
            "target": self.target,
            "label": self.label,
            "converged": bool(self.converged),
        }
        moments = self.moments.to_dict()
        # The scalar moment keys come first; a d-D report has per-coordinate keys instead.
        scalar = isinstance(self.moments, Moments)
        out.update({k: moments.pop(k) if scalar else _NAN for k in SCALAR_MOMENT_KEYS})
        out.update(self.ks.to_dict("ks_"))
        out["wasserstein"] = float(self.wasserstein)
        out.update(self.cvm.to_dict("cvm_"))
        out.update(self.ad.to_dict("ad_"))
        out["energy_distance"] = float(self.energy_distance)
        if self.mmd is not None:
            out.update(self.mmd.to_dict())
        if self.dim > 1:
            out["sliced_wasserstein"] = float(self.sliced_wasserstein)
        if self.modes is not None:
            out.update(self.modes.to_dict())
        elif self.dim > 1:
            out.update(
                {
                    "modes_covered": _NAN,
                    "n_modes": _NAN,
                    "high_quality_fraction": _NAN,
                    "mode_kl": _NAN,
                }
            )
        out.update(moments)
        out["n_nonfinite"] = int(self.n_nonfinite)
        out["reasons"] = "; ".join(self.reasons)
        if self.protocol_keys:
            for i, d in enumerate(self.marginal_ks or ()):
                out[f"ks_statistic_{i}"] = float(d)
            out["reference"] = self.reference
            out["n_reference"] = int(self.n_reference)
            out["two_sample"] = ", ".join(self.two_sample)
            out["skipped"] = "; ".join(self.skipped)
        for score, pct in (self.null_percentiles or {}).items():
            out[f"{score}_null_percentile"] = float(pct)
        return out

    def summary(self) -> str:
        """One line for a log or a report."""
        head = f"{self.label}: n={self.n} vs {self.target}"
        if self.dim == 1:
            m = self.moments
            ks = "two-sample KS" if "ks_statistic" in self.two_sample else "KS"
            body = (
                f"{ks} D={self.ks.statistic:.4g} (p={self.ks.pvalue:.3g}), mean error {m.mean_error:+.4g}, "
                f"std ratio {m.std_ratio:.4g}, W1 {self.wasserstein:.4g}"
            )
        else:
            mmd = self.mmd.statistic if self.mmd is not None else _NAN
            body = f"MMD^2={mmd:.3g}, sliced W1 {self.sliced_wasserstein:.4g}"
        if self.modes is not None:
            c = self.modes
            body += (
                f", modes {c.modes_covered}/{c.n_modes}, high quality {c.high_quality_fraction:.3f}"
            )
        if self.null_percentiles:
            worst = max(self.null_percentiles, key=lambda k: self.null_percentiles[k])
            body += (
                f"; worst score vs real data of this n: {worst} at percentile "
                f"{self.null_percentiles[worst]:.0f}"
            )
        if self.protocol_keys and self.n_reference:
            body += f"; vs {self.reference} of {self.n_reference}"
        reasons = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"{head}: {body}{reasons}"
