"""Hypothesis fuzzing of evaluation's entry points: arbitrary input either scores or is refused.

What every function here promises, for *any* input (NaN, inf, empty, constant, 1e308, 2-D):

- it returns, or raises ValueError/TypeError with a message; never another exception type,
  never a hang (each call runs under an alarm);
- p-values lie in [0, 1], and are NaN exactly where their statistic is NaN;
- statistics that are non-negative by definition (KS D, Cramér–von Mises, Anderson–Darling,
  W1, energy distance, sliced W1, std) are >= 0 or NaN, and KS D <= 1;
- finite input of moderate size (|x| <= 1e6) gives finite scores (except Anderson–Darling,
  which is +inf, p = 0, for a point outside a bounded support); near the float64 limit
  (|x| ~ 1e308) a score whose arithmetic overflows may be inf or NaN;
- ``target_from_spec`` returns a target whose ``spec`` parses back to it and whose
  parameters are the numbers written, or raises a ValueError (TypeError for a non-str)
  that quotes the spec.

Budgets are small (60 examples per test) so that the file runs in seconds.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import signal
import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import evaluation
from evaluation import (
    KNOWN_SPECS,
    Gaussian,
    GaussianMixture,
    Ring,
    TestResult,
    ad_test,
    cvm_test,
    energy_distance,
    energy_distance_to_target,
    evaluate,
    ks_test,
    mmd_test,
    moment_errors,
    sliced_wasserstein,
    target_from_spec,
    wasserstein_to_target,
)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HANG_SECONDS = 30  # far above any legitimate call on these sizes: only a hang trips it


@contextlib.contextmanager
def no_hang(seconds: int = HANG_SECONDS):
    """Fail (instead of waiting forever) if the body runs longer than ``seconds``."""

    def alarm(signum, frame):
        raise AssertionError(f"call did not return within {seconds} s (a hang?)")

    if not hasattr(signal, "SIGALRM"):  # not on Windows: no guard, the test still runs
        yield
        return
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def call(function, *args, **kwargs):
    """``function(*args, **kwargs)``, or None if it refused the input the allowed way."""
    with no_hang(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow on 1e308 is expected
        try:
            return function(*args, **kwargs)
        except (ValueError, TypeError) as error:
            assert str(error), f"{type(error).__name__} without a message"
            return None


# -- strategies -------------------------------------------------------------------------

any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
moderate = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def arrays(elements, *, dims=(1, 2), max_n=40):
    """Float arrays of shape (n,), (n, 1) or (n, d): empty, tiny, constant or arbitrary."""
    shapes = st.one_of(
        hnp.array_shapes(min_dims=1, max_dims=1, min_side=0, max_side=max_n),
        st.tuples(st.integers(0, max_n), st.sampled_from(dims)),
    )
    arbitrary = shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=elements))
    constant = st.tuples(shapes, elements).map(lambda pair: np.full(pair[0], pair[1]))
    return st.one_of(arbitrary, constant)


def check_pvalue(pvalue: float, statistic: float, what: str) -> None:
    # NaN exactly where the statistic is NaN: a p-value of an undefined statistic is a lie.
    assert math.isnan(pvalue) == math.isnan(statistic), f"{what}: p-value {pvalue} for statistic {statistic}"
    assert math.isnan(pvalue) or 0.0 <= pvalue <= 1.0, f"{what}: p-value {pvalue} outside [0, 1]"


def check_nonnegative(value: float, what: str) -> None:
    assert math.isnan(value) or value >= 0, f"{what} = {value} < 0"


def check_test(result: TestResult, what: str, *, at_most: float = math.inf) -> None:
    check_nonnegative(result.statistic, f"{what} statistic")
    assert math.isnan(result.statistic) or result.statistic <= at_most, f"{what} statistic > {at_most}"
    check_pvalue(result.pvalue, result.statistic, what)


def moderate_finite(x: np.ndarray) -> bool:
    return x.size > 0 and bool(np.all(np.isfinite(x))) and bool(np.all(np.abs(x) <= 1e6))


# -- (a) scores on arbitrary arrays -----------------------------------------------------


ONE_SAMPLE_TARGETS = [Gaussian(), GaussianMixture(), evaluation.StudentT(), evaluation.Uniform()]
BOUNDED = [evaluation.Uniform()]


@FUZZ
@given(arrays(any_float), st.sampled_from(ONE_SAMPLE_TARGETS))
@example(np.array([1e308, -1e308, 1e308]), Gaussian())
@example(np.array([-1e308, 5e-324]), GaussianMixture())
@example(np.full(5, 4.0), Gaussian())
def test_one_sample_tests_on_arbitrary_arrays(x, target):
    for name, test in (("ks", ks_test), ("cvm", cvm_test), ("ad", ad_test)):
        result = call(test, x, target)
        if result is not None:
            check_test(result, name, at_most=1.0 if name == "ks" else math.inf)
            # A^2 is +inf (p = 0) for a point where F(x) is 0 or 1: outside a bounded support.
            if moderate_finite(x) and not (name == "ad" and target in BOUNDED):
                assert math.isfinite(result.statistic), f"{name}: {result} on moderate input"
    for name, score in (("W1", wasserstein_to_target), ("energy", energy_distance_to_target)):
        value = call(score, x, target)
        if value is not None:
            check_nonnegative(value, name)
            if moderate_finite(x):
                assert math.isfinite(value), f"{name} = {value} on moderate input"
    moments = call(moment_errors, x, target)
    if moments is not None:
        check_nonnegative(moments.std, "std")
        if moderate_finite(x):
            assert math.isfinite(moments.mean) and math.isfinite(moments.std)


HUGE = np.array([[1e308, -1e308], [-1e308, 1e308], [1e308, 1e308]])


@FUZZ
@given(arrays(any_float, dims=(2,), max_n=24), arrays(any_float, dims=(2,), max_n=24))
@example(HUGE, -HUGE)
@example(np.zeros((3, 2)), np.zeros((4, 2)))
def test_two_sample_scores_on_arbitrary_arrays(x, y):
    result = call(mmd_test, x, y, n_permutations=20)
    if result is not None:
        check_pvalue(result.pvalue, result.statistic, "MMD")
        if moderate_finite(x) and moderate_finite(y):
            assert math.isfinite(result.statistic) and math.isfinite(result.bandwidth), result
    for name, score in (("energy", energy_distance), ("sliced W1", sliced_wasserstein)):
        value = call(score, x, y)
        if value is not None:
            check_nonnegative(value, name)
            if moderate_finite(x) and moderate_finite(y):
                assert math.isfinite(value), f"{name} = {value} on moderate input"


@FUZZ
@given(arrays(any_float), st.sampled_from([Gaussian(), GaussianMixture(), Ring()]))
@example(HUGE, Ring())
@example(HUGE[:, 0], Gaussian())
def test_evaluate_on_arbitrary_arrays(x, target):
    report = call(evaluate, x, target, mmd_permutations=20)
    if report is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # norms of 1e308 overflow to inf
        flat = report.to_dict()
    assert report.label in evaluation.LABELS
    if not np.all(np.isfinite(x)):
        assert report.label == "diverged" and report.n_nonfinite > 0
    for test in ("ks", "cvm", "ad", "mmd"):
        if f"{test}_pvalue" in flat:
            statistic = flat.get(f"{test}_statistic", flat.get(test))
            check_pvalue(flat[f"{test}_pvalue"], statistic, test)
    for key in ("ks_statistic", "cvm_statistic", "ad_statistic", "wasserstein", "energy_distance", "std"):
        if key in flat:
            check_nonnegative(flat[key], key)
    if "sliced_wasserstein" in flat:
        check_nonnegative(flat["sliced_wasserstein"], "sliced_wasserstein")


# -- (b) the target spec parser ---------------------------------------------------------

SPEC_ALPHABET = "gaussianmixturestudentlognormalringridfo-:;,. +0123456789eE_"
KINDS = sorted(KNOWN_SPECS)


def parse(spec: str):
    """``target_from_spec(spec)``: a target whose spec round-trips, or a ValueError quoting it."""
    with no_hang():
        try:
            target = target_from_spec(spec)
        except ValueError as error:
            assert f"target spec {spec!r}" in str(error), f"error does not quote the spec: {error}"
            return None
    assert target_from_spec(target.spec) == target, f"{spec!r} -> {target.spec!r} does not round-trip"
    return target


@FUZZ
@given(
    st.one_of(
        st.text(max_size=30),
        st.text(alphabet=SPEC_ALPHABET, max_size=30),
        st.tuples(st.sampled_from(KINDS), st.text(alphabet=SPEC_ALPHABET, max_size=20)).map(":".join),
    )
)
@example("gaussian:1_0,1")  # float() reads these; a spec must not
@example("gaussian:٤,1")
@example("ring:1000000000")  # would allocate 16 GB of modes
@example("grid:100000")
@example("mixture:;")
def test_target_spec_parser_on_arbitrary_text(spec):
    parse(spec)


def number_text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


numbers_ = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e3, 1e3),
)


@FUZZ
@given(st.sampled_from([k for k in KINDS if k != "mixture"]), st.lists(numbers_, min_size=0, max_size=4))
def test_structured_specs_round_trip_their_parameters(kind, values):
    spec = kind + (":" + ",".join(number_text(v) for v in values) if values else "")
    target = parse(spec)
    if target is not None:
        fields = [getattr(target, f.name) for f in dataclasses.fields(target)]
        assert all(a == float(v) for a, v in zip(fields, values)), f"{spec!r} -> {target!r}"


@FUZZ
@given(st.lists(st.tuples(numbers_, numbers_, numbers_), min_size=1, max_size=4))
@example([(0.5, -2, 0.5), (0.5, 2, 0.5)])
def test_structured_mixture_specs_round_trip_their_parameters(components):
    spec = "mixture:" + ";".join(",".join(number_text(v) for v in c) for c in components)
    target = parse(spec)
    if target is not None:
        weights, means, stds = (tuple(float(v) for v in column) for column in zip(*components))
        assert (target.weights, target.means, target.stds) == (weights, means, stds) or (
            np.allclose(target.weights, weights) and target.means == means and target.stds == stds
        ), f"{spec!r} -> {target!r}"


@FUZZ
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=8), st.lists(st.text(max_size=3))))
def test_non_string_specs_are_a_type_error_naming_spec(value):
    with pytest.raises(TypeError, match=r"spec must be a str"):
        target_from_spec(value)
