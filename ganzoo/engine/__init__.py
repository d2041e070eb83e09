"""Training engines: which code trains a GAN's K members.

- ``"autograd"``: :class:`ganzoo._trainer.Trainer`'s own step, autograd over the stacked
  parameters: any loss, penalty, constraint or network. The reference.
- ``"fused"``: ``ganzoo/engine/_fused.py``, hand-derived forward, backward and optimizer
  steps for MLP networks, run eagerly or compiled (a whole chunk of steps per call),
  whichever the work ahead pays for (:func:`should_compile`).
  ``"fused-eager"`` and ``"fused-compiled"`` force one of the two (the two agree to float
  rounding, not bit for bit, so a run that must be bit-reproducible across ensemble sizes
  or training lengths should fix one).
- ``"numba"``: the same hand-derived step as numba kernels (``_numba_kernels.py``), compiled
  once per machine and cached on disk; CPU only.
- ``"auto"`` (the default): where the fused step supports the setting, ``"numba"`` on the
  CPU and ``"fused"`` elsewhere; else ``"autograd"``.

See ``docs/engine.md`` for the derivation and measured speeds.
"""


from ._compile import should_compile
from ._fused import FusedEngine
from ._numba_engine import NumbaEngine
from ._select import ENGINES, check_engine, make_engine
from ._support import unsupported_features

__all__ = ["ENGINES", "FusedEngine", "NumbaEngine", "check_engine", "make_engine", "should_compile", "unsupported_features"]
