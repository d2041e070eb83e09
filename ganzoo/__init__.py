"""ganzoo: GAN variants on targets with a known ground truth, scored with real statistics.

Start with ``from ganzoo import VanillaGAN``: ``VanillaGAN(seed=0).fit()`` trains the
reference program's GAN on N(4, 1.25); :mod:`evaluation` scores what it generates.
"""

from .checkpoint import CheckpointError
from .config import GANConfig
from .gan import GAN
from .history import History
from .losses import (
    HingeLoss,
    LeastSquaresLoss,
    Loss,
    MinimaxLoss,
    NonSaturatingLoss,
    SigmoidBCELoss,
    WassersteinLoss,
)
from .networks import MLPSpec, NetworkSpec
from .optim import SGD, Adam, LRDecay, OptimizerSpec, RMSprop
from .penalties import DRAGAN, R1, R2, Constraint, GradientPenalty, Penalty, WeightClipping
from .streams import RandomSource
from .variants import (
    LSGAN,
    VARIANTS,
    WGAN,
    WGANGP,
    HingeGAN,
    MinimaxGAN,
    NonSaturatingGAN,
    VanillaGAN,
    get_variant,
)

__version__ = "0.1.0"

__all__ = [
    "DRAGAN",
    "GAN",
    "LSGAN",
    "R1",
    "R2",
    "SGD",
    "VARIANTS",
    "WGAN",
    "WGANGP",
    "Adam",
    "CheckpointError",
    "Constraint",
    "GANConfig",
    "GradientPenalty",
    "HingeGAN",
    "HingeLoss",
    "History",
    "LRDecay",
    "LeastSquaresLoss",
    "Loss",
    "MLPSpec",
    "MinimaxGAN",
    "MinimaxLoss",
    "NetworkSpec",
    "NonSaturatingGAN",
    "NonSaturatingLoss",
    "OptimizerSpec",
    "Penalty",
    "RMSprop",
    "RandomSource",
    "SigmoidBCELoss",
    "VanillaGAN",
    "WassersteinLoss",
    "WeightClipping",
    "__version__",
    "get_variant",
]
