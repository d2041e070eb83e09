"""The target a run trains on and the one it is scored against.

Any target :func:`evaluation.as_target` takes can be trained on. A target known only by
its data (:class:`evaluation.Empirical`) is split once, seeded, into training rows and
held-out rows: batches come from the first, every score compares with the second. A
target seen through a fixed set of draws (:class:`evaluation.FixedDraws`) trains on its
draws and is scored against its base distribution.
"""

from __future__ import annotations

from evaluation import Empirical, FixedDraws, Gaussian, GaussianMixture, Grid, Ring, as_target

from ._validation import check_float

HOLDOUT = 0.2
"""The share of a data target's rows held out for scoring by default (the rest trains)."""

SPLIT_SEED = 0
"""The seed of the split of a data target into training and held-out rows."""


def training_target(target):
    """The target to train on: ``Gaussian(4, 1.25)`` for None, else ``evaluation.as_target(target)``
    (a target, a spec string, a frozen scipy.stats distribution or a numpy array of data)."""
    return Gaussian() if target is None else as_target(target)


def split_target(target, holdout: float) -> tuple:
    """``(train, scoring)``: for a target known by its data (:class:`evaluation.Empirical`),
    a seeded split (:data:`SPLIT_SEED`) into the rows to train on and the ``holdout`` share
    to score against; for :class:`evaluation.FixedDraws`, itself (its draws) and its base;
    any other target is both (it can be sampled anew)."""
    check_float("holdout", holdout, positive=True, below=1.0)
    if isinstance(target, FixedDraws):
        return target, target.base
    if isinstance(target, Empirical):
        try:
            return target.split(1.0 - holdout, seed=SPLIT_SEED)
        except ValueError as error:
            raise ValueError(f"holdout={holdout!r} cannot split the target's {target.n} rows: {error}") from None
    return target, target


TARGET_FAMILIES = ("unimodal", "mixture", "ring", "grid")
"""The families of targets that recommended settings are made for (:func:`target_family`)."""


def target_family(target) -> str:
    """Which of :data:`TARGET_FAMILIES` ``target`` (anything :func:`training_target` takes;
    None: the default Gaussian) belongs to: ``"ring"`` and ``"grid"`` for
    :class:`evaluation.Ring` and :class:`evaluation.Grid`, ``"mixture"`` for a 1-D
    :class:`evaluation.GaussianMixture` of two or more components, ``"unimodal"`` for any
    other 1-D target; a :class:`evaluation.FixedDraws` belongs to its base's. Other targets (2-D data, a point mass in 2-D, ...) belong to none: a
    ValueError says so."""
    target = training_target(target)
    if isinstance(target, FixedDraws):
        target = target.base
    if isinstance(target, Ring):
        return "ring"
    if isinstance(target, Grid):
        return "grid"
    if isinstance(target, GaussianMixture) and len(target.weights) > 1:
        return "mixture"
    if target.dim == 1:
        return "unimodal"
    raise ValueError(
        f"target {getattr(target, 'spec', target)!r} belongs to no family with recommended settings "
        f"(families: {', '.join(TARGET_FAMILIES)}: 1-D unimodal targets, 1-D Gaussian mixtures, Ring, Grid)"
    )
