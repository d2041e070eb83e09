"""Seeded random streams: every random number of a run is a function of its seed alone.

Each run (ensemble member) owns independent streams derived from its seed with
``numpy.random.SeedSequence(seed, spawn_key=(stream, ...))``: weight initialization, real
data, training noise, evaluation noise and sampling noise. Torch's and numpy's global RNGs
are never touched, so a run is reproducible whatever else the process does, and member k
of an ensemble sees exactly the numbers of the single run with the same seed.

Training batches, and the uniform numbers of randomized penalties, are drawn in chunks of
:data:`CHUNK_STEPS` generator steps, each chunk from its own
``SeedSequence(seed, spawn_key=(stream, chunk))``. The chunk length is a constant (not a
function of the ensemble size), so the numbers depend on (seed, step) only, and a run
resumed at any step can regenerate its batches without stored RNG state.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import torch

from ._threads import thread_pool

CHUNK_STEPS = 128


class Stream(enum.IntEnum):
    INIT_GENERATOR = 0
    INIT_DISCRIMINATOR = 1
    DATA = 2
    NOISE = 3
    EVALUATION = 4
    SAMPLING = 5
    PENALTY = 6
    STANDARDIZE = 7
    INSTANCE_NOISE = 8


def numpy_rng(seed: int, stream: Stream, *keys: int) -> np.random.Generator:
    """The numpy generator of one stream of one run."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(stream), *keys)))


def torch_generator(seed: int, stream: Stream) -> torch.Generator:
    """A CPU torch generator for one stream of one run, seeded through SeedSequence."""
    state = np.random.SeedSequence(seed, spawn_key=(int(stream),)).generate_state(1, np.uint64)[0]
    return torch.Generator().manual_seed(int(state) & (2**63 - 1))


def pcg64_words(seed: int, stream: Stream, *keys: int) -> np.ndarray:
    """The PCG64 state of :func:`numpy_rng` ``(seed, stream, *keys)`` as four uint64 words,
    ``(hi(state), lo(state), hi(inc), lo(inc))``: what the numba kernels draw from
    (``ganzoo.engine._numba_random``), continuing exactly where numpy would."""
    state = numpy_rng(seed, stream, *keys).bit_generator.state["state"]
    mask = (1 << 64) - 1
    words = (state["state"] >> 64, state["state"] & mask, state["inc"] >> 64, state["inc"] & mask)
    return np.array(words, dtype=np.uint64)


def standard_normal(seeds: list[int], stream: Stream, shape: tuple[int, ...], *keys: int) -> np.ndarray:
    """Standard normal noise of ``shape`` per run, stacked to ``(len(seeds), *shape)``."""
    return np.stack([numpy_rng(seed, stream, *keys).standard_normal(shape) for seed in seeds])


STANDARDIZE_SAMPLES = 10_000
"""Real draws from which ``standardize=True`` estimates a target's location and scale."""


@dataclasses.dataclass(frozen=True, eq=False)
class StandardUnits:
    """The location and scale that ``GANConfig.standardize`` trains in, estimated from data.

    Networks trained with ``standardize=True`` see real data as ``(x - location) / scale``
    and emit ``location + scale * G(z)``, per dimension. Both are estimated, never taken
    from the target's exact moments: the sample mean and standard deviation (ddof = 1) of
    ``samples`` real points, which are the training rows of a target known by its data
    (one with a ``data`` array, e.g. ``evaluation.Empirical``), else
    :data:`STANDARDIZE_SAMPLES` draws from the target's own sampler on a fixed stream
    (seed 0, :attr:`Stream.STANDARDIZE`), the same for every run and ensemble member.
    """

    location: np.ndarray  # (dim,)
    scale: np.ndarray  # (dim,)
    samples: int
    source: str

    def to_dict(self) -> dict[str, object]:
        return {
            "location": self.location.tolist(),
            "scale": self.scale.tolist(),
            "samples": self.samples,
            "source": self.source,
        }


def estimate_standard_units(target) -> StandardUnits:
    """The :class:`StandardUnits` of ``target``, from its data or from seeded draws.

    A target that declares a mean or std that does not exist (NaN or infinite, e.g. a
    Cauchy-like Student t) is refused: a sample estimate of a moment that does not exist
    would be an arbitrary scale.
    """
    for name in ("mean", "std"):
        declared = getattr(target, name, None)
        if declared is not None and not np.all(np.isfinite(np.asarray(declared, dtype=np.float64))):
            raise ValueError(
                f"standardize=True needs a target with finite mean and positive finite std, got "
                f"{target!r} with {name} {declared!r}"
            )
    data = getattr(target, "data", None)
    if isinstance(data, np.ndarray):
        points = np.asarray(data, dtype=np.float64).reshape(len(data), target.dim)
        source = f"the {len(points):,} training rows of the target's data"
    else:
        points = np.asarray(target.sample(STANDARDIZE_SAMPLES, numpy_rng(0, Stream.STANDARDIZE)), dtype=np.float64)
        source = f"{STANDARDIZE_SAMPLES:,} draws from the target's sampler (seed 0, stream STANDARDIZE)"
    location = points.mean(axis=0)
    scale = points.std(axis=0, ddof=1) if len(points) > 1 else np.zeros(target.dim)
    if not (np.all(np.isfinite(location)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
        raise ValueError(
            f"standardize=True needs real data with a finite mean and a positive, finite spread in every "
            f"dimension; estimated from {source} of {getattr(target, 'spec', target)!r}: mean "
            f"{location.tolist()}, std {scale.tolist()}"
        )
    return StandardUnits(location, scale, len(points), source)


class StepBatches(NamedTuple):
    """The random inputs of one generator step, K members stacked.

    - ``real`` ``(n_critic, K, batch, dim)``: one real batch per critic step;
    - ``noise_d`` ``(n_critic, K, batch, latent_dim)``: the critic steps' noise batches;
    - ``noise_g`` ``(K, batch, latent_dim)``: the generator step's noise batch;
    - ``uniform`` ``(n_critic, K, draws)``: per critic step, the uniform numbers in [0, 1)
      of the randomized penalties (:meth:`ganzoo.Penalty.draws`), served to them
      in order by a :class:`RandomSource`; ``draws`` is 0 without such a penalty.
    """

    real: torch.Tensor
    noise_d: torch.Tensor
    noise_g: torch.Tensor
    uniform: torch.Tensor


class Chunk(NamedTuple):
    """A chunk of :data:`CHUNK_STEPS` steps' batches and the position of one step in it.

    ``real`` ``(CHUNK_STEPS, n_critic, K, batch, dim)``; ``noise``
    ``(CHUNK_STEPS, n_critic + 1, K, batch, latent_dim)``, the critic's noise batches first
    and the generator's last; ``uniform`` ``(CHUNK_STEPS, n_critic, K, draws)``.
    """

    offset: int
    real: torch.Tensor
    noise: torch.Tensor
    uniform: torch.Tensor


class TrainingBatches:
    """Real data, noise and penalty numbers for every generator step of every member.

    ``batches(step)`` returns the :class:`StepBatches` of generator step ``step``
    (0-based): views into a chunk stored member by member (not contiguous across members).
    ``chunk(step)`` gives the whole :class:`Chunk` holding ``step``, for code that runs
    many steps at once (the fused engine). ``draws`` is the number of uniform numbers per
    member and critic step that the penalties consume (0 for none).
    """

    def __init__(
        self,
        seeds: list[int],
        target,
        *,
        batch_size: int,
        latent_dim: int,
        n_critic: int,
        device: torch.device,
        dtype: torch.dtype,
        standard_units: StandardUnits | None = None,
        draws: int = 0,
    ) -> None:
        self.seeds = seeds
        self.target = target
        self.standard_units = standard_units  # real batches in these units (GANConfig.standardize)
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.n_critic = n_critic
        self.draws = draws
        self.device = device
        self.dtype = dtype
        self._chunk_index: tuple[int, bool] | None = None  # (chunk, with noise) of the chunk held
        self._chunk: tuple | None = None

    def _draw_chunk(self, chunk: int, noise: bool) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        b, c, d, z = self.batch_size, self.n_critic, self.target.dim, self.latent_dim
        if not noise:  # the real batches only: the numba engine draws the noise in its kernels
            real = torch.empty(len(self.seeds), CHUNK_STEPS, c, b, d, dtype=self.dtype)
            self._fill_real(real.numpy(), chunk)
            return real.to(self.device).permute(1, 2, 0, 3, 4), None, None
        # Filled one member at a time, each member's draws stored contiguously (member-major)
        # and served as step-major views: the peak is the chunk plus one member's draws, and
        # every copy is contiguous. (Stacking all members' float64 draws and transposing held
        # several copies, 1.3 GB at K = 1024 with n_critic = 5; writing each member into a
        # step-major array scatters its copy over the whole chunk, 55 ns per number.)
        real = torch.empty(len(self.seeds), CHUNK_STEPS, c, b, d, dtype=self.dtype)
        noise = torch.empty(len(self.seeds), CHUNK_STEPS, c + 1, b, z, dtype=self.dtype)
        uniform = torch.empty(len(self.seeds), CHUNK_STEPS, c, self.draws, dtype=self.dtype)
        # Copied through numpy views: torch copies of this size run multithreaded, and
        # thousands of small parallel regions stall on a busy machine.
        real_view, noise_view, uniform_view = real.numpy(), noise.numpy(), uniform.numpy()
        # The noise and uniform streams fill on a worker thread while this one draws the
        # data (the target's sample() may be user code: it runs on the caller's thread only),
        # then this one helps with the members the worker has not reached: both take the next
        # member from one counter. numpy's generators release the GIL while they fill: two
        # cores, about half the time. (Which thread draws a member does not change its numbers.)
        members = itertools.count()
        pending = None
        if torch.get_num_threads() > 1:
            pending = thread_pool("noise", 1).submit(self._fill_noise, noise_view, uniform_view, chunk, members)
        self._fill_real(real_view, chunk)
        self._fill_noise(noise_view, uniform_view, chunk, members)
        if pending is not None:
            pending.result()
        real = real.to(self.device).permute(1, 2, 0, 3, 4)  # (steps, c, K, b, d)
        noise = noise.to(self.device).permute(1, 2, 0, 3, 4)  # (steps, c + 1, K, b, z)
        uniform = uniform.to(self.device).permute(1, 2, 0, 3)  # (steps, c, K, draws)
        return real, noise, uniform

    def _fill_real(self, real: np.ndarray, chunk: int) -> None:
        """Each member's real batches of ``chunk`` from the target's sampler, on this thread."""
        shape = real.shape[1:]
        for k, seed in enumerate(self.seeds):
            sample = self.target.sample(math.prod(shape) // self.target.dim, numpy_rng(seed, Stream.DATA, chunk))
            if self.standard_units is not None:  # in float64, before the cast: (x - μ) / σ
                units = self.standard_units
                sample = (np.asarray(sample, dtype=np.float64) - units.location) / units.scale
            real[k] = np.asarray(sample).reshape(shape)

    def _fill_noise(self, noise: np.ndarray, uniform: np.ndarray, chunk: int, members: Iterator[int]) -> None:
        """Fill the noise (and penalty uniforms) of ``chunk`` for each member index that
        ``members`` hands out, until the indices pass the last member: one ``itertools.count``
        shared by the threads that fill (its ``next`` is atomic), so each member is drawn once."""
        shape = (CHUNK_STEPS, self.n_critic + 1, self.batch_size, self.latent_dim)
        for k in members:
            if k >= len(self.seeds):
                return
            seed = self.seeds[k]
            noise[k] = numpy_rng(seed, Stream.NOISE, chunk).standard_normal(shape)
            if self.draws:
                uniform[k] = numpy_rng(seed, Stream.PENALTY, chunk).random((CHUNK_STEPS, self.n_critic, self.draws))

    def retarget(self, target) -> None:
        """Draw real batches from ``target`` from now on (the next chunk is drawn anew)."""
        self.target = target
        self._chunk_index, self._chunk = None, None

    def chunk(self, step: int, *, noise: bool = True) -> Chunk:
        """The :class:`Chunk` holding ``step``, with the step's index in it; with
        ``noise=False`` its noise and uniform numbers are None (not drawn: see
        :meth:`stream_words`)."""
        chunk, offset = divmod(step, CHUNK_STEPS)
        if (chunk, noise) != self._chunk_index:
            self._chunk = None  # freed before the next is drawn: one chunk in memory, not two
            self._chunk = self._draw_chunk(chunk, noise)
            self._chunk_index = (chunk, noise)
        return Chunk(offset, *self._chunk)  # type: ignore[misc]

    def batches(self, step: int) -> StepBatches:
        """The :class:`StepBatches` of generator step ``step``."""
        offset, real, noise, uniform = self.chunk(step)
        return StepBatches(real[offset], noise[offset, : self.n_critic], noise[offset, self.n_critic], uniform[offset])


class RandomSource:
    """Serves one critic step's uniform numbers to the randomized penalties, in order.

    ``numbers`` ``(K, n)`` holds each member's numbers for the step (from
    :class:`TrainingBatches`, keyed by the run's seed and the step); each
    :meth:`uniform` call takes the next ones. So a penalty's numbers depend on the run's
    seed, the step and the penalties before it, never on the other members, on how
    training was split into calls, or on torch's global RNG: member k of an ensemble gets
    exactly the numbers of the single run with that seed, and a run resumed from a
    checkpoint draws what the uninterrupted run drew.
    """

    def __init__(self, numbers: torch.Tensor) -> None:
        if numbers.ndim != 2:
            raise ValueError(f"numbers must have shape (members, n), got {tuple(numbers.shape)}")
        self.numbers = numbers
        self._position = 0

    @classmethod
    def from_seeds(
        cls, seeds: list[int], count: int, *keys: int, device: torch.device, dtype: torch.dtype
    ) -> RandomSource:
        """``count`` numbers per member from ``SeedSequence(seed, spawn_key=(PENALTY, *keys))``."""
        numbers = np.stack([numpy_rng(seed, Stream.PENALTY, *keys).random(count) for seed in seeds])
        return cls(torch.as_tensor(numbers, dtype=dtype, device=device))

    @property
    def remaining(self) -> int:
        """How many numbers per member are left."""
        return self.numbers.shape[1] - self._position

    def uniform(self, *shape: int) -> torch.Tensor:
        """Numbers in [0, 1) of shape ``(K, *shape)``, the next ones of each member's row."""
        n = math.prod(shape)
        if n > self.remaining:
            raise RuntimeError(
                f"a penalty asked for {n} more uniform numbers per member than this step holds "
                f"({self.remaining} left of {self.numbers.shape[1]}); a randomized penalty must "
                f"declare what it draws per critic step in Penalty.draws(batch, dim)"
            )
        out = self.numbers[:, self._position : self._position + n]
        self._position += n
        return out.reshape(self.numbers.shape[0], *shape)
