"""The ``"numba"`` engine: the fused step as numba kernels, compiled once per machine.

:class:`NumbaEngine` trains a Trainer's K members with :func:`ganzoo.engine._numba_kernels.run_steps`:
the same hand-derived step as the torch fused engine (same settings supported, same
formulas), with no torch operation per step and no compilation per process (numba caches
its machine code on disk; the first use on a machine compiles for about a minute per float
type, every later process loads it in well under a second). The torch modules stay the
source of truth for the weights: the kernels update the torch modules' flat parameter
buffers in place, through numpy views of their memory (so sampling, checkpoints and
``member(k)`` see every update, with no copy); the optimizer state lives here and goes into
checkpoints like the fused engine's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from evaluation import Gaussian

from .._config import GANConfig
from .._networks import StackedMLP
from .._streams import CHUNK_STEPS, Stream, TrainingBatches
from .._threads import thread_pool
from ._fused import adopt

try:  # numba is a dependency; without it (or where it fails to import) auto uses torch
    from . import _numba_kernels as kernels
    from ._numba_kernels import seeded_words, skip_doubles, skip_normals
    from ._numba_random import _POOL_SIZE  # SeedSequence's pool, in uint32 words
except ImportError as error:  # pragma: no cover - depends on the installation
    kernels = None
    IMPORT_ERROR = f"numba cannot be imported ({error})"
else:
    IMPORT_ERROR = ""


# The kernels' integer codes (the branches of _numba_kernels._act, _numba_losses.d_loss_terms, ...).
ACTIVATION_CODES = {"relu": 0, "leaky_relu": 1, "elu": 2, "tanh": 3, "sigmoid": 4, "silu": 5, "identity": 6}
LOSS_CODES = {
    "SigmoidBCELoss": 0,
    "MinimaxLoss": 1,
    "NonSaturatingLoss": 2,
    "WassersteinLoss": 3,
    "HingeLoss": 4,
    "LeastSquaresLoss": 5,
}
OPTIMIZER_CODES = {"Adam": 0, "RMSprop": 1, "SGD": 2}
PENALTY_CODES = {"GradientPenalty": 0, "R1": 1, "R2": 2}


def _sizes(spec, fan_in: int, fan_out: int) -> np.ndarray:
    return np.array(spec.layer_sizes(fan_in, fan_out), dtype=np.int64)


def _optimizer(spec) -> tuple[int, list[float], int]:
    """The optimizer's code, its three numbers and its state slots."""
    name = type(spec).__name__
    code = OPTIMIZER_CODES[name]
    if name == "Adam":
        return code, [spec.betas[0], spec.betas[1], spec.eps], 2
    if name == "RMSprop":
        return code, [spec.alpha, spec.eps, 0.0], 1
    return code, [spec.momentum, 0.0, 0.0], 1


@dataclasses.dataclass(frozen=True, eq=False)
class Setting:
    """A GANConfig as the kernel's data: layer sizes, integer codes, float parameters."""

    g_sizes: np.ndarray
    d_sizes: np.ndarray
    codes: np.ndarray  # g act, g head, d act, d head, loss, g opt, d opt, n_critic, EMA on
    hyper: np.ndarray  # loss a, b, c; g opt x3; d opt x3; clip; EMA weight
    penalties: np.ndarray  # (n, 3): kind, one-sided, offset of its numbers in a step's row
    penalty_weights: np.ndarray  # (n,)
    g_slots: int
    d_slots: int

    @classmethod
    def of(cls, config: GANConfig, dim: int) -> Setting:
        act = ACTIVATION_CODES
        g_opt, g_hyper, g_slots = _optimizer(config.g_optimizer)
        d_opt, d_hyper, d_slots = _optimizer(config.d_optimizer)
        loss = config.loss
        penalties, weights, offset = [], [], 0
        for penalty in config.penalties:
            name = type(penalty).__name__
            one_sided = int(getattr(penalty, "one_sided", False))
            penalties.append([PENALTY_CODES[name], one_sided, offset])
            weights.append(penalty.weight if name == "GradientPenalty" else penalty.gamma)
            offset += penalty.draws(config.batch_size, dim)
        clip = min((c.clip for c in config.constraints), default=0.0)
        return cls(
            g_sizes=_sizes(config.generator, config.latent_dim, dim),
            d_sizes=_sizes(config.discriminator, dim, 1),
            codes=np.array(
                [
                    act[config.generator.activation], act[config.generator.output],
                    act[config.discriminator.activation], act[config.discriminator.output],
                    LOSS_CODES[type(loss).__name__], g_opt, d_opt, config.n_critic,
                    int(config.ema_decay > 0),
                ],
                dtype=np.int64,
            ),  # fmt: skip
            hyper=np.array(
                [getattr(loss, "a", 0.0), getattr(loss, "b", 0.0), getattr(loss, "c", 0.0),
                 *g_hyper, *d_hyper, clip, 1.0 - config.ema_decay],
                dtype=np.float64,
            ),  # fmt: skip
            penalties=np.array(penalties, dtype=np.int64).reshape(-1, 3),
            penalty_weights=np.array(weights, dtype=np.float64),
            g_slots=g_slots,
            d_slots=d_slots,
        )


class NumbaEngine:
    """Trains a Trainer's K members with the numba kernels instead of torch operations.

    The learning rates are read at each step from ``learning_rates()`` (the trainer's: its
    torch optimizers', where built), and the schedulers (``GANConfig.lr_decay``) this engine
    steps as it goes: one source of truth for the rate whichever engine trains.
    """

    kind = "numba"
    runs_spans = True  # every span is one kernel call per chunk of batches
    compile = False  # nothing is compiled per process (the trainer reads these two)
    compiled = False

    def __init__(
        self,
        config: GANConfig,
        generator: StackedMLP,
        discriminator: StackedMLP,
        generator_average: StackedMLP | None,
        *,
        learning_rates: Callable[[], tuple[float, float]],
        schedulers: list,
    ) -> None:
        g_flat, _ = adopt(generator)
        d_flat, _ = adopt(discriminator)
        ema_flat = adopt(generator_average)[0] if generator_average is not None else None
        self.buffers = (g_flat, d_flat, ema_flat)
        self.setting = Setting.of(config, generator.weights[-1].shape[2])
        members, dtype = g_flat.shape[0], g_flat.numpy().dtype
        self.g_state = np.zeros((members, self.setting.g_slots, g_flat.shape[1]), dtype)
        self.d_state = np.zeros((members, self.setting.d_slots, d_flat.shape[1]), dtype)
        self.adam_steps = np.zeros((members, 2), np.float64)  # the two optimizers' step counts
        self._learning_rates = learning_rates
        self._schedulers = schedulers
        self._words: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None  # (step they are at, noise, penalty, data)
        self._stream_seeds: StreamSeeds | None = None  # built from the batches' seeds at first use

    @property
    def members(self) -> int:
        return self.buffers[0].shape[0]

    def prepare(self, steps: int) -> None:
        """Nothing to choose: the kernels are compiled once per machine, not per call."""

    def run(
        self, batches, first_step: int, count: int, *, progress: Callable[[int], object] = lambda steps: None
    ) -> tuple[Tensor, Tensor]:
        """Train ``count`` generator steps from ``first_step`` on ``batches`` (a ``TrainingBatches``),
        one kernel call per chunk; steps the learning-rate schedulers; returns the losses,
        ``(count, K)`` each, as the trainer's dtype.

        From a ``TrainingBatches`` only the real batches are taken: the kernels draw the noise
        and penalty numbers themselves from each member's PCG64 streams, the same numbers
        (``_numba_random.py``), on the kernel's threads and with no array in between."""
        g_flat, d_flat, ema_flat = self.buffers
        g, d = g_flat.numpy(), d_flat.numpy()  # views: the kernels write the modules' weights
        ema = ema_flat.numpy() if ema_flat is not None else np.zeros((self.members, 0), g.dtype)
        losses = np.empty((self.members, count, 2), g.dtype)
        s = self.setting
        threads = max(1, min(torch.get_num_threads(), self.members))
        step, end = first_step, first_step + count
        while step < end:
            none = np.zeros((self.members, 0), np.uint64)
            normal = _normal_parameters(batches)
            if normal is not None:  # everything drawn in the kernels
                offset = step % CHUNK_STEPS
                noise_words, penalty_words, data_words = self._stream_words(batches, step, data=True)
                b = batches
                real = np.zeros((self.members, 0, 0, b.batch_size, b.target.dim), g.dtype)
            elif isinstance(batches, TrainingBatches):  # the real rows from the target's sampler
                offset, real, _, _ = batches.chunk(step, noise=False)
                (noise_words, penalty_words), data_words = self._stream_words(batches, step, data=False), none
            else:  # one step's given batches (step())
                offset, real, noise, uniform = batches.chunk(step)
                noise, uniform = _array(noise.permute(2, 0, 1, 3, 4)), _array(uniform.permute(2, 0, 1, 3))
                noise_words = penalty_words = data_words = none
            if normal is not None or isinstance(batches, TrainingBatches):
                noise = np.zeros((self.members, 0, 0, 0, batches.latent_dim), g.dtype)  # the shape says the latent size
                uniform = np.zeros((self.members, 0, 0, batches.draws), g.dtype)
            if not isinstance(real, np.ndarray):  # the chunk's member-major storage, without a copy
                real = _array(real.permute(2, 0, 1, 3, 4))
            stop = min(offset + end - step, CHUNK_STEPS if normal is not None else real.shape[1])
            chunk_losses = np.empty((self.members, stop, 2), g.dtype)
            run_with_threads(
                threads, g, d, ema, self.g_state, self.d_state, self.adam_steps,
                s.g_sizes, s.d_sizes, s.codes, s.hyper, s.penalties, s.penalty_weights,
                self._rates_for(stop - offset), real, noise, uniform,
                offset, stop, chunk_losses, noise_words, penalty_words, data_words, _NO_NORMAL if normal is None else normal,
            )  # fmt: skip
            self._words = (step + stop - offset, noise_words, penalty_words, data_words)
            losses[:, step - first_step : step - first_step + stop - offset] = chunk_losses[:, offset:stop]
            progress(stop - offset)
            step += stop - offset
        result = torch.from_numpy(np.ascontiguousarray(losses.transpose(2, 1, 0)))
        return result[0], result[1]

    def _stream_words(self, batches, step: int, *, data: bool) -> tuple[np.ndarray, ...]:
        """The members' noise, penalty (and with ``data``, real data) PCG64 states at
        ``step``: where the last call left them, else from the chunk's seeds advanced past
        the chunk's earlier steps."""
        words = self._words
        if words is not None and words[0] == step and step % CHUNK_STEPS and (words[3].shape[1] == 4) == data:
            return words[1:] if data else words[1:3]
        chunk, offset = divmod(step, CHUNK_STEPS)
        b = batches
        streams = (Stream.NOISE, Stream.PENALTY, Stream.DATA)[: 3 if data else 2]
        if not b.draws:  # no penalty numbers: the kernels draw none from (placeholder) words
            streams = tuple(stream for stream in streams if stream != Stream.PENALTY)
        if self._stream_seeds is None:
            self._stream_seeds = StreamSeeds(b.seeds)
        words = [self._stream_seeds.words(stream, chunk) for stream in streams]
        if not b.draws:
            words.insert(1, np.zeros((self.members, 4), np.uint64))
        if offset:
            skip_normals(words[0], offset * (b.n_critic + 1) * b.batch_size * b.latent_dim)
            skip_doubles(words[1], offset * b.n_critic * b.draws)
            if data:
                skip_normals(words[2], offset * b.n_critic * b.batch_size * b.target.dim)
        return tuple(words)

    def _rates_for(self, steps: int) -> np.ndarray:
        """This many steps' (generator, discriminator) learning rates, stepping the schedulers."""
        lrs = np.empty((steps, 2), np.float64)
        if not self._schedulers:  # nothing changes them within a kernel call
            lrs[:] = self._learning_rates()
            return lrs
        for i in range(steps):
            lrs[i] = self._learning_rates()
            for scheduler in self._schedulers:
                scheduler.step()
        return lrs

    def step(self, real: Tensor, noise_d: Tensor, noise_g: Tensor, uniform: Tensor) -> tuple[Tensor, Tensor]:
        """One generator step on a :class:`~ganzoo._streams.StepBatches` (the trainer steps the
        schedulers after it, as for the torch engines)."""
        one = _OneStep(real, torch.cat([noise_d, noise_g[None]]), uniform)
        self._words = None  # the next run() starts its streams from the seeds
        schedulers, self._schedulers = self._schedulers, []
        try:
            d_loss, g_loss = self.run(one, 0, 1)
        finally:
            self._schedulers = schedulers
        return d_loss[0], g_loss[0]

    # -- checkpoints --------------------------------------------------------------------

    def state_dict(self) -> dict[str, list[list[Tensor]]]:
        """A copy of the optimizer state, ``{"states": [g_state, d_state]}``: per network its
        state slots ``(K, P)`` each, then its optimizer's step counts ``(K,)``."""
        return {
            "states": [
                [torch.from_numpy(state[:, slot].copy()) for slot in range(state.shape[1])]
                + [torch.from_numpy(self.adam_steps[:, column].copy())]
                for column, state in enumerate((self.g_state, self.d_state))
            ]
        }

    def load_state_dict(self, state: dict) -> None:
        """Copy :meth:`state_dict`'s output in."""
        saved = state["states"]
        live = (self.g_state, self.d_state)
        if len(saved) != 2 or any(len(s) != state.shape[1] + 1 for s, state in zip(saved, live)):
            raise ValueError("the saved numba optimizer state has another layout (another optimizer?)")
        for column, (copies, state) in enumerate(zip(saved, live)):
            for slot, value in enumerate(copies[:-1]):
                if tuple(value.shape) != state[:, slot].shape:
                    raise ValueError(f"numba optimizer state of shape {tuple(value.shape)}, expected {state[:, slot].shape}")
                state[:, slot] = value.numpy()
            self.adam_steps[:, column] = copies[-1].numpy()


class StreamSeeds:
    """The PCG64 states at which the members' streams start a chunk, as
    :func:`ganzoo._streams.numpy_rng` ``(seed, stream, chunk)`` seeds them (the words of
    :func:`ganzoo._streams.pcg64_words`), all members in one kernel call
    (:func:`~._numba_kernels.seeded_words`). A kernel that draws from them in the fill order
    of ``TrainingBatches.chunk``'s noise ``(steps, n_critic + 1, batch, latent_dim)``, uniform
    ``(steps, n_critic, draws)`` (or real, for a normal target) arrays gets exactly their numbers.

    Each member's assembled entropy (``SeedSequence.get_assembled_entropy``) is its seed's
    uint32 words, zero-padded to the pool size of 4, then the spawn key's two, (stream, chunk).
    """

    def __init__(self, seeds: list[int]) -> None:
        runs = [_uint32_words(seed) for seed in seeds]
        runs = [run + [0] * (_POOL_SIZE - len(run)) for run in runs]
        self._key_columns = np.array([len(run) for run in runs], np.int64)
        self._lengths = self._key_columns + 2
        self._entropy = np.zeros((len(seeds), int(self._lengths.max())), np.uint64)
        for k, run in enumerate(runs):
            self._entropy[k, : len(run)] = run
        self._rows = np.arange(len(seeds))

    def words(self, stream: Stream, chunk: int) -> np.ndarray:
        """Every member's PCG64 state at the start of ``chunk`` of ``stream``, ``(K, 4)``."""
        if not 0 <= chunk < 2**32:  # one uint32 word of spawn key (2^32 chunks are 5.5e11 steps)
            raise ValueError(f"chunk {chunk} is outside [0, 2**32)")
        self._entropy[self._rows, self._key_columns] = int(stream)
        self._entropy[self._rows, self._key_columns + 1] = chunk
        words = np.empty((len(self._rows), 4), np.uint64)
        seeded_words(self._entropy, self._lengths, words)
        return words


def _uint32_words(n: int) -> list[int]:
    """A non-negative integer as SeedSequence reads it: its little-endian uint32 words, [0] for 0."""
    if n < 0:
        raise ValueError(f"a seed must be a non-negative integer, got {n}")
    words = [n & 0xFFFFFFFF]
    while n := n >> 32:
        words.append(n & 0xFFFFFFFF)
    return words


def run_with_threads(threads: int, *args) -> None:
    """:func:`~ganzoo.engine._numba_kernels.run_steps` on ``threads`` threads (this one and a
    pool's) that take the members from one queue, alternately from its two ends: no numba
    parallel pass (which took 7 s of the first compile), and no fixed share per thread, which
    left one thread waiting for the other while the checks' scoring slowed it."""
    threads = max(1, min(threads, args[0].shape[0]))
    queue = np.zeros(3, np.int64)
    pool = thread_pool("numba", threads - 1) if threads > 1 else None
    pending = [pool.submit(kernels.run_steps, *args, queue, t % 2 == 0) for t in range(1, threads)]
    kernels.run_steps(*args, queue, True)
    for job in pending:
        job.result()


_NO_NORMAL = np.zeros(4, np.float64)


def _normal_parameters(batches) -> np.ndarray | None:
    """``(m, s, location, scale)`` where ``batches`` draws its real rows as N(m, s²) (an
    ``evaluation.Gaussian`` target: ``rng.normal(m, s)``), in ``GANConfig.standardize``'s units
    if any (else 0, 1): such rows the kernels draw themselves; None for every other target,
    whose own sampler then runs."""
    if not isinstance(batches, TrainingBatches) or type(batches.target) is not Gaussian:
        return None
    units = batches.standard_units
    location, scale = (0.0, 1.0) if units is None else (float(units.location[0]), float(units.scale[0]))
    return np.array([batches.target.mean, batches.target.std, location, scale], np.float64)


def _array(tensor: Tensor) -> np.ndarray:
    """A tensor's memory as numpy, without a copy where it is contiguous."""
    return np.ascontiguousarray(tensor.numpy())


class _OneStep:
    """One step's batches posing as a one-step chunk of a ``TrainingBatches``."""

    def __init__(self, real: Tensor, noise: Tensor, uniform: Tensor) -> None:
        self.arrays = (real[None], noise[None], uniform[None])

    def chunk(self, step: int):
        return (0, *self.arrays)
