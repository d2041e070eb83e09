"""The literature's toy experiments as presets: what each reproduces, its cost, its published numbers.

Every preset but ``dirac-gan`` is a study definition shipped with the package
(``ganzoo/literature/presets/NAME.toml``, each detail with its source in the file's
comments), so that ``ganzoo compare --config`` runs and edits it too; ``dirac-gan`` is the
two-parameter game of :mod:`ganzoo.literature._dirac`.
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Published:
    """One row of a paper's table: a setting of the preset and the numbers reported for it.

    ``values`` maps a metric (:data:`MODE_METRICS`) to ``(mean, standard error)``, the
    standard error None where the paper gives a mean only.
    """

    label: str
    setting: str  # the setting id's distinguishing override, e.g. "packing=2"
    values: dict[str, tuple[float, float | None]]


MODE_METRICS = {
    "modes_captured": "modes captured",
    "high_quality_percent": "% high quality",
    "reverse_kl": "reverse KL",
}


@dataclasses.dataclass(frozen=True)
class Preset:
    """A reproducible experiment of the literature.

    ``quick`` scales it down (seeds and steps only) to run in minutes on 2 CPU cores;
    ``quick_seconds`` is the quick protocol's measured wall time on this project's 2-core
    machine and ``full_estimate`` the full protocol's cost, estimated from it (docs/literature.md).
    """

    name: str
    paper: str
    shows: str
    quick: dict[str, int]
    quick_seconds: float
    full_estimate: str
    published: tuple[Published, ...] = ()
    published_source: str = ""

    @property
    def study_file(self) -> Path | None:
        """The shipped study definition, or None for ``dirac-gan``."""
        if self.name == "dirac-gan":
            return None
        return Path(str(resources.files("ganzoo.literature") / "presets" / f"{self.name}.toml"))


def _pacgan(ring: bool) -> tuple[Published, ...]:
    # Lin et al. (2018), Table 1: mean ± standard error over 10 trials.
    rows = (
        ((6.3, 0.5), (98.2, 0.2), (0.45, 0.09)), ((7.9, 0.1), (95.6, 2.0), (0.07, 0.03)),
        ((7.8, 0.1), (97.7, 0.3), (0.10, 0.02)), ((7.8, 0.1), (95.9, 1.4), (0.07, 0.02)),
    ) if ring else (
        ((17.3, 0.8), (94.8, 0.7), (0.70, 0.07)), ((23.8, 0.7), (91.3, 0.8), (0.13, 0.04)),
        ((24.6, 0.4), (94.2, 0.4), (0.06, 0.02)), ((24.8, 0.2), (93.6, 0.6), (0.04, 0.01)),
    )  # fmt: skip
    return tuple(
        Published("GAN" if m == 1 else f"PacGAN{m}", f"packing={m}", dict(zip(MODE_METRICS, values)))
        for m, values in enumerate(rows, start=1)
    )


def _veegan(ring: bool) -> tuple[Published, ...]:
    # Srivastava et al. (2017), Table 1: averages over 5 runs (no spread reported).
    gan, unrolled = ((1.0, 99.3), (7.6, 35.6)) if ring else ((3.3, 0.5), (23.6, 16.0))
    return tuple(
        Published(label, setting, {"modes_captured": (modes, None), "high_quality_percent": (hq, None)})
        for label, setting, (modes, hq) in (("GAN", "unrolled_steps=0", gan), ("Unrolled GAN", "unrolled_steps=5", unrolled))
    )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "dirac-gan",
            "Mescheder, Geiger & Nowozin (2018), Which Training Methods for GANs do actually Converge?, ICML",
            "which training methods converge on a point mass: trajectories, Jacobian eigenvalues",
            quick={}, quick_seconds=26.0, full_estimate="the same: it has no scaled-down form",
        ),
        Preset(
            "pacgan-ring",
            "Lin, Khetan, Fanti & Oh (2018), PacGAN, NeurIPS, Table 1",
            "packing m = 1..4 against mode collapse on a ring of 8 Gaussians",
            quick={"seeds": 2, "steps": 400}, quick_seconds=132.0, full_estimate="≈ 183 h (estimated; GPU work)",
            published=_pacgan(True), published_source="Lin et al. (2018), Table 1, ring; mean ± s.e. of 10 trials",
        ),
        Preset(
            "pacgan-grid",
            "Lin, Khetan, Fanti & Oh (2018), PacGAN, NeurIPS, Table 1",
            "packing m = 1..4 against mode collapse on a grid of 25 Gaussians",
            quick={"seeds": 2, "steps": 400}, quick_seconds=143.0, full_estimate="≈ 199 h (estimated; GPU work)",
            published=_pacgan(False), published_source="Lin et al. (2018), Table 1, grid; mean ± s.e. of 10 trials",
        ),
        Preset(
            "veegan-ring",
            "Srivastava et al. (2017), VEEGAN, NeurIPS, Table 1",
            "a GAN and an unrolled GAN on a ring of 8 Gaussians (VEEGAN itself omitted)",
            quick={"seeds": 2, "steps": 1000}, quick_seconds=75.0, full_estimate="≈ 5.2 h (estimated)",
            published=_veegan(True), published_source="Srivastava et al. (2017), Table 1, ring; mean of 5 runs",
        ),
        Preset(
            "veegan-grid",
            "Srivastava et al. (2017), VEEGAN, NeurIPS, Table 1",
            "a GAN and an unrolled GAN on a grid of 25 Gaussians (VEEGAN itself omitted)",
            quick={"seeds": 2, "steps": 1000}, quick_seconds=67.0, full_estimate="≈ 4.7 h (estimated)",
            published=_veegan(False), published_source="Srivastava et al. (2017), Table 1, grid; mean of 5 runs",
        ),
        Preset(
            "wgan-gp-toy",
            "Gulrajani et al. (2017), Improved Training of Wasserstein GANs, NeurIPS, Sec. 5.1, Figure 1",
            "WGAN-GP beside WGAN with clipping on 8 and 25 Gaussians and the Swiss roll, with the critic's value surface",
            quick={"seeds": 2, "steps": 100}, quick_seconds=230.0, full_estimate="≈ 128 h (estimated; GPU work)",
        ),
        Preset(
            "unrolled-ring",
            "Metz, Poole, Pfau & Sohl-Dickstein (2017), Unrolled Generative Adversarial Networks, ICLR, Figure 2",
            "0, 5 and 10 unrolling steps against mode hopping on a ring of 8 Gaussians",
            quick={"seeds": 2, "steps": 500}, quick_seconds=172.0, full_estimate="≈ 4.8 h (estimated)",
        ),
        Preset(
            "reference",
            "the reference program (shared/reference), as written",
            "the reference program's GAN over seeds: its histogram and ganzoo's verdict",
            quick={"seeds": 4, "steps": 2000}, quick_seconds=27.0, full_estimate="≤ 36 min by scaling the quick run (an overstatement: its quick run is mostly fixed costs)",
        ),
    )
}  # fmt: skip


def preset(name: str) -> Preset:
    """The preset ``name``; an unknown name is an error listing the known ones."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known presets: {', '.join(PRESETS)} (ganzoo reproduce --list)")
    return PRESETS[name]
