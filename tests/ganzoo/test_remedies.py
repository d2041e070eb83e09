"""The remedies for mode collapse (ganzoo.remedies): reference tests on hand-computed cases.

The Dirac-GAN of Mescheder, Geiger & Nowozin (2018, Sec. 2): the generator is a point mass
at θ, the discriminator D(x) = ψ x, the data a point mass at 0. With the minimax loss,
L_D = softplus(-D(0)) + softplus(D(θ)) and L_G = -softplus(D(θ)), so plain gradient steps of
size h are ψ ← ψ − h θ σ(ψθ) and θ ← θ + h ψ σ(ψθ), computed here with math.exp.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from ganzoo import GAN, SGD, InstanceNoise, MinimaxLoss, MLPSpec, ModuleTemplate, NonSaturatingGAN
from ganzoo._networks import build_ensemble
from ganzoo.literature._dirac import PointGenerator  # G(z) = θ: the Dirac-GAN's generator
from ganzoo.remedies import InstanceNoiseDraws, look_ahead, minibatch_std, optimizer_update, pack, pack_copies
from ganzoo.study._settings import Setting

H = 0.2  # the step size of the paper's figures


def sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def dirac_gan(**options) -> GAN:
    critic = nn.Linear(1, 1, bias=False, dtype=torch.float64)
    with torch.no_grad():
        critic.weight.fill_(1.0)
    return GAN(
        seed=0,
        loss=MinimaxLoss(),
        generator=ModuleTemplate(PointGenerator(1.0), init="keep"),
        discriminator=ModuleTemplate(critic, init="keep"),
        g_optimizer=SGD(lr=H),
        d_optimizer=SGD(lr=H),
        batch_size=4,
        dtype=torch.float64,
        **options,
    )


def theta_psi(gan: GAN) -> tuple[float, float]:
    trainer = gan.trainer
    theta, psi = (float(next(net.parameters()).detach().reshape(-1)[0]) for net in (trainer.generator, trainer.discriminator))
    return theta, psi


@pytest.mark.parametrize("updates", ["alternating", "simultaneous"])
def test_two_steps_of_the_dirac_gan_follow_the_hand_computed_updates(updates):
    gan = dirac_gan(updates=updates)
    gan.fit("dirac:0", steps=2, eval_every=0, progress=False)
    theta, psi = 1.0, 1.0
    for _ in range(2):
        new_psi = psi - H * theta * sigmoid(psi * theta)
        at = new_psi if updates == "alternating" else psi  # which discriminator G answers
        theta, psi = theta + H * at * sigmoid(at * theta), new_psi
    assert theta_psi(gan) == pytest.approx((theta, psi), rel=1e-12, abs=1e-14)


def test_consensus_optimization_on_the_dirac_gan_follows_the_hand_computed_update():
    gamma = 0.3
    gan = dirac_gan(updates="simultaneous", consensus=gamma)
    gan.fit("dirac:0", steps=2, eval_every=0, progress=False)
    theta, psi = 1.0, 1.0
    for _ in range(2):
        # g = (∂θ L_G, ∂ψ L_D) = (−ψ σ, θ σ) with σ = σ(ψθ); L = ½|g|² = ½ σ² (θ² + ψ²)
        s = sigmoid(psi * theta)
        ds = s * (1.0 - s)
        grad_theta = -psi * s + gamma * (s * ds * psi * (theta**2 + psi**2) + s**2 * theta)
        grad_psi = theta * s + gamma * (s * ds * theta * (theta**2 + psi**2) + s**2 * psi)
        theta, psi = theta - H * grad_theta, psi - H * grad_psi
    assert theta_psi(gan) == pytest.approx((theta, psi), rel=1e-12, abs=1e-14)


def test_consensus_needs_simultaneous_updates():
    with pytest.raises(ValueError, match="consensus=0.5 needs updates='simultaneous' and unrolled_steps=0.*'alternating'"):
        NonSaturatingGAN(seed=0, consensus=0.5)
    with pytest.raises(ValueError, match="consensus must be >= 0, got -1.0"):
        NonSaturatingGAN(seed=0, updates="simultaneous", consensus=-1.0)


def test_simultaneous_updates_need_one_critic_step():
    with pytest.raises(ValueError, match="updates='simultaneous' needs n_critic=1.*n_critic=5"):
        NonSaturatingGAN(seed=0, updates="simultaneous", n_critic=5)
    with pytest.raises(ValueError, match="updates must be one of 'alternating', 'simultaneous'; got 'both'"):
        NonSaturatingGAN(seed=0, updates="both")


def test_instance_noise_on_the_dirac_gan_follows_the_hand_computed_update():
    sigma = 0.5
    gan = dirac_gan(instance_noise=InstanceNoise(std=sigma))
    gan.fit("dirac:0", steps=1, eval_every=0, progress=False)
    critic, generator = InstanceNoiseDraws([0], samples=4, dim=1, n_critic=1, device="cpu", dtype=torch.float64).at(0)
    real_eps, fake_eps = critic[0, 0, 0, :, 0].tolist(), critic[0, 1, 0, :, 0].tolist()
    # ∂/∂ψ of mean softplus(-ψ x̃_r) + mean softplus(ψ x̃_f), with x̃ = x + σ ε
    real_seen, fake_seen = [sigma * e for e in real_eps], [1.0 + sigma * e for e in fake_eps]
    grad_psi = np.mean([-x * sigmoid(-x) for x in real_seen]) + np.mean([x * sigmoid(x) for x in fake_seen])
    psi = 1.0 - H * grad_psi
    # ∂/∂θ of -mean softplus(ψ (θ + σ ε)): -mean ψ σ(ψ x̃)
    grad_theta = -np.mean([psi * sigmoid(psi * (1.0 + sigma * e)) for e in generator[0, :, 0].tolist()])
    assert theta_psi(gan) == pytest.approx((1.0 - H * grad_theta, psi), rel=1e-12)


def test_instance_noise_is_annealed_linearly_and_validated():
    noise = InstanceNoise(std=0.4, anneal_steps=100)
    assert [noise.std_at(t) for t in (0, 50, 100, 200)] == pytest.approx([0.4, 0.2, 0.0, 0.0])
    assert InstanceNoise(std=0.4).std_at(10**6) == 0.4
    with pytest.raises(ValueError, match="std must be >= 0, got -1.0"):
        InstanceNoise(std=-1.0)
    with pytest.raises(TypeError, match="instance_noise must be None or an InstanceNoise"):
        NonSaturatingGAN(seed=0, instance_noise=0.1)


def test_instance_noise_numbers_are_keyed_by_seed_and_step():
    draws = InstanceNoiseDraws([3, 8], samples=5, dim=2, n_critic=2, device="cpu", dtype=torch.float64)
    alone = InstanceNoiseDraws([8], samples=5, dim=2, n_critic=2, device="cpu", dtype=torch.float64)
    for step in (0, 130, 7):  # across chunks and back
        critic, generator = draws.at(step)
        assert critic.shape == (2, 2, 2, 5, 2) and generator.shape == (2, 5, 2)
        torch.testing.assert_close(critic[:, :, 1], alone.at(step)[0][:, :, 0], rtol=0, atol=0)
    assert not torch.equal(draws.at(0)[1], draws.at(1)[1])


def test_packs_are_consecutive_samples_side_by_side():
    samples = torch.arange(12.0).reshape(1, 6, 2)
    assert pack(samples, 1) is not None and torch.equal(pack(samples, 1), samples)
    assert pack(samples, 3).tolist() == [[[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]]
    assert pack_copies(torch.tensor([[[1.0, 2.0]]]), 2).tolist() == [[[1.0, 2.0, 1.0, 2.0]]]
    with pytest.raises(ValueError, match="packing=4 needs a number of samples divisible by 4, got 6"):
        pack(samples, 4)


def test_a_packed_discriminator_scores_pairs_of_the_batch_it_would_have_seen_unpacked():
    """packing=2 with 16 packs draws the 32 samples of batch 32 and pairs them: D's first
    step is a gradient step on L_D over pairs (x_{2b}, x_{2b+1}) of those very samples."""
    packed = NonSaturatingGAN(seed=4, packing=2, batch_size=16, d_optimizer=SGD(lr=0.1), dtype=torch.float64)
    trainer = packed.build("ring")
    unpacked = NonSaturatingGAN(seed=4, batch_size=32, dtype=torch.float64).build("ring")
    real, noise_d, _, _ = unpacked.batches.batches(0)
    torch.testing.assert_close(trainer.batches.batches(0).real, real, rtol=0, atol=0)
    d = trainer.discriminator
    assert d.weights[0].shape == (1, 4, 16)  # 2 samples × 2 coordinates in
    start = [p.detach().clone() for p in d.parameters()]
    with torch.no_grad():
        fake = trainer.generator(noise_d[0])

    def pairs(x):  # built another way than pack(): even rows beside odd rows
        return torch.cat([x[:, 0::2], x[:, 1::2]], dim=-1)

    loss = packed.config.loss.discriminator_loss(d(pairs(real[0])), d(pairs(fake)))
    grads = torch.autograd.grad(loss.sum(), list(d.parameters()))
    packed.fit(steps=1, eval_every=0, progress=False)
    for before, grad, after in zip(start, grads, d.parameters()):
        torch.testing.assert_close(after.detach(), before - 0.1 * grad, rtol=1e-12, atol=1e-14)


def test_a_packed_discriminator_is_drawn_on_packs_of_copies():
    gan = NonSaturatingGAN(seed=1, packing=3)
    gan.fit("ring", steps=4, eval_every=2, progress=False)
    x = np.array([[0.5, -0.25], [1.0, 0.0]])
    trainer = gan.trainer
    copies = torch.as_tensor(np.tile(x, 3), dtype=torch.float32)[None]
    with torch.no_grad():
        expected = trainer.discriminator(copies)[0, :, 0].double().numpy()
    np.testing.assert_allclose(gan.discriminate(x), expected, rtol=0, atol=0)
    assert np.isfinite(gan.history.traces["d_real_score"]).all()
    assert gan.history.snapshots.scores.shape[-1] == 41 * 41


def test_unrolling_changes_the_generator_step_only():
    plain, unrolled = (NonSaturatingGAN(seed=2, unrolled_steps=k, dtype=torch.float64, engine="autograd") for k in (0, 3))
    for gan in (plain, unrolled):
        gan.fit(steps=1, eval_every=0, progress=False)
    for a, b in zip(plain.trainer.discriminator.parameters(), unrolled.trainer.discriminator.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)  # D keeps its own update
    assert any(not torch.equal(a, b) for a, b in zip(plain.trainer.generator.parameters(), unrolled.trainer.generator.parameters()))


def test_one_look_ahead_step_on_a_linear_critic_is_the_hand_derived_surrogate():
    """D(x) = ψ x, real point 0, fake point θ, L_D = softplus(-D(0)) + softplus(D(θ)):
    ψ¹ = ψ − η θ σ(ψθ), and the surrogate L_G = -softplus(ψ¹ θ) has, by the chain rule,
    dL_G/dθ = -σ(ψ¹θ) (ψ¹ + θ dψ¹/dθ), dψ¹/dθ = -η (σ(ψθ) + ψθ σ(ψθ)(1 − σ(ψθ)))."""
    psi, theta, eta = 0.7, 1.3, 0.5
    critic = nn.Linear(1, 1, bias=False, dtype=torch.float64)
    with torch.no_grad():
        critic.weight.fill_(psi)
    point = torch.tensor([[theta]], dtype=torch.float64, requires_grad=True)
    zero = torch.zeros(1, 1, dtype=torch.float64)
    loss = MinimaxLoss()

    def objective(d):
        return loss.discriminator_loss(d(zero)[None], d(point)[None])

    ahead = look_ahead(critic, objective, steps=1, optimizer=torch.optim.SGD(critic.parameters(), lr=eta))
    (grad,) = torch.autograd.grad(loss.generator_loss(ahead(point)[None]).sum(), point)
    s = sigmoid(psi * theta)
    psi1 = psi - eta * theta * s
    dpsi1 = -eta * (s + psi * theta * s * (1 - s))
    assert float(ahead.params["weight"].detach()) == pytest.approx(psi1, rel=1e-14)
    assert float(grad) == pytest.approx(-sigmoid(psi1 * theta) * (psi1 + theta * dpsi1), rel=1e-12)
    assert float(critic.weight.detach()) == psi  # the critic itself is untouched


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-3, foreach=True),
        lambda ps: torch.optim.RMSprop(ps, lr=0.02, alpha=0.9, eps=1e-4, foreach=True),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.7, foreach=True),
        lambda ps: torch.optim.SGD(ps, lr=0.1),
    ],
    ids=["adam", "rmsprop", "sgd-momentum", "sgd"],
)
def test_the_look_ahead_lands_where_the_optimizers_own_steps_go(make):
    """k look-ahead updates from the optimizer's current state equal k real optimizer steps,
    each on the gradient at the point reached, to float64 rounding; the real optimizer and
    the critic are left as they were."""
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 1)).double()
    x, y = torch.randn(7, 2, dtype=torch.float64), torch.randn(7, 1, dtype=torch.float64)

    def objective(d):
        return ((d(x) - y) ** 2).mean()[None]

    optimizer = make(list(critic.parameters()))
    for _ in range(3):  # moments and step counts away from their initial values
        optimizer.zero_grad()
        objective(critic).sum().backward()
        optimizer.step()
    before = [p.detach().clone() for p in critic.parameters()]
    state_before = copy.deepcopy(optimizer.state_dict())
    ahead = look_ahead(critic, objective, steps=2, optimizer=optimizer)
    for p, b in zip(critic.parameters(), before):
        torch.testing.assert_close(p.detach(), b, rtol=0, atol=0)
    assert str(optimizer.state_dict()) == str(state_before)
    for _ in range(2):
        optimizer.zero_grad()
        objective(critic).sum().backward()
        optimizer.step()
    for (name, p) in critic.named_parameters():
        torch.testing.assert_close(ahead.params[name].detach(), p.detach(), rtol=1e-12, atol=1e-14)


def test_a_dead_unit_leaves_the_unrolled_adam_gradient_finite():
    """A ReLU unit dead on every input has zero gradient, so Adam's v = 0 at the first step:
    √v's infinite derivative must not turn the generator's gradient into NaN."""
    critic = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)).double()
    with torch.no_grad():
        critic[0].weight.fill_(1.0)
        critic[0].bias.copy_(torch.tensor([0.5, -100.0], dtype=torch.float64))  # unit 1 is dead
    point = torch.tensor([[0.3], [0.6]], dtype=torch.float64, requires_grad=True)
    loss = MinimaxLoss()

    def objective(d):
        return loss.discriminator_loss(d(torch.zeros(1, 2, 1, dtype=torch.float64)[0])[None], d(point)[None])

    ahead = look_ahead(critic, objective, steps=3, optimizer=torch.optim.Adam(critic.parameters(), lr=0.1))
    (grad,) = torch.autograd.grad(loss.generator_loss(ahead(point)[None]).sum(), point)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


def test_the_look_ahead_refuses_an_update_it_does_not_write_out():
    critic = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="needs the discriminator's optimizer to be torch.optim.Adam, RMSprop or SGD.*Adagrad"):
        optimizer_update(torch.optim.Adagrad(critic.parameters()))
    with pytest.raises(ValueError, match="cannot unroll Adam with amsgrad=True"):
        optimizer_update(torch.optim.Adam(critic.parameters(), amsgrad=True))


def test_minibatch_std_appends_the_mean_population_std():
    features = torch.tensor([[[0.0, 1.0], [2.0, 5.0], [4.0, 3.0]]], dtype=torch.float64)
    expected = np.mean(np.sqrt(np.var(features[0].numpy(), axis=0) + 1e-8))
    out = minibatch_std(features)
    assert out.shape == (1, 3, 3)
    np.testing.assert_allclose(out[0, :, 2].numpy(), expected, rtol=1e-15)


def test_stacked_minibatch_std_equals_its_members_and_couples_the_batch():
    spec = MLPSpec(width=8, depth=2, minibatch_std=True)
    generators = [torch.Generator().manual_seed(s) for s in (0, 1)]
    d = build_ensemble(spec, 2, 1, generators, name="discriminator", device="cpu", dtype=torch.float64)
    assert d.weights[-1].shape == (2, 9, 1)
    x = torch.randn(2, 10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    scores = d(x)
    for k in range(2):
        torch.testing.assert_close(d.member(k)(x[k]), scores[k], rtol=1e-12, atol=1e-14)
    moved = x.clone()
    moved[:, 0] += 3.0  # one sample moves: the others' scores change through the statistic
    assert not torch.allclose(d(moved)[:, 1:], scores[:, 1:])
    with pytest.raises(ValueError, match="minibatch_std is a discriminator option"):
        NonSaturatingGAN(seed=0, generator=MLPSpec(minibatch_std=True))


def test_the_remedies_are_setting_options():
    (setting,) = Setting.parse(
        "nonsaturating:packing=2,unrolled_steps=3,instance_noise=0.2,instance_noise_anneal=500,"
        "updates=simultaneous,minibatch_std=true"
    )
    config = setting.config()
    assert (config.packing, config.unrolled_steps, config.updates) == (2, 3, "simultaneous")
    assert config.instance_noise == InstanceNoise(std=0.2, anneal_steps=500)
    assert config.discriminator.minibatch_std and not config.generator.minibatch_std
    described = config.to_dict()
    assert described["packing"] == 2 and described["instance_noise"]["std"] == 0.2
    assert "packing" not in NonSaturatingGAN.defaults.to_dict()  # off: described as before remedies existed
    with pytest.raises(ValueError, match="packing must be >= 1, got 0"):
        Setting.parse("nonsaturating:packing=0")[0].config()
