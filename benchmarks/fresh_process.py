"""Speed as a user meets it: every figure a fresh Python process, through the public API,
compilation (or loading compiled code) included, against the reference program timed in
the same run.

``python -m benchmarks.fresh_process`` runs each case ``--rounds`` times, interleaved with
the reference program (a faithful transcription of the reference script, 20,000 steps),
and prints medians: the fit's wall time (interpreter start and imports excluded: the
reference program is timed the same way), its ratio to the reference program of the same
round, and the process's peak resident memory. ``--json PATH`` writes the rows;
``tests/benchmarks/test_fresh_process.py`` runs the same cases under pytest-benchmark.

A case is ``VARIANT[:recommended] MEMBERS ENGINE [cold-cache]``, e.g. ``vanilla 64 auto``.
Each process fits the case twice, a new GAN each time: the first fit ("cold": what a user's
first fit in a process costs) and the second ("warm": later fits in the same process). The
first fit loads the numba engine's machine code from numba's on-disk cache; ``cold-cache``
gives the process an empty cache directory (``NUMBA_CACHE_DIR``), as on a machine that
never ran ganzoo, so that first fit compiles the kernels (once per machine and float type).

``--from-json PATH`` prints the table from the JSON of ``tests/benchmarks/test_fresh_process.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = 20_000

CASES = (
    "vanilla 1 auto cold-cache",
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
    seconds = []
    for _ in range(2):  # the process's first fit, then a later one
        gan = make(**who, engine=engine)
        start = time.perf_counter()
        gan.fit(steps=steps, progress=False)
        seconds.append(time.perf_counter() - start)
        if len(seconds) == 1:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            kind = gan.trainer.engine_kind
        del gan
    print(json.dumps({"seconds": seconds[0], "warm_seconds": seconds[1], "peak_mib": peak, "trains_with": kind}))
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


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT,
        env=None if env is None else {**os.environ, **env},
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def reference_seconds(steps: int = STEPS) -> float:
    """The reference program's training time for ``steps`` steps, in a fresh process."""
    return _run(_REFERENCE, str(steps))["seconds"]


def fit_case(case: str, steps: int = STEPS) -> dict:
    """One fresh process fitting ``case`` (see the module docstring): seconds, peak MiB, engine."""
    name, members, engine, *cache = case.split()
    if cache not in ([], ["cold-cache"]):
        raise ValueError(f"case {case!r}: the fourth word may only be 'cold-cache'")
    if not cache:
        return _run(_FIT, name, members, engine, str(steps))
    with tempfile.TemporaryDirectory() as empty:
        return _run(_FIT, name, members, engine, str(steps), env={"NUMBA_CACHE_DIR": empty})


def measure(cases: list[str], rounds: int) -> list[dict]:
    """Each case ``rounds`` times, each round beside a fresh reference run; medians."""
    rows = []
    for case in cases:
        references, fits = [], []
        for _ in range(rounds):
            references.append(reference_seconds())
            fits.append(fit_case(case))
        rows.append(summary(case, references, fits))
        print(_line(rows[-1]), flush=True)
    return rows


def summary(case: str, references: list[float], fits: list[dict]) -> dict:
    """The medians of a case's rounds: fit seconds (first and later fit), their ratios to the
    same round's reference program, peak MiB, the engine."""
    members = int(case.split()[1])

    def median(key: str) -> float:
        return statistics.median(f[key] for f in fits)

    def ratio(key: str) -> float:
        return statistics.median(members * r / f[key] for r, f in zip(references, fits))

    return {
        "case": case,
        "trains_with": fits[0]["trains_with"],
        "seconds": median("seconds"),
        "times_reference": ratio("seconds"),
        "warm_seconds": median("warm_seconds"),
        "warm_times_reference": ratio("warm_seconds"),
        "peak_mib": median("peak_mib"),
        "reference_seconds": statistics.median(references),
        "rounds": len(fits),
    }


HEADER = (
    "| case (20,000 steps) | trains with | first fit s | × reference | later fit s | × reference | peak MiB |\n"
    "|---|---|---:|---:|---:|---:|---:|"
)


def _line(row: dict) -> str:
    return (
        f"| {row['case']} | {row['trains_with']} | {row['seconds']:.2f} | {row['times_reference']:.0f}× | "
        f"{row['warm_seconds']:.2f} | {row['warm_times_reference']:.0f}× | {row['peak_mib']:,.0f} |"
    )


def rows_from_benchmark_json(path: Path) -> list[dict]:
    """The rows saved by tests/benchmarks/test_fresh_process.py (``extra_info["row"]``)."""
    return [b["extra_info"]["row"] for b in json.loads(path.read_text())["benchmarks"]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fresh_process", description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", default=list(CASES), help="cases such as 'vanilla 64 auto'")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--from-json", type=Path, help="print the table of a pytest-benchmark JSON instead")
    args = parser.parse_args(argv)
    print(HEADER)
    if args.from_json is not None:
        for row in rows_from_benchmark_json(args.from_json):
            print(_line(row))
        return
    rows = measure(args.cases, args.rounds)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
