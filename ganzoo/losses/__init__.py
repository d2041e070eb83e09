"""GAN objectives on raw discriminator scores; one module per loss family."""

from .base import Loss, batch_mean
from .hinge import HingeLoss
from .least_squares import LeastSquaresLoss
from .logistic import MinimaxLoss, NonSaturatingLoss
from .sigmoid_bce import SigmoidBCELoss
from .wasserstein import WassersteinLoss

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
