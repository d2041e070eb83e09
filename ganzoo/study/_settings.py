"""Settings: a variant and the overrides a study (or a command line) applies to it.

A *setting* is written ``VARIANT`` or ``VARIANT:key=value,key=value``; a value list
``key=a|b|c`` (a TOML list in a file) expands into one setting per value, and several
lists into their product. ``VARIANT:recommended`` starts from the variant's
``recommended()`` settings instead of its defaults (further ``key=value`` pairs apply on
top). ``all`` stands for every registered variant. The keys are :data:`OVERRIDES`.
"""

from __future__ import annotations

import dataclasses
import itertools
import numbers
from collections.abc import Callable, Mapping
from typing import Any

from .._config import GANConfig
from .._networks import MLP_PRESETS, MLPSpec
from .._optim import Adam, LRDecay
from .._paper_networks import PAPER_NETWORKS
from .._penalties import R1, R2, GradientPenalty
from ..remedies import InstanceNoise
from ..variants import VARIANTS

RECOMMENDED = "recommended"

# --------------------------------------------------------------------------------------
# Overrides: key -> (type, what it changes). Each applier maps (config, value) -> config.


def _replace_optimizers(which: str, field: str) -> Callable[[GANConfig, Any], GANConfig]:
    """Change ``field`` (lr, beta1, beta2) of the generator's (g), discriminator's (d) or both optimizers."""

    def apply(config: GANConfig, value: Any) -> GANConfig:
        updated = {}
        for name in ("g_optimizer", "d_optimizer"):
            if which not in ("both", name[0]):
                continue
            optimizer = getattr(config, name)
            if field.startswith("beta"):
                if not isinstance(optimizer, Adam):
                    raise ValueError(f"{field} applies to Adam only; this setting's {name} is {optimizer!r}")
                betas = list(optimizer.betas)
                betas[int(field[-1]) - 1] = value
                updated[name] = dataclasses.replace(optimizer, betas=tuple(betas))
            else:
                updated[name] = dataclasses.replace(optimizer, **{field: value})
        return dataclasses.replace(config, **updated)

    return apply


def _replace_networks(which: str, field: str) -> Callable[[GANConfig, Any], GANConfig]:
    def apply(config: GANConfig, value: Any) -> GANConfig:
        updated = {}
        for name in ("generator", "discriminator"):
            if which not in ("both", name[0]):
                continue
            network = getattr(config, name)
            if not isinstance(network, MLPSpec):
                raise ValueError(f"{field} applies to MLPSpec networks only; this setting's {name} is {network!r}")
            updated[name] = dataclasses.replace(network, **{field: value})
        return dataclasses.replace(config, **updated)

    return apply


def _network_preset(config: GANConfig, name: str) -> GANConfig:
    """Both networks shaped as the preset ``name`` (keeping their other options)."""
    if name not in MLP_PRESETS:
        raise ValueError(f"networks must be one of {', '.join(map(repr, MLP_PRESETS))}; got {name!r}")
    preset = MLP_PRESETS[name]
    config = _replace_networks("both", "width")(config, preset.width)
    return _replace_networks("both", "depth")(config, preset.depth)


def _named_network(which: str) -> Callable[[GANConfig, Any], GANConfig]:
    """Replace the generator (g) or discriminator (d) by a named network: an MLP shape of
    :data:`ganzoo.MLP_PRESETS` or a paper's network of :data:`ganzoo._paper_networks.PAPER_NETWORKS`."""
    field = {"g": "generator", "d": "discriminator"}[which]

    def apply(config: GANConfig, name: str) -> GANConfig:
        known = {**MLP_PRESETS, **PAPER_NETWORKS}
        if name not in known:
            raise ValueError(f"{which}_network must be one of {', '.join(map(repr, known))}; got {name!r}")
        return dataclasses.replace(config, **{field: known[name]})

    return apply


def _field(name: str) -> Callable[[GANConfig, Any], GANConfig]:
    return lambda config, value: dataclasses.replace(config, **{name: value})


def _add_penalty(make: Callable[[float], object]) -> Callable[[GANConfig, Any], GANConfig]:
    """Add the penalty ``make(value)``, replacing one of the same kind that the setting has
    (so ``wgan-gp:gp=0.1`` sets WGAN-GP's λ instead of adding a second penalty)."""

    def apply(config: GANConfig, value: Any) -> GANConfig:
        penalty = make(value)
        others = tuple(p for p in config.penalties if type(p) is not type(penalty))
        return dataclasses.replace(config, penalties=(*others, penalty))

    return apply


def _instance_noise(field: str) -> Callable[[GANConfig, Any], GANConfig]:
    """Set ``field`` of the setting's instance noise (adding ``InstanceNoise()`` if it has none)."""

    def apply(config: GANConfig, value: Any) -> GANConfig:
        noise = config.instance_noise or InstanceNoise()
        return dataclasses.replace(config, instance_noise=dataclasses.replace(noise, **{field: value}))

    return apply


def _lr_decay(config: GANConfig, value: str) -> GANConfig:
    """The decay's kind, keeping the final factor an ``lr_decay_final`` key set (applied first)."""
    if value not in ("linear", "exponential", "none"):
        raise ValueError(f"lr_decay must be linear, exponential or none, got {value!r}")
    final = config.lr_decay.final if config.lr_decay is not None else 0.0
    if value == "none":
        if final != 0:
            raise ValueError(f"lr_decay=none leaves no decay for lr_decay_final={final!r} to end at")
        return dataclasses.replace(config, lr_decay=None)
    if value == "exponential" and final == 0:
        raise ValueError(
            "lr_decay=exponential needs lr_decay_final=F with 0 < F <= 1 (the factor the learning "
            "rates reach at the end of the run), e.g. lr_decay=exponential,lr_decay_final=0.01"
        )
    return dataclasses.replace(config, lr_decay=LRDecay(kind=value, final=final))


def _lr_decay_final(config: GANConfig, value: float) -> GANConfig:
    """The factor the decay reaches at the end (a linear decay when the setting has none yet)."""
    kind = config.lr_decay.kind if config.lr_decay is not None else "linear"
    return dataclasses.replace(config, lr_decay=LRDecay(kind=kind, final=value))


@dataclasses.dataclass(frozen=True)
class Override:
    """One override key: its value type, a one-line description and how it applies."""

    type: type
    help: str
    apply: Callable[[GANConfig, Any], GANConfig]


OVERRIDES: dict[str, Override] = {
    "lr": Override(float, "learning rate of both optimizers", _replace_optimizers("both", "lr")),
    "g_lr": Override(float, "generator learning rate (TTUR)", _replace_optimizers("g", "lr")),
    "d_lr": Override(float, "discriminator learning rate (TTUR)", _replace_optimizers("d", "lr")),
    "beta1": Override(float, "Adam beta1 of both optimizers", _replace_optimizers("both", "beta1")),
    "beta2": Override(float, "Adam beta2 of both optimizers", _replace_optimizers("both", "beta2")),
    "n_critic": Override(int, "discriminator steps per generator step", _field("n_critic")),
    "batch_size": Override(int, "batch size", _field("batch_size")),
    "latent_dim": Override(int, "noise dimension", _field("latent_dim")),
    "ema_decay": Override(float, "generator weight EMA decay (0: off)", _field("ema_decay")),
    # A named shape comes before the width/depth/activation keys, so "networks=planar,width=64"
    # is the planar shape 64 wide (the keys apply in this order, whatever the text's order).
    "networks": Override(str, f"both MLPs' shape: {' | '.join(MLP_PRESETS)}", _network_preset),
    "g_network": Override(str, "the generator, by name (MLP shapes or papers' networks)", _named_network("g")),
    "d_network": Override(str, "the discriminator, by name (MLP shapes or papers' networks)", _named_network("d")),
    "width": Override(int, "hidden width of both MLPs", _replace_networks("both", "width")),
    "depth": Override(int, "hidden layers of both MLPs", _replace_networks("both", "depth")),
    "activation": Override(str, "hidden activation of both MLPs", _replace_networks("both", "activation")),
    "g_width": Override(int, "generator hidden width", _replace_networks("g", "width")),
    "g_depth": Override(int, "generator hidden layers", _replace_networks("g", "depth")),
    "d_width": Override(int, "discriminator hidden width", _replace_networks("d", "width")),
    "d_depth": Override(int, "discriminator hidden layers", _replace_networks("d", "depth")),
    "spectral_norm": Override(bool, "spectral normalization of D", _replace_networks("d", "spectral_norm")),
    "r1": Override(float, "add R1(gamma=value), or set the setting's", _add_penalty(lambda v: R1(gamma=v))),
    "r2": Override(float, "add R2(gamma=value), or set the setting's", _add_penalty(lambda v: R2(gamma=v))),
    "gp": Override(float, "add GradientPenalty(weight=value), or set the setting's", _add_penalty(lambda v: GradientPenalty(weight=v))),
    # The final factor comes before the kind, so "lr_decay=exponential,lr_decay_final=0.01" is valid.
    "lr_decay_final": Override(float, "the factor the decay reaches at the end (default 0, linear)", _lr_decay_final),
    "lr_decay": Override(str, "linear | exponential | none", _lr_decay),
    "standardize": Override(bool, "train in the target's standard units", _field("standardize")),
    "packing": Override(int, "samples per discriminator input (PacGAN)", _field("packing")),
    "unrolled_steps": Override(int, "look-ahead discriminator steps for G (unrolled GAN)", _field("unrolled_steps")),
    "instance_noise": Override(float, "add InstanceNoise(std=value)", _instance_noise("std")),
    "instance_noise_anneal": Override(int, "instance noise annealed to 0 over this many steps", _instance_noise("anneal_steps")),
    "updates": Override(str, "alternating | simultaneous", _field("updates")),
    "consensus": Override(float, "consensus optimization's gamma (needs updates=simultaneous)", _field("consensus")),
    "minibatch_std": Override(bool, "minibatch standard deviation feature in D", _replace_networks("d", "minibatch_std")),
    "orthogonal_init": Override(float, "orthogonal initial weights of both MLPs, times this gain", _replace_networks("both", "orthogonal_gain")),
}
SETTING_GRAMMAR = (
    "VARIANT, VARIANT:key=value[,key=value...] (value lists a|b|c expand), VARIANT:recommended[,key=value...] "
    "or all[:key=value...]"
)


def _convert(key: str, value: Any, where: str) -> Any:
    """``value`` (a string from the command line, or a TOML value) as the key's type."""
    kind = OVERRIDES[key].type
    bad = ValueError(f"{where}: {key} must be {kind.__name__}, got {value!r}")
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise bad
    if kind is int:
        if isinstance(value, bool):
            raise bad
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                raise bad from None
        raise bad
    if kind is float:
        if isinstance(value, bool):
            raise bad
        if isinstance(value, numbers.Real):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise bad from None
        raise bad
    if not isinstance(value, str):
        raise bad
    return value


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclasses.dataclass(frozen=True)
class Setting:
    """A variant with optional overrides: one row of a study's comparison.

    ``overrides`` is a tuple of ``(key, value)`` pairs in :data:`OVERRIDES` order;
    ``recommended`` starts from ``cls.recommended()`` instead of ``cls.defaults``.
    :attr:`id` is the canonical text form, e.g. ``nonsaturating:lr=0.001``.
    """

    variant: str
    overrides: tuple[tuple[str, Any], ...] = ()
    recommended: bool = False

    def __post_init__(self) -> None:
        variants = VARIANTS
        if self.variant not in variants:
            raise ValueError(f"unknown variant {self.variant!r}; known variants: {', '.join(variants)}, or all")
        try:
            if isinstance(self.overrides, str):
                raise TypeError
            pairs = dict(self.overrides.items() if isinstance(self.overrides, Mapping) else self.overrides)
        except (TypeError, ValueError):
            raise ValueError(
                f"setting {self.variant!r}: overrides must be a mapping or (key, value) pairs such as "
                f"{{'lr': 0.001}}, got {self.overrides!r}"
            ) from None
        for key in pairs:
            if key not in OVERRIDES:
                raise ValueError(
                    f"setting {self.variant!r}: unknown option {key!r}; known options: {', '.join(OVERRIDES)}"
                    f" (and {RECOMMENDED})"
                )
        converted = {key: _convert(key, value, f"setting {self.variant!r}") for key, value in pairs.items()}
        ordered = tuple((key, converted[key]) for key in OVERRIDES if key in converted)
        object.__setattr__(self, "overrides", ordered)

    @property
    def id(self) -> str:
        parts = ([RECOMMENDED] if self.recommended else []) + [f"{k}={_format(v)}" for k, v in self.overrides]
        return self.variant + (":" + ",".join(parts) if parts else "")

    def __str__(self) -> str:
        return self.id

    @property
    def variant_class(self):
        return VARIANTS[self.variant]

    def base_config(self) -> GANConfig:
        """The variant's defaults, or its ``recommended()`` setting."""
        cls = self.variant_class
        if not self.recommended:
            return cls.defaults
        try:
            return cls.recommended().config
        except NotImplementedError as error:
            raise ValueError(f"setting {self.id!r}: {error}") from None

    def config(self, steps: int | None = None) -> GANConfig:
        """The full resolved configuration; ``steps`` (if given) replaces the budget."""
        config = self.base_config()
        for key, value in self.overrides:
            try:
                config = OVERRIDES[key].apply(config, value)
            except (ValueError, TypeError) as error:
                raise ValueError(f"setting {self.id!r}: {error}") from None
        if steps is not None:
            config = dataclasses.replace(config, steps=steps)
        return config

    def gan(self, config: GANConfig, **options: Any):
        """The variant built with ``config`` (this setting's :meth:`config`, resolved once);
        ``options``: ``seed`` or ``seeds``, ``engine``, ``device``, ``dtype``."""
        fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
        return self.variant_class(**fields, **options)

    @classmethod
    def parse(cls, text: str) -> list[Setting]:
        """The settings that ``text`` names (value lists and ``all`` expand)."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"setting must be a non-empty string ({SETTING_GRAMMAR}), got {text!r}")
        name, _, rest = text.strip().partition(":")
        recommended = False
        pairs: dict[str, list[str]] = {}
        for item in filter(None, (part.strip() for part in rest.split(","))) if rest else ():
            if item == RECOMMENDED:
                recommended = True
                continue
            key, eq, value = item.partition("=")
            if not eq or not key.strip() or not value.strip():
                raise ValueError(f"setting {text!r}: expected key=value, got {item!r}; grammar: {SETTING_GRAMMAR}")
            pairs[key.strip()] = [v.strip() for v in value.split("|")]
        return cls.expand(name.strip(), pairs, recommended=recommended)

    @classmethod
    def expand(cls, variant: str, options: Mapping[str, Any], *, recommended: bool = False) -> list[Setting]:
        """One setting per combination of the option values (lists expand)."""
        names = list(VARIANTS) if variant == "all" else [variant]
        keys = list(options)
        choices = [list(v) if isinstance(v, list | tuple) else [v] for v in options.values()]
        for key, values in zip(keys, choices):
            if not values:
                raise ValueError(f"setting {variant!r}: {key} has an empty list of values")
        return [
            cls(name, tuple(zip(keys, combination)), recommended)
            for name in names
            for combination in itertools.product(*choices)
        ]
