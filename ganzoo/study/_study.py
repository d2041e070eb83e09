"""What a study is: a grid of settings x targets x seeds, its budget, its cells, its TOML file.

A *cell* is one setting on one target with (a chunk of) the study's seeds: the unit of work,
trained as one ensemble, stored in one transaction.
"""

from __future__ import annotations

import dataclasses
import numbers
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from evaluation import target_from_spec

from .._validation import check_int
from ..engine import check_engine
from ._settings import RECOMMENDED, Setting

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
    - ``device``: where the networks train (``"cpu"``, ``"cuda"``); results on another
      device differ in their last bits, so it is part of the definition (stored only when
      not ``"cpu"``, as studies were before it existed).
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
    device: str = "cpu"

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
            check_int(name, getattr(self, name), minimum=minimum)
        check_int("stored_samples", self.stored_samples, minimum=1)
        if self.stored_samples > self.final_samples:
            raise ValueError(
                f"stored_samples must be <= final_samples ({self.final_samples}), got {self.stored_samples}"
            )
        if self.steps is not None:
            check_int("steps", self.steps, minimum=1)
        else:
            # One budget for all settings is written out, so that the same grid is one study
            # whether its budget was given or implied.
            budgets = {setting.config().steps for setting in self.settings}
            if len(budgets) == 1:
                object.__setattr__(self, "steps", budgets.pop())
        if self.chunk is not None:
            check_int("chunk", self.chunk, minimum=1)
        check_engine(self.engine)
        if not isinstance(self.device, str) or not self.device:
            # Availability is checked where the networks are built (a study trained on a GPU
            # must still open for its report on a machine without one).
            raise ValueError(f"device must be a device name such as 'cpu' or 'cuda', got {self.device!r}")
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
        device = {} if self.device == "cpu" else {"device": self.device}
        return {
            **device,
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
    "device",
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
