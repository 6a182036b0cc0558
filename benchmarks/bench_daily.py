"""Benchmark of the everyday commands on a large library, as a user runs them.

For each size (default 1k, 10k and 100k papers), in a fresh temporary library, each as
the real `readlist` command in a subprocess (wall time, and the child's peak RSS from
`wait4`):

1. `readlist import big.txt`: a full import from scratch (a synthetic listing of that
   many papers, see `generate.py`);
2. `readlist import page.txt`: a morning's page of 30 new papers, today's layout (upvote
   lines, organisations, comment counts), into that library; then again once the library
   keeps a stored word index (as every large library does after its first TUI start: an
   import that adds papers extends that index, so that search works from the next first
   frame), "page, word index kept";
3. `readlist rate id:PREFIX 4` and `readlist tag id:PREFIX bench`: one paper by id;
4. `Store.open` and `store.papers(with_abstracts=False)` in a fresh Python (what the
   TUI's first frame needs of the library), after the imports.

Targets (issue 9) are printed beside the figures at 100k. Usage:

    python benchmarks/bench_daily.py [--sizes 1000,10000,100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import generate  # a sibling script

DEFAULT_SIZES = (1_000, 10_000, 100_000)
TARGETS_100K = {
    "full import": "<= 4 s, <= 500 MB",
    "30-paper page": "<= 0.5 s, <= 200 MB",
    "page, word index kept": "<= 0.5 s, <= 200 MB",
    "rate by id": "<= 0.3 s",
    "tag by id": "<= 0.3 s",
    "open + titles": "(was 1.17 s open)",
}


def readlist_command() -> list[str]:
    script = Path(sys.executable).with_name("readlist")
    return [str(script)] if script.exists() else [shutil.which("readlist") or "readlist"]


# Runs one command and reports its peak RSS: RUSAGE_CHILDREN of a process with one child
# is that child's own peak (the benchmark's own would be the maximum over every command).
_WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def run(args: Sequence[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one readlist command."""
    # Compiled bytecode is used as an installed readlist uses it: a session that sets
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every command.
    env = {
        k: v for k, v in os.environ.items() if k not in ("READLIST_DB", "PYTHONDONTWRITEBYTECODE")
    }
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *readlist_command(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - start
    *messages, rss_kb = done.stderr.strip().splitlines() or ["0"]
    if done.returncode:
        raise SystemExit(f"readlist {' '.join(args)} failed: {' '.join(messages)}")
    return seconds, int(rss_kb) / 1024, done.stdout


_OPEN = (
    "import sys; from pathlib import Path; from readlist.store import Store; "
    "store = Store.open(Path(sys.argv[1])); print(len(store.papers(with_abstracts=False)))"
)


def open_and_titles(db: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of opening the library and building its papers."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, sys.executable, "-c", _OPEN, db],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"opening {db} failed: {done.stderr[-500:]}")
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


_STORE_WORD_INDEX = """
import sys
from pathlib import Path
from readlist.search import SearchIndex
from readlist.store import Store
store = Store.open(Path(sys.argv[1]))
papers = store.papers()
versions = store.catalogue_versions()  # of the files just read
index = SearchIndex(papers).make_text_index()
sys.exit(0 if store.write_word_index(versions, [p.id for p in papers], index) else 1)
"""


def store_word_index(db: str) -> None:
    """Build and keep the library's word index, as the TUI's first start after an
    import does (not timed)."""
    done = subprocess.run([sys.executable, "-c", _STORE_WORD_INDEX, db], check=False)
    if done.returncode:
        raise SystemExit(f"keeping the word index of {db} failed")


def page_of_30(seed: int) -> str:
    """Today's Daily Papers layout, 30 new papers with titles no generated listing has."""
    cards = []
    for i in range(30):
        upvotes = "-" if i % 7 == 0 else str(3 + (i * 37 + seed) % 400)
        who = f"  • {2 + i % 11} authors" if i % 3 else "Example Research Lab"
        cards.append(
            f"{upvotes}\nMorning Paper {seed}-{i}: Routing Tokens Through {i + 2} Experts\n"
            f"We study routing number {i} in sparse models and find that it helps. "
            f"A second sentence gives the result on {i + 3} benchmarks.\n"
            f"{who}\n·\nNov {1 + i % 28} {i % 5}"
        )
    return "Daily Papers\nby AK and the research community\n\nNov 30\n\n" + "\n\n".join(cards)


def bench(n: int, repeats: int, seed: int = 0) -> dict[str, tuple[float, float]]:
    folder = Path(tempfile.mkdtemp(prefix=f"readlist-daily-{n}-"))
    try:
        db = str(folder / "library.json")
        listing = generate.listing_for(n, seed)
        seconds, rss, _ = run(["--db", db, "import", str(listing)])
        results = {"full import": (seconds, rss)}
        page_runs, rate_runs, tag_runs, open_runs = [], [], [], []
        for r in range(repeats):
            page = folder / f"page-{r}.txt"
            page.write_text(page_of_30(r))
            page_runs.append(run(["--db", db, "import", str(page)])[:2])
        store_word_index(db)
        indexed_runs = []
        for r in range(repeats):
            page = folder / f"page-indexed-{r}.txt"
            page.write_text(page_of_30(100 + r))
            indexed_runs.append(run(["--db", db, "import", str(page)])[:2])
        listed = run(["--db", db, "list", "--limit", "1"])[2]
        prefix = listed.split()[0]
        for _ in range(repeats):
            rate_runs.append(run(["--db", db, "rate", f"id:{prefix}", "4"])[:2])
            tag_runs.append(run(["--db", db, "tag", f"id:{prefix}", "bench"])[:2])
            open_runs.append(open_and_titles(db))
        for name, runs in (
            ("30-paper page", page_runs),
            ("page, word index kept", indexed_runs),
            ("rate by id", rate_runs),
            ("tag by id", tag_runs),
            ("open + titles", open_runs),
        ):
            results[name] = (
                statistics.median(s for s, _ in runs),
                max(m for _, m in runs),
            )
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="of the generated listings")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; median of {args.repeats} (full import: 1)")  # fmt: skip
    run(["--version"])  # compiles readlist's bytecode once, before anything is timed
    table = {n: bench(n, args.repeats, args.seed) for n in sizes}
    names = list(TARGETS_100K)
    print(f"{'papers':>8}  " + "  ".join(f"{name:>24}" for name in names))
    for n, results in table.items():
        cells = [f"{results[k][0]:7.2f} s {results[k][1]:7.0f} MB" for k in names]
        print(f"{n:>8,}  " + "  ".join(f"{c:>24}" for c in cells))
    print(f"{'target':>8}  " + "  ".join(f"{TARGETS_100K[k]:>24}" for k in names) + "  (100k)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
