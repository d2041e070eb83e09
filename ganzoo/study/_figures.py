"""A study's figures, drawn from stored runs only (no retraining): one PNG per kind and target.

Each figure has one panel per setting (small multiples, at most 4 a row) except the
score curves, which overlay settings. Where one run must stand for a setting it is its
*median run*: the seed whose final metric (KS D in 1-D, sliced W1 in 2-D) is the median.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.stats  # noqa: E402

from .._plots import plot_samples  # noqa: E402
from .._reference import density, quantiles  # noqa: E402
from ._store import RunRecord  # noqa: E402

DPI = 100
LABEL_COLORS = {
    "converged": "tab:green",
    "biased": "tab:olive",
    "oscillating": "tab:orange",
    "not_converged": "tab:red",
    "collapsed": "tab:purple",
    "diverged": "black",
}
CURVES_1D = (("ks_statistic", "KS D"), ("wasserstein", "W1"), ("mean_error", "|mean error|"), ("std_ratio", "|std ratio - 1|"))
CURVES_2D = (("sliced_wasserstein", "sliced W1"), ("mode_kl", "mode KL"), ("high_quality_fraction", "high-quality fraction"))
STRIPS_1D = (("ks_statistic", "KS D"), ("wasserstein", "W1"), ("mean_error", "mean error"), ("std_ratio", "std ratio"))
STRIPS_2D = (("sliced_wasserstein", "sliced W1"), ("mmd", "MMD²"), ("high_quality_fraction", "high-quality fraction"), ("modes_covered", "modes covered"))


def _transform(key: str, values: np.ndarray) -> np.ndarray:
    # Curves show sizes of errors: signed errors as absolute values, ratios as |r - 1|.
    if key == "mean_error":
        return np.abs(values)
    if key == "std_ratio":
        return np.abs(values - 1.0)
    return values


def metric_for(target) -> str:
    """The metric that ranks runs on ``target``: KS D in 1-D, sliced W1 otherwise."""
    return "ks_statistic" if target.dim == 1 else "sliced_wasserstein"


def median_run(runs: Sequence[RunRecord], metric: str) -> RunRecord:
    """The run whose final ``metric`` is the median (non-finite counts as worst)."""
    values = np.array([float(r.scores.get(metric, math.nan)) for r in runs])
    values = np.where(np.isfinite(values), values, np.inf)
    order = np.argsort(values, kind="stable")
    return runs[int(order[(len(runs) - 1) // 2])]


def _panels(n: int, width: float = 3.3, height: float = 2.7):
    cols = min(4, n)
    rows = math.ceil(n / cols)
    figure, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False, layout="constrained")
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return figure, axes.ravel()[:n]


def _save(figure, path: Path) -> Path:
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def samples_figure(groups: dict[str, list[RunRecord]], target, path: Path, *, metric: str) -> Path:
    """1-D: the reference program's figure per setting (median run): real vs generated
    histograms with the target pdf."""
    figure, axes = _panels(len(groups))
    rng = np.random.default_rng(0)
    for ax, (setting, runs) in zip(axes, groups.items()):
        run = median_run(runs, metric)
        real = target.sample(len(run.sample), rng)
        plot_samples(run.sample.astype(float), target, real=real, ax=ax, bins=40)
        ax.set_title(f"{setting}\nseed {run.seed}: KS D = {run.scores['ks_statistic']:.3f} ({run.label})", fontsize=8)
        ax.legend(fontsize=6, loc="upper right")
    figure.suptitle(f"Real vs generated, median run of each setting ({target.spec})", fontsize=10)
    return _save(figure, path)


def qq_figure(groups: dict[str, list[RunRecord]], target, path: Path, *, metric: str) -> Path:
    """1-D: quantiles of each run's stored sample against the target's exact quantiles (or,
    for a target without them, those of its data or draws)."""
    figure, axes = _panels(len(groups))
    for ax, (setting, runs) in zip(axes, groups.items()):
        n = len(runs[0].sample)
        probabilities = (np.arange(1, n + 1) - 0.5) / n
        theoretical = quantiles(target, probabilities)
        chosen = median_run(runs, metric)
        for run in runs:
            ax.plot(theoretical, np.sort(run.sample[:, 0]), color="tab:blue", alpha=0.15, lw=0.8)
        ax.plot(theoretical, np.sort(chosen.sample[:, 0]), color="tab:blue", lw=1.6, label=f"median run (seed {chosen.seed})")
        low, high = theoretical[0], theoretical[-1]
        ax.plot([low, high], [low, high], color="black", lw=1, ls="--", label="y = x")
        span = (high - low) or 2.0  # a point mass: every quantile is the point
        ax.set_ylim(low - 0.5 * span, high + 0.5 * span)
        ax.set_title(f"{setting} ({len(runs)} seeds)", fontsize=8)
        ax.set_xlabel("target quantile", fontsize=8)
        ax.set_ylabel("generated quantile", fontsize=8)
        ax.legend(fontsize=6, loc="upper left")
    figure.suptitle(f"QQ plots against {target.spec} (faint: every seed)", fontsize=10)
    return _save(figure, path)


def generated_density(sample: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, str]:
    """q(x) on the grid from a stored 1-D sample: a Gaussian KDE (Scott's rule), or for a
    sample with (almost) no spread, where a KDE is singular, a histogram on the grid."""
    x = sample[np.isfinite(sample)]
    if x.size >= 2 and np.std(x) > 1e-6 * max(1.0, float(np.abs(x).max())):
        return scipy.stats.gaussian_kde(x)(grid), "KDE"
    width = grid[1] - grid[0]
    edges = np.concatenate([grid - width / 2, [grid[-1] + width / 2]])
    counts, _ = np.histogram(x, bins=edges)
    return counts / max(1, x.size) / width, "histogram"


def discriminator_figure(groups: dict[str, list[RunRecord]], target, path: Path, *, metric: str) -> Path:
    """1-D, BCE family: D(x) = sigmoid(score) of the median run beside the optimal
    D*(x) = p(x) / (p(x) + q(x)) for its generator, q estimated from its stored sample and
    p the target's exact density (or a KDE of its data or draws where it has none)."""
    figure, axes = _panels(len(groups))
    for ax, (setting, runs) in zip(axes, groups.items()):
        run = median_run(runs, metric)
        grid = run.grid[:, 0].astype(float)
        p, p_method = density(target, grid)
        q, method = generated_density(run.sample[:, 0].astype(float), grid)
        with np.errstate(invalid="ignore", divide="ignore"):
            optimal = np.where(p + q > 0, p / (p + q), np.nan)
        d = 1.0 / (1.0 + np.exp(-run.scores_on_grid.astype(float)))
        for other in runs:
            ax.plot(grid, 1.0 / (1.0 + np.exp(-other.scores_on_grid.astype(float))), color="tab:red", alpha=0.08, lw=0.7)
        ax.plot(grid, d, color="tab:red", lw=1.6, label="D(x) = sigmoid(score)")
        p_by = "" if p_method == "exact" else f", p by {p_method}"
        ax.plot(grid, optimal, color="black", lw=1.2, ls="--", label=f"D*(x) = p/(p+q), q by {method}{p_by}")
        twin = ax.twinx()
        twin.fill_between(grid, p, color="tab:blue", alpha=0.15, lw=0)
        twin.fill_between(grid, q, color="tab:orange", alpha=0.15, lw=0)
        twin.set_yticks([])
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"{setting}, seed {run.seed} ({run.label})", fontsize=8)
        ax.set_xlabel("x (shaded: p blue, q orange)", fontsize=8)
        ax.legend(fontsize=6, loc="lower left")
    figure.suptitle("Discriminator vs optimal discriminator, median run (faint: every seed)", fontsize=10)
    return _save(figure, path)


def curves_figure(groups: dict[str, list[RunRecord]], target, path: Path) -> Path | None:
    """Score vs generator step: median across seeds with the interquartile band."""
    metrics = CURVES_1D if target.dim == 1 else CURVES_2D
    if not any(r.history.get("eval_steps") for runs in groups.values() for r in runs):
        return None
    figure, axes = plt.subplots(
        1, len(metrics), figsize=(3.6 * len(metrics), 3.0), squeeze=False, layout="constrained"
    )
    for ax, (key, title) in zip(axes[0], metrics):
        positive = False
        for i, (setting, runs) in enumerate(groups.items()):
            steps = runs[0].history["eval_steps"]
            rows = [r.history["scores"].get(key) for r in runs if r.history["eval_steps"] == steps]
            if not steps or not rows or any(row is None for row in rows):
                continue
            values = _transform(key, np.array(rows, dtype=float))
            with warnings.catch_warnings():  # all-NaN columns (diverged runs) give NaN quietly
                warnings.simplefilter("ignore", RuntimeWarning)
                q25, med, q75 = np.nanquantile(values, [0.25, 0.5, 0.75], axis=0)
            positive |= bool(np.any(np.nan_to_num(med, nan=0.0) > 0))
            color = f"C{i % 10}"
            ax.plot(steps, med, color=color, lw=1.4, label=setting)
            ax.fill_between(steps, q25, q75, color=color, alpha=0.18, lw=0)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("generator step", fontsize=8)
        if key != "high_quality_fraction" and positive:  # a log axis needs something > 0
            ax.set_yscale("log")
    axes[0][0].legend(fontsize=6, loc="best")
    figure.suptitle(f"Scores during training on {target.spec}: median and IQR across seeds", fontsize=10)
    return _save(figure, path)


def strips_figure(groups: dict[str, list[RunRecord]], target, path: Path) -> Path:
    """Final scores of every run, one column of points per setting, coloured by label."""
    metrics = STRIPS_1D if target.dim == 1 else STRIPS_2D
    settings = list(groups)
    cols = 2
    rows = math.ceil(len(metrics) / cols)
    width = max(3.6, 0.45 * len(settings) + 1.4)
    figure, grid = plt.subplots(rows, cols, figsize=(width * cols, 3.4 * rows), squeeze=False, layout="constrained")
    axes = grid.reshape(1, -1)
    jitter = np.random.default_rng(0)
    seen: set[str] = set()
    for ax, (key, title) in zip(axes[0], metrics):
        for i, setting in enumerate(settings):
            runs = groups[setting]
            values = np.array([float(r.scores.get(key, math.nan)) for r in runs])
            x = i + jitter.uniform(-0.18, 0.18, len(runs))
            for label in dict.fromkeys(r.label for r in runs):
                mask = np.array([r.label == label for r in runs])
                ax.scatter(
                    x[mask], values[mask], s=9, color=LABEL_COLORS.get(label, "gray"),
                    label=label if label not in seen else None, alpha=0.8, lw=0,
                )
                seen.add(label)
            finite = values[np.isfinite(values)]
            if finite.size:
                ax.hlines(np.median(finite), i - 0.3, i + 0.3, color="black", lw=1.2)
        ax.set_xticks(range(len(settings)))
        ax.set_xticklabels(settings, rotation=60, ha="right", fontsize=7)
        ax.set_title(title, fontsize=9)
        if key in ("ks_statistic", "wasserstein", "sliced_wasserstein") and np.any(
            np.array([float(r.scores.get(key, math.nan)) for rs in groups.values() for r in rs]) > 0
        ):
            ax.set_yscale("log")
        if key == "std_ratio":
            ax.axhline(1.0, color="gray", lw=0.8, ls=":")
        if key == "mean_error":
            ax.axhline(0.0, color="gray", lw=0.8, ls=":")
    axes[0][0].legend(fontsize=6, loc="best", title="label", title_fontsize=6)
    figure.suptitle(f"Final scores of every run on {target.spec} (bar: median)", fontsize=10)
    return _save(figure, path)


def scatter_figure(groups: dict[str, list[RunRecord]], target, path: Path, *, metric: str, probabilistic: dict[str, bool]) -> Path:
    """2-D: the median run's stored sample per setting, the target's modes marked; for the
    BCE family D(x) = sigmoid(score) is shaded behind."""
    figure, axes = _panels(len(groups), width=3.3, height=3.3)
    modes = getattr(target, "modes", None)
    for ax, (setting, runs) in zip(axes, groups.items()):
        run = median_run(runs, metric)
        if probabilistic.get(setting):
            side = int(round(math.sqrt(len(run.grid))))
            xx = run.grid[:, 0].reshape(side, side)
            yy = run.grid[:, 1].reshape(side, side)
            d = 1.0 / (1.0 + np.exp(-run.scores_on_grid.astype(float).reshape(side, side)))
            ax.contourf(xx, yy, d, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
        finite = run.sample[np.all(np.isfinite(run.sample), axis=1)]
        ax.scatter(finite[:, 0], finite[:, 1], s=2, alpha=0.4, color="tab:blue", lw=0)
        if modes is not None:
            ax.scatter(modes[:, 0], modes[:, 1], marker="x", s=30, color="black", lw=1.2, label="modes")
        lows, highs = run.grid.min(axis=0), run.grid.max(axis=0)
        ax.set_xlim(lows[0], highs[0])
        ax.set_ylim(lows[1], highs[1])
        ax.set_aspect("equal")
        covered = run.scores.get("modes_covered")
        extra = f", {covered}/{run.scores.get('n_modes')} modes" if covered is not None else ""
        ax.set_title(f"{setting}\nseed {run.seed} ({run.label}{extra})", fontsize=8)
    figure.suptitle(f"Generated samples, median run of each setting ({target.spec})", fontsize=10)
    return _save(figure, path)
