"""Hostile and bad input to the command line: exit status 2, exactly one line on stderr that
names the argument or file and says what was expected, no traceback; ``--debug`` shows one.

The table runs ``ganzoo._cli.main`` in this process (a subprocess per case would cost seconds
of torch import each); two subprocess tests check the same contract for the real
``ganzoo`` console script and ``python -m ganzoo --debug``. Every case fails before any
training starts. Checkpoint files are covered by ``test_checkpoint.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_stores import (
    DAMAGED_STORES,
    GARBLED_RUN,
    OTHER_VERSION,
    STUDY_ARGS,
    copy_study,
    tiny_study,
)

from ganzoo._cli import main


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return tiny_study(tmp_path_factory)


def _file(path: str, content: bytes | str):
    def setup(folder: Path, study: Path) -> None:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())

    return setup


def _copy(damage=None):
    """Put a copy of the tiny study at ./study, damaged by ``damage`` if given."""

    def setup(folder: Path, study: Path) -> None:
        copy_study(study, folder / "study")
        if damage is not None:
            damage(folder / "study")

    return setup


def case(id_, argv, message, setup=None):
    return pytest.param(argv, message, setup, id=id_)


TRAIN = ["train", "vanilla", "--steps", "2", "--eval-every", "0", "--samples", "10", "--quiet"]
COMPARE = ["compare", *STUDY_ARGS, "--quiet"]

CASES = [
    # ganzoo train
    case("train-unknown-variant", ["train", "nope"], "unknown variant 'nope'; known variants: vanilla"),
    case("train-negative-seed", [*TRAIN, "--seed", "-1"], "seed must be >= 0, got -1"),
    case("train-zero-steps", ["train", "vanilla", "--steps", "0"], "steps must be >= 1, got 0"),
    case("train-negative-std", [*TRAIN, "--target", "gaussian:4,-1"],
         "target spec 'gaussian:4,-1': std must be > 0, got -1"),
    case("train-unknown-target", [*TRAIN, "--target", "nosuch:1"], "target spec 'nosuch:1': unknown kind 'nosuch'"),
    case("train-target-not-numbers", [*TRAIN, "--target", "gaussian:a,b"], "argument 'a' is not a number"),
    case("train-2d-target", [*TRAIN, "--target", "ring"], "--target must be a 1-D target for `ganzoo train`"),
    case("train-huge-ring", [*TRAIN, "--target", "ring:1000000000"], "n_modes must be <= 1000, got 1000000000"),
    case("train-one-sample", [*TRAIN, "--samples", "1"], "--samples must be >= 2 (the final report scores at least"),
    case("train-negative-eval-every", [*TRAIN, "--eval-every", "-1"], "--eval-every must be >= 0, got -1"),
    case("train-out-under-a-file", [*TRAIN, "--out", "notes.txt/run"],
         "--out notes.txt/run: cannot write the output folder (Not a directory)", _file("notes.txt", "x")),
    # ganzoo compare: the study
    case("compare-unknown-variant", [*COMPARE, "--variants", "nope"], "unknown variant 'nope'; known variants:"),
    case("compare-unknown-option", [*COMPARE, "--variants", "vanilla:nosuch=1"],
         "setting 'vanilla': unknown option 'nosuch'; known options: lr,"),
    case("compare-option-not-a-number", [*COMPARE, "--variants", "vanilla:lr=fast"], "lr must be float, got 'fast'"),
    case("compare-nan-learning-rate", [*COMPARE, "--variants", "vanilla:lr=nan"], "lr must be finite, got nan"),
    case("compare-inf-ema-decay", [*COMPARE, "--variants", "vanilla:ema_decay=inf"],
         "ema_decay must be finite, got inf"),
    case("compare-nan-r1-gamma", [*COMPARE, "--variants", "vanilla:r1=nan"], "gamma must be finite, got nan"),
    case("compare-negative-seed-count", [*COMPARE, "--seeds", "-3"], "seeds must be >= 1, got -3"),
    case("compare-duplicate-seeds", [*COMPARE, "--seeds", "1,1"], "seeds must be distinct, got [1, 1]"),
    case("compare-huge-seed-count", [*COMPARE, "--seeds", "99999999999999999999999"],
         "seeds must be a count <= 1000000, got 99999999999999999999999"),
    case("compare-seed-beyond-int64", [*COMPARE, "--seeds", "9223372036854775808,1"],
         "seeds must be integers >= 0 and < 2**63, got 9223372036854775808"),
    case("compare-seeds-not-numbers", [*COMPARE, "--seeds", "a:b"], "seeds must be a count (32), START:STOP"),
    case("compare-unknown-engine", [*COMPARE, "--engine", "warp"], "engine must be one of 'auto', "),
    case("compare-zero-chunk", [*COMPARE, "--chunk", "0"], "chunk must be >= 1, got 0"),
    case("compare-bad-target", [*COMPARE, "--target", "gaussian:4,0"], "target spec 'gaussian:4,0': std must be > 0"),
    case("compare-zero-workers", [*COMPARE, "--workers", "0", "--out", "new"],
         "workers must be >= 1, got 0"),
    case("compare-unknown-metric", [*COMPARE, "--metric", "accuracy", "--out", "new"],
         "--metric must name a score of target 'gaussian:4,1.25', got 'accuracy'; scores: mean, std,"),
    # ganzoo compare: the config file
    case("config-syntax-error", ["compare", "--config", "s.toml"], "s.toml: invalid TOML: Unclosed array (at line 2",
         _file("s.toml", 'variants = ["vanilla"\nseeds = 2\n')),
    case("config-unknown-key", ["compare", "--config", "s.toml"], "s.toml: unknown key 'bogus'; known keys: variants,",
         _file("s.toml", 'variants = ["vanilla"]\nbogus = 1\n')),
    case("config-not-utf8", ["compare", "--config", "s.toml"], "s.toml: invalid TOML: not UTF-8 text",
         _file("s.toml", b"\xff\xfe\x00variants")),
    case("config-missing", ["compare", "--config", "none.toml"], "cannot read study file none.toml: No such file"),
    case("config-a-folder", ["compare", "--config", "study"], "cannot read study file study: Is a directory", _copy()),
    case("config-recommended-not-a-bool", ["compare", "--config", "s.toml"],
         "s.toml: [[settings]] number 1: recommended must be true or false, got 'no'",
         _file("s.toml", '[[settings]]\nvariant = "vanilla"\nrecommended = "no"\n')),
    # ganzoo compare: the output folder
    case("compare-out-holds-another-study", [*COMPARE, "--seeds", "2", "--out", "study"],
         "study holds a different study (seeds: stored [0], given [0, 1]); choose another --out folder", _copy()),
    case("compare-out-holds-other-files", [*COMPARE, "--out", "full"],
         "output folder full is not empty and holds no study (study.sqlite)", _file("full/notes.txt", "x")),
    case("compare-out-is-a-file", [*COMPARE, "--out", "notes.txt"],
         "output folder notes.txt exists and is not a folder", _file("notes.txt", "x")),
    case("compare-out-under-a-file", [*COMPARE, "--out", "notes.txt/study"],
         "cannot create the study folder notes.txt/study (Not a directory)", _file("notes.txt", "x")),
    case("compare-out-foreign-sqlite", [*COMPARE, "--out", "study"],
         "study/study.sqlite is not a ganzoo study store (another SQLite file)",
         _copy(DAMAGED_STORES["another-sqlite-file"][0])),
    case("compare-resume-other-version", [*COMPARE, "--out", "study"],
         "study holds runs of ganzoo 99.0.0, this is ganzoo", _copy(OTHER_VERSION)),
    # ganzoo report
    case("report-no-such-folder", ["report", "nowhere"], "nowhere holds no study (study.sqlite not found)"),
    case("report-a-file", ["report", "notes.txt"], "notes.txt holds no study (study.sqlite not found)",
         _file("notes.txt", "x")),
    case("report-empty-store", ["report", "study"],
         "study/study.sqlite is not a ganzoo study store (an empty or truncated",
         _copy(DAMAGED_STORES["empty-file"][0])),
    case("report-truncated-store", ["report", "study"],
         "study/study.sqlite is not a ganzoo study store (database disk image",
         _copy(DAMAGED_STORES["truncated-pages"][0])),
    case("report-garbage-store", ["report", "study"],
         "study/study.sqlite is not a ganzoo study store (file is not a database)",
         _copy(DAMAGED_STORES["garbage-text"][0])),
    case("report-unknown-schema", ["report", "study"],
         "study/study.sqlite has store schema 99; this ganzoo reads schema 1",
         _copy(DAMAGED_STORES["unknown-schema"][0])),
    case("report-definition-missing", ["report", "study"], "(its study definition is missing)",
         _copy(DAMAGED_STORES["definition-missing"][0])),
    case("report-unreadable-run", ["report", "study"],
         "study/study.sqlite is a damaged ganzoo study store (run 'vanilla'",
         _copy(GARBLED_RUN)),
    case("report-unknown-metric", ["report", "study", "--metric", "accuracy"],
         "--metric must name a score of target 'gaussian:4,1.25', got 'accuracy'", _copy()),
]


@pytest.mark.parametrize(("argv", "message", "setup"), CASES)
def test_bad_command_lines_fail_with_one_line_and_debug_shows_the_traceback(
    study, tmp_path, monkeypatch, capsys, argv, message, setup
):
    monkeypatch.chdir(tmp_path)
    if setup is not None:
        setup(tmp_path, study)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("ganzoo: error: "), err
    assert message in err, err
    assert "Traceback" not in err and out == ""
    # --debug, before or after the subcommand: the same error propagates (and the
    # interpreter prints its traceback).
    for debug in (["--debug", *argv], [*argv, "--debug"]):
        with pytest.raises((ValueError, TypeError, RuntimeError, OSError)) as raised:
            main(debug)
        assert message in str(raised.value)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing was written


def test_report_of_an_old_version_store_still_works(study, tmp_path, capsys):
    copy_study(study, tmp_path / "study")
    OTHER_VERSION(tmp_path / "study")
    assert main(["report", str(tmp_path / "study")]) == 0
    assert "99.0.0" in (tmp_path / "study" / "report.md").read_text()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions (chmod does not restrict it)")
@pytest.mark.parametrize("command", [TRAIN, COMPARE], ids=["train", "compare"])
def test_a_read_only_output_folder(tmp_path, capsys, command):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert main([*command, "--out", str(folder / "sub")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "read-only/sub" in err and "Permission denied" in err, err
    finally:
        folder.chmod(0o755)


def test_argparse_errors_exit_2_with_usage(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["train", "vanilla", "--seed", "abc"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "ganzoo train: error: argument --seed: invalid int value: 'abc'"
    )


def _command() -> list[str]:
    script = Path(sys.executable).with_name("ganzoo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ganzoo"]


def test_the_console_script_and_python_m_keep_the_contract(tmp_path):
    # Both processes at once: each spends seconds importing torch.
    runs = {
        "plain": subprocess.Popen([*_command(), "report", "nowhere"], cwd=tmp_path, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE),
        "debug": subprocess.Popen([sys.executable, "-m", "ganzoo", "--debug", "report", "nowhere"], cwd=tmp_path,
                                  text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE),
    }
    results = {name: (p.wait(timeout=300), *p.communicate()) for name, p in runs.items()}
    code, out, err = results["plain"]
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert err == "ganzoo: error: nowhere holds no study (study.sqlite not found); run `ganzoo compare --out nowhere`\n"
    code, out, err = results["debug"]
    assert code == 1 and err.startswith("Traceback (most recent call last):"), err
    assert err.rstrip().endswith("FileNotFoundError: nowhere holds no study (study.sqlite not found); "
                                 "run `ganzoo compare --out nowhere`")
