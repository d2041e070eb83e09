"""Study definitions: the setting syntax, seeds, TOML files, and their errors (no training)."""

from __future__ import annotations

import pytest

from ganzoo import R1, VARIANTS, NonSaturatingGAN, VanillaGAN
from ganzoo._optim import Adam, LRDecay, RMSprop
from ganzoo.study import OVERRIDES, Setting, Study, parse_seeds, read_toml


def test_a_plain_variant_is_its_defaults():
    (setting,) = Setting.parse("vanilla")
    assert setting.id == "vanilla"
    assert setting.config() == VanillaGAN.defaults


def test_overrides_apply_and_print_canonically():
    (setting,) = Setting.parse("nonsaturating: n_critic=2 , lr=1e-3")
    # Keys in OVERRIDES order, values as Python prints them.
    assert setting.id == "nonsaturating:lr=0.001,n_critic=2"
    config = setting.config()
    assert config.g_optimizer == Adam(lr=1e-3) and config.d_optimizer == Adam(lr=1e-3)
    assert config.n_critic == 2
    assert Setting.parse(setting.id) == [setting]


def test_value_lists_expand_into_their_product():
    settings = Setting.parse("nonsaturating:lr=1e-2|1e-3,width=8|32")
    assert [s.id for s in settings] == [
        "nonsaturating:lr=0.01,width=8",
        "nonsaturating:lr=0.01,width=32",
        "nonsaturating:lr=0.001,width=8",
        "nonsaturating:lr=0.001,width=32",
    ]
    assert settings[3].config().generator.width == 32 and settings[3].config().discriminator.width == 32


def test_a_named_shape_is_applied_before_width_and_depth_keys():
    # Whatever the text's order: "planar, 64 wide" (the width key was silently lost before).
    for text in ("nonsaturating:networks=planar,width=64", "nonsaturating:width=64,networks=planar"):
        (setting,) = Setting.parse(text)
        assert setting.id == "nonsaturating:networks=planar,width=64"
        config = setting.config()
        assert (config.generator.width, config.generator.depth) == (64, 3)
        assert (config.discriminator.width, config.discriminator.depth) == (64, 3)
    (setting,) = Setting.parse("nonsaturating:d_width=32,d_network=planar")
    assert (setting.config().discriminator.width, setting.config().generator.width) == (32, 16)


def test_lr_decay_keys_set_the_kind_and_the_final_factor():
    # exponential decay needs a final factor > 0: the key alone could only fail (it did, as LRDecay's error)
    (setting,) = Setting.parse("lsgan:lr_decay=exponential,lr_decay_final=0.01")
    assert setting.id == "lsgan:lr_decay_final=0.01,lr_decay=exponential"
    assert setting.config().lr_decay == LRDecay(kind="exponential", final=0.01)
    assert Setting.parse("lsgan:lr_decay=linear")[0].config().lr_decay == LRDecay(kind="linear", final=0.0)
    assert Setting.parse("lsgan:lr_decay_final=0.1")[0].config().lr_decay == LRDecay(kind="linear", final=0.1)
    with pytest.raises(ValueError, match="lr_decay=none leaves no decay for lr_decay_final=0.1"):
        Setting.parse("lsgan:lr_decay=none,lr_decay_final=0.1")[0].config()
    with pytest.raises(ValueError, match="lr_decay=exponential needs lr_decay_final=F"):
        Setting.parse("lsgan:lr_decay=exponential")[0].config()
    with pytest.raises(ValueError, match="lr_decay must be linear, exponential or none, got 'cosine'"):
        Setting.parse("lsgan:lr_decay=cosine")[0].config()
    with pytest.raises(ValueError, match="final must be <= 1.0, got 2.0"):
        Setting.parse("lsgan:lr_decay_final=2")[0].config()


def test_all_means_every_registered_variant():
    assert [s.variant for s in Setting.parse("all")] == list(VARIANTS)
    assert all(dict(s.overrides) == {"batch_size": 32} for s in Setting.parse("all:batch_size=32"))


def test_ttur_betas_penalties_and_network_keys():
    (setting,) = Setting.parse("nonsaturating:g_lr=1e-4,d_lr=4e-4,beta1=0.5,r1=1,d_depth=2,spectral_norm=true")
    config = setting.config()
    assert config.g_optimizer == Adam(lr=1e-4, betas=(0.5, 0.999))
    assert config.d_optimizer == Adam(lr=4e-4, betas=(0.5, 0.999))
    assert config.penalties == (R1(gamma=1.0),)
    assert config.discriminator.depth == 2 and config.discriminator.spectral_norm
    assert config.generator.depth == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gann", "unknown variant 'gann'; known variants: vanilla"),
        ("vanilla:learning_rate=1", "unknown option 'learning_rate'; known options: lr, g_lr"),
        ("vanilla:lr=fast", "lr must be float, got 'fast'"),
        ("vanilla:n_critic=1.5", "n_critic must be int, got '1.5'"),
        ("vanilla:lr", "expected key=value, got 'lr'"),
        ("vanilla:lr=-1", "lr must be > 0"),
        ("wgan:beta1=0.5", "beta1 applies to Adam only"),
        ("", "setting must be a non-empty string"),
    ],
)
def test_bad_settings_say_what_is_allowed(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Study(settings=[text])


def test_recommended_starts_from_the_variants_recommended_setting(monkeypatch):
    monkeypatch.setattr(NonSaturatingGAN, "recommended_settings", {"n_critic": 3, "ema_decay": 0.99})
    (setting,) = Setting.parse("nonsaturating:recommended,lr=0.002")
    assert setting.id == "nonsaturating:recommended,lr=0.002"
    config = setting.config()
    assert (config.n_critic, config.ema_decay, config.g_optimizer.lr) == (3, 0.99, 0.002)


def test_recommended_without_a_recommended_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(NonSaturatingGAN, "recommended_settings", {})
    with pytest.raises(ValueError, match="NonSaturatingGAN declares no recommended setting"):
        Study(settings=["nonsaturating:recommended"])


def test_seeds():
    assert parse_seeds(3) == (0, 1, 2)
    assert parse_seeds("3") == (0, 1, 2)
    assert parse_seeds("100:103") == (100, 101, 102)
    assert parse_seeds("1,5,9") == (1, 5, 9)
    assert parse_seeds(range(2)) == (0, 1)
    for bad in (0, "x", "1,1", [-1], True, "5:5"):
        with pytest.raises(ValueError, match="seeds"):
            parse_seeds(bad)


def test_study_validates_and_canonicalizes():
    study = Study(settings=["vanilla", "vanilla"], seeds=4, targets=["gaussian"], chunk=3, steps=100)
    assert study.settings == (Setting("vanilla"),)
    assert study.targets == ("gaussian:4,1.25",)
    assert [c.seeds for c in study.cells()] == [(0, 1, 2), (3,)]
    assert study.to_dict()["configs"]["vanilla"]["steps"] == 100
    assert Study.from_dict(study.to_dict()) == study
    with pytest.raises(ValueError, match="unknown kind 'gauss'"):
        Study(settings=["vanilla"], targets=["gauss:4,1"])
    with pytest.raises(ValueError, match="steps must be >= 1, got 0"):
        Study(settings=["vanilla"], steps=0)
    with pytest.raises(ValueError, match="engine"):
        Study(settings=["vanilla"], engine="warp")


TOML = """\
seeds = "10:14"
targets = ["gaussian:4,1.25", "mixture"]
steps = 500
chunk = 2
variants = ["vanilla", "wgan:n_critic=3"]

[[settings]]
variant = "nonsaturating"
lr = [1e-2, 1e-3]
r1 = 1.0
"""


def test_toml_study_file(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(TOML)
    study = Study.from_toml(path)
    assert [s.id for s in study.settings] == [
        "vanilla",
        "wgan:n_critic=3",
        "nonsaturating:lr=0.01,r1=1.0",
        "nonsaturating:lr=0.001,r1=1.0",
    ]
    assert study.seeds == (10, 11, 12, 13) and study.steps == 500 and study.chunk == 2
    assert study.targets[1].startswith("mixture:")
    assert Study.from_toml(path, steps=50).steps == 50


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('variants = ["vanilla"]\nsteps = \n', r"study\.toml: invalid TOML: .*line 2"),
        ('variants = ["vanilla"]\nstepz = 5\n', r"study\.toml: unknown key 'stepz'; known keys: variants"),
        ('variants = ["vanilla"]\nsteps = "many"\n', r"study\.toml: steps must be an integer"),
        ("[[settings]]\nlr = 1e-3\n", r"study\.toml: \[\[settings\]\] number 1 needs variant"),
        ('[[settings]]\nvariant = "vanilla"\nspeed = 2\n', r"study\.toml: setting 'vanilla': unknown option 'speed'"),
        ("seeds = 3\n", r"study\.toml: a study file needs variants"),
    ],
)
def test_bad_toml_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "study.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_toml(path)


def test_override_table_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "studies.md").read_text()
    for key in OVERRIDES:
        assert f"`{key}`" in doc, key
    assert isinstance(OVERRIDES["lr"].apply(VanillaGAN.defaults, 0.5).g_optimizer, Adam)
    assert isinstance(OVERRIDES["lr"].apply(VARIANTS["wgan"].defaults, 0.5).d_optimizer, RMSprop)
