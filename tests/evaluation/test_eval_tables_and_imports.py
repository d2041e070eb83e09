"""Tables out, the public API list, and the torch-free import promise."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import evaluation
from evaluation import Gaussian, evaluate, to_csv, to_markdown


def test_markdown_table():
    rows = [
        {"group": "a|b", "ks": 0.0123456, "ok": True, "n": 3},
        {"group": "c", "ks": float("nan"), "n": 4},
    ]
    text = to_markdown(rows)
    assert text.splitlines() == [
        "| group | ks | ok | n |",
        "|---|---:|---|---:|",
        "| a\\|b | 0.01235 | yes | 3 |",
        "| c | nan |  | 4 |",
    ]
    assert to_markdown(rows, columns=["n"]).splitlines()[2] == "| 3 |"
    assert to_markdown([]) == ""


def test_csv_round_trips_numbers_exactly():
    report = evaluate(Gaussian().sample(200, np.random.default_rng(0)))
    text = to_csv([report, report.to_dict()])
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == 2
    assert float(parsed[0]["ks_statistic"]) == report.ks.statistic  # repr keeps full precision
    assert parsed[1]["label"] == report.label


def test_tables_refuse_non_rows():
    with pytest.raises(
        TypeError, match=r"rows\[0\] must be a mapping or have to_dict\(\), got int 3"
    ):
        to_csv([3])
    with pytest.raises(TypeError, match=r"rows must be a sequence of mappings, got dict"):
        to_markdown({"a": 1})


def test_public_api_is_the_explicit_list():
    assert sorted(evaluation.__all__) == sorted(set(evaluation.__all__))
    for name in evaluation.__all__:
        assert hasattr(evaluation, name), name


def test_python_m_evaluation_prints_the_table():
    out = subprocess.run(
        [sys.executable, "-m", "evaluation", "--n", "300", "--n-sims", "30"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "| score | n |" in out.stdout and "ks_statistic" in out.stdout
    assert out.stderr == ""


def test_evaluation_imports_without_torch():
    package = Path(evaluation.__file__).parent
    modules = sorted(
        f"evaluation.{p.stem}"
        for p in package.glob("*.py")
        if p.stem not in ("__init__", "__main__")
    )
    code = (
        "import sys, importlib\n"
        "import evaluation\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print(len(sys.modules))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert "evaluation._report" in modules and len(modules) >= 10


def test_to_html_escapes_cells_and_aligns_numbers():
    from evaluation import to_html

    html = to_html([{"name": "a<b", "x": 1.23456789, "ok": True}, {"name": "c|d", "x": 2}])
    assert "<td>a&lt;b</td>" in html and "<td>c|d</td>" in html  # escaped, and no markdown pipe escape
    assert '<td style="text-align: right">1.235</td>' in html and "<td>yes</td>" in html
    assert html.count("<tr>") == 3 and html.startswith("<table><thead><tr><th>name</th>")
