"""Training engines: which code trains a GAN's K members.

- ``"autograd"``: :class:`ganzoo._trainer.Trainer`'s own step, autograd over the stacked
  parameters: any loss, penalty, constraint or network. The reference.
- ``"fused"``: ``ganzoo/engine/_fused.py``, hand-derived forward, backward and optimizer
  steps for MLP networks, run eagerly or compiled (a whole chunk of steps per call),
  whichever the work ahead pays for (:func:`should_compile`).
  ``"fused-eager"`` and ``"fused-compiled"`` force one of the two (the two agree to float
  rounding, not bit for bit, so a run that must be bit-reproducible across ensemble sizes
  or training lengths should fix one).
- ``"auto"`` (the default): ``"fused"`` when it supports the setting, else ``"autograd"``.

See ``docs/engine.md`` for the derivation and measured speeds.
"""


from ._compile import should_compile
from ._fused import FusedEngine
from ._select import ENGINES, check_engine, make_engine
from ._support import unsupported_features

__all__ = ["ENGINES", "FusedEngine", "check_engine", "make_engine", "should_compile", "unsupported_features"]
