"""ganzoo's thread pools: training noise drawn on a worker thread is the caller's numbers, the
numba kernels give the same bits on one thread or several, and a forked process makes pools
of its own (it inherits the parent's executors, not their threads)."""

import multiprocessing
import os
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
