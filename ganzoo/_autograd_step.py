"""The reference path's generator step: autograd through the loss, the penalties and the remedies.

One generator step (:class:`AutogradStep`), ``n_critic`` discriminator steps and one
generator step, each a ``torch.autograd.grad`` of the summed members' objectives (members
share no parameter, so each gets the gradient of its own objective):

1. for each critic step: ``fake = G(z).detach()``; minimize
   ``L_D(D(real), D(fake)) + Σ penalties``; apply the constraints (e.g. weight clipping);
2. ``fake = G(z')``; minimize ``L_G(D(fake))`` over the generator's weights only;
3. update the generator's moving average if ``ema_decay > 0``.

The remedies of :mod:`ganzoo.remedies` enter at three places: what D sees (instance noise
on each sample, then packs of ``packing`` samples), which D the generator answers (the
look-ahead D of ``unrolled_steps``) and when its gradient is taken (``updates``:
simultaneous takes it before the critic step, at the same point as the critic's). With
``consensus`` (simultaneous updates only) both players' gradients come from one graph and
gain the consensus term (:func:`ganzoo.remedies.consensus_gradients`).
"""

from __future__ import annotations

import torch

from ._streams import RandomSource
from ._torch_compat import foreach_lerp_
from .remedies import InstanceNoiseDraws, consensus_gradients, look_ahead, optimizer_update, pack


def discriminator_objective(loss, penalties, discriminator, real, fake, uniform) -> tuple[torch.Tensor, torch.Tensor]:
    """``(loss, loss + penalties)`` per member for inputs as D sees them: the objective of
    ``loss`` (a :class:`ganzoo.losses.Loss`) plus each penalty in turn, the randomized ones
    taking their numbers from ``uniform (K, draws)`` in order (:class:`RandomSource`)."""
    rng = RandomSource(uniform)
    value = loss.discriminator_loss(discriminator(real), discriminator(fake))
    total = value
    for penalty in penalties:
        total = total + penalty(discriminator, real, fake, rng=rng)
    return value, total


class AutogradStep:
    """Trains a trainer's networks (:class:`ganzoo._trainer.Trainer`) one generator step at a time."""

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        config = trainer.config
        if config.unrolled_steps:
            optimizer_update(trainer.d_optimizer)  # refuses, now, an optimizer it cannot unroll
        self.noise = None
        if config.instance_noise is not None:
            self.noise = InstanceNoiseDraws(
                trainer.seeds,
                samples=config.batch_size * config.packing,
                dim=trainer.target.dim,
                n_critic=config.n_critic,
                device=trainer.device,
                dtype=trainer.dtype,
            )

    def __call__(
        self, step: int, real: torch.Tensor, noise_d: torch.Tensor, noise_g: torch.Tensor, uniform: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Generator step ``step`` (0-based) on its :class:`~ganzoo._streams.StepBatches`;
        returns the last discriminator loss and the generator loss, each ``(K,)``."""
        config = self.trainer.config
        sigma = 0.0 if config.instance_noise is None else config.instance_noise.std_at(step)
        # Per critic step, the noise of its (real, generated) points; None for none.
        critic_eps, generator_eps = [(None, None)] * config.n_critic, None
        if self.noise is not None and sigma > 0:
            critic_eps, generator_eps = self.noise.at(step)
        if config.consensus:
            return self.consensus_step(real[0], noise_d[0], noise_g, uniform[0], critic_eps[0], generator_eps, sigma)
        look_ahead_batch = (real[-1], noise_d[-1], uniform[-1], critic_eps[-1])
        if config.updates == "simultaneous":  # at the point the critic's gradient is taken
            g_loss, g_grads = self.generator_gradients(noise_g, generator_eps, sigma, look_ahead_batch)
        for i in range(config.n_critic):
            d_loss = self.discriminator_step(real[i], noise_d[i], uniform[i], critic_eps[i], sigma)
        if config.updates == "alternating":
            g_loss, g_grads = self.generator_gradients(noise_g, generator_eps, sigma, look_ahead_batch)
        self.apply_generator(g_grads)
        return d_loss, g_loss

    def seen(self, samples: torch.Tensor, eps: torch.Tensor | None, sigma: float) -> torch.Tensor:
        """What the discriminator sees of ``samples (K, packing·B, dim)``: with instance
        noise, ``samples + σ ε``; then packs, ``(K, B, packing·dim)``."""
        if eps is not None:
            samples = samples + sigma * eps
        return pack(samples, self.trainer.config.packing)

    def discriminator_step(
        self, real: torch.Tensor, noise: torch.Tensor, uniform: torch.Tensor, eps, sigma: float
    ) -> torch.Tensor:
        """One discriminator update on ``real (K, S, dim)`` and ``noise (K, S, latent)``
        (``S = packing · batch_size``), ``uniform (K, draws)`` the randomized penalties'
        numbers, ``eps`` the instance noise ``(K, S, dim)`` of the real and of the generated
        points (a pair, each None without noise)."""
        trainer, config = self.trainer, self.trainer.config
        with torch.no_grad():
            fake = trainer.generator(noise)
        real_seen, fake_seen = self.seen(real, eps[0], sigma), self.seen(fake, eps[1], sigma)
        loss, total = discriminator_objective(config.loss, config.penalties, trainer.discriminator, real_seen, fake_seen, uniform)
        self.apply_discriminator(torch.autograd.grad(total.sum(), trainer.d_params))
        return loss.detach()

    def consensus_step(self, real, noise_d, noise_g, uniform, eps, generator_eps, sigma) -> tuple[torch.Tensor, torch.Tensor]:
        """One simultaneous step of consensus optimization on one critic batch (as for
        :meth:`discriminator_step`) and the generator's noise; returns both losses."""
        trainer, config = self.trainer, self.trainer.config
        fake = trainer.generator(noise_d)  # not detached: the consensus term differentiates D's gradient in θ
        real_seen, fake_seen = self.seen(real, eps[0], sigma), self.seen(fake, eps[1], sigma)
        d_loss, d_total = discriminator_objective(config.loss, config.penalties, trainer.discriminator, real_seen, fake_seen, uniform)
        g_loss = config.loss.generator_loss(trainer.discriminator(self.seen(trainer.generator(noise_g), generator_eps, sigma)))
        d_grads, g_grads = consensus_gradients(
            d_total.sum(), g_loss.sum(), trainer.d_params, trainer.g_params, gamma=config.consensus
        )
        self.apply_discriminator(d_grads)
        self.apply_generator(g_grads)
        return d_loss.detach(), g_loss.detach()

    def generator_gradients(self, noise, eps, sigma, critic_batch) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """The generator loss ``(K,)`` on ``noise (K, S, latent)`` and its gradients in the
        generator's weights, against D, or against its look-ahead (``unrolled_steps``) on
        ``critic_batch`` (real, noise, uniform and eps of a critic step, as for
        :meth:`discriminator_step`)."""
        trainer, config = self.trainer, self.trainer.config
        discriminator = trainer.discriminator
        if config.unrolled_steps:
            real, critic_noise, uniform, critic_eps = critic_batch
            real_seen = self.seen(real, critic_eps[0], sigma)
            fake_seen = self.seen(trainer.generator(critic_noise), critic_eps[1], sigma)

            def objective(d):
                return discriminator_objective(config.loss, config.penalties, d, real_seen, fake_seen, uniform)[1]

            discriminator = look_ahead(
                discriminator, objective, steps=config.unrolled_steps, optimizer=trainer.d_optimizer
            )
        loss = config.loss.generator_loss(discriminator(self.seen(trainer.generator(noise), eps, sigma)))
        return loss.detach(), torch.autograd.grad(loss.sum(), trainer.g_params)

    def apply_discriminator(self, grads: tuple[torch.Tensor, ...]) -> None:
        """The discriminator's optimizer step on ``grads``, then its constraints (e.g. clipping)."""
        trainer = self.trainer
        for param, grad in zip(trainer.d_params, grads):
            param.grad = grad
        trainer.d_optimizer.step()
        for constraint in trainer.config.constraints:
            constraint.apply(trainer.discriminator)

    def apply_generator(self, grads: tuple[torch.Tensor, ...]) -> None:
        """The generator's optimizer step on ``grads``, then its moving average."""
        trainer = self.trainer
        for param, grad in zip(trainer.g_params, grads):
            param.grad = grad
        trainer.g_optimizer.step()
        if trainer.generator_average is not None:
            with torch.no_grad():
                foreach_lerp_(list(trainer.generator_average.parameters()), trainer.g_params, 1.0 - trainer.config.ema_decay)
                # Buffers (e.g. spectral-norm power-iteration vectors) follow the live generator.
                for average, live in zip(trainer.generator_average.buffers(), trainer.generator.buffers()):
                    average.copy_(live)

