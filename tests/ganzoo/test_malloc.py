"""glibc's mmap threshold, fixed once ganzoo trains: freed temporaries of a few MiB go back
to the system even between objects that live on; a user's own malloc tunables win."""

import subprocess
import sys
import textwrap

import pytest

from ganzoo import VanillaGAN, _malloc

glibc = pytest.mark.skipif(not _malloc._glibc(), reason="glibc's malloc only")

_RETURNED = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from ganzoo import _malloc

    def resident_mib():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    if sys.argv[1] == "fixed":
        assert _malloc.fix_mmap_threshold()
    big = np.ones(2**21)  # a 16 MiB mapping, freed: glibc's own rule raises its threshold to 16 MiB
    del big
    blocks, kept = [], []
    for _ in range(100):
        blocks.append(np.ones(2**18))  # 2 MiB temporaries ...
        kept.append(bytearray(4000))  # ... between small objects that live on
    before = resident_mib()
    del blocks
    print(before - resident_mib())
    """
)


def _returned_mib(mode: str) -> float:
    result = subprocess.run([sys.executable, "-c", _RETURNED, mode], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return float(result.stdout)


@glibc
def test_a_fixed_threshold_gives_freed_temporaries_back_where_glibcs_rule_keeps_them():
    fixed, default = _returned_mib("fixed"), _returned_mib("default")
    assert fixed > 150  # of the 200 MiB freed
    assert fixed - default > 100  # the rule's own behaviour, which the fix is for


@glibc
def test_training_fixes_the_threshold_once(monkeypatch):
    for name in _malloc.USER_TUNABLES:
        monkeypatch.delenv(name, raising=False)
    calls = []
    monkeypatch.setattr(_malloc, "_fixed", None)
    monkeypatch.setattr(_malloc, "_mallopt", lambda threshold: calls.append(threshold) or True)
    VanillaGAN(seed=0).fit(steps=4, eval_every=0, progress=False)
    VanillaGAN(seed=1).fit(steps=4, eval_every=0, progress=False)
    assert calls == [_malloc.THRESHOLD]


def test_a_users_own_malloc_tunables_are_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    monkeypatch.setattr(_malloc, "_fixed", None)
    monkeypatch.setattr(_malloc, "_mallopt", lambda threshold: pytest.fail("mallopt called"))
    assert _malloc.fix_mmap_threshold() is False
