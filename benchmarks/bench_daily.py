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
   TUI's first frame needs of the library), after the imports;
5. fold days of the word index's tail (a second table): a page imported when the tail
   already holds more than `FOLD_PAPERS` (500) papers, the day an import folded before
   (now it writes the tail: the TUI folds it after its next start); a page that passes
   `IMPORT_FOLD_PAPERS` (2000, a library only imported into from the command line) and
   folds in the import; and the TUI's fold itself (`Store.fold_word_index`, in a
   Python that opened the library as the TUI does: the fold's own time and how much
   it raised the peak RSS). Pages that fill the tail in between are not timed.

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
FOLD_TARGETS_100K = {
    "page, tail past 500": "<= 0.5 s, <= 200 MB",
    "page that folds (2000)": "(every ~65 pages)",
    "TUI's fold (rise)": "(background, +MB)",
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


def page_of_30(seed: int, n: int = 30) -> str:
    """Today's Daily Papers layout, `n` new papers with titles no generated listing has."""
    cards = []
    for i in range(n):
        upvotes = "-" if i % 7 == 0 else str(3 + (i * 37 + seed) % 400)
        who = f"  • {2 + i % 11} authors" if i % 3 else "Example Research Lab"
        cards.append(
            f"{upvotes}\nMorning Paper {seed}-{i}: Routing Tokens Through {i + 2} Experts\n"
            f"We study routing number {i} in sparse models and find that it helps. "
            f"A second sentence gives the result on {i + 3} benchmarks.\n"
            f"{who}\n·\nNov {1 + i % 28} {i % 5}"
        )
    return "Daily Papers\nby AK and the research community\n\nNov 30\n\n" + "\n\n".join(cards)


_FOLD = """
import resource, sys, time
from pathlib import Path
from readlist.store import Store
store = Store.open(Path(sys.argv[1]))
store.papers()  # (with abstracts: as the TUI has read them when it folds)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
folded = store.fold_word_index(store.catalogue_versions())
seconds = time.perf_counter() - start
print(seconds, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
sys.exit(0 if folded else 1)
"""


def tui_fold(db: str) -> tuple[float, float]:
    """(seconds, MB the peak RSS rose by) of the TUI's fold of the word index's tail."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", _FOLD, db], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode:
        raise SystemExit(f"folding the word index of {db} failed: {done.stderr[-500:]}")
    seconds, rise = done.stdout.split()
    return float(seconds), float(rise)


def tail_held(db: str) -> int:
    """How many papers the word index's tail holds (0 without a tail)."""
    from readlist.store import Store
    from readlist.store.wordfile import read_tail, word_tail_path

    tail = read_tail(word_tail_path(Store(Path(db)).paths))
    return 0 if tail is None else len(tail.ids)


def fold_days(folder: Path, db: str, repeats: int) -> dict[str, tuple[float, float]]:
    """The rows of the second table (see the module docstring)."""
    from readlist.store.wordfile import FOLD_PAPERS, IMPORT_FOLD_PAPERS

    def fill(papers: int, seed: int) -> None:
        if papers > 0:
            page = folder / f"fill-{seed}.txt"
            page.write_text(page_of_30(seed, papers))
            run(["--db", db, "import", str(page)])

    def page(seed: int) -> tuple[float, float]:
        path = folder / f"page-fold-{seed}.txt"
        path.write_text(page_of_30(seed))
        return run(["--db", db, "import", str(path)])[:2]

    past, folds, tui = [], [], []
    fill(FOLD_PAPERS + 1 - tail_held(db), 200)
    for r in range(repeats):
        past.append(page(300 + r))
    for r in range(repeats):
        fill(IMPORT_FOLD_PAPERS + 1 - 30 - tail_held(db), 400 + r)
        folds.append(page(500 + r))
        if tail_held(db) != 30:
            raise SystemExit("the import past IMPORT_FOLD_PAPERS did not fold")
    for r in range(repeats):
        fill(FOLD_PAPERS + 1 - tail_held(db), 600 + r)
        tui.append(tui_fold(db))
    return {
        "page, tail past 500": _median(past),
        "page that folds (2000)": _median(folds),
        "TUI's fold (rise)": _median(tui),
    }


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s for s, _ in runs), max(m for _, m in runs)


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
        results.update(fold_days(folder, db, repeats))
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
    print("\nfold days of the word index's tail")
    folds = list(FOLD_TARGETS_100K)
    print(f"{'papers':>8}  " + "  ".join(f"{name:>24}" for name in folds))
    for n, results in table.items():
        cells = [f"{results[k][0]:7.2f} s {results[k][1]:7.0f} MB" for k in folds]
        print(f"{n:>8,}  " + "  ".join(f"{c:>24}" for c in cells))
    print(f"{'target':>8}  " + "  ".join(f"{FOLD_TARGETS_100K[k]:>24}" for k in folds) + "  (100k)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
