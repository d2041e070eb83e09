"""Statistics across runs (seeds, variants): per-group summaries and honest comparisons.

A *run* is a flat mapping of scores (``Report.to_dict()``) or a Report; a *group* is the
runs of one configuration. Non-finite values of the compared metric (diverged runs) count
as the worst possible value, so diverging more often never looks better; in per-group
summaries they are left out of the medians and counted in ``n_finite``.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.stats

from ._tables import to_html
from ._validation import check_int, check_probability

__all__ = [
    "Comparison",
    "GroupSummary",
    "PairComparison",
    "RankedGroup",
    "ScoreSummary",
    "compare",
    "holm",
    "summarize",
    "wilson_interval",
]


def _records(runs: Any, name: str) -> list[Mapping[str, Any]]:
    if isinstance(runs, (Mapping, str, bytes)) or not isinstance(runs, Sequence):
        raise TypeError(
            f"{name} must be a sequence of Reports or mappings, got {type(runs).__name__}"
        )
    if not runs:
        raise ValueError(f"{name} must contain at least 1 run, got 0")
    out = []
    for i, run in enumerate(runs):
        if hasattr(run, "to_dict") and not isinstance(run, Mapping):
            run = run.to_dict()
        if not isinstance(run, Mapping):
            raise TypeError(
                f"{name}[{i}] must be a Report or a mapping, got {type(run).__name__} {run!r}"
            )
        out.append(run)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def wilson_interval(
    successes: int, n: int, *, confidence_level: float = 0.95
) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927), via scipy.stats.binomtest.

    Unlike the Wald interval it stays inside [0, 1] and is sensible at 0/n and n/n.
    (NaN, NaN) for n = 0.
    """
    n = check_int("n", n, minimum=0)
    successes = check_int("successes", successes, minimum=0)
    if successes > n:
        raise ValueError(f"successes must be <= n, got successes={successes}, n={n}")
    confidence_level = check_probability("confidence_level", confidence_level)
    if n == 0:
        return (math.nan, math.nan)
    ci = scipy.stats.binomtest(successes, n).proportion_ci(confidence_level, method="wilson")
    return (float(ci.low), float(ci.high))


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, controlling the family-wise error rate.

    p_(i) -> max_{j <= i} min(1, (m - j + 1) p_(j)) over the sorted p-values. Written here
    because scipy.stats offers false_discovery_control (Benjamini–Hochberg/Yekutieli, FDR)
    but no FWER step-down method. NaN p-values stay NaN and are not counted in m.
    """
    if isinstance(pvalues, (str, bytes)):
        raise TypeError(f"pvalues must be a sequence of numbers, got {type(pvalues).__name__} {pvalues!r}")
    try:
        p = np.asarray(pvalues, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"pvalues must be a sequence of numbers, got {pvalues!r}") from None
    if p.ndim != 1:
        raise ValueError(f"pvalues must be 1-D, got shape {p.shape}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"pvalues must lie in [0, 1], got {p.tolist()}")
    out = np.full_like(p, np.nan)
    finite = np.flatnonzero(~np.isnan(p))
    m = finite.size
    if m:
        order = finite[np.argsort(p[finite], kind="stable")]
        stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
        out[order] = np.minimum(stepped, 1.0)
    return out


@dataclasses.dataclass(frozen=True)
class ScoreSummary:
    """Median, quartiles and a bootstrap CI of the median of one score over a group's runs."""

    median: float
    q25: float
    q75: float
    ci_low: float
    ci_high: float
    n_finite: int

    @property
    def iqr(self) -> float:
        return self.q75 - self.q25


@dataclasses.dataclass(frozen=True)
class GroupSummary:
    """One group: success count and rate with a Wilson interval, and every score's summary."""

    group: str
    n_runs: int
    successes: int
    success_rate: float
    success_ci: tuple[float, float]
    scores: dict[str, ScoreSummary]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "group": self.group,
            "n_runs": self.n_runs,
            "successes": self.successes,
            "success_rate": self.success_rate,
            "success_ci_low": self.success_ci[0],
            "success_ci_high": self.success_ci[1],
        }
        for name, s in self.scores.items():
            out.update(
                {
                    f"{name}_median": s.median,
                    f"{name}_q25": s.q25,
                    f"{name}_q75": s.q75,
                    f"{name}_iqr": s.iqr,
                    f"{name}_ci_low": s.ci_low,
                    f"{name}_ci_high": s.ci_high,
                    f"{name}_n_finite": s.n_finite,
                }
            )
        return out


def _summarize_values(
    values: np.ndarray, *, confidence_level: float, n_resamples: int, seed: int
) -> ScoreSummary:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return ScoreSummary(math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    q25, median, q75 = (float(q) for q in np.quantile(v, [0.25, 0.5, 0.75]))
    if v.size < 2 or np.all(v == v[0]):
        low = high = median if v.size > 1 else math.nan
    else:
        # Percentile intervals: BCa is unstable for the median of a handful of seeds.
        res = scipy.stats.bootstrap(
            (v,),
            np.median,
            confidence_level=confidence_level,
            n_resamples=n_resamples,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return ScoreSummary(median, q25, q75, low, high, int(v.size))


def summarize(
    runs: Sequence[Any],
    *,
    group: str = "",
    success_key: str = "converged",
    confidence_level: float = 0.95,
    n_resamples: int = 999,
    seed: int = 0,
) -> GroupSummary:
    """Summarise one group's runs: every numeric score's median, IQR and bootstrap CI of the
    median (scipy.stats.bootstrap, percentile method, seeded), and the success rate
    (``success_key`` truthy) with its Wilson interval."""
    records = _records(runs, "runs")
    confidence_level = check_probability("confidence_level", confidence_level)
    n_resamples = check_int("n_resamples", n_resamples, minimum=1)
    for i, r in enumerate(records):
        if success_key not in r:
            raise ValueError(
                f"runs[{i}] has no {success_key!r} key (success_key); keys: {sorted(r)}"
            )
    successes = sum(bool(r[success_key]) for r in records)
    names: dict[str, None] = {}
    for r in records:
        names.update(dict.fromkeys(k for k, v in r.items() if _is_number(v)))
    scores = {}
    for name in names:
        values = np.array(
            [float(r[name]) if _is_number(r.get(name)) else math.nan for r in records]
        )
        scores[name] = _summarize_values(
            values, confidence_level=confidence_level, n_resamples=n_resamples, seed=seed
        )
    n = len(records)
    return GroupSummary(
        group,
        n,
        successes,
        successes / n,
        wilson_interval(successes, n, confidence_level=confidence_level),
        scores,
    )


@dataclasses.dataclass(frozen=True)
class PairComparison:
    """Two groups compared on a metric (Mann–Whitney U) and on success counts (Fisher).

    ``prob_a_greater`` = U_a / (n_a n_b), the probability that a random run of a scores
    higher than one of b (ties half). ``better`` names the significantly better group after
    Holm correction of the metric tests, or is None.
    """

    group_a: str
    group_b: str
    metric: str
    median_a: float
    median_b: float
    u_statistic: float
    prob_a_greater: float
    pvalue: float
    pvalue_holm: float
    successes_a: int
    n_a: int
    successes_b: int
    n_b: int
    fisher_odds_ratio: float
    fisher_pvalue: float
    fisher_pvalue_holm: float
    better: str | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class RankedGroup:
    """A group's rank: 1 + the number of groups significantly better than it."""

    group: str
    rank: int
    median: float
    success_rate: float
    n_runs: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """All pairwise comparisons and the ranking; ``pair_rows``/``ranking_rows`` feed the tables."""

    metric: str
    higher_is_better: bool
    alpha: float
    pairs: tuple[PairComparison, ...]
    ranking: tuple[RankedGroup, ...]

    def pair_rows(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.pairs]

    def ranking_rows(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.ranking]

    def _repr_html_(self) -> str:
        """The ranking and the pairwise tests as HTML tables (notebooks show this)."""
        order = "higher" if self.higher_is_better else "lower"
        return (
            f"<p>Ranking on {html.escape(self.metric)} ({order} is better; Holm-corrected at {self.alpha})</p>"
            + to_html(self.ranking_rows())
            + "<p>Pairwise comparisons</p>"
            + to_html(self.pair_rows())
        )


def compare(
    groups: Mapping[str, Sequence[Any]],
    *,
    metric: str = "ks_statistic",
    higher_is_better: bool = False,
    alpha: float = 0.05,
    success_key: str = "converged",
) -> Comparison:
    """Compare every pair of groups on per-run ``metric`` and on success counts.

    Metric: two-sided Mann–Whitney U (scipy.stats.mannwhitneyu; Mann & Whitney 1947).
    Success: Fisher's exact test on the 2x2 table of successes (scipy.stats.fisher_exact).
    Each family of k(k-1)/2 p-values gets its own Holm correction (:func:`holm`).

    Ranking rule, honest about ties: rank(g) = 1 + the number of groups that are
    significantly better than g on the metric (Holm-adjusted p < alpha, in the direction
    of their medians). Groups that nothing beats share rank 1; groups not separable from
    each other may share a rank; no order is claimed that the tests do not support.
    Non-finite metric values (diverged runs) count as the worst value.
    """
    if not isinstance(groups, Mapping) or len(groups) < 1:
        raise TypeError(
            f"groups must be a non-empty mapping of name -> runs, got {type(groups).__name__} {groups!r}"
        )
    alpha = check_probability("alpha", alpha)
    worst = -math.inf if higher_is_better else math.inf
    names = [str(g) for g in groups]
    values: dict[str, np.ndarray] = {}
    success: dict[str, tuple[int, int]] = {}
    for name, runs in zip(names, groups.values()):
        values[name], success[name] = _group_values(name, runs, metric, success_key, worst)
    pairs_raw = _pair_tests(names, values, success)
    p_holm = holm([p[3] for p in pairs_raw])
    f_holm = holm([p[5] for p in pairs_raw])

    pairs = []
    beaten_by: dict[str, int] = dict.fromkeys(names, 0)
    for raw, ph, fph in zip(pairs_raw, p_holm, f_holm):
        pair = _pair_comparison(raw, float(ph), float(fph), values, success, metric)
        better = None
        if ph < alpha and pair.prob_a_greater != 0.5:
            a_higher = pair.prob_a_greater > 0.5
            better = pair.group_a if a_higher == higher_is_better else pair.group_b
            beaten_by[pair.group_b if better == pair.group_a else pair.group_a] += 1
        pairs.append(dataclasses.replace(pair, better=better))
    ranking = _ranking(names, beaten_by, values, success, higher_is_better)
    return Comparison(metric, bool(higher_is_better), alpha, tuple(pairs), tuple(ranking))


def _group_values(
    name: str, runs: Any, metric: str, success_key: str, worst: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """One group's metric values (non-finite -> ``worst``) and (successes, runs)."""
    records = _records(runs, f"groups[{name!r}]")
    vals = []
    for i, r in enumerate(records):
        if metric not in r:
            raise ValueError(
                f"groups[{name!r}][{i}] has no {metric!r} key (metric); keys: {sorted(r)}"
            )
        if success_key not in r:
            raise ValueError(f"groups[{name!r}][{i}] has no {success_key!r} key (success_key)")
        v = float(r[metric])
        vals.append(v if math.isfinite(v) else worst)
    return np.array(vals), (sum(bool(r[success_key]) for r in records), len(records))


def _pair_tests(
    names: list[str], values: dict[str, np.ndarray], success: dict[str, tuple[int, int]]
) -> list[tuple[str, str, float, float, float, float]]:
    """(a, b, U, Mann–Whitney p, Fisher odds ratio, Fisher p) for every pair a before b."""
    pairs_raw = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            mw = scipy.stats.mannwhitneyu(values[a], values[b], alternative="two-sided")
            (sa, na), (sb, nb) = success[a], success[b]
            fisher = scipy.stats.fisher_exact([[sa, na - sa], [sb, nb - sb]])
            pairs_raw.append(
                (
                    a,
                    b,
                    float(mw.statistic),
                    float(mw.pvalue),
                    float(fisher.statistic),
                    float(fisher.pvalue),
                )
            )
    return pairs_raw


def _pair_comparison(
    raw: tuple[str, str, float, float, float, float],
    p_holm: float,
    fisher_holm: float,
    values: dict[str, np.ndarray],
    success: dict[str, tuple[int, int]],
    metric: str,
) -> PairComparison:
    """The PairComparison of one pair's tests and Holm-adjusted p-values (``better`` None)."""
    a, b, u, p, odds, fp = raw
    (sa, na), (sb, nb) = success[a], success[b]
    return PairComparison(
        a,
        b,
        metric,
        float(np.median(values[a])),
        float(np.median(values[b])),
        u,
        u / (na * nb),
        p,
        p_holm,
        sa,
        na,
        sb,
        nb,
        odds,
        fp,
        fisher_holm,
        None,
    )


def _ranking(
    names: list[str],
    beaten_by: dict[str, int],
    values: dict[str, np.ndarray],
    success: dict[str, tuple[int, int]],
    higher_is_better: bool,
) -> list[RankedGroup]:
    """Groups by rank (1 + groups significantly better), then by median, best first."""
    sign = -1.0 if higher_is_better else 1.0
    return sorted(
        (
            RankedGroup(
                g,
                1 + beaten_by[g],
                float(np.median(values[g])),
                success[g][0] / success[g][1],
                success[g][1],
            )
            for g in names
        ),
        key=lambda r: (r.rank, sign * r.median),
    )
