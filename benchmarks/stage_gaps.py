"""How long the start's background stage runs between two checks of the key gate.

    python benchmarks/stage_gaps.py [--size 100000] [--seed 0] [--top 15]

Copies the cached benchmark library (`bench_tui.py` builds it) to a temporary directory,
opens it as the TUI does (`LibrarySession.open`: a copy, so a staged start), and runs
`LibrarySession.load_catalogue` on this thread with a `pause` that records this thread's
CPU time (`time.thread_time`) and the wall time since the previous check, a yielded
stage, or the start. A key typed during a stretch waits for, or shares the interpreter
with, all of it (see readlist/session/gate.py). Prints the longest stretches by CPU,
each named by the lines it runs between.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tui import library_for

from readlist.session import LibrarySession


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    source = library_for(args.size, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "lib"
        shutil.copytree(source, copy)
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        session = LibrarySession.open(copy / "library.json")
        print(
            f"open: wall {time.perf_counter() - wall0:.3f} s, "
            f"cpu {time.thread_time() - cpu0:.3f} s, staged: {session.staged}"
        )
        marks: list[tuple[float, float, str, str]] = []
        last: list[object] = [time.perf_counter(), time.thread_time(), "start"]

        def mark(here: str) -> None:
            wall, cpu = time.perf_counter(), time.thread_time()
            then_wall, then_cpu, there = last
            assert isinstance(then_wall, float) and isinstance(then_cpu, float)
            marks.append((wall - then_wall, cpu - then_cpu, str(there), here))
            last[:] = [wall, cpu, here]

        def pause() -> None:
            caller = traceback.extract_stack()[-2]
            mark(f"pause {Path(caller.filename).name}:{caller.lineno}")

        for stage in session.load_catalogue(pause=pause):
            mark(f"yield {type(stage).__name__}")
        mark("end")
    print(f"{len(marks)} stretches, {sum(m[1] for m in marks):.3f} s of CPU in all")
    for wall, cpu, there, here in sorted(marks, key=lambda m: -m[1])[: args.top]:
        print(f"  cpu {cpu * 1000:8.1f} ms  wall {wall * 1000:8.1f} ms  {there} -> {here}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
