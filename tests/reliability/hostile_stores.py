"""Helpers for the hostile-input tests: one tiny real study, and ways to damage copies of it.

Not a test module (no ``test_`` prefix): ``test_hostile_api.py`` and ``test_hostile_cli.py``
import it. The study is trained once per session (1 seed, 2 steps, autograd: about a second)
and every test works on its own copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from ganzoo.study import FILENAME, Study, run_study

# The same study as `ganzoo compare --variants vanilla --seeds 1 --steps 2 --eval-every 0
# --final-samples 10 --stored-samples 10 --engine autograd` (STUDY_ARGS), so that the command
# line can be pointed at a copy of it.
STUDY_OPTIONS = dict(
    settings="vanilla", seeds=1, steps=2, eval_every=0, final_samples=10, stored_samples=10, engine="autograd"
)
STUDY_ARGS = [
    "--variants", "vanilla", "--seeds", "1", "--steps", "2", "--eval-every", "0",
    "--final-samples", "10", "--stored-samples", "10", "--engine", "autograd",
]  # fmt: skip

_made: dict[str, Path] = {}


def tiny_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the tiny study, trained on first use (shared by the session)."""
    if "study" not in _made:
        folder = tmp_path_factory.mktemp("tiny-study") / "study"
        run_study(Study(**STUDY_OPTIONS), folder, workers=1, progress=False)
        _made["study"] = folder
    return _made["study"]


def copy_study(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination)
    return destination


def _sql(*statements: str):
    def damage(folder: Path) -> None:
        connection = sqlite3.connect(folder / FILENAME)
        for statement in statements:
            connection.execute(statement)
        connection.commit()
        connection.close()

    return damage


def _truncate(size: int):
    def damage(folder: Path) -> None:
        path = folder / FILENAME
        path.write_bytes(path.read_bytes()[:size])
        for extra in folder.glob(f"{FILENAME}-*"):  # -wal, -shm
            extra.unlink()

    return damage


def _replace(content: bytes):
    def damage(folder: Path) -> None:
        (folder / FILENAME).write_bytes(content)

    return damage


def _foreign_sqlite(folder: Path) -> None:
    os.remove(folder / FILENAME)
    connection = sqlite3.connect(folder / FILENAME)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()


# id -> (damage to a copy of the study folder, what the error must say)
DAMAGED_STORES = {
    "another-sqlite-file": (_foreign_sqlite, r"is not a ganzoo study store \(another SQLite file\)"),
    "unknown-schema": (_sql("PRAGMA user_version = 99"), r"has store schema 99; this ganzoo reads schema 1"),
    "empty-file": (_truncate(0), r"is not a ganzoo study store \(an empty or truncated file of 0 bytes\)"),
    "truncated-header": (_truncate(50), r"an empty or truncated file of 50 bytes"),
    "truncated-pages": (_truncate(4096), r"is not a ganzoo study store \(database disk image is malformed\)"),
    "garbage-text": (
        _replace(b"this is not a database\n" * 20),
        r"is not a ganzoo study store \(file is not a database\)",
    ),
    "definition-missing": (
        _sql("DELETE FROM meta WHERE key = 'definition'"),
        r"is a damaged ganzoo study store \(its study definition is missing\)",
    ),
    "definition-garbled": (
        _sql("UPDATE meta SET value = '{not json' WHERE key = 'definition'"),
        r"is a damaged ganzoo study store \(its study definition is unreadable\)",
    ),
    "runs-table-missing": (_sql("DROP TABLE runs"), r"is a damaged ganzoo study store \(table 'runs' is missing\)"),
}

# A store whose runs cannot be read: resuming (which reads only the keys) still works, the
# report (which reads the runs) must fail naming the store and the run.
GARBLED_RUN = _sql("UPDATE runs SET scores = 'garbage'")
GARBLED_RUN_MESSAGE = r"is a damaged ganzoo study store \(run 'vanilla' on 'gaussian:4,1.25', seed 0 cannot be read"

OTHER_VERSION = _sql("UPDATE meta SET value = '99.0.0' WHERE key = 'created_by'", "UPDATE runs SET version = '99.0.0'")
UNKNOWN_VERSION = _sql("DELETE FROM meta WHERE key = 'created_by'")
