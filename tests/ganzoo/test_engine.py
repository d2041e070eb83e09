"""The fused engine trains exactly what the autograd path trains, only faster.

The autograd path is the reference. A fused step must consume the same batches and give
the same parameters, losses and evaluation checks: in float64 to ~1e-10 after 100 steps
(two correct implementations differ only by rounding, ~1e-16 per operation, which GAN
dynamics amplify slowly at first); in float32 to float tolerance over the first steps.
Every row of the conformance list (conformance.CASES) that the fused engine supports is
checked, and every row it does not support must fall back to autograd under "auto".
The compiled variant of the step is the same functions under torch.compile; it costs
seconds of compilation, so its tests are marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import torch
from conformance import TARGET, assert_same_training, pair, state, tolerance, train

from evaluation import Ring
from ganzoo import (
    SGD,
    WGAN,
    WGANGP,
    Adam,
    LRDecay,
    MinimaxGAN,
    MLPSpec,
    RMSprop,
    VanillaGAN,
)
from ganzoo._penalties import DRAGAN, R1, R2, GradientPenalty, WeightClipping
from ganzoo._streams import CHUNK_STEPS, Stream, TrainingBatches, numpy_rng
from ganzoo.engine import ENGINES, _compile, make_engine, should_compile
from ganzoo.engine import _fused as fused_module
from ganzoo.engine._layers import ACTIVATION_RULES
from ganzoo.engine._rules import LOSS_GRADIENTS, loss_constants
from ganzoo.engine._step import Plan

# --- the conformance list ------------------------------------------------------------


def test_every_loss_with_a_fused_gradient_is_covered_by_a_supported_row(conformance_cases):
    covered = {type(c.make(seed=0).config.loss) for c in conformance_cases}
    assert set(LOSS_GRADIENTS) <= covered


# --- options, one at a time, against autograd (float64, 100 steps) -----------------------

OPTIONS = {
    "sgd": {"g_optimizer": SGD(lr=0.01), "d_optimizer": SGD(lr=0.02)},
    "sgd-momentum+rmsprop": {"g_optimizer": SGD(lr=0.01, momentum=0.5), "d_optimizer": RMSprop(lr=1e-3)},
    "adam-betas+ttur": {"g_optimizer": Adam(lr=2e-3, betas=(0.0, 0.9)), "d_optimizer": Adam(lr=5e-3, eps=1e-6)},
    "ema": {"ema_decay": 0.9},
    "n_critic+clipping": {"n_critic": 3, "constraints": (WeightClipping(clip=0.05),)},
    "lr-decay": {"lr_decay": LRDecay(steps=60, final=0.1)},
    "batch-48+latent-3": {"batch_size": 48, "latent_dim": 3},
    **{
        f"depth-2-{name}": {
            "generator": MLPSpec(width=8, depth=2, activation=name),
            "discriminator": MLPSpec(width=8, depth=2, activation=name),
        }
        for name in ACTIVATION_RULES
    },
    "heads": {"generator": MLPSpec(output="tanh"), "discriminator": MLPSpec(depth=3, width=4, output="sigmoid")},
    "no-hidden-layer": {"generator": MLPSpec(depth=0), "discriminator": MLPSpec(depth=0)},
}
# Penalties differentiated by hand need an identity-head critic with piecewise-linear
# activations: WGAN-GP's critic, deeper, leaky, and with R1/R2 beside the gradient penalty.
PENALTY_OPTIONS = {
    "gp-one-sided+leaky-depth-2": {
        "penalties": (GradientPenalty(weight=3.0, one_sided=True),),
        "discriminator": MLPSpec(width=8, depth=2, activation="leaky_relu"),
    },
    "r1+gp+n_critic-2": {"penalties": (R1(gamma=2.0), GradientPenalty()), "n_critic": 2},
    # (Batch 32, not 48: a Wasserstein critic's last bias has gradient 1/B·(B - B) = 0, which
    # the fused step sums in another order, leaving a ~1e-16 residue when 1/B is inexact;
    # Adam, dividing by its RMS, turns it into a ~1e-10 drift of that bias.)
    "r2+no-hidden-layer+batch-32": {"penalties": (R2(gamma=0.5),), "discriminator": MLPSpec(depth=0), "batch_size": 32},
}


@pytest.mark.parametrize("engine", ["fused-eager", "numba"])
@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_fused_step_equals_autograd_step_for_each_option(options, engine):
    make = lambda **kw: VanillaGAN(seeds=[0, 7], dtype=torch.float64, **options, **kw)  # noqa: E731
    fused, reference = pair(make, 100, engine=engine)
    assert_same_training(fused, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("options", PENALTY_OPTIONS.values(), ids=PENALTY_OPTIONS.keys())
def test_fused_penalties_equal_double_backpropagation(options):
    fused, reference = pair(lambda **kw: WGANGP(seeds=[0, 7], dtype=torch.float64, **options, **kw), 60)
    assert_same_training(fused, reference, **tolerance(fused.config))


def test_fused_gradient_penalty_on_a_two_dimensional_target():
    fused, reference = pair(lambda **kw: WGANGP(seeds=[2], dtype=torch.float64, latent_dim=2, **kw), 40, target=Ring())
    assert_same_training(fused, reference, **tolerance(fused.config))


def test_two_dimensional_target():
    fused, reference = pair(
        lambda **kw: VanillaGAN(seeds=[2], dtype=torch.float64, latent_dim=2, **kw), 100, target=Ring()
    )
    assert_same_training(fused, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seeds", [[4], [0, 1, 2, 3]], ids=["single", "ensemble"])
def test_float32_agrees_to_float_tolerance_over_the_first_steps(seeds):
    fused, reference = pair(lambda **kw: VanillaGAN(seeds=seeds, **kw), 10)
    assert_same_training(fused, reference, rtol=2e-5, atol=2e-6)
    fused, reference = pair(lambda **kw: WGAN(seeds=seeds, **kw), 10)
    assert_same_training(fused, reference, rtol=2e-5, atol=2e-6)


def test_same_losses_and_evaluation_checks_as_autograd():
    fused, reference = pair(lambda **kw: VanillaGAN(seeds=[1, 2], dtype=torch.float64, **kw), 100,
                            eval_every=50, eval_samples=400)  # fmt: skip
    assert fused.history.eval_steps.tolist() == reference.history.eval_steps.tolist() == [50, 100]
    assert fused.history.scores.keys() == reference.history.scores.keys()
    for key, values in reference.history.scores.items():
        np.testing.assert_allclose(fused.history.scores[key], values, rtol=1e-8, atol=1e-10, err_msg=key)
    np.testing.assert_array_equal(fused.history.labels, reference.history.labels)
    np.testing.assert_allclose(fused.sample(100, seed=1), reference.sample(100, seed=1), rtol=1e-10)


def test_the_reference_losses_saturation_is_reproduced():
    # Scores far out: σ(s) rounds to exactly 0 or 1 in float32, nn.BCELoss's gradient is 0
    # there; the fused gradient must be 0 too (and equal elsewhere).
    loss = VanillaGAN(seed=0).config.loss
    c = loss_constants(4, device=torch.device("cpu"), dtype=torch.float32)
    scores = torch.tensor([[-120.0, 0.3, 40.0, 17.0, 120.0, -0.2, -40.0, -17.0]]).reshape(1, 8, 1)
    leaf = scores.clone().requires_grad_(True)
    loss.discriminator_loss(leaf[:, :4], leaf[:, 4:]).sum().backward()
    ours = LOSS_GRADIENTS[type(loss)].discriminator(loss, scores, c)
    torch.testing.assert_close(ours, leaf.grad, rtol=0, atol=0)
    # σ(-120) and σ(120) round to 0 and 1: a real point scored "fake" and a fake point
    # scored "real" with certainty teach nothing, exactly as in the reference program.
    assert ours[0, 0, 0] == 0 and ours[0, 4, 0] == 0
    fake = scores[:, 4:].clone().requires_grad_(True)  # the generator's side: 120, -0.2, -40, -17
    loss.generator_loss(fake).sum().backward()
    torch.testing.assert_close(LOSS_GRADIENTS[type(loss)].generator(loss, scores[:, 4:], c), fake.grad, rtol=0, atol=0)


# --- ensembles and single runs ------------------------------------------------------------


def test_ensemble_member_equals_the_single_run_with_its_seed():
    ensemble = train(VanillaGAN(seeds=[5, 9, 11], engine="fused-eager"), 150)
    single = train(VanillaGAN(seed=9, engine="fused-eager"), 150)
    # Same code path on CPU: bit for bit, in float32 too. Every fused operation treats each
    # member alone, in the same order and (rows padded to whole vectors) the same vector
    # lanes, and no product goes through a BLAS kernel that K selects.
    for net in ("generator", "discriminator"):
        stacked, alone = getattr(ensemble.trainer, net), getattr(single.trainer, net)
        for a, b in zip(stacked.parameters(), alone.parameters(), strict=True):
            np.testing.assert_array_equal(a[1].detach().numpy(), b[0].detach().numpy())
    np.testing.assert_array_equal(ensemble.history.d_loss[1], single.history.d_loss)
    np.testing.assert_array_equal(ensemble.history.g_loss[1], single.history.g_loss)
    # Sampling runs StackedMLP.forward, whose baddbmm rounds differently for K = 1 and K > 1.
    np.testing.assert_allclose(ensemble.sample(200)[1], single.sample(200), rtol=1e-6)


def final_ks(gan) -> np.ndarray:
    samples = gan.sample(1000, seed=0).reshape(gan.members, 1000)
    return np.array([scipy.stats.kstest(x, TARGET.cdf).statistic for x in samples])


def test_ensemble_outcomes_are_distributed_as_separate_runs():
    # Two-sample tests on the final KS statistic of 64 ensemble members (seeds 0..63) and
    # of 64 separate single runs (seeds 1000..1063), after 200 steps: Mann-Whitney U and
    # the two-sample KS test, each at level 0.005, so that under the null (same
    # distribution) this test fails for at most 1% of seed sets (union bound).
    steps = 200
    ensemble = final_ks(train(VanillaGAN(seeds=range(64)), steps))
    singles = np.concatenate([final_ks(train(VanillaGAN(seed=1000 + k), steps)) for k in range(64)])
    assert scipy.stats.mannwhitneyu(ensemble, singles).pvalue > 0.005
    assert scipy.stats.ks_2samp(ensemble, singles).pvalue > 0.005


# --- dispatch --------------------------------------------------------------------------


def test_auto_picks_fused_where_supported_and_autograd_elsewhere():
    assert VanillaGAN(seed=0).engine == "auto"
    gan = VanillaGAN(seed=0)
    gan.build(TARGET)
    assert gan.trainer.fused is not None
    custom = VanillaGAN(seed=0, generator=torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Linear(4, 1)))
    custom.build(TARGET)
    assert custom.trainer.fused is None
    dragan = MinimaxGAN(seed=0, penalties=(DRAGAN(),))
    dragan.build(TARGET)
    assert dragan.trainer.fused is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MinimaxGAN(seed=0, engine="fused", penalties=(DRAGAN(),)), r"penalty DRAGAN\(weight=10.0.*no hand-derived"),
        (
            lambda: WGANGP(seed=0, engine="fused", discriminator=MLPSpec(activation="tanh")),
            r"penalty GradientPenalty\(.*activation in \['leaky_relu', 'relu'\] and output 'identity'",
        ),
        (
            lambda: VanillaGAN(seed=0, engine="fused", discriminator=torch.nn.Linear(1, 1)),
            "the discriminator ModuleTemplate.*only MLPSpec",
        ),
        (
            lambda: VanillaGAN(seed=0, engine="fused-compiled", discriminator=MLPSpec(spectral_norm=True)),
            "the discriminator option MLPSpec.spectral_norm=True",
        ),
    ],
)
def test_fused_on_an_unsupported_setting_names_the_feature(make, message):
    with pytest.raises(ValueError, match=message):
        make().build(TARGET)


def test_unknown_engine_is_rejected():
    with pytest.raises(ValueError, match="engine must be one of 'auto', 'autograd', 'fused'.*got 'jit'"):
        VanillaGAN(seed=0, engine="jit")
    assert ENGINES[:3] == ("auto", "autograd", "fused")


def test_compile_pays_only_for_large_work():
    trainer = VanillaGAN(seed=0, engine="fused").build(TARGET)
    plan = trainer.fused.plan

    def with_members(k):
        return Plan(plan.config, k, plan.g_shapes, plan.d_shapes, plan.dtype, plan.device)

    assert not should_compile(with_members(1), 20_000)  # a single default run: eager
    assert should_compile(with_members(64), 20_000)  # VanillaGAN(seeds=range(64)).fit()
    assert not should_compile(with_members(64), 1_000)
    assert should_compile(with_members(1024), 2_000)


def test_networks_with_a_wide_layer_never_compile_on_the_cpu():
    # the compiled graph's broadcast products lose to eager BLAS on a 64 x 64 layer
    wide = MLPSpec(width=64, depth=2)
    plan = VanillaGAN(seeds=range(64), generator=wide, discriminator=wide, engine="fused").build(TARGET).fused.plan
    assert not should_compile(plan, 1_000_000)
    narrow = MLPSpec(width=32, depth=2)
    plan = VanillaGAN(seeds=range(64), generator=narrow, discriminator=narrow, engine="fused").build(TARGET).fused.plan
    assert should_compile(plan, 20_000)
    cuda = Plan(plan.config, 64, ((2, 128), (1, 128), (128, 128)), plan.d_shapes, plan.dtype, torch.device("cuda"))
    assert should_compile(cuda, 20_000)  # measured on the CPU only: the cost model decides there


def test_default_test_runs_never_compile():
    gan = train(VanillaGAN(seeds=range(8)), 300)
    assert gan.trainer.fused is not None and not gan.trainer.fused.compiled


def test_the_networks_are_views_of_the_fused_buffers():
    gan = train(VanillaGAN(seeds=[0, 1], ema_decay=0.5), 20)
    fused = gan.trainer.fused
    g_flat, d_flat, ema_flat = fused.buffers
    first = gan.trainer.generator.weights[0]
    assert first.data_ptr() == g_flat.data_ptr()
    assert gan.trainer.discriminator.weights[0].data_ptr() == d_flat.data_ptr()
    assert gan.trainer.generator_average.weights[0].data_ptr() == ema_flat.data_ptr()
    member = gan.trainer.generator.member(1)
    torch.testing.assert_close(member[0].weight.T, first[1])


def test_a_failed_compilation_falls_back_to_eager_unless_compilation_was_asked_for(monkeypatch):
    def no_compiler(plan):
        raise RuntimeError("no C++ compiler")

    monkeypatch.setattr(fused_module, "compiled_step", no_compiler)
    monkeypatch.setattr(fused_module, "compiled_run", no_compiler)
    trainer = VanillaGAN(seeds=[0, 1], engine="fused").build(TARGET)
    trainer.fused.compiled = True  # as if should_compile had chosen to compile
    with pytest.warns(UserWarning, match="torch.compile failed, training eagerly instead: no C.. compiler"):
        trainer.step(*trainer.batches.batches(0))
    assert not trainer.fused.compiled and trainer.step_count == 1
    spans = VanillaGAN(seeds=[0, 1], engine="fused").build(TARGET)
    spans.fused.compiled = True
    with pytest.warns(UserWarning, match="training eagerly instead"):
        d_loss, g_loss = spans.fused.run(spans.batches, 0, 5)
    assert d_loss.shape == g_loss.shape == (5, 2) and not spans.fused.compiled
    forced = VanillaGAN(seeds=[0, 1], engine="fused-compiled").build(TARGET)
    with pytest.raises(RuntimeError, match="no C.. compiler"):
        forced.step(*forced.batches.batches(0))


def test_make_engine_respects_autograd():
    trainer = VanillaGAN(seed=0, engine="autograd").build(TARGET)
    assert trainer.fused is None and make_engine("autograd", trainer) is None


# --- the batch stream --------------------------------------------------------------------


def test_batches_are_each_members_own_stream():
    seeds, steps = [3, 8], [0, 5, CHUNK_STEPS + 2]
    batches = TrainingBatches(seeds, TARGET, batch_size=4, latent_dim=2, n_critic=2,
                              device=torch.device("cpu"), dtype=torch.float64)  # fmt: skip
    for step in steps:
        real, noise_d, noise_g, uniform = batches.batches(step)
        assert uniform.shape == (2, 2, 0)  # no penalty, no numbers
        assert real.shape == (2, 2, 4, 1) and noise_d.shape == (2, 2, 4, 2) and noise_g.shape == (2, 4, 2)
        chunk, offset = divmod(step, CHUNK_STEPS)
        for k, seed in enumerate(seeds):
            data = TARGET.sample(CHUNK_STEPS * 2 * 4, numpy_rng(seed, Stream.DATA, chunk)).reshape(CHUNK_STEPS, 2, 4, 1)
            noise = numpy_rng(seed, Stream.NOISE, chunk).standard_normal((CHUNK_STEPS, 3, 4, 2))
            np.testing.assert_array_equal(real[:, k].numpy(), data[offset])
            np.testing.assert_array_equal(noise_d[:, k].numpy(), noise[offset, :2])
            np.testing.assert_array_equal(noise_g[k].numpy(), noise[offset, 2])


# --- the compiled step (seconds of compilation each: slow) -------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: VanillaGAN(seeds=[0, 1], dtype=torch.float64, **kw),
        lambda **kw: WGAN(seeds=[0, 1], dtype=torch.float64, ema_decay=0.9, lr_decay=LRDecay(steps=200), **kw),
        # the penalty's numbers enter the compiled loop as a chunk of their own
        lambda **kw: WGANGP(seeds=[0, 1], dtype=torch.float64, penalties=(GradientPenalty(), R1(gamma=1.0)), **kw),
    ],
    ids=["vanilla", "wgan+ema+lr-decay", "wgan-gp+r1"],
)
def test_compiled_step_equals_eager_step(make):
    compiled = train(make(engine="fused-compiled"), CHUNK_STEPS + 20)  # crosses a chunk boundary
    eager = train(make(engine="fused-eager"), CHUNK_STEPS + 20)
    assert compiled.trainer.fused.compiled and not eager.trainer.fused.compiled
    assert_same_training(compiled, eager, **tolerance(compiled.config))


@pytest.mark.slow
def test_compiled_spans_equal_eager_steps_across_chunks_and_checks():
    # Spans of 100 steps (between checks) cut across the 128-step chunks of batches.
    make = lambda engine: VanillaGAN(seeds=[0, 1], dtype=torch.float64, ema_decay=0.5, engine=engine)  # noqa: E731
    compiled = train(make("fused-compiled"), 300, eval_every=100, eval_samples=300)
    eager = train(make("fused-eager"), 300, eval_every=100, eval_samples=300)
    assert compiled.trainer.fused.runs_spans
    assert_same_training(compiled, eager, rtol=1e-10, atol=1e-12)
    for key, values in eager.history.scores.items():
        np.testing.assert_allclose(compiled.history.scores[key], values, rtol=1e-8, atol=1e-10, err_msg=key)


def _fresh_compilation_counters():
    """Dynamo's counters, cleared, with no compiled function left from earlier tests
    (whose graphs this process would reuse, compiling nothing new)."""
    from torch._dynamo.utils import counters

    _compile._COMPILED.clear()
    torch._dynamo.reset()
    counters.clear()
    return counters


@pytest.mark.slow
def test_compiled_spans_are_one_graph_compiled_once():
    counters = _fresh_compilation_counters()
    gan = train(VanillaGAN(seeds=range(3), engine="fused-compiled"), 2 * CHUNK_STEPS + 7, eval_every=50)
    train(gan, 33)  # other offsets and lengths, same graph
    assert counters["stats"]["unique_graphs"] == 1


@pytest.mark.slow
def test_compiled_step_is_one_graph_compiled_once():
    counters = _fresh_compilation_counters()
    gan = train(VanillaGAN(seeds=range(3), engine="fused-compiled", lr_decay=LRDecay()), CHUNK_STEPS + 5)
    train(gan, 10)  # a second fit reuses the graph
    assert counters["stats"]["unique_graphs"] == 1
    assert sum(counters["recompiles"].values()) == 0 if "recompiles" in counters else True


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("engine", ["fused-eager", "fused-compiled", "autograd"])
def test_cuda_matches_cpu(engine):
    cpu = train(VanillaGAN(seeds=[0, 1], dtype=torch.float64, engine=engine), 30)
    cuda = train(VanillaGAN(seeds=[0, 1], dtype=torch.float64, engine=engine, device="cuda"), 30)
    for a, b in zip(state(cuda), state(cpu), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
