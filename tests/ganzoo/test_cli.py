"""The command line, run as a user would: a subprocess, its files, its exit status."""

import json
import subprocess
import sys

import pytest


def ganzoo(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "ganzoo", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_train_writes_report_history_config_and_figure(tmp_path):
    result = ganzoo("train", "vanilla", "--seed", "0", "--steps", "60", "--eval-every", "30",
                    "--samples", "2000", "--out", "demo", "--json", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # --json: one JSON object on stdout, nothing else
    for key in ("n", "mean", "std", "skewness", "excess_kurtosis", "mean_error", "std_error",
                "ks_statistic", "ks_pvalue", "wasserstein"):
        assert key in report
    assert report["n"] == 2000
    out = tmp_path / "demo"
    assert json.loads((out / "report.json").read_text()) == report
    history = json.loads((out / "history.json").read_text())
    assert len(history["d_loss"]) == 60 and history["eval_steps"] == [30, 60]
    config = json.loads((out / "config.json").read_text())
    assert config["variant"] == "vanilla" and config["seed"] == 0 and config["batch_size"] == 64
    assert (out / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_report_across_processes(tmp_path):
    reports = [
        json.loads(ganzoo("train", "vanilla", "--seed", "5", "--steps", "30", "--eval-every", "0",
                          "--samples", "500", "--out", f"r{i}", "--json", "--quiet", cwd=tmp_path).stdout)
        for i in range(2)
    ]
    assert reports[0] == reports[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "nope"], "unknown variant 'nope'; known variants: vanilla"),
        (["train", "vanilla", "--steps", "-3"], "steps must be >= 1, got -3"),
        (["train", "vanilla", "--target", "gaussian:4,-1"], "std must be > 0, got -1"),
        (["train", "vanilla", "--target", "banana"], "banana"),
        (["train", "vanilla", "--samples", "0"], "--samples must be >= 1, got 0"),
    ],
)
def test_bad_input_exits_nonzero_with_one_clear_line(tmp_path, args, message):
    result = ganzoo(*args, "--out", "x", "--quiet", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_unknown_option_is_an_argparse_error(tmp_path):
    result = ganzoo("train", "vanilla", "--lr", "3", cwd=tmp_path)
    assert result.returncode == 2 and "unrecognized arguments: --lr" in result.stderr
