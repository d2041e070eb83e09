"""What the fused engine supports: :func:`unsupported_features` names the rest."""

from __future__ import annotations

import dataclasses

from .._config import GANConfig
from .._networks import MLPSpec
from .._penalties import WeightClipping
from ._layers import ACTIVATION_RULES, HEAD_RULES
from ._rules import _PIECEWISE_LINEAR, LOSS_GRADIENTS, OPTIMIZER_RULES, PENALTY_RULES

# The GANConfig fields whose every value the fused step implements or is checked for below.
# Any other field (one added to GANConfig later) is supported only at its default value, so
# that a new option trains on autograd until the fused step implements it.
IMPLEMENTED_CONFIG_FIELDS = frozenset(
    {
        "loss",
        "generator",
        "discriminator",
        "g_optimizer",
        "d_optimizer",
        "penalties",
        "constraints",
        "n_critic",
        "batch_size",
        "latent_dim",
        "ema_decay",
        "steps",
        "lr_decay",
        "standardize",  # applied outside the step: to the batches it is given and to samples
    }
)
_MLP_FIELDS = frozenset({"width", "depth", "activation", "output"})


def _unknown_options(value: object, known: frozenset[str], what: str) -> list[str]:
    """Dataclass fields of ``value`` outside ``known`` that are not at their default.

    A field added to a setting after this engine was written is unsupported until it is
    implemented here, unless it is left at its default.
    """
    problems = []
    for field in dataclasses.fields(value):  # type: ignore[arg-type]
        if field.name in known:
            continue
        default = field.default
        if field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        if default is dataclasses.MISSING or getattr(value, field.name) != default:
            problems.append(f"{what}.{field.name}={getattr(value, field.name)!r}")
    return problems


def unsupported_features(config: GANConfig) -> list[str]:
    """What in ``config`` the fused engine cannot train, one phrase each ([] if nothing)."""
    problems = [f"the option {p}" for p in _unknown_options(config, IMPLEMENTED_CONFIG_FIELDS, "GANConfig")]
    if type(config.loss) not in LOSS_GRADIENTS:
        problems.append(f"the loss {config.loss!r} (no hand-derived score gradient)")
    for penalty in config.penalties:
        if type(penalty) not in PENALTY_RULES:
            problems.append(f"the penalty {penalty!r} (no hand-derived weight gradient)")
        elif not (
            type(config.discriminator) is MLPSpec
            and config.discriminator.activation in _PIECEWISE_LINEAR
            and config.discriminator.output == "identity"
        ):
            problems.append(
                f"the penalty {penalty!r} on a discriminator other than an MLPSpec with "
                f"activation in {sorted(_PIECEWISE_LINEAR)} and output 'identity'"
            )
    problems += [f"the constraint {c!r}" for c in config.constraints if type(c) is not WeightClipping]
    for name in ("generator", "discriminator"):
        spec = getattr(config, name)
        if type(spec) is not MLPSpec:
            problems.append(f"the {name} {spec!r} (only MLPSpec networks are fused)")
            continue
        problems += [f"the {name} option {p}" for p in _unknown_options(spec, _MLP_FIELDS, "MLPSpec")]
        if spec.activation not in ACTIVATION_RULES:
            problems.append(f"the {name} activation {spec.activation!r}")
        if spec.output not in HEAD_RULES:
            problems.append(f"the {name} output head {spec.output!r}")
    for name in ("g_optimizer", "d_optimizer"):
        spec = getattr(config, name)
        rule = OPTIMIZER_RULES.get(type(spec))
        if rule is None:
            problems.append(f"the {name} {spec!r}")
        else:
            problems += [f"the {name} option {p}" for p in _unknown_options(spec, rule.fields, type(spec).__name__)]
    return problems
