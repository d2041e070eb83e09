"""The 2-D targets' figure: the discriminator over the plane and each seed's samples (by mode, for mixtures).

One row per setting, one panel per seed (its first :data:`SEEDS_SHOWN` seeds): the
discriminator's stored scores on the 41 × 41 grid as a heatmap, D(x) = sigmoid(score) for
the BCE family, else the score rescaled to [0, 1] within the panel; on top, the run's stored
sample, each point coloured by its nearest mode when it is of high quality (within 3
standard deviations of it, the VEEGAN/PacGAN rule of :func:`evaluation.literature_mode_metrics`)
and grey otherwise; the modes marked x. For the BCE family a last panel shows the optimal
discriminator D* = p / (p + q) for the first seed's generator on the grid's cells, with p
the target's exact probability of each cell and q the share of the stored sample in it
(:func:`optimal_discriminator`).

A 2-D target without modes (the Swiss roll, a user's data) gets the same heatmaps, with a
seeded sample of the target (red) under each run's sample (blue) and no D* panel: the
critic's value surface of Gulrajani et al. (2017), Figure 1.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.stats  # noqa: E402

from evaluation import literature_mode_metrics  # noqa: E402
from evaluation._literature_modes import high_quality_modes  # noqa: E402
from evaluation._modes import mode_parameters  # noqa: E402

from ._figures import DPI  # noqa: E402
from ._store import RunRecord  # noqa: E402

SEEDS_SHOWN = 4
"""Seeds drawn per setting (the first ones by seed number)."""
REAL_SEED = 0
"""The seed of the target sample drawn under each panel of a target without modes."""


def _on_grid(run: RunRecord, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    side = int(round(math.sqrt(len(run.grid))))
    return run.grid[:, 0].reshape(side, side), run.grid[:, 1].reshape(side, side), values.reshape(side, side)


def _heat(run: RunRecord, probabilistic: bool) -> np.ndarray:
    scores = run.scores_on_grid.astype(float)
    if probabilistic:
        return 1.0 / (1.0 + np.exp(-scores))
    low, high = np.nanmin(scores), np.nanmax(scores)
    return (scores - low) / (high - low) if high > low else np.full_like(scores, 0.5)


def optimal_discriminator(run: RunRecord, target) -> np.ndarray:
    r"""D* = P / (P + Q) on the cells of the run's grid (NaN where both vanish).

    P is the exact probability of each cell (the grid point ± half a spacing per axis)
    under the mixture, :math:`\sum_k w_k \prod_a [\Phi((x_a + h/2 - \mu_{ka})/\sigma_k) -
    \Phi((x_a - h/2 - \mu_{ka})/\sigma_k)]`, and Q the share of the stored sample in it: the
    optimal discriminator between p and q coarsened to the grid. (A Gaussian KDE of q, with
    one bandwidth for the whole sample, smooths modes of std 0.02 over ten times their width,
    which would make D* ≈ 1 at every mode a generator covers perfectly.)"""
    modes, std, weights = mode_parameters(target)
    grid = run.grid.astype(float)
    axes = [np.unique(grid[:, a]) for a in range(2)]
    steps = [float(np.median(np.diff(axis))) for axis in axes]
    mass = np.zeros(len(grid))
    for mode, sigma, weight in zip(modes, std, weights):
        per_axis = [
            scipy.stats.norm.cdf((grid[:, a] + steps[a] / 2 - mode[a]) / sigma)
            - scipy.stats.norm.cdf((grid[:, a] - steps[a] / 2 - mode[a]) / sigma)
            for a in range(2)
        ]
        mass += weight * per_axis[0] * per_axis[1]
    sample = run.sample[np.all(np.isfinite(run.sample), axis=1)].astype(float)
    edges = [np.concatenate([axis - step / 2, [axis[-1] + step / 2]]) for axis, step in zip(axes, steps)]
    counts, _, _ = np.histogram2d(sample[:, 0], sample[:, 1], bins=edges)
    column = np.searchsorted(axes[0], grid[:, 0])
    row = np.searchsorted(axes[1], grid[:, 1])
    share = counts[column, row] / max(1, len(sample))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mass + share > 0, mass / (mass + share), math.nan)


def modes_figure(
    groups: dict[str, list[RunRecord]], target, path: Path, *, probabilistic: dict[str, bool]
) -> Path:
    """The figure of the module docstring for the settings of ``groups`` on the 2-D ``target``."""
    shown_per_row = min(SEEDS_SHOWN, max(len(runs) for runs in groups.values()))
    modes = getattr(target, "modes", None)
    columns = shown_per_row + (modes is not None and any(probabilistic.values()))
    figure, axes = plt.subplots(
        len(groups), columns, figsize=(2.6 * columns, 2.7 * len(groups)), squeeze=False, layout="constrained"
    )
    if modes is None:
        longest = max(len(run.sample) for runs in groups.values() for run in runs)
        real = target.sample(longest, np.random.default_rng(REAL_SEED))
    else:
        colours = plt.get_cmap("tab20" if len(modes) > 10 else "tab10")
    for row, (setting, runs) in zip(axes, groups.items()):
        shown = sorted(runs, key=lambda r: r.seed)[:shown_per_row]
        for ax, run in zip(row, shown):
            xx, yy, heat = _on_grid(run, _heat(run, probabilistic.get(setting, False)))
            ax.pcolormesh(xx, yy, heat, cmap="RdBu_r", vmin=0, vmax=1, shading="nearest", alpha=0.55)
            sample = run.sample[np.all(np.isfinite(run.sample), axis=1)].astype(float)
            if modes is None:
                ax.scatter(*real[: len(run.sample)].T, s=2, color="tab:red", alpha=0.35, lw=0)
                ax.scatter(*sample.T, s=2, color="tab:blue", lw=0)
                ax.set_title(f"seed {run.seed}", fontsize=7)
                continue
            which = high_quality_modes(sample, target)
            ax.scatter(*sample[which < 0].T, s=2, color="0.45", lw=0)
            ax.scatter(*sample[which >= 0].T, s=2, c=colours(which[which >= 0] % colours.N), lw=0)
            ax.scatter(modes[:, 0], modes[:, 1], marker="x", s=18, color="black", lw=0.8)
            metrics = literature_mode_metrics(sample, target) if len(sample) else None
            caught = f"{metrics.modes_captured}/{metrics.n_modes} modes, {metrics.high_quality_fraction:.0%} HQ" if metrics else "no finite sample"
            ax.set_title(f"seed {run.seed}: {caught}", fontsize=7)
        row[0].set_ylabel("\n".join(textwrap.wrap(setting, 40)), fontsize=6)
        for ax in row[len(shown) : shown_per_row]:
            ax.set_visible(False)
        if columns > shown_per_row:
            ax = row[-1]
            if probabilistic.get(setting):
                xx, yy, best = _on_grid(shown[0], optimal_discriminator(shown[0], target))
                ax.pcolormesh(xx, yy, best, cmap="RdBu_r", vmin=0, vmax=1, shading="nearest", alpha=0.55)
                ax.scatter(modes[:, 0], modes[:, 1], marker="x", s=18, color="black", lw=0.8)
                ax.set_title(f"D* = P/(P+Q) per cell, seed {shown[0].seed}", fontsize=7)
            else:
                ax.set_visible(False)
        for ax in row:
            lows, highs = shown[0].grid.min(axis=0), shown[0].grid.max(axis=0)
            ax.set_xlim(lows[0], highs[0])
            ax.set_ylim(lows[1], highs[1])
            ax.set_aspect("equal")
            ax.tick_params(labelsize=6)
    what = "target sample red, generated blue" if modes is None else "samples by nearest mode (grey: not within 3 std)"
    figure.suptitle(f"{target.spec}: D over the plane (red: real), {what}", fontsize=9)
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path
