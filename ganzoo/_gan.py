"""The user-facing GAN: a variant's declared defaults, a user's overrides, fit and sample."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from . import _checkpoint, _gan_state
from ._animation import animate
from ._tensorboard import log_history, summary_writer
from ._checkpoint import CheckpointError
from ._config import GANConfig
from ._history import History
from ._networks import NetworkSpec
from ._optim import LRDecay, OptimizerSpec
from ._penalties import Constraint, Penalty
from ._streams import Stream, standard_normal
from ._targets import HOLDOUT, target_family, training_target
from ._trainer import Trainer
from ._validation import check_device, check_int, resolve_seeds
from .engine import check_engine
from .losses import Loss, NonSaturatingLoss
from .remedies import InstanceNoise

CONFIG_FIELDS = tuple(field.name for field in dataclasses.fields(GANConfig))
"""The hyperparameter keywords of :class:`GAN`: every field of :class:`GANConfig`."""


class GAN:
    """A GAN variant: a declared setting (:attr:`defaults`) that keyword arguments override.

    Subclasses are short declarations: a ``name`` for the command line and studies, a
    ``defaults`` :class:`GANConfig` with the paper's (or reference program's)
    hyperparameters, and a docstring with the objective and its source.

    Give ``seed`` for one run, or ``seeds`` (e.g. ``range(64)``) for an ensemble of
    independent runs trained together; member k of an ensemble is the run ``seed=seeds[k]``.
    Every other keyword left as ``None`` takes the variant's default; see
    :class:`GANConfig` for what each one means.

    ``GAN`` itself is usable too, with generic defaults for everything not given: the
    non-saturating loss (Goodfellow et al. 2014) and :class:`GANConfig`'s own defaults
    (1→16→1 ReLU MLPs, Adam 1e-3 with PyTorch's betas for both networks, one critic step
    per generator step, batch 64, noise dimension 1, 20,000 steps), e.g.
    ``GAN(seed=0, loss=HingeLoss(), generator=my_module, discriminator=my_critic)``.
    A ``torch.nn.Module`` given as a network is a template: each ensemble member is a copy,
    re-initialized through ``reset_parameters()`` from the member's seed; pass
    ``ModuleTemplate(module, init="keep")`` to start every member from the module's own weights.

    ``engine`` chooses the code that trains: ``"auto"`` (default) the fused hand-derived
    step where it supports the setting (as numba kernels on the CPU, torch operations
    elsewhere), else autograd; ``"autograd"`` the reference path; ``"numba"``, ``"fused"``
    (or ``"fused-eager"``/``"fused-compiled"``) one fused engine, an error where
    unsupported. See :mod:`ganzoo.engine` and ``docs/engine.md``.

    Checkpoints: :meth:`save` / :meth:`load` keep the whole training state in one file, and
    ``fit(checkpoint=path)`` writes one every ``checkpoint_every`` steps; after a crash,
    ``GAN.load(path).resume()`` finishes the interrupted fit exactly (see :meth:`fit`).
    """

    name: ClassVar[str] = ""
    defaults: ClassVar[GANConfig] = GANConfig(loss=NonSaturatingLoss())
    #: Keyword arguments of the setting that :meth:`recommended` builds: the one measured
    #: to learn N(4, 1.25) reliably (docs/convergence.md). Each variant adds data, not code.
    recommended_settings: ClassVar[dict[str, object]] = {}
    #: The recommended settings for the other target families (``"mixture"``, ``"ring"``,
    #: ``"grid"``; :func:`ganzoo._targets.target_family`), each found by the search of
    #: ``docs/modes.md``: family -> keyword arguments, like :attr:`recommended_settings`.
    recommended_for: ClassVar[dict[str, dict[str, object]]] = {}

    @classmethod
    def recommended(cls, *, target=None, **overrides: object) -> GAN:
        """This variant with its recommended setting, e.g. ``NonSaturatingGAN.recommended(seeds=range(64))``.

        Without ``target``, or for a 1-D unimodal one, the setting is
        :attr:`recommended_settings` (written out in each variant's docstring): the one that
        met the strict verdict on the most seeds in the search of ``docs/convergence.md``,
        on N(4, 1.25) with the reference budget. For a target of another family (a 1-D
        Gaussian mixture, ``"ring"``, ``"grid"``) it is that family's entry of
        :attr:`recommended_for` (``docs/modes.md``), and the GAN is built for ``target``, so
        ``fit()`` trains on it; a family without one is a ValueError naming those that
        have one. Keyword arguments (``seed``/``seeds``, ``engine``, or any
        hyperparameter) override the setting.
        """
        family = target_family(target)
        if family == "unimodal":
            if not cls.recommended_settings:
                raise NotImplementedError(f"{cls.__name__} declares no recommended setting (recommended_settings is empty)")
            settings = cls.recommended_settings
        elif family in cls.recommended_for:
            settings = cls.recommended_for[family]
        else:
            families = ["unimodal"] * bool(cls.recommended_settings) + list(cls.recommended_for)
            others = sorted({v.__name__ for v in _checkpoint.subclasses((GAN,)) if family in v.recommended_for})
            raise ValueError(
                f"{cls.__name__} has no recommended setting for {family} targets such as {target!r}; "
                f"it has one for: {', '.join(families) or 'none'}"
                + (f"; {' and '.join(others)} {'has' if len(others) == 1 else 'have'} one for {family}" if others else "")
                + " (docs/modes.md)"
            )
        gan = cls(**{**settings, **overrides})  # type: ignore[arg-type]
        if target is not None:
            gan.build(target)
        return gan

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
        packing: int | None = None,
        unrolled_steps: int | None = None,
        instance_noise: InstanceNoise | None = None,
        updates: str | None = None,
        consensus: float | None = None,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float32,
        engine: str = "auto",
    ) -> None:
        self.seeds, self._single = resolve_seeds(seed, seeds)
        # One keyword per GANConfig field (tests/ganzoo/test_gan.py checks that they agree).
        given = locals()
        overrides = {name: given[name] for name in CONFIG_FIELDS if given[name] is not None}
        self.config: GANConfig = dataclasses.replace(self.defaults, **overrides)
        self.device = check_device("device", device)
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
        self.dtype = dtype
        self.engine = check_engine(engine)
        self.trainer: Trainer | None = None
        self._sample_calls = 0
        # Set by load()/restore(): the fit call that the checkpoint interrupted (resume()).
        self._interrupted: dict[str, Any] | None = None
        self._checkpoint_file: Path | None = None

    def __repr__(self) -> str:
        who = f"seed={self.seeds[0]}" if self._single else f"seeds=[{len(self.seeds)} seeds]"
        return f"{type(self).__name__}({who})"

    @property
    def members(self) -> int:
        """How many runs this object trains (1 for ``seed=...``)."""
        return len(self.seeds)

    def build(self, target=None, *, holdout: float = HOLDOUT) -> Trainer:
        """Create the networks, optimizers and streams for ``target`` (done by :meth:`fit`).

        Once built, ``target=None`` keeps the target it was built (or loaded) for.
        """
        if target is None and self.trainer is not None:
            return self.trainer
        target = training_target(target)
        if self.trainer is not None:
            if self.trainer.target.dim != target.dim:
                raise ValueError(
                    f"target has dimension {target.dim}, but this GAN was built for dimension "
                    f"{self.trainer.target.dim}; make a new GAN for a target of another dimension"
                )
            self.trainer.retarget(target, holdout)
            return self.trainer
        self.trainer = Trainer(
            self.config, self.seeds, target, device=self.device, dtype=self.dtype, engine=self.engine, holdout=holdout
        )
        return self.trainer

    def fit(
        self,
        target=None,
        *,
        steps: int | None = None,
        eval_every: int = 1000,
        eval_samples: int = 2000,
        progress: bool | Callable[[int], object] | None = None,
        checkpoint: str | os.PathLike | None = None,
        checkpoint_every: int | None = None,
        holdout: float = HOLDOUT,
        log_dir: str | os.PathLike | None = None,
    ) -> History:
        """Train for ``steps`` generator steps (default: the variant's budget) on ``target``.

        ``target`` is anything :func:`evaluation.as_target` takes: an :mod:`evaluation`
        target, a spec string (``"ring"``, ``"scipy:gamma,a=2"``, ``"data:my.csv"``), a
        frozen scipy.stats distribution, a numpy array of your own data, or an object with
        the target protocol's ``dim``, ``spec`` and ``sample`` (default
        ``Gaussian(4, 1.25)``; once built, the target it was built for). A target known
        only by its data (:class:`evaluation.Empirical`) is split, seeded, into rows to
        train on and a ``holdout`` share (default 0.2) held out: the checks and every later
        score compare the samples with the held-out rows only. Every ``eval_every`` steps
        (0: never) a fixed sample of ``eval_samples`` points per run is scored with
        :func:`evaluation.evaluate`.
        ``progress`` shows a progress bar (default: when stderr is a terminal), or is a
        callable called with the number of steps done since its last call. Calling
        ``fit`` again continues training. Returns the record of this call; :attr:`history`
        holds the whole run. NaN or inf in a loss, the weights or the samples is never an
        error: that run (ensemble member) is stopped and recorded as diverged, with the
        step, in ``History.diverged_at`` and ``'diverged'`` labels, and the others train
        on.

        ``checkpoint``: a file that receives the whole training state (as :meth:`save`
        writes it) every ``checkpoint_every`` generator steps (default 1000; 0: only at the
        end; counted on the run's step count, like ``eval_every``) and when the call ends,
        each time written atomically, so that a killed fit loses at most
        ``checkpoint_every`` steps. To continue after a crash::

            gan = GAN.load(path)   # the state at the last checkpoint, the class it records
            gan.resume()           # finishes this call: its steps, checks and checkpoints

        which ends bit for bit (same device) where the uninterrupted call would have.
        Checkpoints pause training as checks do; a pause only moves the step at which a
        divergence found in the weights (not the losses) is recorded.

        ``log_dir``: also write this call's record for TensorBoard there once it ends
        (:mod:`ganzoo._tensorboard`: mean losses, scores, traces and histograms of the
        generated points at each check; needs ``pip install 'ganzoo[tensorboard]'``,
        checked before training starts).
        """
        steps = self.config.steps if steps is None else check_int("steps", steps, minimum=1)
        check_int("eval_every", eval_every, minimum=0)
        check_int("eval_samples", eval_samples, minimum=2)
        if checkpoint is None:
            if checkpoint_every is not None:
                raise ValueError(f"checkpoint_every={checkpoint_every!r} needs checkpoint=PATH, the file to write")
            every = 0
        else:
            every = 1000 if checkpoint_every is None else check_int("checkpoint_every", checkpoint_every, minimum=0)
            _checkpoint.check_path(checkpoint)  # before training, not at the first write
        writer = None if log_dir is None else summary_writer(log_dir)
        self.build(target, holdout=holdout)
        record = self._train(
            steps, eval_every=eval_every, eval_samples=eval_samples, progress=progress,
            checkpoint=checkpoint, checkpoint_every=every, compiled=None,
        )  # fmt: skip
        if writer is not None:
            with writer:
                log_history(writer, record, self.seeds, single=self._single, offset=self.trainer.step_count - steps)
        return record.member(0) if self._single else record

    def _train(
        self,
        steps: int,
        *,
        eval_every: int,
        eval_samples: int,
        progress: bool | Callable[[int], object] | None,
        checkpoint: str | os.PathLike | None,
        checkpoint_every: int,
        compiled: bool | None,
    ) -> History:
        if not (progress is None or isinstance(progress, bool) or callable(progress)):
            raise TypeError(f"progress must be True, False, None or a callable taking a step count, got {progress!r}")
        trainer = self._require_trainer("fit()")
        # What resume() needs to finish this call as it would have run.
        call: dict[str, Any] = {
            "end": trainer.step_count + steps,
            "eval_every": eval_every,
            "eval_samples": eval_samples,
            "checkpoint_every": checkpoint_every,
            "compiled": None,
        }
        self._interrupted = None  # a new call supersedes an interrupted one
        save = None
        if checkpoint is not None:
            path = Path(checkpoint)

            def save() -> None:
                # The mode this call runs in (decided at its start), so that a resumed call
                # runs the same eager or compiled arithmetic.
                call["compiled"] = None if trainer.fused is None else bool(trainer.fused.compiled)
                _checkpoint.write(path, self._payload(call))

        label = self.name or type(self).__name__
        record = trainer.train(
            steps,
            eval_every=eval_every,
            eval_samples=eval_samples,
            progress=progress,
            description=label if self._single else f"{label} x{self.members}",
            checkpoint_every=checkpoint_every,
            on_checkpoint=save,
            compiled=compiled,
        )
        return record  # the ensemble layout: the callers drop the member axis of a single run

    # -- checkpoints ------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write the whole training state to the file ``path``, atomically; returns the path.

        Weights, generator average, optimizer and learning-rate-schedule state, step count,
        divergence state, history, the sampling-call counter, the resolved configuration,
        seeds, dtype, engine and target spec (see ``docs/reliability.md``). A
        temporary file in the same folder is fsynced and renamed over ``path``, so a crash
        leaves the old file or the new one, never a torn one. :meth:`load` reads it back.
        """
        self._require_trainer("save()")
        return _checkpoint.write(path, self._payload(self._interrupted))

    def _payload(self, call: dict[str, Any] | None) -> dict[str, Any]:
        return _gan_state.payload(
            type(self), config=self.config, seeds=self.seeds, single=self._single, dtype=self.dtype,
            device=self.device, engine=self.engine, trainer=self.trainer, sample_calls=self._sample_calls, call=call,
        )  # fmt: skip

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        *,
        target=None,
        device: str | torch.device | None = None,
        engine: str | None = None,
    ) -> GAN:
        """The GAN saved in ``path`` (by :meth:`save` or ``fit(checkpoint=path)``), ready to train.

        The class is the one recorded in the file: ganzoo's variants are found by
        themselves (``GAN.load(path)``); a class of your own is loaded by calling its
        ``load`` (``MyGAN.load(path)``). The configuration is the saved, resolved one
        (later changes of a variant's defaults do not apply), the target the saved spec
        unless ``target`` is given (needed for a target without a spec), the device and
        engine the saved ones unless given. After it, :meth:`resume` finishes a fit that
        was interrupted, and :meth:`fit` trains on.

        The file is read with ``torch.load(weights_only=True)`` and only ganzoo's own
        setting classes are rebuilt from it: a file that needs pickled code, a truncated or
        foreign file, or one of another format version raises
        :class:`ganzoo.CheckpointError` (a ValueError) naming the file. A
        setting with a custom network or loss cannot be rebuilt from data: make the GAN as
        before and call :meth:`restore`.
        """
        path, data = _gan_state.read(path)
        klass = _gan_state.saved_class(cls, GAN, data, path)
        config = _gan_state.saved_config(data, path)
        seeds = data["seeds"]
        who = {"seed": seeds[0]} if data["single"] and len(seeds) == 1 else {"seeds": seeds}
        try:
            gan = klass(
                **who,
                device=data["device"] if device is None else device,
                dtype=_checkpoint.DTYPES[data["dtype"]],
                engine=data["engine"] if engine is None else engine,
            )
        except (ValueError, TypeError) as error:
            raise CheckpointError(f"{path}: cannot make the GAN it records: {error}") from None
        gan.config = config  # the saved setting as resolved then, whatever the defaults are now
        gan._restore(path, data, target)
        return gan

    def restore(self, path: str | os.PathLike, *, target=None) -> None:
        """Load the training state saved in ``path`` into this GAN, replacing its own.

        This GAN must have the saved seeds, setting (its resolved configuration), dtype and
        engine kind (fused or autograd), else a :class:`~ganzoo.CheckpointError`
        says what differs; nothing is changed unless the whole state loads. ``target``
        defaults to the GAN's current target, else the saved spec. Then :meth:`resume` or
        :meth:`fit` go on from the saved step.
        """
        self._restore(*_gan_state.read(path), target)

    def _restore(self, path: Path, data: dict[str, Any], target) -> None:
        if target is None and self.trainer is not None:
            target = self.trainer.target
        # A fresh trainer, swapped in only once the whole state has loaded.
        self.trainer = _gan_state.restored_trainer(
            data, path, config=self.config, seeds=self.seeds, dtype=self.dtype, device=self.device,
            engine=self.engine, target=target,
        )  # fmt: skip
        self._sample_calls = data["sample_calls"]
        self._interrupted = data["fit"]
        self._checkpoint_file = path

    def resume(self, *, progress: bool | Callable[[int], object] | None = None) -> History:
        """Finish the ``fit(checkpoint=...)`` call that the loaded checkpoint interrupted.

        Trains the steps that call had left, with its ``eval_every``, ``eval_samples`` and
        checkpoint interval, writing on to the file it was loaded from, in the eager or
        compiled mode the call ran in: the run ends bit for bit (same device) as if it had
        never stopped. Returns the record of the resumed steps (none if the checkpoint was
        written at the call's end: resuming a finished fit does nothing, so a script may
        always call it). Needs a GAN from :meth:`load` or :meth:`restore`.
        """
        trainer = self._require_trainer("resume()")
        call = self._interrupted
        if call is None:
            raise RuntimeError(
                "resume() finishes a fit(checkpoint=...) that was interrupted: load its checkpoint "
                "first (gan = GAN.load(path)); this GAN has no interrupted fit to finish"
            )
        remaining = call["end"] - trainer.step_count
        if remaining <= 0:
            self._interrupted = None
            record = trainer.train(
                0, eval_every=0, eval_samples=2, progress=False, description=""
            )  # an empty record
            return record.member(0) if self._single else record
        record = self._train(
            remaining,
            eval_every=call["eval_every"],
            eval_samples=call["eval_samples"],
            progress=progress,
            checkpoint=self._checkpoint_file,
            checkpoint_every=call["checkpoint_every"],
            compiled=call["compiled"],
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

    def animate(self, path: str | os.PathLike, *, member: int = 0, fps: int = 4) -> Path:
        """Write the film of the training so far to ``path`` (``.gif``; ``.mp4`` with ffmpeg):
        one frame per evaluation check, from the snapshots each check took
        (:mod:`ganzoo._animation`: 1-D, the generated density, the target pdf, D(x) and
        D*(x); 2-D, the points over D's heatmap). ``member``: which run of an ensemble."""
        trainer = self._require_trainer("animate()")
        history = trainer.history
        if history is None or history.snapshots is None or not len(history.eval_steps):
            raise ValueError("animate() needs the snapshots of evaluation checks: fit with eval_every > 0 first")
        check_int("member", member, minimum=0)
        if member >= self.members:
            raise ValueError(f"member must be < {self.members} (the ensemble's runs), got {member}")
        title = f"{self.name or type(self).__name__}, seed {self.seeds[member]}"
        return animate(
            path, history.snapshots.member(member), history.eval_steps, trainer.target,
            probabilistic=self.config.loss.probabilistic, title=title, fps=fps,
        )  # fmt: skip

    def discriminate(self, x: np.ndarray) -> np.ndarray:
        """The discriminator's raw scores on points ``x`` of shape ``(n, dim)``.

        Shape ``(n,)`` for one run, ``(K, n)`` for an ensemble. For the BCE family
        (``loss.probabilistic``), ``1 / (1 + exp(-score))`` is D(x), the probability of "real".
        A packed discriminator (``packing`` m) is scored on the pack of m copies of each point.
        """
        trainer = self._require_trainer("discriminate()")
        try:
            x = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(
                f"x must be a numeric array of shape (n, {trainer.target.dim}), got {type(x).__name__}"
            ) from None
        if x.ndim != 2 or x.shape[1] != trainer.target.dim:
            raise ValueError(f"x must have shape (n, {trainer.target.dim}), got {x.shape}")
        if trainer.standard_units is not None:  # the discriminator works in standard units
            x = (x - trainer.standard_units.location) / trainer.standard_units.scale
        points = torch.as_tensor(x, dtype=self.dtype, device=self.device).expand(self.members, *x.shape)
        scores = trainer.discriminator_scores(points).double().cpu().numpy()
        return scores[0] if self._single else scores
