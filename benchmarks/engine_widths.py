"""Warm µs per run·step of the numba and the eager torch fused engine at several widths.

``python -m benchmarks.engine_widths`` (a few minutes on two cores): NonSaturatingGAN with
two hidden layers of each width in both networks, on ``"ring"`` (2-D), one run and 64
members, after a warm-up fit (which loads or compiles); docs/engine.md's width table.
"""

from __future__ import annotations

import argparse
import time

from ganzoo import MLPSpec, NonSaturatingGAN


def per_run_step(width: int, members: int, engine: str) -> float:
    """Warm µs per run·step of ``members`` runs at ``width``."""
    net = MLPSpec(width=width, depth=2, activation="relu")
    who = {"seed": 0} if members == 1 else {"seeds": range(members)}
    gan = NonSaturatingGAN(**who, generator=net, discriminator=net, latent_dim=2, engine=engine)
    steps = 64 if width >= 512 and members > 1 else 256
    gan.fit("ring", steps=steps, eval_every=0, progress=False)  # warm-up: compiles or loads
    start = time.perf_counter()
    gan.fit(steps=steps, eval_every=0, progress=False)
    return 1e6 * (time.perf_counter() - start) / steps / members


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engine_widths", description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64, 128, 512])
    args = parser.parse_args(argv)
    print("| width | K = 1 numba | K = 1 fused-eager | K = 64 numba | K = 64 fused-eager |\n|---:|---:|---:|---:|---:|")
    for width in args.widths:
        cells = [per_run_step(width, k, e) for k in (1, 64) for e in ("numba", "fused-eager")]
        print(f"| {width} | " + " | ".join(f"{c:,.0f}" for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
