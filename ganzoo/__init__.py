"""ganzoo: GAN variants on targets with a known ground truth, scored with real statistics.

Start with ``from ganzoo import VanillaGAN``: ``VanillaGAN(seed=0).fit()`` trains the
reference program's GAN on N(4, 1.25); :mod:`evaluation` scores what it generates.
"""

from ._checkpoint import CheckpointError
from ._config import GANConfig
from ._gan import GAN
from ._history import History
from .losses import (
    HingeLoss,
    LeastSquaresLoss,
    Loss,
    MinimaxLoss,
    NonSaturatingLoss,
    SigmoidBCELoss,
    WassersteinLoss,
)
from ._networks import MLPSpec, NetworkSpec
from ._optim import SGD, Adam, LRDecay, OptimizerSpec, RMSprop
from ._penalties import DRAGAN, R1, R2, Constraint, GradientPenalty, Penalty, WeightClipping
from ._streams import RandomSource
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
