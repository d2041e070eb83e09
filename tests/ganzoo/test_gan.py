"""The GAN API: seeds and determinism, ensembles, sampling, histories, bad input."""

import dataclasses
import inspect

import numpy as np
import pytest
import torch

from evaluation import Gaussian
from ganzoo import GAN, Adam, GANConfig, HingeLoss, MLPSpec, ModuleTemplate, NonSaturatingLoss, VanillaGAN
from ganzoo.engine._support import IMPLEMENTED_CONFIG_FIELDS

SHORT = 60  # generator steps: enough to move every weight, cheap enough to repeat


def parameters(gan):
    return [p.detach().clone() for p in gan.trainer.generator.parameters()] + [
        p.detach().clone() for p in gan.trainer.discriminator.parameters()
    ]


def test_defaults_are_the_reference_program():
    config = VanillaGAN(seed=0).config
    assert config.generator == MLPSpec(width=16, depth=1, activation="relu")
    assert config.discriminator == MLPSpec(width=16, depth=1, activation="relu")
    assert config.g_optimizer == Adam(lr=0.01, betas=(0.9, 0.999))
    assert config.d_optimizer == Adam(lr=0.01, betas=(0.9, 0.999))
    assert (config.batch_size, config.latent_dim, config.n_critic, config.steps) == (64, 1, 1, 20_000)
    assert config.ema_decay == 0.0 and config.penalties == () and config.constraints == ()


def test_same_seed_gives_bit_identical_runs():
    runs = []
    for _ in range(2):
        gan = VanillaGAN(seed=3)
        history = gan.fit(steps=SHORT, eval_every=30)
        runs.append((parameters(gan), history, gan.sample(500)))
    (p1, h1, x1), (p2, h2, x2) = runs
    assert all(torch.equal(a, b) for a, b in zip(p1, p2))
    np.testing.assert_array_equal(h1.d_loss, h2.d_loss)
    np.testing.assert_array_equal(x1, x2)


def test_different_seeds_differ():
    a, b = VanillaGAN(seed=0), VanillaGAN(seed=1)
    a.fit(steps=5, eval_every=0)
    b.fit(steps=5, eval_every=0)
    assert not np.array_equal(a.sample(100), b.sample(100))


def test_training_leaves_global_rngs_alone():
    torch.manual_seed(123)
    np.random.seed(123)
    expected_torch, expected_numpy = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    gan = VanillaGAN(seed=0)
    gan.fit(steps=5, eval_every=5)
    gan.sample(10)
    assert torch.equal(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_numpy)


def test_ensemble_member_equals_the_single_run_with_its_seed():
    ensemble = VanillaGAN(seeds=[4, 7, 9], dtype=torch.float64)
    ensemble.fit(steps=100, eval_every=50)
    single = VanillaGAN(seed=7, dtype=torch.float64)
    single.fit(steps=100, eval_every=50)
    for stacked, alone in zip(ensemble.trainer.generator.parameters(), single.trainer.generator.parameters()):
        np.testing.assert_allclose(stacked[1].detach().numpy(), alone[0].detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ensemble.history.d_loss[1], single.history.d_loss, rtol=1e-12)
    np.testing.assert_allclose(ensemble.sample(200)[1], single.sample(200), rtol=1e-12)


def test_shapes_of_samples_scores_and_histories():
    gan = VanillaGAN(seed=0)
    history = gan.fit(Gaussian(4, 1.25), steps=40, eval_every=20, eval_samples=300)
    assert gan.sample(1000).shape == (1000, 1)
    assert gan.discriminate(np.zeros((5, 1))).shape == (5,)
    assert history.d_loss.shape == history.g_loss.shape == (40,)
    assert history.eval_steps.tolist() == [20, 40]
    assert history.scores["ks_statistic"].shape == (2,)
    assert np.isfinite(history.d_loss).all()

    ensemble = VanillaGAN(seeds=range(3))
    record = ensemble.fit(steps=20, eval_every=10, eval_samples=300)
    assert ensemble.sample(50).shape == (3, 50, 1)
    assert record.scores["wasserstein"].shape == (3, 2)
    assert ensemble.discriminate(np.zeros((5, 1))).shape == (3, 5)


def test_fit_continues_training_and_history_accumulates():
    gan = VanillaGAN(seed=0)
    gan.fit(steps=20, eval_every=10, eval_samples=200)
    gan.fit(steps=30, eval_every=10, eval_samples=200)
    assert gan.history.steps == 50
    assert gan.history.eval_steps.tolist() == [10, 20, 30, 40, 50]
    once = VanillaGAN(seed=0)
    once.fit(steps=50, eval_every=0)
    np.testing.assert_array_equal(gan.history.d_loss, once.history.d_loss)


def test_sample_stream_is_reproducible_and_fresh_per_call():
    gan = VanillaGAN(seed=0)
    gan.fit(steps=5, eval_every=0)
    first, second = gan.sample(100), gan.sample(100)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(gan.sample(100, seed=5), gan.sample(100, seed=5))


def test_custom_modules_take_the_generic_path():
    generator = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    gan = VanillaGAN(seeds=[0, 1], generator=generator)
    gan.fit(steps=10, eval_every=0)
    assert gan.sample(20).shape == (2, 20, 1)
    first, second = [p for p in gan.trainer.generator.parameters()][0]
    assert not torch.equal(first, second)  # members re-initialized from their own seeds


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
        ({"batch_size": 2.5}, "batch_size must be an integer, got 2.5"),
        ({"n_critic": -1}, "n_critic must be >= 1, got -1"),
        ({"latent_dim": 0}, "latent_dim must be >= 1, got 0"),
        ({"ema_decay": 1.0}, "ema_decay must be < 1.0, got 1.0"),
        ({"steps": 0}, "steps must be >= 1, got 0"),
        ({"seed": -3}, "seed must be >= 0, got -3"),
        ({"seed": 1, "seeds": [1, 2]}, "give seed or seeds, not both"),
        ({"seeds": []}, "seeds must hold at least one seed"),
        ({"seeds": [1, 1]}, "seeds must be distinct"),
        ({"loss": "bce"}, "loss must be a ganzoo.losses.Loss"),
        ({"generator": 3}, "generator must be a NetworkSpec"),
        ({"dtype": torch.int64}, "dtype must be torch.float32 or torch.float64"),
    ],
)
def test_bad_hyperparameters_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")):
        VanillaGAN(**({"seed": 0} | kwargs) if "seeds" not in kwargs else kwargs)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Adam(lr=-0.1), "lr must be > 0, got -0.1"),
        (lambda: Adam(lr=float("nan")), "lr must be finite, got nan"),
        (lambda: Adam(betas=(0.9, 1.5)), r"betas\[1\] must be < 1.0, got 1.5"),
        (lambda: MLPSpec(width=0), "width must be >= 1, got 0"),
        (lambda: MLPSpec(activation="swish"), "activation must be one of"),
        (lambda: MLPSpec(orthogonal_gain=0.0), "orthogonal_gain must be > 0, got 0.0"),
    ],
)
def test_bad_settings_are_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_orthogonal_initialization_scales_orthonormal_weights_and_zeroes_biases():
    spec = MLPSpec(width=6, depth=2, orthogonal_gain=1.4)
    net = spec.build(3, 2, generator=torch.Generator().manual_seed(0))
    for layer in (m for m in net if isinstance(m, torch.nn.Linear)):
        w = layer.weight.detach().double()  # (out, in): orthonormal rows or columns, times the gain
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        torch.testing.assert_close(gram, 1.96 * torch.eye(min(w.shape), dtype=torch.float64), rtol=0, atol=1e-5)
        assert not layer.bias.detach().any()
    again = spec.build(3, 2, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters()))  # drawn from the generator
    assert "orthogonal_gain" not in MLPSpec().to_dict() and spec.to_dict()["orthogonal_gain"] == 1.4


def test_network_with_wrong_output_shape_is_rejected_at_build():
    wrong = torch.nn.Linear(1, 3)
    gan = VanillaGAN(seed=0, discriminator=wrong)
    with pytest.raises(ValueError, match=r"discriminator must map \(batch, 1\) to \(batch, 1\).*\(2, 3\)"):
        gan.build()


def test_fit_and_sample_reject_bad_arguments():
    gan = VanillaGAN(seed=0)
    with pytest.raises(RuntimeError, match="call fit"):
        gan.sample(10)
    with pytest.raises(ValueError, match="steps must be >= 1, got -5"):
        gan.fit(steps=-5)
    with pytest.raises(TypeError, match="target must be a target"):
        gan.fit(object())
    gan.fit(steps=2, eval_every=0)
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        gan.sample(0)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 1\), got \(3,\)"):
        gan.discriminate(np.zeros(3))


@pytest.mark.parametrize("engine", ["autograd", "fused-eager"])
def test_a_progress_callable_gets_every_step(engine):
    counts: list[int] = []
    gan = VanillaGAN(seeds=[0, 1], engine=engine)
    gan.fit(steps=70, eval_every=30, eval_samples=100, progress=counts.append)
    assert sum(counts) == 70 and all(c > 0 for c in counts)
    with pytest.raises(TypeError, match="progress must be True, False, None or a callable .*got 'yes'"):
        gan.fit(steps=5, progress="yes")


def test_gan_keywords_are_the_config_fields_and_the_fused_check_names_only_those():
    """One list: GANConfig's fields are GAN's hyperparameter keywords (typed, keyword-only,
    None = the variant's default), and the fused engine's option check names no other."""
    parameters = inspect.signature(GAN.__init__).parameters
    fields = [field.name for field in dataclasses.fields(GANConfig)]
    assert [name for name in parameters if name != "self"] == ["seed", "seeds", *fields, "device", "dtype", "engine"]
    for name in fields:
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY and parameters[name].default is None
    assert IMPLEMENTED_CONFIG_FIELDS <= set(fields)


def test_the_base_class_trains_with_generic_defaults():
    """ganzoo.GAN without a variant: the non-saturating loss and GANConfig's own defaults."""
    assert GAN.defaults == GANConfig(loss=NonSaturatingLoss())
    g = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    d = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    gan = GAN(seed=0, loss=HingeLoss(), generator=g, discriminator=d)
    history = gan.fit(steps=20, eval_every=20, progress=False)
    assert gan.config.loss == HingeLoss() and gan.config.g_optimizer == Adam()
    assert np.isfinite(history.g_loss).all() and history.labels.shape == (1,)
    assert GAN(seed=1).fit(steps=5, eval_every=0, progress=False).g_loss.shape == (5,)


def test_a_module_template_resets_each_member_or_keeps_the_given_weights():
    module = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    weight = module[0].weight.detach().clone()
    kept = GAN(seeds=[0, 1], generator=ModuleTemplate(module, init="keep")).build()
    reset = GAN(seeds=[0, 1], generator=module).build()
    stacked_kept, stacked_reset = kept.generator.stacked[0], reset.generator.stacked[0]
    assert torch.equal(stacked_kept[0], weight) and torch.equal(stacked_kept[1], weight)
    assert not torch.equal(stacked_reset[0], weight) and not torch.equal(stacked_reset[0], stacked_reset[1])
    assert torch.equal(module[0].weight, weight)  # the template itself is never touched
    with pytest.raises(ValueError, match="init must be one of 'reset', 'keep'; got 'zero'"):
        ModuleTemplate(module, init="zero")


def test_losses_keep_the_training_dtype_and_their_window_means_are_taken_in_float64():
    """The record holds the losses as computed (float32 by default: no float64 copy of a
    1,024-member history), and the stored window means are the float64 means of those values."""
    from ganzoo._history import History, window_means

    history = VanillaGAN(seeds=[0, 1]).fit(steps=9000, eval_every=9000, progress=False)  # a window past numpy's 8,192-element buffer
    assert history.d_loss.dtype == history.g_loss.dtype == np.float32
    as_double = history.d_loss.T.astype(np.float64).T[1]  # the former record: a strided float64 row
    edges = [0, *history.eval_steps]
    expected = [float(np.mean(as_double[a:b])) for a, b in zip(edges[:-1], edges[1:])]
    assert window_means(history.d_loss[1], history.eval_steps) == expected
    again = History.from_dict(history.to_dict())
    np.testing.assert_array_equal(again.d_loss, history.d_loss)  # the same values, read back as float64
    assert VanillaGAN(seed=0, dtype=torch.float64).fit(steps=10, eval_every=0, progress=False).d_loss.dtype == np.float64
