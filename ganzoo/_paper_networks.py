"""Networks of the literature's toy experiments that an MLPSpec cannot describe.

PacGAN's (Lin et al. 2018; the authors' ``synthetic_data_experiments/*/pacgan_task.py`` in
fjxmlzn/PacGAN) generator with batch normalization and discriminator of maxout units, with
weights drawn N(0, ``init_std``²) and biases 0, as the authors' ``IsotropicGaussian(0.02)``
/ ``Constant(0)``. Both train on the autograd path: the maxout discriminator through
:class:`ganzoo._networks.ModuleEnsemble` (``torch.func.vmap``), the batch-norm generator
through :class:`StackedBatchNormMLP`, which keeps each member's population statistics
(buffers that ``vmap`` cannot update in place).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
from torch import nn

from ._networks import NetworkSpec
from ._validation import check_float, check_int


def _normal_linear(fan_in: int, fan_out: int, *, std: float, bias: bool, generator: torch.Generator) -> nn.Linear:
    """An ``nn.Linear`` with N(0, std²) weights and zero biases, drawn from ``generator``."""
    linear = nn.Linear(fan_in, fan_out, bias=bias, device="meta").to_empty(device="cpu")
    with torch.no_grad():
        linear.weight.normal_(0.0, std, generator=generator)
        if bias:
            linear.bias.zero_()
    return linear


def blocks_batch_norm(
    h: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    mean: torch.Tensor,
    stdev: torch.Tensor,
    *,
    training: bool,
    eps: float,
    momentum: float,
    groups: int = 1,
) -> torch.Tensor:
    r"""Batch normalization of ``h (..., n, width)`` over its batch axis (-2), as Blocks
    computes it (``blocks.bricks.bn.BatchNormalization``, used by the PacGAN code).

    In training, :math:`y = \gamma (h - \mu_B) / \sigma_B + \beta` with the batch's
    :math:`\mu_B` and :math:`\sigma_B = \sqrt{\overline{(h - \mu_B)^2} + \epsilon}`
    (the biased variance). With ``groups`` g > 1 the batch is g batches, sample i in batch
    i mod g, each normalized by its own statistics: the m generator batches of a packed
    PacGAN step, whose i-th samples form pack i (:func:`ganzoo.remedies.pack`).

    When gradients are being taken (the generator's own step, not the critic's look at
    detached samples) the population statistics move towards the batch's (averaged over
    the groups, as the authors merge their m updates, ``pacgan_task.py`` L119-139):
    :math:`\mu \leftarrow (1 - \alpha)\mu + \alpha\mu_B`,
    :math:`\sigma \leftarrow (1 - \alpha)\sigma + \alpha\sigma_B`, α = ``momentum``
    (the authors' ``m * 0.05 + p * 0.95``; Blocks averages the standard deviation, not the
    variance). In evaluation mode (sampling), :math:`y = \gamma (h - \mu) / \sigma + \beta`.
    ``mean`` and ``stdev`` (the population buffers, broadcastable against ``(..., 1,
    width)``) are updated in place.
    """
    if not training:
        return weight * (h - mean) / stdev + bias
    if h.shape[-2] % groups:
        raise ValueError(f"batch norm over {groups} interleaved batches needs a batch divisible by {groups}, got {h.shape[-2]}")
    grouped = h.unflatten(-2, (h.shape[-2] // groups, groups))  # (..., n / g, g, width)
    batch_mean = grouped.mean(dim=-3, keepdim=True)
    batch_stdev = ((grouped - batch_mean).square().mean(dim=-3, keepdim=True) + eps).sqrt()
    if torch.is_grad_enabled():
        with torch.no_grad():
            mean.lerp_(batch_mean.mean(dim=-2).reshape(mean.shape), momentum)
            stdev.lerp_(batch_stdev.mean(dim=-2).reshape(stdev.shape), momentum)
    return weight * ((grouped - batch_mean) / batch_stdev).flatten(-3, -2) + bias


class BlocksBatchNorm(nn.Module):
    """One member's batch normalization of ``width`` features (:func:`blocks_batch_norm`):
    a learned scale (1 at the start) and shift (0), population mean 0 and stdev 1 at the
    start, as in Blocks."""

    def __init__(self, width: int, *, eps: float, momentum: float) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width))
        self.register_buffer("population_mean", torch.zeros(width))
        self.register_buffer("population_stdev", torch.ones(width))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return blocks_batch_norm(
            h, self.weight, self.bias, self.population_mean, self.population_stdev,
            training=self.training, eps=self.eps, momentum=self.momentum,
        )  # fmt: skip


@dataclasses.dataclass(frozen=True, kw_only=True)
class BatchNormMLPSpec(NetworkSpec):
    """``depth`` hidden layers of ``width`` units, each ``Linear`` (no bias) → batch norm → ReLU,
    then a linear output layer: PacGAN's generator (``width=400, depth=4``, ``pacgan_task.py``
    L43-59; Blocks' batch norm, ε = 1e-4, population statistics averaged with
    ``momentum`` 0.05, L139: see :func:`blocks_batch_norm`).

    Training normalizes by each step's batch statistics; sampling (``GAN.sample``, every
    check and score) by the population statistics, as the authors sample.
    """

    width: int = 400
    depth: int = 4
    init_std: float = 0.02
    eps: float = 1e-4
    momentum: float = 0.05

    def __post_init__(self) -> None:
        check_int("width", self.width, minimum=1)
        check_int("depth", self.depth, minimum=1)
        check_float("init_std", self.init_std, positive=True)
        check_float("eps", self.eps, positive=True)
        check_float("momentum", self.momentum, positive=True, at_most=1.0)

    def build(self, in_features: int, out_features: int, *, generator: torch.Generator) -> nn.Sequential:
        layers: list[nn.Module] = []
        fan_in = in_features
        for _ in range(self.depth):
            layers.append(_normal_linear(fan_in, self.width, std=self.init_std, bias=False, generator=generator))
            layers.append(BlocksBatchNorm(self.width, eps=self.eps, momentum=self.momentum))
            layers.append(nn.ReLU())
            fan_in = self.width
        layers.append(_normal_linear(fan_in, out_features, std=self.init_std, bias=True, generator=generator))
        return nn.Sequential(*layers)

    def ensemble(self, members: Sequence[nn.Module]) -> nn.Module:
        return StackedBatchNormMLP(members, self)

    def to_dict(self) -> dict[str, object]:
        return {"kind": "batchnorm-mlp", **dataclasses.asdict(self)}


class StackedBatchNormMLP(nn.Module):
    """K members of a :class:`BatchNormMLPSpec`, weights stacked ``(K, in, out)`` and run with
    one ``bmm`` per layer; each member's batch norm (:func:`blocks_batch_norm`) normalizes
    over its own batch and keeps its own population statistics, buffers ``(K, 1, width)``.
    Member k computes what its own ``build`` module computes.

    ``pack_slots`` (set by the trainer to the setting's packing m) makes each training batch
    m interleaved batches for the statistics, as PacGAN generates the m samples of its packs
    from m separate batches.
    """

    pack_slots: int = 1

    def __init__(self, members: Sequence[nn.Sequential], spec: BatchNormMLPSpec) -> None:
        super().__init__()
        self.spec = spec
        linears = [[m for m in member if isinstance(m, nn.Linear)] for member in members]
        norms = [[m for m in member if isinstance(m, BlocksBatchNorm)] for member in members]

        def stacked(tensors) -> torch.Tensor:
            return torch.stack([t.detach() for t in tensors]).contiguous()

        self.weights = nn.ParameterList(
            nn.Parameter(stacked(layers[i].weight.T for layers in linears)) for i in range(spec.depth + 1)
        )
        self.output_bias = nn.Parameter(stacked(layers[-1].bias[None, :] for layers in linears))
        self.scales = nn.ParameterList(nn.Parameter(stacked(n[i].weight[None, :] for n in norms)) for i in range(spec.depth))
        self.shifts = nn.ParameterList(nn.Parameter(stacked(n[i].bias[None, :] for n in norms)) for i in range(spec.depth))
        for i in range(spec.depth):
            self.register_buffer(f"population_mean_{i}", stacked(n[i].population_mean[None, :] for n in norms))
            self.register_buffer(f"population_stdev_{i}", stacked(n[i].population_stdev[None, :] for n in norms))

    @property
    def members(self) -> int:
        return self.weights[0].shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        spec = self.spec
        for i in range(spec.depth):
            h = torch.bmm(x, self.weights[i])
            h = blocks_batch_norm(
                h, self.scales[i], self.shifts[i], getattr(self, f"population_mean_{i}"),
                getattr(self, f"population_stdev_{i}"), training=self.training, eps=spec.eps, momentum=spec.momentum,
                groups=self.pack_slots,
            )  # fmt: skip
            x = torch.relu(h)
        return torch.baddbmm(self.output_bias, x, self.weights[-1])


class Maxout(nn.Module):
    """A maxout layer (Goodfellow et al. 2013): ``width`` units, each the max of ``pieces`` affine maps."""

    def __init__(self, linear: nn.Linear, pieces: int) -> None:
        super().__init__()
        self.linear, self.pieces = linear, pieces

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(x)
        return out.unflatten(-1, (out.shape[-1] // self.pieces, self.pieces)).amax(dim=-1)


@dataclasses.dataclass(frozen=True, kw_only=True)
class MaxoutMLPSpec(NetworkSpec):
    """``depth`` maxout layers of ``width`` units × ``pieces`` pieces, then a linear output
    layer: PacGAN's discriminator (``width=200, depth=3, pieces=5``, ``pacgan_task.py`` L61-90;
    no batch norm, dropout off)."""

    width: int = 200
    depth: int = 3
    pieces: int = 5
    init_std: float = 0.02

    def __post_init__(self) -> None:
        check_int("width", self.width, minimum=1)
        check_int("depth", self.depth, minimum=1)
        check_int("pieces", self.pieces, minimum=1)
        check_float("init_std", self.init_std, positive=True)

    def build(self, in_features: int, out_features: int, *, generator: torch.Generator) -> nn.Sequential:
        layers: list[nn.Module] = []
        fan_in = in_features
        for _ in range(self.depth):
            linear = _normal_linear(fan_in, self.width * self.pieces, std=self.init_std, bias=True, generator=generator)
            layers.append(Maxout(linear, self.pieces))
            fan_in = self.width
        layers.append(_normal_linear(fan_in, out_features, std=self.init_std, bias=True, generator=generator))
        return nn.Sequential(*layers)

    def to_dict(self) -> dict[str, object]:
        return {"kind": "maxout-mlp", **dataclasses.asdict(self)}


PAPER_NETWORKS: dict[str, NetworkSpec] = {
    "pacgan-generator": BatchNormMLPSpec(),
    "pacgan-maxout": MaxoutMLPSpec(),
}
"""Named networks of the literature's toy experiments (the settings' ``g_network`` /
``d_network`` keys also take the names of :data:`ganzoo.MLP_PRESETS`)."""
