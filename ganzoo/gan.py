"""The user-facing GAN: a variant's declared defaults, a user's overrides, fit and sample."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable
from typing import ClassVar

import numpy as np
import torch

from ._validation import check_int
from .config import GANConfig
from .engine import check_engine
from .history import History
from .losses import Loss
from .networks import NetworkSpec
from .optim import LRDecay, OptimizerSpec
from .penalties import Constraint, Penalty
from .streams import Stream, standard_normal, standard_units
from .trainer import Trainer


def _resolve_seeds(seed: int | None, seeds: Iterable[int] | None) -> tuple[list[int], bool]:
    """The run seeds and whether this is a single run (member axis dropped in results)."""
    if seed is not None and seeds is not None:
        raise ValueError(f"give seed or seeds, not both; got seed={seed!r} and seeds={seeds!r}")
    if seeds is not None:
        if isinstance(seeds, numbers.Integral):
            raise TypeError(f"seeds must be an iterable of integers such as range(64), got {seeds!r}")
        resolved = [check_int("seeds[i]", s, minimum=0) for s in seeds]
        if not resolved:
            raise ValueError("seeds must hold at least one seed, got an empty iterable")
        if len(set(resolved)) != len(resolved):
            raise ValueError(f"seeds must be distinct, got {resolved!r}")
        return resolved, False
    if seed is None:
        # A fresh seed, kept in .seeds so that the run can be reproduced.
        seed = int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    return [check_int("seed", seed, minimum=0)], True


class GAN:
    """A GAN variant: a declared setting (:attr:`defaults`) that keyword arguments override.

    Subclasses are short declarations: a ``name`` for the command line and studies, a
    ``defaults`` :class:`GANConfig` with the paper's (or reference program's)
    hyperparameters, and a docstring with the objective and its source.

    Give ``seed`` for one run, or ``seeds`` (e.g. ``range(64)``) for an ensemble of
    independent runs trained together; member k of an ensemble is the run ``seed=seeds[k]``.
    Every other keyword left as ``None`` takes the variant's default; see
    :class:`GANConfig` for what each one means.

    ``engine`` chooses the code that trains: ``"auto"`` (default) the fused hand-derived
    step where it supports the setting, else autograd; ``"autograd"`` the reference path;
    ``"fused"`` (or ``"fused-eager"``/``"fused-compiled"``) the fused step, an error where
    unsupported. See :mod:`ganzoo.engine` and ``docs/engine.md``.
    """

    name: ClassVar[str] = ""
    defaults: ClassVar[GANConfig]
    #: Keyword arguments of the setting that :meth:`recommended` builds: the one measured
    #: to learn N(4, 1.25) reliably (docs/convergence.md). Each variant adds data, not code.
    recommended_settings: ClassVar[dict[str, object]] = {}

    @classmethod
    def recommended(cls, **overrides: object) -> GAN:
        """This variant with its recommended setting, e.g. ``NonSaturatingGAN.recommended(seeds=range(64))``.

        The setting (:attr:`recommended_settings`, written out in each variant's docstring)
        is the one that met the strict verdict on the most seeds in the search of
        ``docs/convergence.md``, on N(4, 1.25) with the reference budget. Keyword arguments
        (``seed``/``seeds``, ``engine``, or any hyperparameter) override it.
        """
        if not cls.recommended_settings:
            raise NotImplementedError(f"{cls.__name__} declares no recommended setting (recommended_settings is empty)")
        return cls(**{**cls.recommended_settings, **overrides})  # type: ignore[arg-type]

    def __init__(
        self,
        *,
        seed: int | None = None,
        seeds: Iterable[int] | None = None,
        loss: Loss | None = None,
        generator: NetworkSpec | torch.nn.Module | None = None,
        discriminator: NetworkSpec | torch.nn.Module | None = None,
        g_optimizer: OptimizerSpec | None = None,
        d_optimizer: OptimizerSpec | None = None,
        penalties: Iterable[Penalty] | None = None,
        constraints: Iterable[Constraint] | None = None,
        n_critic: int | None = None,
        batch_size: int | None = None,
        latent_dim: int | None = None,
        ema_decay: float | None = None,
        steps: int | None = None,
        lr_decay: LRDecay | None = None,
        standardize: bool | None = None,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float32,
        engine: str = "auto",
    ) -> None:
        self.seeds, self._single = _resolve_seeds(seed, seeds)
        overrides = {
            "loss": loss,
            "generator": generator,
            "discriminator": discriminator,
            "g_optimizer": g_optimizer,
            "d_optimizer": d_optimizer,
            "penalties": penalties,
            "constraints": constraints,
            "n_critic": n_critic,
            "batch_size": batch_size,
            "latent_dim": latent_dim,
            "ema_decay": ema_decay,
            "steps": steps,
            "lr_decay": lr_decay,
            "standardize": standardize,
        }
        self.config: GANConfig = dataclasses.replace(
            self.defaults, **{key: value for key, value in overrides.items() if value is not None}
        )
        self.device = torch.device(device)
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
        self.dtype = dtype
        self.engine = check_engine(engine)
        self.trainer: Trainer | None = None
        self._sample_calls = 0

    def __repr__(self) -> str:
        who = f"seed={self.seeds[0]}" if self._single else f"seeds=[{len(self.seeds)} seeds]"
        return f"{type(self).__name__}({who})"

    @property
    def members(self) -> int:
        """How many runs this object trains (1 for ``seed=...``)."""
        return len(self.seeds)

    def build(self, target=None) -> Trainer:
        """Create the networks, optimizers and streams for ``target`` (done by :meth:`fit`)."""
        target = _default_target(target)
        if self.trainer is not None:
            if self.trainer.target.dim != target.dim:
                raise ValueError(
                    f"target has dimension {target.dim}, but this GAN was built for dimension "
                    f"{self.trainer.target.dim}; make a new GAN for a target of another dimension"
                )
            self.trainer.target = self.trainer.batches.target = target
            return self.trainer
        self.trainer = Trainer(
            self.config, self.seeds, target, device=self.device, dtype=self.dtype, engine=self.engine
        )
        return self.trainer

    def fit(
        self,
        target=None,
        *,
        steps: int | None = None,
        eval_every: int = 1000,
        eval_samples: int = 2000,
        progress: bool | None = None,
    ) -> History:
        """Train for ``steps`` generator steps (default: the variant's budget) on ``target``.

        ``target`` is any :mod:`evaluation` target (default ``Gaussian(4, 1.25)``). Every
        ``eval_every`` steps (0: never) a fixed sample of ``eval_samples`` points per run is
        scored with :func:`evaluation.evaluate`. ``progress`` shows a progress bar (default:
        when stderr is a terminal). Calling ``fit`` again continues training. Returns the
        record of this call; :attr:`history` holds the whole run.
        """
        steps = self.config.steps if steps is None else check_int("steps", steps, minimum=1)
        check_int("eval_every", eval_every, minimum=0)
        check_int("eval_samples", eval_samples, minimum=2)
        trainer = self.build(target)
        label = self.name or type(self).__name__
        record = trainer.train(
            steps,
            eval_every=eval_every,
            eval_samples=eval_samples,
            progress=progress,
            description=label if self._single else f"{label} x{self.members}",
        )
        return record.member(0) if self._single else record

    @property
    def history(self) -> History | None:
        """The record of all training so far (None before :meth:`fit`)."""
        if self.trainer is None or self.trainer.history is None:
            return None
        return self.trainer.history.member(0) if self._single else self.trainer.history

    def _require_trainer(self, what: str) -> Trainer:
        if self.trainer is None:
            raise RuntimeError(f"{what} needs a built GAN: call fit() (or build()) first")
        return self.trainer

    def sample(self, n: int, *, seed: int | None = None) -> np.ndarray:
        """Draw ``n`` generated samples per run, as float64 numpy.

        Shape ``(n, dim)`` for one run, ``(K, n, dim)`` for an ensemble. The noise comes
        from each run's own sampling stream: successive calls give fresh samples, the same
        sequence for the same seed. ``seed`` fixes the noise of this one call instead.
        """
        trainer = self._require_trainer("sample()")
        n = check_int("n", n, minimum=1)
        if seed is None:
            keys, self._sample_calls = (self._sample_calls,), self._sample_calls + 1
        else:
            keys = (2**31 + check_int("seed", seed, minimum=0),)  # apart from the call counter
        noise = standard_normal(self.seeds, Stream.SAMPLING, (n, self.config.latent_dim), *keys)
        samples = trainer.generate(torch.as_tensor(noise))
        return samples[0] if self._single else samples

    def discriminate(self, x: np.ndarray) -> np.ndarray:
        """The discriminator's raw scores on points ``x`` of shape ``(n, dim)``.

        Shape ``(n,)`` for one run, ``(K, n)`` for an ensemble. For the BCE family
        (``loss.probabilistic``), ``1 / (1 + exp(-score))`` is D(x), the probability of "real".
        """
        trainer = self._require_trainer("discriminate()")
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != trainer.target.dim:
            raise ValueError(f"x must have shape (n, {trainer.target.dim}), got {x.shape}")
        if self.config.standardize:  # the discriminator works in standard units
            location, scale = standard_units(trainer.target)
            x = (x - location) / scale
        points = torch.as_tensor(x, dtype=self.dtype, device=self.device).expand(self.members, *x.shape)
        with torch.no_grad():
            scores = trainer.discriminator(points)[..., 0].double().cpu().numpy()
        return scores[0] if self._single else scores


def _default_target(target):
    from evaluation import Gaussian

    if target is None:
        return Gaussian()
    for attribute in ("dim", "sample"):
        if not hasattr(target, attribute):
            raise TypeError(f"target must be an evaluation target such as Gaussian(4, 1.25), got {target!r}")
    return target
