"""The dirac-gan preset: ganzoo's training runs follow the paper's vector fields step by step.

Expected steps are derived by hand from the vector fields of Mescheder, Geiger & Nowozin
(2018), as the authors' notebooks/diracgan/gans.py codes them (paper coordinates: the data at
0, G = θ, D(x) = ψx, f(t) = −log(1 + e^{−t}), f'(t) = 1/(1 + e^t)), with math.exp only.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganzoo.literature import DIRAC_METHODS, run_dirac
from ganzoo.literature._dirac import STEP_SIZE, STEPS

H = STEP_SIZE


def fp(t: float) -> float:
    return 1.0 / (1.0 + math.exp(t))  # f'(t) = σ(−t)


def fpp(t: float) -> float:
    return -fp(t) * fp(-t)  # f''(t) = −σ(t) σ(−t)


def v_theta(name: str, theta: float, psi: float) -> float:
    if name in ("nsgan", "nsgan-r1"):
        return -psi * fp(-psi * theta)
    if name in ("wgan", "wgan-gp"):
        return -psi
    return -psi * fp(psi * theta)


def v_psi(name: str, theta: float, psi: float) -> float:
    if name == "wgan":
        return theta
    if name == "wgan-gp":
        return theta - 0.7 * (abs(psi) - 1.0) * math.copysign(1.0, psi)
    gamma = {"r1": 0.3, "r2": 0.3, "nsgan-r1": 0.3, "r1-critical": 1.0}.get(name, 0.0)
    return theta * fp(psi * theta) - gamma * psi


def consensus_field(theta: float, psi: float, gamma: float = 1.0) -> tuple[float, float]:
    """v − γ ∇(½|v|²) with ½|v|² = ½ f'(ψθ)² (θ² + ψ²)."""
    a, b, r2 = fp(psi * theta), fpp(psi * theta), theta**2 + psi**2
    return (-psi * a - gamma * (a * b * psi * r2 + a * a * theta), theta * a - gamma * (a * b * theta * r2 + a * a * psi))


def hand_trajectory(name: str, updates: str) -> np.ndarray:
    clip = 1.0 if name == "wgan" else math.inf
    theta, psi = 1.0, 1.0
    points = [(theta, psi)]
    for _ in range(STEPS):
        if name == "consensus":
            d_theta, d_psi = consensus_field(theta, psi)
            theta, psi = theta + H * d_theta, psi + H * d_psi
        elif updates == "simultaneous":
            theta, psi = theta + H * v_theta(name, theta, psi), psi + H * v_psi(name, theta, psi)
        else:  # ganzoo's alternating steps: the discriminator first
            psi = psi + H * v_psi(name, theta, psi)
            psi = min(max(psi, -clip), clip)
            theta = theta + H * v_theta(name, theta, psi)
        psi = min(max(psi, -clip), clip)
        points.append((theta, psi))
    return np.asarray(points)


@pytest.fixture(scope="module")
def results():
    return run_dirac()  # the full protocol: every method, both schedules, 500 steps (~15 s)


def test_every_method_runs_under_each_of_its_schedules(results):
    ran = {(r.method, r.updates) for r in results}
    assert ran == {(m, u) for m in DIRAC_METHODS for u in ("simultaneous", "alternating")} - {("consensus", "alternating")}
    assert all(r.trajectory.shape == (STEPS + 1, 2) for r in results)


@pytest.mark.parametrize("name", [m for m in DIRAC_METHODS if m != "instance-noise"])
def test_trajectories_follow_the_papers_vector_fields_to_rounding(results, name):
    for result in (r for r in results if r.method == name):
        expected = hand_trajectory(name, result.updates)
        np.testing.assert_allclose(result.trajectory, expected, rtol=1e-9, atol=1e-12, err_msg=f"{name}, {result.updates}")


def test_instance_noise_follows_its_expected_field_closely(results):
    # ganzoo draws 1,000 noises per step (the notebook averages 1,000 too): the run stays
    # within Monte-Carlo error of the noise-free R1-like spiral into (0, 0), not on it.
    for result in (r for r in results if r.method == "instance-noise"):
        assert result.final_distance < 0.05
        assert np.hypot(*result.trajectory[100].T) < 0.6


def test_numerical_eigenvalues_match_the_analytic_ones(results):
    for result in results:
        if result.analytic_eigenvalues is None:
            assert result.method == "wgan-gp" and result.numeric_eigenvalues is None
            continue
        analytic = sorted(result.analytic_eigenvalues, key=lambda v: -v.imag)
        tolerance = 1e-3 if result.method == "instance-noise" else 1e-12  # 2,001 normal quantiles
        np.testing.assert_allclose(result.numeric_eigenvalues, analytic, atol=tolerance)


def test_the_spectra_say_which_methods_converge(results):
    unregularized = {"gan", "nsgan", "wgan"}
    for result in results:
        if result.update_radius is None:
            continue
        if result.method in unregularized:
            assert result.update_radius >= 1.0 - 1e-12, result  # rotation: no local convergence
            continue
        assert result.update_radius < 1.0, result
        assert result.final_distance < 0.02, result


def test_consensus_is_refused_with_alternating_updates():
    method = DIRAC_METHODS["consensus"]
    with pytest.raises(ValueError, match="consensus=1.0 needs updates='simultaneous'"):
        method.gan("alternating", theta=1.0, psi=1.0)
