"""Speed as a user meets it: every figure a fresh Python process, through the public API,
compilation (or loading compiled code) included, against the reference program timed in
the same run.

``python -m benchmarks.fresh_process`` runs each case ``--rounds`` times, interleaved with
the reference program (a faithful transcription of the reference script, 20,000 steps),
and prints medians: the fit's wall time (interpreter start and imports excluded: the
reference program is timed the same way), its ratio to the reference program of the same
round, and the process's peak resident memory. ``--json PATH`` writes the rows;
``tests/benchmarks/test_fresh_process.py`` runs the same cases under pytest-benchmark.

A case is ``VARIANT[:recommended] MEMBERS ENGINE``, e.g. ``vanilla 64 auto``. The first
fit in a process loads the numba engine's machine code from numba's on-disk cache; on a
machine that never ran it (a new install), that first fit compiles it instead (about half
a minute per float type), once.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = 20_000

CASES = (
    "vanilla 1 auto",
    "vanilla 1 fused",
    "nonsaturating:recommended 1 auto",
    "vanilla 64 auto",
    "vanilla 64 fused",
    "vanilla 1024 auto",
)

_FIT = textwrap.dedent(
    """
    import json, resource, sys, time
    from ganzoo import get_variant
    name, members, engine, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    variant, _, how = name.partition(":")
    cls = get_variant(variant)
    make = cls.recommended if how == "recommended" else cls
    who = {"seed": 0} if members == 1 else {"seeds": range(members)}
    gan = make(**who, engine=engine)
    start = time.perf_counter()
    gan.fit(steps=steps, progress=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kind = "autograd" if gan.trainer.fused is None else gan.trainer.fused.kind
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "trains_with": kind}))
    """
)

_REFERENCE = textwrap.dedent(
    """
    import json, sys, time
    from benchmarks.engine_speed import reference_program
    steps = int(sys.argv[1])
    print(json.dumps({"seconds": reference_program(steps) * steps}))  # it returns seconds per step
    """
)


def _run(code: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def reference_seconds(steps: int = STEPS) -> float:
    """The reference program's training time for ``steps`` steps, in a fresh process."""
    return _run(_REFERENCE, str(steps))["seconds"]


def fit_case(case: str, steps: int = STEPS) -> dict:
    """One fresh process fitting ``case`` (see the module docstring): seconds, peak MiB, engine."""
    name, members, engine = case.split()
    return _run(_FIT, name, members, engine, str(steps))


def measure(cases: list[str], rounds: int) -> list[dict]:
    """Each case ``rounds`` times, each round beside a fresh reference run; medians."""
    rows = []
    for case in cases:
        fits, ratios = [], []
        for _ in range(rounds):
            reference = reference_seconds()
            fit = fit_case(case)
            fits.append(fit)
            ratios.append(int(case.split()[1]) * reference / fit["seconds"])
        rows.append(
            {
                "case": case,
                "trains_with": fits[0]["trains_with"],
                "seconds": statistics.median(f["seconds"] for f in fits),
                "peak_mib": statistics.median(f["peak_mib"] for f in fits),
                "times_reference": statistics.median(ratios),
                "rounds": rounds,
            }
        )
        print(_line(rows[-1]), flush=True)
    return rows


def _line(row: dict) -> str:
    return (
        f"| {row['case']} | {row['trains_with']} | {row['seconds']:.2f} | {row['times_reference']:.0f}x | "
        f"{row['peak_mib']:.0f} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fresh_process", description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", default=list(CASES), help="cases such as 'vanilla 64 auto'")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args(argv)
    print("| case (20,000 steps) | trains with | fit seconds | x reference | peak MiB |\n|---|---|---:|---:|---:|")
    rows = measure(args.cases, args.rounds)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
