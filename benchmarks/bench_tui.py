"""Benchmark of readlist's TUI: start-up, filter, scrolling, annotations, memory.

For each size (default 1k, 10k and 100k papers) this builds a library from a synthetic
listing (see `generate.py`; the library is cached under `benchmarks/out/`, keyed by size,
seed and a hash of readlist's store code), copies it to a fresh temporary directory and
runs the real TUI there as a child process (`tui_child.py`) in a pseudo-terminal of
`COLS`x`ROWS`, with Textual's real Linux driver writing every frame to the terminal.
This process keeps reading the terminal, as a terminal emulator would, so the app never
blocks on its writes; it also timestamps what it reads, to cross-check the child.

Measured (all times from `time.monotonic()`, comparable across the two processes):

3. start-up: from just before this process spawns the child to the first frame after
   which the paper list holds rows (timed in the child at `App._display`). Median of
   `--startup-runs` start-only runs plus the full run. The terminal column says when
   this process read the first row's title from the terminal, as a cross-check;
*. search ready: from spawn until `app.search_ready` became True (polled every 10 ms),
   median of the start-only runs (the full run types while indexing, which may slow it);
4. filter: `/`, then a 10-letter word typed one key at a time, at least `SPACING`
   apart; per key, from posting it to the last frame before the app went quiet (no
   frame for `QUIET` while its event loop kept answering) with the list showing the
   number of papers that prefix matches. Median and worst of the 10 keys, and the
   median time to the first frame (the first visible response). When search was not
   ready at the first frame, the word is also typed right away ("while indexing"),
   until search becomes ready; a key whose frames run past that moment is left out;
5. `down` and `PgDn`, `--presses` of each, key to frame as above: median and worst;
6. `r`, `4`, and `t` + tag + `enter` (timed from `enter`), each on its own paper: from
   the key to the return of `Store.update`, which returns after the fsync and rename.
   Afterwards the library is opened again here to check every edit is on disk;
7. the child's peak RSS (VmHWM, not `ru_maxrss`: see tui_child.peak_rss_mb) at the end
   of the scenario, and its RSS at
   each stage;
8. a bulk action: about 1,000 papers (`BULK`) are shown by an `id:` filter (an OR of id
   prefixes) and marked with `*`, the filter is cleared (the marks stay), then `r` marks
   them all read and `u` undoes it: key to the last frame (the list showing the result)
   and key to durable (the `Store.update`, or `Store.undo`, returned). Once each.

It also reports how much CPU other processes used meanwhile: on a 2-core machine a
test suite running alongside slows every figure. `--trace` prints the screen updates
behind the median key of each kind; `--py-spy DIR` profiles the full runs.

Every step checks it did what it should (rows filtered to the expected count, cursor
moved, edits on disk); a failed check is listed under PROBLEMS and the exit code is 1.
A missed target is only marked MISS. Usage:

    python benchmarks/bench_tui.py [--sizes 1000,10000,100000] [--startup-runs 2]
        [--presses 20] [--trace] [--py-spy DIR] [--rss-trace FILE] [--unsynced-copy]
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import platform
import re
import resource
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import bench_store  # sibling scripts: Python puts a script's own folder on sys.path
import generate
from tui_child import QUIET, SPACING

import readlist
from readlist.importers import read_listing
from readlist.models import Paper
from readlist.session import LibrarySession
from readlist.store import Store

DEFAULT_SIZES = bench_store.DEFAULT_SIZES
TODAY = bench_store.TODAY
CHILD = Path(__file__).resolve().parent / "tui_child.py"
COLS, ROWS = 120, 40
WORD_LENGTH = 10
MAX_WORD_SHARE = 0.5  # the filter word must leave at most this share of papers shown
TAG = "bench"
CHILD_TIMEOUT = 900.0
BUSY_CORES = 0.1  # other processes using more CPU than this during a size is reported
BUILT = "built.json"  # marks a finished library build in the cache
TITLE_PROBE = 12  # characters of the first row's title looked for in the terminal output
# readlist code whose change can change the library files: a new hash rebuilds the cache.
STORE_CODE = ("store/*.py", "importers/*.py", "models.py", "paths.py", "text.py")

# name -> (target, higher is worse); see `Targets`.
FIRST_FRAME_S = 1.0
FILTER_MEDIAN_MS = 16.0
FILTER_WORST_MS = 50.0
SCROLL_MS = 16.0
DURABLE_MS = 10.0
BULK = 1_000  # papers marked for the bulk action (about: whole id prefixes)
BULK_MS = 50.0
RSS_MB = 600.0


def log(message: str) -> None:
    bench_store.log(message)


# -- the library and the filter word ---------------------------------------------------------


def store_code_hash() -> str:
    """A short hash of the readlist sources that decide what a library looks like on disk."""
    root = Path(readlist.__file__).resolve().parent
    digest = hashlib.sha256()
    for pattern in STORE_CODE:
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def library_for(n: int, seed: int) -> Path:
    """The folder holding a built library of the listing for (n, seed), built on first use.

    Built through the Python API (`read_listing`, `Store.import_listings`), then opened
    once more so that the `.bak` copies exist and are current: every measured start is
    then a user's second-or-later start, not the one right after an import.
    """
    name = f"library-v{generate.FORMAT_VERSION}-n{n}-s{seed}-{store_code_hash()}"
    folder = generate.OUT_DIR / name
    marker = folder / BUILT  # written last: the annotations file exists only once edited
    if marker.exists():
        return folder
    for stale in generate.OUT_DIR.glob(f"library-v*-n{n}-s{seed}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    log(f"building the {n:,}-paper library (cached in {folder.name})")
    tmp = generate.OUT_DIR / f".{name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        listing = read_listing(generate.listing_for(n, seed), today=TODAY)
        with Store.open(tmp / "library.json") as store:
            (report,) = store.import_listings([listing.papers])
        # The parser leaves out the few generated papers a reader could not tell from
        # page furniture either (e.g. a title ending with a comma): ~4 per 10,000.
        if len(report.added) < n * 0.999:
            raise RuntimeError(f"the {n:,}-paper listing imported {len(report.added)} papers")
        if len(report.added) != n:
            log(f"the {n:,}-paper listing imported {len(report.added):,} papers")
        with Store.open(tmp / "library.json") as store:
            store.papers()
            store.annotations()
        prime_derived_files(tmp / "library.json")
        (tmp / BUILT).write_text(json.dumps({"n": n, "seed": seed}), encoding="utf-8")
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def prime_derived_files(db: Path) -> None:
    """One TUI start's background stage, as a user's library has had it after its first
    start: the start file, the identity index and the word index, with the papers file's
    fingerprint (above `STAGE_ABOVE` papers; a smaller library has none). Each run then
    starts a copy of it (new inodes), which finds them current by that fingerprint."""
    session = LibrarySession(Store.open(db, start_file=True))
    try:
        for _stage in session.load_catalogue():
            pass
    finally:
        session.close()


@dataclass(frozen=True, slots=True)
class Word:
    """The filter word and how many papers each of its prefixes matches.

    Matching is what readlist's text filter does with no annotations in the library
    (query language v2): a word of the title or the abstract starting with the prefix.
    """

    word: str
    matches: list[int]  # per prefix, title or abstract: shown once full-text search is ready
    in_titles: list[int]  # per prefix, title alone: the least shown while indexing
    in_abstracts: int  # the whole word, abstract alone

    @property
    def total(self) -> int:
        return self.matches[-1]


def choose_word(papers: Sequence[Paper]) -> Word:
    """A `WORD_LENGTH`-letter prefix of a long word common in titles and abstracts.

    Candidates are ranked by how many titles hold a word starting with them; the first
    that also starts words in abstracts and matches at most `MAX_WORD_SHARE` of the
    papers wins. Counts come from readlist's own evaluator (checked against a slow
    reference in tests/test_query_v2.py).
    """
    from readlist.query import parse
    from readlist.search import SearchIndex

    long_word = re.compile(rf"[a-z]{{{WORD_LENGTH},}}")
    in_titles: Counter[str] = Counter()
    for paper in papers:
        in_titles.update({w[:WORD_LENGTH] for w in long_word.findall(paper.title.lower())})
    search = SearchIndex(papers)

    def count(query: str) -> int:
        return search.evaluate(parse(query), {}, {}).bit_count()

    for word, _count in sorted(in_titles.items(), key=lambda kv: (-kv[1], kv[0]))[:50]:
        by_abstract = count(f"abstract:{word}")
        both = count(word)
        if by_abstract and 0 < both <= MAX_WORD_SHARE * len(papers):
            prefixes = [word[: i + 1] for i in range(len(word))]
            return Word(
                word,
                matches=[count(p) for p in prefixes],
                in_titles=[count(f"title:{p}") for p in prefixes],
                in_abstracts=by_abstract,
            )
    raise RuntimeError("no candidate filter word matches both titles and abstracts")


def word_for(library: Path) -> Word:
    """The filter word of a cached library (computed once, kept beside it)."""
    cached = library / "word-v3.json"  # v3: word-prefix matching
    if cached.exists():
        return Word(**json.loads(cached.read_text(encoding="utf-8")))
    log("choosing the filter word")
    with Store.open(library / "library.json") as store:
        papers = store.papers()
    word = choose_word(papers)
    cached.write_text(json.dumps(asdict(word)), encoding="utf-8")
    return word


# -- other load on the machine -------------------------------------------------------------


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has been busy since boot (from /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, stat.readline().split()[1:9]
        )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """CPU seconds used by this process and its finished (waited-for) children."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


class OtherLoad:
    """How much CPU other processes used while a block ran, in cores (1.0 = one core).

    Other work on a 2-core machine (a test suite, a build) slows the app and its
    background threads; the table says so instead of hiding it.
    """

    def __init__(self) -> None:
        self.busy, self.own, self.wall = busy_cpu_s(), own_cpu_s(), time.monotonic()

    def cores(self) -> float:
        wall = time.monotonic() - self.wall
        others = (busy_cpu_s() - self.busy) - (own_cpu_s() - self.own)
        return max(0.0, others / wall) if wall > 0 else 0.0


# -- running the child in a terminal ---------------------------------------------------------


@dataclass(slots=True)
class ChildRun:
    """One run of `tui_child.py`: its report and what the terminal received."""

    spawned: float  # time.monotonic() just before the spawn
    record: dict[str, Any]
    returncode: int | None
    output: bytes
    reads: list[tuple[float, int]]  # (time read, bytes received so far)
    problems: list[str] = field(default_factory=list)
    rss: list[tuple[float, int, int, int]] = field(default_factory=list)  # see RssSampler
    parent_rss_kb: int = 0  # this process's VmRSS just before the spawn (see write_rss_trace)

    def at(self, name: str) -> float | None:
        """Seconds from spawn to the child's monotonic timestamp `name`, if it has one."""
        value = self.record.get(name)
        return None if value is None else value - self.spawned

    def terminal_time(self, text: str) -> float | None:
        """Seconds from spawn until this process had read `text` from the terminal."""
        if not text:
            return None
        index = self.output.find(text.encode("utf-8"))
        if index < 0:
            return None
        end = index + len(text.encode("utf-8"))
        return next((t - self.spawned for t, total in self.reads if total >= end), None)


def child_env() -> dict[str, str]:
    """The user's environment, as a plain terminal would give it, minus what would skew it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TEXTUAL") and k not in ("READLIST_DB", "NO_COLOR", "COLUMNS", "LINES")
    }
    env.update(TERM="xterm-256color", COLORTERM="truecolor", TEXTUAL_ANIMATIONS="none")
    return env


def _take_terminal() -> None:
    """In the child before exec: make the pty (stdin) the controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


RSS_EVERY = 0.005  # s between two samples of the child's /proc/PID/status


class RssSampler(threading.Thread):
    """For --rss-trace: the child's VmRSS, RssAnon and RssFile (+ RssShmem) in kB every
    RSS_EVERY s, as (time.monotonic(), rss, anon, file), from this process (reading
    /proc/PID/status costs the child nothing). Stops when the child has gone."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.path = f"/proc/{pid}/status"
        self.samples: list[tuple[float, int, int, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            fields: dict[str, int] = {}
            try:
                with open(self.path, encoding="ascii") as status:
                    for line in status:
                        if line.startswith(("VmRSS:", "RssAnon:", "RssFile:", "RssShmem:")):
                            name, value = line.split()[:2]
                            fields[name] = int(value)
            except OSError:  # gone
                return
            if "VmRSS:" in fields:
                self.samples.append(
                    (
                        time.monotonic(),
                        fields["VmRSS:"],
                        fields.get("RssAnon:", 0),
                        fields.get("RssFile:", 0) + fields.get("RssShmem:", 0),
                    )
                )
            self.stop.wait(RSS_EVERY)


def run_child(
    argv: list[str], out: Path, timeout: float = CHILD_TIMEOUT, *, sample_rss: bool = False
) -> ChildRun:
    """Run `argv` on a new pty (COLS x ROWS) as its terminal; drain it until the child exits
    (with `sample_rss`, its RSS sampled meanwhile: `ChildRun.rss`)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    out.unlink(missing_ok=True)
    output = bytearray()
    reads: list[tuple[float, int]] = []
    problems: list[str] = []
    parent_rss = own_rss_kb()
    spawned = time.monotonic()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=child_env(),
        start_new_session=True,
        preexec_fn=_take_terminal,
    )
    os.close(slave)
    sampler = RssSampler(proc.pid) if sample_rss else None
    if sampler is not None:
        sampler.start()
    deadline = spawned + timeout
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(master, 1 << 16)
                except OSError:  # EIO: every process holding the slave end has gone
                    data = b""
                if not data:
                    break
                output += data
                reads.append((time.monotonic(), len(output)))
            elif time.monotonic() > deadline:
                problems.append(f"the child ran longer than {timeout:.0f} s and was killed")
                os.killpg(proc.pid, signal.SIGKILL)
                break
        returncode = proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if sampler is not None:
            sampler.stop.set()
            sampler.join()
    record: dict[str, Any] = {}
    if out.exists():
        record = json.loads(out.read_text(encoding="utf-8"))
        problems += record.get("problems", [])
    else:
        tail = bytes(output[-3000:]).decode("utf-8", "replace")
        problems.append(f"the child wrote no report (exit {returncode}); terminal tail:\n{tail}")
    if returncode not in (0, 1) and out.exists():
        problems.append(f"the child exited with {returncode}")
    rss = [] if sampler is None else sampler.samples
    return ChildRun(spawned, record, returncode, bytes(output), reads, problems, rss, parent_rss)


def own_rss_kb() -> int:
    """This process's VmRSS now, in kB."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)


@dataclass(frozen=True, slots=True)
class Settings:
    """The command line's choices."""

    seed: int = 0
    startup_runs: int = 2
    presses: int = 20
    trace: bool = False
    py_spy: Path | None = None  # profile the full run with py-spy into this folder
    rss_trace: Path | None = None  # with --rss-trace: the full run's RSS timeline, here
    unsynced_copy: bool = False  # leave the copies to the kernel's write-back (issue 13)


def bulk_query(db: Path, size: int = BULK) -> tuple[str, int]:
    """A filter showing about `size` papers: an OR of whole `id:` prefixes, each short
    enough to hold at most ~100 papers; and how many papers it shows."""
    ids = [p.id for p in Store.open(db).papers(with_abstracts=False)]
    length = 1
    while len(ids) / 16**length > 100:
        length += 1
    counts: dict[str, int] = {}
    for pid in ids:
        counts[pid[:length]] = counts.get(pid[:length], 0) + 1
    chosen, total = [], 0
    for prefix in sorted(counts):
        if total >= size:
            break
        chosen.append(f"id:{prefix}")
        total += counts[prefix]
    return " OR ".join(chosen), total


def child_argv(
    db: Path,
    out: Path,
    mode: str,
    word: Word,
    presses: int,
    *,
    trace: bool = False,
    bulk: tuple[str, int] = ("", 0),
) -> list[str]:
    return [
        sys.executable,
        str(CHILD),
        f"--db={db}",
        f"--out={out}",
        f"--mode={mode}",
        f"--word={word.word}",
        f"--expect={','.join(map(str, word.matches))}",
        f"--expect-titles={','.join(map(str, word.in_titles))}",
        f"--tag={TAG}",
        f"--presses={presses}",
        f"--bulk-query={bulk[0]}",
        f"--bulk-count={bulk[1]}",
        *(["--trace"] if trace else []),
    ]


def py_spy_prefix(folder: Path, n: int) -> list[str]:
    """`py-spy record` of the whole child, all threads, as a speedscope profile."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("--py-spy needs py-spy: pip install py-spy")
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"tui-n{n}.speedscope.json"
    return [py_spy, "record", "--rate", "200", "--format", "speedscope", "-o", str(out), "--"]


# -- one size --------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    """Everything measured for one size, in seconds or milliseconds as named."""

    n: int
    word: Word
    first_frame_s: list[float] = field(default_factory=list)  # one per run
    no_start_file_s: float | None = None  # a copy whose start file was deleted
    terminal_s: float | None = None  # full run: first row's title read from the pty
    search_ready_s: list[float] = field(default_factory=list)
    ready_at_first_frame: bool = True
    phases: dict[str, float] = field(default_factory=dict)
    indexing_filter_ms: list[float] = field(default_factory=list)
    filter_ms: list[float] = field(default_factory=list)
    down_ms: list[float] = field(default_factory=list)
    pagedown_ms: list[float] = field(default_factory=list)
    # key -> FIRST frame (the first visible response), for the same keys
    filter_first_ms: list[float] = field(default_factory=list)
    down_first_ms: list[float] = field(default_factory=list)
    pagedown_first_ms: list[float] = field(default_factory=list)
    page_rows: int = 0
    read_ms: list[float] = field(default_factory=list)
    rate_ms: list[float] = field(default_factory=list)
    tag_ms: list[float] = field(default_factory=list)
    # each r / 4 / tag enter in the order pressed: key, ms to durable, ms before its
    # Store.update started, and that call's steps ([name, ms, span]; tui_child.Updates)
    durable_presses: list[tuple[str, float, float | None, list[list[Any]]]] = field(
        default_factory=list
    )
    bulk_marked: int = 0
    bulk_read_frame_ms: list[float] = field(default_factory=list)
    bulk_read_ms: list[float] = field(default_factory=list)
    bulk_undo_frame_ms: list[float] = field(default_factory=list)
    bulk_undo_ms: list[float] = field(default_factory=list)
    rss_mb: float = 0.0
    rss_stages: dict[str, float] = field(default_factory=dict)
    frames: int = 0
    trace: list[str] = field(default_factory=list)  # with --trace: the formatted timelines
    indexing_keys: int = 0  # filter keys typed and drawn before search was ready
    indexing_overlap: int = 0  # ... and keys left out: their frames ran past that moment
    other_cores: float = 0.0  # CPU other processes used during this size's runs, in cores
    not_quiet: int = 0  # measured keys whose frames had not stopped after MAX_WAIT
    problems: list[str] = field(default_factory=list)


def frame_ms(presses: list[dict[str, Any]], what: str, problems: list[str]) -> list[float]:
    """Key-to-last-frame times; a key that drew nothing is a problem (it must echo)."""
    times = []
    for i, press in enumerate(presses):
        if press["frame_ms"] is None:
            problems.append(f"{what} #{i} ({press['key']!r}): no frame after the key")
        else:
            times.append(press["frame_ms"])
    return times


def first_ms(presses: list[dict[str, Any]]) -> list[float]:
    return [p["first_ms"] for p in presses if p["first_ms"] is not None]


def durable_ms(presses: list[dict[str, Any]]) -> list[float]:
    return [(p["durable"] - p["posted"]) * 1000 for p in presses if p["durable"] is not None]


def check_on_disk(db: Path, ids: list[str]) -> list[str]:
    """Open the library afresh and check each annotated paper is read, rated 4, tagged."""
    problems = []
    annotations = Store.open(db).annotations()
    for pid in ids:
        note = annotations.get(pid)
        if note is None:
            problems.append(f"{pid}: no annotation on disk")
        elif not (note.read and note.rating == 4 and TAG in note.tags):
            problems.append(
                f"{pid}: on disk read={note.read} rating={note.rating} tags={note.tags}, "
                f"expected read, 4 and {TAG!r}"
            )
    return problems


def flush_copy(folder: Path) -> None:
    """fsync every file of a copy just made, and the folder: the copy's ~0.6 GB at 100k
    is on disk before the runs start, not written back ~30 s later (the kernel's
    dirty_expire_centisecs) while they measure. Unflushed, that write-back stalled the
    first fsync that came after it by 0.2-0.8 s: the full run's "-> durable" worst at
    100k was one such press (its parts: the annotations file's fsync), not readlist's
    own work. A user's library is long on disk when they press a key."""
    for path in [*folder.iterdir(), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def bench_size(n: int, settings: Settings) -> Result:
    """Start-only runs, then the full scenario, in a fresh copy of the cached library."""
    startup_runs, presses = settings.startup_runs, settings.presses
    library = library_for(n, settings.seed)
    word = word_for(library)
    result = Result(n, word)
    load = OtherLoad()
    log(f"filter word {word.word!r}: {word.total:,} papers ({word.in_titles[-1]:,} by title)")
    workdir = Path(tempfile.mkdtemp(prefix=f"readlist-tui-{n}-", dir=bench_store.TMP_ROOT))
    try:
        db = workdir / "library" / "library.json"
        # copy2 keeps mtimes, so the .bak copies stay current (no backup at start-up)
        shutil.copytree(library, db.parent, ignore=shutil.ignore_patterns(BUILT, "word-*.json"))
        if not settings.unsynced_copy:
            flush_copy(db.parent)
        runs: list[ChildRun] = []
        if startup_runs:
            # The rare start: no start file at all (the first start after an upgrade
            # that changed its format). In a copy of its own, so the others keep theirs.
            bare = workdir / "bare" / "library.json"
            shutil.copytree(library, bare.parent, ignore=shutil.ignore_patterns(BUILT, "word-*"))
            for path in bare.parent.glob("library.start*.json"):
                path.unlink()
            if not settings.unsynced_copy:
                flush_copy(bare.parent)
            log("start-up run without a start file")
            run = run_child(
                child_argv(bare, workdir / "bare.json", "startup", word, 0), workdir / "bare.json"
            )
            result.problems += [f"start-up run without a start file: {p}" for p in run.problems]
            result.no_start_file_s = run.at("first_papers_frame")
            shutil.rmtree(bare.parent, ignore_errors=True)
        for i in range(startup_runs):
            log(f"start-up run {i + 1}/{startup_runs}")
            run = run_child(
                child_argv(db, workdir / "startup.json", "startup", word, 0),
                workdir / "startup.json",
            )
            runs.append(run)
            result.problems += [f"start-up run {i + 1}: {p}" for p in run.problems]
            if (ready := run.at("search_ready")) is not None:
                result.search_ready_s.append(ready)
        log("full scenario")
        bulk = bulk_query(db)
        log(f"bulk action on {bulk[1]:,} papers")
        argv = child_argv(
            db, workdir / "full.json", "full", word, presses, trace=settings.trace, bulk=bulk
        )
        if settings.py_spy is not None:
            argv = py_spy_prefix(settings.py_spy, n) + argv
        full = run_child(argv, workdir / "full.json", sample_rss=settings.rss_trace is not None)
        if settings.rss_trace is not None:
            write_rss_trace(settings.rss_trace, n, full)
        result.other_cores = load.cores()
        runs.append(full)
        result.problems += full.problems
        for run in runs:
            if (first := run.at("first_papers_frame")) is not None:
                result.first_frame_s.append(first)
        record = full.record
        if not result.search_ready_s and (ready := full.at("search_ready")) is not None:
            result.search_ready_s.append(ready)
        if not record:
            return result
        result.ready_at_first_frame = bool(record["search_ready_at_first_frame"])
        title = record["first_row_title"]
        result.terminal_s = full.terminal_time(title[:TITLE_PROBE])
        if result.terminal_s is None:
            result.problems.append(f"the first row's title {title!r} never reached the terminal")
        result.phases = {
            "imports": record["imported"] - full.spawned,
            "Store.open": record["store_opened"] - record["imported"],
            "ReadListApp()": record["app_built"] - record["store_opened"],
            "run -> frame": (record["first_papers_frame"] or record["run_called"])
            - record["run_called"],
        }
        problems = result.problems
        # A key whose frames run into the moment search became ready also shows the app's
        # own refilter at that moment: not a while-indexing figure, so left out.
        ready = record["search_ready"]
        indexing = [
            p
            for p in record["indexing_filter"]
            if ready is None or p["last_frame"] is None or p["last_frame"] < ready
        ]
        result.indexing_filter_ms = frame_ms(indexing, "indexing filter", problems)
        result.indexing_keys = len(indexing)
        result.indexing_overlap = len(record["indexing_filter"]) - len(indexing)
        result.filter_ms = frame_ms(record["filter"], "filter", problems)
        result.down_ms = frame_ms(record["down"], "down", problems)
        result.pagedown_ms = frame_ms(record["pagedown"], "pagedown", problems)
        result.filter_first_ms = first_ms(record["filter"])
        result.down_first_ms = first_ms(record["down"])
        result.pagedown_first_ms = first_ms(record["pagedown"])
        result.page_rows = record["page_rows"]
        result.read_ms = durable_ms(record["read"])
        result.rate_ms = durable_ms(record["rate"])
        result.tag_ms = durable_ms(record["tag"])
        result.durable_presses = [
            (
                p["key"],
                (p["durable"] - p["posted"]) * 1000,
                (parts["started"] - p["posted"]) * 1000 if parts else None,
                parts["steps"] if parts else [],
            )
            for trio in zip(record["read"], record["rate"], record["tag"], strict=False)
            for p in trio
            if p["durable"] is not None
            for parts in [p.get("durable_parts")]
        ]
        result.bulk_marked = record["bulk_marked"]
        result.bulk_read_frame_ms = frame_ms(record["bulk_read"], "bulk r", problems)
        result.bulk_read_ms = durable_ms(record["bulk_read"])
        result.bulk_undo_frame_ms = frame_ms(record["bulk_undo"], "bulk u", problems)
        result.bulk_undo_ms = durable_ms(record["bulk_undo"])
        for name in ("filter", "down", "pagedown", "read", "rate", "tag"):
            if len(record[name]) != (WORD_LENGTH if name == "filter" else presses):
                problems.append(f"{name}: {len(record[name])} measurements")
        measured = [
            p for name in ("indexing_filter", "filter", "down", "pagedown") for p in record[name]
        ]
        result.not_quiet = sum(not p["quiet"] for p in measured)
        result.frames = len(record["frames"])
        result.rss_mb = record["peak_rss_mb"]
        result.rss_stages = record["rss_mb"]
        if settings.trace:
            result.trace = format_trace(n, record)
        result.problems += check_on_disk(db, record["annotated"])
        if len(record["annotated"]) != presses:
            result.problems.append(f"{len(record['annotated'])} papers annotated, not {presses}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def write_rss_trace(path: Path, n: int, run: ChildRun) -> None:
    """Append the full run's RSS timeline to `path`: one line per sample (s from spawn,
    VmRSS, RssAnon, RssFile MB) and, in time order among them, the child's events: the
    background stage's steps (start and end, tui_child.STEPS), keys posted, first frame,
    search ready. Then the peak sample and what ran at that moment."""
    record = run.record
    events: list[tuple[float, str]] = []
    for name, start, end in record.get("steps", []):
        events += [(start, f"> {name}"), (end, f"< {name} ({(end - start) * 1000:.0f} ms)")]
    for kind in ("indexing_filter", "filter", "down", "pagedown", "read", "rate", "tag"):
        for press in record.get(kind, []):
            events.append((press["posted"], f"key {kind} {press['key']!r}"))
    for press in record.get("keys", []):  # bench_query's keys
        if press.get("posted") is not None:
            what = f"key {press.get('phase')} {press.get('kind')} {press.get('prefix')!r}"
            events.append((press["posted"], what))
    for name in ("first_papers_frame", "search_ready", "scenario_done"):
        if record.get(name) is not None:
            events.append((record[name], name))
    lines = [
        f"# {n:,} papers: t (s from spawn)  VmRSS  RssAnon  RssFile (MB) | event",
        f"# this process's VmRSS at the spawn: {run.parent_rss_kb / 1024:.1f} MB; the child's "
        f"peak (VmHWM): {record.get('peak_rss_mb', 0):.1f} MB, its ru_maxrss "
        f"{record.get('ru_maxrss_mb', 0):.1f} MB",
    ]
    rows = [
        (t, f"{t - run.spawned:8.3f} {r / 1024:7.1f} {a / 1024:7.1f} {f / 1024:7.1f}")
        for t, r, a, f in run.rss
    ]
    rows += [(t, f"{t - run.spawned:8.3f} {'':>23} | {what}") for t, what in events]
    lines += [text for _, text in sorted(rows, key=lambda row: row[0])]
    if run.rss:
        t, r, a, f = max(run.rss, key=lambda sample: sample[1])
        running = [name for name, start, end in record.get("steps", []) if start <= t <= end]
        lines.append(
            f"# peak {r / 1024:.1f} MB (anon {a / 1024:.1f}, file {f / 1024:.1f}) at "
            f"{t - run.spawned:.3f} s; steps running: {', '.join(running) or 'none'}"
        )
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def format_trace(n: int, record: dict[str, Any]) -> list[str]:
    """For each kind of key, what happened after its median press: screen updates (and
    whether they wrote a frame) and full garbage collections, in ms from the key."""
    lines = []
    frames = record["frames"]
    for name in ("indexing_filter", "filter", "down", "pagedown"):
        timed = sorted((p for p in record[name] if p["frame_ms"] is not None), key=_frame_ms)
        if not timed:
            continue
        press = timed[len(timed) // 2]
        posted, last = press["posted"], press["last_frame"]
        lines.append(
            f"{n:,} papers, {name} {press['key']!r}: median key, last frame at "
            f"{press['frame_ms']:.1f} ms"
        )
        for kind, start, end, layout, dirty in record["trace"]:
            if posted <= start <= last:
                drew = any(start <= t <= end for t in frames)
                what = "update" + (" +layout" if layout else "") + (" -> frame" if drew else "")
                widgets = ", ".join(dirty[:6]) + (", ..." if len(dirty) > 6 else "")
                lines.append(
                    f"  {(start - posted) * 1000:7.1f} .. {(end - posted) * 1000:7.1f} ms  "
                    f"{what if kind == 'update' else 'full GC':<24} {widgets}"
                )
    return lines


def _frame_ms(press: dict[str, Any]) -> float:
    return float(press["frame_ms"])


# -- reporting -------------------------------------------------------------------------------


def machine_lines() -> list[str]:
    """CPU, cores, OS, Python, Textual and the terminal the child gets."""
    cpu = bench_store.machine_lines()[0]
    versions = ", ".join(f"{m} {version(m)}" for m in ("textual", "rich", "readlist", "tinydb"))
    return [
        cpu,
        f"python:  {platform.python_implementation()} {platform.python_version()} ({versions})",
        f"terminal: pty {COLS}x{ROWS}, TERM=xterm-256color, TEXTUAL_ANIMATIONS=none; "
        f"keys {1000 * SPACING:.0f} ms apart, quiet after {1000 * QUIET:.0f} ms "
        "without a frame",
    ]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def worst(values: Sequence[float]) -> float | None:
    return max(values) if values else None


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a figure per size, with an optional target (value <= target)."""

    label: str
    unit: str
    get: Callable[[Result], float | None]
    target: float | None = None
    digits: int = 0
    note: str = ""


def _median(name: str) -> Callable[[Result], float | None]:
    return lambda r: median(getattr(r, name))


def _worst(name: str) -> Callable[[Result], float | None]:
    return lambda r: worst(getattr(r, name))


def rows(presses: int, startup_runs: int) -> list[Row]:
    """The table's lines; a target applies to the figure on its own line."""
    first = "first visible response"
    return [
        Row("3. first frame showing papers", "s", _median("first_frame_s"), FIRST_FRAME_S, 2,
            f"spawn -> frame with rows; median of {startup_runs + 1} run(s)"),
        Row("   ... slowest run", "s", _worst("first_frame_s"), None, 2),
        Row("   ... run 1: a copied library", "s",
            lambda r: r.first_frame_s[0] if r.first_frame_s else None, FIRST_FRAME_S, 2,
            "new inodes: derived files current by fingerprint"),
        Row("   ... no start file", "s", lambda r: r.no_start_file_s, None, 2,
            "rare: the first start after an upgrade; a copy, start file deleted"),
        Row("   ... title read from the pty", "s", lambda r: r.terminal_s, None, 2,
            "full run: when this process read the first row's title"),
        Row("   search ready", "s", _median("search_ready_s"), None, 2,
            "spawn -> app.search_ready is True"),
        Row("4. filter, per key: median", "ms", _median("filter_ms"), FILTER_MEDIAN_MS, 1,
            f"key -> last frame; {WORD_LENGTH} keys once search is ready"),
        Row("   filter, per key: worst", "ms", _worst("filter_ms"), FILTER_WORST_MS, 1),
        Row("   filter, per key: first frame", "ms", _median("filter_first_ms"), None, 1,
            f"median; {first}"),
        Row("   filter while indexing: median", "ms", _median("indexing_filter_ms"), None, 1,
            "typed right after the first frame, if search was not ready"),
        Row("   filter while indexing: worst", "ms", _worst("indexing_filter_ms"), None, 1),
        Row("5. down: median", "ms", _median("down_ms"), SCROLL_MS, 1,
            f"key -> last frame; {presses} presses"),
        Row("   down: worst", "ms", _worst("down_ms"), SCROLL_MS, 1),
        Row("   down: first frame", "ms", _median("down_first_ms"), None, 1, f"median; {first}"),
        Row("   PgDn: median", "ms", _median("pagedown_ms"), SCROLL_MS, 1,
            f"key -> last frame; {presses} presses"),
        Row("   PgDn: worst", "ms", _worst("pagedown_ms"), SCROLL_MS, 1),
        Row("   PgDn: first frame", "ms", _median("pagedown_first_ms"), None, 1,
            f"median; {first}"),
        Row("6. r (read) -> durable: median", "ms", _median("read_ms"), DURABLE_MS, 1,
            f"key -> Store.update returned; {presses} papers"),
        Row("   4 (rate) -> durable: median", "ms", _median("rate_ms"), DURABLE_MS, 1),
        Row("   tag enter -> durable: median", "ms", _median("tag_ms"), DURABLE_MS, 1,
            "t, type the tag, then timed from enter"),
        Row("   all three -> durable: worst", "ms",
            lambda r: worst([*r.read_ms, *r.rate_ms, *r.tag_ms]), None, 1),
        Row("7. peak RSS", "MB", lambda r: r.rss_mb or None, RSS_MB, 0,
            "VmHWM of the TUI process, full run"),
        Row("8. bulk r -> frame", "ms", _median("bulk_read_frame_ms"), BULK_MS, 1,
            f"~{BULK:,} papers marked (*), r: key -> last frame; once"),
        Row("   bulk r -> durable", "ms", _median("bulk_read_ms"), BULK_MS, 1,
            "key -> Store.update returned"),
        Row("   its u (undo) -> frame", "ms", _median("bulk_undo_frame_ms"), BULK_MS, 1),
        Row("   its u (undo) -> durable", "ms", _median("bulk_undo_ms"), BULK_MS, 1,
            "key -> Store.undo returned"),
        Row("   papers marked", "", lambda r: r.bulk_marked or None, None, 0),
    ]  # fmt: skip


def cell(value: float | None, row: Row) -> str:
    if value is None:
        return "n/a"
    text = f"{value:,.{row.digits}f}"
    if row.target is None:
        return text
    return f"{text} {'OK' if value <= row.target else 'MISS'}"


def format_table(results: Sequence[Result], presses: int, startup_runs: int) -> str:
    table_rows = rows(presses, startup_runs)
    header = ["", "target", *(f"{r.n:,} papers" for r in results), "how"]
    body = []
    for row in table_rows:
        target = f"<= {row.target:g} {row.unit}" if row.target is not None else row.unit
        body.append([row.label, target, *(cell(row.get(r), row) for r in results), row.note])
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first, second, *figures, note = cells
        parts = [first.ljust(widths[0]), second.ljust(widths[1])]
        parts += [c.rjust(w) for c, w in zip(figures, widths[2:-1], strict=True)]
        return "  ".join([*parts, note]).rstrip()

    head = line(header)
    rule = "-" * len(head)
    lines = [head, rule, *(line(b) for b in body), rule]
    for r in results:
        phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in r.phases.items())
        lines.append(f"{r.n:>7,}: start-up = {phases}")
        # Run 1 starts a fresh copy of the library (new inodes, as a restored backup or
        # a synced folder): its derived files are current by the papers file's
        # fingerprint, and restamped; the others are later starts, by signature.
        each = ", ".join(f"{seconds:.2f}" for seconds in r.first_frame_s)
        lines.append(f"{'':>7}  first frame of each run: {each} s (run 1: a copied library)")
        busy = f"other processes used {r.other_cores:.2f} cores during these runs"
        if r.other_cores > BUSY_CORES:
            busy = f"WARNING: {busy}: figures are slowed by them"
        lines.append(f"{'':>7}  {busy}")
        lines += durable_lines(r)
        stages = ", ".join(f"{name} {mb:.0f}" for name, mb in r.rss_stages.items())
        lines.append(f"{'':>7}  RSS MB after: {stages}")
        lines.append(
            f"{'':>7}  filter word {r.word.word!r} matches {r.word.total:,} papers "
            f"({r.word.in_titles[-1]:,} by title, {r.word.in_abstracts:,} by abstract); "
            f"search ready at first frame: {r.ready_at_first_frame}"
            + (
                f" ({r.indexing_keys} filter key(s) done before it was"
                + (
                    f", {r.indexing_overlap} more left out: they ran past it"
                    if r.indexing_overlap
                    else ""
                )
                + ")"
                if not r.ready_at_first_frame
                else ""
            )
            + "; "
            f"page = {r.page_rows} rows; {r.frames} frames written"
            + (f"; {r.not_quiet} keys never went quiet" if r.not_quiet else "")
        )
    return "\n".join(lines)


def durable_lines(r: Result) -> list[str]:
    """Each r / 4 / tag enter -> durable (ms, in the order pressed), and the slowest
    one by part: the wait before its `Store.update` started (the writer's queue, the
    GIL), then each fsync, fdatasync and rename the call made (tui_child.Updates)."""
    if not r.durable_presses:
        return []
    each = " ".join(f"{ms:.1f}" for _key, ms, _wait, _steps in r.durable_presses)
    lines = [f"{'':>7}  r / 4 / tag -> durable, ms, as pressed: {each}"]
    key, ms, wait, steps = max(r.durable_presses, key=lambda press: press[1])
    if wait is not None:
        synced = sum(step_ms for _name, step_ms, span in steps if not span)
        shown = ", ".join(
            f"{name} {step_ms:.1f}" + (" (holding the next ones)" if span else "")
            for name, step_ms, span in steps
        )
        lines.append(
            f"{'':>7}  slowest: {key!r} {ms:.1f} ms = {wait:.1f} before Store.update, "
            f"{synced:.1f} in its syncs and renames ({shown}), {ms - wait - synced:.1f} the rest"
        )
    return lines


def compile_readlist() -> str:
    """Compile readlist's modules to bytecode before measuring, as `pip install` does for
    a user. With PYTHONDONTWRITEBYTECODE set (as in this project's shells) and no cache,
    every start compiled the TUI's ~60 modules from source: ~0.15 s of each first frame."""
    import compileall

    import readlist

    folder = Path(readlist.__file__).parent
    ok = compileall.compile_dir(folder, quiet=1)
    return f"bytecode: readlist's modules compiled first ({folder}){'' if ok else ': FAILED'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=bench_store.parse_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated paper counts (default: 1000,10000,100000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic listings")
    parser.add_argument(
        "--startup-runs", type=int, default=2, help="start-only runs before the full one"
    )
    parser.add_argument("--presses", type=int, default=20, help="presses of each measured key")
    parser.add_argument(
        "--trace",
        action="store_true",
        help="print, for the median key of each kind, the screen updates it caused",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="profile each full run with py-spy into DIR (slows every figure of that run)",
    )
    parser.add_argument(
        "--rss-trace",
        type=Path,
        metavar="FILE",
        help="sample the full run's RSS every 5 ms; write it with the stage's steps and keys",
    )
    parser.add_argument(
        "--unsynced-copy",
        action="store_true",
        help="do not fsync the library's copies (as before: their write-back ~30 s later "
        "stalls the fsyncs of the presses then)",
    )
    args = parser.parse_args(argv)
    if args.rss_trace is not None and args.py_spy is not None:
        parser.error("--rss-trace samples the child process, which --py-spy replaces: use one")
    if args.rss_trace is not None:
        args.rss_trace.write_text("", encoding="utf-8")
    settings = Settings(
        args.seed,
        args.startup_runs,
        args.presses,
        args.trace,
        args.py_spy,
        args.rss_trace,
        args.unsynced_copy,
    )

    print("\n".join(machine_lines()))
    print(compile_readlist())
    print(f"library: synthetic listing, seed {args.seed}, imported as of {TODAY}", flush=True)
    print()
    results: list[Result] = []
    for n in sorted(args.sizes):
        print(f"[{n:,} papers]", file=sys.stderr, flush=True)
        results.append(bench_size(n, settings))

    if args.py_spy:
        print(f"PROFILED with py-spy (profiles in {args.py_spy}): full-run figures are slowed")
    print(format_table(results, args.presses, args.startup_runs))
    if args.trace:
        print("\n".join(["", *(line for r in results for line in r.trace)]))
    problems = [f"{r.n:,}: {p}" for r in results for p in r.problems]
    if problems:
        print("\nPROBLEMS:")
        print("\n".join(f"  {p}" for p in problems))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
