"""The classic toy experiments of the GAN literature, reproduced: ``ganzoo reproduce NAME``.

Each preset follows its source's protocol (the study files in ``presets/`` and
:mod:`._dirac` name the source of every detail) and reports the published numbers beside
ganzoo's, with confidence intervals over seeds. See docs/literature.md.
"""

from ._dirac import METHODS as DIRAC_METHODS
from ._dirac import DiracResult, run_dirac
from ._presets import PRESETS, Preset, Published, preset
from ._reproduce import reproduce, study_of

__all__ = ["DIRAC_METHODS", "PRESETS", "DiracResult", "Preset", "Published", "preset", "reproduce", "run_dirac", "study_of"]
