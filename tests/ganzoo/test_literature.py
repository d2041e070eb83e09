"""The literature presets: shipped study files that say what their sources say, the reproduce
command end to end (scaled far down in the default run, --quick under -m slow), bad input,
the published-beside-ours tables, and the papers' networks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import torch

from ganzoo._cli import main
from ganzoo._paper_networks import BatchNormMLPSpec, MaxoutMLPSpec
from ganzoo.literature import PRESETS, preset, reproduce, study_of
from ganzoo.literature._tables import summarize_metric
from ganzoo.study._settings import Setting
from ganzoo.study._study import Study

STUDY_PRESETS = [name for name, p in PRESETS.items() if p.study_file is not None]


@pytest.mark.parametrize("name", STUDY_PRESETS)
def test_each_shipped_study_file_loads_as_a_study_and_names_its_published_rows(name):
    chosen = preset(name)
    study = Study.from_toml(chosen.study_file)  # what `ganzoo compare --config` reads
    ids = [s.id for s in study.settings]
    for row in chosen.published:
        assert sum(row.setting in setting.split(":")[1].split(",") for setting in ids) == 1, (row, ids)
    quick = study_of(chosen, quick=True)
    assert (len(quick.seeds), quick.steps) == (chosen.quick["seeds"], chosen.quick["steps"])
    assert [s.id for s in quick.settings] == ids and quick.targets == study.targets  # same everything else


def test_the_pacgan_preset_is_the_authors_protocol():
    study = Study.from_toml(preset("pacgan-ring").study_file)
    assert study.targets == ("fixed:100000,0:ring:8,1,0.01",) and len(study.seeds) == 10 and study.steps == 400_000
    assert study.stored_samples == 2500  # config.py: 2,500 samples scored
    configs = [s.config(study.steps) for s in study.settings]
    assert [c.packing for c in configs] == [1, 2, 3, 4]
    for config in configs:
        assert (config.batch_size, config.latent_dim, config.updates, config.n_critic) == (100, 2, "simultaneous", 1)
        assert (config.g_optimizer.lr, config.g_optimizer.betas) == (1e-4, (0.8, 0.999)) == (
            config.d_optimizer.lr, config.d_optimizer.betas,
        )  # fmt: skip
        assert config.generator == BatchNormMLPSpec(width=400, depth=4, init_std=0.02, eps=1e-4, momentum=0.05)
        assert config.discriminator == MaxoutMLPSpec(width=200, depth=3, pieces=5, init_std=0.02)
        assert type(config.loss).__name__ == "NonSaturatingLoss"
    grid = Study.from_toml(preset("pacgan-grid").study_file)
    assert grid.targets == ("fixed:100000,0:grid:5,2,0.05",) and [s.id for s in grid.settings] == [s.id for s in study.settings]


def test_the_unrolled_preset_is_the_demos_protocol():
    study = Study.from_toml(preset("unrolled-ring").study_file)
    configs = [s.config(study.steps) for s in study.settings]
    assert [c.unrolled_steps for c in configs] == [0, 5, 10] and study.steps == 25_000
    for config in configs:
        assert (config.g_optimizer.lr, config.d_optimizer.lr, config.d_optimizer.betas) == (1e-3, 1e-4, (0.5, 0.999))
        assert config.generator.orthogonal_gain == config.discriminator.orthogonal_gain == 1.4
        assert (config.generator.width, config.generator.depth, config.generator.activation) == (128, 2, "tanh")
        assert (config.batch_size, config.latent_dim, config.updates) == (512, 256, "simultaneous")


def test_the_wgan_gp_toy_preset_is_gan_toy_py():
    study = Study.from_toml(preset("wgan-gp-toy").study_file)
    gp, clipped = (s.config(study.steps) for s in study.settings)
    assert study.steps == 100_000 and [p.weight for p in gp.penalties] == [0.1]  # one penalty, λ = 0.1
    assert (gp.n_critic, gp.batch_size, gp.latent_dim, gp.g_optimizer.betas) == (5, 256, 2, (0.5, 0.9))
    assert (gp.generator.width, gp.generator.depth, gp.discriminator.width) == (512, 3, 512)
    assert (clipped.d_optimizer.lr, clipped.constraints[0].clip, type(clipped.d_optimizer).__name__) == (5e-5, 0.01, "RMSprop")
    ring, grid, roll = study.targets
    assert ring == "ring:8,1.41443,0.0141443" and grid == "fixed:100000,0:grid:5,0.707214,0.0176803" and roll == "swissroll:0.25,7.5"


@pytest.mark.parametrize("name", STUDY_PRESETS)
def test_each_preset_runs_end_to_end_scaled_far_down(name, tmp_path):
    out = tmp_path / name
    report = reproduce(name, seeds=1, steps=4, out=out, progress=False, announce=lambda line: None)
    text = report.read_text()
    assert text.startswith(f"**{name}: scaled down** to 1 seeds × 4 steps")
    assert (out / "report.md").exists() and (out / "study.sqlite").exists()
    if preset(name).published:
        assert "published" in text and preset(name).published[0].label in text
    if name == "wgan-gp-toy":  # a 2-D target without modes gets the critic's value surface
        assert (out / "figures" / "swissroll-0.25-7.5-critic.png").exists() and "swissroll-0.25-7.5-critic.png" in text


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_runs_with_quick_from_the_command_line(name, tmp_path, capsys):
    assert main(["reproduce", name, *([] if name == "dirac-gan" else ["--quick"]), "--out", str(tmp_path), "--quiet"]) == 0
    report = tmp_path / ("report.md" if name == "dirac-gan" else "literature.md")
    assert report.read_text().startswith(f"**{name}: " + ("the full protocol" if name == "dirac-gan" else "QUICK, scaled down"))


def test_bad_input_is_one_clear_line(capsys):
    assert main(["reproduce", "pacgan"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown preset 'pacgan'; known presets: dirac-gan, pacgan-ring, pacgan-grid" in err
    if not torch.cuda.is_available():
        assert main(["reproduce", "reference", "--device", "cuda"]) == 2
        err = capsys.readouterr().err
        assert err == "ganzoo: error: --device is 'cuda', but CUDA is not available here (torch.cuda.is_available() is False)\n"
    assert main(["reproduce"]) == 2
    assert "name a preset" in capsys.readouterr().err
    with pytest.raises(ValueError, match="dirac-gan has one protocol"):
        reproduce("dirac-gan", steps=10)


def test_list_names_every_preset_with_its_paper_and_costs(capsys):
    assert main(["reproduce", "--list"]) == 0
    text = capsys.readouterr().out
    for chosen in PRESETS.values():
        assert chosen.name in text and chosen.paper in text and chosen.full_estimate in text
    assert "pacgan-ring.toml" in text


def test_summaries_are_mean_standard_error_and_a_bootstrap_interval():
    values = np.array([6.0, 8.0, 7.0, 5.0, 8.0])
    summary = summarize_metric(values)
    assert summary.mean == pytest.approx(6.8) and summary.standard_error == pytest.approx(scipy.stats.sem(values))
    assert summary.low < summary.mean < summary.high
    assert math.isnan(summarize_metric(np.array([3.0])).standard_error)
    assert summary.text(1).startswith("6.8 ± 0.6 [")


def test_settings_name_papers_networks_and_set_a_penalty_instead_of_adding_one():
    config = Setting.parse("nonsaturating:g_network=pacgan-generator,d_network=planar")[0].config()
    assert config.generator == BatchNormMLPSpec() and (config.discriminator.width, config.discriminator.depth) == (128, 3)
    assert [p.weight for p in Setting.parse("wgan-gp:gp=0.1")[0].config().penalties] == [0.1]
    with pytest.raises(ValueError, match="d_network must be one of 'reference', 'planar'.*'pacgan-maxout'; got 'big'"):
        Setting.parse("nonsaturating:d_network=big")[0].config()
