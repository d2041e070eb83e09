"""What a study is: a grid of settings (variant + overrides) x targets x seeds, and its budget.

A *setting* is written ``VARIANT`` or ``VARIANT:key=value,key=value``; a value list
``key=a|b|c`` (a TOML list in a file) expands into one setting per value, and several
lists into their product. ``VARIANT:recommended`` starts from the variant's
``recommended()`` settings instead of its defaults (further ``key=value`` pairs apply on
top). ``all`` stands for every registered variant. The keys are :data:`OVERRIDES`.

A *cell* is one setting on one target with (a chunk of) the study's seeds: the unit of work,
trained as one ensemble, stored in one transaction.
"""

from __future__ import annotations

import dataclasses
import itertools
import numbers
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .._config import GANConfig
from ..engine import check_engine
from .._networks import MLPSpec
from .._optim import Adam, LRDecay
from .._penalties import R1, R2, GradientPenalty

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


def _field(name: str) -> Callable[[GANConfig, Any], GANConfig]:
    return lambda config, value: dataclasses.replace(config, **{name: value})


def _add_penalty(make: Callable[[float], object]) -> Callable[[GANConfig, Any], GANConfig]:
    return lambda config, value: dataclasses.replace(config, penalties=(*config.penalties, make(value)))


def _lr_decay(config: GANConfig, value: str) -> GANConfig:
    return dataclasses.replace(config, lr_decay=None if value == "none" else LRDecay(kind=value))


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
    "width": Override(int, "hidden width of both MLPs", _replace_networks("both", "width")),
    "depth": Override(int, "hidden layers of both MLPs", _replace_networks("both", "depth")),
    "activation": Override(str, "hidden activation of both MLPs", _replace_networks("both", "activation")),
    "g_width": Override(int, "generator hidden width", _replace_networks("g", "width")),
    "g_depth": Override(int, "generator hidden layers", _replace_networks("g", "depth")),
    "d_width": Override(int, "discriminator hidden width", _replace_networks("d", "width")),
    "d_depth": Override(int, "discriminator hidden layers", _replace_networks("d", "depth")),
    "spectral_norm": Override(bool, "spectral normalization of D", _replace_networks("d", "spectral_norm")),
    "r1": Override(float, "add R1(gamma=value)", _add_penalty(lambda v: R1(gamma=v))),
    "r2": Override(float, "add R2(gamma=value)", _add_penalty(lambda v: R2(gamma=v))),
    "gp": Override(float, "add GradientPenalty(weight=value)", _add_penalty(lambda v: GradientPenalty(weight=v))),
    "lr_decay": Override(str, "linear | exponential | none", _lr_decay),
}
if "standardize" in {f.name for f in dataclasses.fields(GANConfig)}:
    OVERRIDES["standardize"] = Override(bool, "train in the target's standard units", _field("standardize"))
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


def _variants():
    from ..variants import VARIANTS

    return VARIANTS


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
        variants = _variants()
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
        return _variants()[self.variant]

    def base_config(self) -> GANConfig:
        """The variant's defaults, or its ``recommended()`` setting."""
        cls = self.variant_class
        if not self.recommended:
            return cls.defaults
        recommended = getattr(cls, "recommended", None)
        if not callable(recommended):
            raise ValueError(
                f"setting {self.id!r}: variant {self.variant!r} has no recommended() settings yet; "
                f"use {self.variant!r} (its defaults) or explicit options such as {self.variant}:lr=1e-3"
            )
        try:
            value = recommended()
        except NotImplementedError as error:
            raise ValueError(f"setting {self.id!r}: {error}") from None
        if isinstance(value, GANConfig):
            return value
        if isinstance(value, Mapping):
            return dataclasses.replace(cls.defaults, **dict(value))
        config = getattr(value, "config", None)  # a GAN instance
        if isinstance(config, GANConfig):
            return config
        raise TypeError(
            f"{cls.__name__}.recommended() must return a GAN, a GANConfig or a dict of GAN keywords, got {value!r}"
        )

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
        names = list(_variants()) if variant == "all" else [variant]
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


MAX_SEEDS = 1_000_000
"""The most seeds a study may have (a larger count is surely a typo, and would fill memory)."""
SEED_LIMIT = 2**63
"""Seeds are stored as SQLite INTEGERs (signed 64-bit): each must be below this."""


def parse_seeds(value: int | str | Iterable[int]) -> tuple[int, ...]:
    """Seeds from ``32`` (= 0..31), ``"100:132"`` (100..131), ``"1,5,9"`` or an iterable."""
    where = "seeds"
    if isinstance(value, bool):
        raise ValueError(f"{where} must be a count, START:STOP or a list of seeds, got {value!r}")
    if isinstance(value, numbers.Integral):
        if value < 1:
            raise ValueError(f"{where} must be >= 1, got {value}")
        if value > MAX_SEEDS:
            raise ValueError(f"{where} must be a count <= {MAX_SEEDS}, got {value}")
        return tuple(range(int(value)))
    if isinstance(value, str):
        text = value.strip()
        try:
            if ":" in text:
                start, stop = (int(part) for part in text.split(":"))
                if stop - start > MAX_SEEDS:
                    raise ValueError(f"{where} {value!r} names {stop - start} seeds; at most {MAX_SEEDS}")
                seeds = tuple(range(start, stop))
            elif "," in text:
                seeds = tuple(int(part) for part in text.split(",") if part.strip())
            else:
                return parse_seeds(int(text))
        except ValueError as error:
            if str(error).startswith(where):  # our own message: the text parsed, its value is wrong
                raise
            raise ValueError(
                f"{where} must be a count (32), START:STOP (100:132) or a list (1,5,9), got {value!r}"
            ) from None
    elif isinstance(value, Iterable):
        seeds = tuple(value)
    else:
        raise ValueError(f"{where} must be a count (32), START:STOP (100:132) or a list (1,5,9), got {value!r}")
    if not seeds:
        raise ValueError(f"{where} must name at least one seed, got {value!r}")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < SEED_LIMIT:
            raise ValueError(f"{where} must be integers >= 0 and < 2**63, got {seed!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"{where} must be distinct, got {list(seeds)}")
    return tuple(int(s) for s in seeds)


def _canonical_target(spec: Any) -> str:
    from evaluation import target_from_spec

    if hasattr(spec, "spec") and hasattr(spec, "dim"):
        spec = spec.spec
    if not isinstance(spec, str):
        raise ValueError(f"targets must be target specs such as 'gaussian:4,1.25', got {spec!r}")
    return target_from_spec(spec).spec


@dataclasses.dataclass(frozen=True)
class Cell:
    """One unit of work: a setting on a target with some seeds, trained as one ensemble."""

    setting: Setting
    target: str
    seeds: tuple[int, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Study:
    """A comparative study: ``settings`` x ``targets`` x ``seeds``, with its budget.

    - ``settings``: :class:`Setting` objects or their text (``"all"``,
      ``"nonsaturating:lr=1e-3|1e-4"``, ``"wgan:recommended"``).
    - ``seeds``: a count (``32`` = seeds 0..31), ``"START:STOP"``, ``"1,5,9"`` or integers.
    - ``targets``: target specs (:func:`evaluation.target_from_spec`), stored canonically.
    - ``steps``: generator steps per run; None = each setting's own budget (``config.steps``),
      written out when all settings share it.
    - ``eval_every`` / ``eval_samples``: the score history (every that many steps, on a
      fixed sample of that size; 0 = no history).
    - ``final_samples``: points scored at the end; ``stored_samples`` of them (float32)
      and D(x) on ``grid_points`` grid points are kept for the figures.
    - ``chunk``: seeds per ensemble (None: all seeds of a cell in one ensemble).
    - ``engine``: the training engine (``"auto"``; see :mod:`ganzoo.engine`).
    """

    settings: tuple[Setting, ...]
    seeds: tuple[int, ...] = tuple(range(32))
    targets: tuple[str, ...] = ("gaussian:4,1.25",)
    steps: int | None = None
    eval_every: int = 1000
    eval_samples: int = 2000
    final_samples: int = 10_000
    stored_samples: int = 2000
    grid_points: int = 201
    chunk: int | None = None
    engine: str = "auto"

    def __post_init__(self) -> None:
        if not isinstance(self.settings, str | Setting | Iterable):
            raise ValueError(
                f"settings must be a setting such as 'vanilla' or a list of them, got {self.settings!r}"
            )
        raw = [self.settings] if isinstance(self.settings, str | Setting) else list(self.settings)
        settings: list[Setting] = []
        for item in raw:
            settings.extend([item] if isinstance(item, Setting) else Setting.parse(item))
        if not settings:
            raise ValueError("settings must name at least one variant, got none")
        unique = list(dict.fromkeys(settings))
        object.__setattr__(self, "settings", tuple(unique))
        object.__setattr__(self, "seeds", parse_seeds(self.seeds))
        single = isinstance(self.targets, str) or hasattr(self.targets, "spec")  # one spec or one target
        if not single and not isinstance(self.targets, Iterable):
            raise ValueError(
                f"targets must be a target spec such as 'gaussian:4,1.25' or a list of them, got {self.targets!r}"
            )
        targets = [self.targets] if single else list(self.targets)
        if not targets:
            raise ValueError("targets must name at least one target, got none")
        object.__setattr__(self, "targets", tuple(dict.fromkeys(_canonical_target(t) for t in targets)))
        for name, minimum in (("eval_every", 0), ("eval_samples", 2), ("final_samples", 2), ("grid_points", 3)):
            _check_int(name, getattr(self, name), minimum)
        _check_int("stored_samples", self.stored_samples, 1)
        if self.stored_samples > self.final_samples:
            raise ValueError(
                f"stored_samples must be <= final_samples ({self.final_samples}), got {self.stored_samples}"
            )
        if self.steps is not None:
            _check_int("steps", self.steps, 1)
        else:
            # One budget for all settings is written out, so that the same grid is one study
            # whether its budget was given or implied.
            budgets = {setting.config().steps for setting in self.settings}
            if len(budgets) == 1:
                object.__setattr__(self, "steps", budgets.pop())
        if self.chunk is not None:
            _check_int("chunk", self.chunk, 1)
        check_engine(self.engine)
        for setting in self.settings:
            setting.config(self.steps)  # resolve now: a bad override fails before any training

    # ----------------------------------------------------------------------------------

    @property
    def n_runs(self) -> int:
        return len(self.settings) * len(self.targets) * len(self.seeds)

    def chunks(self) -> list[tuple[int, ...]]:
        size = self.chunk or len(self.seeds)
        return [self.seeds[i : i + size] for i in range(0, len(self.seeds), size)]

    def cells(self) -> list[Cell]:
        """Every unit of work, in grid order (setting, target, seed chunk)."""
        return [
            Cell(setting, target, chunk)
            for setting in self.settings
            for target in self.targets
            for chunk in self.chunks()
        ]

    def to_dict(self) -> dict[str, Any]:
        """The definition stored with the results; a different one is a different study.

        Besides the grid it holds each setting's fully resolved configuration, so that a
        changed default (or ``recommended()``) is noticed on resume instead of mixing runs.
        """
        return {
            "settings": [s.id for s in self.settings],
            "seeds": list(self.seeds),
            "targets": list(self.targets),
            "steps": self.steps,
            "eval_every": self.eval_every,
            "eval_samples": self.eval_samples,
            "final_samples": self.final_samples,
            "stored_samples": self.stored_samples,
            "grid_points": self.grid_points,
            "chunk": self.chunk,
            "engine": self.engine,
            "configs": {s.id: s.config(self.steps).to_dict() for s in self.settings},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Study:
        """The study that :meth:`to_dict` described (the resolved configs are not needed)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a study definition (a mapping, as to_dict() returns), got {data!r}")
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in fields})

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> Study:
        """A study from a TOML file (see docs/studies.md); keyword arguments override it."""
        return cls(**{**read_toml(path), **{k: v for k, v in overrides.items() if v is not None}})


QUICK = {"seeds": 4, "steps": 100, "eval_every": 25, "final_samples": 2000, "stored_samples": 1000}
"""What ``--quick`` changes: few seeds, few steps, a smaller final sample (smoke tests)."""

TOML_KEYS = (
    "variants",
    "settings",
    "seeds",
    "targets",
    "steps",
    "eval_every",
    "eval_samples",
    "final_samples",
    "stored_samples",
    "grid_points",
    "chunk",
    "engine",
)


def read_toml(path: str | Path) -> dict[str, Any]:
    """The keyword arguments of :class:`Study` that a TOML study file describes.

    Errors name the file (and, for syntax errors, tomllib's line and column).
    """
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        if "(at end of document)" in message:  # tomllib gives no line there: the last one
            lines = path.read_text(errors="replace").count("\n") + 1
            message = message.replace("(at end of document)", f"(at end of document, line {lines})")
        raise ValueError(f"{path}: invalid TOML: {message}") from None
    except OSError as error:
        raise ValueError(f"cannot read study file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: invalid TOML: not UTF-8 text (byte {error.start}: {error.reason})") from None
    unknown = [key for key in data if key not in TOML_KEYS]
    if unknown:
        raise ValueError(f"{path}: unknown key {unknown[0]!r}; known keys: {', '.join(TOML_KEYS)}")
    kwargs: dict[str, Any] = {k: v for k, v in data.items() if k not in ("variants", "settings")}
    settings: list[Setting] = []
    try:
        variants = data.get("variants", [])
        if not isinstance(variants, str | list):
            raise ValueError(
                f"variants must be a setting or a list of settings such as ['vanilla'], got {variants!r}"
            )
        for item in [variants] if isinstance(variants, str) else variants:
            settings.extend(Setting.parse(item))
        tables = data.get("settings", [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise ValueError("settings must be an array of tables, [[settings]] with variant = '...'")
        for i, table in enumerate(tables):
            table = dict(table)
            variant = table.pop("variant", None)
            if not isinstance(variant, str):
                raise ValueError(f"[[settings]] number {i + 1} needs variant = 'NAME', got {variant!r}")
            recommended = table.pop(RECOMMENDED, False)
            if not isinstance(recommended, bool):
                raise ValueError(
                    f"[[settings]] number {i + 1}: {RECOMMENDED} must be true or false, got {recommended!r}"
                )
            settings.extend(Setting.expand(variant, table, recommended=recommended))
        if not settings:
            raise ValueError("a study file needs variants = [...] or [[settings]] tables")
        kwargs["settings"] = tuple(settings)
        if "targets" in kwargs and isinstance(kwargs["targets"], str):
            kwargs["targets"] = (kwargs["targets"],)
        Study(**kwargs)  # validate here, so that errors name the file
    except (ValueError, TypeError) as error:
        raise ValueError(f"{path}: {error}") from None
    return kwargs


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def estimated_cost(cell: Cell, study: Study) -> float:
    """A rough relative cost of a cell, to start the longest first (a better finish time)."""
    from ..engine import unsupported_features

    config = cell.setting.config(study.steps)
    # Per network update, autograd costs several times the fused engine at tens of members
    # (7x for vanilla, 17x for WGAN-GP at 64; docs/engine.md); penalties are fused too.
    autograd = study.engine == "autograd" or bool(unsupported_features(config))
    per_update = 6.0 if autograd else 1.0
    return config.steps * (config.n_critic + 1) * per_update * (1.0 + len(cell.seeds) / 64)
