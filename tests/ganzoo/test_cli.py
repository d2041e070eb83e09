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
    assert config["setting"] == "vanilla" and config["seeds"] == [0] and config["batch_size"] == 64
    assert (out / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [0] and manifest["config"] == config and config["engine"] == "auto"
    assert len(manifest["config_hash"]) == 64 and manifest["packages"]["torch"] and "train" in manifest["command"]
    assert not (out / "checkpoint.pt").exists()  # deleted once the results are written


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
        (["train", "vanilla:lr=1e-3|1e-4"], "names 2 settings (vanilla:lr=0.001, vanilla:lr=0.0001)"),
        (["train", "vanilla:nope=1"], "unknown option 'nope'"),
        (["train", "vanilla", "--seeds", "0,0"], "seeds must be distinct"),
        (["train", "vanilla", "--engine", "warp"], "engine"),
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


def test_train_takes_the_compare_setting_syntax_and_an_ensemble(tmp_path):
    result = ganzoo("train", "nonsaturating:recommended,lr=0.002", "--seeds", "3", "--steps", "40",
                    "--eval-every", "20", "--samples", "500", "--out", "ens", "--json", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert [r["seed"] for r in reports] == [0, 1, 2] and all(r["n"] == 500 for r in reports)
    config = json.loads((tmp_path / "ens" / "config.json").read_text())
    assert config["setting"] == "nonsaturating:recommended,lr=0.002"
    assert config["n_critic"] == 5 and config["standardize"] is True and config["g_optimizer"]["lr"] == 0.002
    history = json.loads((tmp_path / "ens" / "history.json").read_text())
    assert len(history["d_loss"]) == 3 and len(history["d_loss"][0]) == 40
    single = ganzoo("train", "nonsaturating:recommended,lr=0.002", "--seed", "1", "--steps", "40",
                    "--eval-every", "20", "--samples", "500", "--out", "one", "--json", "--quiet", cwd=tmp_path)
    # Member 1 is seed 1 trained alone (to rounding: the engine may differ with the member count).
    assert json.loads(single.stdout)["ks_statistic"] == pytest.approx(reports[1]["ks_statistic"], abs=1e-6)


def test_a_killed_train_resumes_from_its_checkpoint_with_the_same_results(tmp_path):
    import os
    import signal
    import time

    command = [sys.executable, "-m", "ganzoo", "train", "vanilla", "--steps", "6000", "--engine", "autograd",
               "--checkpoint-every", "1024", "--eval-every", "1000", "--samples", "500", "--quiet"]  # fmt: skip
    process = subprocess.Popen([*command, "--out", "killed"], cwd=tmp_path, stderr=subprocess.DEVNULL)
    checkpoint = tmp_path / "killed" / "checkpoint.pt"
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert checkpoint.exists() and not (tmp_path / "killed" / "report.json").exists()
    resumed = subprocess.run([*command, "--out", "killed"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in resumed.stderr
    clean = subprocess.run([*command, "--out", "clean"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert clean.returncode == 0, clean.stderr
    for name in ("history.json", "report.json"):
        assert (tmp_path / "killed" / name).read_text() == (tmp_path / "clean" / name).read_text()
    assert not checkpoint.exists()
