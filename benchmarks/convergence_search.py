"""Search and confirm the recommended settings of ``docs/convergence.md``.

``python -m benchmarks.convergence_search search`` trains every point of :data:`GRID` (the
same points for every variant: an equal search budget, as in Lucic et al. 2018, "Are GANs
Created Equal?") on the :data:`SEARCH_SEEDS`, judges each run by the strict protocol of
:mod:`ganzoo._convergence`, and appends one JSON line per (variant, point) to
``docs/convergence/search.jsonl`` (a finished point is skipped when the search is run
again, so an interrupted search resumes). ``... confirm`` trains each variant's
``recommended()`` setting on the :data:`CONFIRM_SEEDS`, which the search never saw, and
writes ``docs/convergence/confirm.jsonl``; ``... table`` prints the Markdown tables of the
document from both files (and writes ``docs/convergence/*.csv``).

Each training is one ensemble (one member per seed); ``torch.set_num_threads(1)`` because
the networks are tiny and the machine is shared.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import torch

from ganzoo import R1, VARIANTS, Adam, GradientPenalty, LRDecay, MLPSpec, RMSprop, WeightClipping
from ganzoo._convergence import strict_outcome

SEARCH_SEEDS = tuple(range(1000, 1032))
CONFIRM_SEEDS = tuple(range(2000, 2064))
OUT = Path(__file__).resolve().parent.parent / "docs" / "convergence"


def _adam(lr: float) -> Adam:
    return Adam(lr=lr, betas=(0.5, 0.999))


def _adam_gp(lr: float) -> Adam:
    """Adam with WGAN-GP's β = (0, 0.9) (Gulrajani et al. 2017, Algorithm 1)."""
    return Adam(lr=lr, betas=(0.0, 0.9))


_LEAKY = MLPSpec(activation="leaky_relu")
_LEAKY64 = MLPSpec(width=64, activation="leaky_relu")


def _std_adam(lr: float, *, n_critic: int | None = None, **options: object) -> dict[str, object]:
    """Standardized, Adam(``lr``, β = (0.5, 0.999)) for both networks, EMA 0.9995, plus
    ``options``; the variant's own n_critic unless given."""
    point: dict[str, object] = {"standardize": True, "g_optimizer": _adam(lr), "d_optimizer": _adam(lr)}
    if n_critic is not None:
        point["n_critic"] = n_critic
    return {**point, "ema_decay": 0.9995, **options}


def _raw(point: dict[str, object]) -> dict[str, object]:
    """``point`` in the reference problem's raw units: the same setting, standardize off."""
    return {**point, "standardize": False}


def _wgan_rmsprop(lr: float, *, clip: float) -> dict[str, object]:
    """WGAN with the paper's optimizer: RMSprop at ``lr``, clipping ``clip``, n_critic 5, EMA."""
    return {
        "standardize": True,
        "n_critic": 5,
        "g_optimizer": RMSprop(lr=lr),
        "d_optimizer": RMSprop(lr=lr),
        "ema_decay": 0.9995,
        "constraints": (WeightClipping(clip=clip),),
    }


# Every point keeps the variant's own loss, penalties, constraints, networks and budget
# (20,000 generator steps, batch 64) and overrides only what it names. The first round's
# points set n_critic = 1 everywhere, which kept the search affordable on 2 shared cores
# while WGAN-GP trained on the autograd path (~11 min per point at its n_critic = 5); the
# second and third rounds (below) add n_critic = 5 and variant-specific points. The levers
# were chosen by the probes recorded in docs/convergence.md (on NonSaturatingGAN, seeds
# 1000-1031): standardization and a long generator average mattered most, lr decay to 0
# hurt, so the grid spans the averaging horizon and the learning rate.
GRID: dict[str, dict[str, object]] = {
    "std-adam1e-3-ema.9995": _std_adam(1e-3, n_critic=1),
    "std-adam1e-3-ema.9998": _std_adam(1e-3, n_critic=1, ema_decay=0.9998),
    # Added after the first three points: hinge and WGAN failed with n_critic = 1. This
    # point keeps each variant's own n_critic (5 for wgan, wgan-gp, hinge); for the
    # n_critic = 1 variants it is the first point again, so it was not retrained for them.
    "std-adam1e-3-ema.9995-own-ncritic": _std_adam(1e-3),
    "std-adam3e-4-ema.9995": _std_adam(3e-4, n_critic=1),
    # Second round (docs/convergence.md, "Second round"): n_critic = 5 for every variant
    # (the lever that took hinge from 0/32 to 30/32); for hinge, wgan and wgan-gp, whose
    # own n_critic is 5, it is the point above and is not retrained.
    "std-adam1e-3-ema.9995-ncritic5": _std_adam(1e-3, n_critic=5),
    # A twice-as-wide discriminator (1 -> 32 -> 1), each variant at its own n_critic.
    "std-adam1e-3-ema.9995-own-ncritic-d32": _std_adam(1e-3, discriminator=MLPSpec(width=32)),
    # WGAN only (the clipping constant has no meaning elsewhere): a larger clip, with Adam
    # and with the paper's RMSprop.
    "std-adam1e-3-ema.9995-ncritic5-clip0.1": _std_adam(1e-3, n_critic=5, constraints=(WeightClipping(clip=0.1),)),
    "std-rmsprop3e-4-ema.9995-ncritic5-clip0.1": _wgan_rmsprop(3e-4, clip=0.1),
    # Third round, WGAN (docs/convergence.md): the RMSprop point's neighbours.
    "std-rmsprop1e-4-ema.9995-ncritic5-clip0.1": _wgan_rmsprop(1e-4, clip=0.1),
    "std-rmsprop3e-4-ema.9995-ncritic5-clip0.05": _wgan_rmsprop(3e-4, clip=0.05),
    "std-rmsprop3e-4-ema.9995-ncritic5-clip0.03": _wgan_rmsprop(3e-4, clip=0.03),
    # Third round, WGAN-GP: a screen on the first 16 search seeds (--seeds 16) of the
    # levers the second round left untried, with the gradient penalty now fused. All keep
    # n_critic = 5, standardization and EMA 0.9995 and the variant's λ = 10 unless named.
    **{
        f"gp-{name}": {"standardize": True, "ema_decay": 0.9995, **point}
        for name, point in {
            # the paper's Adam(1e-4, β = (0, 0.9)) with Gulrajani et al.'s linear decay to 0
            "paper-lin0": {"lr_decay": LRDecay()},
            # TTUR (critic 10x faster), with and without decay, a slower generator
            "ttur-lin0": {"d_optimizer": _adam_gp(1e-3), "g_optimizer": _adam_gp(1e-4), "lr_decay": LRDecay()},
            "ttur-g3e-5-lin0": {"d_optimizer": _adam_gp(1e-3), "g_optimizer": _adam_gp(3e-5), "lr_decay": LRDecay()},
            # a wider critic (64 units)
            "ttur-d64": {"d_optimizer": _adam_gp(1e-3), "g_optimizer": _adam_gp(1e-4), "discriminator": MLPSpec(width=64)},
            "ttur-b0.5-d64": {"d_optimizer": _adam(1e-3), "g_optimizer": _adam(1e-4), "discriminator": MLPSpec(width=64)},
            # zero-centred damping: R1 beside the gradient penalty
            "ttur-r1g1": {"d_optimizer": _adam_gp(1e-3), "g_optimizer": _adam_gp(1e-4), "penalties": (GradientPenalty(), R1(gamma=1.0))},
            "ttur-b0.5-r1g10": {"d_optimizer": _adam(1e-3), "g_optimizer": _adam(1e-4), "penalties": (GradientPenalty(), R1(gamma=10.0))},
            "adam1e-3-r1g10": {"d_optimizer": _adam(1e-3), "g_optimizer": _adam(1e-3), "penalties": (GradientPenalty(), R1(gamma=10.0))},
            # leaky-ReLU critic (no dead units), then both networks leaky
            "ttur-leaky-d": {"d_optimizer": _adam_gp(1e-3), "g_optimizer": _adam_gp(1e-4), "discriminator": _LEAKY},
            "adam1e-3-leaky-d": {"d_optimizer": _adam(1e-3), "g_optimizer": _adam(1e-3), "discriminator": _LEAKY},
            "adam1e-3-leaky-both": {"d_optimizer": _adam(1e-3), "g_optimizer": _adam(1e-3), "discriminator": _LEAKY, "generator": _LEAKY},
            # without the generator average (is the collapse the average's doing? no)
            "adam1e-3-noema": {"d_optimizer": _adam(1e-3), "g_optimizer": _adam(1e-3), "ema_decay": 0.0},
            "adam1e-3-leaky-both-noema": {
                "d_optimizer": _adam(1e-3),
                "g_optimizer": _adam(1e-3),
                "discriminator": _LEAKY,
                "generator": _LEAKY,
                "ema_decay": 0.0,
            },
            # the penalty's weight λ, and the one-sided penalty of Petzka et al. (2018)
            "adam1e-3-lam1": {"d_optimizer": _adam(1e-3), "g_optimizer": _adam(1e-3), "penalties": (GradientPenalty(weight=1.0),)},
            "adam1e-3-lam0.1": {"d_optimizer": _adam(1e-3), "g_optimizer": _adam(1e-3), "penalties": (GradientPenalty(weight=0.1),)},
            "adam1e-3-onesided": {
                "d_optimizer": _adam(1e-3),
                "g_optimizer": _adam(1e-3),
                "penalties": (GradientPenalty(one_sided=True),),
            },
            "adam1e-3-leaky-both-r1g1": {
                "d_optimizer": _adam(1e-3),
                "g_optimizer": _adam(1e-3),
                "discriminator": _LEAKY,
                "generator": _LEAKY,
                "penalties": (GradientPenalty(), R1(gamma=1.0)),
            },
        }.items()
    },
    # Fourth round (docs/convergence.md, "Raw units"): the reference problem exactly as posed,
    # without standardization: the recommended settings' levers in raw units, a faster and
    # the reference program's own learning rate, and leaky-ReLU networks (no dead units).
    "raw-adam1e-3-ema.9995-ncritic5": _raw(_std_adam(1e-3, n_critic=5)),
    "raw-adam3e-3-ema.9995-ncritic5": _raw(_std_adam(3e-3, n_critic=5)),
    "raw-adam1e-2-ema.9995-ncritic5": _raw(_std_adam(1e-2, n_critic=5)),
    "raw-adam1e-3-ema.9995-ncritic5-leaky": _raw(_std_adam(1e-3, n_critic=5, generator=_LEAKY, discriminator=_LEAKY)),
    # ... and, after the screen above (leaky networks best), a longer average and wider networks.
    "raw-adam1e-3-ema.9998-ncritic5-leaky": _raw(
        _std_adam(1e-3, n_critic=5, ema_decay=0.9998, generator=_LEAKY, discriminator=_LEAKY)
    ),
    "raw-adam1e-3-ema.9995-ncritic5-leaky64": _raw(
        _std_adam(1e-3, n_critic=5, generator=_LEAKY64, discriminator=_LEAKY64)
    ),
    "raw-rmsprop3e-4-ema.9995-ncritic5-clip0.05": _raw(_wgan_rmsprop(3e-4, clip=0.05)),
    "raw-rmsprop1e-3-ema.9995-ncritic5-clip0.05": _raw(_wgan_rmsprop(1e-3, clip=0.05)),
    "raw-gp-adam1e-3-onesided": _raw(_std_adam(1e-3, penalties=(GradientPenalty(one_sided=True),))),
    "raw-gp-adam3e-3-onesided": _raw(_std_adam(3e-3, penalties=(GradientPenalty(one_sided=True),))),
}

#: Points that apply to some variants only; every other point applies to all.
SCOPE: dict[str, tuple[str, ...]] = {
    "std-adam1e-3-ema.9995-ncritic5-clip0.1": ("wgan",),
    "std-rmsprop3e-4-ema.9995-ncritic5-clip0.1": ("wgan",),
    "std-rmsprop1e-4-ema.9995-ncritic5-clip0.1": ("wgan",),
    "std-rmsprop3e-4-ema.9995-ncritic5-clip0.05": ("wgan",),
    "std-rmsprop3e-4-ema.9995-ncritic5-clip0.03": ("wgan",),
    **{point: ("wgan-gp",) for point in GRID if point.startswith(("gp-", "raw-gp-"))},
    **{point: ("wgan",) for point in GRID if point.startswith("raw-rmsprop")},
    **{
        point: ("vanilla", "minimax", "nonsaturating", "lsgan", "hinge")
        for point in GRID
        if point.startswith("raw-adam")
    },
}


def jsonable(value: object) -> object:
    """Settings as stored in the JSON lines: specs by ``to_dict()``, tuples as lists."""
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []


def _done(path: Path) -> set[tuple[str, str]]:
    """The (variant, point) pairs recorded under the current protocol."""
    return {(r["variant"], r["point"]) for r in _rows(path) if r.get("standardization") == _standardization(r["settings"]).get("standardization")}


def confirmations(name: str, path: Path | None = None) -> list[dict]:
    """Every confirmation row of the variant ``name``, oldest first."""
    return [r for r in _rows(path or OUT / "confirm.jsonl") if r["variant"] == name]


def confirmed(variant: str | type, path: Path | None = None) -> dict | None:
    """The latest confirmation row of a variant (its name or class) whose settings are its
    current ``recommended_settings``, trained by the engine ``"auto"`` now picks for it
    (engines agree to rounding, and GAN dynamics amplify rounding: each engine's rate is
    measured on its own)."""
    cls = VARIANTS[variant] if isinstance(variant, str) else variant
    current = jsonable(cls.recommended_settings)
    protocol = _standardization(cls.recommended_settings).get("standardization")
    engine = _auto_engine(cls)
    rows = [
        r
        for r in confirmations(cls.name, path)
        if r["settings"] == current
        and r.get("standardization") == protocol
        and r.get("engine", "fused") == engine  # rows from before the key: the fused engine
    ]
    return rows[-1] if rows else None


def _auto_engine(cls) -> str:
    """The engine that ``engine="auto"`` trains the variant's recommended setting with."""
    return cls.recommended(seed=0).build().engine_kind


STANDARDIZATION = "data"
"""How ``standardize=True`` finds its units in the rows written now: estimated from data
(10,000 seeded draws). Rows without the key used the target's exact moments (before ganzoo
estimated them); they stay in the files as the record of that protocol."""


def _standardization(settings: dict) -> dict[str, str]:
    return {"standardization": STANDARDIZATION} if settings.get("standardize") else {}


def _record(path: Path, variant: str, point: str, settings: dict, seeds, outcome) -> None:
    row = {
        "variant": variant,
        "point": point,
        "settings": jsonable(settings),
        **_standardization(settings),
        "seed_range": [min(seeds), max(seeds)],
        **outcome.summary(),
        "success_by_seed": outcome.success.astype(int).tolist(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"{variant:14s} {point:28s} {row['successes']:3d}/{row['seeds']} "
          f"KS {row['median_ks']:.4f} W1 {row['median_w1']:.4f} {row['final_labels']} {row['seconds']}s", flush=True)


def search(variants: list[str], points: list[str], seeds: int = len(SEARCH_SEEDS)) -> None:
    """Train each (variant, point) on the first ``seeds`` search seeds, unless already recorded."""
    path = OUT / "search.jsonl"
    done = _done(path)
    for point in points:
        for name in variants:
            if (name, point) in done or name not in SCOPE.get(point, (name,)):
                continue
            settings = GRID[point]
            outcome = strict_outcome(VARIANTS[name](seeds=SEARCH_SEEDS[:seeds], **settings))
            _record(path, name, point, settings, SEARCH_SEEDS[:seeds], outcome)


def confirm(variants: list[str], seeds=CONFIRM_SEEDS, path: Path | None = None) -> None:
    path = path or OUT / "confirm.jsonl"
    for name in variants:
        if confirmed(name, path) is not None:  # a changed recommended setting is confirmed anew
            continue
        cls = VARIANTS[name]
        outcome = strict_outcome(cls.recommended(seeds=seeds))
        _record(path, name, "recommended", cls.recommended_settings, seeds, outcome)


def defaults(variants: list[str], seeds=CONFIRM_SEEDS) -> None:
    """Each variant's own defaults (the papers' settings) under the same protocol."""
    path = OUT / "defaults.jsonl"
    done = _done(path)
    for name in variants:
        if (name, "defaults") not in done:
            _record(path, name, "defaults", {}, seeds, strict_outcome(VARIANTS[name](seeds=seeds)))


def table() -> None:
    for stem in ("search", "confirm", "defaults"):
        path = OUT / f"{stem}.jsonl"
        if not path.exists():
            continue
        rows = [json.loads(line) for line in path.read_text().splitlines() if line]
        keys = ["variant", "point", "successes", "seeds", "rate", "wilson_low", "wilson_high",
                "median_ks", "median_w1", "median_abs_mean_error", "median_abs_std_ratio_deviation", "seconds"]
        with (OUT / f"{stem}.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(keys)
            writer.writerows([[r[k] for k in keys] for r in rows])
        print(f"\n### {stem}\n")
        print("| variant | setting | success | Wilson 95 % CI | median KS D | median W1 |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['variant']} | {r['point']} | {r['successes']}/{r['seeds']} ({100 * r['rate']:.0f} %) | "
                  f"{100 * r['wilson_low']:.0f}–{100 * r['wilson_high']:.0f} % | {r['median_ks']:.4f} | {r['median_w1']:.4f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.convergence_search", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("search", "confirm", "defaults", "table"))
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--points", nargs="*", default=list(GRID))
    parser.add_argument("--seeds", type=int, default=len(SEARCH_SEEDS), help="search on the first N search seeds (a screen)")
    args = parser.parse_args(argv)
    if not 1 <= args.seeds <= len(SEARCH_SEEDS):
        parser.error(f"--seeds must be between 1 and {len(SEARCH_SEEDS)}, got {args.seeds}")
    torch.set_num_threads(1)
    if args.command == "search":
        search(args.variants, args.points, args.seeds)
    elif args.command == "confirm":
        confirm(args.variants)
    elif args.command == "defaults":
        defaults(args.variants)
    else:
        table()


if __name__ == "__main__":
    main()
