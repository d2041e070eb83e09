"""What happened during training: per-step losses and periodic evaluation scores."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import torch


@dataclasses.dataclass(frozen=True)
class Snapshots:
    """The film of training: at each check, the generator's points and D on a fixed grid.

    ``grid``: ``(g, dim)`` points in data units (:func:`ganzoo._reference.discriminator_grid`);
    ``scores``: D's raw scores there, ``([K,] checks, g)``; ``samples``: the first
    :data:`ganzoo._traces.SNAPSHOT_POINTS` points of each check's evaluation sample,
    ``([K,] checks, m, dim)``; float32.
    """

    grid: np.ndarray
    scores: np.ndarray
    samples: np.ndarray

    @property
    def checks(self) -> int:
        return int(self.scores.shape[-2])

    def member(self, k: int) -> Snapshots:
        return Snapshots(self.grid, self.scores[k], self.samples[k])

    def to_dict(self) -> dict[str, object]:
        return {
            "grid": self.grid.tolist(),
            "scores": finite_or_none(self.scores.tolist()),
            "samples": finite_or_none(self.samples.tolist()),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Snapshots:
        def floats(values) -> np.ndarray:
            return np.array(none_to_nan(values), dtype=np.float32)

        return cls(np.array(data["grid"], dtype=float), floats(data["scores"]), floats(data["samples"]))

    @classmethod
    def concatenate(cls, first: Snapshots, second: Snapshots) -> Snapshots:
        return cls(
            first.grid,
            np.concatenate([first.scores, second.scores], axis=-2),
            np.concatenate([first.samples, second.samples], axis=-3),
        )


@dataclasses.dataclass(frozen=True)
class History:
    """Training record of one run or of an ensemble.

    For an ensemble, every array has a leading member axis of length K; for a single run
    (``GAN(seed=...)``) that axis is dropped.

    - ``d_loss``, ``g_loss``: the discriminator and generator objectives (penalties not
      included) at each generator step, shape ``([K,] steps)``, in the dtype they were
      computed in (float32 unless the GAN trains in float64; float64 once read back from
      JSON or a checkpoint, with the same values); with ``n_critic > 1`` the discriminator
      value is that of the last critic step.
    - ``eval_steps``: the generator steps after which a fixed-size sample was scored.
    - ``scores``: for each numeric key of :meth:`evaluation.Report.to_dict`, its values at
      those steps, shape ``([K,] len(eval_steps))``.
    - ``labels``: the verdict label at each check, shape ``([K,] len(eval_steps))``.
    - ``traces``: what the discriminator was doing at each check (:mod:`ganzoo._traces`:
      its scores on real and generated points, its dead units, how much gradient the
      generator's loss passes on), same shapes as ``scores``; empty in records written
      before traces existed.
    - ``snapshots``: the film of training (:class:`Snapshots`), or None (no checks, or a
      record written before snapshots existed).
    - ``diverged_at``: for each member, the generator step (counted from 1, like
      ``eval_steps``) at which training was found to have diverged, or -1 if it never did;
      an int64 array of shape ``([K,])`` (a 0-d array for a single run). The step is that
      of the first non-finite loss when a loss was non-finite, else the end of the
      training span (at most :data:`ganzoo._trainer.DIVERGENCE_CHECK_STEPS` steps, and
      never past a check) in which non-finite weights were found, else the check whose
      samples were non-finite. See :class:`ganzoo._trainer.Trainer` for what happens to
      such a member.

    NaN in these arrays means "no value": the losses of a diverged member after
    ``diverged_at``, its scores at later checks (never computed; the label is
    ``'diverged'``), and scores that do not apply to the target (e.g. KS D in 2-D). An
    infinite loss at the divergence step is kept as it was. :meth:`to_dict` and
    :meth:`save` write every non-finite number as ``null`` (valid JSON, never a NaN);
    :meth:`from_dict` and :meth:`load` read ``null`` back as NaN.
    """

    d_loss: np.ndarray
    g_loss: np.ndarray
    eval_steps: np.ndarray
    scores: dict[str, np.ndarray]
    labels: np.ndarray
    diverged_at: np.ndarray | None = None  # None: filled with -1 (no member diverged)
    traces: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    snapshots: Snapshots | None = None

    def __post_init__(self) -> None:
        members = np.shape(self.d_loss)[:-1]
        diverged_at = np.full(members, -1, dtype=np.int64) if self.diverged_at is None else self.diverged_at
        diverged_at = np.asarray(diverged_at, dtype=np.int64)
        if diverged_at.shape != members:
            raise ValueError(
                f"diverged_at must have shape {members} (one entry per member), got {diverged_at.shape}"
            )
        object.__setattr__(self, "diverged_at", diverged_at)

    @property
    def diverged(self) -> np.ndarray:
        """Whether each member diverged: ``diverged_at >= 0``, shape ``([K,])``."""
        return self.diverged_at >= 0

    @property
    def steps(self) -> int:
        return int(self.d_loss.shape[-1])

    def member(self, k: int) -> History:
        """The record of ensemble member k (no member axis)."""
        if self.d_loss.ndim != 2:
            raise ValueError("member() needs an ensemble history (arrays with a member axis)")
        return History(
            d_loss=self.d_loss[k],
            g_loss=self.g_loss[k],
            eval_steps=self.eval_steps,
            scores={key: value[k] for key, value in self.scores.items()},
            labels=self.labels[k],
            diverged_at=self.diverged_at[k],
            traces={key: value[k] for key, value in self.traces.items()},
            snapshots=None if self.snapshots is None else self.snapshots.member(k),
        )

    def to_dict(self) -> dict[str, object]:
        """Plain lists, for JSON; non-finite numbers become None (JSON null)."""
        return {
            "d_loss": finite_or_none(self.d_loss.tolist()),
            "g_loss": finite_or_none(self.g_loss.tolist()),
            "eval_steps": self.eval_steps.tolist(),
            "scores": {key: finite_or_none(value.tolist()) for key, value in self.scores.items()},
            "labels": self.labels.tolist(),
            "diverged_at": self.diverged_at.tolist(),
            "traces": {key: finite_or_none(value.tolist()) for key, value in self.traces.items()},
            "snapshots": None if self.snapshots is None else self.snapshots.to_dict(),
        }

    @classmethod
    def from_checks(
        cls,
        d_loss: np.ndarray,
        g_loss: np.ndarray,
        eval_steps: list[int],
        checks: list[list[dict]],
        traces: list[dict[str, np.ndarray]],
        *,
        diverged_at: np.ndarray,
        snapshots: Snapshots | None = None,
    ) -> History:
        """The ensemble record of losses ``(K, steps)`` and of the checks at ``eval_steps``:
        ``checks[c][k]`` is member k's report dict at check c (its numeric keys become
        ``scores``, its label ``labels``), ``traces[c]`` the traces (key -> ``(K,)``) there."""
        members = d_loss.shape[0]
        first = checks[0][0] if checks else {}
        numeric = [key for key, value in first.items() if isinstance(value, int | float) and not isinstance(value, bool)]
        scores = {key: np.array([[check[k][key] for check in checks] for k in range(members)], dtype=float) for key in numeric}
        labels = np.empty((members, len(checks)), dtype=object)
        labels[...] = [[check[k]["label"] for check in checks] for k in range(members)]
        return cls(
            d_loss=d_loss,
            g_loss=g_loss,
            eval_steps=np.array(eval_steps, dtype=int),
            scores=scores,
            labels=labels,
            diverged_at=diverged_at,
            traces={key: np.stack([trace[key] for trace in traces], axis=-1) for key in traces[0]} if traces else {},
            snapshots=snapshots,
        )

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> History:
        """The history that :meth:`to_dict` gave (None read back as NaN)."""

        def floats(values: object) -> np.ndarray:
            return np.array(none_to_nan(values), dtype=float)

        d_loss = floats(data["d_loss"])
        eval_steps = np.array(data["eval_steps"], dtype=int)
        members = d_loss.shape[:-1]
        return cls(
            d_loss=d_loss,
            g_loss=floats(data["g_loss"]),
            eval_steps=eval_steps,
            scores={key: floats(value).reshape(*members, len(eval_steps)) for key, value in data["scores"].items()},
            labels=np.array(data["labels"], dtype=object).reshape(*members, len(eval_steps)),
            diverged_at=data.get("diverged_at"),  # absent in files written before it existed
            traces={
                key: floats(value).reshape(*members, len(eval_steps)) for key, value in data.get("traces", {}).items()
            },
            snapshots=None if data.get("snapshots") is None else Snapshots.from_dict(data["snapshots"]),
        )

    def save(self, path: str | Path) -> None:
        """Write the history as JSON; non-finite numbers as null (strict JSON, no NaN)."""
        Path(path).write_text(json.dumps(self.to_dict(), allow_nan=False))

    @classmethod
    def load(cls, path: str | Path) -> History:
        """The history that :meth:`save` wrote."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    def to_state(self) -> dict[str, object]:
        """This (ensemble) history as tensors and lists, for a checkpoint (weights-only files
        hold no numpy arrays); :meth:`from_state` reads it back."""
        return {
            "d_loss": torch.as_tensor(np.array(self.d_loss, dtype=np.float64)),
            "g_loss": torch.as_tensor(np.array(self.g_loss, dtype=np.float64)),
            "eval_steps": torch.as_tensor(np.array(self.eval_steps, dtype=np.int64)),
            "scores": {key: torch.as_tensor(np.array(value, dtype=np.float64)) for key, value in self.scores.items()},
            "labels": np.asarray(self.labels).tolist(),
            "diverged_at": torch.as_tensor(np.array(self.diverged_at, dtype=np.int64)),
            "traces": {key: torch.as_tensor(np.array(value, dtype=np.float64)) for key, value in self.traces.items()},
            "snapshots": None
            if self.snapshots is None
            else {name: torch.as_tensor(np.asarray(getattr(self.snapshots, name))) for name in ("grid", "scores", "samples")},
        }

    @classmethod
    def from_state(cls, state: dict, *, members: int) -> History:
        """The ensemble history of ``members`` that :meth:`to_state` wrote (ValueError if malformed)."""
        d_loss, g_loss = state["d_loss"].numpy(), state["g_loss"].numpy()
        eval_steps = state["eval_steps"].numpy()
        if d_loss.shape != g_loss.shape or d_loss.ndim != 2 or d_loss.shape[0] != members or eval_steps.ndim != 1:
            raise ValueError(f"history shapes {tuple(d_loss.shape)}, {tuple(g_loss.shape)} do not fit {members} members")
        scores = {key: value.numpy() for key, value in state["scores"].items()}
        traces = {key: value.numpy() for key, value in state.get("traces", {}).items()}
        for key, value in (*scores.items(), *traces.items()):
            if value.shape != (members, len(eval_steps)):
                raise ValueError(f"history score {key!r} has shape {value.shape}, expected {(members, len(eval_steps))}")
        labels = np.empty((members, len(eval_steps)), dtype=object)
        labels[...] = np.array(state["labels"], dtype=object).reshape(members, len(eval_steps))
        return cls(
            d_loss=d_loss,
            g_loss=g_loss,
            eval_steps=eval_steps,
            scores=scores,
            labels=labels,
            diverged_at=state["diverged_at"].numpy().astype(np.int64),
            traces=traces,
            snapshots=None if state.get("snapshots") is None else Snapshots(**{k: v.numpy() for k, v in state["snapshots"].items()}),
        )

    @classmethod
    def concatenate(cls, first: History, second: History) -> History:
        """The record of ``first`` followed by ``second`` (training continued)."""
        return cls(
            d_loss=np.concatenate([first.d_loss, second.d_loss], axis=-1),
            g_loss=np.concatenate([first.g_loss, second.g_loss], axis=-1),
            eval_steps=np.concatenate([first.eval_steps, second.eval_steps]),
            scores=_joined(first.scores, second.scores, len(first.eval_steps), len(second.eval_steps)),
            labels=np.concatenate([first.labels, second.labels], axis=-1),
            # A member that diverged stays diverged, at the step it first did.
            diverged_at=np.where(first.diverged_at >= 0, first.diverged_at, second.diverged_at),
            traces=_joined(first.traces, second.traces, len(first.eval_steps), len(second.eval_steps)),
            snapshots=_joined_snapshots(first, second),
        )


def _joined_snapshots(first: History, second: History) -> Snapshots | None:
    """Both records' films, one after the other; a record without checks adds nothing."""
    if not len(second.eval_steps):
        return first.snapshots
    if not len(first.eval_steps):
        return second.snapshots
    if first.snapshots is None or second.snapshots is None:
        return None
    return Snapshots.concatenate(first.snapshots, second.snapshots)


def _joined(first: dict[str, np.ndarray], second: dict[str, np.ndarray], checks_first: int, checks_second: int) -> dict:
    """Per-check arrays of two records, one after the other. A record without checks has no
    keys: it adds none and must drop none (e.g. the steps after the last check of a run
    resumed from a checkpoint); a key only one record with checks has is dropped."""
    if not checks_second:
        return dict(first)
    if not checks_first:
        return dict(second)
    return {key: np.concatenate([first[key], second[key]], axis=-1) for key in second if key in first}


def window_means(losses: np.ndarray, eval_steps: np.ndarray) -> list[float]:
    """The mean of ``losses`` (one per step, the first after step 0) over each interval
    between checks at ``eval_steps`` (the full loss curve is large; NaN for an empty one)."""
    edges = np.concatenate([[0], eval_steps])
    with np.errstate(invalid="ignore", over="ignore"):  # a diverged run's inf/NaN losses: NaN (stored null)
        # Each window converted to float64 first (not np.mean(..., dtype=float64), whose buffered
        # casting sums long windows in another order): the same means for float32 and float64 records.
        return [
            float(np.mean(np.asarray(losses[a:b], dtype=np.float64))) if b > a else float("nan")
            for a, b in zip(edges[:-1], edges[1:])
        ]


def finite_or_none(value: object) -> object:
    """``value`` (nested lists and dicts of numbers) with every NaN or inf replaced by None.

    For JSON: a non-finite number is written as null, never as the NaN/Infinity tokens
    that ``json.dumps`` emits by default (which are not JSON).
    """
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(item) for item in value]
    return value


def none_to_nan(value: object) -> object:
    """The inverse of :func:`finite_or_none` for lists of numbers: None back to NaN."""
    if value is None:
        return math.nan
    if isinstance(value, list | tuple):
        return [none_to_nan(item) for item in value]
    return value
