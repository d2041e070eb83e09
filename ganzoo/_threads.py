"""Per-process thread pools for ganzoo's own background work (noise draws, kernel calls).

A forked child inherits a parent's ``ThreadPoolExecutor`` object but not its threads, so a
job sent to it would wait forever; :func:`thread_pool` therefore keeps one pool per
(process, name) and makes a new one in a new process.
"""

from __future__ import annotations

import concurrent.futures
import os

_POOLS: dict[tuple[int, str], tuple[int, concurrent.futures.ThreadPoolExecutor]] = {}


def thread_pool(name: str, workers: int) -> concurrent.futures.ThreadPoolExecutor:
    """This process's pool called ``name``, with at least ``workers`` threads (a pool too
    small for a call is replaced by a larger one)."""
    key = (os.getpid(), name)
    size, pool = _POOLS.get(key, (0, None))
    if pool is None or size < workers:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"ganzoo-{name}")
        _POOLS[key] = (workers, pool)
    return pool
