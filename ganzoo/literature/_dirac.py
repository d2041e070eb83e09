r"""The Dirac-GAN: a two-parameter GAN whose training dynamics can be solved by hand.

Mescheder, Geiger & Nowozin (2018), "Which Training Methods for GANs do actually
Converge?", ICML, Sec. 2-3 (protocol from the authors' ``notebooks/DiracGAN.ipynb`` and
``notebooks/diracgan/gans.py`` in LMescheder/GAN_stability). The data is a point mass at 0,
the generator a point mass at θ, the discriminator linear, :math:`D_\psi(x) = \psi x`. With
the paper's objective :math:`L(\theta, \psi) = f(\psi\theta) + f(0)`, which the generator
minimizes and the discriminator maximizes, the gradient vector field is

.. math::

    v(\theta, \psi) = \bigl(-\psi f'(\psi\theta),\; \theta f'(\psi\theta)\bigr),

with :math:`f(t) = -\log(1 + e^{-t})` for the GAN (:math:`f'(0) = 1/2`) and
:math:`f(t) = t` for the WGAN (:math:`f'(0) = 1`). Its unique equilibrium is (0, 0); the
eigenvalues of the Jacobian of :math:`v` there (Sec. 2.2, Lemmas 2.3-3.5) decide local
convergence: purely imaginary eigenvalues (the unregularized game, ±i f'(0)) make gradient
descent circle or spiral out, while R1 (:math:`-\gamma/2 \pm \sqrt{\gamma^2/4 - f'(0)^2}`),
instance noise and consensus optimization give negative real parts.

Every trajectory here is a real ganzoo training run, through the public API: the
generator is a module whose output is its one parameter θ, the discriminator a bias-free
``nn.Linear(1, 1)``, both trained by ``SGD(lr=h)`` in float64 on the target ``dirac:0``.
ganzoo's discriminators score *real* data high, the paper's D scores *generated* data high,
so the paper's ψ is minus the critic's weight; everything reported is in the paper's
coordinates. Protocol (notebook, cell 1): h = 0.2, start (θ, ψ) = (1, 1), 500 steps;
WGAN clipping c = 1; WGAN-GP γ = 0.7 with target norm g0 = 1 (ganzoo's
``GradientPenalty(weight=γ/2)``: its gradient in ψ is γ(|ψ| − 1) sign ψ); instance noise
σ = 0.7 (the notebook averages 1,000 draws per step; here a batch of 1,000 draws of
ganzoo's seeded instance-noise stream); R1 γ = 0.3 and the critical γ = 2 f'(0) = 1;
consensus optimization γ = 1. Simultaneous steps are the notebook's ``simgd``; ganzoo's
alternating steps move the discriminator first, the notebook's ``altgd`` the generator
first (the same sequence of half-steps, shifted by one). The notebook codes the consensus
term with a factor ½ on its f'f'' part; here it is the exact gradient of ½‖v‖²
(:mod:`ganzoo.remedies._consensus`), which agrees with the notebook at the equilibrium.
R2 has no row in the notebook: for a linear D its penalty equals R1's (∇D = ψ everywhere).
"""

from __future__ import annotations

import cmath
import dataclasses
from collections.abc import Callable

import numpy as np
import torch
from scipy.special import ndtri
from torch import nn

from .._autograd_step import discriminator_objective
from .._gan import GAN
from .._optim import SGD
from .._networks import ModuleTemplate
from .._penalties import R1, R2, GradientPenalty, WeightClipping
from ..losses import Loss, MinimaxLoss, NonSaturatingLoss, WassersteinLoss
from ..remedies import InstanceNoise, consensus_gradients

STEP_SIZE = 0.2
START = (1.0, 1.0)
STEPS = 500
NOISE_DRAWS = 1000
"""Instance-noise draws per step (the notebook's Monte-Carlo average over 1,000)."""
SCHEDULES = ("simultaneous", "alternating")


@dataclasses.dataclass(frozen=True)
class DiracMethod:
    """One training method of the paper's Figure 3: its ganzoo setting and analytic spectrum.

    ``eigenvalues`` are those of the Jacobian of the continuous vector field at the
    equilibrium, from the paper (None where that Jacobian does not exist).
    """

    name: str
    label: str
    loss: Loss
    penalties: tuple = ()
    constraints: tuple = ()
    noise_std: float = 0.0
    consensus: float = 0.0
    eigenvalues: tuple[complex, complex] | None = None
    source: str = ""

    def gan(self, updates: str, *, theta: float, psi: float) -> GAN:
        """The ganzoo GAN of this method started at (θ, ψ) in the paper's coordinates."""
        critic = nn.Linear(1, 1, bias=False, dtype=torch.float64)
        with torch.no_grad():
            critic.weight.fill_(-psi)  # the paper's D scores generated points high: ψ = −weight
        return GAN(
            seed=0,
            loss=self.loss,
            penalties=self.penalties,
            constraints=self.constraints,
            generator=ModuleTemplate(PointGenerator(theta), init="keep"),
            discriminator=ModuleTemplate(critic, init="keep"),
            g_optimizer=SGD(lr=STEP_SIZE),
            d_optimizer=SGD(lr=STEP_SIZE),
            batch_size=NOISE_DRAWS if self.noise_std else 1,
            instance_noise=InstanceNoise(std=self.noise_std) if self.noise_std else None,
            updates=updates,
            consensus=self.consensus,
            dtype=torch.float64,
            engine="autograd",
        )


class PointGenerator(nn.Module):
    """G(z) = θ for every z: the Dirac-GAN's generator, its one parameter θ."""

    def __init__(self, theta: float) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.tensor([theta], dtype=torch.float64))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.theta.expand(z.shape[0], 1)


def _r1_spectrum(gamma: float, slope: float = 0.5) -> tuple[complex, complex]:
    """−γ/2 ± √(γ²/4 − f'(0)²) (paper, Theorem 4.1's proof)."""
    root = cmath.sqrt(gamma**2 / 4 - slope**2)
    return (-gamma / 2 + root, -gamma / 2 - root)


def _noise_spectrum(std: float, slope: float = 0.5, curvature: float = -0.25) -> tuple[complex, complex]:
    """f''(0) σ² ± √(f''(0)² σ⁴ − f'(0)²) (paper, Lemma 3.5's proof), f''(0) = −1/4."""
    root = cmath.sqrt(curvature**2 * std**4 - slope**2)
    return (curvature * std**2 + root, curvature * std**2 - root)


def _consensus_spectrum(gamma: float, slope: float = 0.5) -> tuple[complex, complex]:
    """J − γ JᵀJ with J = [[0, −f'], [f', 0]]: −γ f'(0)² ± i f'(0)."""
    return (complex(-gamma * slope**2, slope), complex(-gamma * slope**2, -slope))


ROTATION = (0.5j, -0.5j)
METHODS: dict[str, DiracMethod] = {
    m.name: m
    for m in (
        DiracMethod("gan", "unregularized GAN", MinimaxLoss(), eigenvalues=ROTATION, source="gans.py GAN; Lemma 2.3"),
        DiracMethod("nsgan", "non-saturating GAN", NonSaturatingLoss(), eigenvalues=ROTATION, source="gans.py NSGAN; Lemma 2.3"),
        DiracMethod(
            "wgan", "WGAN, clipping c = 1", WassersteinLoss(), constraints=(WeightClipping(clip=1.0),),
            eigenvalues=(1j, -1j), source="gans.py WGAN(clip=1.0); Lemma 3.1",
        ),
        DiracMethod(
            "wgan-gp", "WGAN-GP, γ = 0.7", WassersteinLoss(), penalties=(GradientPenalty(weight=0.35),),
            source="gans.py WGAN_GP(reg=0.7, target=1.0); Lemma 3.2 (the field jumps at ψ = 0: no Jacobian)",
        ),
        DiracMethod(
            "instance-noise", "instance noise, σ = 0.7", MinimaxLoss(), noise_std=0.7,
            eigenvalues=_noise_spectrum(0.7), source="gans.py GAN_InstNoise(std=0.7); Lemma 3.5",
        ),
        DiracMethod(
            "r1", "R1, γ = 0.3", MinimaxLoss(), penalties=(R1(gamma=0.3),), eigenvalues=_r1_spectrum(0.3),
            source="gans.py GAN_GradPenalty(0.3); Theorem 4.1",
        ),
        DiracMethod(
            "r1-critical", "R1, critical γ = 1", MinimaxLoss(), penalties=(R1(gamma=1.0),),
            eigenvalues=_r1_spectrum(1.0), source="gans.py GAN_GradPenalty(1.0) ('gradpen_critical')",
        ),
        DiracMethod(
            "r2", "R2, γ = 0.3", MinimaxLoss(), penalties=(R2(gamma=0.3),), eigenvalues=_r1_spectrum(0.3),
            source="Eq. (10); not in the notebook (for a linear D it equals R1)",
        ),
        DiracMethod(
            "nsgan-r1", "non-saturating GAN, R1 γ = 0.3", NonSaturatingLoss(), penalties=(R1(gamma=0.3),),
            eigenvalues=_r1_spectrum(0.3), source="gans.py NSGAN_GradPenalty(0.3)",
        ),
        DiracMethod(
            "consensus", "consensus optimization, γ = 1", MinimaxLoss(), consensus=1.0,
            eigenvalues=_consensus_spectrum(1.0), source="gans.py GAN_Consensus(1.0); Mescheder et al. (2017)",
        ),
    )
}  # fmt: skip


def schedules_of(method: DiracMethod) -> tuple[str, ...]:
    """The update schedules a method is run with (consensus optimization is simultaneous only)."""
    return ("simultaneous",) if method.consensus else SCHEDULES


def trajectory(method: DiracMethod, updates: str, *, steps: int = STEPS, start: tuple[float, float] = START) -> np.ndarray:
    """The (θ, ψ) of a ganzoo training run after each of ``steps`` steps, start first: ``(steps + 1, 2)``."""
    gan = method.gan(updates, theta=start[0], psi=start[1])
    trainer = gan.build("dirac:0")
    points = [start]
    for step in range(steps):
        trainer.step(*trainer.batches.batches(step))
        theta = float(trainer.generator.stacked[0].detach().reshape(-1)[0])
        psi = -float(trainer.discriminator.stacked[0].detach().reshape(-1)[0])
        points.append((theta, psi))
    return np.asarray(points)


class _LinearCritic(nn.Module):
    """D(x) = w x for a weight tensor that may carry a graph (for the Jacobian)."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


def vector_field(method: DiracMethod, point: torch.Tensor) -> torch.Tensor:
    r"""v(θ, ψ) in the paper's coordinates, computed with ganzoo's own loss, penalties and
    consensus term (autograd, differentiable in ``point``); instance noise as its expectation
    over 2,001 normal quantiles."""
    theta, psi = point[0], point[1]
    weight = (-psi).reshape(1)  # the critic's weight
    n = 2001 if method.noise_std else 1
    eps = torch.as_tensor(_normal_quantiles(n), dtype=point.dtype).reshape(1, n, 1) * method.noise_std
    real, fake = eps, theta * torch.ones(1, n, 1, dtype=point.dtype) + eps
    critic = _LinearCritic(weight)
    uniform = torch.full((1, n), 0.5, dtype=point.dtype)  # GP interpolates: D's input gradient is w anywhere

    _, d_total = discriminator_objective(method.loss, method.penalties, critic, real, fake, uniform)  # the trainer's
    g_total = method.loss.generator_loss(critic(fake))
    if method.consensus:
        (d_grad,), (g_grad,) = consensus_gradients(
            d_total.sum(), g_total.sum(), [weight], [theta], gamma=method.consensus, create_graph=True
        )
    else:
        (d_grad,) = torch.autograd.grad(d_total.sum(), weight, create_graph=True)
        (g_grad,) = torch.autograd.grad(g_total.sum(), theta, create_graph=True)
    # θ̇ = −∂θ L_G; the weight w = −ψ descends L_D, so ψ̇ = −ẇ = +∂w L_D.
    return torch.stack([-g_grad.reshape(()), d_grad.reshape(())])


def _normal_quantiles(n: int) -> np.ndarray:
    """Φ⁻¹((i + ½)/n), i < n: a deterministic stand-in for n normal draws (mean 0, var → 1)."""
    return ndtri((np.arange(n) + 0.5) / n)


def jacobian(method: DiracMethod, map_: Callable[[DiracMethod, torch.Tensor], torch.Tensor] = vector_field) -> np.ndarray:
    """The Jacobian at the equilibrium (0, 0) of ``map_`` (the vector field or an update), by autograd."""
    origin = torch.zeros(2, dtype=torch.float64)
    return torch.autograd.functional.jacobian(lambda x: map_(method, x), origin).numpy()


def simultaneous_update(method: DiracMethod, point: torch.Tensor) -> torch.Tensor:
    """One simultaneous gradient step: x + h v(x)."""
    return point + STEP_SIZE * vector_field(method, point)


def alternating_update(method: DiracMethod, point: torch.Tensor) -> torch.Tensor:
    """One alternating step, the discriminator first: ψ' = ψ + h v_ψ(θ, ψ), θ' = θ + h v_θ(θ, ψ')."""
    psi = point[1] + STEP_SIZE * vector_field(method, point)[1]
    moved = torch.stack([point[0], psi])
    return torch.stack([point[0] + STEP_SIZE * vector_field(method, moved)[0], psi])


UPDATES = {"simultaneous": simultaneous_update, "alternating": alternating_update}


@dataclasses.dataclass(frozen=True)
class DiracResult:
    """One method under one schedule: its trajectory and what the spectra say of it."""

    method: str
    label: str
    updates: str
    trajectory: np.ndarray
    analytic_eigenvalues: tuple[complex, complex] | None
    numeric_eigenvalues: tuple[complex, complex] | None
    update_radius: float | None
    source: str

    @property
    def final_distance(self) -> float:
        """‖(θ, ψ)‖ after the last step: the distance to the equilibrium (0, 0)."""
        return float(np.hypot(*self.trajectory[-1]))

    def to_dict(self) -> dict[str, object]:
        def text(values):
            return "" if values is None else " ; ".join(_complex_text(v) for v in values)

        return {
            "method": self.method, "label": self.label, "updates": self.updates,
            "final_theta": float(self.trajectory[-1, 0]), "final_psi": float(self.trajectory[-1, 1]),
            "final_distance": self.final_distance, "analytic_eigenvalues": text(self.analytic_eigenvalues),
            "numeric_eigenvalues": text(self.numeric_eigenvalues),
            "update_spectral_radius": "" if self.update_radius is None else self.update_radius, "source": self.source,
        }  # fmt: skip


def _complex_text(value: complex) -> str:
    real, imag = (0.0 if abs(part) < 5e-13 else part for part in (value.real, value.imag))
    return f"{real:.6g}" if imag == 0 else f"{real:.6g}{imag:+.6g}i"


def run_dirac(*, steps: int = STEPS, methods: tuple[str, ...] | None = None) -> list[DiracResult]:
    """Every method of :data:`METHODS` (or those named) under each of its schedules."""
    results = []
    for name in methods or tuple(METHODS):
        method = METHODS[name]
        has_jacobian = method.eigenvalues is not None
        numeric = None
        if has_jacobian:
            values = np.linalg.eigvals(jacobian(method))
            numeric = tuple(sorted((complex(v) for v in values), key=lambda v: -v.imag))
        for updates in schedules_of(method):
            radius = None
            if has_jacobian:
                radius = float(max(abs(np.linalg.eigvals(jacobian(method, UPDATES[updates])))))
            results.append(
                DiracResult(
                    name, method.label, updates, trajectory(method, updates, steps=steps),
                    method.eigenvalues, numeric, radius, method.source,
                )
            )  # fmt: skip
    return results


def field_on_grid(method: DiracMethod, *, limit: float = 2.0, points: int = 10) -> tuple[np.ndarray, ...]:
    """(θ, ψ, v_θ, v_ψ) on the notebook's 10 × 10 grid over [−2, 2]² (for the quiver plot)."""
    axis = np.linspace(-limit, limit, points)
    theta, psi = np.meshgrid(axis, axis, indexing="xy")
    field = np.zeros((2, points, points))
    for i in range(points):
        for j in range(points):
            point = torch.tensor([theta[i, j], psi[i, j]], dtype=torch.float64, requires_grad=True)
            field[:, i, j] = vector_field(method, point).detach().numpy()
    return theta, psi, field[0], field[1]
