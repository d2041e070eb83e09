"""A fixed mmap threshold for glibc's ``malloc`` once ganzoo trains (Linux with glibc only).

glibc serves a request of at least its *mmap threshold* with a mapping of its own, given
back to the system when freed, and smaller ones from the heap. The threshold starts at
128 KiB and is dynamic: each freed mapping raises it to that block's size, up to 32 MiB.
After the first few, the temporaries of a few MiB that training and its checks make (a
span's losses, the evaluation samples, their activations, sorted copies) come from the heap,
between objects that live on (the checks' reports), and the heap's free space stays
resident. Fixing the threshold turns the dynamic rule off, so that they stay mappings.

Measured (peak resident memory of one process, ``VanillaGAN(seeds=range(1024)).fit()``,
glibc 2.36): 20,000 steps 1,264 MiB with glibc's rule, 928 MiB with the threshold fixed at
128 KiB; 8,000 steps 1,019 MiB, 789 MiB at 128 KiB or at :data:`THRESHOLD`, 809 MiB at
4 MiB; fit times within the runs' noise. Only memory is affected, never a result.

A process that sets one of glibc's malloc tunables in its environment (:data:`USER_TUNABLES`)
keeps its own settings: then nothing is changed.
"""

from __future__ import annotations

import ctypes
import os
import sys

THRESHOLD = 1 << 20
"""Bytes: requests from 1 MiB up are mapped (the per-member draws of a chunk, up to a few
hundred KiB, stay on the heap, where they are reused at once)."""

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
USER_TUNABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "GLIBC_TUNABLES")

_fixed: bool | None = None


def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold at :data:`THRESHOLD`, once per process; whether it is fixed."""
    global _fixed
    if _fixed is None:
        _fixed = _glibc() and not any(name in os.environ for name in USER_TUNABLES) and _mallopt(THRESHOLD)
    return _fixed


def _glibc() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError):  # not glibc (musl): no such name
        return False


def _mallopt(threshold: int) -> bool:
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, threshold) == 1
