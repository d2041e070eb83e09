"""The full, resolved setting of a GAN run: what a variant declares and a user overrides."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ._networks import MLPSpec, NetworkSpec, as_network_spec
from ._optim import Adam, LRDecay, OptimizerSpec
from ._penalties import Constraint, Penalty
from ._validation import check_bool, check_choice, check_float, check_instance, check_int
from .losses import Loss
from .remedies import UPDATE_SCHEDULES, InstanceNoise


REMEDY_FIELDS = frozenset({"packing", "unrolled_steps", "instance_noise", "updates", "consensus"})
"""The :class:`GANConfig` fields of the remedies (:mod:`ganzoo.remedies`), added after results were stored."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class GANConfig:
    """Every hyperparameter of a GAN run, validated.

    - ``loss``: the objective pair (:class:`ganzoo.losses.Loss`).
    - ``generator`` / ``discriminator``: network builders (or modules, used as templates).
      The generator maps noise ``(batch, latent_dim)`` to samples ``(batch, target.dim)``;
      the discriminator maps samples to raw scores ``(batch, 1)``.
    - ``g_optimizer`` / ``d_optimizer``: optimizer settings; different learning rates give
      the two-time-scale update rule (TTUR, Heusel et al. 2017).
    - ``penalties``: terms added to the discriminator loss (gradient penalty, R1, R2, ...).
    - ``constraints``: projections applied after each discriminator step (weight clipping).
    - ``n_critic``: discriminator steps per generator step.
    - ``batch_size``: samples per batch, real and fake alike.
    - ``latent_dim``: dimension of the N(0, I) noise fed to the generator.
    - ``ema_decay``: if > 0, keep an exponential moving average of the generator's weights,
      ``θ_ema ← β θ_ema + (1 − β) θ`` after each generator step (Yazıcı et al. 2019); the
      averaged generator is the one evaluated and sampled. 0 turns it off.
    - ``steps``: the default training budget in generator steps.
    - ``lr_decay``: an :class:`ganzoo.LRDecay` multiplying both learning rates by a
      factor of the generator step (linear or exponential decay), or None for constant rates.
    - ``standardize``: if True, both networks work in standard units of the target's data:
      real batches enter the discriminator as ``(x − m) / s`` and generated samples leave
      as ``m + s · G(z)``, with ``m`` and ``s`` the mean and standard deviation estimated
      from real data (10,000 seeded draws, or a data target's training rows;
      :class:`ganzoo._streams.StandardUnits`), never the target's exact moments. An exact
      affine reparametrization of the problem (it moves the data next to where freshly
      initialized networks already are); False, the default, is the reference program's
      raw units.

    Remedies for mode collapse and non-convergence (:mod:`ganzoo.remedies`, one module each):

    - ``packing``: the discriminator scores packs of m samples side by side, real packs
      from real data and fake packs from the generator (PacGAN, Lin et al. 2018); a batch
      holds ``batch_size`` packs, ``packing × batch_size`` samples. 1 is the plain GAN.
    - ``unrolled_steps``: the generator's gradient flows through k look-ahead updates of
      the discriminator by its own optimizer (Metz et al. 2017); 0 is the plain generator step.
    - ``instance_noise``: an :class:`ganzoo.InstanceNoise`, Gaussian noise on every input
      of the discriminator, annealed (Sønderby et al. 2017), or None.
    - ``updates``: ``"alternating"`` (the discriminator first, then the generator against
      the updated discriminator; the reference program) or ``"simultaneous"`` (both
      gradients at the same point; needs ``n_critic = 1``).
    - ``consensus``: γ of consensus optimization (Mescheder, Nowozin & Geiger 2017): both
      players' gradients gain ``γ ∇ ½‖g‖²``, ``g`` the game's gradient over both players;
      needs ``updates="simultaneous"`` and no unrolling. 0 turns it off.

    Minibatch standard deviation (Karras et al. 2018) is a discriminator option,
    ``MLPSpec(minibatch_std=True)``.
    """

    loss: Loss
    generator: NetworkSpec = MLPSpec()
    discriminator: NetworkSpec = MLPSpec()
    g_optimizer: OptimizerSpec = Adam()
    d_optimizer: OptimizerSpec = Adam()
    penalties: tuple[Penalty, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    n_critic: int = 1
    batch_size: int = 64
    latent_dim: int = 1
    ema_decay: float = 0.0
    steps: int = 20_000
    lr_decay: LRDecay | None = None
    standardize: bool = False
    packing: int = 1
    unrolled_steps: int = 0
    instance_noise: InstanceNoise | None = None
    updates: str = "alternating"
    consensus: float = 0.0

    def __post_init__(self) -> None:
        check_instance("loss", self.loss, Loss, "a ganzoo.losses.Loss")
        object.__setattr__(self, "generator", as_network_spec(self.generator, "generator"))
        object.__setattr__(self, "discriminator", as_network_spec(self.discriminator, "discriminator"))
        check_instance("g_optimizer", self.g_optimizer, OptimizerSpec, "an optimizer setting such as Adam(lr=1e-3)")
        check_instance("d_optimizer", self.d_optimizer, OptimizerSpec, "an optimizer setting such as Adam(lr=1e-3)")
        object.__setattr__(self, "penalties", _as_tuple("penalties", self.penalties, "(R1(gamma=1.0),)"))
        object.__setattr__(self, "constraints", _as_tuple("constraints", self.constraints, "(WeightClipping(),)"))
        for i, penalty in enumerate(self.penalties):
            check_instance(f"penalties[{i}]", penalty, Penalty, "a ganzoo Penalty")
        for i, constraint in enumerate(self.constraints):
            check_instance(f"constraints[{i}]", constraint, Constraint, "a ganzoo Constraint")
        check_int("n_critic", self.n_critic, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_int("latent_dim", self.latent_dim, minimum=1)
        check_float("ema_decay", self.ema_decay, nonnegative=True, below=1.0)
        check_int("steps", self.steps, minimum=1)
        if self.lr_decay is not None:
            check_instance("lr_decay", self.lr_decay, LRDecay, "None or an LRDecay such as LRDecay(kind='linear')")
        check_bool("standardize", self.standardize)
        check_int("packing", self.packing, minimum=1)
        check_int("unrolled_steps", self.unrolled_steps, minimum=0)
        if self.instance_noise is not None:
            check_instance("instance_noise", self.instance_noise, InstanceNoise, "None or an InstanceNoise(std=0.1)")
        check_choice("updates", self.updates, UPDATE_SCHEDULES)
        if self.updates == "simultaneous" and self.n_critic != 1:
            raise ValueError(
                f"updates='simultaneous' needs n_critic=1 (one discriminator step per generator step), "
                f"got n_critic={self.n_critic}"
            )
        check_float("consensus", self.consensus, nonnegative=True)
        if self.consensus and (self.updates != "simultaneous" or self.unrolled_steps):
            raise ValueError(
                f"consensus={self.consensus!r} needs updates='simultaneous' and unrolled_steps=0 (it takes both "
                f"players' gradients at one point), got updates={self.updates!r}, unrolled_steps={self.unrolled_steps}"
            )
        if isinstance(self.generator, MLPSpec) and self.generator.minibatch_std:
            raise ValueError("minibatch_std is a discriminator option: the generator's MLPSpec has minibatch_std=True")

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly description of every setting, stored beside results: one key per
        field, in field order (the loss as its class name plus ``loss_parameters``). The
        remedies (:data:`REMEDY_FIELDS`) appear only when on, so that a setting without them
        is described exactly as before they existed: stored studies and checkpoints still
        compare equal to it."""
        out: dict[str, object] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in REMEDY_FIELDS and value == field.default:
                continue
            if field.name == "loss":
                out |= {"loss": type(value).__name__, "loss_parameters": dict(vars(value))}
            elif isinstance(value, tuple):  # penalties, constraints
                out[field.name] = [item.to_dict() for item in value]
            else:
                out[field.name] = value.to_dict() if hasattr(value, "to_dict") else value
        return out


def _as_tuple(name: str, value: object, example: str) -> tuple:
    """``value`` (an iterable of add-ons) as a tuple; a single add-on or a string is refused."""
    if isinstance(value, (str, bytes, Penalty, Constraint)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a sequence such as {example} (or () for none), got {value!r}")
    return tuple(value)
