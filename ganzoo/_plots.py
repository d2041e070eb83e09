"""Figures of generated samples against the known target (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: works on machines with no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ._reference import density, quantiles  # noqa: E402


def plot_samples(
    generated: np.ndarray,
    target,
    *,
    real: np.ndarray | None = None,
    bins: int = 30,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """The reference program's figure: histograms of real and generated data, plus the pdf.

    ``generated`` and ``real`` are 1-D samples (shape ``(n,)`` or ``(n, 1)``); histograms are
    drawn as densities so that they can be read against the target's exact pdf (a KDE of
    the target's data or draws where it has no pdf; none for a point mass).
    """
    if target.dim != 1:
        raise ValueError(f"plot_samples draws 1-D targets; got a target of dimension {target.dim}")
    ax = ax if ax is not None else plt.figure(figsize=(6.4, 4.2)).gca()
    generated = np.asarray(generated, dtype=float).reshape(-1)
    finite = generated[np.isfinite(generated)]
    if real is not None:
        ax.hist(np.asarray(real).reshape(-1), bins=bins, density=True, alpha=0.6, label="Real data")
    if finite.size:
        ax.hist(finite, bins=bins, density=True, alpha=0.6, label="Generated data")
    low = min(quantiles(target, 0.001), finite.min() if finite.size else np.inf)
    high = max(quantiles(target, 0.999), finite.max() if finite.size else -np.inf)
    if high - low <= 0:  # a point mass, and samples on it
        low, high = low - 1.0, high + 1.0
    grid = np.linspace(low, high, 400)
    values, method = density(target, grid)
    if method != "none":
        name = "pdf" if method == "exact" else f"density ({method})"
        ax.plot(grid, values, color="black", lw=1.5, label=f"Target {name} {target.spec}")
    else:
        ax.axvline(float(quantiles(target, 0.5)), color="black", lw=1.5, label=f"Target {target.spec}")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def save_figure(ax: plt.Axes, path: str | Path) -> Path:
    """Write the axes' figure as a PNG and close it (figures are not kept in memory)."""
    path = Path(path)
    figure = ax.figure
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
