"""The target protocol: minimal custom targets end to end, member checks, the point mass."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import scipy.stats

from evaluation import (
    KNOWN_SPECS,
    Gaussian,
    PointMass,
    Ring,
    Target,
    Thresholds,
    ad_test,
    applicable_scores,
    as_target,
    cvm_test,
    energy_distance_to_target,
    evaluate,
    ks_test,
    moment_errors,
    target_from_spec,
    wasserstein_to_target,
)


class Minimal:
    """Only the required members: N(4, 1.25) known by its sampler alone."""

    dim = 1
    spec = "my-normal"

    def sample(self, n, rng):
        return rng.normal(4.0, 1.25, size=(n, 1))


class MinimalPlane:
    dim = 2
    spec = "my-plane"

    def sample(self, n, rng):
        return rng.normal(0.0, 1.0, size=(n, 2))


class FromTheIssue:
    """The class of the issue: dim, mean, std, spec, sample, pdf (no cdf, no moments of shape)."""

    dim = 1
    mean = 4.0
    std = 1.25
    spec = "issue-normal"

    def sample(self, n, rng):
        return rng.normal(self.mean, self.std, size=(n, 1))

    def pdf(self, x):
        return scipy.stats.norm(self.mean, self.std).pdf(x)


class WithCdf(FromTheIssue):
    spec = "issue-normal-with-cdf"

    def cdf(self, x):
        return scipy.stats.norm(self.mean, self.std).cdf(x)


def _plain(d):
    assert all(type(v) in (int, float, str, bool) for v in d.values())
    json.loads(json.dumps(d))


def test_a_minimal_target_works_end_to_end():
    target = Minimal()
    assert isinstance(target, Target)
    x = np.random.default_rng(0).normal(4, 1.25, 2000)
    r = evaluate(x, target)
    assert r.label == "converged" and r.target == "my-normal"
    assert r.reference == "reference sample (seed 0)" and r.n_reference == 20_000
    ref = target.sample(20_000, np.random.default_rng(0))[:, 0]
    assert r.ks.statistic == scipy.stats.ks_2samp(x, ref).statistic
    assert r.wasserstein == pytest.approx(scipy.stats.wasserstein_distance(x, ref), abs=1e-12)
    assert r.moments.target_mean == pytest.approx(ref.mean())
    assert set(r.two_sample) >= {
        "ks_statistic",
        "wasserstein",
        "energy_distance",
        "mean_error",
        "std_ratio",
    }
    assert [s.split(":")[0] for s in r.skipped] == ["cvm_statistic", "ad_statistic"]
    assert "the target has no cdf" in r.skipped[0]
    d = r.to_dict()
    _plain(d)
    assert d["skipped"] == "; ".join(r.skipped) and d["two_sample"].startswith("ks_statistic")
    assert evaluate(x + 0.5, target).label == "biased"
    assert evaluate(np.full(2000, 4.0), target).label == "collapsed"
    # The same keys whatever the sample, diverged included (training code stacks them).
    assert list(evaluate(np.full(2, np.nan), target).to_dict()) == list(d)
    assert list(evaluate(x[:50] * 3, target).to_dict()) == list(d)
    # No calibration for a target known by its samples; nothing is added, nothing raises.
    assert applicable_scores(target) == ()
    assert evaluate(x, target, calibrate=True, n_null=5).null_percentiles is None


def test_a_minimal_two_d_target_works_end_to_end():
    target = MinimalPlane()
    x = np.random.default_rng(1).normal(size=(1000, 2))
    r = evaluate(x, target)
    assert r.label == "converged" and r.dim == 2 and r.mmd is not None
    d = r.to_dict()
    _plain(d)
    assert {"ks_statistic_0", "ks_statistic_1", "mmd", "sliced_wasserstein", "skipped"} <= set(d)
    assert list(evaluate(np.full((5, 2), np.inf), target).to_dict()) == list(d)
    wide = evaluate(x * [1.0, 1.3], target)
    assert wide.label == "not_converged" and any(
        r_.startswith("coordinate 1:") for r_ in wide.reasons
    )


def test_the_issues_class_and_partial_members():
    x = np.random.default_rng(2).normal(4, 1.25, 3000)
    r = evaluate(x, FromTheIssue())
    assert r.label == "converged" and r.moments.target_mean == 4.0 and r.moments.target_std == 1.25
    assert "mean_error" not in r.two_sample and "ks_statistic" in r.two_sample
    # With a cdf, KS and CvM are one-sample and exact, AD uses log1p(-F).
    c = evaluate(x, WithCdf())
    exact = scipy.stats.kstest(x, scipy.stats.norm(4, 1.25).cdf)
    assert c.ks.statistic == pytest.approx(exact.statistic, abs=1e-15)
    assert c.cvm.statistic == pytest.approx(
        scipy.stats.cramervonmises(x, "norm", args=(4, 1.25)).statistic
    )
    assert c.ad.statistic == pytest.approx(ad_test(x, Gaussian()).statistic, rel=1e-9)
    assert c.skipped == () and "ks_statistic" not in c.two_sample and "wasserstein" in c.two_sample
    assert ks_test(x, WithCdf()) == c.ks
    with pytest.raises(
        ValueError,
        match=r"wasserstein_to_target needs a target with cdf, ppf, partial_expectation, mean; issue-normal-with-cdf has no ppf, partial_expectation",
    ):
        wasserstein_to_target(x, WithCdf())
    with pytest.raises(ValueError, match=r"ks_test needs a target with cdf; my-normal has no cdf"):
        ks_test(x, Minimal())


def test_an_unhashable_target_is_drawn_afresh_not_cached():
    @dataclasses.dataclass  # eq without frozen: __hash__ is None
    class Plain:
        dim: int = 1
        spec: str = "plain"

        def sample(self, n, rng):
            return rng.normal(size=(n, 1))

    r = evaluate(np.random.default_rng(3).normal(size=500), Plain())
    assert r.label == "converged"


def _target(**members):
    base = {"dim": 1, "spec": "custom", "sample": lambda self, n, rng: rng.normal(size=(n, 1))}
    base.update(members)
    return type("Custom", (), base)()


def _two_d(**members):
    return _target(dim=2, sample=lambda self, n, rng: rng.normal(size=(n, 2)), **members)


BAD_MEMBERS = [
    ("dim-str", _target(dim="1"), TypeError, r"^target.dim must be a positive int, got str '1'$"),
    ("dim-zero", _target(dim=0), ValueError, r"^target.dim must be >= 1, got 0$"),
    (
        "dim-bool",
        _target(dim=True),
        TypeError,
        r"^target.dim must be a positive int, got bool True$",
    ),
    (
        "spec-int",
        _target(spec=3),
        TypeError,
        r"^target.spec must be a str naming the target, got int 3$",
    ),
    (
        "sample-not-callable",
        _target(sample=5),
        TypeError,
        r"^target.sample must be callable as sample\(n, rng\)",
    ),
    (
        "sample-1d-for-2d",
        _target(dim=2),
        ValueError,
        r"^target.sample\(3, rng\) must return shape \(n, dim\) = \(3, 2\), got \(3, 1\)$",
    ),
    (
        "sample-flat",
        _target(sample=lambda self, n, rng: rng.normal(size=n)),
        ValueError,
        r"got \(3,\)$",
    ),
    (
        "sample-wrong-n",
        _target(sample=lambda self, n, rng: rng.normal(size=(n + 1, 1))),
        ValueError,
        r"= \(3, 1\), got \(4, 1\)$",
    ),
    (
        "sample-list",
        _target(sample=lambda self, n, rng: [[0.0]] * n),
        TypeError,
        r"^target.sample\(3, rng\) must return a numpy array of shape \(3, 1\), got list$",
    ),
    (
        "sample-strings",
        _target(sample=lambda self, n, rng: np.array([["a"]] * n)),
        TypeError,
        r"must return real numbers, got dtype <U1",
    ),
    (
        "sample-nan",
        _target(sample=lambda self, n, rng: np.full((n, 1), np.nan)),
        ValueError,
        r"^target.sample\(3, rng\) returned NaN or inf$",
    ),
    (
        "cdf-list",
        _target(cdf=lambda self, x: list(x)),
        TypeError,
        r"^target.cdf\(x\) must return a numpy array, got list",
    ),
    (
        "cdf-shape",
        _target(cdf=lambda self, x: np.zeros(1)),
        ValueError,
        r"^target.cdf\(x\) must return shape \(3,\), got \(1,\)$",
    ),
    (
        "cdf-not-callable",
        _target(cdf=0.5),
        TypeError,
        r"^target.cdf must be callable, got float 0.5$",
    ),
    (
        "ppf-scalar",
        _target(ppf=lambda self, q: 0.0),
        TypeError,
        r"^target.ppf\(q\) must return a numpy array, got float",
    ),
    (
        "logcdf-shape",
        _target(logcdf=lambda self, x: np.zeros((3, 1))),
        ValueError,
        r"^target.logcdf\(x\) must return shape \(3,\)",
    ),
    ("mean-str", _target(mean="4"), TypeError, r"^target.mean must be a real number, got str '4'$"),
    (
        "std-array-1d",
        _target(std=np.array([1.0, 2.0])),
        TypeError,
        r"^target.std must be a real number",
    ),
    (
        "mean-2d-shape",
        _two_d(mean=np.zeros(3)),
        ValueError,
        r"^target.mean must have shape \(2,\) for a 2-D target, got shape \(3,\)$",
    ),
    (
        "pdf-2d-shape",
        _two_d(pdf=lambda self, x: np.zeros((3, 2))),
        ValueError,
        r"^target.pdf\(x\) for x of shape \(3, 2\) must return shape \(3,\)",
    ),
    (
        "modes-shape",
        _two_d(modes=np.zeros((4, 3)), mode_std=0.1),
        ValueError,
        r"^target.modes must have shape \(k, 2\) with k >= 1, got \(4, 3\)$",
    ),
    (
        "modes-without-std",
        _two_d(modes=np.zeros((4, 2))),
        TypeError,
        r"^target.modes and target.mode_std come together",
    ),
    (
        "mode-std-negative",
        _two_d(modes=np.zeros((4, 2)), mode_std=-1.0),
        ValueError,
        r"^target.mode_std must be > 0",
    ),
    (
        "weights-sum",
        _two_d(modes=np.zeros((2, 2)), mode_std=0.1, weights=np.array([0.5, 0.6])),
        ValueError,
        r"^target.weights must be 2 non-negative numbers summing to 1",
    ),
    (
        "no-sample",
        type("NoSample", (), {"dim": 1, "spec": "x"})(),
        TypeError,
        r"lacks the required member\(s\) sample: a target needs dim \(int\), spec \(str\) and sample",
    ),
]


@pytest.mark.parametrize(
    "target, error, message", [c[1:] for c in BAD_MEMBERS], ids=[c[0] for c in BAD_MEMBERS]
)
def test_a_wrong_member_is_one_error_naming_it(target, error, message):
    with pytest.raises(error, match=message):
        as_target(target)
    dim = getattr(target, "dim", 1)
    with pytest.raises(error, match=message):
        evaluate(np.zeros((10, dim if type(dim) is int and dim > 0 else 1)), target)


def test_an_exception_in_a_member_says_which_member():
    def broken(self, n, rng):
        raise RuntimeError("sampler offline")

    with pytest.raises(RuntimeError, match="sampler offline") as info:
        as_target(_target(sample=broken))
    assert "raised by target.sample(3, rng)" in "".join(info.value.__notes__)


def test_a_sampler_that_breaks_at_the_reference_size_is_named():
    big_wrong = _target(
        sample=lambda self, n, rng: (
            rng.normal(size=(n, 1)) if n < 10 else rng.normal(size=(n // 2, 1))
        )
    )
    with pytest.raises(
        ValueError, match=r"^target.sample\(20000, rng\) must return an array of shape \(20000, 1\)"
    ):
        evaluate(np.zeros(100), big_wrong)


def test_custom_modes_give_mode_coverage():
    class TwoBumps:
        dim = 1
        spec = "two-bumps"
        modes = np.array([[-2.0], [2.0]])
        mode_std = 0.5
        weights = np.array([0.5, 0.5])

        def sample(self, n, rng):
            return rng.choice([-2.0, 2.0], size=(n, 1)) + rng.normal(0, 0.5, size=(n, 1))

    x = TwoBumps().sample(2000, np.random.default_rng(4))
    r = evaluate(x, TwoBumps())
    assert r.label == "converged" and r.modes.modes_covered == 2
    one = evaluate(x[x[:, 0] > 0], TwoBumps())
    assert one.label == "collapsed" and "1 of 2 modes covered" in one.reasons[0]


# -- the point mass ----------------------------------------------------------------------------


def test_point_mass_members():
    p = PointMass(1.5)
    assert p.dim == 1 and p.spec == "dirac:1.5" and p.mean == 1.5 and p.std == 0.0
    np.testing.assert_array_equal(p.cdf([1.0, 1.5, 2.0]), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(p.ppf([0.0, 0.3, 1.0]), [-np.inf, 1.5, 1.5])
    assert np.isnan(p.ppf(1.5)) and math.isnan(p.skewness)
    np.testing.assert_array_equal(p.sample(4, np.random.default_rng(0)), np.full((4, 1), 1.5))
    assert not hasattr(p, "pdf")  # a Dirac delta has no density
    q = PointMass(1.0, -2.0)
    assert (
        q.dim == 2
        and q.spec == "dirac:1,-2"
        and q.sample(3, np.random.default_rng(0)).shape == (3, 2)
    )
    np.testing.assert_array_equal(q.mean, [1.0, -2.0]) and np.testing.assert_array_equal(
        q.std, [0.0, 0.0]
    )
    for spec, expected in [
        ("dirac", PointMass(0.0)),
        ("dirac:4", PointMass(4.0)),
        ("dirac:1,-2", q),
    ]:
        assert target_from_spec(spec) == expected and target_from_spec(expected.spec) == expected
    assert eval(repr(q)) == q and hash(q) == hash(PointMass(1, -2))
    with pytest.raises(
        ValueError,
        match=r"^target spec 'dirac:1,2,3': 'dirac' takes at most 2 argument\(s\), got 3",
    ):
        target_from_spec("dirac:1,2,3")
    with pytest.raises(ValueError, match=r"target spec 'dirac:nan': x must be finite"):
        target_from_spec("dirac:nan")


def test_point_mass_scores():
    p = PointMass(0.0)
    x = np.random.default_rng(5).normal(0.3, 0.2, 400)
    r = evaluate(x, p)
    # W1 to a point is the mean distance to it (the transport is unique).
    assert r.wasserstein == pytest.approx(np.mean(np.abs(x)), abs=1e-15)
    assert wasserstein_to_target(x, p) == r.wasserstein
    # Energy distance: scipy's two-sample formula against one point is exact here.
    assert r.energy_distance == pytest.approx(scipy.stats.energy_distance(x, [0.0]), abs=1e-12)
    assert energy_distance_to_target(x, p) == r.energy_distance
    # KS: sup |F_n - step| = max(share below, share above); p-value of the degenerate null.
    assert r.ks.statistic == max(np.mean(x < 0), np.mean(x > 0)) and r.ks.pvalue == 0.0
    assert ks_test(np.zeros(5), p).statistic == 0.0 and ks_test(np.zeros(5), p).pvalue == 1.0
    assert r.moments.mean_error == pytest.approx(x.mean()) and r.moments.std_error == pytest.approx(
        x.std(ddof=1)
    )
    # Undefined against a point: NaN with a reason, never an exception or an infinity.
    d = r.to_dict()
    for key in (
        "std_ratio",
        "cvm_statistic",
        "ad_statistic",
        "skewness_error",
        "excess_kurtosis_error",
    ):
        assert math.isnan(d[key]), key
    assert all(not (isinstance(v, float) and math.isinf(v)) for v in d.values())
    assert {s.split(":")[0] for s in r.skipped} == {
        "cvm_statistic",
        "ad_statistic",
        "std_ratio",
        "skewness_error, excess_kurtosis_error",
    }
    assert math.isnan(cvm_test(x, p).statistic) and math.isnan(ad_test(x, p).pvalue)
    assert math.isnan(moment_errors(x, p).std_ratio)
    assert list(evaluate(np.full(3, np.nan), p).to_dict()) == list(d)
    _plain(d)


def test_point_mass_verdict():
    p = PointMass(0.0)
    assert evaluate(np.zeros(100), p).label == "converged"
    assert evaluate(np.full(100, 0.005), p).label == "converged"  # within 0.01
    far = evaluate(np.full(100, 0.5), p)  # a point mass elsewhere: the Dirac-GAN's theta
    assert far.label == "biased" and far.reasons[0] == "W1 to the point 0.5 > 0.01"
    spread = evaluate(np.random.default_rng(6).normal(0, 1, 100), p)
    assert spread.label == "not_converged"
    assert evaluate(np.r_[np.zeros(99), np.nan], p).label == "diverged"
    # The Dirac-GAN circles the point: theta = cos(t) passes and fails in turn.
    history = [evaluate(np.full(10, v), p) for v in (0.5, 0.0) * 4]
    assert evaluate(np.zeros(10), p, history=history).label == "oscillating"
    loose = Thresholds(point_mass_distance=0.6)
    assert evaluate(np.full(100, 0.5), p, thresholds=loose).label == "converged"
    with pytest.raises(ValueError, match=r"point_mass_distance must be > 0, got 0"):
        Thresholds(point_mass_distance=0)


def test_two_d_point_mass():
    p = target_from_spec("dirac:1,2")
    x = np.array([1.0, 2.0]) + np.random.default_rng(7).normal(0, 0.1, (300, 2))
    r = evaluate(x, p)
    assert r.wasserstein == pytest.approx(np.mean(np.linalg.norm(x - [1.0, 2.0], axis=1)))
    assert r.label == "not_converged"
    assert evaluate(np.tile([1.0, 2.0], (50, 1)), p).label == "converged"
    assert evaluate(np.tile([1.0, 2.5], (50, 1)), p).label == "biased"
    d = r.to_dict()
    assert math.isnan(d["std_ratio_0"]) and math.isnan(d["total_std_ratio"])
    assert all(not (isinstance(v, float) and math.isinf(v)) for v in d.values())
    assert list(evaluate(np.full((4, 2), np.nan), p).to_dict()) == list(d)


# -- specs and the door --------------------------------------------------------------------------


def test_known_specs_list_the_new_kinds():
    assert {"scipy", "data", "dirac", "empirical"} <= set(KNOWN_SPECS)
    with pytest.raises(
        ValueError,
        match=r"unknown kind 'gauss'; known kinds: gaussian:mean,std .*dirac:x.*scipy:NAME.*data:PATH",
    ):
        target_from_spec("gauss:1")


def test_built_in_reports_keep_their_layout():
    # The protocol keys appear only on the protocol paths (see Report.protocol_keys).
    x = Gaussian().sample(500, np.random.default_rng(8))
    d = evaluate(x).to_dict()
    assert not {"skipped", "two_sample", "reference", "n_reference"} & set(d)
    assert not {"skipped", "two_sample"} & set(
        evaluate(Ring().sample(300, np.random.default_rng(9)), Ring()).to_dict()
    )
    assert not {"skipped"} & set(evaluate(x, scipy.stats.norm(4, 1.25)).to_dict())


@pytest.mark.parametrize(
    "obj, message",
    [
        (
            42,
            r"^target must be a target \(e.g. evaluation.Gaussian\(4, 1.25\)\), a spec string .* got int 42$",
        ),
        ({"mean": 4}, r"got dict \{'mean': 4\}$"),
        ([1.0, 2.0], r"got list \[1.0, 2.0\]$"),
    ],
)
def test_other_objects_are_a_type_error_naming_target(obj, message):
    with pytest.raises(TypeError, match=message):
        as_target(obj)


def test_the_worked_custom_target_of_the_docs_runs():
    # The code block under "A custom target, worked" in docs/evaluation.md, executed.
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "evaluation.md").read_text()
    section = text[text.index("### A custom target, worked") :]
    code = section[
        section.index("```python") + len("```python") : section.index(
            "```\n", section.index("```python") + 3
        )
    ]
    namespace: dict = {}
    exec(compile(code, "docs/evaluation.md", "exec"), namespace)
    report = namespace["report"]
    assert report.label == "converged"
    assert (report.reference, report.n_reference) == ("reference sample (seed 0)", 20_000)
    assert report.two_sample[:5] == (
        "ks_statistic",
        "wasserstein",
        "energy_distance",
        "mmd",
        "mean_error",
    )
    assert report.skipped[0] == "cvm_statistic: needs the target's cdf (the target has no cdf)"
    assert evaluate(namespace["x"] + 0.5, namespace["Exponential"]()).label == "biased"
