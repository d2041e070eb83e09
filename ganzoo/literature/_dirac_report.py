"""The Dirac-GAN's report: the paper's figure (vector field and trajectories), its table, its CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402

from ._dirac import METHODS, STEP_SIZE, STEPS, DiracResult, field_on_grid  # noqa: E402

COLORS = {"simultaneous": "tab:blue", "alternating": "tab:orange"}


def trajectories_figure(results: list[DiracResult], path: Path) -> Path:
    """One panel per method: its vector field (arrows on the notebook's 10 × 10 grid over
    [−2, 2]²) and the trajectories of both schedules from (1, 1), as the paper's Figure 3."""
    names = list(dict.fromkeys(r.method for r in results))
    columns = 5
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.0 * columns, 3.1 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        method = METHODS[name]
        theta, psi, v_theta, v_psi = field_on_grid(method)
        ax.quiver(theta, psi, v_theta, v_psi, color="0.55", angles="xy")
        for result in (r for r in results if r.method == name):
            ax.plot(*result.trajectory.T, "-", color=COLORS[result.updates], lw=0.9, label=result.updates)
            ax.plot(*result.trajectory[-1], "o", color=COLORS[result.updates], ms=3)
        for c in [c.clip for c in method.constraints]:
            ax.axhspan(c, 2.2, color="0.9", zorder=0)
            ax.axhspan(-2.2, -c, color="0.9", zorder=0)
        ax.plot(1.0, 1.0, "ro", ms=4)
        ax.set(xlim=(-2, 2), ylim=(-2, 2), title=method.label, xlabel="θ", ylabel="ψ")
        ax.title.set_fontsize(9)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Dirac-GAN: gradient descent, h = {STEP_SIZE}, {STEPS} steps from (1, 1) (ganzoo training runs)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_dirac_report(out: Path, results: list[DiracResult], *, first_line: str) -> Path:
    """``out/report.md``, ``out/dirac-gan.csv`` and ``out/figures/dirac-gan.png``."""
    (out / "figures").mkdir(parents=True, exist_ok=True)
    rows = [r.to_dict() for r in results]
    with (out / "dirac-gan.csv").open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    trajectories_figure(results, out / "figures" / "dirac-gan.png")
    lines = [
        first_line,
        "",
        "# Dirac-GAN (Mescheder, Geiger & Nowozin 2018)",
        "",
        "Data a point mass at 0, generator a point mass at θ, discriminator D(x) = ψx; gradient "
        f"descent with h = {STEP_SIZE} from (θ, ψ) = (1, 1) for {STEPS} steps (ganzoo training runs, "
        "float64). The eigenvalues are those of the Jacobian of the vector field v at the equilibrium "
        "(0, 0): analytic (the paper) beside numerical (autograd through ganzoo's losses, penalties and "
        "consensus term). ρ is the spectral radius of one update's Jacobian there (autograd): below 1, "
        "gradient descent converges locally; 1 or above, it does not.",
        "",
        "![trajectories](figures/dirac-gan.png)",
        "",
        "| method | updates | final (θ, ψ) | distance to (0, 0) | eigenvalues, analytic | eigenvalues, numerical | ρ of the update |",
        "|---|---|---|---:|---|---|---:|",
    ]
    for row in rows:
        radius = row["update_spectral_radius"]
        lines.append(
            f"| {row['label']} | {row['updates']} | ({row['final_theta']:.3g}, {row['final_psi']:.3g}) | "
            f"{row['final_distance']:.3g} | {row['analytic_eigenvalues'] or '— (no Jacobian)'} | "
            f"{row['numeric_eigenvalues'] or '—'} | {'—' if radius == '' else f'{radius:.6f}'} |"
        )
    lines += ["", "Sources (the authors' notebooks/diracgan/gans.py and the paper):", ""]
    lines += [f"- {m.label}: {m.source}" for m in METHODS.values()]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
