"""Benchmark of readlist's store side: import, library size, re-import, one-paper edits.

For each size (default 1k, 10k and 100k papers) this generates a synthetic listing (see
`generate.py`; cached under `benchmarks/out/`), and in a fresh temporary directory:

1. imports it into an empty library through the Python API (`read_listing`, then
   `Store.import_listings`), timing parsing and storing separately;
2. measures the library on disk (the three JSON files);
3. imports the same listing again into the now-full library (the merge path), as a
   second `readlist import` would: parse, `Store.open`, `import_listings`;
4. times the floor for writing the same data: `json.dumps` and `orjson.dumps` of the
   papers as plain dicts, written to a file and fsync'd;
5. times one-paper annotation writes (`Store.update`): tag add/remove, rate, read toggle;
6. runs the real `readlist --db ... tag id:<prefix> bench` once in a subprocess.

It prints one table with a row per size. Usage:

    python benchmarks/bench_store.py [--sizes 1000,10000,100000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import generate  # a sibling script: Python puts a script's own folder on sys.path
import orjson

from readlist.export import record
from readlist.importers import read_listing
from readlist.models import Annotation, Paper
from readlist.paths import LibraryPaths
from readlist.store import Store

DEFAULT_SIZES = (1_000, 10_000, 100_000)
TODAY = date(2025, 6, 1)  # fixed, so dates without a year always resolve the same way
EDIT_REPEATS = 30
BASELINE_REPEATS = 3
TAG = "bench"
TMP_ROOT = Path("/tmp")
PROFILE_DIR = generate.OUT_DIR / "profiles"


@dataclass(slots=True)
class Result:
    """Everything measured for one size."""

    n: int
    parse_s: float = 0.0
    store_s: float = 0.0
    disk_mb: float = 0.0
    reimport_parse_s: float = 0.0
    reimport_store_s: float = 0.0
    json_s: float = 0.0
    orjson_s: float = 0.0
    tag_ms: list[float] = field(default_factory=list)
    rate_ms: list[float] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)
    cli_tag_s: float = 0.0
    peak_rss_mb: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def import_s(self) -> float:
        return self.parse_s + self.store_s

    @property
    def reimport_s(self) -> float:
        return self.reimport_parse_s + self.reimport_store_s


# -- measuring ------------------------------------------------------------------------------


class Timer:
    """Times phases with `perf_counter`; optionally profiles each one to a file."""

    def __init__(self, profile_dir: Path | None) -> None:
        self.profile_dir = profile_dir

    @contextmanager
    def phase(self, name: str) -> Iterator[list[float]]:
        """Time the body; the elapsed seconds are appended to the yielded list.

        A full collection first, so garbage from the previous phase is not charged to
        this one; the collector itself stays enabled throughout.
        """
        gc.collect()
        elapsed: list[float] = []
        profiler = cProfile.Profile() if self.profile_dir else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            yield elapsed
        finally:
            if profiler:
                profiler.disable()
            elapsed.append(time.perf_counter() - start)
            if profiler is not None and self.profile_dir is not None:
                self.profile_dir.mkdir(parents=True, exist_ok=True)
                profiler.dump_stats(self.profile_dir / f"{name}.prof")


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def library_mb(db: Path) -> float:
    """Size of the three library files (annotations, papers, abstracts) in MB."""
    return sum(p.stat().st_size for p in LibraryPaths.for_db(db).data_files if p.exists()) / 1e6


def paper_record(paper: Paper) -> dict[str, Any]:
    """A paper as JSON export writes it (annotations empty): the baseline's unit of data."""
    return record(paper, Annotation())


def write_fsynced(path: Path, blob: bytes) -> None:
    with open(path, "wb") as out:
        out.write(blob)
        out.flush()
        os.fsync(out.fileno())


def time_edits(
    store: Store, paper_id: str, edits: Sequence[Callable[[Annotation], Annotation]], reps: int
) -> tuple[list[float], list[str]]:
    """Milliseconds of `reps` one-paper updates, cycling through `edits`.

    Each edit must change the annotation, so that every repetition really writes.
    """
    times: list[float] = []
    problems: list[str] = []
    for i in range(reps):
        edit = edits[i % len(edits)]
        start = time.perf_counter()
        change = store.update([paper_id], edit)
        times.append((time.perf_counter() - start) * 1000)
        if change.changed != [paper_id]:
            problems.append(f"update #{i} changed {change.changed}, expected [{paper_id}]")
    return times, problems


def readlist_command() -> list[str]:
    """How to start the real `readlist` CLI: the venv's script, else `python -m readlist`."""
    script = Path(sys.executable).with_name("readlist")
    if script.exists():
        return [str(script)]
    found = shutil.which("readlist")
    return [found] if found else [sys.executable, "-m", "readlist"]


def wall_time(
    argv: list[str], env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start, done


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("READLIST_DB", None)
    return env


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- one size -------------------------------------------------------------------------------


def bench_size(n: int, seed: int, profile: bool) -> Result:
    """Run every measurement for `n` papers in a fresh temporary directory."""
    result = Result(n)
    listing_path = generate.listing_for(n, seed)
    timer = Timer(PROFILE_DIR / f"n{n}" if profile else None)
    workdir = Path(tempfile.mkdtemp(prefix=f"readlist-bench-{n}-", dir=TMP_ROOT))
    try:
        db = workdir / "library.json"

        log("import into an empty library")
        with timer.phase("parse") as t:
            listing = read_listing(listing_path, today=TODAY)
        result.parse_s = t[0]
        if len(listing.papers) != n or listing.skipped:
            result.problems.append(
                f"parsed {len(listing.papers)} papers and skipped {listing.skipped}, "
                f"expected {n} and 0"
            )
        with timer.phase("store") as t:
            store = Store.open(db)
            (report,) = store.import_listings([listing.papers])
        result.store_s = t[0]
        if len(report.added) != len(listing.papers):
            result.problems.append(f"import added {len(report.added)} of {len(listing.papers)}")
        store.close()
        del store, report
        result.disk_mb = library_mb(db)

        log("re-import into the full library")
        with timer.phase("reimport-parse") as t:
            again = read_listing(listing_path, today=TODAY)
        result.reimport_parse_s = t[0]
        with timer.phase("reimport-store") as t:
            store = Store.open(db)
            (report,) = store.import_listings([again.papers])
        result.reimport_store_s = t[0]
        if report.added or report.updated or report.unchanged != len(again.papers):
            result.problems.append(
                f"re-import: {len(report.added)} added, {len(report.updated)} updated, "
                f"{report.unchanged} unchanged; expected all {len(again.papers)} unchanged"
            )
        del again, report

        log(f"json / orjson baselines (best of {BASELINE_REPEATS})")
        records = [paper_record(p) for p in store.papers()]
        json_times: list[float] = []
        orjson_times: list[float] = []
        for i in range(BASELINE_REPEATS):
            with timer.phase(f"json-{i}") as t:
                write_fsynced(workdir / "baseline.json", json.dumps(records).encode("utf-8"))
            json_times += t
            with timer.phase(f"orjson-{i}") as t:
                write_fsynced(workdir / "baseline.orjson", orjson.dumps(records))
            orjson_times += t
        result.json_s = min(json_times)
        result.orjson_s = min(orjson_times)
        one_id = records[len(records) // 2]["id"]
        del records, listing

        log(f"one-paper edits ({EDIT_REPEATS} each)")
        gc.collect()
        for name, edits in (
            ("tag_ms", (lambda a: a.with_tags_added([TAG]), lambda a: a.with_tags_removed([TAG]))),
            ("rate_ms", (lambda a: a.with_rating(4), lambda a: a.with_rating(2))),
            ("read_ms", (lambda a: a.with_read(not a.read),)),
        ):
            times, problems = time_edits(store, one_id, edits, EDIT_REPEATS)
            setattr(result, name, times)
            result.problems += problems
        store.close()
        del store

        log("CLI tag in a subprocess")
        prefix = one_id[:8]
        seconds, done = wall_time(
            [*readlist_command(), "--db", str(db), "tag", f"id:{prefix}", TAG], cli_env()
        )
        result.cli_tag_s = seconds
        if done.returncode != 0 or "1 paper" not in done.stdout:
            result.problems.append(
                f"CLI tag exited {done.returncode}: {done.stdout.strip()} {done.stderr.strip()}"
            )
        elif TAG not in Store.open(db).annotations()[one_id].tags:
            result.problems.append("CLI tag reported success but the tag is not in the library")
        result.peak_rss_mb = peak_rss_mb()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


# -- reporting ------------------------------------------------------------------------------


def machine_lines() -> list[str]:
    """CPU, cores, Python, library versions and the filesystem the benchmark writes to."""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import version

    versions = ", ".join(f"{m} {version(m)}" for m in ("readlist", "tinydb", "orjson"))
    return [
        f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"python:  {platform.python_implementation()} {platform.python_version()} ({versions})",
        f"tmp dir: {TMP_ROOT} on {filesystem_of(TMP_ROOT)}",
    ]


def filesystem_of(path: Path) -> str:
    """The filesystem type of the mount holding `path` (from /proc/mounts)."""
    best, kind = "", "unknown filesystem"
    target = str(path.resolve())
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                _dev, mount, fstype, *_ = line.split()
                inside = target == mount or target.startswith(mount.rstrip("/") + "/")
                if inside and len(mount) >= len(best):
                    best, kind = mount, fstype
    except OSError:
        pass
    return kind


def startup_line() -> str:
    """Wall time of a bare interpreter and of `readlist --version`, for the CLI column."""
    env = cli_env()
    bare = min(wall_time([sys.executable, "-c", "pass"], env)[0] for _ in range(5))
    version = min(wall_time([*readlist_command(), "--version"], env)[0] for _ in range(5))
    return (
        f"startup: `python -c pass` {bare * 1000:.0f} ms, "
        f"`readlist --version` {version * 1000:.0f} ms (best of 5)"
    )


COLUMNS = (
    ("papers", "papers in the listing"),
    ("parse s", "read_listing (read + decode + parse)"),
    ("store s", "Store.open + import_listings into an empty library"),
    ("import s", "parse + store"),
    ("disk MB", "library.json + .papers.json + .abstracts.json"),
    ("re-imp s", "same listing again into the full library: parse + open + merge"),
    ("(store)", "... of which Store.open + import_listings"),
    ("json s", f"json.dumps of the papers as dicts + write + fsync (best of {BASELINE_REPEATS})"),
    ("orjson s", f"orjson.dumps of the same + write + fsync (best of {BASELINE_REPEATS})"),
    ("imp/oj", "import s / orjson s"),
    ("tag ms", f"Store.update, one paper, tag add/remove: median (of {EDIT_REPEATS})"),
    ("max", "... and maximum"),
    ("rate ms", "Store.update, rating 4 <-> 2: median"),
    ("read ms", "Store.update, read toggle: median"),
    ("CLI tag s", "`readlist --db DB tag id:<prefix> bench` in a subprocess, wall time"),
    ("growth", "import s relative to the previous size (x10 papers: ~x10 if linear)"),
    ("exp", "scaling exponent log(time ratio) / log(size ratio): 1 linear, 2 quadratic"),
    ("RSS MB", "peak resident memory of this process so far"),
)


def table_rows(results: Sequence[Result]) -> list[list[str]]:
    rows = []
    previous: Result | None = None
    for r in results:
        if previous is None:
            growth = exponent = "-"
        else:
            ratio = r.import_s / previous.import_s
            growth = f"x{ratio:.1f}"
            exponent = f"{math.log(ratio) / math.log(r.n / previous.n):.2f}"
        rows.append(
            [
                f"{r.n:,}",
                f"{r.parse_s:.2f}",
                f"{r.store_s:.2f}",
                f"{r.import_s:.2f}",
                f"{r.disk_mb:.1f}",
                f"{r.reimport_s:.2f}",
                f"{r.reimport_store_s:.2f}",
                f"{r.json_s:.3f}",
                f"{r.orjson_s:.3f}",
                f"x{r.import_s / r.orjson_s:.0f}",
                f"{statistics.median(r.tag_ms):.1f}",
                f"{max(r.tag_ms):.1f}",
                f"{statistics.median(r.rate_ms):.1f}",
                f"{statistics.median(r.read_ms):.1f}",
                f"{r.cli_tag_s:.2f}",
                growth,
                exponent,
                f"{r.peak_rss_mb:.0f}",
            ]
        )
        previous = r
    return rows


def format_table(results: Sequence[Result]) -> str:
    header = [name for name, _ in COLUMNS]
    rows = table_rows(results)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    head = "  ".join(cell.rjust(w) for cell, w in zip(header, widths, strict=True))
    rule = "-" * len(head)
    legend = [f"  {name:>9}  {meaning}" for name, meaning in COLUMNS]
    return "\n".join([head, rule, *lines, rule, "columns:", *legend])


IMPORT_TARGET = 3.0  # import <= 3 x the serialize-and-write baseline
EDIT_TARGET_MS = 10.0  # an annotation durable in <= 10 ms (median)
LINEAR_EXPONENT = 1.15  # "never quadratic": x10 papers may cost at most ~x14


def format_targets(results: Sequence[Result]) -> str:
    """The project's targets beside the figures, OK or MISS for each size."""

    def mark(ok: bool) -> str:
        return "OK" if ok else "MISS"

    lines = ["targets:"]
    previous: Result | None = None
    for r in results:
        vs_json = r.import_s / r.json_s
        vs_orjson = r.import_s / r.orjson_s
        edit = statistics.median(r.tag_ms + r.rate_ms + r.read_ms)
        parts = [
            f"import = {vs_json:.1f} x json baseline ({mark(vs_json <= IMPORT_TARGET)}, "
            f"target <= {IMPORT_TARGET:.0f} x), {vs_orjson:.0f} x orjson baseline",
            f"annotation write median {edit:.1f} ms ({mark(edit <= EDIT_TARGET_MS)}, "
            f"target <= {EDIT_TARGET_MS:.0f} ms)",
        ]
        if previous is not None:
            exponent = math.log(r.import_s / previous.import_s) / math.log(r.n / previous.n)
            parts.append(
                f"growth exponent {exponent:.2f} "
                f"({mark(exponent <= LINEAR_EXPONENT)}, linear = 1, quadratic = 2)"
            )
        lines.append(f"  {r.n:>7,}: " + "; ".join(parts))
        previous = r
    return "\n".join(lines)


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be integers, e.g. 1000,10000: {text!r}"
        ) from None
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be positive integers: {text!r}")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated paper counts (default: 1000,10000,100000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic listings")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"also write a cProfile of each phase to {PROFILE_DIR}/n<N>/ (slows timings)",
    )
    args = parser.parse_args(argv)

    print("\n".join(machine_lines()))
    print(startup_line())
    print(f"listing: synthetic, seed {args.seed}; dates resolved as of {TODAY}")
    if args.profile:
        print(f"PROFILING: timings include cProfile overhead; profiles in {PROFILE_DIR}")
    print(flush=True)

    results: list[Result] = []
    for n in sorted(args.sizes):
        print(f"[{n:,} papers]", file=sys.stderr, flush=True)
        started = time.perf_counter()
        generate.listing_for(n, args.seed)
        if (spent := time.perf_counter() - started) > 1:
            log(f"generated the listing in {spent:.1f} s")
        results.append(bench_size(n, args.seed, args.profile))

    print(format_table(results))
    print()
    print(format_targets(results))
    problems = [f"{r.n:,}: {p}" for r in results for p in r.problems]
    if problems:
        print("\nPROBLEMS:")
        print("\n".join(f"  {p}" for p in problems))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
