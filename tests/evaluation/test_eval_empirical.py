"""The user's own data as a target: Empirical, two-sample scores, its verdict, data files."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
import scipy.stats

from evaluation import (
    DEFAULT_THRESHOLDS,
    MIN_DATA_ROWS,
    Empirical,
    as_target,
    energy_distance,
    evaluate,
    load_data,
    mmd_test,
    sliced_wasserstein,
    target_from_spec,
)

# The documented false-failure rate of the verdict against data (docs/evaluation.md,
# "Targets"): a sample from the data's own distribution is labelled something other than
# 'converged' at most this often, for n, m >= 200.
DOCUMENTED_FALSE_FAILURE_RATE = 0.005


def _normal(n, seed, d=None):
    size = n if d is None else (n, d)
    return np.random.default_rng(seed).normal(4, 1.25, size)


# -- the target --------------------------------------------------------------------------------


def test_empirical_copies_the_data_read_only():
    raw = _normal(500, 0)
    t = Empirical(raw)
    raw[0] = 99.0
    assert t.data[0, 0] != 99.0 and t.data.shape == (500, 1) and t.data.dtype == np.float64
    with pytest.raises(ValueError):
        t.data[0, 0] = 1.0
    assert t.dim == 1 and t.n == 500
    assert t.mean == pytest.approx(np.mean(t.data)) and isinstance(t.mean, float)
    assert t.std == pytest.approx(np.std(t.data, ddof=1))
    two = Empirical(_normal(300, 1, d=2).astype(np.float32))
    assert two.dim == 2 and two.mean.shape == (2,) and two.std.shape == (2,)
    np.testing.assert_allclose(two.std, np.std(two.data, axis=0, ddof=1))


def test_sample_is_a_seeded_bootstrap():
    t = Empirical(np.arange(100.0))
    a = t.sample(1000, np.random.default_rng(3))
    assert a.shape == (1000, 1) and set(a[:, 0]) <= set(range(100))
    assert len(np.unique(a)) < 1000  # with replacement
    np.testing.assert_array_equal(a, t.sample(1000, np.random.default_rng(3)))
    assert t.sample(0, np.random.default_rng(0)).shape == (0, 1)


def test_identity_spec_and_pickle():
    data = _normal(200, 2)
    t = Empirical(data)
    assert t == Empirical(data.copy()) and hash(t) == hash(Empirical(data.copy()))
    assert t != Empirical(data + 1)
    assert t.spec == f"empirical:n=200,dim=1,sha256={t.sha256[:16]}"
    assert pickle.loads(pickle.dumps(t)) == t
    assert as_target(data) == t  # a numpy array is the user's data
    with pytest.raises(
        ValueError, match=r"cannot be rebuilt from text; pass the array itself"
    ) as info:
        target_from_spec(t.spec)
    assert str(info.value).startswith(f"target spec {t.spec!r}: ")


def test_split_is_a_seeded_partition():
    t = Empirical(np.arange(1000.0))
    train, held = t.split(0.8, seed=7)
    assert (train.n, held.n) == (800, 200)
    assert sorted(np.r_[train.data[:, 0], held.data[:, 0]]) == list(range(1000))
    assert np.all(np.diff(train.data[:, 0]) > 0)  # order kept within each part
    again = t.split(0.8, seed=7)
    assert again[0] == train and again[1] == held
    assert t.split(0.8, seed=8)[0] != train
    with pytest.raises(ValueError, match=r"fraction must satisfy 0 < fraction < 1, got 1.0"):
        t.split(1.0, seed=0)
    with pytest.raises(ValueError, match=r"both need at least 2"):
        Empirical(np.arange(5.0)).split(0.9, seed=0)
    with pytest.raises(TypeError, match=r"seed must be an integer"):
        t.split(0.5, seed=None)


@pytest.mark.parametrize(
    "data, error, message",
    [
        (np.array([1.0]), ValueError, r"data must have at least 2 rows, got 1"),
        (
            np.array([[1.0, np.nan], [2.0, 3.0]]),
            ValueError,
            r"data must be finite, got NaN or inf in 1 row\(s\), the first at index 0",
        ),
        (np.zeros((3, 2, 2)), ValueError, r"data must have shape \(n,\) or \(n, d\)"),
        (np.array(["a", "b"]), TypeError, r"data must hold real numbers"),
        ("1,2,3", TypeError, r"data must be a numeric array"),
    ],
)
def test_bad_data(data, error, message):
    with pytest.raises(error, match=message):
        Empirical(data)


# -- scores against data -----------------------------------------------------------------------


def test_one_d_scores_are_scipys_two_sample_statistics():
    ref = _normal(5000, 3)
    x = _normal(800, 4) + 0.05
    r = evaluate(x, Empirical(ref))
    ks = scipy.stats.ks_2samp(x, ref)
    assert (r.ks.statistic, r.ks.pvalue) == (
        pytest.approx(ks.statistic, abs=1e-15),
        pytest.approx(ks.pvalue, abs=1e-15),
    )
    assert r.wasserstein == pytest.approx(scipy.stats.wasserstein_distance(x, ref), abs=1e-12)
    assert r.energy_distance == pytest.approx(scipy.stats.energy_distance(x, ref), abs=1e-12)
    assert r.mmd == mmd_test(x, ref)
    m = r.moments
    assert m.mean_error == pytest.approx(x.mean() - ref.mean(), abs=1e-12)
    assert m.std_ratio == pytest.approx(x.std(ddof=1) / ref.std(ddof=1), rel=1e-12)
    assert m.target_skewness == pytest.approx(scipy.stats.skew(ref), rel=1e-10)
    assert m.target_excess_kurtosis == pytest.approx(scipy.stats.kurtosis(ref), rel=1e-10)
    # The exact one-sample scores do not exist for data; the report says so.
    assert math.isnan(r.cvm.statistic) and math.isnan(r.ad.pvalue)
    assert [s.split(":")[0] for s in r.skipped] == ["cvm_statistic", "ad_statistic"]
    assert r.reference == "data" and r.n_reference == 5000
    assert {
        "ks_statistic",
        "wasserstein",
        "energy_distance",
        "mmd",
        "mean_error",
        "std_ratio",
    } <= set(r.two_sample)
    assert "two-sample KS D" in r.summary() and "vs data of 5000" in r.summary()


def test_two_d_scores_use_all_of_the_data():
    ref = _normal(3000, 5, d=2)
    x = _normal(1000, 6, d=2)
    r = evaluate(x, Empirical(ref))
    assert r.energy_distance == energy_distance(x, ref)
    assert r.sliced_wasserstein == pytest.approx(sliced_wasserstein(x, ref), rel=1e-12)
    assert r.mmd == mmd_test(x, ref)
    np.testing.assert_allclose(r.moments.mean_error, x.mean(axis=0) - ref.mean(axis=0))
    ks = [scipy.stats.ks_2samp(x[:, j], ref[:, j]).statistic for j in range(2)]
    assert r.marginal_ks == pytest.approx(tuple(ks))
    d = r.to_dict()
    # (scipy's exact mode rounds D to a multiple of 1/lcm(n, m): equal to ~1e-16)
    assert d["ks_statistic_1"] == pytest.approx(ks[1], abs=1e-12) and math.isnan(d["ks_statistic"])
    assert r.label == "converged"


def test_sliced_w1_of_unequal_sizes_equals_scipy_per_direction():
    x, y = _normal(700, 7, d=2), _normal(3100, 8, d=2)
    angles = np.pi * np.arange(50) / 50
    theta = np.column_stack([np.cos(angles), np.sin(angles)])
    expected = np.mean([scipy.stats.wasserstein_distance(x @ t, y @ t) for t in theta])
    assert sliced_wasserstein(x, y) == pytest.approx(expected, rel=1e-12)


def test_report_keys_do_not_depend_on_the_sample():
    for dim in (None, 2):
        target = Empirical(_normal(1000, 9, d=dim))
        shape = (300,) if dim is None else (300, 2)
        good = evaluate(_normal(300, 10, d=dim), target).to_dict()
        bad = evaluate(np.full(shape, np.nan), target).to_dict()
        spike = evaluate(np.full(shape, 4.0), target).to_dict()
        assert list(good) == list(bad) == list(spike)
        assert bad["label"] == "diverged" and bad["n_reference"] == 1000
        for d in (good, bad, spike):
            assert all(type(v) in (int, float, str, bool) for v in d.values())
            json.loads(json.dumps(d))


def test_labels_against_data():
    ref = Empirical(_normal(20_000, 11))
    x = _normal(2000, 12)
    assert evaluate(x, ref).label == "converged"
    shifted = evaluate(x + 0.3, ref)
    assert shifted.label == "biased" and any("|mean error|" in r for r in shifted.reasons)
    assert evaluate(4 + 0.01 * (x - 4), ref).label == "collapsed"
    half = 1.25 * math.sqrt(3)
    uniform = np.random.default_rng(13).uniform(4 - half, 4 + half, 2000)
    assert evaluate(uniform, ref).label == "not_converged"
    history = [evaluate(s, ref) for s in (x + 0.5, x) * 4]
    assert evaluate(x, ref, history=history).label == "oscillating"


def test_two_sample_thresholds_follow_their_formulas():
    t = DEFAULT_THRESHOLDS
    q, z = 0.999, scipy.stats.norm.ppf(0.9995)
    n, m = 2000, 500
    n_eff = n * m / (n + m)  # 400
    assert t.ks_at(n, m=m) == pytest.approx(scipy.stats.kstwo.ppf(q, math.floor(n_eff)))
    assert t.mean_error_at(n, 1.25, m=m) == pytest.approx(1.25 * z * math.sqrt(1 / n + 1 / m))
    assert t.std_ratio_at(n, 0.0, m=m) == pytest.approx(
        math.expm1(z * math.sqrt(2 * (1 / n + 1 / m) / 4))
    )
    # Large samples on both sides: the fixed effect-size thresholds hold.
    assert t.ks_at(100_000, m=100_000) == 0.02 and t.mean_error_at(100_000, 1.0, m=100_000) == 0.04
    # Per-coordinate checks of a d-D target: Bonferroni over the d coordinates.
    assert t.ks_at(n, m=m, coordinates=2) == pytest.approx(
        scipy.stats.kstwo.ppf(1 - 0.001 / 2, 400)
    )


def test_false_failure_rate_of_the_verdict_against_data():
    # True vs true: x and the data both drawn from N(4, 1.25), fresh each trial, at four
    # (n, m). Documented: at most 0.5 % of such reports are not 'converged' (the nominal
    # union bound of the three checks at noise_quantile 0.999 is 0.3 %; the slow test below
    # measures 0.13-0.35 % over 4,000 splits per size pair). Here 600 fixed-seed splits may
    # fail at most 0.5 % = 3 times. At the measured rate of about 0.27 % a seed would exceed
    # that with probability 8 % (scipy.stats.binom(600, 0.0027).sf(3)); the seed is fixed,
    # so the test is deterministic. MMD does not enter the verdict and is switched off.
    rng = np.random.default_rng(2024)
    trials, failures = 0, []
    for n, m in [(200, 500), (500, 2000), (2000, 2000), (2000, 20_000)]:
        for _ in range(150):
            ref = Empirical(rng.normal(4, 1.25, m))
            r = evaluate(rng.normal(4, 1.25, n), ref, mmd_permutations=0, mmd_max_n=2)
            trials += 1
            if not r.converged:
                failures.append((n, m, r.label, r.reasons))
    assert len(failures) <= math.floor(DOCUMENTED_FALSE_FAILURE_RATE * trials), failures


def test_a_two_d_true_split_converges():
    rng = np.random.default_rng(5)
    data = Empirical(rng.normal(size=(20_000, 2)))
    train, held = data.split(0.5, seed=0)
    labels = [evaluate(train.sample(2000, rng), held, mmd_permutations=0).label for _ in range(10)]
    assert labels.count("converged") >= 9


# -- files -------------------------------------------------------------------------------------


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _rows(n, d=1, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def test_csv_with_and_without_header(tmp_path):
    values = _rows(150, 2)
    body = "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in values) + "\n"
    with_header = _write(tmp_path, "a.csv", "x,y\n" + body)
    plain = _write(tmp_path, "b.csv", body)
    np.testing.assert_array_equal(load_data(with_header), values)
    np.testing.assert_array_equal(load_data(plain), values)
    t = target_from_spec(f"data:{with_header}")
    assert isinstance(t, Empirical) and t.spec == f"data:{with_header}" and t.dim == 2
    assert target_from_spec(t.spec) == t and t.source == with_header
    assert evaluate(_rows(500, 2, seed=1), t).target == f"data:{with_header}"


def test_txt_and_npy(tmp_path):
    values = _rows(120, 3)
    txt = tmp_path / "a.txt"
    np.savetxt(txt, values, header="three columns")  # '#' comment line, spaces between values
    np.testing.assert_allclose(load_data(txt), values, rtol=1e-15)
    npy = tmp_path / "a.npy"
    np.save(npy, values[:, 0])
    out = load_data(npy)
    assert out.shape == (120, 1) and out.dtype == np.float64
    np.testing.assert_array_equal(out[:, 0], values[:, 0])
    assert Empirical.from_file(npy).spec == f"data:{npy}"


def _csv_with(line_at_row: dict[int, str], n=150, header=True):
    lines = ["x,y"] if header else []
    lines += [f"{a},{b}" for a, b in _rows(n, 2)]
    for row, text in line_at_row.items():
        lines[row - 1] = text
    return "\n".join(lines) + "\n"


BAD_FILES = [
    ("a.csv", _csv_with({7: "1.5,abc"}), r"row 7, column 2: 'abc' is not a number"),
    (
        "a.csv",
        _csv_with({12: "nan,1"}),
        r"row 12, column 1: 'nan' is NaN or inf; every value must be finite",
    ),
    ("a.csv", _csv_with({3: "1,-inf"}), r"row 3, column 2: '-inf' is NaN or inf"),
    ("a.csv", _csv_with({9: "1,2,3"}), r"row 9: 3 column\(s\), expected 2 as in row 2"),
    ("a.csv", _csv_with({5: "1"}), r"row 5: 1 column\(s\), expected 2 as in row 2"),
    ("a.csv", _csv_with({4: "1,"}), r"row 4, column 2: empty cell"),
    ("a.csv", _csv_with({6: "1_0,2"}), r"row 6, column 1: '1_0' is not a number"),
    (
        "a.csv",
        _csv_with({}, n=57),
        r"57 data row\(s\) \(rows 2-58\), at least MIN_DATA_ROWS = 100 are needed",
    ),
    ("a.csv", "x,y\n", r"0 data row\(s\), at least MIN_DATA_ROWS = 100"),
    ("a.txt", "\n".join(["1 2"] * 110 + ["3 x"]) + "\n", r"row 111, column 2: 'x' is not a number"),
    (
        "a.txt",
        "\n".join(["1 2"] * 50 + ["", "1 2 3"]) + "\n",
        r"row 52: 3 column\(s\), expected 2 as in row 1",
    ),
    ("a.json", "[1, 2]", r"unknown extension '.json'; expected .csv \(comma-separated\), .txt"),
    ("noext", "1\n", r"unknown extension ''"),
]


@pytest.mark.parametrize("name, text, message", BAD_FILES, ids=[m[:40] for _, _, m in BAD_FILES])
def test_bad_files_are_one_line_naming_file_and_row(tmp_path, name, text, message):
    path = _write(tmp_path, name, text)
    for call in (lambda: load_data(path), lambda: target_from_spec(f"data:{path}")):
        with pytest.raises(ValueError, match=message) as info:
            call()
        text_ = str(info.value)
        assert f"data file {path!r}" in text_ and "\n" not in text_


def test_bad_npy_files(tmp_path):
    nan = tmp_path / "nan.npy"
    values = _rows(200, 2)
    values[41, 1] = np.inf
    np.save(nan, values)
    with pytest.raises(ValueError, match=r"nan.npy': row 42, column 2: inf is NaN or inf"):
        load_data(nan)
    few = tmp_path / "few.npy"
    np.save(few, _rows(10))
    with pytest.raises(ValueError, match=r"10 data row\(s\), at least MIN_DATA_ROWS = 100"):
        load_data(few)
    objects = tmp_path / "obj.npy"
    np.save(objects, np.array([{"a": 1}] * 200, dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match=r"obj.npy': not a readable .npy array"):
        load_data(objects)
    text = tmp_path / "text.npy"
    np.save(text, np.array(["a"] * 200))
    with pytest.raises(ValueError, match=r"text.npy': holds dtype <U1, expected real numbers"):
        load_data(text)
    assert MIN_DATA_ROWS == 100


def test_missing_files_and_directories(tmp_path):
    missing = str(tmp_path / "nope.csv")
    with pytest.raises(
        ValueError, match=rf"^target spec 'data:{missing}': data file '{missing}': not found"
    ):
        target_from_spec(f"data:{missing}")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"folder.csv': is a directory, not a file"):
        load_data(folder)
    with pytest.raises(ValueError, match=r"target spec 'data:': nothing after ':'"):
        target_from_spec("data:")
    with pytest.raises(ValueError, match=r"target spec 'data': 'data' needs arguments"):
        target_from_spec("data")
    with pytest.raises(TypeError, match=r"path must be a str or os.PathLike, got int 3"):
        load_data(3)


def test_an_edited_file_is_read_again(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\n".join(map(str, range(100))) + "\n")
    first = load_data(path)
    path.write_text("\n".join(map(str, range(1, 102))) + "\n")
    second = load_data(path)
    assert first.shape == (100, 1) and second.shape == (101, 1)


@pytest.mark.slow
def test_false_failure_rate_table_of_the_docs():
    # The table in docs/evaluation.md ("Your own data"), at length: 4,000 true-vs-true
    # splits per 1-D size pair and 2,000 per 2-D one, seed 12345; each measured rate must be
    # within the documented 0.5 %. Run with: pytest -m slow tests/evaluation/test_eval_empirical.py
    rng = np.random.default_rng(12345)
    measured = {}
    for dim, pairs, trials in (
        (None, [(200, 500), (500, 5000), (2000, 2000), (2000, 20_000), (10_000, 20_000)], 4000),
        (2, [(500, 2000), (2000, 20_000)], 2000),
    ):
        for n, m in pairs:
            failures = 0
            for _ in range(trials):
                if dim is None:
                    ref = Empirical(rng.normal(4, 1.25, m))
                    x = rng.normal(4, 1.25, n)
                else:
                    ref = Empirical(rng.normal(size=(m, dim)))
                    x = rng.normal(size=(n, dim))
                failures += not evaluate(x, ref, mmd_permutations=0, mmd_max_n=2).converged
            measured[(dim or 1, n, m)] = failures / trials
    assert all(rate <= DOCUMENTED_FALSE_FAILURE_RATE for rate in measured.values()), measured
