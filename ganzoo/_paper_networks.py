"""Networks of the literature's toy experiments that an MLPSpec cannot describe.

PacGAN's (Lin et al. 2018; the authors' ``synthetic_data_experiments/*/pacgan_task.py`` in
fjxmlzn/PacGAN) generator with batch normalization and discriminator of maxout units. Both
build ordinary ``nn.Module`` members, trained through :class:`ganzoo._networks.ModuleEnsemble`
(``torch.func.vmap``) on the autograd path, with weights drawn N(0, ``init_std``²) and
biases 0, as the authors' ``IsotropicGaussian(0.02)`` / ``Constant(0)``.
"""

from __future__ import annotations

import dataclasses

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


@dataclasses.dataclass(frozen=True, kw_only=True)
class BatchNormMLPSpec(NetworkSpec):
    """``depth`` hidden layers of ``width`` units, each ``Linear`` (no bias) → batch norm → ReLU,
    then a linear output layer: PacGAN's generator (``width=400, depth=4``, ``pacgan_task.py``
    L43-59, batch-norm ε = 1e-4 as in Blocks).

    Batch normalization here always uses the statistics of the batch it is given
    (``track_running_stats=False``: running averages cannot be updated inside ``vmap``),
    training batches and sampled batches alike. The authors sample with population
    statistics (an average of the training batches'); a documented difference.
    """

    width: int = 400
    depth: int = 4
    init_std: float = 0.02
    eps: float = 1e-4

    def __post_init__(self) -> None:
        check_int("width", self.width, minimum=1)
        check_int("depth", self.depth, minimum=1)
        check_float("init_std", self.init_std, positive=True)
        check_float("eps", self.eps, positive=True)

    def build(self, in_features: int, out_features: int, *, generator: torch.Generator) -> nn.Sequential:
        layers: list[nn.Module] = []
        fan_in = in_features
        for _ in range(self.depth):
            layers.append(_normal_linear(fan_in, self.width, std=self.init_std, bias=False, generator=generator))
            layers.append(nn.BatchNorm1d(self.width, eps=self.eps, track_running_stats=False))
            layers.append(nn.ReLU())
            fan_in = self.width
        layers.append(_normal_linear(fan_in, out_features, std=self.init_std, bias=True, generator=generator))
        return nn.Sequential(*layers)

    def to_dict(self) -> dict[str, object]:
        return {"kind": "batchnorm-mlp", **dataclasses.asdict(self)}


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
