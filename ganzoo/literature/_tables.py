"""A preset study's results beside the paper's: the literature's mode metrics per setting.

For each setting and 2-D target, the stored final samples of every seed are scored with
the VEEGAN/PacGAN definitions (:func:`evaluation.literature_mode_metrics`) and summarized
as the papers report them, mean ± standard error over seeds (s.e. = s / √n), beside a
95 % bootstrap interval of the mean (scipy.stats.bootstrap, BCa; the percentile interval
for fewer than 3 seeds is not computed) and the Wilson interval of the fraction of seeds
that capture every mode.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import scipy.stats

from evaluation import literature_mode_metrics, target_from_spec, wilson_interval

from ..study._store import Store
from ._presets import MODE_METRICS, Preset

BOOTSTRAP_SEED = 0
"""The bootstrap's resampling seed: a report rebuilt from the same store is the same report."""


@dataclasses.dataclass(frozen=True)
class MetricSummary:
    """One metric over a setting's seeds."""

    mean: float
    standard_error: float
    low: float  # the 95 % bootstrap interval of the mean (NaN for fewer than 3 seeds or no spread)
    high: float

    def text(self, digits: int) -> str:
        if math.isnan(self.mean):
            return "undefined"  # e.g. reverse KL with no high-quality sample in any seed
        spread = "" if math.isnan(self.standard_error) else f" ± {self.standard_error:.{digits}f}"
        interval = "" if math.isnan(self.low) else f" [{self.low:.{digits}f}, {self.high:.{digits}f}]"
        return f"{self.mean:.{digits}f}{spread}{interval}"


@dataclasses.dataclass(frozen=True)
class SettingModes:
    """A setting's literature metrics on one target over its seeds."""

    setting: str
    target: str
    seeds: int
    metrics: dict[str, MetricSummary]
    all_modes: int  # seeds that captured every mode
    all_modes_interval: tuple[float, float]


def summarize_metric(values: np.ndarray) -> MetricSummary:
    """Mean, standard error and 95 % bootstrap interval of ``values`` (one per seed)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return MetricSummary(math.nan, math.nan, math.nan, math.nan)
    mean = float(values.mean())
    error = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else math.nan
    low = high = math.nan
    if len(values) >= 3 and np.ptp(values) > 0:
        result = scipy.stats.bootstrap((values,), np.mean, confidence_level=0.95, rng=np.random.default_rng(BOOTSTRAP_SEED))
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    return MetricSummary(mean, error, low, high)


def mode_tables(folder: Path) -> list[SettingModes]:
    """The literature metrics of every setting on every 2-D mixture target of a study."""
    rows = []
    with Store.open(folder) as store:
        definition = store.definition()
        for target_spec in definition["targets"]:
            target = target_from_spec(target_spec)
            if getattr(target, "modes", None) is None or target.dim != 2:
                continue
            for setting in definition["settings"]:
                runs = store.runs(setting=setting, target=target_spec)
                if not runs:
                    continue
                found = [literature_mode_metrics(run.sample, target) for run in runs]
                values = {
                    "modes_captured": [m.modes_captured for m in found],
                    "high_quality_percent": [100.0 * m.high_quality_fraction for m in found],
                    "reverse_kl": [m.reverse_kl for m in found],
                }
                every = sum(m.modes_captured == m.n_modes for m in found)
                rows.append(
                    SettingModes(
                        setting, target_spec, len(runs), {k: summarize_metric(np.asarray(v)) for k, v in values.items()},
                        every, wilson_interval(every, len(runs)),
                    )
                )  # fmt: skip
    return rows


DIGITS = {"modes_captured": 1, "high_quality_percent": 1, "reverse_kl": 2}


def _published_text(value: tuple[float, float | None] | None, digits: int) -> str:
    if value is None:
        return "—"
    mean, error = value
    return f"{mean:.{digits}f}" + ("" if error is None else f" ± {error:.{digits}f}")


def short_labels(settings: list[str]) -> tuple[dict[str, str], str]:
    """Each setting by what sets it apart from the others (``packing=2``), and what they share."""
    parts = {s: s.partition(":")[2].split(",") if ":" in s else [] for s in settings}
    shared = [o for o in next(iter(parts.values()), []) if all(o in p for p in parts.values())]
    labels = {}
    for setting, options in parts.items():
        own = [o for o in options if o not in shared]
        labels[setting] = setting.partition(":")[0] + (":" + ",".join(own) if own else "")
    return labels, ",".join(shared)


def comparison_markdown(preset: Preset, rows: list[SettingModes]) -> list[str]:
    """Markdown tables, one per target: each setting, ours beside the published row that matches it."""
    lines: list[str] = []
    labels, shared = short_labels(list(dict.fromkeys(row.setting for row in rows)))
    if shared:
        lines += [f"Every setting below also has `{shared}`.", ""]
    for target in dict.fromkeys(row.target for row in rows):
        lines += [
            f"### {target}",
            "",
            "Ours: mean ± s.e. [95 % bootstrap interval] over seeds; published: "
            + (preset.published_source or "no table in the source (its figure only)")
            + ".",
            "",
        ]
        header = ["setting", "seeds", "all modes (Wilson 95 %)"]
        for name in MODE_METRICS.values():
            header += [f"{name}, ours", f"{name}, published"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in (r for r in rows if r.target == target):
            published = _matching(preset, row.setting)
            low, high = row.all_modes_interval
            cells = [f"`{labels[row.setting]}`" + (f" ({published.label})" if published else ""), str(row.seeds)]
            cells.append(f"{row.all_modes}/{row.seeds} [{low:.2f}, {high:.2f}]")
            for key in MODE_METRICS:
                ours = row.metrics[key].text(DIGITS[key])
                theirs = _published_text(published.values.get(key) if published else None, DIGITS[key])
                cells += [ours, theirs]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _matching(preset: Preset, setting: str) -> object | None:
    """The published row whose distinguishing override the setting id carries."""
    options = setting.partition(":")[2].split(",")
    for row in preset.published:
        if row.setting in options:
            return row
    return None


def verdict_markdown(folder: Path) -> list[str]:
    """For 1-D targets: each setting's strict verdict over seeds (Wilson 95 %) and its median KS D."""
    lines = ["| setting | target | converged (Wilson 95 %) | median KS D | median mean | median std |", "|---|---|---|---:|---:|---:|"]
    found = False
    with Store.open(folder) as store:
        definition = store.definition()
        for target in definition["targets"]:
            if target_from_spec(target).dim != 1:
                continue
            for setting in definition["settings"]:
                runs = store.runs(setting=setting, target=target)
                if not runs:
                    continue
                found = True
                good = sum(run.converged for run in runs)
                low, high = wilson_interval(good, len(runs))
                median = {k: float(np.median([run.scores[k] for run in runs])) for k in ("ks_statistic", "mean", "std")}
                lines.append(
                    f"| `{setting}` | {target} | {good}/{len(runs)} [{low:.2f}, {high:.2f}] | "
                    f"{median['ks_statistic']:.3f} | {median['mean']:.3f} | {median['std']:.3f} |"
                )
    return lines + [""] if found else []
