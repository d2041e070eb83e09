"""The study store's table of snapshots: the film of each run's training (:class:`ganzoo._history.Snapshots`).

Kept apart from the ``runs`` table so that reading runs for a report never loads them. The
table was added to schema 1 without changing its version: a store made before it gains the
table when it is next opened for writing, and its runs simply have no film.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

import numpy as np

from .._history import Snapshots

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    setting TEXT NOT NULL,
    target TEXT NOT NULL,
    seed INTEGER NOT NULL,
    eval_steps TEXT NOT NULL,     -- JSON list: the generator step of each frame
    grid BLOB NOT NULL,           -- float32 (g, dim): where D was evaluated
    scores BLOB NOT NULL,         -- float32 (frames, g): D's raw scores
    samples BLOB NOT NULL,        -- float32 (frames, points, dim): the generator's points
    points INTEGER NOT NULL,
    dim INTEGER NOT NULL,
    PRIMARY KEY (setting, target, seed)
);
"""


def insert(connection: sqlite3.Connection, records: Sequence) -> None:
    """Store the film of every record that has one (inside the caller's transaction)."""
    rows = [
        (
            r.setting,
            r.target,
            int(r.seed),
            json.dumps(r.history["eval_steps"]),
            np.ascontiguousarray(r.snapshots.grid, dtype=np.float32).tobytes(),
            np.ascontiguousarray(r.snapshots.scores, dtype=np.float32).tobytes(),
            np.ascontiguousarray(r.snapshots.samples, dtype=np.float32).tobytes(),
            int(r.snapshots.samples.shape[-2]),
            int(r.snapshots.grid.shape[-1]),
        )
        for r in records
        if getattr(r, "snapshots", None) is not None
    ]
    connection.executemany(
        "INSERT INTO snapshots (setting, target, seed, eval_steps, grid, scores, samples, points, dim) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (setting, target, seed) DO NOTHING",
        rows,
    )


def read(connection: sqlite3.Connection, setting: str, target: str, seed: int) -> tuple[list[int], Snapshots] | None:
    """``(eval_steps, snapshots)`` of one stored run, or None when it has no film."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "snapshots" not in tables:
        return None
    row = connection.execute(
        "SELECT eval_steps, grid, scores, samples, points, dim FROM snapshots WHERE setting = ? AND target = ? AND seed = ?",
        (setting, target, int(seed)),
    ).fetchone()
    if row is None:
        return None
    steps, grid, scores, samples, points, dim = row
    steps = json.loads(steps)
    grid = np.frombuffer(grid, dtype=np.float32).reshape(-1, dim)
    return steps, Snapshots(
        grid=grid.astype(float),
        scores=np.frombuffer(scores, dtype=np.float32).reshape(len(steps), len(grid)),
        samples=np.frombuffer(samples, dtype=np.float32).reshape(len(steps), points, dim),
    )
