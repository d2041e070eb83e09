"""Mode collapse, measured: the recommended settings of the 2-D mixtures capture every mode.

Like the 1-D property tests (``test_convergence.py``), each documented setting is trained
on seeds of its confirmation and the number of successes must lie in the pass band of its
confirmation on 64 fresh seeds (``docs/modes/confirm.jsonl``, the numbers of
``docs/modes.md``; :func:`bands.pass_band`, false-failure rate 1 %). A success captures
every mode with at least the goal's share of high-quality samples (VEEGAN/PacGAN's metrics,
:mod:`benchmarks.mode_search`). The short test trains 1 seed (about a minute); the slow
one all 64 (``-m slow``). A variant whose current ``recommended_for`` setting has no
confirmation row fails: a changed setting must be confirmed before it ships.
"""

from __future__ import annotations

import json

import pytest
import torch
from bands import pass_band

from benchmarks.mode_search import CONFIRM_SEEDS, OUT, score
from ganzoo import VARIANTS

DOCUMENTED = [
    (name, family) for name, cls in VARIANTS.items() for family in cls.recommended_for if family in ("ring", "grid")
]


def confirmation(name: str, family: str) -> dict:
    config = json.loads(json.dumps(VARIANTS[name].recommended(target=family, seed=0).config.to_dict()))  # as stored
    rows = [json.loads(line) for line in (OUT / "confirm.jsonl").read_text().splitlines() if line.strip()]
    matching = [r for r in rows if r["variant"] == name and r["target"] == family and r["config"] == config]
    assert matching, f"{name} on {family}: its recommended setting has no confirmation in docs/modes/confirm.jsonl"
    return matching[-1]


def trained(name: str, family: str, seeds) -> dict:
    torch.set_num_threads(1)
    gan = VARIANTS[name].recommended(target=family, seeds=seeds)
    gan.fit(eval_every=0, progress=False)
    return score(gan, family, 0.0)


def assert_in_band(outcome: dict, row: dict, key: str) -> None:
    low, high = pass_band(row[key], len(row["seeds"]), len(outcome["seeds"]))
    assert low <= outcome[key] <= high, f"{key}: {outcome[key]}/{len(outcome['seeds'])} outside [{low}, {high}]; {outcome}"


def test_every_recommended_mixture_setting_is_confirmed():
    assert DOCUMENTED, "no variant declares a recommended setting for the ring or the grid"
    for name, family in DOCUMENTED:
        row = confirmation(name, family)
        assert len(row["seeds"]) == 64 and row["seeds"] == list(CONFIRM_SEEDS)


@pytest.mark.parametrize(("name", "family"), DOCUMENTED)
def test_recommended_mixture_setting_on_one_seed(name, family):
    row = confirmation(name, family)
    outcome = trained(name, family, CONFIRM_SEEDS[:1])
    assert_in_band(outcome, row, "successes")
    assert_in_band(outcome, row, "all_modes")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "family"), DOCUMENTED)
def test_recommended_mixture_setting_on_64_fresh_seeds(name, family):
    row = confirmation(name, family)
    outcome = trained(name, family, CONFIRM_SEEDS)
    assert_in_band(outcome, row, "successes")
    assert_in_band(outcome, row, "all_modes")
