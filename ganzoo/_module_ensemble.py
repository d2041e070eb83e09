"""ModuleEnsemble: K copies of any module run together with ``torch.func.vmap``, the generic
ensemble of :mod:`ganzoo._networks` for networks that are not the default MLP."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn


class ModuleEnsemble(nn.Module):
    """K copies of an arbitrary module, run together with ``torch.func.vmap``.

    Parameters and buffers of the K members are stacked along a new leading axis
    (``torch.func.stack_module_state``) and registered here, so optimizers see ordinary
    leaf tensors; the forward pass maps ``functional_call`` over the member axis.
    """

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        if any(type(m).__name__ == "_SpectralNorm" or hasattr(m, "weight_u") for m in members[0].modules()):
            raise ValueError(
                "torch's spectral_norm cannot run inside a custom module here: its power iteration "
                "writes buffers in place, which torch.func.vmap cannot batch; use "
                "MLPSpec(spectral_norm=True), which runs the same algorithm batched over members"
            )
        params, buffers = torch.func.stack_module_state(list(members))
        self._names = list(params)
        self._buffer_names = list(buffers)
        self.stacked = nn.ParameterList(nn.Parameter(params[name].detach().clone()) for name in self._names)
        for i, name in enumerate(self._buffer_names):
            self.register_buffer(f"buffer_{i}", buffers[name].clone())
        self._template = [copy.deepcopy(members[0]).to("meta")]  # a list hides it from nn.Module

    @property
    def members(self) -> int:
        return self.stacked[0].shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        template = self._template[0]
        params = dict(zip(self._names, self.stacked))
        buffers = {name: getattr(self, f"buffer_{i}") for i, name in enumerate(self._buffer_names)}

        def one(p: dict, b: dict, xs: torch.Tensor) -> torch.Tensor:
            return torch.func.functional_call(template, (p, b), (xs,))

        return torch.func.vmap(one)(params, buffers, x)

    def member(self, k: int) -> nn.Module:
        """Member k as an ordinary module (a copy of its current weights)."""
        module = copy.deepcopy(self._template[0]).to_empty(device=self.stacked[0].device)
        state = {name: p[k].detach() for name, p in zip(self._names, self.stacked)}
        state |= {name: getattr(self, f"buffer_{i}")[k] for i, name in enumerate(self._buffer_names)}
        module.load_state_dict(state)
        return module
