"""The search of docs/modes.md (``benchmarks.mode_search``) on tiny budgets: rows and tables."""

from __future__ import annotations

import json

import pytest

from benchmarks import mode_search


@pytest.fixture
def out(tmp_path, monkeypatch):
    monkeypatch.setattr(mode_search, "OUT", tmp_path)
    return tmp_path


def rows(out):
    return [json.loads(line) for line in (out / "search.jsonl").read_text().splitlines()]


def test_a_mixture_search_row_holds_the_strict_verdict_of_each_seed(out, capsys):
    mode_search.search("mixture", ["lsgan:recommended,d_width=8"], steps=40, seeds=(100, 101))
    (row,) = rows(out)
    assert row["setting"] == "lsgan:recommended,d_width=8" and row["target"] == "mixture" and row["steps"] == 40
    assert row["seeds"] == [100, 101] and row["successes"] == 0  # 40 steps learn no mixture
    assert len(row["ks_statistic"]) == len(row["worst_tail_ks"]) == len(row["std_ratio"]) == 2
    assert all(worst >= last for worst, last in zip(row["worst_tail_ks"], row["ks_statistic"]))
    assert row["wilson_95"][0] == 0.0
    capsys.readouterr()
    mode_search.table()
    printed = capsys.readouterr().out
    assert "| `lsgan:recommended,d_width=8` | mixture | 40 | 0/2 (0.00–0.66) |" in printed
    assert printed.index("strict verdict") > printed.index("mean high quality")  # its own table


def test_a_ring_search_row_holds_the_literature_metrics(out, capsys):
    mode_search.search("ring", ["nonsaturating:latent_dim=2,width=8"], steps=20, seeds=(100,))
    (row,) = rows(out)
    assert row["target"] == "ring" and len(row["modes"]) == len(row["high_quality"]) == 1
    mode_search.table()
    printed = capsys.readouterr().out
    assert "| `nonsaturating:latent_dim=2,width=8` | 20 |" in printed
    row_line = printed.index("| `nonsaturating:latent_dim=2,width=8`")
    assert printed.index("setting on ring") < row_line < printed.index("setting on grid")
