"""Seeded random streams: every random number of a run is a function of its seed alone.

Each run (ensemble member) owns independent streams derived from its seed with
``numpy.random.SeedSequence(seed, spawn_key=(stream, ...))``: weight initialization, real
data, training noise, evaluation noise and sampling noise. Torch's and numpy's global RNGs
are never touched, so a run is reproducible whatever else the process does, and member k
of an ensemble sees exactly the numbers of the single run with the same seed.

Training batches are drawn in chunks of :data:`CHUNK_STEPS` generator steps, each chunk
from its own ``SeedSequence(seed, spawn_key=(stream, chunk))``. The chunk length is a
constant (not a function of the ensemble size), so the numbers depend on (seed, step) only,
and a run resumed at any step can regenerate its batches without stored RNG state.
"""

from __future__ import annotations

import enum

import numpy as np
import torch

CHUNK_STEPS = 128


class Stream(enum.IntEnum):
    INIT_GENERATOR = 0
    INIT_DISCRIMINATOR = 1
    DATA = 2
    NOISE = 3
    EVALUATION = 4
    SAMPLING = 5
    PENALTY = 6


def numpy_rng(seed: int, stream: Stream, *keys: int) -> np.random.Generator:
    """The numpy generator of one stream of one run."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(stream), *keys)))


def torch_generator(seed: int, stream: Stream) -> torch.Generator:
    """A CPU torch generator for one stream of one run, seeded through SeedSequence."""
    state = np.random.SeedSequence(seed, spawn_key=(int(stream),)).generate_state(1, np.uint64)[0]
    return torch.Generator().manual_seed(int(state) & (2**63 - 1))


def standard_normal(seeds: list[int], stream: Stream, shape: tuple[int, ...], *keys: int) -> np.ndarray:
    """Standard normal noise of ``shape`` per run, stacked to ``(len(seeds), *shape)``."""
    return np.stack([numpy_rng(seed, stream, *keys).standard_normal(shape) for seed in seeds])


def standard_units(target) -> tuple[np.ndarray, np.ndarray]:
    """The target's known location and scale ``(mean, std)``, per dimension, for standardizing.

    Networks trained with ``GANConfig.standardize`` see ``(x - mean) / std`` and emit
    ``mean + std * G(z)``; a target whose moments are not finite cannot be standardized.
    """
    location = np.asarray(target.mean, dtype=np.float64)
    scale = np.asarray(target.std, dtype=np.float64)
    if not (np.all(np.isfinite(location)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
        raise ValueError(
            f"standardize=True needs a target with finite mean and positive finite std, got "
            f"{target!r} with mean {target.mean!r} and std {target.std!r}"
        )
    return location, scale


class TrainingBatches:
    """Real and noise batches for every generator step of every member.

    ``batches(step)`` returns, for generator step ``step`` (0-based), a tuple
    ``(real, noise_d, noise_g)`` of tensors shaped ``(n_critic, K, batch, dim)``,
    ``(n_critic, K, batch, latent_dim)`` and ``(K, batch, latent_dim)``: one real and one
    noise batch per discriminator step, and one noise batch for the generator step.
    They are views into a chunk stored member by member (not contiguous across members).
    ``chunk(step)`` gives the whole chunk holding ``step``, for code that runs many steps
    at once (the fused engine).
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
        standardize: bool = False,
    ) -> None:
        self.seeds = seeds
        self.target = target
        self.standardize = standardize  # real batches in the target's standard units
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.n_critic = n_critic
        self.device = device
        self.dtype = dtype
        self._chunk_index = -1
        self._chunk: tuple[torch.Tensor, torch.Tensor] | None = None

    def _draw_chunk(self, chunk: int) -> tuple[torch.Tensor, torch.Tensor]:
        b, c, d, z = self.batch_size, self.n_critic, self.target.dim, self.latent_dim
        # Filled one member at a time, each member's draws stored contiguously (member-major)
        # and served as step-major views: the peak is the chunk plus one member's draws, and
        # every copy is contiguous. (Stacking all members' float64 draws and transposing held
        # several copies, 1.3 GB at K = 1024 with n_critic = 5; writing each member into a
        # step-major array scatters its copy over the whole chunk, 55 ns per number.)
        real = torch.empty(len(self.seeds), CHUNK_STEPS, c, b, d, dtype=self.dtype)
        noise = torch.empty(len(self.seeds), CHUNK_STEPS, c + 1, b, z, dtype=self.dtype)
        # Copied through numpy views: torch copies of this size run multithreaded, and
        # thousands of small parallel regions stall on a busy machine.
        real_view, noise_view = real.numpy(), noise.numpy()
        for k, seed in enumerate(self.seeds):
            sample = self.target.sample(CHUNK_STEPS * c * b, numpy_rng(seed, Stream.DATA, chunk))
            if self.standardize:  # in float64, before the cast: (x - μ) / σ, GANConfig.standardize
                location, scale = standard_units(self.target)
                sample = (np.asarray(sample, dtype=np.float64) - location) / scale
            real_view[k] = np.asarray(sample).reshape(CHUNK_STEPS, c, b, d)
            noise_view[k] = numpy_rng(seed, Stream.NOISE, chunk).standard_normal((CHUNK_STEPS, c + 1, b, z))
        real = real.to(self.device).permute(1, 2, 0, 3, 4)  # (steps, c, K, b, d)
        noise = noise.to(self.device).permute(1, 2, 0, 3, 4)  # (steps, c + 1, K, b, z)
        return real, noise

    def chunk(self, step: int) -> tuple[int, torch.Tensor, torch.Tensor]:
        """``(offset, real, noise)``: the chunk holding ``step`` and the step's index in it.

        ``real`` is ``(CHUNK_STEPS, n_critic, K, batch, dim)``; ``noise`` is
        ``(CHUNK_STEPS, n_critic + 1, K, batch, latent_dim)``, the critic's noise batches
        first and the generator's last.
        """
        chunk, offset = divmod(step, CHUNK_STEPS)
        if chunk != self._chunk_index:
            self._chunk = self._draw_chunk(chunk)
            self._chunk_index = chunk
        real, noise = self._chunk  # type: ignore[misc]
        return offset, real, noise

    def batches(self, step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        offset, real, noise = self.chunk(step)
        return real[offset], noise[offset, : self.n_critic], noise[offset, self.n_critic]


class RandomSource:
    """Per-member uniform numbers for the randomized add-ons (gradient penalty, DRAGAN).

    Member k draws from its own stream ``SeedSequence(seeds[k], spawn_key=(stream,))``, in
    order, so its numbers depend on its seed and on how many were drawn before, never on
    the other members or on torch's global RNG: member k of an ensemble gets exactly the
    numbers of the single run with that seed. Numbers are drawn ``chunk`` at a time per
    member and served from a buffer (numpy's ``random`` uses one 64-bit draw per double,
    so buffering does not change the sequence), which keeps the per-step cost independent
    of the ensemble size.
    """

    def __init__(
        self, seeds: list[int], stream: Stream, *, device: torch.device, dtype: torch.dtype, chunk: int = 4096
    ) -> None:
        self._rngs = [numpy_rng(seed, stream) for seed in seeds]
        self.device = device
        self.dtype = dtype
        self.chunk = chunk
        self._buffer = torch.empty(len(seeds), 0, dtype=dtype, device=device)
        self._position = 0

    def uniform(self, *shape: int) -> torch.Tensor:
        """Numbers in [0, 1) of shape ``(K, *shape)``, the next ones of each member's stream."""
        n = int(np.prod(shape, dtype=np.int64))
        if self._position + n > self._buffer.shape[1]:
            fresh = np.stack([rng.random(max(n, self.chunk)) for rng in self._rngs])
            fresh_tensor = torch.as_tensor(fresh, dtype=self.dtype, device=self.device)
            self._buffer = torch.cat([self._buffer[:, self._position :], fresh_tensor], dim=1)
            self._position = 0
        out = self._buffer[:, self._position : self._position + n]
        self._position += n
        return out.reshape(len(self._rngs), *shape)
