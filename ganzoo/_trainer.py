"""The training loop: K independent runs (an ensemble; K = 1 for one run) trained together.

One generator step is ``n_critic`` discriminator steps followed by one generator step,
the schedule of the reference program (n_critic = 1) and of WGAN (n_critic = 5), taken
by a fused engine (:mod:`ganzoo.engine`) or by autograd (:mod:`ganzoo._autograd_step`);
then the learning rates are updated if ``lr_decay`` is set.

Members share no parameter, so the sum of their losses has, for each member, the gradient
of its own loss: one backward pass trains all K runs exactly as K separate runs.
"""

from __future__ import annotations

import concurrent.futures
import copy
import math
from collections.abc import Callable

import numpy as np
import torch

from ._autograd_step import AutogradStep
from ._config import GANConfig
from ._history import History, Snapshots
from ._inference import INFERENCE_GROUP_MEMBERS, forward_in_groups
from ._malloc import fix_mmap_threshold
from ._member_reports import member_reports
from ._networks import build_ensemble, evaluating
from ._optim import OptimizerPair
from ._paper_networks import StackedBatchNormMLP
from ._progress import progress_bar
from ._streams import (
    StandardUnits,
    Stream,
    TrainingBatches,
    estimate_standard_units,
    standard_normal,
    torch_generator,
)
from ._targets import HOLDOUT, split_target
from ._threads import thread_pool
from ._traces import TRACE_POINTS, CheckRecorder
from .engine import make_engine
from .remedies import pack_copies

DIVERGENCE_CHECK_STEPS = 1024
"""The longest stretch of training between two looks for divergence, in generator steps.

A multiple of the batch chunk (:data:`ganzoo._streams.CHUNK_STEPS`), so that the fused
engine, which trains whole chunks per call, makes no extra call for it."""


GENERATE_MEMBERS = INFERENCE_GROUP_MEMBERS
"""The most members generated at a time by :meth:`Trainer.generate` (fewer where their
activations would be large: :func:`ganzoo._inference.inference_groups`)."""


class Trainer:
    """Owns the networks, optimizers and batch streams of K runs and trains them.

    Divergence. Training goes in spans that end at each check (``eval_every``) and at
    least every :data:`DIVERGENCE_CHECK_STEPS` steps. After each span the trainer looks,
    member by member, for a non-finite discriminator or generator loss at any step of the
    span and for non-finite weights or buffers (generator, discriminator, generator
    average); at each check, for non-finite evaluation samples. The first time one is
    found, :attr:`diverged_at` ``[k]`` records the generator step (counted from 1, like
    the checks): the step of the first non-finite loss when there is one, else the end of
    the span (weights), else the check (samples); :attr:`divergence_reasons` ``[k]`` says
    what was found. Nothing raises. From then on member k is out of the record:

    - its losses after that step are recorded as NaN (the non-finite value at the step
      itself is kept);
    - its scores at later checks are not computed: its report there is labelled
      ``'diverged'`` with every score NaN and the step in its ``reasons``;
    - its weights are left as they are (non-finite): members share no parameter and
      every operation of both engines works member by member, so the other members train
      exactly as they would without it (tests/reliability/test_divergence.py checks this
      bit for bit). The ensemble keeps training the others; member k's arithmetic is
      still done (it costs what it cost) but never read.

    When every member has diverged (always so for a single run), the remaining steps
    are not computed: they pass with NaN losses, ``diverged`` checks and the step counter
    and learning-rate schedules moving on, so the record keeps its length.
    """

    def __init__(
        self,
        config: GANConfig,
        seeds: list[int],
        target,
        *,
        device: torch.device,
        dtype: torch.dtype,
        engine: str = "auto",
        holdout: float = HOLDOUT,
    ) -> None:
        self.config = config
        self.seeds = seeds
        self.target = target  # as given; what trains and what scores: see retarget()
        self.holdout = holdout
        self.training_target, self.scoring_target = split_target(target, holdout)
        self._recorder: CheckRecorder | None = None  # traces and snapshots at the checks, once built
        self.device = device
        self.dtype = dtype
        # Estimated from real data (never the target's exact moments); fails early on data
        # without a finite, positive spread.
        self.standard_units: StandardUnits | None = (
            estimate_standard_units(self.training_target) if config.standardize else None
        )
        dim = target.dim
        self.generator, self.discriminator = (
            build_ensemble(
                spec, size_in, size_out, [torch_generator(s, stream) for s in seeds], name=name, device=device, dtype=dtype
            )
            for spec, size_in, size_out, stream, name in (
                (config.generator, config.latent_dim, dim, Stream.INIT_GENERATOR, "generator"),
                (config.discriminator, dim * config.packing, 1, Stream.INIT_DISCRIMINATOR, "discriminator"),
            )
        )
        if isinstance(self.generator, StackedBatchNormMLP):  # batch statistics per pack slot, as PacGAN draws them
            self.generator.pack_slots = config.packing
        self.generator_average = None
        if config.ema_decay > 0:
            self.generator_average = copy.deepcopy(self.generator).requires_grad_(False)
        self.g_params = list(self.generator.parameters())
        self.d_params = list(self.discriminator.parameters())
        self._optimizers = OptimizerPair((config.g_optimizer, config.d_optimizer), (self.g_params, self.d_params))
        self.schedulers = _schedulers(config, self._optimizers)
        self.batches = TrainingBatches(
            seeds,
            self.training_target,
            batch_size=config.batch_size * config.packing,  # samples: packs of `packing`
            latent_dim=config.latent_dim,
            n_critic=config.n_critic,
            device=device,
            dtype=dtype,
            standard_units=self.standard_units,
            # Randomized penalties take numbers keyed by each run's seed and the step.
            draws=sum(p.draws(config.batch_size, dim * config.packing) for p in config.penalties),
        )
        self.step_count = 0
        # Divergence state (see the class docstring; part of a checkpoint): per member, the
        # generator step at which it diverged (-1: it has not) and what was non-finite.
        self.diverged_at = np.full(len(seeds), -1, dtype=np.int64)
        self.divergence_reasons: list[str] = [""] * len(seeds)
        self.history: History | None = None
        self._partial: History | None = None  # the record so far of a train() call writing a checkpoint
        # The fused engine (ganzoo.engine) when it trains this setting, else None: step() below.
        self.fused = make_engine(engine, self)
        self.autograd_step = AutogradStep(self)

    @property
    def members(self) -> int:
        return len(self.seeds)

    @property
    def optimizers(self) -> tuple[torch.optim.Optimizer, ...]:
        """The generator's and the discriminator's torch optimizers (built on first use: :class:`ganzoo._optim.OptimizerPair`)."""
        return self._optimizers.get()

    @property
    def g_optimizer(self) -> torch.optim.Optimizer:
        return self.optimizers[0]

    @property
    def d_optimizer(self) -> torch.optim.Optimizer:
        return self.optimizers[1]

    def learning_rates(self) -> tuple[float, float]:
        """The generator's and the discriminator's learning rates now (:meth:`OptimizerPair.learning_rates`)."""
        return self._optimizers.learning_rates()  # type: ignore[return-value]

    def retarget(self, target, holdout: float) -> None:
        """Train on and score against ``target`` from now on (same dimension; a data target
        is split as at construction). The standard units stay those the networks learned in."""
        training_data, scoring = split_target(target, holdout)
        self.target, self.holdout, self.scoring_target = target, holdout, scoring
        self.training_target, self._recorder = training_data, None
        self.batches.retarget(training_data)

    @property
    def engine_kind(self) -> str:
        """The engine that trains: ``"autograd"``, ``"fused"`` (torch) or ``"numba"``."""
        return "autograd" if self.fused is None else self.fused.kind

    @property
    def sampling_generator(self) -> torch.nn.Module:
        """The generator that samples and is evaluated: the moving average when enabled."""
        return self.generator_average if self.generator_average is not None else self.generator

    def step(
        self, real: torch.Tensor, noise_d: torch.Tensor, noise_g: torch.Tensor, uniform: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One generator step with its ``n_critic`` discriminator steps.

        The arguments are a :class:`~ganzoo._streams.StepBatches`:
        ``trainer.step(*trainer.batches.batches(step))``. Returns the last discriminator
        loss and the generator loss, each of shape ``(K,)``.
        """
        if self.fused is not None:
            d_loss, g_loss = self.fused.step(real, noise_d, noise_g, uniform)  # reads learning_rates()
        else:
            d_loss, g_loss = self.autograd_step(self.step_count, real, noise_d, noise_g, uniform)
        for scheduler in self.schedulers:
            scheduler.step()
        self.step_count += 1
        return d_loss, g_loss

    def discriminator_scores(self, points: torch.Tensor) -> torch.Tensor:
        """D's raw scores ``(K, n)`` at ``points`` ``(K, n, dim)`` in the networks' units; with
        packing m, its score on the pack of m copies of each point (:func:`ganzoo.remedies.pack_copies`)."""
        with torch.no_grad():
            return forward_in_groups(self.discriminator, pack_copies(points, self.config.packing))[..., 0]

    def generate(self, noise: torch.Tensor) -> np.ndarray:
        """Samples ``(K, n, dim)`` from noise ``(K, n, latent)``, in float64 numpy; at most
        :data:`GENERATE_MEMBERS` members at a time (the activations of all 1,024 members'
        2,000 evaluation samples at once held 250 MB). The generator samples in evaluation
        mode (e.g. batch norm by its population statistics, dropout off)."""
        noise, network = noise.to(self.device, self.dtype), self.sampling_generator
        with torch.no_grad(), evaluating(network):
            samples = forward_in_groups(network, noise, GENERATE_MEMBERS).double().cpu().numpy()
        if self.standard_units is not None:  # back from standard units: μ + σ G(z)
            samples = self.standard_units.location + self.standard_units.scale * samples
        return samples

    def train(
        self,
        steps: int,
        *,
        eval_every: int,
        eval_samples: int,
        progress: bool | Callable[[int], object] | None,
        description: str,
        checkpoint_every: int = 0,
        on_checkpoint: Callable[[], None] | None = None,
        compiled: bool | None = None,
    ) -> History:
        """Train for ``steps`` generator steps, scoring every ``eval_every`` steps.

        Returns the record of these steps; :attr:`history` accumulates all of them.
        ``progress``: a tqdm bar (True; None: when stderr is a terminal), none (False), or
        a callable, called with the number of generator steps done since its last call.
        ``on_checkpoint()`` is called every ``checkpoint_every`` steps (counted, like the
        checks, on :attr:`step_count`) and at the end, when :meth:`state_dict` describes
        the state at that step. ``compiled`` (resuming an interrupted call) fixes the fused
        engine's eager/compiled mode, where it is not forced, instead of deciding it from
        ``steps`` (eager and compiled agree only to rounding; see :meth:`ganzoo.GAN.resume`).
        """
        fix_mmap_threshold()  # the temporaries of training and checks go back to the system (_malloc.py)
        eval_noise = torch.as_tensor(
            standard_normal(self.seeds, Stream.EVALUATION, (eval_samples, self.config.latent_dim)),
            dtype=self.dtype,
        )
        d_losses = torch.empty(steps, self.members, dtype=self.dtype)
        g_losses = torch.empty(steps, self.members, dtype=self.dtype)
        eval_steps: list[int] = []
        checks: list[concurrent.futures.Future[list[dict]]] = []  # each check's reports, scored beside training
        traces: list[dict[str, np.ndarray]] = []
        snapshots: list[tuple[np.ndarray, np.ndarray]] = []
        bar = progress_bar(progress, steps, description)
        if self.fused is not None:
            self.fused.prepare(steps)  # eager or compiled, from the work ahead
            if compiled is not None and self.fused.compile is None:  # resuming a call: as it ran
                self.fused.compiled = compiled
        first_step = self.step_count
        i = 0
        while i < steps:
            span = self._span(steps - i, eval_every=eval_every, checkpoint_every=checkpoint_every)
            self._train_span(d_losses[i : i + span], g_losses[i : i + span], bar)
            i += span
            if eval_every and self.step_count % eval_every == 0:
                eval_steps.append(self.step_count)
                reports, trace, on_grid, shown = self._check(eval_noise)
                if checks:  # the bar shows the last check scored by now: the one before this
                    self._show(bar, checks[-1].result())
                checks.append(reports)
                traces.append(trace)
                snapshots.append((on_grid, shown))
            if on_checkpoint is not None and checkpoint_every and self.step_count % checkpoint_every == 0 and i < steps:
                self._partial = self._record(
                    d_losses[:i].clone(), g_losses[:i].clone(), first_step, eval_steps, checks, traces, snapshots
                )
                try:
                    on_checkpoint()
                finally:
                    self._partial = None
        if checks:
            self._show(bar, checks[-1].result())
        bar.close()
        record = self._record(d_losses, g_losses, first_step, eval_steps, checks, traces, snapshots)
        self.history = record if self.history is None else History.concatenate(self.history, record)
        if on_checkpoint is not None:
            on_checkpoint()
        return record

    def _show(self, bar, reports: list[dict]) -> None:
        """A check's median KS statistic and the count of diverged members, on the bar."""
        ks = [r["ks_statistic"] for r in reports if math.isfinite(r["ks_statistic"])]
        bar.set_postfix(ks=f"{np.median(ks):.3f}" if ks else "-", diverged=int(np.sum(self.diverged_at >= 0)))

    def _span(self, remaining: int, *, eval_every: int, checkpoint_every: int) -> int:
        """How many steps to train before the next pause: a check, a look for divergence
        (on a chunk boundary) or a checkpoint, whichever comes first."""
        span = min(remaining, DIVERGENCE_CHECK_STEPS - self.step_count % DIVERGENCE_CHECK_STEPS)
        if eval_every:  # the fused engine may train such a span in a few calls
            span = min(span, eval_every - self.step_count % eval_every)
        if checkpoint_every:
            span = min(span, checkpoint_every - self.step_count % checkpoint_every)
        return span

    def _train_span(self, d_losses: torch.Tensor, g_losses: torch.Tensor, bar) -> None:
        """Train ``len(d_losses)`` steps, writing their losses into the given rows."""
        span = d_losses.shape[0]
        if np.all(self.diverged_at >= 0):  # nothing left to train: see the class docstring
            d_losses[:] = g_losses[:] = math.nan
            for scheduler in self.schedulers:
                for _ in range(span):
                    scheduler.step()
            self.step_count += span
            bar.update(span)
            return
        if self.fused is not None and self.fused.runs_spans:
            d_losses[:], g_losses[:] = self.fused.run(self.batches, self.step_count, span, progress=bar.update)
            self.step_count += span
        else:
            for j in range(span):
                d_losses[j], g_losses[j] = self.step(*self.batches.batches(self.step_count))
                bar.update(1)
        self._look_for_divergence(d_losses, g_losses)

    def _check(
        self, eval_noise: torch.Tensor
    ) -> tuple[concurrent.futures.Future[list[dict]], dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Score every member on its fixed evaluation sample (a diverged one: its report);
        take the discriminator's traces and the check's snapshot (:mod:`ganzoo._traces`).

        The scores are computed on a worker thread while training goes on (the numba kernels
        release the GIL; on 2 cores the checks of a 64-member fit took 2 of its 7.5 s with
        one core idle), from this moment's samples and divergence record: the same reports
        as scored here. The future's result is taken where the reports are needed (the
        progress bar's median KS, the record); an error raised in scoring surfaces there."""
        samples = self.generate(eval_noise)
        nonfinite = np.sum(~np.isfinite(samples).all(axis=-1), axis=-1)  # (K,)
        for k in np.flatnonzero((self.diverged_at < 0) & (nonfinite > 0)):
            self._diverge(k, self.step_count, f"{nonfinite[k]} of {samples.shape[1]} evaluation samples non-finite")
        if self._recorder is None:
            self._recorder = CheckRecorder(
                self.training_target, self.target, self.standard_units, dtype=self.dtype, device=self.device
            )
        recorded = self._recorder.record(self, eval_noise[:, :TRACE_POINTS], samples)  # torch's threads: before
        reports = thread_pool("scoring", 1).submit(
            member_reports, samples, self.scoring_target, self.diverged_at.copy(), list(self.divergence_reasons)
        )
        return reports, *recorded

    def _record(
        self,
        d_losses: torch.Tensor,
        g_losses: torch.Tensor,
        first_step: int,
        eval_steps: list[int],
        checks: list[concurrent.futures.Future[list[dict]]],
        traces: list[dict[str, np.ndarray]],
        snapshots: list[tuple[np.ndarray, np.ndarray]],
    ) -> History:
        """The history of the steps from ``first_step`` whose losses are given (changed in place)."""
        for k in np.flatnonzero(self.diverged_at >= 0):  # losses after the divergence step: NaN
            after = max(0, int(self.diverged_at[k]) - first_step)
            d_losses[after:, k] = g_losses[after:, k] = math.nan
        film = None
        if snapshots:
            film = Snapshots(self._recorder.grid, np.stack([s for s, _ in snapshots], 1), np.stack([x for _, x in snapshots], 1))
        # In the training dtype, as computed (exact; a float64 copy of 1,024 members' 20,000 steps was 330 MB).
        d_loss, g_loss = d_losses.T.numpy(), g_losses.T.numpy()
        return History.from_checks(
            d_loss, g_loss, eval_steps, [check.result() for check in checks], traces, diverged_at=self.diverged_at.copy(), snapshots=film
        )

    def state_dict(self) -> dict:
        """The whole training state, as tensors and plain values (a part of a checkpoint).

        Weights, the generator's average, the optimizers' state (the torch optimizers' and,
        on the fused engine, its own), the schedulers, the step count, the divergence state
        and the history (within a :meth:`train` call writing a checkpoint, up to now).
        Loaded by :meth:`load_state_dict` into a trainer built from the same setting, seeds
        and target, training goes on bit for bit as it would have (same device). The
        batches and penalty draws are keyed by (seed, step) and need no state.
        """
        def weights(module: torch.nn.Module | None) -> dict | None:
            return None if module is None else {k: v.detach().clone() for k, v in module.state_dict().items()}

        history = self.history
        if self._partial is not None:
            history = self._partial if history is None else History.concatenate(history, self._partial)
        return {
            "step": self.step_count,
            "generator": weights(self.generator),
            "discriminator": weights(self.discriminator),
            "generator_average": weights(self.generator_average),
            "g_optimizer": copy.deepcopy(self.g_optimizer.state_dict()),
            "d_optimizer": copy.deepcopy(self.d_optimizer.state_dict()),
            "schedulers": [copy.deepcopy(scheduler.state_dict()) for scheduler in self.schedulers],
            "fused_states": None if self.fused is None else self.fused.state_dict()["states"],
            "diverged_at": torch.as_tensor(np.array(self.diverged_at, dtype=np.int64)),
            "divergence_reasons": list(self.divergence_reasons),
            "history": None if history is None else history.to_state(),
            "standard_units": None if self.standard_units is None else {
                "location": torch.as_tensor(self.standard_units.location),
                "scale": torch.as_tensor(self.standard_units.scale),
            },
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue from :meth:`state_dict`'s output (ValueError/RuntimeError if it does not fit)."""
        if (state["generator_average"] is None) != (self.generator_average is None):
            raise ValueError("the generator average (ema_decay > 0) is saved but not configured, or the reverse")
        if len(state["schedulers"]) != len(self.schedulers):
            raise ValueError(f"{len(state['schedulers'])} learning-rate schedulers saved, {len(self.schedulers)} configured")
        if (state["fused_states"] is None) != (self.fused is None):
            raise ValueError("the fused engine's optimizer state is saved but this trainer uses autograd, or the reverse")
        diverged_at = state["diverged_at"].numpy().astype(np.int64)
        reasons = [str(reason) for reason in state["divergence_reasons"]]
        if diverged_at.shape != (self.members,) or len(reasons) != self.members:
            raise ValueError(f"divergence state of shape {diverged_at.shape} does not fit {self.members} members")
        history = None if state["history"] is None else History.from_state(state["history"], members=self.members)
        units = state.get("standard_units")  # absent from files written before it was estimated
        if units is not None and self.standard_units is not None:
            saved = (units["location"].numpy(), units["scale"].numpy())
            if not (np.array_equal(saved[0], self.standard_units.location) and np.array_equal(saved[1], self.standard_units.scale)):
                raise ValueError(
                    f"the run was trained in standard units location {saved[0].tolist()}, scale {saved[1].tolist()}, "
                    f"but this target's data give {self.standard_units.location.tolist()}, "
                    f"{self.standard_units.scale.tolist()}: pass the data it was trained on"
                )
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.generator_average is not None:
            self.generator_average.load_state_dict(state["generator_average"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        for scheduler, saved in zip(self.schedulers, state["schedulers"]):
            scheduler.load_state_dict(saved)
        if self.fused is not None:
            self.fused.load_state_dict({"states": state["fused_states"]})
        self.step_count = int(state["step"])
        self.diverged_at = diverged_at
        self.divergence_reasons = reasons
        self.history = history
        self._partial = None

    def _diverge(self, k: int, step: int, reason: str) -> None:
        self.diverged_at[k] = step
        self.divergence_reasons[k] = reason

    def _look_for_divergence(self, d_losses: torch.Tensor, g_losses: torch.Tensor) -> None:
        """Mark the members with a non-finite loss in the span just trained or non-finite weights.

        ``d_losses``, ``g_losses`` ``(span, K)``: the span's losses; it ended at :attr:`step_count`.
        """
        alive = self.diverged_at < 0
        if not alive.any():
            return
        d_bad = (~torch.isfinite(d_losses)).cpu().numpy()
        g_bad = (~torch.isfinite(g_losses)).cpu().numpy()
        span = d_bad.shape[0]
        networks = [("generator", self.generator), ("discriminator", self.discriminator)]
        if self.generator_average is not None:
            networks.append(("generator average", self.generator_average))
        weights_bad = []
        for name, network in networks:
            bad = torch.zeros(self.members, dtype=torch.bool, device=self.device)
            for tensor in (*network.parameters(), *network.buffers()):
                # Every parameter and buffer of an ensemble has the member axis first.
                if tensor.is_floating_point() and tensor.ndim and tensor.shape[0] == self.members:
                    bad |= ~torch.isfinite(tensor.detach().reshape(self.members, -1)).all(dim=1)
            weights_bad.append((name, bad.cpu().numpy()))
        for k in np.flatnonzero(alive):
            rows = np.flatnonzero(d_bad[:, k] | g_bad[:, k])
            if rows.size:
                j = int(rows[0])
                which = [name for name, bad in (("discriminator", d_bad), ("generator", g_bad)) if bad[j, k]]
                self._diverge(k, self.step_count - span + j + 1, f"non-finite {' and '.join(which)} loss")
                continue
            names = [name for name, bad in weights_bad if bad[k]]
            if names:
                self._diverge(k, self.step_count, f"non-finite {', '.join(names)} weights")


def _schedulers(config: GANConfig, optimizers: OptimizerPair) -> list[torch.optim.lr_scheduler.LRScheduler]:
    """The learning-rate schedulers of ``config.lr_decay``, one per optimizer (building them);
    none, and no optimizer built, without it."""
    if config.lr_decay is None:
        return []
    decay, horizon = config.lr_decay, config.lr_decay.steps or config.steps
    return [torch.optim.lr_scheduler.LambdaLR(o, lambda t: decay.factor(t, horizon=horizon)) for o in optimizers.get()]

