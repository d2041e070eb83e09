"""A study's report, rebuilt from its store alone: report.md, CSV tables, PNG figures.

Statistics come from :mod:`evaluation`: success rate (``converged``) with a Wilson
interval, medians and quartiles of the final scores (:func:`evaluation.summarize`), and
pairwise Mann-Whitney U / Fisher tests with Holm-corrected p-values and the ranking
(:func:`evaluation.compare`).
"""

from __future__ import annotations

import collections
import dataclasses
import math
import shlex
from pathlib import Path
from typing import Any

import numpy as np

from evaluation import compare, evaluate, summarize, target_from_spec, to_csv, to_markdown

from .. import losses
from .._history import finite_or_none
from .._causes import CAUSES, Cause
from . import _figures as figures
from . import _mode_figures as mode_figures
from . import _story as story
from ._store import RunRecord, Store

LABEL_ORDER = ("converged", "biased", "oscillating", "not_converged", "collapsed", "diverged")


def load_runs(out: str | Path) -> tuple[dict[str, Any], list[RunRecord]]:
    """The study definition and every stored run of the study folder ``out``."""
    with Store.open(out) as store:
        return store.definition(), store.runs()


def _folder_as_created(out: Path) -> str:
    with Store.open(out) as store:
        return store.meta("folder") or str(out)


def _is_probabilistic(config: dict[str, Any]) -> bool:
    loss = getattr(losses, str(config.get("loss")), None)
    return bool(getattr(loss, "probabilistic", False))


def _slug(spec: str) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "-" for c in spec).strip("-")


def _seeds_text(seeds: list[int]) -> str:
    if seeds == list(range(len(seeds))):
        return str(len(seeds))
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}:{seeds[-1] + 1}"
    return ",".join(map(str, seeds))


def command_for(definition: dict[str, Any], out: str | Path) -> str:
    """The ``ganzoo compare`` command line that defines this study."""
    parts = ["ganzoo", "compare", "--variants", *definition["settings"], "--seeds", _seeds_text(definition["seeds"])]
    parts += ["--target", *definition["targets"]]
    if definition.get("steps") is not None:
        parts += ["--steps", str(definition["steps"])]
    defaults = {"eval_every": 1000, "eval_samples": 2000, "final_samples": 10_000, "stored_samples": 2000, "chunk": None, "engine": "auto"}
    for key, default in defaults.items():
        if definition.get(key, default) != default:
            parts += [f"--{key.replace('_', '-')}", str(definition[key])]
    parts += ["--out", str(out)]
    return " ".join(shlex.quote(p) for p in parts)


def _fmt(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format(value, f".{digits}g")


def _median_iqr(summary, key: str) -> str:
    score = summary.scores.get(key)
    if score is None or score.n_finite == 0:
        return "–"
    return f"{_fmt(score.median)} [{_fmt(score.q25)}, {_fmt(score.q75)}]"


def _diverged_text(run: RunRecord) -> str:
    step = run.history.get("diverged_at")
    return f"seed {run.seed} at step {step}" if step is not None else f"seed {run.seed} (final sample)"


def check_metric(metric: str | None, targets, *, name: str = "metric") -> None:
    """A ValueError naming ``name`` unless ``metric`` (if given) is a numeric score of every target's report."""
    if metric is None:
        return
    for spec in targets:
        target = target_from_spec(spec)
        # The scores a run stores are evaluate(...).to_dict(): read their names off a tiny one.
        scores = evaluate(target.sample(20, np.random.default_rng(0)), target, mmd_permutations=0).to_dict()
        names = [k for k, v in scores.items() if type(v) in (int, float) and k not in ("n", "n_nonfinite")]
        if metric not in names:
            raise ValueError(
                f"{name} must name a score of target {spec!r}, got {metric!r}; scores: {', '.join(names)}"
            )


def build_report(out: str | Path, *, metric: str | None = None, figures_too: bool = True) -> Path:
    """Write ``report.md``, CSV tables and figures into the study folder ``out``.

    ``metric`` ranks the settings (default: KS D for 1-D targets, sliced W1 for 2-D).
    Works on a partial study (the report says how many runs are stored). Returns the
    path of report.md.
    """
    out = Path(out)
    definition, runs = load_runs(out)
    check_metric(metric, definition["targets"])
    (out / "figures").mkdir(exist_ok=True)
    by_key: dict[tuple[str, str], list[RunRecord]] = collections.defaultdict(list)
    for run in runs:
        by_key[(run.setting, run.target)].append(run)
    causes = {run.key(): story.run_cause(run) for run in runs}
    lines = _introduction(out, definition, runs)
    tables = _Tables(runs=[_run_row(run, causes[run.key()]) for run in runs])
    settings = story.paired_order(definition["settings"])
    for spec in definition["targets"]:
        groups = {s: sorted(by_key[(s, spec)], key=lambda r: r.seed) for s in settings if by_key[(s, spec)]}
        if groups:
            lines += _target_section(out, spec, groups, metric, tables, causes, figures_too=figures_too)
    (out / "runs.csv").write_text(to_csv(finite_or_none(tables.runs)))  # NaN, inf: empty cells
    for name in ("pairs", "summary", "labels", "causes", "comparison", "ranking"):
        rows = getattr(tables, name)
        if rows:
            (out / f"{name}.csv").write_text(to_csv(finite_or_none(rows)))
    lines += [
        "",
        "## Files",
        "",
        "`runs.csv` (one row per run: every final score, its label and its cause), `pairs.csv` (defaults "
        "beside recommended), `summary.csv` (per setting: success rate, "
        "median/quartiles/bootstrap CI of every score), `labels.csv`, `causes.csv`, `comparison.csv` and "
        "`ranking.csv`; "
        "`figures/`; `study.sqlite` (everything, including score histories, stored samples and D on a grid). "
        "Rebuild with `ganzoo report " + shlex.quote(_folder_as_created(out)) + "`.",
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


@dataclasses.dataclass
class _Tables:
    """The rows of the report's CSV files, gathered target by target."""

    runs: list[dict]
    pairs: list[dict] = dataclasses.field(default_factory=list)
    summary: list[dict] = dataclasses.field(default_factory=list)
    labels: list[dict] = dataclasses.field(default_factory=list)
    causes: list[dict] = dataclasses.field(default_factory=list)
    comparison: list[dict] = dataclasses.field(default_factory=list)
    ranking: list[dict] = dataclasses.field(default_factory=list)


def _introduction(out: Path, definition: dict[str, Any], runs: list[RunRecord]) -> list[str]:
    """The report's title, size, provenance, reproducing command and reading guide."""
    total = len(definition["settings"]) * len(definition["targets"]) * len(definition["seeds"])
    versions = sorted({r.version for r in runs})
    engines = collections.Counter(r.engine for r in runs)
    return [
        f"# Study `{out.name}`",
        "",
        f"{len(definition['settings'])} settings x {len(definition['targets'])} target(s) x "
        f"{len(definition['seeds'])} seeds; "
        + (f"{definition['steps']:,} generator steps per run" if definition.get("steps") else "each setting's own budget")
        + f"; final scores on {definition['final_samples']:,} generated points per run.",
        "",
        f"Runs stored: **{len(runs)} of {total}**"
        + ("" if len(runs) == total else " (incomplete: rerun the same command to finish it)")
        + f". ganzoo {', '.join(versions) or '–'}; engines: "
        + (", ".join(f"{k} ({v} runs)" for k, v in sorted(engines.items())) or "–")
        + f"; training time {sum(r.seconds for r in runs) / 60:.1f} minutes of cells, "
        + f"{sum(r.cpu_seconds for r in runs) / 60:.1f} CPU-minutes.",
        "",
        "Reproduce (resumes if the folder holds this study):",
        "",
        "```bash",
        command_for(definition, _folder_as_created(out)),
        "```",
        "",
        "A run *converged* when its final sample passes evaluation's effect-size thresholds "
        "(KS D <= 0.02, |mean error| <= 0.04 sigma, |std ratio - 1| <= 0.05 in 1-D; see "
        "docs/evaluation.md); otherwise its label says how it failed. Success rates carry "
        "95 % Wilson intervals; scores are *median [first quartile, third quartile]* across seeds. "
        "A run labelled *diverged* met NaN or inf (in a loss, the weights or its samples) and was "
        "stopped at the generator step listed under its target: it has no scores (empty in the CSV "
        "files), is left out of every median and quartile, counts as a failure in the success rate "
        "and as the worst value in the ranking.",
    ]


def _run_row(run: RunRecord, cause: Cause) -> dict[str, Any]:
    """One row of runs.csv: the run, its label and cause, every final score and its provenance."""
    row = {"setting": run.setting, "target": run.target, "seed": run.seed, "label": run.label, "cause": cause.name,
           "cause_since": cause.since, "cause_evidence": cause.evidence}  # fmt: skip
    row.update({k: v for k, v in run.scores.items() if k not in ("target", "label")})
    row.update(
        {"steps": run.steps, "engine": run.engine, "version": run.version, "seconds": run.seconds,
         "cpu_seconds": run.cpu_seconds, "diverged_at": run.history.get("diverged_at")}
    )  # fmt: skip
    return row


def _target_section(
    out: Path,
    spec: str,
    groups: dict[str, list[RunRecord]],
    metric: str | None,
    tables: _Tables,
    causes: story.Causes,
    *,
    figures_too: bool,
) -> list[str]:
    """The report's section on one target (tables, comparisons, figures); adds its CSV rows."""
    target = target_from_spec(spec)
    key = metric or figures.metric_for(target)
    lines = ["", f"## Target `{spec}`", ""]
    paired = story.pairs_table(groups, causes)
    if paired:
        tables.pairs += [{"target": spec, **row} for row in paired]
        lines += [
            "### Defaults beside recommended",
            "",
            "Each variant at its defaults and at its `recommended()` setting (docs/convergence.md): "
            "converged runs / runs, with the 95 % Wilson interval; the main cause of failure is the most "
            "frequent cause among the failed runs at defaults (see *Why runs failed* below).",
            "",
            to_markdown(paired),
            "",
        ]
    summaries = {s: summarize([r.scores for r in rs], group=s) for s, rs in groups.items()}
    table = [_summary_row(s, summary, target.dim) for s, summary in summaries.items()]
    tables.summary += [{"target": spec, **summary.to_dict()} for summary in summaries.values()]
    lines += ["### Success and final scores", "", to_markdown(table)]
    counts = []
    for s, rs in groups.items():
        tally = collections.Counter(r.label for r in rs)
        extra = sorted(set(tally) - set(LABEL_ORDER))
        counts.append({"setting": s, **{label: tally.get(label, 0) for label in (*LABEL_ORDER, *extra)}})
    tables.labels += [{"target": spec, **row} for row in counts]
    lines += ["", "### Failure labels (runs per verdict)", "", to_markdown(counts)]
    cause_rows = story.causes_table(groups, causes)
    tables.causes += [{"target": spec, **row} for row in cause_rows]
    lines += [
        "",
        "### Why runs failed (runs per cause)",
        "",
        "One cause per failed run, from its training record (the scores at every check and the "
        "discriminator's traces), the first that applies in this order: "
        + ", ".join(f"`{c}`" for c in CAUSES)
        + " (definitions and thresholds: docs/studies.md#why-runs-failed). An example of each cause found, "
        "with its evidence:",
        "",
        *story.cause_examples(groups, causes),
        "",
        to_markdown([{k: v for k, v in row.items() if k == "setting" or any(r[k] for r in cause_rows)} for row in cause_rows]),
    ]
    diverged = {s: [r for r in rs if r.label == "diverged"] for s, rs in groups.items()}
    if any(diverged.values()):
        lines += [
            "",
            "Diverged runs, with the generator step at which training found NaN or inf "
            "(their scores are excluded from the medians above):",
            "",
            *(f"- `{s}`: " + ", ".join(_diverged_text(r) for r in rs) for s, rs in diverged.items() if rs),
        ]
    if len(groups) >= 2:
        lines += _comparison_section(spec, groups, key, tables)
    if figures_too:
        lines += ["", "### Figures", ""]
        lines += _figures(out, spec, target, groups, key)
    return lines


def _summary_row(setting: str, summary, dim: int) -> dict[str, Any]:
    low, high = summary.success_ci
    row = {
        "setting": setting,
        "runs": summary.n_runs,
        "converged": summary.successes,
        "success rate [95 % CI]": f"{summary.success_rate:.2f} [{low:.2f}, {high:.2f}]",
    }
    if dim == 1:
        return row | {
            "KS D": _median_iqr(summary, "ks_statistic"),
            "W1": _median_iqr(summary, "wasserstein"),
            "mean error": _median_iqr(summary, "mean_error"),
            "std error": _median_iqr(summary, "std_error"),
        }
    return row | {
        "sliced W1": _median_iqr(summary, "sliced_wasserstein"),
        "MMD²": _median_iqr(summary, "mmd"),
        "high-quality fraction": _median_iqr(summary, "high_quality_fraction"),
        "modes covered": _median_iqr(summary, "modes_covered"),
    }


def _comparison_section(spec: str, groups: dict[str, list[RunRecord]], key: str, tables: _Tables) -> list[str]:
    """The ranking and the pairwise tests of the settings on one target; adds their CSV rows."""
    comparison = compare({s: [r.scores for r in rs] for s, rs in groups.items()}, metric=key)
    ranking = [
        {"rank": r.rank, "setting": r.group, f"median {key}": _fmt(r.median, 4), "success rate": f"{r.success_rate:.2f}", "runs": r.n_runs}
        for r in comparison.ranking
    ]
    pairs = [
        {
            "A": p.group_a,
            "B": p.group_b,
            "median A": _fmt(p.median_a, 4),
            "median B": _fmt(p.median_b, 4),
            "P(A > B)": f"{p.prob_a_greater:.2f}",
            "p (U)": _fmt(p.pvalue, 2),
            "p Holm": _fmt(p.pvalue_holm, 2),
            "better": p.better or "–",
            "successes A/B": f"{p.successes_a}/{p.n_a} vs {p.successes_b}/{p.n_b}",
            "Fisher p Holm": _fmt(p.fisher_pvalue_holm, 2),
        }
        for p in comparison.pairs
    ]
    tables.comparison += [{"target": spec, **row} for row in comparison.pair_rows()]
    tables.ranking += [{"target": spec, **row} for row in comparison.ranking_rows()]
    return [
        "",
        f"### Ranking on final {key} (lower is better)",
        "",
        "Rank = 1 + the number of settings significantly better (two-sided Mann-Whitney U, "
        "Holm-corrected p < 0.05 over all pairs); settings the tests cannot separate share a rank.",
        "",
        to_markdown(ranking),
        "",
        "### Pairwise comparisons",
        "",
        f"Mann-Whitney U on final {key} (P(A > B): probability that a run of A scores higher) and "
        "Fisher's exact test on success counts; each family Holm-corrected.",
        "",
        to_markdown(pairs),
    ]


def _figures(out: Path, spec: str, target, groups: dict[str, list[RunRecord]], metric: str) -> list[str]:
    slug = _slug(spec)
    folder = out / "figures"
    lines = []

    def add(path: Path | None, caption: str) -> None:
        if path is not None:
            lines.extend([f"![{caption}](figures/{path.name})", "", f"*{caption}*", ""])

    if target.dim == 1:
        add(
            figures.samples_figure(groups, target, folder / f"{slug}-samples.png", metric=metric),
            "Real vs generated histograms with the target pdf, for the median run of each setting "
            f"(by final {metric}) on its stored sample.",
        )
        add(
            figures.qq_figure(groups, target, folder / f"{slug}-qq.png", metric=metric),
            "QQ plots: stored-sample quantiles against the target's exact quantiles (faint: every seed; bold: median run).",
        )
        probabilistic = {s: rs for s, rs in groups.items() if _is_probabilistic(rs[0].config)}
        if probabilistic:
            add(
                figures.discriminator_figure(probabilistic, target, folder / f"{slug}-discriminator.png", metric=metric),
                "BCE-family settings: the discriminator's D(x) = sigmoid(score) on a fixed grid beside the optimal "
                "D*(x) = p(x)/(p(x)+q(x)) for the same generator; q is a Gaussian KDE (scipy.stats.gaussian_kde, "
                "Scott's rule) of the run's stored sample (a histogram when the sample has no spread).",
            )
    else:
        add(
            figures.scatter_figure(
                groups,
                target,
                folder / f"{slug}-scatter.png",
                metric=metric,
                probabilistic={s: _is_probabilistic(rs[0].config) for s, rs in groups.items()},
            ),
            "Stored sample of each setting's median run, target modes marked x; for BCE-family settings D(x) shaded.",
        )
        if target.dim == 2:
            with_modes = getattr(target, "modes", None) is not None
            shown = f"Each setting's first {mode_figures.SEEDS_SHOWN} seeds: D over the plane (sigmoid of the score for the BCE family, else the score rescaled per panel"
            caption = (
                f"{shown}), the stored sample coloured by nearest mode where within 3 std of it (VEEGAN/PacGAN's high "
                "quality; grey otherwise); last panel, BCE family: the optimal D* = P/(P+Q) for the first seed on the "
                "grid's cells, P the target's exact mass of a cell, Q the share of the stored sample in it."
                if with_modes
                else f"{shown}: the critic's value surface), a seeded target sample (red) under the run's stored sample (blue)."
            )
            add(
                mode_figures.modes_figure(
                    groups, target, folder / f"{slug}-{'modes' if with_modes else 'critic'}.png",
                    probabilistic={s: _is_probabilistic(rs[0].config) for s, rs in groups.items()},
                ),  # fmt: skip
                caption,
            )
    add(
        figures.curves_figure(groups, target, folder / f"{slug}-curves.png"),
        "Scores during training (each check on a fixed sample): median across seeds, band = interquartile range.",
    )
    add(
        figures.strips_figure(groups, target, folder / f"{slug}-strips.png"),
        "Final scores of every run, coloured by verdict label; bar = median.",
    )
    return lines
