"""Checkpoints: a GAN's whole training state in one file, written atomically, read safely.

A checkpoint holds everything the rest of a run depends on: the networks' weights (and the
generator's moving average), the optimizers' state (the torch optimizers', or the fused
engine's own), the learning-rate schedulers, the step count, the divergence state, the
history, the sampling call counter, the fully resolved configuration, the seeds and, when the file was written
by ``fit(checkpoint=...)``, the fit call in progress (its last step, its evaluation
schedule and whether it ran compiled). The training batches and the penalties' random
numbers need no state: they are functions of (seed, step) (:mod:`ganzoo._streams`).

Writing is atomic: a temporary file in the same folder, flushed and fsynced, then
``os.replace``-d over the target (and the folder fsynced), so a process killed at any
moment leaves either the previous checkpoint or the new one, never a torn file.

Reading uses ``torch.load(weights_only=True)``: tensors and plain containers only, never
pickled code. Anything that is not a ganzoo checkpoint of this format version (a
truncated or foreign file, a file that needs code to load, another version) raises a
:class:`CheckpointError` (a ValueError) that names the file and says what was expected.
The user-facing calls are :meth:`ganzoo.GAN.save`, :meth:`~ganzoo.GAN.load`,
:meth:`~ganzoo.GAN.restore` and :meth:`~ganzoo.GAN.resume`.

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
import importlib
import os
import pickle
import re
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ._config import GANConfig
from ._history import History
from .losses import Loss
from ._networks import NetworkSpec
from ._optim import LRDecay, OptimizerSpec
from ._penalties import Constraint, Penalty

if TYPE_CHECKING:  # pragma: no cover
    from ._gan import GAN

FORMAT = "ganzoo._checkpoint"
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
# Histories as tensors (weights_only files hold no numpy arrays)


def history_to_state(history: History | None) -> dict[str, Any] | None:
    """An ensemble history (member axis first) as tensors and lists."""
    if history is None:
        return None
    return {
        "d_loss": torch.as_tensor(np.array(history.d_loss, dtype=np.float64)),
        "g_loss": torch.as_tensor(np.array(history.g_loss, dtype=np.float64)),
        "eval_steps": torch.as_tensor(np.array(history.eval_steps, dtype=np.int64)),
        "scores": {key: torch.as_tensor(np.array(value, dtype=np.float64)) for key, value in history.scores.items()},
        "labels": np.asarray(history.labels).tolist(),
        "diverged_at": torch.as_tensor(np.array(history.diverged_at, dtype=np.int64)),
    }


def history_from_state(state: dict[str, Any] | None, *, members: int) -> History | None:
    """The :class:`History` that :func:`history_to_state` wrote (ValueError if malformed)."""
    if state is None:
        return None
    d_loss, g_loss = state["d_loss"].numpy(), state["g_loss"].numpy()
    eval_steps = state["eval_steps"].numpy()
    if d_loss.shape != g_loss.shape or d_loss.ndim != 2 or d_loss.shape[0] != members or eval_steps.ndim != 1:
        raise ValueError(f"history shapes {tuple(d_loss.shape)}, {tuple(g_loss.shape)} do not fit {members} members")
    scores = {key: value.numpy() for key, value in state["scores"].items()}
    for key, value in scores.items():
        if value.shape != (members, len(eval_steps)):
            raise ValueError(f"history score {key!r} has shape {value.shape}, expected {(members, len(eval_steps))}")
    labels = np.empty((members, len(eval_steps)), dtype=object)
    labels[...] = np.array(state["labels"], dtype=object).reshape(members, len(eval_steps))
    return History(
        d_loss=d_loss,
        g_loss=g_loss,
        eval_steps=eval_steps,
        scores=scores,
        labels=labels,
        diverged_at=state["diverged_at"].numpy().astype(np.int64),
    )


# --------------------------------------------------------------------------------------
# The configuration as data: rebuilt from ganzoo's own classes only

_CONFIG_PARTS = (GANConfig, Loss, NetworkSpec, OptimizerSpec, Penalty, Constraint, LRDecay)


class _NotPortable(Exception):
    pass


def encode_config(config: GANConfig) -> dict[str, Any] | None:
    """``config`` as plain data that :func:`decode_config` rebuilds, or None if it holds
    something that is not one of ganzoo's own settings (e.g. a user's module as network)."""
    try:
        encoded = _encode(config)
    except _NotPortable:
        return None
    try:  # only claim what rebuilds to the same setting
        same = decode_config(encoded).to_dict() == config.to_dict()
    except Exception:
        same = False
    return encoded if same else None


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, _CONFIG_PARTS):
        cls = type(value)
        if not (cls.__module__ == "ganzoo" or cls.__module__.startswith("ganzoo.")):
            raise _NotPortable(cls)
        if dataclasses.is_dataclass(value):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init}
        else:
            fields = dict(vars(value))
        return {"__class__": f"{cls.__module__}:{cls.__qualname__}", "fields": {k: _encode(v) for k, v in fields.items()}}
    raise _NotPortable(value)


def decode_config(data: dict[str, Any]) -> GANConfig:
    """The :class:`GANConfig` that :func:`encode_config` described (ValueError if it cannot be)."""
    config = _decode(data)
    if not isinstance(config, GANConfig):
        raise ValueError(f"the configuration decodes to {type(config).__name__}, not GANConfig")
    return config


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"__tuple__"}:
        return tuple(_decode(v) for v in value["__tuple__"])
    if set(value) == {"__class__", "fields"}:
        cls = _ganzoo_class(value["__class__"], _CONFIG_PARTS)
        return cls(**{str(k): _decode(v) for k, v in value["fields"].items()})
    raise ValueError(f"unexpected entry {sorted(value)!r} in the configuration")


def _ganzoo_class(name: Any, bases: tuple[type, ...]) -> type:
    """The class ``"module:QualName"``, only from ganzoo's own modules and only a subclass of ``bases``."""
    if not isinstance(name, str) or name.count(":") != 1:
        raise ValueError(f"class name {name!r} is not of the form 'module:QualName'")
    module_name, qualname = name.split(":")
    if not (module_name == "ganzoo" or module_name.startswith("ganzoo.")):
        raise ValueError(f"class {name!r} is not one of ganzoo's own (only ganzoo's classes are rebuilt)")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        raise ValueError(f"class {name!r} does not exist in this ganzoo") from None
    if not (isinstance(target, type) and issubclass(target, bases)):
        raise ValueError(f"{name!r} is not a ganzoo setting class")
    return target


def class_name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


# --------------------------------------------------------------------------------------
# GAN <-> file


def payload(gan: GAN, call: dict[str, Any] | None) -> dict[str, Any]:
    """Everything :func:`restore` needs, for a built ``gan``; ``call`` is the fit in progress."""
    from . import __version__

    trainer = gan.trainer
    assert trainer is not None
    spec = getattr(trainer.target, "spec", None)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "ganzoo_version": __version__,
        "torch_version": str(torch.__version__),
        "variant": {"name": type(gan).name, "class": class_name(type(gan))},
        "config": gan.config.to_dict(),
        "config_spec": encode_config(gan.config),
        "seeds": [int(s) for s in gan.seeds],
        "single": bool(gan._single),
        "dtype": str(gan.dtype).removeprefix("torch."),
        "device": str(gan.device),
        "engine": gan.engine,
        "trainer_engine": "fused" if trainer.fused is not None else "autograd",
        "target": spec if isinstance(spec, str) else None,
        "target_dim": int(trainer.target.dim),
        "sample_calls": int(gan._sample_calls),
        "fit": None if call is None else dict(call),
        "state": trainer.state_dict(),
    }


def load_gan(
    cls: type[GAN], path: str | os.PathLike, *, target=None, device: str | torch.device | None = None, engine: str | None = None
) -> GAN:
    """A new GAN of the class recorded in ``path`` with its saved state (see :meth:`GAN.load`)."""
    path = Path(path)
    data = read(path)
    klass = _gan_class(cls, data, path)
    if data["config_spec"] is None:
        raise CheckpointError(
            f"{path} holds a setting that a checkpoint cannot rebuild (a network, loss or add-on that is "
            f"not one of ganzoo's own); construct the GAN as it was made and call gan.restore({str(path)!r})"
        )
    try:
        config = decode_config(data["config_spec"])
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: its configuration cannot be rebuilt: {error}") from None
    if config.to_dict() != data["config"]:
        raise CheckpointError(f"{path}: its configuration rebuilds differently in this ganzoo ({_difference(data['config'], config.to_dict())})")
    seeds = data["seeds"]
    who = {"seed": seeds[0]} if data["single"] and len(seeds) == 1 else {"seeds": seeds}
    try:
        gan = klass(
            **who,
            device=data["device"] if device is None else device,
            dtype=DTYPES[data["dtype"]],
            engine=data["engine"] if engine is None else engine,
        )
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: cannot make the GAN it records: {error}") from None
    gan.config = config  # the saved setting as resolved then, whatever the defaults are now
    restore(gan, path, target=target, data=data)
    return gan


def _gan_class(cls: type[GAN], data: dict[str, Any], path: Path) -> type[GAN]:
    from ._gan import GAN
    from .variants import VARIANTS

    recorded = data["variant"].get("class")
    if recorded == class_name(cls):
        return cls
    registered = VARIANTS.get(data["variant"].get("name"))
    if registered is not None and class_name(registered) == recorded:
        klass: type = registered
    else:
        try:
            klass = _ganzoo_class(recorded, (GAN,))
        except ValueError:
            raise CheckpointError(
                f"{path} records the GAN class {recorded!r}, which is not one of ganzoo's variants; "
                "call that class's .load() (e.g. MyGAN.load(path))"
            ) from None
    if not issubclass(klass, cls):
        raise CheckpointError(f"{path} holds a {klass.__name__}, not a {cls.__name__}; use GAN.load(path) or {klass.__name__}.load(path)")
    return klass


def restore(gan: GAN, path: str | os.PathLike, *, target=None, data: dict[str, Any] | None = None) -> None:
    """Load the checkpoint ``path`` into ``gan`` (see :meth:`GAN.restore`)."""
    from evaluation import target_from_spec

    from ._gan import _default_target
    from ._trainer import Trainer

    path = Path(path)
    data = read(path) if data is None else data
    if [int(s) for s in gan.seeds] != data["seeds"]:
        raise CheckpointError(f"{path} holds the runs of seeds {_short(data['seeds'])}, this GAN has seeds {_short(gan.seeds)}")
    if gan.config.to_dict() != data["config"]:
        raise CheckpointError(f"{path} was trained with another setting ({_difference(data['config'], gan.config.to_dict())})")
    if str(gan.dtype).removeprefix("torch.") != data["dtype"]:
        raise CheckpointError(f"{path} holds {data['dtype']} weights, this GAN is {gan.dtype}")
    if target is None and gan.trainer is not None:
        target = gan.trainer.target
    if target is None:
        if data["target"] is None:
            raise CheckpointError(f"{path} records no target spec (a custom target): pass the target it was trained on")
        target = target_from_spec(data["target"])
    target = _default_target(target)
    spec = getattr(target, "spec", None)
    if data["target"] is not None and isinstance(spec, str) and spec != data["target"]:
        raise CheckpointError(f"{path} was trained on {data['target']!r}, not on {spec!r}; pass the target it was trained on")
    if target.dim != data["target_dim"]:
        raise CheckpointError(f"{path} was trained on a target of dimension {data['target_dim']}, not {target.dim}")
    # A fresh trainer, swapped in only once the whole state has loaded.
    trainer = Trainer(gan.config, gan.seeds, target, device=gan.device, dtype=gan.dtype, engine=gan.engine)
    kind = "fused" if trainer.fused is not None else "autograd"
    if kind != data["trainer_engine"]:
        raise CheckpointError(
            f"{path} was trained by the {data['trainer_engine']} engine, this GAN trains with {kind} "
            f"(engine={gan.engine!r}); their optimizer states differ. Load it with the engine it was saved with"
        )
    try:
        trainer.load_state_dict(data["state"])
    except (RuntimeError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()] or [type(error).__name__]
        first = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]  # torch's header, then the first problem
        raise CheckpointError(f"{path} is damaged or does not fit this GAN: {first}") from None
    gan.trainer = trainer
    gan._sample_calls = data["sample_calls"]
    gan._interrupted = data["fit"]
    gan._checkpoint_file = path


def _short(values) -> str:
    values = list(values)
    return repr(values) if len(values) <= 6 else f"[{values[0]}, {values[1]}, ..., {values[-1]}] ({len(values)} seeds)"


def _difference(stored: dict[str, Any], given: dict[str, Any]) -> str:
    for key in sorted(set(stored) | set(given)):
        if stored.get(key) != given.get(key):
            return f"{key}: saved {stored.get(key)!r}, here {given.get(key)!r}"
    return "no difference"  # pragma: no cover
