"""Comparative studies: a grid of settings x targets x seeds, trained, stored, reported.

```python
from ganzoo.study import Study, build_report, load, run_study

study = Study(settings=["all"], seeds=32, targets=["gaussian:4,1.25"])
run_study(study, "studies/default")        # resumable: only missing runs train
build_report("studies/default")            # report.md, CSV tables, PNG figures
runs = load("studies/default").to_frame()  # a pandas DataFrame, one row per run
```

See docs/studies.md. The same from a shell: ``ganzoo compare`` and ``ganzoo report``.
"""

from ._backends import BACKENDS, Backend, LocalBackend, RayBackend
from .._reference import discriminator_grid
from ._cell import run_cell
from ._report import build_report, load_runs
from ._results import StudyResults, load
from ._runner import StudyRun, run_study
from ._settings import OVERRIDES, Setting
from ._store import FILENAME, RunRecord, Store, StudyMismatch, equal_runs
from ._study import QUICK, Cell, Study, parse_seeds, read_toml

__all__ = [
    "BACKENDS",
    "Backend",
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
    "StudyResults",
    "StudyRun",
    "build_report",
    "discriminator_grid",
    "equal_runs",
    "load",
    "load_runs",
    "parse_seeds",
    "read_toml",
    "run_cell",
    "run_study",
]
