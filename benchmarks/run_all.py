"""Run every readlist benchmark: the store (`bench_store.py`), everyday commands
(`bench_daily.py`), the TUI (`bench_tui.py`), enrichment (`bench_enrich.py`), then query
keystrokes (`bench_query.py`).

Each runs as its own process, one after the other (they would skew each other if run
together on a small machine), with the same sizes and seed; their tables go to stdout,
progress to stderr. The exit code is 1 if either reported a failed check.

    python benchmarks/run_all.py [--sizes 1000,10000,100000] [--seed 0]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import bench_store  # sibling scripts: Python puts a script's own folder on sys.path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    "bench_store.py", "bench_daily.py", "bench_commands.py", "bench_tui.py", "bench_enrich.py",
    "bench_query.py",
)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=bench_store.parse_sizes,
        default=list(bench_store.DEFAULT_SIZES),
        help="comma-separated paper counts (default: 1000,10000,100000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic listings")
    args = parser.parse_args(argv)
    sizes = ",".join(str(n) for n in args.sizes)
    failed = []
    for script in BENCHMARKS:
        print(f"== {script} ==", flush=True)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(HERE / script), f"--sizes={sizes}", f"--seed={args.seed}"],
            check=False,
        )
        print(f"({script}: {time.perf_counter() - started:.0f} s, exit {done.returncode})\n")
        if done.returncode != 0:
            failed.append(script)
    if failed:
        print(f"failed checks in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
