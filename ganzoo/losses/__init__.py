"""GAN objectives on raw discriminator scores; one module per loss family."""

from ._base import Loss, batch_mean
from ._hinge import HingeLoss
from ._least_squares import LeastSquaresLoss
from ._logistic import MinimaxLoss, NonSaturatingLoss
from ._sigmoid_bce import SigmoidBCELoss
from ._wasserstein import WassersteinLoss

__all__ = [
    "HingeLoss",
    "LeastSquaresLoss",
    "Loss",
    "MinimaxLoss",
    "NonSaturatingLoss",
    "SigmoidBCELoss",
    "WassersteinLoss",
    "batch_mean",
]
