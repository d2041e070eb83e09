"""``evaluate_many``: :func:`evaluate` of many samples of one target, batched.

An ensemble's periodic check scores K samples of one size against one target. On a 1-D
target with exact functions every score of the battery is computed for all K samples at
once (:func:`~evaluation._battery.battery_1d`: one call of the target's functions and of
scipy's KS test on the ``(K, n)`` array, one Cramér–von Mises series), each sample's values
with the bits of evaluate() on it alone; then each report is assembled as evaluate()
assembles it. Other targets are scored one by one.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._battery import Battery1D, battery_1d
from ._protocol import classic_layout
from ._report import _check_thresholds, _checked_options, _evaluate_checked, evaluate
from ._results import Report
from ._specs import as_target
from ._target import Target
from ._univariate import DEFAULT_TARGET
from ._validation import as_samples

__all__ = ["evaluate_many"]

BATCH_ROWS = 128
"""Samples scored together: the battery's intermediates grow with the batch (scipy's alone
held ~200 MB at once for 1,024 samples of 1,000); 128 rows keep them small and lose no speed."""

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

    On a 1-D target with exact functions the finite samples of each size go through the
    battery together (the module docstring), about 10× faster than one call per sample
    at K = 64; other targets are scored one by one. Errors are evaluate()'s, the offending
    sample named by its index.
    """
    target = as_target(target)
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError(f"evaluate_many() got unknown options {unknown}; evaluate()'s options are {sorted(_OPTIONS)}")
    settings = {**_OPTIONS, **options}
    _check_thresholds(settings["thresholds"])
    xs = [as_samples(s, target.dim, name=f"samples[{k}]", min_n=2) for k, s in enumerate(_each(samples, target))]
    opts, n_null, calibrate = _checked_options(**settings)
    scored = _batched_scores(xs, target)
    return [_evaluate_checked(x, target, opts, n_null, calibrate, scored.get(k)) for k, x in enumerate(xs)]


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


def _batched_scores(xs: list[np.ndarray], target: Target) -> dict[int, tuple[np.ndarray, Battery1D]]:
    """The sorted values and battery of every finite 1-D sample, by index, batched over
    samples of equal size (:func:`~evaluation._battery.battery_1d`)."""
    if target.dim != 1 or not classic_layout(target):
        return {}
    by_size: dict[int, list[int]] = {}
    for k, x in enumerate(xs):
        if np.isfinite(x).all():
            by_size.setdefault(x.shape[0], []).append(k)
    scored = {}
    for same_size in by_size.values():
        for start in range(0, len(same_size), BATCH_ROWS):
            indices = same_size[start : start + BATCH_ROWS]
            rows = np.sort(np.stack([xs[k][:, 0] for k in indices]), axis=-1)
            scored.update(zip(indices, zip(rows, battery_1d(rows, target))))
    return scored
