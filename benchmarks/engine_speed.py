"""How fast the engines train, against a faithful copy of the reference program.

Speed is counted in run·steps per second: K members trained for n generator steps are
K·n run·steps. Absolute times on shared machines drift severalfold with load, so every
figure is reported as a ratio to the reference program measured in the same session.

``python -m benchmarks.engine_speed`` measures and prints the table (about 5 minutes on two
cores); ``python -m benchmarks.engine_speed --from-json benchmarks/engine.json`` prints it from
the output of the pytest-benchmark suite (``tests/benchmarks/test_engine_speed.py``).
``--memory`` adds the peak resident memory of a 1024-member run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn, optim

BATCH = 64
CHUNK = 128  # TrainingBatches.CHUNK_STEPS: timed spans cover whole chunks, data drawing included


# --------------------------------------------------------------------------------------
# The baselines: plain single-run programs in the reference program's style.


def reference_program(steps: int) -> float:
    """Seconds per step of the reference program (VanillaGAN), transcribed verbatim.

    1→16→1 ReLU generator, 1→16→1 ReLU + sigmoid discriminator, nn.BCELoss, Adam 0.01,
    batch 64, real data from numpy's global RNG, noise from torch's. The process's global
    RNGs are saved and restored around it.
    """
    with _global_rngs_restored():
        generator = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))
        discriminator = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
        g_optimizer = optim.Adam(generator.parameters(), lr=0.01)
        d_optimizer = optim.Adam(discriminator.parameters(), lr=0.01)
        loss_function = nn.BCELoss()
        start = time.perf_counter()
        for _ in range(steps):
            real_data = torch.Tensor(np.random.normal(4, 1.25, (BATCH, 1)))
            fake_data = generator(torch.randn(BATCH, 1)).detach()
            real_output = discriminator(real_data)
            fake_output = discriminator(fake_data)
            d_loss = loss_function(real_output, torch.ones(BATCH, 1)) + loss_function(
                fake_output, torch.zeros(BATCH, 1)
            )
            d_optimizer.zero_grad()
            d_loss.backward()
            d_optimizer.step()
            fake_data = generator(torch.randn(BATCH, 1))
            fake_output = discriminator(fake_data)
            g_loss = loss_function(fake_output, torch.ones(BATCH, 1))
            g_optimizer.zero_grad()
            g_loss.backward()
            g_optimizer.step()
        return (time.perf_counter() - start) / steps


def reference_wgan_gp(steps: int) -> float:
    """Seconds per step of WGAN-GP written the same way (Gulrajani et al. 2017, Algorithm 1).

    The reference program's networks without the sigmoid, λ = 10, n_critic = 5, Adam 1e-4
    with betas (0, 0.9), batch 64, the penalty by ``torch.autograd.grad(create_graph=True)``.
    """
    with _global_rngs_restored():
        generator = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))
        critic = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))
        g_optimizer = optim.Adam(generator.parameters(), lr=1e-4, betas=(0.0, 0.9))
        d_optimizer = optim.Adam(critic.parameters(), lr=1e-4, betas=(0.0, 0.9))
        start = time.perf_counter()
        for _ in range(steps):
            for _ in range(5):
                real = torch.Tensor(np.random.normal(4, 1.25, (BATCH, 1)))
                fake = generator(torch.randn(BATCH, 1)).detach()
                epsilon = torch.rand(BATCH, 1)
                mixed = (epsilon * real + (1 - epsilon) * fake).requires_grad_(True)
                (gradient,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
                penalty = 10.0 * ((gradient.norm(2, dim=1) - 1) ** 2).mean()
                d_loss = critic(fake).mean() - critic(real).mean() + penalty
                d_optimizer.zero_grad()
                d_loss.backward()
                d_optimizer.step()
            g_loss = -critic(generator(torch.randn(BATCH, 1))).mean()
            g_optimizer.zero_grad()
            g_loss.backward()
            g_optimizer.step()
        return (time.perf_counter() - start) / steps


REFERENCES: dict[str, Callable[[int], float]] = {"vanilla": reference_program, "wgan-gp": reference_wgan_gp}


class _global_rngs_restored:
    def __enter__(self) -> None:
        self._numpy = np.random.get_state()
        self._fork = torch.random.fork_rng(devices=[])
        self._fork.__enter__()
        np.random.seed(0)
        torch.manual_seed(0)

    def __exit__(self, *exc: object) -> None:
        self._fork.__exit__(*exc)
        np.random.set_state(self._numpy)


# --------------------------------------------------------------------------------------
# The engines.


def build(variant: str, members: int, engine: str, *, device: str = "cpu"):
    """A trainer of ``members`` seeds of ``variant`` on the default target, built."""
    from evaluation import Gaussian
    from ganzoo import get_variant

    gan = get_variant(variant)(seeds=range(members), engine=engine, device=device)
    return gan.build(Gaussian(4, 1.25))


def train(trainer, steps: int) -> None:
    """``steps`` generator steps as ``fit`` runs them, without evaluation or progress bar."""
    trainer.train(steps, eval_every=0, eval_samples=2, progress=False, description="")


def steps_for(members: int) -> int:
    """Steps per measurement: whole chunks of the data stream, fewer for big ensembles."""
    return 2 * CHUNK if members <= 64 else CHUNK


REFERENCE_STEPS = {"vanilla": 100, "wgan-gp": 10}  # one adjacent reference run, ≈ 0.1-0.2 s


def warm_trainer(variant: str, members: int, engine: str):
    """A built trainer past its warm-up: one chunk (compilation included) for fused engines."""
    trainer = build(variant, members, engine)
    train(trainer, 4 if engine == "autograd" else CHUNK)
    return trainer


def measure_one(variant: str, members: int, engine: str, rounds: int = 3) -> dict:
    """Median µs per run·step, and the median per-round speed-up against an adjacent reference."""
    trainer = warm_trainer(variant, members, engine)
    steps = steps_for(members)
    ratios, per_run_step, references = [], [], []
    for _ in range(rounds):
        references.append(REFERENCES[variant](REFERENCE_STEPS[variant]))
        start = time.perf_counter()
        train(trainer, steps)
        per_run_step.append((time.perf_counter() - start) / steps / members)
        ratios.append(references[-1] / per_run_step[-1])
    return row(variant, engine, members, np.median(per_run_step), np.median(references), np.median(ratios))


# --------------------------------------------------------------------------------------
# The table.

ENGINES_MEASURED = ("autograd", "fused-eager", "fused-compiled")


def row(variant: str, engine: str, members: int, per_run_step: float, reference: float, speedup: float) -> dict:
    """One line of the table; times in seconds, ``reference`` per step of the adjacent runs."""
    return {
        "variant": variant,
        "engine": engine,
        "members": members,
        "us_per_run_step": float(per_run_step) * 1e6,
        "run_steps_per_s": 1.0 / float(per_run_step),
        "reference_us": float(reference) * 1e6,
        "speedup": float(speedup),
    }


def format_table(rows: Sequence[dict], references: dict[str, float], memory: Sequence[str] = ()) -> str:
    lines = [
        "| variant | engine | K | µs per run·step | run·steps/s | reference µs/step (adjacent) | × reference |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for variant, seconds in references.items():
        lines.append(f"| {variant} | reference program | 1 | {seconds * 1e6:,.0f} | {1 / seconds:,.0f} | | 1.0 |")
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['engine']} | {r['members']} | {r['us_per_run_step']:,.1f} | "
            f"{r['run_steps_per_s']:,.0f} | {r['reference_us']:,.0f} | {r['speedup']:.1f} |"
        )
    return "\n".join([*lines, *memory])


def measure(
    variants: Sequence[str], members: Sequence[int], engines: Sequence[str]
) -> tuple[list[dict], dict[str, float]]:
    """Measure every supported (variant, engine, K) with :func:`measure_one`."""
    from ganzoo import get_variant
    from ganzoo.engine import unsupported_features

    rows, references = [], {}
    for variant in variants:
        references[variant] = float(np.median([REFERENCES[variant](REFERENCE_STEPS[variant]) for _ in range(3)]))
        supported = not unsupported_features(get_variant(variant).defaults)
        for engine in engines:
            if engine.startswith("fused") and not supported:
                continue
            for k in members:
                rows.append(measure_one(variant, k, engine))
                print(f"  {variant} {engine} K={k}: {rows[-1]['us_per_run_step']:.1f} µs per run·step, "
                      f"{rows[-1]['speedup']:.1f}x", file=sys.stderr, flush=True)  # fmt: skip
    return rows, references


def table_from_json(path: str) -> tuple[list[dict], dict[str, float], list[str]]:
    """Rows, references and memory lines from pytest-benchmark's JSON of test_engine_speed.py."""
    with open(path) as file:
        data = json.load(file)
    rows, references, memory = [], {}, []
    for bench in data["benchmarks"]:
        info = bench.get("extra_info", {})
        if "peak_rss_mib" in info:
            memory.append(
                f"peak RSS, {info['variant']}, {info['engine']}, {info['members']} members: "
                f"{info['peak_rss_mib']:,.0f} MiB"
            )
        elif info.get("engine") == "reference":
            references[info["variant"]] = bench["stats"]["median"] / info["steps"]
        elif "speedup" in info:
            engine = info["engine"] + (" (compiled)" if info["engine"] == "auto" and info["compiled"] else "")
            rows.append(
                row(info["variant"], engine, info["members"], info["us_per_run_step"] * 1e-6,
                    info["reference_us_per_step"] * 1e-6, info["speedup"])  # fmt: skip
            )
    rows.sort(key=lambda r: (r["variant"], r["engine"], r["members"]))
    return rows, references, memory


# --------------------------------------------------------------------------------------
# Memory.


def peak_rss_mib(variant: str, members: int, engine: str, steps: int = 2 * CHUNK) -> float:
    """Peak resident memory (MiB) of a fresh process training ``members`` for ``steps``.

    Read from ``VmHWM`` in ``/proc/self/status``, the high-water mark of the new program
    alone (``ru_maxrss`` would carry over the forking parent's size across ``exec``).
    """
    code = textwrap.dedent(
        f"""
        from benchmarks.engine_speed import build, train
        trainer = build({variant!r}, {members}, {engine!r})
        train(trainer, {steps})
        print(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1])
        """
    )
    root = Path(__file__).resolve().parents[1]  # where `benchmarks` imports from
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    return int(result.stdout.split()[-1]) / 1024  # kB


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engine_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-json", help="print the table from pytest-benchmark's JSON instead of measuring")
    parser.add_argument("--variants", nargs="+", default=["vanilla", "wgan-gp"])
    parser.add_argument("--members", nargs="+", type=int, default=[1, 8, 64, 256, 1024])
    parser.add_argument("--engines", nargs="+", default=list(ENGINES_MEASURED))
    parser.add_argument("--memory", action="store_true", help="also report peak RSS at 1024 members")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    args = parser.parse_args(argv)
    memory: list[str] = []
    if args.from_json:
        rows, references, memory = table_from_json(args.from_json)
    else:
        torch.set_num_threads(args.threads)
        rows, references = measure(args.variants, args.members, args.engines)
        if args.memory:
            memory = [
                f"peak RSS, {variant}, auto, 1024 members: {peak_rss_mib(variant, 1024, 'auto'):,.0f} MiB"
                for variant in args.variants
            ]
    print(format_table(rows, references, memory))


if __name__ == "__main__":
    main()
