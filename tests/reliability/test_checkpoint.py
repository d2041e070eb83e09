"""Checkpoints and exact resume: save/load, fit(checkpoint=...), resume(), studies killed mid-cell.

What is promised (ganzoo/checkpoint.py, docs/reliability.md):

- a run stopped at step t and resumed from its checkpoint ends bit for bit (CPU) where the
  uninterrupted run ends: weights, generator average, optimizer state, learning rates,
  history, sampling counter; autograd and fused engines, single runs and ensembles,
  moving average and learning-rate decay, in this process or in a fresh one;
- files are written atomically and read with torch.load(weights_only=True): a file that
  needs pickled code is refused without running it, and truncated, foreign or other-version
  files raise a CheckpointError (a ValueError) naming the file;
- a study killed (kill -9) mid-cell resumes that cell from its checkpoint and stores exactly
  what an uninterrupted study stores; the checkpoint is deleted once the cell is committed.
"""

from __future__ import annotations

import dataclasses
import fractions
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import ganzoo._checkpoint as checkpoint
from ganzoo import GAN, LSGAN, WGAN, WGANGP, Adam, CheckpointError, InstanceNoise, LRDecay, NonSaturatingGAN
from ganzoo.study import Store, Study, equal_runs, run_study
from ganzoo.study._cell import checkpoint_interval
from ganzoo.study._runner import CHECKPOINTS

# Tiny networks: a second intra-op thread only adds hand-offs (see tests/ganzoo/conftest.py).
torch.set_num_threads(1)

STEPS, EVAL_EVERY, EVERY, STOP = 120, 50, 35, 70  # checkpoints at 35, 70, 105, 120; killed after 70
FIT = dict(eval_every=EVAL_EVERY, eval_samples=200, progress=False)
DECAY = dict(ema_decay=0.9, lr_decay=LRDecay(final=0.1, steps=STEPS))
BLOWUP = Adam(lr=1e6, betas=(0.5, 0.999))


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    variant: type[GAN]
    options: dict

    def make(self) -> GAN:
        return self.variant(**self.options)


CASES = [
    Case("autograd-single", NonSaturatingGAN, dict(seed=3, engine="autograd", **DECAY)),
    Case("autograd-ensemble", NonSaturatingGAN, dict(seeds=[3, 4], engine="autograd", **DECAY)),
    Case("fused-single", NonSaturatingGAN, dict(seed=3, engine="fused-eager", **DECAY)),
    Case("fused-ensemble", NonSaturatingGAN, dict(seeds=[3, 4], engine="fused-eager", **DECAY)),
    Case("numba-ensemble", NonSaturatingGAN, dict(seeds=[3, 4], engine="numba", **DECAY)),
    Case("wgan-gp-numba", WGANGP, dict(seeds=[0, 1], engine="numba", n_critic=2, ema_decay=0.5)),
    # RMSprop state and weight clipping on the fused engine; the gradient penalty's random
    # points (keyed by seed and step) on both engines.
    Case("wgan-fused", WGAN, dict(seeds=[0, 1], engine="fused-eager", n_critic=2)),
    Case("wgan-gp-fused", WGANGP, dict(seeds=[0, 1], engine="fused-eager", n_critic=2, ema_decay=0.5)),
    Case("wgan-gp-autograd", WGANGP, dict(seeds=[0, 1], engine="autograd", n_critic=1, ema_decay=0.5)),
    # The remedies: instance noise keyed by seed and step, packs, look-ahead, simultaneous updates.
    Case(
        "remedies-autograd",
        NonSaturatingGAN,
        dict(seeds=[0, 1], packing=2, unrolled_steps=1, instance_noise=InstanceNoise(std=0.2, anneal_steps=150), updates="simultaneous"),
    ),
    # The divergence state: with this learning rate seed 2 meets an infinite loss at step 3
    # (tests/reliability/test_divergence.py), long before the stop; seed 1 trains on.
    Case("diverged-member-fused", LSGAN, dict(seeds=[1, 2], engine="fused-eager", g_optimizer=BLOWUP, d_optimizer=BLOWUP)),
]


class Killed(Exception):
    """Stands for a kill right after a checkpoint was written."""


def kill_after_checkpoint(monkeypatch, step: int) -> list[int]:
    """Make fit() stop dead right after writing its checkpoint of ``step``; returns the steps written."""
    write, written = checkpoint.write, []

    def write_then_die(path, payload):
        result = write(path, payload)
        written.append(payload["state"]["step"])
        if payload["state"]["step"] == step:
            raise Killed
        return result

    monkeypatch.setattr(checkpoint, "write", write_then_die)
    return written


def interrupted_then_resumed(case: Case, path: Path, monkeypatch, *, stop: int = STOP) -> GAN:
    with monkeypatch.context() as patch:
        kill_after_checkpoint(patch, stop)
        with pytest.raises(Killed):
            case.make().fit(steps=STEPS, checkpoint=path, checkpoint_every=EVERY, **FIT)
    gan = GAN.load(path)
    assert type(gan) is case.variant and gan.trainer.step_count == stop
    record = gan.resume(progress=False)
    assert record.steps == STEPS - stop
    return gan


def identical(x: torch.Tensor, y: torch.Tensor) -> bool:
    """torch.equal, and bit for bit for floats: NaN (a diverged member's weights) equals itself."""
    bits = {torch.float32: torch.int32, torch.float64: torch.int64}.get(x.dtype)
    if bits is None or x.dtype != y.dtype or x.shape != y.shape:
        return torch.equal(x, y)
    return torch.equal(x.contiguous().view(bits), y.contiguous().view(bits))


def assert_same_run(a: GAN, b: GAN) -> None:
    """Bit for bit the same state: weights, average, optimizer state, rates, history, counters."""
    ta, tb = a.trainer, b.trainer
    assert ta.step_count == tb.step_count
    for name in ("generator", "discriminator", "generator_average"):
        ma, mb = getattr(ta, name), getattr(tb, name)
        assert (ma is None) == (mb is None)
        if ma is not None:
            sa, sb = ma.state_dict(), mb.state_dict()
            assert sa.keys() == sb.keys()
            for key in sa:
                assert identical(sa[key], sb[key]), f"{name}.{key}"
    if ta.fused is not None:
        for state_a, state_b in zip(ta.fused.state_dict()["states"], tb.fused.state_dict()["states"], strict=True):
            for x, y in zip(state_a, state_b, strict=True):
                assert identical(x, y)
    for oa, ob in ((ta.g_optimizer, tb.g_optimizer), (ta.d_optimizer, tb.d_optimizer)):
        assert oa.param_groups[0]["lr"] == ob.param_groups[0]["lr"]
        for pa, pb in zip(oa.param_groups[0]["params"], ob.param_groups[0]["params"]):
            for key, value in oa.state.get(pa, {}).items():
                assert identical(value, ob.state[pb][key]), key
    ha, hb = a.history, b.history
    for field in ("d_loss", "g_loss", "eval_steps", "labels", "diverged_at"):
        assert np.array_equal(getattr(ha, field), getattr(hb, field), equal_nan=field.endswith("loss")), field
    assert ha.scores.keys() == hb.scores.keys()
    for key in ha.scores:
        assert np.array_equal(ha.scores[key], hb.scores[key], equal_nan=True), key
    assert a._sample_calls == b._sample_calls
    np.testing.assert_array_equal(a.sample(50, seed=7), b.sample(50, seed=7))  # leaves the counters alone


@pytest.fixture(scope="module")
def references():
    """Each case trained once without interruption (and without checkpoints)."""
    cache: dict[str, GAN] = {}

    def reference(case: Case) -> GAN:
        if case.id not in cache:
            gan = case.make()
            gan.fit(steps=STEPS, **FIT)
            cache[case.id] = gan
        return cache[case.id]

    return reference


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_run_resumed_from_its_checkpoint_ends_bit_identical(case, references, tmp_path, monkeypatch):
    gan = interrupted_then_resumed(case, tmp_path / "run.pt", monkeypatch)
    expected = references(case)
    assert (gan.trainer.fused is not None) == (expected.trainer.fused is not None) == ("fused" in case.id or "numba" in case.id)
    assert list(gan.history.eval_steps) == [50, 100] and gan.history.scores  # checks before and after the stop
    if case.id.startswith("diverged"):
        assert gan.history.diverged_at[1] == 3 and gan.trainer.divergence_reasons[1]
    assert_same_run(gan, expected)


def test_fit_writes_a_checkpoint_every_n_steps_and_at_the_end(tmp_path, monkeypatch):
    written = kill_after_checkpoint(monkeypatch, step=-1)
    gan = NonSaturatingGAN(seed=0, engine="fused-eager")
    gan.fit(steps=100, eval_every=0, checkpoint=tmp_path / "a" / "run.pt", checkpoint_every=30, progress=False)
    assert written == [30, 60, 90, 100]
    gan.fit(steps=20, eval_every=0, checkpoint=tmp_path / "b.pt", checkpoint_every=0, progress=False)
    assert written[4:] == [120]  # 0: only at the end
    data = checkpoint.read(tmp_path / "b.pt")
    assert data["fit"] == {"end": 120, "eval_every": 0, "eval_samples": 2000, "checkpoint_every": 0, "compiled": False}
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a", "b.pt", "run.pt"]  # no temporary files left
    with pytest.raises(ValueError, match="checkpoint_every=5 needs checkpoint=PATH"):
        gan.fit(steps=1, checkpoint_every=5)
    with pytest.raises(ValueError, match="checkpoint_every must be"):
        gan.fit(steps=1, checkpoint=tmp_path / "c.pt", checkpoint_every=-1)
    with pytest.raises(ValueError, match="must be a file path"):
        gan.fit(steps=1, checkpoint=tmp_path)


def test_the_resumed_call_keeps_the_eager_or_compiled_mode_it_ran_in(tmp_path, monkeypatch):
    """The engine decides eager vs compiled per fit() call from its steps; eager and compiled
    agree only to rounding, so a resumed call must not decide again from its fewer steps."""
    import ganzoo.engine._fused as fused

    # A cost model under which 120 steps run eagerly but the 50 left would compile.
    monkeypatch.setattr(fused, "should_compile", lambda plan, steps: steps < 100)
    case = Case("fused-auto", NonSaturatingGAN, dict(seeds=[3, 4], engine="fused", **DECAY))
    expected = case.make()
    expected.fit(steps=STEPS, **FIT)
    assert expected.trainer.fused.compiled is False
    gan = interrupted_then_resumed(case, tmp_path / "run.pt", monkeypatch)
    assert gan.trainer.fused.compiled is False  # as recorded, not should_compile(50)
    assert_same_run(gan, expected)


@pytest.mark.slow
def test_a_compiled_run_resumed_from_its_checkpoint_ends_bit_identical(tmp_path, monkeypatch):
    # Compiling costs 10-20 s: with the slow tests. Constant rates, so the compiled engine
    # trains whole spans per call, which checkpoints cut at other steps than checks do.
    case = Case("fused-compiled", NonSaturatingGAN, dict(seeds=[3, 4], engine="fused-compiled", ema_decay=0.9))
    expected = case.make()
    expected.fit(steps=STEPS, **FIT)
    assert expected.trainer.fused.runs_spans
    gan = interrupted_then_resumed(case, tmp_path / "run.pt", monkeypatch)
    assert gan.trainer.fused.compiled
    assert_same_run(gan, expected)


FRESH_PROCESS = textwrap.dedent(
    """
    import sys
    import torch
    torch.set_num_threads(1)
    from ganzoo import GAN

    gan = GAN.load(sys.argv[1])  # class, setting, seeds, target and state: all from the file
    gan.resume(progress=False)
    gan.save(sys.argv[2])
    """
)


def test_a_fit_resumes_bit_identical_in_a_fresh_process(references, tmp_path, monkeypatch):
    """Nothing but the file carries the run: a new process finishes it exactly.

    (A real kill -9 in the middle of a fit is in the study test below.)"""
    case = next(c for c in CASES if c.id == "fused-ensemble")
    path, out = tmp_path / "run.pt", tmp_path / "finished.pt"
    with monkeypatch.context() as patch:
        kill_after_checkpoint(patch, STOP)
        with pytest.raises(Killed):
            case.make().fit(steps=STEPS, checkpoint=path, checkpoint_every=EVERY, **FIT)
    resumed = subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(path), str(out)], timeout=300)
    assert resumed.returncode == 0
    assert checkpoint.read(path)["state"]["step"] == STEPS  # the resumed call went on writing there
    assert_same_run(GAN.load(out), references(case))


def test_save_and_load_keep_the_sampling_counter_and_the_target(tmp_path):
    from evaluation import Gaussian

    gan = NonSaturatingGAN(seed=1, engine="autograd")
    gan.fit(Gaussian(2, 0.5), steps=5, eval_every=0, progress=False)
    gan.sample(3)
    gan.save(tmp_path / "run.pt")
    loaded = GAN.load(tmp_path / "run.pt")
    assert loaded.trainer.target.spec == "gaussian:2,0.5" and loaded._single and loaded.seeds == [1]
    np.testing.assert_array_equal(loaded.sample(4), gan.sample(4))  # the second call's noise, in both
    with pytest.raises(RuntimeError, match="no interrupted fit"):
        loaded.resume()
    loaded.fit(steps=3, eval_every=0, progress=False)  # trains on, on the saved target
    assert loaded.trainer.step_count == 8 and loaded.trainer.target.spec == "gaussian:2,0.5"
    with pytest.raises(RuntimeError, match="needs a built GAN"):
        NonSaturatingGAN(seed=0).save(tmp_path / "unbuilt.pt")


def test_resuming_a_finished_fit_does_nothing(tmp_path):
    gan = NonSaturatingGAN(seeds=[0, 1], engine="fused-eager")
    gan.fit(steps=10, eval_every=5, eval_samples=100, checkpoint=tmp_path / "run.pt", progress=False)
    loaded = GAN.load(tmp_path / "run.pt")
    record = loaded.resume()
    assert record.steps == 0 and record.d_loss.shape == (2, 0)
    assert loaded.trainer.step_count == 10 and np.array_equal(loaded.history.d_loss, gan.history.d_loss)


def test_restore_and_load_refuse_a_checkpoint_of_another_run(tmp_path):
    path = tmp_path / "run.pt"
    NonSaturatingGAN(seeds=[0, 1], engine="fused").fit(steps=2, eval_every=0, progress=False, checkpoint=path)
    with pytest.raises(CheckpointError, match=r"seeds \[0, 1\], this GAN has seeds \[0, 2\]"):
        NonSaturatingGAN(seeds=[0, 2]).restore(path)
    with pytest.raises(CheckpointError, match="another setting .batch_size: saved 64, here 32"):
        NonSaturatingGAN(seeds=[0, 1], batch_size=32).restore(path)
    with pytest.raises(CheckpointError, match="trained by the fused engine, this GAN trains with autograd"):
        NonSaturatingGAN(seeds=[0, 1], engine="autograd").restore(path)
    with pytest.raises(CheckpointError, match="holds a NonSaturatingGAN, not a WGAN"):
        WGAN.load(path)
    with pytest.raises(CheckpointError, match="was trained on 'gaussian:4,1.25', not on 'gaussian:0,1'"):
        from evaluation import Gaussian

        NonSaturatingGAN(seeds=[0, 1]).restore(path, target=Gaussian(0, 1))
    gan = NonSaturatingGAN(seeds=[0, 1])
    gan.restore(path)  # the same setting: fine
    assert gan.trainer.step_count == 2


def test_a_custom_network_is_restored_into_the_gan_made_as_before(tmp_path):
    def make() -> GAN:
        generator = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
        return NonSaturatingGAN(seeds=[0, 1], generator=generator)

    gan = make()
    gan.fit(steps=4, eval_every=0, progress=False)
    path = gan.save(tmp_path / "custom.pt")
    with pytest.raises(CheckpointError, match=r"cannot rebuild .*call gan.restore"):
        GAN.load(path)
    again = make()
    again.restore(path)
    gan.fit(steps=3, eval_every=0, progress=False)
    again.fit(steps=3, eval_every=0, progress=False)
    assert_same_run(again, gan)


# --------------------------------------------------------------------------------------
# Files: atomic writes, safe and clear reads


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> bytes:
    gan = NonSaturatingGAN(seed=0, engine="fused-eager")
    gan.fit(steps=3, eval_every=0, progress=False)
    return gan.save(tmp_path_factory.mktemp("saved") / "run.pt").read_bytes()


def _edited(data: bytes, edit) -> bytes:
    import io

    payload = torch.load(io.BytesIO(data), weights_only=True)
    edit(payload)
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def _torch_bytes(obj) -> bytes:
    import io

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


BAD_FILES = {
    "truncated": (lambda good: good[: len(good) // 2], "truncated or damaged"),
    "empty": (lambda good: b"", "is empty .a truncated write"),
    "text": (lambda good: b"step,loss\n1,0.5\n", "is not a torch file .it starts with b'step', not a zip archive"),
    "a tensor": (lambda good: _torch_bytes(torch.ones(3)), "not a ganzoo checkpoint .it holds a Tensor"),
    "foreign weights": (lambda good: _torch_bytes({"weight": torch.ones(3)}), "not a ganzoo checkpoint .it holds a dict with format=None"),
    "another version": (
        lambda good: _edited(good, lambda p: p.update(format_version=99)),
        "format version 99 .written by ganzoo .*; this ganzoo reads format version 1",
    ),
    "a part missing": (lambda good: _edited(good, lambda p: p["state"].pop("history")), "damaged .*state.history is missing"),
    "a part of another type": (lambda good: _edited(good, lambda p: p.update(seeds="0")), "seeds should be list, got str"),
    "damaged weights": (
        lambda good: _edited(good, lambda p: p["state"]["generator"].update({"weights.0": torch.ones(5)})),
        "damaged or does not fit this GAN",
    ),
    "pickled code": (
        lambda good: _torch_bytes({"format": checkpoint.FORMAT, "x": fractions.Fraction(1, 3)}),
        r"needs arbitrary pickled code to load \(it refers to fractions.Fraction\); refused: .*weights_only=True",
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_unreadable_files_get_a_clear_error_naming_the_file(kind, saved, tmp_path):
    make, message = BAD_FILES[kind]
    path = tmp_path / "run.pt"
    path.write_bytes(make(saved))
    for load in (GAN.load, NonSaturatingGAN(seed=0).restore):
        with pytest.raises(CheckpointError, match=message) as error:
            load(path)
        assert str(path) in str(error.value)
        assert isinstance(error.value, ValueError)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        GAN.load(tmp_path / "missing.pt")


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_file_that_needs_pickled_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.pt"
    torch.save({"format": checkpoint.FORMAT, "format_version": 1, "x": _Payload(marker)}, path)
    with pytest.raises(CheckpointError, match="needs arbitrary pickled code"):
        GAN.load(path)
    assert not marker.exists()


def test_a_failed_write_leaves_the_previous_checkpoint_and_no_temporary_file(tmp_path, monkeypatch):
    gan = NonSaturatingGAN(seed=0, engine="autograd")
    gan.fit(steps=2, eval_every=0, progress=False)
    path = gan.save(tmp_path / "run.pt")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    gan.fit(steps=2, eval_every=0, progress=False)

    def torch_save_fails_midway(obj, file):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", torch_save_fails_midway)
    with pytest.raises(OSError, match="No space left"):
        gan.save(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]


def test_a_write_is_fsynced_before_it_replaces_the_file(tmp_path, monkeypatch):
    calls = []
    fsync, replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append(("replace", Path(a).parent, Path(b))), replace(a, b))[1])
    gan = NonSaturatingGAN(seed=0, engine="autograd")
    gan.fit(steps=1, eval_every=0, progress=False)
    gan.save(tmp_path / "run.pt")
    # The data, then the rename (a temporary file in the same folder), then the folder.
    assert calls == ["fsync", ("replace", tmp_path, tmp_path / "run.pt"), "fsync"]


# --------------------------------------------------------------------------------------
# Studies: a cell killed mid-training resumes from its checkpoint

STUDY = dict(
    settings=["vanilla"],
    seeds=2,
    steps=1100,  # longer than one checkpoint interval (1024 steps)
    eval_every=500,
    eval_samples=200,
    final_samples=300,
    stored_samples=100,
    grid_points=11,
)

KILLED_STUDY = textwrap.dedent(
    """
    import sys, time
    import ganzoo._checkpoint as checkpoint
    from ganzoo.study import Study, run_study

    write = checkpoint.write

    def write_then_pause(path, payload):  # widens the window for the kill; results unchanged
        write(path, payload)
        if payload["state"]["step"] < payload["fit"]["end"]:
            time.sleep(120)

    checkpoint.write = write_then_pause
    run_study(Study(**{study!r}), sys.argv[1], workers=1, progress=False, checkpoint_every=1000)
    """
)


def test_checkpoint_interval_is_rounded_to_where_training_pauses_anyway():
    assert [checkpoint_interval(n) for n in (0, 1, 1024, 1025, 2000)] == [0, 1024, 1024, 2048, 2048]


def test_a_study_killed_mid_cell_resumes_the_cell_from_its_checkpoint(tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    run_study(Study(**STUDY), reference, workers=1, progress=False, checkpoint_every=0)
    with Store.open(reference) as store:
        expected = store.runs()
    assert not (reference / CHECKPOINTS).exists()

    out = tmp_path / "killed"
    script = KILLED_STUDY.format(study=STUDY)
    process = subprocess.Popen([sys.executable, "-c", script, str(out)], start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if (out / CHECKPOINTS).is_dir() and any((out / CHECKPOINTS).glob("*.pt")):
                break
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the study finished before it could be killed"
    (path,) = (out / CHECKPOINTS).glob("*.pt")
    assert path.name.startswith("vanilla-")
    assert checkpoint.read(path)["state"]["step"] == 1024
    with Store.open(out) as store:
        assert store.count() == 0

    resumed = []
    resume = GAN.resume
    monkeypatch.setattr(GAN, "resume", lambda self, **kw: (resumed.append(self.trainer.step_count), resume(self, **kw))[1])
    result = run_study(Study(**STUDY), out, workers=1, progress=False, checkpoint_every=1000)
    assert resumed == [1024] and (result.existing, result.trained) == (0, 2)
    assert not (out / CHECKPOINTS).exists()  # deleted once the cell was committed
    with Store.open(out) as store:
        assert equal_runs(store.runs(), expected)


def test_the_checkpoint_interval_is_a_command_line_option(tmp_path, capsys):
    from ganzoo._cli import main

    assert main(["compare", "--quick", "--checkpoint-every", "-5", "--out", str(tmp_path / "s"), "--quiet"]) != 0
    assert "checkpoint_every must be >= 0" in capsys.readouterr().err


# -- files written by an earlier ganzoo ------------------------------------------------------

DATA = Path(__file__).parent / "data"


def test_checkpoints_written_before_the_modules_moved_still_load_and_resume(tmp_path):
    """tests/reliability/data/*.pt were written by ganzoo 0.1.0 before its implementation
    modules became private (``ganzoo.variants.wgan_gp:WGANGP`` is now in
    ``ganzoo.variants._wgan_gp``), by ``make_checkpoints.py`` there; the .npy files hold
    what the runs sampled then."""
    vanilla = GAN.load(DATA / "vanilla-autograd-r1.pt", engine="autograd")
    assert type(vanilla).__name__ == "VanillaGAN" and vanilla.trainer.step_count == 30
    # float32 rounding apart: torch's kernels on another CPU (AVX-512 against the AVX2 machine
    # that wrote the files) may round the last bit of a product differently; atol for outputs near 0
    same = dict(rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(vanilla.sample(50, seed=2), np.load(DATA / "vanilla-autograd-r1-sample.npy"), **same)
    recorded = checkpoint.read(DATA / "wgan-gp-interrupted.pt")
    assert recorded["variant"]["class"] == "ganzoo.variants.wgan_gp:WGANGP"  # a module that no longer exists
    assert recorded["config_spec"]["fields"]["loss"]["__class__"] == "ganzoo.losses.wasserstein:WassersteinLoss"
    copy = tmp_path / "interrupted.pt"  # resume() writes on to the file it loaded
    copy.write_bytes((DATA / "wgan-gp-interrupted.pt").read_bytes())
    gan = GAN.load(copy)
    assert type(gan) is WGANGP and gan.trainer.step_count == 20
    gan.resume(progress=False)
    assert gan.trainer.step_count == 40
    np.testing.assert_allclose(gan.sample(50, seed=2), np.load(DATA / "wgan-gp-interrupted-final-sample.npy"), **same)
