"""PacGAN's networks: maxout units, and Blocks' batch norm with population statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from evaluation import literature_mode_metrics
from ganzoo import NonSaturatingGAN
from ganzoo._networks import build_ensemble
from ganzoo._paper_networks import BatchNormMLPSpec, Maxout, MaxoutMLPSpec, StackedBatchNormMLP, blocks_batch_norm

F64 = torch.float64


def test_maxout_takes_the_largest_piece_of_normal_initialized_weights():
    generator = torch.Generator().manual_seed(0)
    net = MaxoutMLPSpec(width=3, depth=1, pieces=4).build(2, 1, generator=generator)
    x = torch.randn(5, 2, generator=generator)
    layer = net[0]
    assert isinstance(layer, Maxout)
    expected = (x @ layer.linear.weight.T + layer.linear.bias).reshape(5, 3, 4).max(dim=-1).values
    torch.testing.assert_close(layer(x), expected, rtol=0, atol=0)
    weights = torch.cat([p.detach().reshape(-1) for n, p in net.named_parameters() if n.endswith("weight")])
    assert weights.std().item() == pytest.approx(0.02, rel=0.3)  # N(0, 0.02²), the authors' IsotropicGaussian


def test_batch_norm_is_blocks_formula_in_training_and_by_population_in_evaluation():
    """Training: (h − mean) / sqrt(biased var + ε), population stats moved 5 % towards the
    batch's (the standard deviation averaged, not the variance) only while gradients are
    taken; evaluation: (h − population mean) / population stdev."""
    h = torch.tensor([[1.0, -2.0], [3.0, 0.0], [2.0, 4.0]], dtype=F64)
    weight, bias = torch.tensor([2.0, 0.5], dtype=F64), torch.tensor([0.1, -0.3], dtype=F64)
    mean, stdev = torch.zeros(2, dtype=F64), torch.ones(2, dtype=F64)
    eps, alpha = 1e-4, 0.05
    data = h.numpy()
    mu, sd = data.mean(0), np.sqrt(data.var(0) + eps)  # numpy's var is the biased one
    with torch.no_grad():  # the critic's look at detached samples: batch statistics, no update
        out = blocks_batch_norm(h, weight, bias, mean, stdev, training=True, eps=eps, momentum=alpha)
    np.testing.assert_allclose(out.numpy(), weight.numpy() * (data - mu) / sd + bias.numpy(), rtol=1e-14)
    assert mean.tolist() == [0.0, 0.0] and stdev.tolist() == [1.0, 1.0]
    blocks_batch_norm(h, weight, bias, mean, stdev, training=True, eps=eps, momentum=alpha)
    np.testing.assert_allclose(mean.numpy(), alpha * mu, rtol=1e-14)
    np.testing.assert_allclose(stdev.numpy(), (1 - alpha) + alpha * sd, rtol=1e-14)
    out = blocks_batch_norm(h, weight, bias, mean, stdev, training=False, eps=eps, momentum=alpha)
    expected = weight.numpy() * (data - mean.numpy()) / stdev.numpy() + bias.numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14)


def test_interleaved_groups_are_normalized_apart_and_their_updates_averaged():
    """groups=2: samples 0, 2, 4, ... and 1, 3, 5, ... are two batches (PacGAN's two generator
    batches, whose i-th samples make pack i); the population moves to their mean statistics."""
    h = torch.randn(8, 3, dtype=F64, generator=torch.Generator().manual_seed(1))
    ones, zeros = torch.ones(3, dtype=F64), torch.zeros(3, dtype=F64)
    mean, stdev = zeros.clone(), ones.clone()
    out = blocks_batch_norm(h, ones, zeros, mean, stdev, training=True, eps=1e-4, momentum=0.5, groups=2)
    batch_means, batch_stdevs = [], []
    for slot in range(2):
        alone_mean, alone_stdev = zeros.clone(), ones.clone()
        alone = blocks_batch_norm(h[slot::2], ones, zeros, alone_mean, alone_stdev, training=True, eps=1e-4, momentum=1.0)
        torch.testing.assert_close(out[slot::2], alone, rtol=1e-14, atol=1e-14)
        batch_means.append(alone_mean), batch_stdevs.append(alone_stdev)
    torch.testing.assert_close(mean, 0.5 * (batch_means[0] + batch_means[1]) / 2, rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(stdev, 0.5 + 0.5 * (batch_stdevs[0] + batch_stdevs[1]) / 2, rtol=1e-14, atol=1e-15)
    with pytest.raises(ValueError, match="divisible by 3, got 8"):
        blocks_batch_norm(h, ones, zeros, mean, stdev, training=True, eps=1e-4, momentum=0.5, groups=3)


def test_the_stacked_generator_equals_its_members_in_both_modes():
    spec = BatchNormMLPSpec(width=6, depth=2)
    net = build_ensemble(spec, 2, 2, [torch.Generator().manual_seed(s) for s in (0, 1, 2)], name="generator", device="cpu", dtype=F64)
    assert isinstance(net, StackedBatchNormMLP)
    members = [spec.build(2, 2, generator=torch.Generator().manual_seed(s)).double() for s in (0, 1, 2)]
    x = torch.randn(3, 10, 2, dtype=F64, generator=torch.Generator().manual_seed(4))
    for _ in range(2):  # training steps: batch statistics, population updated
        out = net(x)
        for k in range(3):
            torch.testing.assert_close(members[k](x[k]), out[k], rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(net.population_stdev_1[2, 0], members[2][4].population_stdev, rtol=1e-12, atol=1e-14)
    net.eval()
    out = net(x)
    for k in range(3):
        torch.testing.assert_close(members[k].eval()(x[k]), out[k], rtol=1e-12, atol=1e-14)


def test_a_packed_pacgan_samples_by_population_and_trains_each_pack_slot_as_its_own_batch():
    options = dict(
        generator=BatchNormMLPSpec(width=8, depth=2), discriminator=MaxoutMLPSpec(width=4, depth=2, pieces=3),
        latent_dim=2, packing=3, updates="simultaneous", batch_size=16, dtype=F64,
    )  # fmt: skip
    gan = NonSaturatingGAN(seeds=[3, 5], **options)
    gan.fit("ring", steps=5, eval_every=5, progress=False)
    assert gan.trainer.generator.pack_slots == 3
    assert not torch.equal(gan.trainer.generator.population_mean_0, torch.zeros_like(gan.trainer.generator.population_mean_0))
    # By population statistics, a sample does not depend on the others drawn with it.
    noise = torch.as_tensor(np.random.default_rng(0).standard_normal((2, 6, 2)))
    np.testing.assert_allclose(gan.trainer.generate(noise[:, :2]), gan.trainer.generate(noise)[:, :2], rtol=1e-12, atol=1e-14)
    assert gan.trainer.generator.training  # sampling left the training mode as it was
    alone = NonSaturatingGAN(seed=5, **options)
    alone.fit("ring", steps=5, eval_every=5, progress=False)
    np.testing.assert_allclose(gan.sample(20, seed=1)[1], alone.sample(20, seed=1), rtol=1e-12, atol=1e-12)
    assert literature_mode_metrics(alone.sample(100, seed=1), "ring").n_modes == 8
