"""What happened during training: per-step losses and periodic evaluation scores."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np


@dataclasses.dataclass(frozen=True)
class History:
    """Training record of one run or of an ensemble.

    For an ensemble, every array has a leading member axis of length K; for a single run
    (``GAN(seed=...)``) that axis is dropped.

    - ``d_loss``, ``g_loss``: the discriminator and generator objectives (penalties not
      included) at each generator step, shape ``([K,] steps)``; with ``n_critic > 1`` the
      discriminator value is that of the last critic step.
    - ``eval_steps``: the generator steps after which a fixed-size sample was scored.
    - ``scores``: for each numeric key of :meth:`evaluation.Report.to_dict`, its values at
      those steps, shape ``([K,] len(eval_steps))``.
    - ``labels``: the verdict label at each check, shape ``([K,] len(eval_steps))``.
    """

    d_loss: np.ndarray
    g_loss: np.ndarray
    eval_steps: np.ndarray
    scores: dict[str, np.ndarray]
    labels: np.ndarray

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
        )

    def to_dict(self) -> dict[str, object]:
        """Plain lists, for JSON."""
        return {
            "d_loss": self.d_loss.tolist(),
            "g_loss": self.g_loss.tolist(),
            "eval_steps": self.eval_steps.tolist(),
            "scores": {key: value.tolist() for key, value in self.scores.items()},
            "labels": self.labels.tolist(),
        }

    def save(self, path: str | Path) -> None:
        """Write the history as JSON (non-finite numbers as JSON's NaN/Infinity extensions)."""
        Path(path).write_text(json.dumps(self.to_dict()))

    @classmethod
    def concatenate(cls, first: History, second: History) -> History:
        """The record of ``first`` followed by ``second`` (training continued)."""
        return cls(
            d_loss=np.concatenate([first.d_loss, second.d_loss], axis=-1),
            g_loss=np.concatenate([first.g_loss, second.g_loss], axis=-1),
            eval_steps=np.concatenate([first.eval_steps, second.eval_steps]),
            scores={
                key: np.concatenate([first.scores[key], second.scores[key]], axis=-1)
                if len(first.eval_steps)
                else second.scores[key]
                for key in second.scores
                if key in first.scores or not len(first.eval_steps)
            },
            labels=np.concatenate([first.labels, second.labels], axis=-1),
        )
