"""ganzoo's thread pools: training noise drawn on a worker thread is the caller's numbers, the
numba kernels give the same bits on one thread or several (their scratch owned while they
run), and a forked process makes pools of its own (it inherits the parent's executors, not
their threads)."""

import multiprocessing
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from evaluation import Gaussian
from ganzoo import VanillaGAN, _threads
from ganzoo._streams import TrainingBatches


def _batches(seeds=(0, 1, 2)):
    return TrainingBatches(
        list(seeds), Gaussian(), batch_size=8, latent_dim=2, n_critic=2, device=torch.device("cpu"),
        dtype=torch.float32, draws=3,
    )  # fmt: skip


def _chunk_arrays(batches, step=0):
    _, real, noise, uniform = batches.chunk(step)
    return [t.clone().numpy() for t in (real, noise, uniform)]


def test_the_worker_thread_draws_the_callers_numbers(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)  # the worker draws the noise
    threaded = _chunk_arrays(_batches(), 300)
    assert (os.getpid(), "noise") in _threads._POOLS
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)  # no worker: all on this thread
    for a, b in zip(threaded, _chunk_arrays(_batches(), 300)):
        assert np.array_equal(a, b)


def _draw_in_child(queue):
    queue.put(float(_chunk_arrays(_batches())[1].sum()))


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_a_forked_child_draws_with_a_worker_of_its_own(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)  # parent and child use the worker
    expected = float(_chunk_arrays(_batches())[1].sum())  # the parent's worker exists now
    assert (os.getpid(), "noise") in _threads._POOLS
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_draw_in_child, args=(queue,))
    child.start()
    child.join(timeout=30)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive, "the forked child hung drawing noise"
    assert queue.get(timeout=5) == expected


@pytest.mark.parametrize("members", [1, 2, 5])
def test_numba_on_one_thread_or_three_gives_the_same_bits(monkeypatch, members):
    def weights(threads):
        monkeypatch.setattr(torch, "get_num_threads", lambda: threads)
        gan = VanillaGAN(seeds=range(members), engine="numba")
        gan.fit(steps=150, eval_every=0, progress=False)
        return [p.detach().clone() for p in gan.trainer.generator.parameters()]

    for a, b in zip(weights(1), weights(3)):
        assert torch.equal(a, b)


_ONE_THREAD_AND_TWO = """
import numpy as np, torch
from ganzoo import VanillaGAN

def generator_after(threads):
    torch.set_num_threads(threads)
    gan = VanillaGAN(seeds=range(16))
    gan.fit(steps=256, progress=False, eval_every=0)
    return torch.cat([p.detach().flatten() for p in gan.trainer.generator.parameters()]).numpy()

print("same" if np.array_equal(generator_after(1), generator_after(2)) else "different")
"""


def test_the_kernels_scratch_stays_owned_while_two_threads_train():
    """The kernels borrow their scratch arrays (no reference counts), so something must own
    them while they run. Once nothing did (the inlined member body's unpacking was their
    last owner), the kernels trained in freed memory. With one malloc arena for all threads
    (``MALLOC_ARENA_MAX=1``) the other thread's allocations then took that memory, and 16
    members on two threads trained differently from one thread, every time. Without the
    setting, a 1,024-member fit crashed. A fresh process, so that the setting applies."""
    result = subprocess.run(
        [sys.executable, "-c", _ONE_THREAD_AND_TWO],
        env={**os.environ, "MALLOC_ARENA_MAX": "1"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == "same"
