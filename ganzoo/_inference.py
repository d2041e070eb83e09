"""An ensemble's networks run without gradients a group of members at a time.

The checks run the generator on every member's evaluation noise and the discriminator on the
trace points and the snapshot grid. All members at once, the activations of 1,024 members'
2,000 evaluation samples held 250 MB; and any activation of a MiB or more is a fresh
mapping from glibc (:mod:`ganzoo._malloc`) whose pages are zero-filled on first touch.
Groups of members bound both, and give each member the bits it gets among all of them.
"""

from __future__ import annotations

import torch
from torch import nn

from ._malloc import THRESHOLD
from ._networks import StackedMLP


def member_groups(members: int, size: int) -> list[slice]:
    """The members ``0 .. members-1`` as consecutive slices of at most ``size`` (>= 4), as
    even as can be, so that no group holds a lone member unless ``members == 1``: a product
    over one member takes another kernel than over several (other bits), while groups of
    two or more give each member the bits it gets among all of them (tests/ganzoo/test_member_groups.py)."""
    if size < 4:  # with groups of 2 or 3, an odd count would leave one member alone
        raise ValueError(f"size must be at least 4, got {size!r}")
    count = max(1, -(-members // size))
    bounds = [round(i * members / count) for i in range(count + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:])]


INFERENCE_GROUP_MEMBERS = 128
"""The most members run together without gradients (the activations of all 1,024 members'
2,000 evaluation samples at once held 250 MB)."""

INFERENCE_GROUP_BYTES = THRESHOLD
"""Bytes: the widest activation of a group of members run together without gradients stays
under this (glibc's mmap threshold as ganzoo fixes it, :mod:`ganzoo._malloc`). Below it a
request comes from the heap, where the next group's equal request reuses it; above it each
one is a fresh mapping whose pages the kernel zero-fills on first touch: 64 members' 2,000
evaluation samples took 5.2 ms at once and 2.9 ms in groups of 8."""


def inference_groups(network: nn.Module, rows: int, limit: int = INFERENCE_GROUP_MEMBERS) -> list[slice]:
    """The member slices (:func:`member_groups`, at most ``limit`` members each) in which to
    run a :class:`StackedMLP` on ``rows`` points per member without gradients, each group's
    widest activation within :data:`INFERENCE_GROUP_BYTES`; ``[slice(None)]`` for any other
    module (a user's own: all members at once)."""
    if not isinstance(network, StackedMLP):
        return [slice(None)]
    widest = max(max(w.shape[1:]) for w in network.weights)
    fits = INFERENCE_GROUP_BYTES // max(1, rows * widest * network.weights[0].element_size())
    return member_groups(network.members, max(4, min(limit, fits)))


def forward_in_groups(network: nn.Module, x: torch.Tensor, limit: int = INFERENCE_GROUP_MEMBERS) -> torch.Tensor:
    """``network(x)`` for ``x (K, n, in)``, without gradients, in :func:`inference_groups`:
    each member's bits as from all at once (:func:`member_groups`)."""
    groups = inference_groups(network, x.shape[1], limit)
    if groups == [slice(None)]:
        return network(x)
    return torch.cat([network(x[g], members=g) for g in groups])
