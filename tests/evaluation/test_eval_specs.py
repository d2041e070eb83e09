"""Spec strings: parsing, canonical round trip, and errors that name and echo the spec."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import (
    Gaussian,
    GaussianMixture,
    Grid,
    LogNormal,
    Ring,
    StudentT,
    Uniform,
    as_target,
    target_from_spec,
)


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("gaussian", Gaussian(4.0, 1.25)),
        ("gaussian:4,1.25", Gaussian(4.0, 1.25)),
        (" Gaussian : 0 , 2 ", Gaussian(0.0, 2.0)),
        ("gaussian:1", Gaussian(1.0, 1.25)),
        ("mixture", GaussianMixture()),
        ("mixture:0.5,-2,0.5;0.5,2,0.5", GaussianMixture((0.5, 0.5), (-2.0, 2.0), (0.5, 0.5))),
        ("mixture:1,3,2", GaussianMixture((1.0,), (3.0,), (2.0,))),
        ("student-t:3,0,1", StudentT(3.0, 0.0, 1.0)),
        ("uniform:-1,2", Uniform(-1.0, 2.0)),
        ("lognormal:0,0.25", LogNormal(0.0, 0.25)),
        ("ring", Ring(8, 2.0, 0.02)),
        ("ring:16,3,0.1", Ring(16, 3.0, 0.1)),
        ("grid", Grid(5, 2.0, 0.05)),
        ("grid:3,1e0,5e-2", Grid(3, 1.0, 0.05)),
    ],
)
def test_specs_parse(spec, expected):
    assert target_from_spec(spec) == expected


def test_canonical_specs():
    assert Gaussian().spec == "gaussian:4,1.25"
    assert GaussianMixture().spec == "mixture:0.5,-2,0.5;0.5,2,0.5"
    assert Ring().spec == "ring:8,2,0.02"
    assert Grid().spec == "grid:5,2,0.05"
    assert as_target("ring") == Ring()
    assert as_target(Ring()) is not None


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-6, 1e6)


@settings(max_examples=80, deadline=None)
@given(
    st.one_of(
        st.builds(Gaussian, finite, positive),
        st.builds(StudentT, positive, finite, positive),
        st.builds(LogNormal, st.floats(-10, 10), st.floats(1e-3, 5)),
        st.builds(Ring, st.integers(1, 64), positive, positive),
        st.builds(Grid, st.integers(1, 9), positive, positive),
        st.builds(lambda a, b: Uniform(min(a, b), max(a, b) + 1.0), finite, finite),
        st.lists(st.tuples(st.integers(1, 9), finite, positive), min_size=1, max_size=5).map(
            lambda comps: GaussianMixture(
                tuple(c[0] / sum(d[0] for d in comps) for c in comps),
                tuple(c[1] for c in comps),
                tuple(c[2] for c in comps),
            )
        ),
    )
)
def test_spec_round_trip(target):
    assert target_from_spec(target.spec) == target


@pytest.mark.parametrize(
    "spec, message",
    [
        (
            "gauss:4,1",
            r"target spec 'gauss:4,1': unknown kind 'gauss'; known kinds: gaussian:mean,std",
        ),
        ("", r"target spec '': unknown kind ''"),
        (
            "gaussian:4,1,2",
            r"target spec 'gaussian:4,1,2': 'gaussian' takes at most 2 argument\(s\), got 3; expected gaussian:mean,std",
        ),
        (
            "gaussian:four",
            r"target spec 'gaussian:four': argument 'four' is not a number; expected gaussian:mean,std",
        ),
        ("gaussian:", r"target spec 'gaussian:': nothing after ':'"),
        ("gaussian:4,-1", r"target spec 'gaussian:4,-1': std must be > 0, got -1"),
        (
            "mixture:0.5,-2;0.5,2,0.5",
            r"mixture component 0 has 2 argument\(s\), expected 3 \(weight,mean,std\)",
        ),
        (
            "mixture:0.4,-2,0.5;0.5,2,0.5",
            r"target spec 'mixture:0.4,-2,0.5;0.5,2,0.5': weights must sum to 1",
        ),
        ("ring:8.5", r"target spec 'ring:8.5': n_modes must be an integer"),
        ("uniform:3,1", r"high must be > low"),
        ("gaussian:nan,1", r"mean must be finite"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message):
        target_from_spec(spec)


def test_non_string_specs_and_targets():
    with pytest.raises(TypeError, match=r"spec must be a str such as 'gaussian:4,1.25', got int 4"):
        target_from_spec(4)
    with pytest.raises(TypeError, match=r"target must be a target .* got dict"):
        as_target({"mean": 4})
