"""Training noise drawn on a worker thread: the same numbers as on the caller's thread, and a
forked process makes its own worker (it inherits the parent's executor, not its thread)."""

import multiprocessing
import sys

import numpy as np
import pytest
import torch

from evaluation import Gaussian
from ganzoo import _streams
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
    assert _streams._NOISE_WORKER is not None
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)  # no worker: all on this thread
    for a, b in zip(threaded, _chunk_arrays(_batches(), 300)):
        assert np.array_equal(a, b)


def _draw_in_child(queue):
    queue.put(float(_chunk_arrays(_batches())[1].sum()))


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_a_forked_child_draws_with_a_worker_of_its_own(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)  # parent and child use the worker
    expected = float(_chunk_arrays(_batches())[1].sum())  # the parent's worker exists now
    assert _streams._NOISE_WORKER is not None
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
