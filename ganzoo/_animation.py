r"""The film of a training run: one frame per evaluation check, from its snapshots.

1-D frames: a histogram of the generator's points (the snapshot's first 256 points of the
check's evaluation sample), the target's pdf, and on a second axis the discriminator: for
the BCE family :math:`D(x) = \sigma(\text{score})` beside the optimal discriminator for
the generator of that moment, :math:`D^*(x) = p(x) / (p(x) + q(x))` with q a Gaussian KDE
(Scott's rule) of its points (Goodfellow et al. 2014, Prop. 1); for other losses the raw
critic score. 2-D frames: the points over D as a heatmap on the snapshot grid, the target's
modes marked.

GIF files are written with pillow (a matplotlib dependency); MP4 needs ``ffmpeg`` on the
PATH.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.stats  # noqa: E402
from matplotlib import animation  # noqa: E402

from ._history import Snapshots  # noqa: E402
from ._reference import density  # noqa: E402

WRITERS = (".gif", ".mp4")


def animate(
    path: str | Path,
    snapshots: Snapshots,
    eval_steps,
    target,
    *,
    probabilistic: bool,
    title: str = "",
    fps: int = 4,
) -> Path:
    """Write the film of one run (``snapshots`` of one member, frames at ``eval_steps``) to
    ``path`` (``.gif``, or ``.mp4`` with ffmpeg installed); returns the path."""
    path = Path(path)
    writer = _writer(path, fps)
    steps = [int(s) for s in eval_steps]
    if snapshots.scores.ndim != 2 or len(steps) != snapshots.checks or not steps:
        raise ValueError(
            f"snapshots must be one run's ((checks, grid) scores) with one step per check, got scores of shape "
            f"{snapshots.scores.shape} and {len(steps)} steps"
        )
    figure, draw = (_one_d if snapshots.grid.shape[1] == 1 else _two_d)(snapshots, target, probabilistic)

    def frame(i: int):
        draw(i)
        figure.suptitle(f"{title}  step {steps[i]:,}".strip(), fontsize=10)
        return []

    film = animation.FuncAnimation(figure, frame, frames=len(steps), blit=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    film.save(path, writer=writer)
    plt.close(figure)
    return path


def _writer(path: Path, fps: int):
    suffix = path.suffix.lower()
    if suffix == ".gif":
        return animation.PillowWriter(fps=fps)
    if suffix == ".mp4":
        if not animation.writers.is_available("ffmpeg"):
            raise RuntimeError(f"writing {path} needs ffmpeg on the PATH (not found); install it, or write a .gif")
        return animation.FFMpegWriter(fps=fps)
    raise ValueError(f"the output must end in {' or '.join(WRITERS)}, got {str(path)!r}")


def _one_d(snapshots: Snapshots, target, probabilistic: bool):
    x = snapshots.grid[:, 0]
    p, _ = density(target, x)
    figure, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    critic = ax.twinx()
    bins = np.linspace(x[0], x[-1], 61)

    def draw(i: int) -> None:
        ax.clear()
        critic.clear()
        critic.yaxis.tick_right()  # clear() puts a twin's ticks and label back on the left
        critic.yaxis.set_label_position("right")
        points = snapshots.samples[i, :, 0]
        points = points[np.isfinite(points)]
        ax.hist(np.clip(points, x[0], x[-1]), bins=bins, density=True, color="tab:orange", alpha=0.6, label="generated")
        ax.plot(x, p, color="black", lw=1.2, label="target pdf")
        ax.set(xlabel="x", ylabel="density", xlim=(x[0], x[-1]))
        scores = snapshots.scores[i]
        if probabilistic:
            critic.plot(x, 1.0 / (1.0 + np.exp(-scores.astype(float))), color="tab:blue", label="D(x)")
            q = _kde(points, x)
            if q is not None:
                with np.errstate(invalid="ignore", divide="ignore"):
                    critic.plot(x, np.where(p + q > 0, p / (p + q), np.nan), color="tab:blue", ls="--", label="D*(x)")
            critic.set(ylim=(0, 1), ylabel="D(x)")
        else:
            critic.plot(x, scores, color="tab:blue", label="critic score")
            critic.set(ylabel="critic score")
        handles = [h for a in (ax, critic) for h in a.get_legend_handles_labels()[0]]
        ax.legend(handles=handles, loc="upper left", fontsize=7)

    return figure, draw


def _kde(points: np.ndarray, x: np.ndarray) -> np.ndarray | None:
    if len(points) < 2 or np.std(points) == 0:
        return None  # no spread: no density to compare with
    return scipy.stats.gaussian_kde(points)(x)


def _two_d(snapshots: Snapshots, target, probabilistic: bool):
    grid = snapshots.grid
    side = int(round(np.sqrt(len(grid))))
    xs, ys = grid[:side, 0], grid[::side, 1]
    figure, ax = plt.subplots(figsize=(5.0, 4.6), layout="constrained")
    modes = getattr(target, "modes", None)

    def draw(i: int) -> None:
        ax.clear()
        values = snapshots.scores[i].astype(float).reshape(side, side)
        if probabilistic:
            values = 1.0 / (1.0 + np.exp(-values))
        ax.pcolormesh(xs, ys, values, cmap="Blues", shading="auto", vmin=0 if probabilistic else None,
                      vmax=1 if probabilistic else None)  # fmt: skip
        points = snapshots.samples[i]
        ax.scatter(points[:, 0], points[:, 1], s=4, color="tab:orange", label="generated")
        if modes is not None:
            ax.scatter(modes[:, 0], modes[:, 1], marker="x", color="black", s=30, label="modes")
        ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), xlabel="x1", ylabel="x2")
        ax.legend(loc="upper right", fontsize=7)

    return figure, draw
