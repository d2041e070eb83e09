"""Every test taking a ``case`` argument runs once per row of the conformance list
(:data:`conformance.CASES`)."""

from __future__ import annotations

import pytest
import torch
from conformance import CASES

# The networks here are tiny (batch 64, width 16): intra-op threads only add hand-offs, and
# on a loaded 2-core machine each threaded op can wait a scheduler slice (measured: one
# small baddbmm took 7.8 ms with 2 threads under load, 26 µs with 1).
torch.set_num_threads(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test taking a ``case`` argument runs once per row of :data:`CASES`."""
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", CASES, ids=[c.id for c in CASES])


@pytest.fixture
def conformance_cases() -> list:
    return CASES
