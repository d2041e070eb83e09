"""Networks: the builder interface, the default MLP, and ensembles of K independent members.

A network, as far as a user is concerned, is any ``torch.nn.Module`` mapping
``(batch, in)`` to ``(batch, out)``. The trainer always works on ensembles of K members
(K = 1 for a single run), held as one module mapping ``(K, batch, in)`` to
``(K, batch, out)``:

- :class:`StackedMLP` keeps the K members' MLP weights stacked as ``(K, in, out)`` tensors and
  runs them with one batched matmul (``torch.baddbmm``) per layer — the fast path.
- :class:`ModuleEnsemble` runs K copies of any module through ``torch.func.vmap`` over
  stacked parameters — the generic path for custom networks.

Both are exact in the sense that member k computes what its own network would compute alone.
"""

from __future__ import annotations

import abc
import contextlib
import copy
import dataclasses
import math
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ._module_ensemble import ModuleEnsemble
from ._validation import check_bool, check_choice, check_float, check_instance, check_int
from .remedies._minibatch_std import MinibatchStd, minibatch_std

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
}
OUTPUT_HEADS = {"identity": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


class NetworkSpec(abc.ABC):
    """Builds one member's network for given input and output sizes from a seeded generator."""

    @abc.abstractmethod
    def build(self, in_features: int, out_features: int, *, generator: torch.Generator) -> nn.Module:
        """A fresh module mapping ``(batch, in_features)`` to ``(batch, out_features)``.

        All of its randomness must come from ``generator`` (never torch's global RNG), so a
        seed fixes the initial weights and nothing else in the process is disturbed.
        """

    def ensemble(self, members: Sequence[nn.Module]) -> nn.Module:
        """The K built ``members`` as one ``(K, batch, ·)`` module: :class:`ModuleEnsemble`
        (``vmap`` over stacked parameters) unless a spec has a faster stacked form."""
        return ModuleEnsemble(members)

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly description, stored with results."""
        return {"kind": type(self).__name__}


@dataclasses.dataclass(frozen=True, kw_only=True)
class MLPSpec(NetworkSpec):
    """A multilayer perceptron: ``depth`` hidden layers of ``width`` units, then a linear layer.

    The reference program's generator and discriminator are both ``MLPSpec()``:
    ``Linear(in, 16) -> ReLU -> Linear(16, out)`` (the discriminator's sigmoid lives in its
    loss, :class:`ganzoo.losses.SigmoidBCELoss`). Weights are initialized as PyTorch's
    ``nn.Linear`` does (He-uniform with a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    for weights and biases), drawn from the given generator.

    ``output`` is the head applied after the last linear layer: ``"identity"`` for raw
    scores and unbounded samples, or ``"sigmoid"``/``"tanh"``.

    ``spectral_norm=True`` divides every linear layer's weight by its largest singular
    value, estimated by one power iteration per training forward pass (Miyato et al. 2018,
    "Spectral Normalization for Generative Adversarial Networks", ICLR, Algorithm 1):
    each built member is ``torch.nn.utils.parametrizations.spectral_norm`` applied to its
    ``nn.Linear`` layers (its initial ``u``, ``v`` drawn from the member's generator), and
    :class:`StackedMLP` runs the same algorithm batched over members.

    ``minibatch_std=True`` appends the batch's mean standard deviation of the last hidden
    layer's features as one more input of the last linear layer (Karras et al. 2018,
    :mod:`ganzoo.remedies._minibatch_std`): a remedy for mode collapse, for discriminators.

    ``orthogonal_gain=g`` initializes every weight matrix as a random orthogonal one times g
    (Saxe, McClelland & Ganguli 2014; ``torch.nn.init.orthogonal_``, TensorFlow's
    ``orthogonal_initializer(gain)``) and every bias as 0, in place of torch's default:
    the initialization of the unrolled GAN's demo (gain 1.4).
    """

    width: int = 16
    depth: int = 1
    activation: str = "relu"
    output: str = "identity"
    spectral_norm: bool = False
    minibatch_std: bool = False
    orthogonal_gain: float | None = None

    def __post_init__(self) -> None:
        check_int("width", self.width, minimum=1)
        check_int("depth", self.depth, minimum=0)
        check_choice("activation", self.activation, tuple(ACTIVATIONS))
        check_choice("output", self.output, tuple(OUTPUT_HEADS))
        check_bool("spectral_norm", self.spectral_norm)
        check_bool("minibatch_std", self.minibatch_std)
        if self.orthogonal_gain is not None:
            check_float("orthogonal_gain", self.orthogonal_gain, positive=True)

    def layer_sizes(self, in_features: int, out_features: int) -> list[int]:
        return [in_features] + [self.width] * self.depth + [out_features]

    def fan_ins(self, in_features: int, out_features: int) -> list[int]:
        """Each linear layer's number of inputs: the layer sizes, plus the batch statistic's
        one feature into the last layer with ``minibatch_std``."""
        sizes = self.layer_sizes(in_features, out_features)[:-1]
        return sizes[:-1] + [sizes[-1] + self.minibatch_std]

    def build(self, in_features: int, out_features: int, *, generator: torch.Generator) -> nn.Sequential:
        sizes = self.layer_sizes(in_features, out_features)
        layers: list[nn.Module] = []
        for i, (fan_in, fan_out) in enumerate(zip(self.fan_ins(in_features, out_features), sizes[1:])):
            if self.minibatch_std and i == len(sizes) - 2:
                layers.append(MinibatchStd())
            # Built on the meta device, then given empty CPU parameters filled from `generator`:
            # nn.Linear's own constructor would draw from (and advance) torch's global RNG.
            # (Not `.to_empty()`: its empty_like on meta tensors imports sympy, 0.3 s of a first fit.)
            linear = nn.Linear(fan_in, fan_out, device="meta")
            linear.weight, linear.bias = (nn.Parameter(torch.empty(p.shape, dtype=p.dtype)) for p in (linear.weight, linear.bias))
            self._initialize(linear.weight, linear.bias, generator)
            if self.spectral_norm:
                # torch draws the initial u, v from its global RNG: seed it from `generator`
                # inside fork_rng so that the global state is left as it was.
                seed = int(torch.randint(0, 2**62, (1,), generator=generator))
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    linear = nn.utils.parametrizations.spectral_norm(linear)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[self.activation]())
        layers.append(OUTPUT_HEADS[self.output]())
        return nn.Sequential(*layers)

    def _initialize(self, weight: torch.Tensor, bias: torch.Tensor, generator: torch.Generator) -> None:
        """Fill one layer's ``weight (out, in)`` and ``bias (out,)`` from ``generator``: U(-1/sqrt(in),
        1/sqrt(in)) each (PyTorch's default), or orthogonal with zero bias."""
        with torch.no_grad():
            if self.orthogonal_gain is None:
                bound = 1.0 / math.sqrt(weight.shape[1])
                weight.uniform_(-bound, bound, generator=generator)
                bias.uniform_(-bound, bound, generator=generator)
            else:
                nn.init.orthogonal_(weight, gain=self.orthogonal_gain, generator=generator)
                bias.zero_()

    def ensemble(self, members: Sequence[nn.Module]) -> nn.Module:
        return StackedMLP(members, self)

    def build_ensemble(self, in_features: int, out_features: int, generators: Sequence[torch.Generator]) -> nn.Module:
        """``self.ensemble([self.build(in_features, out_features, generator=g) for g in generators])``,
        without spectral norm drawn straight into the stacked weights: the same numbers in the same
        order (per member, per layer, W then b), without K torch modules (1 ms each: 1 s of a
        1,024-member fit)."""
        if self.spectral_norm:  # the members' power-iteration vectors come from their modules
            return self.ensemble([self.build(in_features, out_features, generator=g) for g in generators])
        sizes = self.layer_sizes(in_features, out_features)
        shapes = list(zip(sizes[1:], self.fan_ins(in_features, out_features)))
        weights = [torch.empty(len(generators), fan_out, fan_in) for fan_out, fan_in in shapes]
        biases = [torch.empty(len(generators), 1, fan_out) for fan_out, _ in shapes]
        for k, generator in enumerate(generators):
            for weight, bias in zip(weights, biases):
                self._initialize(weight[k], bias[k, 0], generator)
        return StackedMLP.stacked([w.transpose(1, 2) for w in weights], biases, self)

    def to_dict(self) -> dict[str, object]:
        described = dataclasses.asdict(self)
        for option, default in (("minibatch_std", False), ("orthogonal_gain", None)):
            if described[option] == default:  # described as before the option existed (GANConfig.to_dict)
                del described[option]
        return {"kind": "mlp", **described}


MLP_PRESETS: dict[str, MLPSpec] = {
    "reference": MLPSpec(),
    "planar": MLPSpec(width=128, depth=3),
    "wgan-gp-toy": MLPSpec(width=512, depth=3),
}
"""Named network shapes (for either network): ``"reference"``, the reference program's
1→16→1; ``"planar"``, 3 hidden layers of 128 ReLU units, where docs/modes.md's search on
the 2-D mixtures starts (the ring's recommended setting keeps 2 of its layers);
``"wgan-gp-toy"``, 3 hidden layers of 512 ReLU units, the generator and critic of
Gulrajani et al. (2017), ``gan_toy.py``."""


INITS = ("reset", "keep")


class ModuleTemplate(NetworkSpec):
    """A user's module used as a template: each member is a deep copy of it.

    ``init="reset"`` (the default, what a plain module given as a network gets): each copy
    is re-initialized by calling ``reset_parameters()`` on every submodule that has it,
    with torch's global RNG temporarily seeded from the member's generator (and restored
    after, ``torch.random.fork_rng``), so members of an ensemble start from different
    weights and a seed fixes them; a module with no ``reset_parameters`` anywhere is copied
    unchanged. ``init="keep"``: every member starts from the module's own weights (the ones
    you built or loaded), so the members of an ensemble differ only in their data and noise.
    """

    def __init__(self, module: nn.Module, *, init: str = "reset") -> None:
        check_instance("network", module, nn.Module, "a torch.nn.Module or a NetworkSpec")
        self.module = module
        self.init = check_choice("init", init, INITS)

    def build(self, in_features: int, out_features: int, *, generator: torch.Generator) -> nn.Module:
        member = copy.deepcopy(self.module).cpu()
        seed = int(torch.randint(0, 2**62, (1,), generator=generator))  # drawn either way
        if self.init == "reset":
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                for sub in member.modules():
                    if hasattr(sub, "reset_parameters"):
                        sub.reset_parameters()
        return member

    def to_dict(self) -> dict[str, object]:
        return {"kind": "module", "repr": repr(self.module), "init": self.init}

    def __repr__(self) -> str:
        return f"ModuleTemplate({self.module!r}, init={self.init!r})"


def as_network_spec(value: NetworkSpec | nn.Module, name: str) -> NetworkSpec:
    """Accept a :class:`NetworkSpec` or a module (wrapped as a :class:`ModuleTemplate`)."""
    if isinstance(value, NetworkSpec):
        return value
    if isinstance(value, nn.Module):
        return ModuleTemplate(value)
    raise TypeError(f"{name} must be a NetworkSpec (e.g. MLPSpec()) or a torch.nn.Module, got {value!r}")


def check_output_shape(module: nn.Module, in_features: int, out_features: int, name: str) -> None:
    """Run a dummy batch through ``module`` and fail clearly if the shapes do not fit."""
    dtype = next(module.parameters()).dtype if any(True for _ in module.parameters()) else torch.float32
    # In eval mode, so that the check leaves no trace in the module's state (spectral-norm
    # power iterations, batch-norm running statistics).
    was_training = module.training
    module.eval()
    with torch.no_grad():
        try:
            out = module(torch.zeros(2, in_features, dtype=dtype))
        except Exception as error:  # the module's own message says what went wrong inside
            raise ValueError(
                f"{name} must map (batch, {in_features}) to (batch, {out_features}); "
                f"calling it on a (2, {in_features}) batch failed: {error}"
            ) from error
        finally:
            module.train(was_training)
    if not isinstance(out, torch.Tensor):
        raise ValueError(
            f"{name} must map (batch, {in_features}) to (batch, {out_features}) and return one "
            f"tensor; for a (2, {in_features}) batch it returned a {type(out).__name__}"
        )
    if tuple(out.shape) != (2, out_features):
        raise ValueError(
            f"{name} must map (batch, {in_features}) to (batch, {out_features}); "
            f"for a (2, {in_features}) batch it returned shape {tuple(out.shape)}"
        )


def _raw_weight(linear: nn.Linear) -> torch.Tensor:
    """The trained weight of a linear layer: under its spectral-norm parametrization, if any.

    (Reading ``linear.weight`` of a parametrized layer in training mode would run a power
    iteration and change its state.)
    """
    if nn.utils.parametrize.is_parametrized(linear, "weight"):
        return linear.parametrizations.weight.original
    return linear.weight


def _power_vectors(linear: nn.Linear) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The ``(u, v)`` buffers of torch's spectral-norm parametrization, or None."""
    if not nn.utils.parametrize.is_parametrized(linear, "weight"):
        return None
    normalization = linear.parametrizations.weight[0]
    return normalization._u, normalization._v


class StackedMLP(nn.Module):
    """K MLPs of one architecture, weights stacked, run with one ``baddbmm`` per layer.

    Layer l holds ``weight_l`` of shape ``(K, in, out)`` and ``bias_l`` of shape
    ``(K, 1, out)``; for inputs ``x`` of shape ``(K, batch, in)`` member k computes
    ``x[k] @ weight_l[k] + bias_l[k]``, exactly its own MLP.

    With ``spec.spectral_norm`` each layer also holds buffers ``sn_u_l`` ``(K, out)`` and
    ``sn_v_l`` ``(K, in)``, the members' power-iteration vectors, and uses
    ``weight_l / sigma_l`` with ``sigma_l = u·(W v)`` (Miyato et al. 2018, Algorithm 1),
    written batched here because torch's parametrization normalizes one matrix at a time.
    It computes what ``torch.nn.utils.parametrizations.spectral_norm`` computes for each
    member (one power iteration per forward pass in training mode, eps = 1e-12), except
    that no iteration runs under ``torch.no_grad()``: sampling and scoring never change the
    estimate, so they cannot change the course of training.
    """

    def __init__(self, members: Sequence[nn.Sequential], spec: MLPSpec) -> None:
        super().__init__()
        linears = [[m for m in member if isinstance(m, nn.Linear)] for member in members]
        self._hold(
            [torch.stack([_raw_weight(layers[i]).detach().T for layers in linears]) for i in range(len(linears[0]))],
            [torch.stack([layers[i].bias.detach()[None, :] for layers in linears]) for i in range(len(linears[0]))],
            spec,
        )
        if spec.spectral_norm:
            for i in range(len(linears[0])):
                vectors = [_power_vectors(layers[i]) for layers in linears]
                if any(v is None for v in vectors):
                    raise ValueError("spectral_norm=True needs members built by MLPSpec(spectral_norm=True)")
                self.register_buffer(f"sn_u_{i}", torch.stack([u.detach() for u, _ in vectors]).clone())
                self.register_buffer(f"sn_v_{i}", torch.stack([v.detach() for _, v in vectors]).clone())

    @classmethod
    def stacked(cls, weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], spec: MLPSpec) -> StackedMLP:
        """The ensemble of already stacked layers, ``(K, in, out)`` weights and ``(K, 1, out)``
        biases (held as given where contiguous, else as contiguous copies), for a ``spec``
        without spectral norm."""
        ensemble = cls.__new__(cls)
        nn.Module.__init__(ensemble)
        ensemble._hold(weights, biases, spec)
        return ensemble

    def _hold(self, weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], spec: MLPSpec) -> None:
        self.spec = spec
        self.weights = nn.ParameterList(nn.Parameter(w.contiguous()) for w in weights)
        self.biases = nn.ParameterList(nn.Parameter(b.contiguous()) for b in biases)
        self.activation = ACTIVATIONS[spec.activation]()
        self.head = OUTPUT_HEADS[spec.output]()

    @property
    def members(self) -> int:
        return self.weights[0].shape[0]

    def _spectrally_normalized(self, i: int, weight: torch.Tensor, members: slice = slice(None)) -> torch.Tensor:
        # torch's weight matrix of member k is W = weight[k].T, of shape (out, in).
        u, v = getattr(self, f"sn_u_{i}")[members], getattr(self, f"sn_v_{i}")[members]
        if self.training and torch.is_grad_enabled():
            with torch.no_grad():
                u.copy_(F.normalize(torch.bmm(v.unsqueeze(1), weight).squeeze(1), dim=-1, eps=1e-12))  # W v
                v.copy_(F.normalize(torch.bmm(weight, u.unsqueeze(2)).squeeze(2), dim=-1, eps=1e-12))  # Wᵀ u
        # Clones: the buffers change in place at the next forward, before this graph's backward.
        sigma = torch.bmm(torch.bmm(v.clone().unsqueeze(1), weight), u.clone().unsqueeze(2))  # uᵀ W v, (K, 1, 1)
        return weight / sigma

    def forward(self, x: torch.Tensor, members: slice = slice(None)) -> torch.Tensor:
        """``x (K, n, in)`` through every member; with ``members`` a slice, ``x`` holds only
        those members' inputs (in evaluation or without gradients: a slice does not take
        part in spectral norm's power iteration)."""
        for x in self._layer_outputs(x, members):
            pass
        return self.head(x)

    def hidden(self, x: torch.Tensor, members: slice = slice(None)) -> list[torch.Tensor]:
        """The activations of each hidden layer, ``(K, n, width)`` each, for inputs as in
        :meth:`forward` (e.g. to find units that are inactive everywhere)."""
        return self.hidden_and_output(x, members)[0]

    def hidden_and_output(self, x: torch.Tensor, members: slice = slice(None)) -> tuple[list[torch.Tensor], torch.Tensor]:
        """:meth:`hidden` and :meth:`forward` of one pass."""
        *hidden, last = self._layer_outputs(x, members)
        return hidden, self.head(last)

    def _layer_outputs(self, x: torch.Tensor, members: slice) -> Iterator[torch.Tensor]:
        """Each layer's output in turn: the hidden layers' activations, then the last
        layer's output before the head."""
        sliced = members != slice(None)
        if sliced and self.training and torch.is_grad_enabled():
            raise ValueError(f"members={members!r}: a slice of the members runs only without gradients or in eval()")
        last = len(self.weights) - 1
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            if sliced:
                weight, bias = weight[members], bias[members]
            if self.spec.spectral_norm:
                weight = self._spectrally_normalized(i, weight, members)
            if i == last and self.spec.minibatch_std:
                x = minibatch_std(x)
            x = torch.baddbmm(bias, x, weight)
            if i < last:
                x = self.activation(x)
            yield x

    def member(self, k: int) -> nn.Sequential:
        """Member k as an ordinary ``nn.Sequential`` (a copy of its current weights)."""
        generator = torch.Generator().manual_seed(0)
        in_features, out_features = self.weights[0].shape[1], self.weights[-1].shape[2]
        if self.spec.minibatch_std and len(self.weights) == 1:  # the one layer also takes the statistic
            in_features -= 1
        module = self.spec.build(in_features, out_features, generator=generator)
        linears = [m for m in module if isinstance(m, nn.Linear)]
        module = module.to(self.weights[0].device, self.weights[0].dtype)
        with torch.no_grad():
            for i, (linear, weight, bias) in enumerate(zip(linears, self.weights, self.biases)):
                _raw_weight(linear).copy_(weight[k].T)
                linear.bias.copy_(bias[k, 0])
                vectors = _power_vectors(linear)
                if vectors is not None:
                    vectors[0].copy_(getattr(self, f"sn_u_{i}")[k])
                    vectors[1].copy_(getattr(self, f"sn_v_{i}")[k])
        return module

    def load_member(self, k: int, module: nn.Sequential) -> None:
        """Overwrite member k's weights with those of an ``nn.Sequential`` of the same shape."""
        linears = [m for m in module if isinstance(m, nn.Linear)]
        if len(linears) != len(self.weights):
            raise ValueError(f"module has {len(linears)} linear layers, expected {len(self.weights)}")
        with torch.no_grad():
            for i, (linear, weight, bias) in enumerate(zip(linears, self.weights, self.biases)):
                weight[k].copy_(_raw_weight(linear).T)
                bias[k, 0].copy_(linear.bias)
                vectors = _power_vectors(linear)
                if vectors is not None and self.spec.spectral_norm:
                    getattr(self, f"sn_u_{i}")[k].copy_(vectors[0])
                    getattr(self, f"sn_v_{i}")[k].copy_(vectors[1])


@contextlib.contextmanager
def evaluating(module: nn.Module) -> Iterator[nn.Module]:
    """``module`` in evaluation mode inside the block (batch norm's population statistics,
    no dropout), its own mode restored after."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def build_ensemble(
    spec: NetworkSpec,
    in_features: int,
    out_features: int,
    generators: Sequence[torch.Generator],
    *,
    name: str,
    device: torch.device,
    dtype: torch.dtype,
) -> nn.Module:
    """Build one member per generator and stack them into a (K, batch, ·) ensemble module."""
    try:
        if isinstance(spec, MLPSpec):  # valid by construction
            return spec.build_ensemble(in_features, out_features, generators).to(device=device, dtype=dtype)
        members = [spec.build(in_features, out_features, generator=g) for g in generators]
    except (MemoryError, RuntimeError) as error:
        if not isinstance(error, MemoryError) and "allocate" not in str(error):
            raise
        # torch's allocator message names bytes, not the setting that asked for them.
        raise ValueError(
            f"{name} is too large to build: {spec!r} from {in_features} to {out_features} features "
            f"for {len(generators)} member(s) does not fit in memory ({error})"
        ) from None
    check_output_shape(members[0], in_features, out_features, name)
    if not any(p.requires_grad for p in members[0].parameters()):
        raise ValueError(
            f"{name} has no trainable parameters: a {name} must be a torch.nn.Module with "
            f"parameters to train, got {members[0]!r}"
        )
    return spec.ensemble(members).to(device=device, dtype=dtype)
