"""Comparative studies: a grid of settings x targets x seeds, trained, stored, reported.

```python
from ganzoo.study import Study, run_study, build_report

study = Study(settings=["all"], seeds=32, targets=["gaussian:4,1.25"])
run_study(study, "studies/default")        # resumable: only missing runs train
build_report("studies/default")            # report.md, CSV tables, PNG figures
```

See docs/studies.md. The same from a shell: ``ganzoo compare`` and ``ganzoo report``.
"""

from ._backends import BACKENDS, LocalBackend, RayBackend
from ._report import build_report, load_runs
from ._runner import StudyRun, discriminator_grid, run_cell, run_study
from ._spec import OVERRIDES, QUICK, Cell, Setting, Study, parse_seeds, read_toml
from ._store import FILENAME, RunRecord, Store, StudyMismatch, equal_runs

__all__ = [
    "BACKENDS",
    "FILENAME",
    "OVERRIDES",
    "QUICK",
    "Cell",
    "LocalBackend",
    "RayBackend",
    "RunRecord",
    "Setting",
    "Store",
    "Study",
    "StudyMismatch",
    "StudyRun",
    "build_report",
    "discriminator_grid",
    "equal_runs",
    "load_runs",
    "parse_seeds",
    "read_toml",
    "run_cell",
    "run_study",
]
