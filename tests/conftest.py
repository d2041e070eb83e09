"""Test-suite-wide settings: Hypothesis profiles.

The default run (and CI) uses the ``ci`` profile: ``derandomize=True`` draws the same
examples on every run, so a pass or a failure is reproducible on any machine, and the
database of earlier failures is not consulted. ``HYPOTHESIS_PROFILE=explore pytest ...``
searches with fresh random examples (and more of them) when hunting for new failures.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
