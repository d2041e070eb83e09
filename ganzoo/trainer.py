"""The training loop: K independent runs (an ensemble; K = 1 for one run) trained together.

One generator step is ``n_critic`` discriminator steps followed by one generator step,
the schedule of the reference program (n_critic = 1) and of WGAN (n_critic = 5):

1. for each critic step: ``fake = G(z).detach()``; minimize
   ``L_D(D(real), D(fake)) + Σ penalties``; apply the constraints (e.g. weight clipping);
2. ``fake = G(z')``; minimize ``L_G(D(fake))`` over the generator's weights only;
3. update the generator's moving average if ``ema_decay > 0``, and the learning rates if
   ``lr_decay`` is set.

Members share no parameter, so the sum of their losses has, for each member, the gradient
of its own loss: one backward pass trains all K runs exactly as K separate runs.
"""

from __future__ import annotations

import copy
import sys

import numpy as np
import torch
from tqdm.auto import tqdm

from .config import GANConfig
from .engine import make_engine
from .history import History
from .networks import build_ensemble
from .streams import RandomSource, Stream, TrainingBatches, standard_normal, standard_units, torch_generator


class Trainer:
    """Owns the networks, optimizers and batch streams of K runs and trains them."""

    def __init__(
        self,
        config: GANConfig,
        seeds: list[int],
        target,
        *,
        device: torch.device,
        dtype: torch.dtype,
        engine: str = "auto",
    ) -> None:
        self.config = config
        self.seeds = seeds
        self.target = target
        self.device = device
        self.dtype = dtype
        if config.standardize:
            standard_units(target)  # fails early on a target without finite moments
        dim = target.dim
        self.generator = build_ensemble(
            config.generator,
            config.latent_dim,
            dim,
            [torch_generator(s, Stream.INIT_GENERATOR) for s in seeds],
            name="generator",
            device=device,
            dtype=dtype,
        )
        self.discriminator = build_ensemble(
            config.discriminator,
            dim,
            1,
            [torch_generator(s, Stream.INIT_DISCRIMINATOR) for s in seeds],
            name="discriminator",
            device=device,
            dtype=dtype,
        )
        self.generator_average = None
        if config.ema_decay > 0:
            self.generator_average = copy.deepcopy(self.generator).requires_grad_(False)
        self.g_params = list(self.generator.parameters())
        self.d_params = list(self.discriminator.parameters())
        self.g_optimizer = config.g_optimizer.build(self.g_params)
        self.d_optimizer = config.d_optimizer.build(self.d_params)
        self.schedulers: list[torch.optim.lr_scheduler.LRScheduler] = []
        if config.lr_decay is not None:
            horizon = config.lr_decay.steps or config.steps
            self.schedulers = [
                torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: config.lr_decay.factor(t, horizon=horizon))
                for optimizer in (self.g_optimizer, self.d_optimizer)
            ]
        # Randomized penalties draw from each run's own stream (never torch's global RNG).
        self.penalty_random = RandomSource(seeds, Stream.PENALTY, device=device, dtype=dtype)
        self.batches = TrainingBatches(
            seeds,
            target,
            batch_size=config.batch_size,
            latent_dim=config.latent_dim,
            n_critic=config.n_critic,
            device=device,
            dtype=dtype,
            standardize=config.standardize,
        )
        self.step_count = 0
        self.history: History | None = None
        # The fused engine (ganzoo.engine) when it trains this setting, else None: step() below.
        self.fused = make_engine(engine, self)

    @property
    def members(self) -> int:
        return len(self.seeds)

    @property
    def sampling_generator(self) -> torch.nn.Module:
        """The generator that samples and is evaluated: the moving average when enabled."""
        return self.generator_average if self.generator_average is not None else self.generator

    def discriminator_step(self, real: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """One discriminator update on ``real (K, B, dim)`` and ``noise (K, B, latent)``."""
        with torch.no_grad():
            fake = self.generator(noise)
        loss = self.config.loss.discriminator_loss(self.discriminator(real), self.discriminator(fake))
        total = loss
        for penalty in self.config.penalties:
            total = total + penalty(self.discriminator, real, fake, rng=self.penalty_random)
        grads = torch.autograd.grad(total.sum(), self.d_params)
        for param, grad in zip(self.d_params, grads):
            param.grad = grad
        self.d_optimizer.step()
        for constraint in self.config.constraints:
            constraint.apply(self.discriminator)
        return loss.detach()

    def generator_step(self, noise: torch.Tensor) -> torch.Tensor:
        """One generator update on ``noise (K, B, latent)``; the discriminator is not updated."""
        loss = self.config.loss.generator_loss(self.discriminator(self.generator(noise)))
        grads = torch.autograd.grad(loss.sum(), self.g_params)
        for param, grad in zip(self.g_params, grads):
            param.grad = grad
        self.g_optimizer.step()
        if self.generator_average is not None:
            with torch.no_grad():
                torch._foreach_lerp_(
                    list(self.generator_average.parameters()), self.g_params, 1.0 - self.config.ema_decay
                )
                # Buffers (e.g. spectral-norm power-iteration vectors) follow the live generator.
                for average, live in zip(self.generator_average.buffers(), self.generator.buffers()):
                    average.copy_(live)
        for scheduler in self.schedulers:
            scheduler.step()
        return loss.detach()

    def step(
        self, real: torch.Tensor, noise_d: torch.Tensor, noise_g: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One generator step with its ``n_critic`` discriminator steps.

        ``real`` and ``noise_d`` hold one batch per critic step, shapes
        ``(n_critic, K, B, dim)`` and ``(n_critic, K, B, latent)``; ``noise_g`` is
        ``(K, B, latent)``. Returns the last discriminator loss and the generator loss,
        each of shape ``(K,)``.
        """
        if self.fused is not None:
            d_loss, g_loss = self.fused.step(real, noise_d, noise_g)  # reads the optimizers' lr
            for scheduler in self.schedulers:
                scheduler.step()
        else:
            for real_batch, noise_batch in zip(real, noise_d):
                d_loss = self.discriminator_step(real_batch, noise_batch)
            g_loss = self.generator_step(noise_g)
        self.step_count += 1
        return d_loss, g_loss

    def generate(self, noise: torch.Tensor) -> np.ndarray:
        """Samples ``(K, n, dim)`` from noise ``(K, n, latent)``, in float64 numpy."""
        with torch.no_grad():
            samples = self.sampling_generator(noise.to(self.device, self.dtype)).double().cpu().numpy()
        if self.config.standardize:  # back from standard units: μ + σ G(z)
            location, scale = standard_units(self.target)
            samples = location + scale * samples
        return samples

    def train(
        self,
        steps: int,
        *,
        eval_every: int,
        eval_samples: int,
        progress: bool | None,
        description: str,
    ) -> History:
        """Train for ``steps`` generator steps, scoring every ``eval_every`` steps.

        Returns the record of these steps; :attr:`history` accumulates all of them.
        """
        from evaluation import evaluate  # ganzoo -> evaluation, never back

        eval_noise = torch.as_tensor(
            standard_normal(self.seeds, Stream.EVALUATION, (eval_samples, self.config.latent_dim)),
            dtype=self.dtype,
        )
        d_losses = torch.empty(steps, self.members, dtype=self.dtype)
        g_losses = torch.empty(steps, self.members, dtype=self.dtype)
        eval_steps: list[int] = []
        checks: list[list[dict]] = []
        if progress is None:
            progress = sys.stderr.isatty()
        bar = tqdm(total=steps, desc=description, disable=not progress, unit="step", mininterval=0.5)
        if self.fused is not None:
            self.fused.prepare(steps)  # eager or compiled, from the work ahead
        i = 0
        while i < steps:
            # Until the next check: the fused engine may train such a span in a few calls.
            span = min(steps - i, eval_every - self.step_count % eval_every) if eval_every else steps - i
            if self.fused is not None and self.fused.runs_spans:
                d_losses[i : i + span], g_losses[i : i + span] = self.fused.run(
                    self.batches, self.step_count, span, progress=bar.update
                )
                self.step_count += span
            else:
                for j in range(i, i + span):
                    d_losses[j], g_losses[j] = self.step(*self.batches.batches(self.step_count))
                    bar.update(1)
            i += span
            if eval_every and self.step_count % eval_every == 0:
                samples = self.generate(eval_noise)
                reports = [evaluate(samples[k], self.target).to_dict() for k in range(self.members)]
                eval_steps.append(self.step_count)
                checks.append(reports)
                bar.set_postfix(ks=f"{np.nanmedian([r['ks_statistic'] for r in reports]):.3f}")
        bar.close()
        record = _history(d_losses, g_losses, eval_steps, checks, self.members)
        self.history = record if self.history is None else History.concatenate(self.history, record)
        return record


def _history(
    d_losses: torch.Tensor, g_losses: torch.Tensor, eval_steps: list[int], checks: list[list[dict]], members: int
) -> History:
    numeric = [key for key, value in checks[0][0].items() if isinstance(value, int | float) and not isinstance(value, bool)] if checks else []
    scores = {
        key: np.array([[check[k][key] for check in checks] for k in range(members)], dtype=float) for key in numeric
    }
    labels = np.array([[check[k]["label"] for check in checks] for k in range(members)], dtype=object).reshape(
        members, len(checks)
    )
    return History(
        d_loss=d_losses.T.double().numpy(),
        g_loss=g_losses.T.double().numpy(),
        eval_steps=np.array(eval_steps, dtype=int),
        scores=scores,
        labels=labels,
    )
