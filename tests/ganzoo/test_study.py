"""Studies: the results store, resuming after kill -9, the command line, the report."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from ganzoo import __version__
from ganzoo._cli import main
from ganzoo.study import (
    FILENAME,
    Store,
    Study,
    StudyMismatch,
    build_report,
    equal_runs,
    run_study,
)

# Tiny but real: two settings (one of them trained by autograd), chunks of two seeds.
SMALL = dict(
    settings=["vanilla", "wgan-gp:n_critic=1,activation=tanh"],
    seeds=4,
    steps=60,
    eval_every=20,
    eval_samples=200,
    final_samples=500,
    stored_samples=300,
    grid_points=21,
    chunk=2,
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The SMALL study, run once without interruption in this process."""
    out = tmp_path_factory.mktemp("reference")
    result = run_study(Study(**SMALL), out, workers=1, progress=False)
    assert (result.total, result.existing, result.trained) == (8, 0, 8)
    with Store.open(out) as store:
        return out, store.runs()


def test_every_run_is_stored_with_its_full_record(reference):
    out, runs = reference
    assert len(runs) == 8
    run = next(r for r in runs if r.setting == "wgan-gp:n_critic=1,activation=tanh" and r.seed == 3)
    assert run.variant == "wgan-gp" and run.overrides == {"n_critic": 1, "activation": "tanh"}
    assert run.config["n_critic"] == 1 and run.config["loss"] == "WassersteinLoss" and run.steps == 60
    assert run.version == __version__ and run.target == "gaussian:4,1.25"
    assert run.engine == "autograd"  # the gradient penalty on a tanh critic needs double backprop
    assert run.scores["n"] == 500 and run.label in ("converged", "biased", "oscillating", "not_converged", "collapsed", "diverged")
    assert run.history["eval_steps"] == [20, 40, 60] and len(run.history["scores"]["ks_statistic"]) == 3
    assert len(run.history["labels"]) == 3 and len(run.history["d_loss_mean"]) == 3
    assert run.sample.shape == (300, 1) and run.sample.dtype == np.float32
    assert run.grid.shape == (21, 1) and run.scores_on_grid.shape == (21,)
    with sqlite3.connect(out / FILENAME) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        definition = json.loads(connection.execute("SELECT value FROM meta WHERE key='definition'").fetchone()[0])
    assert definition["seeds"] == [0, 1, 2, 3] and definition["configs"]["vanilla"]["steps"] == 60


def test_a_finished_study_resumes_to_nothing(reference, tmp_path):
    out, runs = reference
    result = run_study(Study(**SMALL), out, workers=1, progress=False)
    assert (result.existing, result.trained, result.complete) == (8, 0, True)


def test_chunking_changes_results_by_float_rounding_only(reference, tmp_path):
    """One seed per ensemble trains the same runs; in float32 a batched product of another
    size rounds differently (float64 is exact: test_gan.py), which is why ``chunk`` is part
    of a study's definition and resumed studies train whole chunks."""
    _, runs = reference
    study = Study(**{**SMALL, "settings": ["vanilla"], "seeds": "1:3", "chunk": 1})
    run_study(study, tmp_path, workers=1, progress=False)
    with Store.open(tmp_path) as store:
        singles = store.runs()
    chunked = [r for r in runs if r.setting == "vanilla" and r.seed in (1, 2)]
    assert [r.key() for r in singles] == [r.key() for r in chunked]
    for single, member in zip(singles, chunked):
        np.testing.assert_allclose(single.sample, member.sample, atol=1e-4)
        assert single.label == member.label
        np.testing.assert_allclose(single.scores["ks_statistic"], member.scores["ks_statistic"], atol=1e-3)


def test_storing_a_run_twice_counts_it_once(reference, tmp_path):
    _, runs = reference
    with Store.create_or_open(tmp_path, Study(**SMALL).to_dict(), version=__version__) as store:
        assert store.add(runs[:3]) == 3
        assert store.add(runs[:5]) == 2
        assert store.count() == 5
        # The UNIQUE constraint itself, not only the driver's bookkeeping, forbids a second copy.
        columns = [row[1] for row in store.connection.execute("PRAGMA table_info(runs)")][1:]
        with pytest.raises(sqlite3.IntegrityError):
            store.connection.execute(f"INSERT INTO runs ({', '.join(columns)}) SELECT {', '.join(columns)} FROM runs LIMIT 1")


KILLED = textwrap.dedent(
    """
    import sys, time
    from ganzoo.study import Store, Study, run_study

    add = Store.add

    def add_then_pause(self, records):  # widens the window for the kill; results unchanged
        stored = add(self, records)
        time.sleep(2)
        return stored

    Store.add = add_then_pause
    run_study(Study(**{small!r}), sys.argv[1], workers=2, progress=False)
    """
)


def test_kill_9_mid_study_then_resume_loses_and_repeats_nothing(reference, tmp_path):
    _, expected = reference
    out = tmp_path / "killed"
    script = KILLED.format(small=SMALL)
    process = subprocess.Popen([sys.executable, "-c", script, str(out)], start_new_session=True)
    stored = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if (out / FILENAME).exists():
                with sqlite3.connect(f"file:{out / FILENAME}?mode=ro", uri=True) as connection:
                    stored = connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
                if stored >= 2:
                    break
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the driver and its worker processes
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the study finished before it could be killed"
    with Store.open(out) as store:
        at_kill = store.count()
    assert 2 <= at_kill < 8 and at_kill % 2 == 0  # whole chunks only
    result = run_study(Study(**SMALL), out, workers=1, progress=False)
    assert result.existing == at_kill and result.trained == 8 - at_kill
    with Store.open(out) as store:
        assert store.count() == 8
        assert equal_runs(store.runs(), expected)


def test_a_folder_with_another_study_is_refused_and_untouched(reference, tmp_path):
    out, _ = reference
    before = digest(out / FILENAME)
    with pytest.raises(StudyMismatch, match=r"holds a different study \(seeds: stored \[0, 1, 2, 3\], given \[0, 1, 2\]\)"):
        run_study(Study(**{**SMALL, "seeds": 3}), out, workers=1, progress=False)
    with pytest.raises(StudyMismatch, match="holds a different study"):
        run_study(Study(**{**SMALL, "settings": ["vanilla:lr=0.001"]}), out, workers=1, progress=False)
    assert digest(out / FILENAME) == before


def test_a_folder_with_other_files_or_a_foreign_database_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StudyMismatch, match="is not empty and holds no study"):
        run_study(Study(**SMALL), tmp_path, workers=1, progress=False)
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / FILENAME).write_bytes(b"not a database at all, but precious" * 100)
    before = digest(foreign / FILENAME)
    with pytest.raises(StudyMismatch, match="is not a ganzoo study store"):
        run_study(Study(**SMALL), foreign, workers=1, progress=False)
    assert digest(foreign / FILENAME) == before
    with sqlite3.connect(tmp_path / "plain.sqlite") as connection:
        connection.execute("CREATE TABLE t (x)")
    (tmp_path / "third").mkdir()
    os.replace(tmp_path / "plain.sqlite", tmp_path / "third" / FILENAME)
    with pytest.raises(StudyMismatch, match="another SQLite file"):
        Store.open(tmp_path / "third")


def test_report_is_rebuilt_from_the_store_alone(reference, tmp_path):
    out, _ = reference
    path = build_report(out)
    text = path.read_text()
    for heading in ("## Target `gaussian:4,1.25`", "### Success and final scores", "### Failure labels",
                    "### Ranking on final ks_statistic", "### Pairwise comparisons", "### Figures"):
        assert heading in text, heading
    assert "Runs stored: **8 of 8**" in text and "p Holm" in text
    for name in ("runs", "summary", "labels", "comparison", "ranking"):
        assert (out / f"{name}.csv").is_file()
    assert len((out / "runs.csv").read_text().splitlines()) == 9
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures == [f"gaussian-4-1.25-{k}.png" for k in ("curves", "discriminator", "qq", "samples", "strips")]
    for name in figures:
        assert f"(figures/{name})" in text


# --------------------------------------------------------------------------------------
# The command line


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ganzoo", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_compare_quick_end_to_end_then_report_then_resume(tmp_path, monkeypatch, capsys):
    done = run_cli("compare", "--quick", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "studies" / "quick"
    assert "56 runs trained, 0 already stored, 56 in the study" in done.stderr
    assert len(done.stdout.splitlines()) == 14 and "vanilla:recommended" in done.stdout  # one line per setting
    report = (out / "report.md").read_text()
    assert "Runs stored: **56 of 56**" in report
    assert "ganzoo compare --variants vanilla minimax nonsaturating wgan wgan-gp lsgan hinge vanilla:recommended" in report
    (out / "report.md").unlink()
    for figure in (out / "figures").iterdir():
        figure.unlink()
    rebuilt = run_cli("report", str(out), cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (out / "report.md").read_text() == report
    assert len(list((out / "figures").glob("*.png"))) == 5

    # Resuming a finished study trains nothing (in this process: no second start-up).
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "--quick", "--quiet", "--no-report"]) == 0
    assert "0 runs trained, 56 already stored" in capsys.readouterr().err


def one_line_error(capsys, *argv: str) -> str:
    assert main(list(argv)) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganzoo: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--variants", "vanila"], "unknown variant 'vanila'; known variants: vanilla, minimax"),
        (["--variants", "vanilla:speed=2"], "unknown option 'speed'"),
        (["--target", "gauss:4,1"], "unknown kind 'gauss'"),
        (["--seeds", "many"], "seeds must be a count"),
        (["--steps", "0"], "steps must be >= 1, got 0"),
        (["--workers", "0"], "workers must be >= 1, got 0"),
        (["--address", "auto"], "address applies to the ray backend only"),
    ],
)
def test_bad_command_lines_get_one_line_errors(capsys, tmp_path, argv, message):
    line = one_line_error(capsys, "compare", "--out", str(tmp_path / "s"), *argv)
    assert message in line
    assert not (tmp_path / "s").exists()


def test_malformed_config_file_error_names_file_and_line(capsys, tmp_path):
    config = tmp_path / "broken.toml"
    config.write_text('variants = ["vanilla"]\nseeds = [1, 2\n')
    line = one_line_error(capsys, "compare", "--config", str(config), "--out", str(tmp_path / "s"))
    assert "broken.toml: invalid TOML" in line and "line 3" in line


def test_different_study_in_out_folder_is_an_error_and_the_store_survives(capsys, tmp_path):
    out = tmp_path / "s"
    definition = Study(**SMALL).to_dict()
    Store.create_or_open(out, definition, version=__version__).close()
    before = digest(out / FILENAME)
    line = one_line_error(capsys, "compare", "--out", str(out), "--quick")
    assert "holds a different study" in line
    assert digest(out / FILENAME) == before
    assert "holds no study" in one_line_error(capsys, "report", str(tmp_path / "nothing"))


def test_the_readme_main_command_is_the_default_study():
    import re
    import shlex

    from ganzoo._cli import _parser
    from ganzoo.study._cli import study_from_args

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    first = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)[0]
    command = [line for line in first.splitlines() if line and not line.startswith("#")][0]
    argv = shlex.split(command.split(".venv/bin/ganzoo ", 1)[1])
    study, out = study_from_args(_parser().parse_args(argv))
    assert study == Study(settings=["all", "all:recommended"], seeds=32, targets=["gaussian:4,1.25"], steps=20_000)
    assert out == Path("studies/default")
    # ... which is also what a bare `ganzoo compare` runs (each variant's budget is 20,000).
    assert study_from_args(_parser().parse_args(["compare"])) == (study, out)


def test_a_2d_target_gets_scatter_plots_and_its_own_metrics(tmp_path):
    study = Study(settings=["nonsaturating"], seeds=2, targets=["ring"], steps=20, eval_every=0,
                  final_samples=300, stored_samples=200)
    run_study(study, tmp_path, workers=1, progress=False)
    with Store.open(tmp_path) as store:
        (run, _) = store.runs()
    assert run.sample.shape == (200, 2) and run.grid.shape == (41 * 41, 2)
    text = build_report(tmp_path).read_text()
    assert "sliced W1" in text and "modes covered" in text
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "ring-8-2-0.02-modes.png", "ring-8-2-0.02-scatter.png", "ring-8-2-0.02-strips.png"
    ]  # fmt: skip
    assert "figures/ring-8-2-0.02-modes.png" in text


def test_progress_counts_every_run_step(tmp_path, capsys):
    from ganzoo.study import run_cell

    study = Study(settings=["lsgan"], seeds=3, steps=30, eval_every=0, final_samples=100, stored_samples=50)
    counted = []
    (cell,) = study.cells()
    records = run_cell(study, cell, counted.append)
    assert sum(counted) == 3 * 30 and len(records) == 3
    run_study(study, tmp_path, workers=1, progress=True)
    err = capsys.readouterr().err
    assert "runs: 100%" in err and "steps: 100%" in err
