"""``evaluate_many``: :func:`evaluate` of many samples of one target, the slow tests batched.

An ensemble's periodic check scores K samples of one size against one target. On a 1-D
target with exact functions, most of evaluate()'s time is scipy's KS and Cramér–von Mises
p-values (the CvM series of Csörgő & Faraway 1996 takes 2–8 ms a call in scipy, the most
for the large statistics of bad fits). scipy's KS and ``_cramervonmises`` (scipy's CvM,
its series summed a block of terms at a time) are vectorized over an axis, so the K samples
go through one call of each, and every other score is computed as evaluate() computes it.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.stats

from ._cramervonmises import cvm_pvalue, cvm_statistic
from ._one_sample import TestResult, _identity_cdf
from ._protocol import classic_layout
from ._report import _check_thresholds, _checked_options, _evaluate_checked, evaluate
from ._results import Report
from ._specs import as_target
from ._target import Target
from ._univariate import DEFAULT_TARGET
from ._validation import as_samples

__all__ = ["evaluate_many"]

BATCH_ROWS = 128
"""Samples per vectorized scipy call: scipy's intermediates grow with the batch (at 1,024
samples of 1,000 they held ~200 MB at once); 128 rows keep them small and lose no speed."""

_OPTIONS = {
    name: parameter.default
    for name, parameter in inspect.signature(evaluate).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}


def evaluate_many(samples: Any, target: Target | str = DEFAULT_TARGET, **options: Any) -> list[Report]:
    """``[evaluate(s, target, **options) for s in samples]``, equal to the last bit, faster.

    samples: a sequence of samples, or an array whose first axis runs over them: (K, n) or
        (K, n, 1) for a 1-D target, (K, n, d) for a d-D one. The samples may differ in size.
    target: as in :func:`evaluate`, converted once.
    options: evaluate()'s keyword options, applied to every sample.

    On a 1-D target with exact functions the finite samples of each size share one
    vectorized ``scipy.stats.ks_1samp`` call (``axis=-1``) and one Cramér–von Mises
    computation, about 10× faster than one call per sample at K = 64; other targets are
    scored one by one. Errors are evaluate()'s, the offending sample named by its index.
    """
    target = as_target(target)
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError(f"evaluate_many() got unknown options {unknown}; evaluate()'s options are {sorted(_OPTIONS)}")
    settings = {**_OPTIONS, **options}
    _check_thresholds(settings["thresholds"])
    xs = [as_samples(s, target.dim, name=f"samples[{k}]", min_n=2) for k, s in enumerate(_each(samples, target))]
    opts, n_null, calibrate = _checked_options(**settings)
    tests = _batched_tests(xs, target)
    return [_evaluate_checked(x, target, opts, n_null, calibrate, tests.get(k)) for k, x in enumerate(xs)]


def _each(samples: Any, target: Target) -> Sequence[Any]:
    """The samples one by one: the rows of an array's first axis, or a sequence's items."""
    if hasattr(samples, "__array__"):  # numpy arrays, torch tensors, ...
        array = np.asarray(samples)
        if array.ndim < 2 or (target.dim > 1 and array.ndim != 3):
            raise ValueError(
                f"samples must stack samples along the first axis, (K, n{', 1' if target.dim == 1 else ''}) or "
                f"(K, n, {target.dim}) for {target.spec}, got shape {array.shape} (one sample: use evaluate())"
            )
        return list(array)
    if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence):
        raise TypeError(f"samples must be a sequence of samples or an array of them, got {type(samples).__name__}")
    return samples


def _batched_tests(xs: list[np.ndarray], target: Target) -> dict[int, tuple[TestResult, TestResult]]:
    """(KS, CvM) of every finite 1-D sample, by index, batched over samples of equal size."""
    if target.dim != 1 or not classic_layout(target):
        return {}
    by_size: dict[int, list[int]] = {}
    for k, x in enumerate(xs):
        if np.isfinite(x).all():
            by_size.setdefault(x.shape[0], []).append(k)
    tests = {}
    for same_size in by_size.values():
        for start in range(0, len(same_size), BATCH_ROWS):
            indices = same_size[start : start + BATCH_ROWS]
            u = np.stack([target.cdf(np.sort(xs[k][:, 0])) for k in indices])
            tests.update(zip(indices, _ks_cvm_rows(u)))
    return tests


def _ks_cvm_rows(u: np.ndarray) -> list[tuple[TestResult, TestResult]]:
    """(KS, CvM) of each row of ``u`` (K, n), sorted F(x) values: one vectorized call per
    test, each row's result equal to the one-row call's (tests/evaluation/test_eval_batch.py)."""
    ks = scipy.stats.ks_1samp(u, _identity_cdf, axis=-1)
    cvm = cvm_statistic(u)
    return [
        (TestResult(float(d), float(p_ks)), TestResult(float(w), float(p_cvm)))
        for d, p_ks, w, p_cvm in zip(ks.statistic, ks.pvalue, cvm, cvm_pvalue(cvm, u.shape[-1]))
    ]
