"""Which code trains a GAN's members: a fused engine where it can, else autograd."""

from __future__ import annotations

from .._networks import StackedMLP
from .._validation import check_choice
from . import _numba_engine
from ._fused import FusedEngine
from ._numba_engine import NumbaEngine
from ._support import unsupported_features

ENGINES = ("auto", "autograd", "fused", "fused-eager", "fused-compiled", "numba")

NUMBA_MAX_WIDTH = 64
"""The widest hidden layer for which ``"auto"`` picks the numba engine: its loops beat
torch's per-operation overhead on narrow networks, while BLAS wins on wide ones (2 hidden
layers, warm µs per run·step, numba against torch eager: width 64, 285 against 334-353 for
one run and 152-167 against 268-279 at 64 members; width 128, 1,030 against 503 for one
run). Measured on this project's 2-core machines, docs/engine.md's width table."""


def _narrow(config) -> bool:
    return all(spec.depth == 0 or spec.width <= NUMBA_MAX_WIDTH for spec in (config.generator, config.discriminator))


_COMPILE = {"auto": None, "fused": None, "fused-eager": False, "fused-compiled": True}


def check_engine(engine: str) -> str:
    """``engine`` if it names an engine, else a ValueError listing them."""
    return check_choice("engine", engine, ENGINES)


def make_engine(engine: str, trainer) -> FusedEngine | NumbaEngine | None:
    """The engine that trains ``trainer``'s networks, or None for the autograd path.

    ``engine="auto"``: the numba engine on the CPU for networks no wider than
    :data:`NUMBA_MAX_WIDTH`, the torch fused engine for wider ones, on another device or
    where numba cannot be imported, both only for settings they support, else autograd. ``"fused"`` (and its forced variants) and ``"numba"`` raise a ValueError
    naming what they do not support. A function of the setting, the device and the
    installation only, so the same call always trains with the same engine.
    """
    check_engine(engine)
    if engine == "autograd":
        return None
    problems = unsupported_features(trainer.config)
    numba_runs = trainer.device.type == "cpu" and not _numba_engine.IMPORT_ERROR
    if engine == "auto" and numba_runs and not problems and _narrow(trainer.config):
        engine = "numba"
    if engine == "numba":
        if trainer.device.type != "cpu":
            problems.append(f"the device {str(trainer.device)!r} (the numba kernels run on the CPU)")
        if _numba_engine.IMPORT_ERROR:
            problems.append(_numba_engine.IMPORT_ERROR)
    if not problems and not all(
        isinstance(net, StackedMLP) for net in (trainer.generator, trainer.discriminator)
    ):  # pragma: no cover - MLPSpec builds StackedMLP; a guard for future builders
        problems = ["networks that are not StackedMLP ensembles"]
    if problems:
        if engine == "auto":
            return None
        raise ValueError(
            f"engine={engine!r} cannot train this setting: the {'numba' if engine == 'numba' else 'fused'} engine does not support "
            f"{'; '.join(problems)}. Use engine='auto' (falls back to autograd) or engine='autograd'."
        )
    networks = (trainer.config, trainer.generator, trainer.discriminator, trainer.generator_average)
    if engine == "numba":
        return NumbaEngine(*networks, learning_rates=trainer.learning_rates, schedulers=trainer.schedulers)
    return FusedEngine(*networks, learning_rates=trainer.learning_rates, compile=_COMPILE[engine])
