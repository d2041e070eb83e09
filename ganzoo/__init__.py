"""ganzoo: GAN variants on targets with a known ground truth, scored with real statistics.

Start with ``from ganzoo import VanillaGAN``: ``VanillaGAN(seed=0).fit()`` trains the
reference program's GAN on N(4, 1.25); :mod:`evaluation` scores what it generates.
"""

from ._causes import CAUSES, Cause, Trace, failure_cause
from ._checkpoint import CheckpointError
from ._config import GANConfig
from ._convergence import Outcome, strict_outcome
from ._gan import GAN
from ._history import History
from ._networks import MLP_PRESETS, MLPSpec, ModuleTemplate, NetworkSpec
from ._optim import SGD, Adam, LRDecay, OptimizerSpec, RMSprop
from ._penalties import DRAGAN, R1, R2, Constraint, GradientPenalty, Penalty, WeightClipping
from ._streams import RandomSource
from ._version import __version__
from .remedies import InstanceNoise
from .losses import (
    HingeLoss,
    LeastSquaresLoss,
    Loss,
    MinimaxLoss,
    NonSaturatingLoss,
    SigmoidBCELoss,
    WassersteinLoss,
)
from .variants import VARIANTS, get_variant
from .variants._hinge import HingeGAN
from .variants._lsgan import LSGAN
from .variants._minimax import MinimaxGAN
from .variants._nonsaturating import NonSaturatingGAN
from .variants._vanilla import VanillaGAN
from .variants._wgan import WGAN
from .variants._wgan_gp import WGANGP

__all__ = [
    "CAUSES",
    "DRAGAN",
    "GAN",
    "LSGAN",
    "MLP_PRESETS",
    "R1",
    "R2",
    "SGD",
    "VARIANTS",
    "WGAN",
    "WGANGP",
    "Adam",
    "Cause",
    "CheckpointError",
    "Constraint",
    "GANConfig",
    "GradientPenalty",
    "HingeGAN",
    "HingeLoss",
    "History",
    "InstanceNoise",
    "LRDecay",
    "LeastSquaresLoss",
    "Loss",
    "MLPSpec",
    "MinimaxGAN",
    "MinimaxLoss",
    "ModuleTemplate",
    "NetworkSpec",
    "NonSaturatingGAN",
    "NonSaturatingLoss",
    "Outcome",
    "OptimizerSpec",
    "Penalty",
    "RMSprop",
    "RandomSource",
    "SigmoidBCELoss",
    "Trace",
    "VanillaGAN",
    "WassersteinLoss",
    "WeightClipping",
    "__version__",
    "failure_cause",
    "get_variant",
    "strict_outcome",
]
