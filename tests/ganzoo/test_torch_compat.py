"""ganzoo._torch_compat: each private torch API is there, and each fallback computes the same."""

from __future__ import annotations

import warnings

import pytest
import torch
from conformance import assert_same_training, train

from ganzoo import VanillaGAN
from ganzoo import _torch_compat as compat
from ganzoo._streams import CHUNK_STEPS
from ganzoo.engine import _fused, _step


def test_the_installed_torch_has_every_private_api():
    # If this fails after a torch upgrade, ganzoo still trains correctly (on the fallbacks
    # below) but slower: look for the API's new name.
    assert compat._FUSED_ADAM is not None
    assert compat._FOREACH_LERP is not None
    assert compat.WHILE_LOOP is not None
    assert compat._flag_is_read()


def _adam_tensors(seed: int):
    g = torch.Generator().manual_seed(seed)
    p, m, v = (torch.randn(3, 7, generator=g) for _ in range(3))
    return p, m, v.abs(), torch.zeros(1)


@pytest.mark.parametrize("fallback", [False, True])
def test_fused_adam_is_torch_adam(monkeypatch, fallback):
    if fallback:
        monkeypatch.setattr(compat, "_FUSED_ADAM", None)
    p, m, v, step = _adam_tensors(0)
    reference = p.clone().requires_grad_(True)
    adam = torch.optim.Adam([reference], lr=0.01, betas=(0.5, 0.9), eps=1e-8)
    adam.state[reference] = {"step": torch.tensor(0.0), "exp_avg": m.clone(), "exp_avg_sq": v.clone()}
    g = torch.Generator().manual_seed(1)
    for _ in range(5):
        grad = torch.randn(3, 7, generator=g)
        reference.grad = grad.clone()
        adam.step()
        step.add_(1)
        compat.fused_adam_(p, grad, m, v, step, lr=0.01, beta1=0.5, beta2=0.9, eps=1e-8)
    torch.testing.assert_close(p, reference.detach(), rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(m, adam.state[reference]["exp_avg"], rtol=1e-6, atol=1e-7)


def test_foreach_lerp_fallback_gives_the_same_numbers(monkeypatch):
    g = torch.Generator().manual_seed(2)
    targets = [torch.randn(4, 5, generator=g), torch.randn(3, generator=g)]
    ends = [torch.randn(4, 5, generator=g), torch.randn(3, generator=g)]
    fast = [t.clone() for t in targets]
    compat.foreach_lerp_(fast, ends, 0.01)
    monkeypatch.setattr(compat, "_FOREACH_LERP", None)
    slow = [t.clone() for t in targets]
    compat.foreach_lerp_(slow, ends, 0.01)
    for a, b in zip(fast, slow):
        assert torch.equal(a, b)


def _scheduler_warnings(optimizer) -> list[str]:
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scheduler.step()
    return [str(w.message) for w in caught]


def _optimizer():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def test_mark_stepped_silences_the_schedulers_order_warning():
    assert any("before `optimizer.step()`" in m for m in _scheduler_warnings(_optimizer()))  # the warning exists
    optimizer = _optimizer()
    compat.mark_stepped(optimizer)
    assert _scheduler_warnings(optimizer) == []


def test_mark_stepped_without_the_private_flag_filters_the_warning(monkeypatch):
    monkeypatch.setattr(compat, "_FLAG_READ", None)
    monkeypatch.setattr(compat, "_flag_is_read", lambda: False)
    with warnings.catch_warnings():  # the filter mark_stepped installs ends with this block
        compat.mark_stepped(_optimizer())
        unflagged = _optimizer()  # never marked: the filter, not the flag, keeps it quiet
        scheduler = torch.optim.lr_scheduler.StepLR(unflagged, step_size=1)
        with warnings.catch_warnings(record=True) as caught:
            scheduler.step()
        assert [str(w.message) for w in caught] == []


def test_with_own_code_copies_the_code_and_keeps_the_behaviour():
    def make(k):
        def add(x):
            return x + k

        return add

    a, b = make(1), make(2)
    assert a.__code__ is b.__code__
    copy = compat.with_own_code(a, "add_one")
    assert copy.__code__ is not a.__code__ and copy.__name__ == "add_one" and copy(1) == 2


def test_without_while_loop_the_compiled_engine_compiles_steps(monkeypatch):
    monkeypatch.setattr(_fused, "WHILE_LOOP", None)
    monkeypatch.setattr(_step, "WHILE_LOOP", None)
    engine = VanillaGAN(seeds=[0, 1], engine="fused-compiled").build().fused
    assert engine.compiled and not engine.runs_spans
    with pytest.raises(RuntimeError, match="no torch._higher_order_ops.while_loop"):
        _step.make_run(engine.plan)


@pytest.mark.slow
def test_without_while_loop_compiled_training_equals_eager(monkeypatch):
    monkeypatch.setattr(_fused, "WHILE_LOOP", None)
    make = lambda engine: VanillaGAN(seeds=[0, 1], dtype=torch.float64, engine=engine)  # noqa: E731
    compiled = train(make("fused-compiled"), CHUNK_STEPS + 20)
    eager = train(make("fused-eager"), CHUNK_STEPS + 20)
    assert_same_training(compiled, eager, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("engine", ["fused-eager", "autograd"])
def test_training_on_the_fallbacks_equals_training_on_the_private_apis(monkeypatch, engine):
    make = lambda: VanillaGAN(seeds=[0, 1], dtype=torch.float64, engine=engine, ema_decay=0.9)  # noqa: E731
    fast = train(make(), 50)
    monkeypatch.setattr(compat, "_FUSED_ADAM", None)
    monkeypatch.setattr(compat, "_FOREACH_LERP", None)
    slow = train(make(), 50)
    assert_same_training(fast, slow, rtol=1e-10, atol=1e-12)
