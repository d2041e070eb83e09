"""The numba kernels' random numbers are numpy's, bit for bit, and the engine draws them
in the order the arrays of TrainingBatches hold them."""

import hashlib
from pathlib import Path

import numba
import numpy as np
import pytest
import torch

from evaluation import Gaussian
from ganzoo import WGANGP, VanillaGAN
from ganzoo._streams import Stream, numpy_rng, pcg64_words
from ganzoo.engine import _numba_kernels as kernels
from ganzoo.engine import _numba_random as rng
from ganzoo.engine._numba_engine import StreamSeeds


@numba.njit
def _draw(words, n, normal):
    """``n`` standard normals (``normal``) or uniform doubles from ``words``."""
    out = np.empty(n)
    for i in range(n):
        out[i] = rng.standard_normal(words) if normal else rng.next_double(words)
    return out


def _normals(words, n):
    return _draw(words, n, True)


def test_standard_normals_are_numpys_bits_and_leave_its_state():
    """A million draws: every ziggurat layer, about 260 wedge and 260 tail rejections."""
    words = pcg64_words(7, Stream.NOISE, 3)
    numpys = numpy_rng(7, Stream.NOISE, 3)
    np.testing.assert_array_equal(_normals(words, 1_000_000).view(np.uint64), numpys.standard_normal(1_000_000).view(np.uint64))
    state = numpys.bit_generator.state["state"]
    assert (int(words[0]) << 64 | int(words[1]), int(words[2]) << 64 | int(words[3])) == (state["state"], state["inc"])


def test_uniform_doubles_are_numpys_random():
    words = pcg64_words(11, Stream.PENALTY, 0)
    np.testing.assert_array_equal(_draw(words, 100_000, False), numpy_rng(11, Stream.PENALTY, 0).random(100_000))


def test_skipping_advances_each_member_past_exactly_that_many_numbers():
    words = np.stack([pcg64_words(seed, Stream.NOISE, 1) for seed in (0, 1)])
    kernels.skip_normals(words, 1000)
    kernels.skip_doubles(words, 10)
    for k, seed in enumerate((0, 1)):
        numpys = numpy_rng(seed, Stream.NOISE, 1)
        numpys.standard_normal(1000)
        numpys.random(10)
        np.testing.assert_array_equal(_normals(words[k], 5), numpys.standard_normal(5))


# Seeds of every length SeedSequence distinguishes: one uint32 word, several (zero-padded to the
# pool of 4), exactly 4, more than 4 (mixed in after the pool); chunks up to the last one-word key.
SEEDS = [0, 1, 5, 2**32 - 1, 2**32, 2**64 + 5, 2**127, 2**128 + 7, 2**200 + 3, 12345678901234567890]


@pytest.mark.parametrize("chunk", [0, 1, 156, 2**31, 2**32 - 1])
def test_the_seeded_states_are_numpys_for_every_stream_and_seed_length(chunk):
    seeds = StreamSeeds(SEEDS + list(range(100, 140)))
    for stream in Stream:
        expected = np.stack([pcg64_words(seed, stream, chunk) for seed in SEEDS + list(range(100, 140))])
        np.testing.assert_array_equal(seeds.words(stream, chunk), expected)


def test_stream_seeds_refuse_what_numpy_would_not_seed_alike():
    with pytest.raises(ValueError, match="non-negative integer, got -1"):
        StreamSeeds([0, -1])
    with pytest.raises(ValueError, match=r"chunk 4294967296 is outside \[0, 2\*\*32\)"):
        StreamSeeds([0]).words(Stream.NOISE, 2**32)


def test_only_uint64_words_draw():
    with pytest.raises(numba.core.errors.TypingError):
        _normals(np.zeros(4, np.int64), 1)


def test_the_kernels_pin_every_file_they_inline():
    """numba re-compiles a cached kernel when its own file changes only: an edit of a file
    whose jitted code the kernels inline must come with its new hash in _numba_kernels.py."""
    here = Path(kernels.__file__).parent
    inlined = sorted(path.name for path in here.glob("_numba_*.py") if path.name not in {"_numba_kernels.py", "_numba_engine.py"})
    assert sorted(kernels.INLINED_SOURCES_SHA256) == inlined
    for name, pinned in kernels.INLINED_SOURCES_SHA256.items():
        digest = hashlib.sha256((here / name).read_bytes()).hexdigest()
        assert pinned == digest, f"{name} changed: set its hash in _numba_kernels.py's INLINED_SOURCES_SHA256 to {digest}"


class _SameGaussian(Gaussian):
    """N(4, 1.25) that is not exactly evaluation.Gaussian: its rows come from sample(), not the kernels."""


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: VanillaGAN(**kw),
        lambda **kw: WGANGP(n_critic=2, standardize=True, **kw),  # uniforms, n_critic, standardized units
    ],
    ids=["vanilla", "wgan-gp-standardized"],
)
def test_numbers_drawn_in_the_kernels_are_those_the_arrays_hold(make):
    """Fitting (the kernels draw noise, uniforms and N(m, s²) rows; 300 steps cross chunks
    and start mid-chunk after the first span) trains exactly what one step at a time on
    TrainingBatches' arrays trains, and what a target the kernels do not draw trains."""
    steps = 300
    fitted = make(seeds=[2, 9], engine="numba", dtype=torch.float64)
    fitted.fit(Gaussian(), steps=200, progress=False, eval_every=0)
    fitted.fit(Gaussian(), steps=steps - 200, progress=False, eval_every=0)  # a later call, mid-chunk
    other_target = make(seeds=[2, 9], engine="numba", dtype=torch.float64)
    other_target.fit(_SameGaussian(), steps=steps, progress=False, eval_every=0)
    stepped = make(seeds=[2, 9], engine="numba", dtype=torch.float64).build(Gaussian())
    for step in range(steps):
        stepped.step(*stepped.batches.batches(step))
    for gan in (other_target.trainer, stepped):
        for a, b in zip(fitted.trainer.generator.parameters(), gan.generator.parameters(), strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
        for a, b in zip(fitted.trainer.discriminator.parameters(), gan.discriminator.parameters(), strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
