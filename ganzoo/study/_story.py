"""The parts of a report that tell its story: each variant's defaults beside its recommended
setting, and why every failed run failed (:mod:`ganzoo._causes`).

A pair is a setting ``V`` (a variant's defaults, with or without overrides) and the setting
``V:recommended`` with the same overrides; both in a study make one row of the table the
report opens with.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping, Sequence
from typing import Any

from evaluation import wilson_interval

from .._causes import CAUSES, Cause, Trace, failure_cause
from ._settings import Setting
from ._store import RunRecord


def run_cause(run: RunRecord) -> Cause:
    """The cause of a stored run's failure (``Cause("", ...)`` for a converged run)."""
    return failure_cause(run.scores, Trace.of_stored(run.history))


def _partner(setting_id: str) -> str:
    """The id of the other half of the pair (same variant and overrides, recommended flipped)."""
    (setting,) = Setting.parse(setting_id)
    return Setting(setting.variant, setting.overrides, not setting.recommended).id


def paired_order(settings: Sequence[str]) -> list[str]:
    """``settings`` with each recommended setting moved right after its defaults (when both
    are there), so that tables and small-multiple figures show the two side by side."""
    present, order = set(settings), []
    for setting in settings:
        if setting in order:
            continue
        partner = _partner(setting)
        if partner in present and Setting.parse(setting)[0].recommended:
            continue  # placed with its defaults
        order.append(setting)
        if partner in present:
            order.append(partner)
    return order + [s for s in settings if s not in order]


def pairs(settings: Sequence[str]) -> list[tuple[str, str]]:
    """``(defaults, recommended)`` setting ids present together in ``settings``."""
    present = set(settings)
    return [(s, _partner(s)) for s in settings if not Setting.parse(s)[0].recommended and _partner(s) in present]


def _success(runs: Sequence[RunRecord]) -> str:
    successes = sum(r.converged for r in runs)
    low, high = wilson_interval(successes, len(runs))
    return f"{successes}/{len(runs)} = {successes / len(runs):.2f} [{low:.2f}, {high:.2f}]"


Causes = Mapping[tuple[str, str, int], Cause]
"""Each run's cause, by :meth:`RunRecord.key` (computed once per report)."""


def main_cause(runs: Sequence[RunRecord], causes: Causes) -> str:
    """The most frequent cause among the failed runs, with its count (``–`` when none failed)."""
    tally = collections.Counter(causes[r.key()].name for r in runs if not r.converged)
    if not tally:
        return "–"
    name, count = max(tally.items(), key=lambda item: (item[1], -CAUSES.index(item[0])))
    return f"{name} ({count} of {len(runs)})"


def pairs_table(groups: Mapping[str, Sequence[RunRecord]], causes: Causes) -> list[dict[str, Any]]:
    """One row per pair: variant, success at defaults and recommended (Wilson 95 % CI),
    what the recommended setting changes, and the main cause of failure at defaults."""
    return [
        {
            "variant": defaults,
            "defaults: success [95 % CI]": _success(groups[defaults]),
            "recommended: success [95 % CI]": _success(groups[recommended]),
            "what changed": config_changes(groups[defaults][0].config, groups[recommended][0].config),
            "main cause of failure at defaults": main_cause(groups[defaults], causes),
        }
        for defaults, recommended in pairs(list(groups))
    ]


def _flat(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = tuple(value) if isinstance(value, list) else value
    return flat


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Mapping):  # a penalty or constraint: Name(field=value, ...)
        fields = ", ".join(f"{k}={_text(v)}" for k, v in value.items() if k != "name")
        return f"{value.get('name', '')}({fields})"
    if isinstance(value, tuple):
        return "(" + ", ".join(_text(v) for v in value) + ")" if value else "none"
    if isinstance(value, float):
        return format(value, "g")
    return "none" if value is None else str(value)


def config_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """The fields of two configurations (``GANConfig.to_dict()``) that differ, e.g.
    ``n_critic 1→5; optimizers: lr 0.01→0.001``; a change made to both networks or both
    optimizers is written once."""
    old, new = _flat(before), _flat(after)
    changed = {key: (old.get(key), new.get(key)) for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)}
    both = {"g_optimizer": "d_optimizer", "d_optimizer": "g_optimizer", "generator": "discriminator",
            "discriminator": "generator"}  # fmt: skip
    names = {"g_optimizer": "optimizers", "d_optimizer": "optimizers", "generator": "networks", "discriminator": "networks"}
    parts, done = [], set()
    for key, (a, b) in changed.items():
        if key in done:
            continue
        head, _, field = key.partition(".")
        other = f"{both.get(head)}.{field}"
        if head in both and changed.get(other) == (a, b):
            done.add(other)
            key = f"{names[head]} {field}"
        parts.append(f"{key} {_text(a)}→{_text(b)}")
    return "; ".join(parts) or "nothing"


def causes_table(groups: Mapping[str, Sequence[RunRecord]], causes: Causes) -> list[dict[str, Any]]:
    """Per setting: the runs that converged and the failed runs per cause (:data:`CAUSES`)."""
    rows = []
    for setting, runs in groups.items():
        tally = collections.Counter(causes[r.key()].name for r in runs)
        rows.append({"setting": setting, "converged": tally.get("", 0), **{c: tally.get(c, 0) for c in CAUSES}})
    return rows


def cause_examples(groups: Mapping[str, Sequence[RunRecord]], causes: Causes) -> list[str]:
    """One real example per cause found (its first run, by setting and seed), as report lines."""
    examples: dict[str, tuple[RunRecord, Cause]] = {}
    for runs in groups.values():
        for run in runs:
            cause = causes[run.key()]
            if cause.name and cause.name not in examples:
                examples[cause.name] = (run, cause)
    return [
        f"- **{name}**: `{run.setting}` seed {run.seed}"
        + (f", since step {cause.since:,}" if cause.since is not None else "")
        + f": {cause.evidence}"
        for name in CAUSES
        if name in examples
        for run, cause in [examples[name]]
    ]
