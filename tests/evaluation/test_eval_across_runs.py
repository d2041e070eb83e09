"""Across runs: Holm, Wilson, summaries, pairwise comparisons and the tie-honest ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from evaluation import Gaussian, compare, evaluate, holm, summarize, wilson_interval


def test_holm_reference_values():
    # Hand computation (Holm 1979): sorted p = .01, .02, .03, .04 with m = 4 ->
    # 4(.01) = .04, max(.04, 3(.02)) = .06, max(.06, 2(.03)) = .06, max(.06, .04) = .06.
    np.testing.assert_allclose(holm([0.03, 0.01, 0.04, 0.02]), [0.06, 0.04, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1
    out = holm([0.01, np.nan, 0.04])
    assert math.isnan(out[1]) and out.tolist()[::2] == [0.02, 0.04]
    assert holm([]).size == 0
    with pytest.raises(ValueError, match=r"pvalues must lie in \[0, 1\], got \[1.5\]"):
        holm([1.5])


def test_holm_controls_the_family_wise_error_rate():
    # 10 true nulls, 2,000 families: P(any adjusted p < .05) <= .05 (binomial 99.9 % bound).
    rng = np.random.default_rng(0)
    hits = sum(np.any(holm(rng.uniform(size=10)) < 0.05) for _ in range(2000))
    assert hits / 2000 < 0.05 + 3.1 * math.sqrt(0.05 * 0.95 / 2000)


def test_wilson_interval():
    # Reference: Wilson's closed form (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n).
    k, n, z = 7, 20, scipy.stats.norm.ppf(0.975)
    p = k / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = wilson_interval(k, n)
    assert low == pytest.approx((centre - half) / (1 + z * z / n), rel=1e-9)
    assert high == pytest.approx((centre + half) / (1 + z * z / n), rel=1e-9)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError, match=r"successes must be <= n, got successes=3, n=2"):
        wilson_interval(3, 2)


def _runs(shift, n_runs, seed, n=500):
    rng = np.random.default_rng(seed)
    return [evaluate(Gaussian().sample(n, rng) + shift).to_dict() for _ in range(n_runs)]


def test_summarize():
    runs = _runs(0.0, 8, 1)
    runs[0] = evaluate(np.r_[np.zeros(10), np.nan]).to_dict()  # a diverged run
    s = summarize(runs, group="good")
    assert s.n_runs == 8 and s.successes == 7 and s.success_rate == 7 / 8
    assert s.success_ci == wilson_interval(7, 8)
    ks = s.scores["ks_statistic"]
    finite = [r["ks_statistic"] for r in runs[1:]]
    assert ks.n_finite == 7 and ks.median == pytest.approx(np.median(finite))
    assert ks.q25 <= ks.median <= ks.q75 and ks.ci_low <= ks.median <= ks.ci_high
    assert ks.iqr == pytest.approx(ks.q75 - ks.q25)
    d = s.to_dict()
    assert d["group"] == "good" and d["ks_statistic_median"] == ks.median
    assert "label_median" not in d and "converged_median" not in d  # strings and bools skipped
    assert summarize(runs, group="good", seed=0) == s  # seeded bootstrap
    with pytest.raises(ValueError, match=r"runs\[0\] has no 'ok' key \(success_key\)"):
        summarize(runs, success_key="ok")
    with pytest.raises(ValueError, match=r"runs must contain at least 1 run, got 0"):
        summarize([])


def test_compare_ranks_honestly():
    groups = {
        "good_a": _runs(0.0, 10, 2),
        "good_b": _runs(0.0, 10, 3),
        "shifted": _runs(0.3, 10, 4),
    }
    c = compare(groups, metric="ks_statistic")
    ranks = {r.group: r.rank for r in c.ranking}
    # The two good groups are not separable: they share rank 1; the shifted one is beaten
    # by both, so its rank is 3.
    assert ranks == {"good_a": 1, "good_b": 1, "shifted": 3}
    pair = {(p.group_a, p.group_b): p for p in c.pairs}
    ab = pair[("good_a", "good_b")]
    assert ab.better is None and ab.pvalue_holm >= ab.pvalue
    a_shift = pair[("good_a", "shifted")]
    assert a_shift.better == "good_a" and a_shift.pvalue_holm < 0.05
    # Reference: the same test called directly.
    ref = scipy.stats.mannwhitneyu(
        [r["ks_statistic"] for r in groups["good_a"]],
        [r["ks_statistic"] for r in groups["shifted"]],
    )
    assert a_shift.u_statistic == ref.statistic and a_shift.pvalue == pytest.approx(ref.pvalue)
    ref = scipy.stats.fisher_exact([[10, 0], [0, 10]])
    assert a_shift.fisher_pvalue == pytest.approx(ref.pvalue)
    assert len(c.pair_rows()) == 3 and c.ranking_rows()[0]["rank"] == 1


def test_compare_higher_is_better_and_diverged_runs_are_worst():
    runs_a = [{"score": v, "converged": True} for v in (0.9, 0.8, 0.95, 0.85, 0.9, 0.88)]
    runs_b = [{"score": v, "converged": False} for v in (0.1, float("nan"), 0.2, 0.15, 0.1, 0.12)]
    c = compare({"a": runs_a, "b": runs_b}, metric="score", higher_is_better=True)
    assert c.pairs[0].better == "a" and [r.group for r in c.ranking] == ["a", "b"]
    # With NaN counted as the worst value, "b" cannot win by diverging.
    runs_c = [{"score": float("nan"), "converged": False}] * 6
    c = compare({"b": runs_b, "c": runs_c}, metric="score", higher_is_better=True)
    assert c.pairs[0].better == "b"
    with pytest.raises(ValueError, match=r"groups\['a'\]\[0\] has no 'missing' key \(metric\)"):
        compare({"a": runs_a}, metric="missing")
