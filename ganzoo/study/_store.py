"""The results store: one SQLite file per study folder, one row per finished run.

Why SQLite (stdlib): a transaction is atomic and durable, so a study killed at any moment
(``kill -9`` included) loses at most the cells still training; a UNIQUE constraint on
(setting, target, seed) makes counting a run twice impossible. Only the driver process
writes (workers return results), in WAL mode, one transaction per finished cell chunk.

The store also holds the study's definition (:meth:`Study.to_dict`): opening a folder
with a different study is an error, never an overwrite.
"""

from __future__ import annotations

import dataclasses
import datetime
import errno
import json
import math
import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._history import Snapshots, finite_or_none, none_to_nan
from . import _film_store

FILENAME = "study.sqlite"
APPLICATION_ID = 0x47414E5A  # "GANZ": marks the file as a ganzoo study store
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    setting TEXT NOT NULL,
    target TEXT NOT NULL,
    seed INTEGER NOT NULL,
    variant TEXT NOT NULL,
    overrides TEXT NOT NULL,      -- JSON object
    config TEXT NOT NULL,         -- JSON: GANConfig.to_dict()
    steps INTEGER NOT NULL,
    version TEXT NOT NULL,        -- ganzoo.__version__
    engine TEXT NOT NULL,         -- the engine that trained: fused or autograd
    label TEXT NOT NULL,          -- the verdict (failure) label of the final sample
    converged INTEGER NOT NULL,
    scores TEXT NOT NULL,         -- JSON: evaluate(final sample).to_dict(); no value (diverged run, n/a): null
    history TEXT NOT NULL,        -- JSON: eval_steps, scores, labels, mean losses, diverged_at (step or null), traces
    sample BLOB NOT NULL,         -- float32 (stored_samples, dim), C order
    grid BLOB NOT NULL,           -- float32 (grid points, dim)
    scores_on_grid BLOB NOT NULL, -- float32 (grid points,): D's raw score on the grid
    dim INTEGER NOT NULL,
    seconds REAL NOT NULL,        -- the cell's wall time divided by its members
    cpu_seconds REAL NOT NULL,    -- the cell's CPU time (its worker process) divided by its members
    finished TEXT NOT NULL,
    UNIQUE (setting, target, seed)
);
"""


@dataclasses.dataclass(frozen=True, eq=False)
class RunRecord:
    """One finished run, as stored."""

    setting: str
    target: str
    seed: int
    variant: str
    overrides: dict[str, Any]
    config: dict[str, Any]
    steps: int
    version: str
    engine: str
    scores: dict[str, Any]
    history: dict[str, Any]
    sample: np.ndarray  # (n, dim) float32
    grid: np.ndarray  # (g, dim) float32
    scores_on_grid: np.ndarray  # (g,) float32
    seconds: float
    cpu_seconds: float = float("nan")
    snapshots: Snapshots | None = None  # the film of training; stored apart, not read back by Store.runs()

    @property
    def label(self) -> str:
        return str(self.scores["label"])

    @property
    def converged(self) -> bool:
        return bool(self.scores["converged"])

    def key(self) -> tuple[str, str, int]:
        return (self.setting, self.target, self.seed)


class StudyMismatch(ValueError):
    """The folder holds a different study (or something that is not a study store)."""


def _describe_difference(stored: dict[str, Any], given: dict[str, Any]) -> str:
    for key in sorted(set(stored) | set(given)):
        if stored.get(key) != given.get(key):
            if key == "configs":
                changed = [s for s in given.get(key, {}) if stored.get(key, {}).get(s) != given[key][s]]
                return (
                    f"setting {changed[0]!r} now resolves to a different configuration than when the "
                    "study started (changed defaults or recommended())" if changed else "configs differ"
                )
            return f"{key}: stored {_short(stored.get(key))}, given {_short(given.get(key))}"
    return "definitions differ"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Store:
    """The SQLite store of one study folder. Use :meth:`create_or_open` or :meth:`open`."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.connection = connection

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, folder: str | Path) -> Store:
        """An existing study's store (read and write); a clear error if there is none."""
        folder = Path(folder)
        path = folder / FILENAME
        if not path.is_file():
            raise FileNotFoundError(f"{folder} holds no study ({FILENAME} not found); run `ganzoo compare --out {folder}`")
        return cls(path, cls._connect_existing(path))

    @classmethod
    def create_or_open(cls, folder: str | Path, definition: dict[str, Any], *, version: str) -> Store:
        """The store of ``folder`` for the study ``definition``: created if the folder is
        new or empty, reopened (to resume) if it holds the same study; a
        :class:`StudyMismatch` if it holds a different study or other files."""
        folder = Path(folder)
        path = folder / FILENAME
        if path.exists():
            store = cls(path, cls._connect_existing(path))
            stored = store.definition()
            if stored != _normalized(definition):
                store.close()
                raise StudyMismatch(
                    f"{folder} holds a different study ({_describe_difference(stored, _normalized(definition))}); "
                    "choose another --out folder, or `ganzoo report` to rebuild its report"
                )
            store._check_version(version)
            store.connection.executescript(_film_store.SCHEMA)  # a store made before films existed gains the table
            return store
        if folder.exists() and not folder.is_dir():
            raise StudyMismatch(f"output folder {folder} exists and is not a folder")
        leftovers = sorted(folder.glob(f".{FILENAME}.*.partial*")) if folder.is_dir() else []
        if folder.is_dir() and any(p not in leftovers for p in folder.iterdir()):
            raise StudyMismatch(
                f"output folder {folder} is not empty and holds no study ({FILENAME}); choose a new or empty folder"
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise type(error)(
                error.errno,
                f"cannot create the study folder {folder} ({error.strerror}); choose a writable --out folder",
            ) from None
        for leftover in leftovers:  # from a study killed while creating its store
            leftover.unlink(missing_ok=True)
        # Built under a temporary name and renamed into place: a study killed while its
        # store is being created leaves no half-made store behind.
        partial = folder / f".{FILENAME}.{os.getpid()}.partial"
        if not os.access(folder, os.W_OK):  # sqlite's own message would be "unable to open database file"
            raise PermissionError(
                errno.EACCES,
                f"cannot write the study store into {folder} (not writable); choose a writable --out folder",
            )
        connection = sqlite3.connect(partial, isolation_level=None)
        try:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.executescript(_SCHEMA + _film_store.SCHEMA)
            connection.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("definition", json.dumps(_normalized(definition), sort_keys=True)),
                    ("created", _now()),
                    ("created_by", version),
                    ("folder", str(folder)),  # as given: the report's "reproduce" command shows it
                ],
            )
            connection.close()
            os.replace(partial, path)
        except BaseException:
            connection.close()
            partial.unlink(missing_ok=True)
            raise
        return cls(path, cls._connect_existing(path))

    @staticmethod
    def _connect_existing(path: Path) -> sqlite3.Connection:
        size = path.stat().st_size
        if size < 100:  # every SQLite file starts with a 100-byte header
            raise StudyMismatch(
                f"{path} is not a ganzoo study store (an empty or truncated file of {size} bytes); "
                "it was left untouched"
            )
        try:
            connection = sqlite3.connect(f"file:{path.resolve()}?mode=rw", uri=True, isolation_level=None)
        except sqlite3.DatabaseError as error:
            raise StudyMismatch(f"{path} is not a ganzoo study store ({error}); it was left untouched") from None
        try:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            if application_id != APPLICATION_ID:
                raise StudyMismatch(f"{path} is not a ganzoo study store (another SQLite file); it was left untouched")
            schema = connection.execute("PRAGMA user_version").fetchone()[0]
            if schema != SCHEMA_VERSION:
                raise StudyMismatch(
                    f"{path} has store schema {schema}; this ganzoo reads schema {SCHEMA_VERSION}; "
                    "it was left untouched"
                )
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [name for name in ("meta", "runs") if name not in tables]
            if missing:
                raise StudyMismatch(
                    f"{path} is a damaged ganzoo study store (table {missing[0]!r} is missing); it was left untouched"
                )
        except sqlite3.DatabaseError as error:
            connection.close()
            raise StudyMismatch(f"{path} is not a ganzoo study store ({error}); it was left untouched") from None
        except StudyMismatch:
            connection.close()
            raise
        _configure(connection)
        return connection

    def _check_version(self, version: str) -> None:
        """Resuming adds runs: refuse if the stored ones come from another ganzoo version."""
        runs = self.connection.execute("SELECT DISTINCT version FROM runs")
        stored = {self.meta("created_by")} | {row[0] for row in runs}
        others = sorted(str(v) if v is not None else "an unknown version" for v in stored if v != version)
        if others:
            self.close()
            raise StudyMismatch(
                f"{self.path.parent} holds runs of ganzoo {', '.join(others)}, this is ganzoo {version}: resuming "
                "would mix results of two versions; choose another --out folder (`ganzoo report` still reads it)"
            )

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------

    def definition(self) -> dict[str, Any]:
        row = self.connection.execute("SELECT value FROM meta WHERE key = 'definition'").fetchone()
        try:
            definition = json.loads(row[0]) if row is not None else None
        except (TypeError, ValueError):
            definition = None
        if not isinstance(definition, dict) or not {"settings", "targets", "seeds"} <= definition.keys():
            raise StudyMismatch(
                f"{self.path} is a damaged ganzoo study store (its study definition is "
                f"{'missing' if row is None else 'unreadable'}); it was left untouched"
            )
        return definition

    def meta(self, key: str) -> str | None:
        """A value of the store's meta table (definition, created, created_by, folder)."""
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def count(self) -> int:
        return self.connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def done(self) -> set[tuple[str, str, int]]:
        """The (setting, target, seed) keys already stored."""
        return set(self.connection.execute("SELECT setting, target, seed FROM runs"))

    def runs(self, *, setting: str | None = None, target: str | None = None) -> list[RunRecord]:
        """Stored runs, in (setting, target, seed) order of insertion of the grid."""
        query = "SELECT * FROM runs"
        clauses, values = [], []
        for column, value in (("setting", setting), ("target", target)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        cursor = self.connection.execute(query + " ORDER BY setting, target, seed", values)
        names = [d[0] for d in cursor.description]
        records = []
        for row in cursor:
            fields = dict(zip(names, row))
            try:
                records.append(_record(fields))
            except (TypeError, ValueError, KeyError) as error:
                where = f"run {fields.get('setting')!r} on {fields.get('target')!r}, seed {fields.get('seed')!r}"
                raise StudyMismatch(
                    f"{self.path} is a damaged ganzoo study store ({where} cannot be read: {error}); "
                    "it was left untouched"
                ) from None
        return records

    def snapshots(self, setting: str, target: str, seed: int) -> tuple[list[int], Snapshots] | None:
        """``(eval_steps, snapshots)``: the film of one stored run, or None when it has none."""
        return _film_store.read(self.connection, setting, target, seed)

    # -- writing -----------------------------------------------------------------------

    def add(self, records: Sequence[RunRecord]) -> int:
        """Store a finished cell's runs in one transaction; returns how many were new.

        A run already stored (same setting, target, seed: e.g. finished by another process
        on the same folder) is skipped, never stored twice.
        """
        rows = [_row(r) for r in records]
        with _transaction(self.connection):
            before = self.connection.total_changes
            self.connection.executemany(
                f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
                "ON CONFLICT (setting, target, seed) DO NOTHING",
                rows,
            )
            added = self.connection.total_changes - before
            _film_store.insert(self.connection, records)
            return added


_COLUMNS = (
    "setting",
    "target",
    "seed",
    "variant",
    "overrides",
    "config",
    "steps",
    "version",
    "engine",
    "label",
    "converged",
    "scores",
    "history",
    "sample",
    "grid",
    "scores_on_grid",
    "dim",
    "seconds",
    "cpu_seconds",
    "finished",
)


def _row(r: RunRecord) -> tuple:
    sample = np.ascontiguousarray(r.sample, dtype=np.float32)
    grid = np.ascontiguousarray(r.grid, dtype=np.float32)
    return (
        r.setting,
        r.target,
        int(r.seed),
        r.variant,
        json.dumps(r.overrides),
        json.dumps(r.config),
        int(r.steps),
        r.version,
        r.engine,
        r.label,
        int(r.converged),
        # Strict JSON: a score that does not exist (a diverged run's, or one that does not
        # apply to the target) is null, never NaN; read back as NaN by _record.
        json.dumps(finite_or_none(r.scores), allow_nan=False),
        json.dumps(finite_or_none(r.history), allow_nan=False),
        sample.tobytes(),
        grid.tobytes(),
        np.ascontiguousarray(r.scores_on_grid, dtype=np.float32).tobytes(),
        int(sample.shape[1]),
        float(r.seconds),
        float(r.cpu_seconds),
        _now(),
    )


def _record(row: dict[str, Any]) -> RunRecord:
    dim = row["dim"]
    return RunRecord(
        setting=row["setting"],
        target=row["target"],
        seed=row["seed"],
        variant=row["variant"],
        overrides=json.loads(row["overrides"]),
        config=json.loads(row["config"]),
        steps=row["steps"],
        version=row["version"],
        engine=row["engine"],
        scores=_nan_for_null(json.loads(row["scores"])),
        history=_history_from_json(json.loads(row["history"])),
        sample=np.frombuffer(row["sample"], dtype=np.float32).reshape(-1, dim),
        grid=np.frombuffer(row["grid"], dtype=np.float32).reshape(-1, dim),
        scores_on_grid=np.frombuffer(row["scores_on_grid"], dtype=np.float32),
        seconds=row["seconds"],
        cpu_seconds=row["cpu_seconds"],
    )


def _nan_for_null(scores: dict[str, Any]) -> dict[str, Any]:
    """Stored scores with null (no value) back as NaN, the in-memory form of Report.to_dict()."""
    return {key: math.nan if value is None else value for key, value in scores.items()}


def _history_from_json(history: dict[str, Any]) -> dict[str, Any]:
    """A stored history with null back as NaN in its numeric series ('diverged_at' stays None)."""
    out = dict(history)
    for group in ("scores", "traces"):  # traces: absent in stores written before they existed
        if group in out:
            out[group] = {key: none_to_nan(values) for key, values in out[group].items()}
    for key in ("d_loss_mean", "g_loss_mean"):
        if key in out:
            out[key] = none_to_nan(out[key])
    return out


def _normalized(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition as it reads back from JSON (tuples become lists, and so on)."""
    return json.loads(json.dumps(definition, sort_keys=True))


def _configure(connection: sqlite3.Connection) -> None:
    # WAL: readers (a report while the study runs) never block the writer; synchronous FULL
    # makes each committed cell durable even against a power cut, at one fsync per cell.
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA busy_timeout = 30000")


class _transaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *rest: object) -> None:
        self.connection.execute("ROLLBACK" if exc_type else "COMMIT")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def equal_runs(a: Iterable[RunRecord], b: Iterable[RunRecord]) -> bool:
    """Whether two sets of runs hold the same results (keys, scores, histories, samples)."""
    left = {r.key(): r for r in a}
    right = {r.key(): r for r in b}
    if left.keys() != right.keys():
        return False
    for key, r in left.items():
        s = right[key]
        same = (
            json.dumps(r.scores, sort_keys=True) == json.dumps(s.scores, sort_keys=True)
            and json.dumps(r.history, sort_keys=True) == json.dumps(s.history, sort_keys=True)
            and r.config == s.config
            and np.array_equal(r.sample, s.sample)
            and np.array_equal(r.scores_on_grid, s.scores_on_grid, equal_nan=True)
        )
        if not same:
            return False
    return True
