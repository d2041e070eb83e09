"""Null distributions: what each score looks like on real data of the same size.

For a score, a target and a sample size n, the null distribution is the score computed on
``n_sims`` i.i.d. samples of size n drawn from the target itself (fixed seed, cached). An
observed score's percentile in it says "as good as real data at this n" (near or below the
upper percentiles) or not, in the units of the score, without any asymptotic theory.

``python -m evaluation`` prints the table of null quantiles of KS D, |mean
error| and |std ratio - 1| at n = 2,000 and 10,000 for N(4, 1.25) shown in
docs/evaluation.md (see :func:`null_quantile_table`).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from ._cramervonmises import cvm_statistic
from ._modes import _coverage, has_modes
from ._one_sample import (
    _ad_from_logs,
    _energy_sorted,
    _ks_from_u,
    _moment_statistics,
    _w1_sorted,
)
from ._protocol import classic_layout
from ._specs import as_target
from ._target import Target
from ._two_sample import _reference_sample, energy_distance, mmd_test, sliced_wasserstein
from ._univariate import DEFAULT_TARGET
from ._validation import check_int, check_probability
from ._verdict import DEFAULT_THRESHOLDS

__all__ = [
    "NullDistribution",
    "SCORES",
    "applicable_scores",
    "null_distribution",
    "null_quantile_table",
]

# Every score here is "larger is worse", so a percentile reads the same way for all.
_ScoreFn = Callable[[np.ndarray, Target, np.ndarray | None], float]


def _sorted_u(x: np.ndarray, target: Target) -> tuple[np.ndarray, np.ndarray]:
    xs = np.sort(x[:, 0])
    return xs, target.cdf(xs)


def _ks(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return _ks_from_u(_sorted_u(x, t)[1]).statistic


def _cvm(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return float(cvm_statistic(_sorted_u(x, t)[1]))


def _ad(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    xs = np.sort(x[:, 0])
    return _ad_from_logs(t.logcdf(xs), t.logsf(xs)).statistic


def _w1(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return _w1_sorted(*_sorted_u(x, t), t)


def _energy(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    if t.dim == 1:
        return _energy_sorted(*_sorted_u(x, t), t)
    return energy_distance(x, ref)


def _abs_mean_error(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return abs(float(x[:, 0].mean()) - t.mean)


def _abs_std_ratio_deviation(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return abs(float(_moment_statistics(x[:, 0])[1]) / t.std - 1)


def _mmd(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return mmd_test(x, ref, n_permutations=0).statistic


def _sliced(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return sliced_wasserstein(x, ref)


def _mode_kl(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return _coverage(x, t).mode_kl


def _low_quality(x: np.ndarray, t: Target, ref: np.ndarray | None) -> float:
    return 1.0 - _coverage(x, t).high_quality_fraction


def _one_d(t: Target) -> bool:
    return t.dim == 1


def _multi_d(t: Target) -> bool:
    return t.dim > 1


#: name -> (score function, which targets it applies to). All are "larger is worse";
#: two-sample scores (d >= 2) compare with the cached reference sample, as evaluate() does.
SCORES: dict[str, tuple[_ScoreFn, Callable[[Target], bool]]] = {
    "ks_statistic": (_ks, _one_d),
    "cvm_statistic": (_cvm, _one_d),
    "ad_statistic": (_ad, _one_d),
    "wasserstein": (_w1, _one_d),
    "energy_distance": (_energy, lambda t: True),
    "abs_mean_error": (_abs_mean_error, _one_d),
    "abs_std_ratio_deviation": (_abs_std_ratio_deviation, _one_d),
    "mmd": (_mmd, _multi_d),
    "sliced_wasserstein": (_sliced, _multi_d),
    "mode_kl": (_mode_kl, has_modes),
    "low_quality_fraction": (_low_quality, has_modes),
}


def applicable_scores(target: Target | str) -> tuple[str, ...]:
    """Names in :data:`SCORES` that apply to ``target``.

    None for a target scored against a sample or a point mass (an Empirical, a custom
    target without exact members, ``dirac:...``): their verdict thresholds already carry
    the two-sample noise floor, and a bootstrap null of data against itself would be too
    narrow.
    """
    target = as_target(target)
    if not classic_layout(target):
        return ()
    return tuple(name for name, (_, applies) in SCORES.items() if applies(target))


@dataclasses.dataclass(frozen=True, eq=False)
class NullDistribution:
    """Sorted null values of one score at one n; ``percentile`` places an observed value."""

    score: str
    target: str
    n: int
    seed: int
    values: np.ndarray

    def quantile(self, q: float | Sequence[float]) -> float | np.ndarray:
        """Empirical quantile(s) (numpy's default linear interpolation)."""
        out = np.quantile(self.values, q)
        return float(out) if np.ndim(out) == 0 else out

    def percentile(self, value: float) -> float:
        """100 x the fraction of null values below ``value`` (ties count half); NaN for NaN.

        Near 50: typical of real data at this n; above 99: worse than 99 % of real samples.
        """
        if not math.isfinite(value):
            return 100.0 if value == math.inf else math.nan
        below = np.searchsorted(self.values, value, side="left")
        at_or_below = np.searchsorted(self.values, value, side="right")
        return float(100.0 * (below + 0.5 * (at_or_below - below)) / self.values.size)


@lru_cache(maxsize=128)
def _null_values(
    score: str, target: Target, n: int, n_sims: int, seed: int, reference_seed: int
) -> np.ndarray:
    fn, _ = SCORES[score]
    ref = _reference_sample(target, n, reference_seed) if target.dim > 1 else None
    # The null stream is keyed apart from plain integer seeds, so that no null sample can
    # coincide with the reference sample drawn with default_rng(reference_seed).
    rng = np.random.default_rng([seed, 0x6E756C6C])
    values = np.sort([fn(target.sample(n, rng), target, ref) for _ in range(n_sims)])
    values.setflags(write=False)
    return values


def null_distribution(
    score: str,
    target: Target | str = DEFAULT_TARGET,
    n: int = 10_000,
    *,
    n_sims: int = 200,
    seed: int = 0,
    reference_seed: int = 0,
) -> NullDistribution:
    """The score on ``n_sims`` i.i.d. target samples of size ``n`` (seeded, cached).

    ``score`` is a name in :data:`SCORES`. ``reference_seed`` is the seed of the reference
    sample that two-sample scores (d >= 2) compare with, as in :func:`evaluation.evaluate`.
    """
    target = as_target(target)
    if score not in SCORES:
        raise ValueError(f"score must be one of {sorted(SCORES)}, got {score!r}")
    if score not in applicable_scores(target):
        raise ValueError(
            f"score {score!r} does not apply to {target!r}; applicable: {list(applicable_scores(target))}"
        )
    n = check_int("n", n, minimum=2)
    n_sims = check_int("n_sims", n_sims, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    reference_seed = check_int("reference_seed", reference_seed, minimum=0)
    values = _null_values(score, target, n, n_sims, seed, reference_seed)
    return NullDistribution(score, target.spec, n, seed, values)


def null_quantile_table(
    target: Target | str = DEFAULT_TARGET,
    ns: Sequence[int] = (2_000, 10_000),
    *,
    scores: Sequence[str] = ("ks_statistic", "abs_mean_error", "abs_std_ratio_deviation"),
    quantiles: Sequence[float] = (0.5, 0.9, 0.95, 0.99, 0.999),
    n_sims: int = 2_000,
    seed: int = 0,
) -> list[dict[str, float | int | str]]:
    """Rows (score, n, one column per quantile, the default threshold) for the docs table.

    For a 1-D target. The default thresholds are shown in the score's units (KS D, |mean
    error| = 0.04 sd, |std ratio - 1|), before and after the noise floor at that n
    ("threshold at n", see evaluation._verdict), each with the fraction of real-data samples
    that would exceed it: the false-failure rate of that check.
    """
    target = as_target(target)
    if target.dim != 1 or not classic_layout(target):
        raise ValueError(
            f"null_quantile_table needs a 1-D target with an exact cdf and moments, got {target.spec}"
        )
    quantiles = [check_probability("quantiles", q) for q in quantiles]
    t = DEFAULT_THRESHOLDS
    fixed = {
        "ks_statistic": lambda n: (t.ks_statistic, t.ks_at(n)),
        "abs_mean_error": lambda n: (t.mean_error * target.std, t.mean_error_at(n, target.std)),
        "abs_std_ratio_deviation": lambda n: (
            t.std_ratio,
            t.std_ratio_at(n, target.excess_kurtosis),
        ),
    }
    rows: list[dict[str, float | int | str]] = []
    for score in scores:
        for n in ns:
            null = null_distribution(score, target, n, n_sims=n_sims, seed=seed)
            row: dict[str, float | int | str] = {"score": score, "n": int(n)}
            for q in quantiles:
                row[f"q{q:g}"] = null.quantile(q)
            plain, floored = fixed[score](n) if score in fixed else (math.nan, math.nan)
            row["threshold"] = plain
            row["P(null > threshold)"] = float(np.mean(null.values > plain))
            row["threshold at n"] = floored
            row["P(null > threshold at n)"] = float(np.mean(null.values > floored))
            rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """Print :func:`null_quantile_table` as markdown (the table in docs/evaluation.md)."""
    from ._tables import to_markdown

    parser = argparse.ArgumentParser(prog="python -m evaluation", description=main.__doc__)
    parser.add_argument(
        "--target", default="gaussian:4,1.25", help="target spec (default gaussian:4,1.25)"
    )
    parser.add_argument("--n", type=int, nargs="+", default=[2_000, 10_000], help="sample sizes")
    parser.add_argument("--n-sims", type=int, default=2_000, help="null samples per size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = null_quantile_table(args.target, args.n, n_sims=args.n_sims, seed=args.seed)
    print(
        f"Null quantiles for {as_target(args.target).spec}, {args.n_sims} simulations per n, seed {args.seed}\n"
    )
    print(to_markdown(rows, float_format=".4g"))
