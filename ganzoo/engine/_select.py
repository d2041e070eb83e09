"""Which code trains a GAN's members: the fused engine where it can, else autograd."""

from __future__ import annotations

from .._networks import StackedMLP
from .._validation import check_choice
from ._fused import FusedEngine
from ._support import unsupported_features

ENGINES = ("auto", "autograd", "fused", "fused-eager", "fused-compiled")
_COMPILE = {"auto": None, "fused": None, "fused-eager": False, "fused-compiled": True}


def check_engine(engine: str) -> str:
    """``engine`` if it names an engine, else a ValueError listing them."""
    return check_choice("engine", engine, ENGINES)


def make_engine(engine: str, trainer) -> FusedEngine | None:
    """The fused engine for ``trainer``'s networks, or None for the autograd path.

    ``engine="auto"`` falls back to autograd on a setting the fused engine does not
    support; ``"fused"`` (and its forced variants) raise a ValueError naming what is not.
    """
    check_engine(engine)
    if engine == "autograd":
        return None
    problems = unsupported_features(trainer.config)
    if not problems and not all(
        isinstance(net, StackedMLP) for net in (trainer.generator, trainer.discriminator)
    ):  # pragma: no cover - MLPSpec builds StackedMLP; a guard for future builders
        problems = ["networks that are not StackedMLP ensembles"]
    if problems:
        if engine == "auto":
            return None
        raise ValueError(
            f"engine={engine!r} cannot train this setting: the fused engine does not support "
            f"{'; '.join(problems)}. Use engine='auto' (falls back to autograd) or engine='autograd'."
        )
    for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
        # The fused engine updates the parameters in place of optimizer.step(), but takes
        # the learning rate from the optimizer, whose LR scheduler the trainer steps; this
        # flag (set by the scheduler's wrapper of optimizer.step) tells the scheduler that
        # it is not being stepped before its optimizer, which it would warn about.
        optimizer._opt_called = True  # type: ignore[attr-defined]
    return FusedEngine(
        trainer.config,
        trainer.generator,
        trainer.discriminator,
        trainer.generator_average,
        optimizers=(trainer.g_optimizer, trainer.d_optimizer),
        compile=_COMPILE[engine],
    )
