"""A GAN's checkpoint contents: what :meth:`ganzoo.GAN.save` writes and what
:meth:`~ganzoo.GAN.load` and :meth:`~ganzoo.GAN.restore` read back.

The file format, atomic writing and safe reading are :mod:`ganzoo._checkpoint`'s (a leaf);
here the GAN's parts become a payload and a payload becomes a trainer again. The GAN passes
its parts in and takes the results back, so no module reaches into its private state.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from evaluation import target_from_spec

from . import _checkpoint
from ._checkpoint import CheckpointError, NotPortable
from ._config import GANConfig
from ._networks import NetworkSpec
from ._optim import LRDecay, OptimizerSpec
from ._penalties import Constraint, Penalty
from ._targets import HOLDOUT, training_target
from ._trainer import Trainer
from ._version import __version__
from .losses import Loss
from .remedies import InstanceNoise

SETTING_CLASSES = (GANConfig, Loss, NetworkSpec, OptimizerSpec, Penalty, Constraint, LRDecay, InstanceNoise)
"""What a configuration is rebuilt from: ganzoo's own subclasses of these only."""


def encode_config(config: GANConfig) -> dict[str, Any] | None:
    """``config`` as plain data that :func:`decode_config` rebuilds, or None if it holds
    something that is not one of ganzoo's own settings (e.g. a user's module as network)."""
    try:
        encoded = _checkpoint.encode_setting(config, SETTING_CLASSES)
    except NotPortable:
        return None
    try:  # only claim what rebuilds to the same setting
        same = decode_config(encoded).to_dict() == config.to_dict()
    except Exception:
        same = False
    return encoded if same else None


def decode_config(data: dict[str, Any]) -> GANConfig:
    """The :class:`GANConfig` that :func:`encode_config` described (ValueError if it cannot be)."""
    config = _checkpoint.decode_setting(data, SETTING_CLASSES)
    if not isinstance(config, GANConfig):
        raise ValueError(f"the configuration decodes to {type(config).__name__}, not GANConfig")
    return config


def payload(
    gan_class: type,
    *,
    config: GANConfig,
    seeds: list[int],
    single: bool,
    dtype: torch.dtype,
    device: torch.device,
    engine: str,
    trainer: Trainer,
    sample_calls: int,
    call: dict[str, Any] | None,
) -> dict[str, Any]:
    """Everything :func:`restored_trainer` and :meth:`GAN.load` need; ``call`` is the fit in progress."""
    spec = getattr(trainer.target, "spec", None)
    return {
        "format": _checkpoint.FORMAT,
        "format_version": _checkpoint.FORMAT_VERSION,
        "ganzoo_version": __version__,
        "torch_version": str(torch.__version__),
        "variant": {"name": gan_class.name, "class": _checkpoint.class_name(gan_class)},
        "config": config.to_dict(),
        "config_spec": encode_config(config),
        "seeds": [int(s) for s in seeds],
        "single": bool(single),
        "dtype": str(dtype).removeprefix("torch."),
        "device": str(device),
        "engine": engine,
        "trainer_engine": trainer.engine_kind,
        "target": spec if isinstance(spec, str) else None,
        "target_dim": int(trainer.target.dim),
        "holdout": float(trainer.holdout),
        "sample_calls": int(sample_calls),
        "fit": None if call is None else dict(call),
        "state": trainer.state_dict(),
    }


def saved_class(cls: type, root: type, data: dict[str, Any], path: Path) -> type:
    """The GAN class recorded in ``data``: ``cls`` itself, or one of ganzoo's subclasses of
    ``root`` (the GAN base class), which must be ``cls`` or a subclass of it."""
    recorded = data["variant"].get("class")
    if recorded == _checkpoint.class_name(cls):
        return cls
    try:
        klass = _checkpoint.resolve_class(recorded, (root,))
    except ValueError:
        raise CheckpointError(
            f"{path} records the GAN class {recorded!r}, which is not one of ganzoo's variants; "
            "call that class's .load() (e.g. MyGAN.load(path))"
        ) from None
    if not issubclass(klass, cls):
        raise CheckpointError(f"{path} holds a {klass.__name__}, not a {cls.__name__}; use GAN.load(path) or {klass.__name__}.load(path)")
    return klass


def saved_config(data: dict[str, Any], path: Path) -> GANConfig:
    """The resolved configuration recorded in ``data``, rebuilt (a CheckpointError if it cannot be)."""
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
    return config


def restored_trainer(
    data: dict[str, Any],
    path: Path,
    *,
    config: GANConfig,
    seeds: list[int],
    dtype: torch.dtype,
    device: torch.device,
    engine: str,
    target=None,
) -> Trainer:
    """A new trainer holding the state saved in ``data`` (read from ``path``).

    It must fit the given seeds, setting, dtype and engine kind, else a CheckpointError
    says what differs. ``target``: the one to train on (None: the saved spec).
    """
    if [int(s) for s in seeds] != data["seeds"]:
        raise CheckpointError(f"{path} holds the runs of seeds {_short(data['seeds'])}, this GAN has seeds {_short(seeds)}")
    if config.to_dict() != data["config"]:
        raise CheckpointError(f"{path} was trained with another setting ({_difference(data['config'], config.to_dict())})")
    if str(dtype).removeprefix("torch.") != data["dtype"]:
        raise CheckpointError(f"{path} holds {data['dtype']} weights, this GAN is {dtype}")
    if target is None:
        if data["target"] is None:
            raise CheckpointError(f"{path} records no target spec (a custom target): pass the target it was trained on")
        try:
            target = target_from_spec(data["target"])
        except (ValueError, TypeError) as error:  # e.g. in-memory data, or a data file gone
            raise CheckpointError(f"{path} was trained on {data['target']!r}, which cannot be rebuilt here ({error}); pass the target it was trained on") from None
    target = training_target(target)
    spec = getattr(target, "spec", None)
    if data["target"] is not None and isinstance(spec, str) and spec != data["target"]:
        raise CheckpointError(f"{path} was trained on {data['target']!r}, not on {spec!r}; pass the target it was trained on")
    if target.dim != data["target_dim"]:
        raise CheckpointError(f"{path} was trained on a target of dimension {data['target_dim']}, not {target.dim}")
    holdout = data.get("holdout", HOLDOUT)  # absent from files written before data targets
    # Under "auto", the engine that wrote the state (auto's choice may have changed since).
    chosen = data["trainer_engine"] if engine == "auto" else engine
    trainer = Trainer(config, seeds, target, device=device, dtype=dtype, engine=chosen, holdout=holdout)
    kind = trainer.engine_kind
    if kind != data["trainer_engine"]:
        raise CheckpointError(
            f"{path} was trained by the {data['trainer_engine']} engine, this GAN trains with {kind} "
            f"(engine={engine!r}); their optimizer states differ. Load it with the engine it was saved with"
        )
    try:
        trainer.load_state_dict(data["state"])
    except (RuntimeError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()] or [type(error).__name__]
        first = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]  # torch's header, then the first problem
        raise CheckpointError(f"{path} is damaged or does not fit this GAN: {first}") from None
    return trainer


def read(path: str | os.PathLike) -> tuple[Path, dict[str, Any]]:
    """``path`` as a Path, and the checkpoint it holds (see :func:`ganzoo._checkpoint.read`)."""
    path = Path(path)
    return path, _checkpoint.read(path)


def _short(values) -> str:
    values = list(values)
    return repr(values) if len(values) <= 6 else f"[{values[0]}, {values[1]}, ..., {values[-1]}] ({len(values)} seeds)"


def _difference(stored: dict[str, Any], given: dict[str, Any]) -> str:
    for key in sorted(set(stored) | set(given)):
        if stored.get(key) != given.get(key):
            return f"{key}: saved {stored.get(key)!r}, here {given.get(key)!r}"
    return "no difference"  # pragma: no cover
