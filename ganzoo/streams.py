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


class TrainingBatches:
    """Real and noise batches for every generator step of every member.

    ``batches(step)`` returns, for generator step ``step`` (0-based), a tuple
    ``(real, noise_d, noise_g)`` of tensors shaped ``(n_critic, K, batch, dim)``,
    ``(n_critic, K, batch, latent_dim)`` and ``(K, batch, latent_dim)``: one real and one
    noise batch per discriminator step, and one noise batch for the generator step.
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
    ) -> None:
        self.seeds = seeds
        self.target = target
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.n_critic = n_critic
        self.device = device
        self.dtype = dtype
        self._chunk_index = -1
        self._chunk: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    def _draw_chunk(self, chunk: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, c, d, z = self.batch_size, self.n_critic, self.target.dim, self.latent_dim
        real = np.stack(
            [
                self.target.sample(CHUNK_STEPS * c * b, numpy_rng(seed, Stream.DATA, chunk)).reshape(
                    CHUNK_STEPS, c, b, d
                )
                for seed in self.seeds
            ],
            axis=2,
        )
        noise = standard_normal(self.seeds, Stream.NOISE, (CHUNK_STEPS, c + 1, b, z), chunk)
        noise = np.moveaxis(noise, 0, 2)  # (steps, c + 1, K, b, z)

        def to_tensor(array: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(array), dtype=self.dtype, device=self.device)

        return to_tensor(real), to_tensor(noise[:, :c]), to_tensor(noise[:, c])

    def batches(self, step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        chunk, offset = divmod(step, CHUNK_STEPS)
        if chunk != self._chunk_index:
            self._chunk = self._draw_chunk(chunk)
            self._chunk_index = chunk
        real, noise_d, noise_g = self._chunk  # type: ignore[misc]
        return real[offset], noise_d[offset], noise_g[offset]


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
