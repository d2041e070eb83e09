"""The user's own data as a target: :class:`Empirical`, known only by its samples.

An Empirical target has no exact cdf or moments: :func:`evaluation.evaluate` compares a
sample with *all* of the data by two-sample statistics, and the verdict's noise floor
accounts for both sample sizes (see :mod:`evaluation._verdict`). ``sample`` draws with
replacement from the data (a bootstrap), which is what a GAN trains on.

Files: :func:`load_data` reads ``.csv`` (comma-separated, one column per dimension, an
optional header row), ``.txt`` (whitespace-separated) and ``.npy``; ``data:PATH`` specs
build an Empirical from a file. Every problem with a file is one ValueError naming the file,
the row (1-based, counted as a user reads the file: physical lines for text, array rows for
.npy) and the problem.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
from functools import lru_cache
from typing import Any

import numpy as np

from ._target import _readonly
from ._validation import check_int, check_real, check_rng

__all__ = ["MIN_DATA_ROWS", "Empirical", "load_data"]

#: The fewest data rows a file may have: fewer is almost always the wrong file, and too few
#: to compare a generator with (the two-sample noise floor at m = 100 is already wide).
MIN_DATA_ROWS = 100

_EXTENSIONS = {".csv": "comma-separated", ".txt": "whitespace-separated", ".npy": "numpy array"}


class Empirical:
    """A target known only by its samples: ``data`` of shape (n,) or (n, d), n >= 2.

    The data are copied to a read-only float64 array of shape (n, dim) (``data``); NaN or
    inf is refused. ``mean`` and ``std`` are *estimates* from the data (``std`` with
    ddof=1): floats in 1-D, arrays (dim,) in d-D. ``sample(n, rng)`` draws rows with
    replacement (a bootstrap). ``split`` partitions the rows into a training and a held-out
    Empirical. Equal data (and source file) give equal, equally hashed targets.

    ``spec`` is ``data:PATH`` for a target read from a file (:meth:`from_file`,
    ``target_from_spec("data:PATH")``), which round-trips; for an in-memory array it is
    ``empirical:n=...,dim=...,sha256=...`` (the first 16 hex digits of the SHA-256 of the
    data), which identifies the data in reports but cannot be turned back into a target.
    """

    kind = "empirical"

    def __init__(self, data: Any) -> None:
        arr = _as_data(data)
        self._data = _readonly(np.array(arr, dtype=np.float64, copy=True))
        self._source: str | None = None
        digest = hashlib.sha256()
        digest.update(repr(self._data.shape).encode())
        digest.update(np.ascontiguousarray(self._data).tobytes())
        self._sha256 = digest.hexdigest()

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Empirical:
        """The data of a ``.csv``, ``.txt`` or ``.npy`` file (see :func:`load_data`); its spec
        is ``data:PATH`` with ``path`` as given."""
        text = _path_text(path)
        out = cls(_load_cached(*_file_key(text)))
        out._source = text
        return out

    # -- identity --------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Empirical):
            return NotImplemented
        return (
            self._sha256 == other._sha256
            and self._source == other._source
            and np.array_equal(self._data, other._data)
        )

    def __hash__(self) -> int:
        return hash((self._sha256, self._source))

    def __repr__(self) -> str:
        if self._source is not None:
            return f"Empirical.from_file({self._source!r})"
        return f"Empirical(<{self.n} x {self.dim} array, sha256 {self._sha256[:16]}>)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (np.array(self._data), self._source))

    # -- the protocol ----------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return int(self._data.shape[1])

    @property
    def n(self) -> int:
        """The number of data rows."""
        return int(self._data.shape[0])

    @property
    def data(self) -> np.ndarray:
        """The data, float64 of shape (n, dim), read-only."""
        return self._data

    @property
    def source(self) -> str | None:
        """The file the data were read from, or None for an in-memory array."""
        return self._source

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the data's shape and bytes."""
        return self._sha256

    @property
    def spec(self) -> str:
        if self._source is not None:
            return f"data:{self._source}"
        return f"empirical:n={self.n},dim={self.dim},sha256={self._sha256[:16]}"

    @property
    def mean(self) -> float | np.ndarray:
        """Sample mean of the data (an estimate, not an exact moment)."""
        m = self._data.mean(axis=0)
        return float(m[0]) if self.dim == 1 else _readonly(m)

    @property
    def std(self) -> float | np.ndarray:
        """Sample standard deviation of the data, ddof=1 (an estimate)."""
        s = self._data.std(axis=0, ddof=1)
        return float(s[0]) if self.dim == 1 else _readonly(s)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` rows drawn with replacement (bootstrap), float64 of shape (n, dim)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        return self._data[rng.integers(self.n, size=n)]

    def split(self, fraction: float, *, seed: int) -> tuple[Empirical, Empirical]:
        """A seeded random partition of the rows: ``(train, held_out)``.

        ``fraction`` (0 < fraction < 1) is the training share: train gets
        round(fraction * n) rows, held_out the rest; both need at least 2 rows. Rows keep
        their order within each part. The same seed gives the same partition.
        """
        fraction = check_real("fraction", fraction)
        if not 0 < fraction < 1:
            raise ValueError(f"fraction must satisfy 0 < fraction < 1, got {fraction!r}")
        seed = check_int("seed", seed, minimum=0)
        k = int(round(fraction * self.n))
        if not 2 <= k <= self.n - 2:
            raise ValueError(
                f"fraction={fraction!r} of {self.n} rows gives parts of {k} and {self.n - k} "
                "rows; both need at least 2"
            )
        order = np.random.default_rng(seed).permutation(self.n)
        return (
            Empirical(self._data[np.sort(order[:k])]),
            Empirical(self._data[np.sort(order[k:])]),
        )


def _rebuild(data: np.ndarray, source: str | None) -> Empirical:
    out = Empirical(data)
    out._source = source
    return out


def _as_data(data: Any) -> np.ndarray:
    if data is None or isinstance(data, (str, bytes)):
        raise TypeError(
            f"data must be a numeric array of shape (n,) or (n, d), got {type(data).__name__} {data!r}"
        )
    try:
        arr = np.asarray(data)
    except Exception as exc:
        raise TypeError(f"data could not be converted to a numpy array ({exc})") from exc
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"data must hold real numbers (int or float dtype), got dtype {arr.dtype} of shape {arr.shape}"
        )
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(f"data must have shape (n,) or (n, d) with d >= 1, got {np.shape(data)}")
    if arr.shape[0] < 2:
        raise ValueError(
            f"data must have at least 2 rows, got {arr.shape[0]} (shape {np.shape(data)})"
        )
    bad = ~np.isfinite(arr.astype(np.float64))
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise ValueError(
            f"data must be finite, got NaN or inf in {rows.size} row(s), the first at index {rows[0]}"
        )
    return arr


# -- files -----------------------------------------------------------------------------------


def _path_text(path: Any) -> str:
    try:
        text = os.fspath(path)
    except TypeError:
        raise TypeError(
            f"path must be a str or os.PathLike, got {type(path).__name__} {path!r}"
        ) from None
    if isinstance(text, bytes):
        raise TypeError(f"path must be a str or os.PathLike, got bytes {text!r}")
    return text


def _fail(path: str, problem: str) -> ValueError:
    return ValueError(f"data file {path!r}: {problem}")


def _file_key(path: str) -> tuple[str, str, int, int]:
    ext = os.path.splitext(path)[1].lower()
    if ext not in _EXTENSIONS:
        known = ", ".join(f"{e} ({what})" for e, what in _EXTENSIONS.items())
        raise _fail(path, f"unknown extension {ext!r}; expected {known}")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _fail(path, "not found") from None
    except (OSError, ValueError) as exc:
        raise _fail(path, f"cannot be read ({exc})") from None
    if os.path.isdir(path):
        raise _fail(path, "is a directory, not a file")
    return path, os.path.abspath(path), info.st_mtime_ns, info.st_size


@lru_cache(maxsize=8)
def _load_cached(path: str, abspath: str, mtime_ns: int, size: int) -> np.ndarray:
    # Keyed by (absolute path, modification time, size): a study that reads the same file
    # for every run parses it once, and an edited file is read again.
    ext = os.path.splitext(path)[1].lower()
    rows = _read_npy(path) if ext == ".npy" else _read_text(path, ext)
    return _readonly(rows)


def load_data(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a data file into a float64 array of shape (n, d), one column per dimension.

    ``.csv``: comma-separated (the stdlib csv dialect, quotes allowed); ``.txt``:
    whitespace-separated. In both, blank lines and lines starting with ``#`` are skipped,
    and the first remaining row is a header when none of its cells is a number. ``.npy``: a
    real array of shape (n,) or (n, d) (no pickles). At least :data:`MIN_DATA_ROWS` rows.

    A missing file, a directory, an unknown extension, a non-numeric or empty cell, a NaN or
    inf value, a row with a different number of columns than the first, or too few rows is
    a ValueError with one line naming the file, the row (1-based: the physical line of a
    text file, the array row of a .npy) and the problem.
    """
    return np.array(_load_cached(*_file_key(_path_text(path))))


def _number(path: str, row: int, column: int, cell: str) -> float:
    text = cell.strip()
    where = f"row {row}, column {column}"
    if not text:
        raise _fail(path, f"{where}: empty cell")
    try:
        # float() also reads "1_000" and non-ASCII digits; a data file is plain ASCII numbers.
        if not text.isascii() or "_" in text:
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise _fail(path, f"{where}: {cell.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise _fail(path, f"{where}: {text!r} is NaN or inf; every value must be finite")
    return value


def _is_number(cell: str) -> bool:
    text = cell.strip()
    if not text or not text.isascii() or "_" in text:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def _rows_of(path: str, ext: str, handle: Any) -> Any:
    """(line number, cells) for each non-blank, non-comment line."""
    if ext == ".csv":
        reader = csv.reader(handle)
        for cells in reader:
            if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue
            yield reader.line_num, cells
    else:
        for number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            yield number, stripped.split()


def _read_text(path: str, ext: str) -> np.ndarray:
    values: list[list[float]] = []
    width = first_row = last_row = 0
    first = True
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row, cells in _rows_of(path, ext, handle):
                if first:
                    first = False
                    if not any(_is_number(c) for c in cells):
                        continue  # the header row
                if width == 0:
                    width, first_row = len(cells), row
                elif len(cells) != width:
                    raise _fail(
                        path,
                        f"row {row}: {len(cells)} column(s), expected {width} as in row {first_row}",
                    )
                values.append([_number(path, row, j, c) for j, c in enumerate(cells, start=1)])
                last_row = row
    except UnicodeDecodeError as exc:
        raise _fail(
            path, f"not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV or text"
        ) from None
    except csv.Error as exc:
        raise _fail(path, f"not valid CSV ({exc})") from None
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc})") from None
    if len(values) < MIN_DATA_ROWS:
        span = f" (rows {first_row}-{last_row})" if values else ""
        raise _fail(
            path,
            f"{len(values)} data row(s){span}, at least MIN_DATA_ROWS = {MIN_DATA_ROWS} are needed",
        )
    return np.array(values, dtype=np.float64)


def _read_npy(path: str) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise _fail(path, f"not a readable .npy array ({exc})") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iuf":
        raise _fail(
            path, f"holds dtype {getattr(arr, 'dtype', type(arr).__name__)}, expected real numbers"
        )
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise _fail(path, f"has shape {arr.shape}, expected (n,) or (n, d)")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise _fail(
            path,
            f"row {row + 1}, column {column + 1}: {float(arr[row, column])!r} is NaN or inf; every value must be finite",
        )
    if arr.shape[0] < MIN_DATA_ROWS:
        raise _fail(
            path, f"{arr.shape[0]} data row(s), at least MIN_DATA_ROWS = {MIN_DATA_ROWS} are needed"
        )
    return arr
