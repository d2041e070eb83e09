"""Checkpoints: a GAN's whole training state in one file, written atomically, read safely.

A checkpoint holds everything the rest of a run depends on: the networks' weights (and the
generator's moving average), the optimizers' state (the torch optimizers', or the fused
engine's own), the learning-rate schedulers, the step count, the divergence state, the
history, the sampling call counter, the fully resolved configuration, the seeds and, when the file was written
by ``fit(checkpoint=...)``, the fit call in progress (its last step, its evaluation
schedule and whether it ran compiled). The training batches and the penalties' random
numbers need no state: they are functions of (seed, step).

Writing is atomic: a temporary file in the same folder, flushed and fsynced, then
``os.replace``-d over the target (and the folder fsynced), so a process killed at any
moment leaves either the previous checkpoint or the new one, never a torn file.

Reading uses ``torch.load(weights_only=True)``: tensors and plain containers only, never
pickled code. Anything that is not a ganzoo checkpoint of this format version (a
truncated or foreign file, a file that needs code to load, another version) raises a
:class:`CheckpointError` (a ValueError) that names the file and says what was expected.
The user-facing calls are :meth:`ganzoo.GAN.save`, :meth:`~ganzoo.GAN.load`,
:meth:`~ganzoo.GAN.restore` and :meth:`~ganzoo.GAN.resume`, which build the payload and
rebuild a GAN from it; this module is a leaf below them: the file format, atomic writes,
safe reads with layout checks, and the codec that turns frozen setting objects into plain
data and back (:func:`encode_setting`, :func:`decode_setting`).

Eager or compiled: the fused engine decides at each ``fit()`` call, from that call's
steps, whether compiling pays (:func:`ganzoo.engine.should_compile`), and eager and
compiled arithmetic agree only to rounding. So a checkpoint written by a fit call records
the mode that call ran in, and :meth:`~ganzoo.GAN.resume` runs the rest of the call in
that mode (an engine forced to one mode, ``"fused-eager"``/``"fused-compiled"``, keeps
it): the resumed run is bit-identical to the uninterrupted one. A new ``fit()`` call
decides afresh, as always.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

FORMAT = "ganzoo.checkpoint"
FORMAT_VERSION = 1
"""Bumped whenever the layout changes; a file of another version is refused, not guessed at."""

EXPECTED = "expected a ganzoo checkpoint written by GAN.save() or GAN.fit(checkpoint=...)"
DTYPES = {"float32": torch.float32, "float64": torch.float64}


class CheckpointError(ValueError):
    """A file that is not a readable ganzoo checkpoint (truncated, foreign, needing pickled
    code, of another format version), or a checkpoint that does not fit the GAN it is
    loaded into. The message names the file."""


# --------------------------------------------------------------------------------------
# Writing and reading files


def check_path(path: str | os.PathLike) -> Path:
    """``path`` as a Path, or a ValueError if it names a folder (a checkpoint is a file)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"checkpoint must be a file path, got the folder {str(path)!r}")
    return path


def write(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``path`` atomically (temporary file, fsync, ``os.replace``)."""
    path = check_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # In the same folder, so that os.replace is a rename within one file system.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            torch.save(payload, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)  # makes the rename itself durable
    return path


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open a folder
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(descriptor)


def read(path: str | os.PathLike) -> dict[str, Any]:
    """The validated contents of the checkpoint ``path`` (a :class:`CheckpointError` if it is none).

    Missing files and unreadable paths raise the usual OSError (FileNotFoundError, ...).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint {str(path)!r} does not exist")
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder; {EXPECTED}")
    with path.open("rb") as file:
        start = file.read(4)
    if not start:
        raise CheckpointError(f"{path} is empty (a truncated write?); {EXPECTED}")
    if start != b"PK\x03\x04":  # torch.save writes a zip archive
        raise CheckpointError(f"{path} is not a torch file (it starts with {start!r}, not a zip archive); {EXPECTED}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. torch's note on a foreign pickle protocol
            data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        text = str(error)
        if "Weights only load failed" in text:
            found = re.search(r"GLOBAL ([\w.]+)", text)
            detail = f"it refers to {found.group(1)}" if found else "not only tensors and plain containers"
            raise CheckpointError(
                f"{path} needs arbitrary pickled code to load ({detail}); refused: checkpoints are "
                f"read with torch.load(weights_only=True), which never runs code from a file; {EXPECTED}"
            ) from None
        raise CheckpointError(f"{path} is not a torch file ({text.strip() or type(error).__name__}); {EXPECTED}") from None
    except Exception as error:  # a damaged archive: torch raises several kinds
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        reason = reason.split(". ")[0]  # torch's first sentence; the rest is advice for its own files
        raise CheckpointError(f"{path} is truncated or damaged (torch cannot read it: {reason}); {EXPECTED}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        what = f"a {type(data).__name__}" if not isinstance(data, dict) else f"a dict with format={data.get('format')!r}"
        raise CheckpointError(f"{path} is a torch file but not a ganzoo checkpoint (it holds {what}); {EXPECTED}")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} is a ganzoo checkpoint of format version {version!r} (written by ganzoo "
            f"{data.get('ganzoo_version', '?')}); this ganzoo reads format version {FORMAT_VERSION}"
        )
    _check_layout(path, data, _LAYOUT)
    _check_layout(path, data["state"], _STATE_LAYOUT, "state.")
    return data


_LAYOUT: dict[str, tuple[type, ...]] = {
    "ganzoo_version": (str,),
    "variant": (dict,),
    "config": (dict,),
    "config_spec": (dict, type(None)),
    "seeds": (list,),
    "single": (bool,),
    "dtype": (str,),
    "device": (str,),
    "engine": (str,),
    "trainer_engine": (str,),
    "target": (str, type(None)),
    "target_dim": (int,),
    "sample_calls": (int,),
    "fit": (dict, type(None)),
    "state": (dict,),
}
_STATE_LAYOUT: dict[str, tuple[type, ...]] = {
    "step": (int,),
    "generator": (dict,),
    "discriminator": (dict,),
    "generator_average": (dict, type(None)),
    "g_optimizer": (dict,),
    "d_optimizer": (dict,),
    "schedulers": (list,),
    "fused_states": (list, type(None)),
    "diverged_at": (torch.Tensor,),
    "divergence_reasons": (list,),
    "history": (dict, type(None)),
}
_FIT_LAYOUT: dict[str, tuple[type, ...]] = {
    "end": (int,),
    "eval_every": (int,),
    "eval_samples": (int,),
    "checkpoint_every": (int,),
    "compiled": (bool, type(None)),
}


def _check_layout(path: Path, data: dict, layout: dict[str, tuple[type, ...]], prefix: str = "") -> None:
    for key, types in layout.items():
        if key not in data:
            raise CheckpointError(f"{path} is damaged or not a ganzoo checkpoint: {prefix}{key} is missing")
        value = data[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join("None" if t is type(None) else t.__name__ for t in types)
            raise CheckpointError(
                f"{path} is damaged or not a ganzoo checkpoint: {prefix}{key} should be {names}, "
                f"got {type(value).__name__}"
            )
    if prefix == "" and data["fit"] is not None:
        _check_layout(path, data["fit"], _FIT_LAYOUT, "fit.")
    if prefix == "" and data["dtype"] not in DTYPES:
        raise CheckpointError(f"{path} is damaged: dtype {data['dtype']!r} is not one of {', '.join(DTYPES)}")


# --------------------------------------------------------------------------------------
# Settings as data: frozen setting objects (dataclasses) to plain containers and back,
# rebuilt from ganzoo's own classes only.


class NotPortable(Exception):
    """A setting holds something that is not one of ganzoo's own setting classes."""


def encode_setting(value: Any, bases: tuple[type, ...]) -> Any:
    """``value`` as plain data that :func:`decode_setting` rebuilds.

    Numbers, strings, None, lists and tuples, and instances of ganzoo's own subclasses
    of ``bases`` (their init fields, recursively); anything else raises :class:`NotPortable`.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode_setting(v, bases) for v in value]}
    if isinstance(value, list):
        return [encode_setting(v, bases) for v in value]
    if isinstance(value, bases) and _is_ganzoo(type(value)):
        if dataclasses.is_dataclass(value):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init}
        else:
            fields = dict(vars(value))
        encoded = {k: encode_setting(v, bases) for k, v in fields.items()}
        return {"__class__": class_name(type(value)), "fields": encoded}
    raise NotPortable(value)


def decode_setting(data: Any, bases: tuple[type, ...]) -> Any:
    """The value that :func:`encode_setting` described (ValueError if it cannot be rebuilt)."""
    if isinstance(data, list):
        return [decode_setting(v, bases) for v in data]
    if not isinstance(data, dict):
        return data
    if set(data) == {"__tuple__"}:
        return tuple(decode_setting(v, bases) for v in data["__tuple__"])
    if set(data) == {"__class__", "fields"}:
        cls = resolve_class(data["__class__"], bases)
        return cls(**{str(k): decode_setting(v, bases) for k, v in data["fields"].items()})
    raise ValueError(f"unexpected entry {sorted(data)!r} in the configuration")


def class_name(cls: type) -> str:
    """``"module:QualName"``, as a checkpoint records a class."""
    return f"{cls.__module__}:{cls.__qualname__}"


def resolve_class(name: Any, bases: tuple[type, ...]) -> type:
    """The class recorded as ``"module:QualName"``: one of ganzoo's own subclasses of ``bases``.

    Found among the loaded subclasses, never imported by name from the file. A name
    written before ganzoo's modules moved (``ganzoo.losses.sigmoid_bce:SigmoidBCELoss``,
    now in ``ganzoo.losses._sigmoid_bce``) resolves by its qualified name when exactly
    one of ganzoo's classes has it.
    """
    if not isinstance(name, str) or name.count(":") != 1:
        raise ValueError(f"class name {name!r} is not of the form 'module:QualName'")
    module_name, qualname = name.split(":")
    if not (module_name == "ganzoo" or module_name.startswith("ganzoo.")):
        raise ValueError(f"class {name!r} is not one of ganzoo's own (only ganzoo's classes are rebuilt)")
    candidates = [cls for cls in subclasses(bases) if _is_ganzoo(cls)]
    for cls in candidates:
        if class_name(cls) == name:
            return cls
    moved = [cls for cls in candidates if cls.__qualname__ == qualname]
    if len(moved) == 1:
        return moved[0]
    raise ValueError(f"class {name!r} does not exist in this ganzoo (or is not a setting class)")


def subclasses(bases: tuple[type, ...]) -> Iterator[type]:
    """``bases`` and every class derived from them, at any depth, each once."""
    seen: set[type] = set()
    stack = list(bases)
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.add(cls)
            yield cls
            stack.extend(cls.__subclasses__())


def _is_ganzoo(cls: type) -> bool:
    return cls.__module__ == "ganzoo" or cls.__module__.startswith("ganzoo.")
