"""The report's story: defaults beside recommended, and a cause for every failed run."""

import csv
import re
import shlex
from pathlib import Path

from ganzoo import VanillaGAN, WGAN
from ganzoo._causes import CAUSES
from ganzoo.study import Study, build_report, load, run_study
from ganzoo.study._results import RUN_COLUMNS
from ganzoo.study._story import config_changes, paired_order, pairs

ROOT = Path(__file__).resolve().parents[2]


def test_paired_order_puts_each_recommended_setting_after_its_defaults():
    settings = ["vanilla", "wgan", "hinge:lr=0.001", "vanilla:recommended", "hinge:recommended,lr=0.001", "lsgan:recommended"]
    assert paired_order(settings) == [
        "vanilla",
        "vanilla:recommended",
        "wgan",
        "hinge:lr=0.001",
        "hinge:recommended,lr=0.001",
        "lsgan:recommended",
    ]
    assert pairs(settings) == [("vanilla", "vanilla:recommended"), ("hinge:lr=0.001", "hinge:recommended,lr=0.001")]


def test_config_changes_names_every_changed_field_once():
    changes = config_changes(VanillaGAN.defaults.to_dict(), VanillaGAN.recommended().config.to_dict())
    assert changes.split("; ") == [
        "optimizers betas (0.9, 0.999)→(0.5, 0.999)",
        "optimizers lr 0.01→0.001",
        "ema_decay 0→0.9995",
        "n_critic 1→5",
        "standardize false→true",
    ]
    wgan = config_changes(WGAN.defaults.to_dict(), WGAN.recommended().config.to_dict())
    assert "constraints (WeightClipping(clip=0.01))→(WeightClipping(clip=0.05))" in wgan
    assert config_changes(WGAN.defaults.to_dict(), WGAN.defaults.to_dict()) == "nothing"


def read_csv(path: Path) -> list[dict]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_the_report_opens_with_the_pairs_and_counts_a_cause_for_every_failed_run(tmp_path):
    study = Study(settings=["vanilla", "vanilla:recommended", "lsgan"], seeds=3, steps=200, eval_every=20,
                  final_samples=2000, stored_samples=500)  # fmt: skip
    run_study(study, tmp_path, workers=1, progress=False)
    report = build_report(tmp_path, figures_too=False).read_text()
    target_section = report.split("## Target")[1]
    assert target_section.index("### Defaults beside recommended") < target_section.index("### Success and final scores")
    pairs_rows = read_csv(tmp_path / "pairs.csv")
    assert [row["variant"] for row in pairs_rows] == ["vanilla"]  # lsgan has no partner in this study
    assert "n_critic 1→5" in pairs_rows[0]["what changed"]
    runs = read_csv(tmp_path / "runs.csv")
    assert len(runs) == 9
    for row in runs:
        assert (row["cause"] == "") == (row["converged"] == "True")
        assert row["cause"] in ("", *CAUSES) and (row["cause"] == "" or row["cause_evidence"])
    causes = read_csv(tmp_path / "causes.csv")
    for row in causes:
        counted = int(row["converged"]) + sum(int(row[c]) for c in CAUSES)
        assert counted == 3 and int(row["converged"]) == sum(
            r["converged"] == "True" for r in runs if r["setting"] == row["setting"]
        )
    main = pairs_rows[0]["main cause of failure at defaults"]
    failed = [r["cause"] for r in runs if r["setting"] == "vanilla" and r["cause"]]
    assert main == "–" if not failed else re.fullmatch(r"(\w+) \((\d) of 3\)", main)
    assert "### Why runs failed" in report


def test_the_committed_default_report_is_the_readmes_command():
    readme = (ROOT / "README.md").read_text()
    first = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)[0]
    command = [line for line in first.splitlines() if line and not line.startswith("#")][0]
    readme_argv = shlex.split(command.split(".venv/bin/ganzoo ", 1)[1])
    report = (ROOT / "docs" / "studies" / "default" / "report.md").read_text()
    reproduce = re.search(r"Reproduce.*?```bash\n(.*?)\n```", report, flags=re.S).group(1)
    from ganzoo._cli import _parser
    from ganzoo.study._cli import study_from_args

    assert study_from_args(_parser().parse_args(shlex.split(reproduce)[1:])) == study_from_args(
        _parser().parse_args(readme_argv)
    )
    stored = re.search(r"Runs stored: \*\*(\d+) of (\d+)\*\*", report)
    assert stored and stored.group(1) == stored.group(2) == str(14 * 32)
    assert "### Defaults beside recommended" in report and "### Why runs failed" in report


def test_load_gives_tidy_frames_that_round_trip_the_store(tmp_path):
    study = Study(settings=["vanilla", "vanilla:recommended"], seeds=2, steps=60, eval_every=20,
                  final_samples=500, stored_samples=100)  # fmt: skip
    run_study(study, tmp_path, workers=1, progress=False)
    results = load(tmp_path)
    runs = results.to_frame()
    assert len(runs) == 4 and list(runs.columns[:9]) == list(RUN_COLUMNS)
    stored = {run.key(): run for run in results.runs}
    for row in runs.itertuples():
        run = stored[(row.setting, row.target, row.seed)]
        assert row.ks_statistic == run.scores["ks_statistic"] and row.label == run.label
        assert row.cause == results.causes[run.key()].name
    curves = results.history_frame()
    per_run = sum(len(run.history["scores"]) + len(run.history["traces"]) for run in results.runs) * 3
    assert len(curves) == per_run and set(curves["kind"]) == {"score", "trace"}
    one = curves[(curves.setting == "vanilla") & (curves.seed == 1) & (curves.score == "d_real_score")]
    assert one["step"].tolist() == [20, 40, 60]
    assert one["value"].tolist() == stored[("vanilla", "gaussian:4,1.25", 1)].history["traces"]["d_real_score"]
    html = results._repr_html_()
    assert html.count("<tr>") == 1 + 2 and "4 of 4 runs stored" in html


def test_reports_and_comparisons_show_as_html_tables():
    import numpy as np

    from evaluation import Gaussian, compare, evaluate

    report = evaluate(np.random.default_rng(0).normal(4, 1.25, (500, 1)), Gaussian())
    html = report._repr_html_()
    assert "<b>converged</b>" in html and "<td>ks_statistic</td>" in html
    assert html.count("<tr>") == 1 + len([k for k in report.to_dict() if k not in ("target", "label", "reasons")])
    runs = {name: [evaluate(np.random.default_rng(s).normal(mu, 1.25, (300, 1)), Gaussian()) for s in range(4)]
            for name, mu in (("a", 4.0), ("b", 4.5))}  # fmt: skip
    comparison = compare(runs, metric="ks_statistic")._repr_html_()
    assert comparison.count("<table>") == 2 and "Ranking on ks_statistic (lower is better" in comparison


def test_a_study_announces_its_plan_and_writes_its_manifest(tmp_path):
    import json

    from ganzoo._manifest import config_hash

    study = Study(settings=["vanilla", "wgan"], seeds=3, steps=40, eval_every=20, final_samples=200, stored_samples=50)
    lines = []
    run_study(study, tmp_path, workers=1, progress=False, announce=lines.append)
    (line,) = lines
    assert "2 settings x 1 target(s) x 3 seeds = 6 runs; 6 to train (0 stored), 240 generator steps, in 2 cells" in line
    assert "estimated" in line
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config_hash"] == config_hash(study.to_dict()) and manifest["seeds"] == [0, 1, 2]
    assert manifest["config"]["configs"]["wgan"]["n_critic"] == 5
    lines.clear()
    run_study(study, tmp_path, workers=1, progress=False, announce=lines.append)
    assert lines == []  # nothing left to train: no plan
