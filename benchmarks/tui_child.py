"""The TUI side of `bench_tui.py`: runs readlist's app in a real terminal and drives it.

`bench_tui.py` starts this script as a child process whose stdin, stdout and stderr are
the slave end of a pseudo-terminal, so Textual runs with its real Linux driver and
writes every frame to a terminal, as it would for a user. The script:

1. opens the library (`Store.open`) and builds `BenchApp`, a `ReadListApp` subclass that
   only observes: it wraps `App._display` (called once per frame Textual writes to the
   terminal) to log frame times, and `Store.update` (which returns once the annotation
   file is fsync'ed and renamed into place) to log when each annotation became durable;
2. notes the first frame after which the paper list holds rows (`#papers`'s
   `selection.rows` is non-empty): the first frame showing papers;
3. polls `app.search_ready` every 10 ms and notes when it became True;
4. in ``--mode full``, drives a scenario by posting real key events to the app
   (`App.post_message(events.Key(...))`, as Textual's own Pilot does through its driver),
   one at a time, and measures each key from the moment it was posted:

   - key -> frame: the time of the last frame written after the key before the app went
     quiet: no new frame for `QUIET` seconds while the event loop kept answering (see
     `BenchApp._quiet`), and, for filter keys, the list showing as many papers as that
     prefix of the word matches. Also kept: the first frame after the key (the first
     visible response). Keys are at least `SPACING` apart, like a fast typist. The filter
     input's cursor blink is turned off so that blink frames do not count;
   - key -> durable: when the first `Store.update` (or `Store.undo`) after the key
     returned;
   - a bulk action: the filter `--bulk-query` (about 1,000 papers), `*` marks them all,
     the filter is cleared (the marks stay), then `r` marks them all read and `u` undoes
     it: each key to its last frame (once the list shows the result) and to durable.

   Every step checks that it did what it should (rows filtered, cursor moved, the edit
   written for the paper under the cursor) and records a problem otherwise;
5. writes everything, with the peak RSS (VmHWM: `peak_rss_mb`), as JSON to the output file and
   exits through `App.exit()`.

All times are `time.monotonic()` (CLOCK_MONOTONIC, system-wide), so the parent can put
them on its own clock: it notes `time.monotonic()` just before it spawns this process.

    python benchmarks/tui_child.py --db LIBRARY --out TIMINGS.json --word WORD [--mode M]
"""

from __future__ import annotations

import time

CHILD_START = time.monotonic()  # before the heavy imports, which start-up includes

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import gc  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import stat  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Callable, Iterable, Iterator  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path, PurePath  # noqa: E402
from typing import Any  # noqa: E402

from rich.console import RenderableType  # noqa: E402
from textual import events  # noqa: E402
from textual.screen import Screen  # noqa: E402
from textual.widgets import Input  # noqa: E402

from readlist.catalogue import LazyPapers  # noqa: E402
from readlist.gcutil import gc_paused  # noqa: E402
from readlist.search import SearchIndex  # noqa: E402
from readlist.store import Store  # noqa: E402
from readlist.store.history import HistoryFile  # noqa: E402
from readlist.store.store import Change, Edit, Undone  # noqa: E402
from readlist.textindex import WordIndex  # noqa: E402
from readlist.tui.app import ReadListApp  # noqa: E402

IMPORTED = time.monotonic()

QUIET = 0.080  # no frame for this long after a key: the app has finished with it
TICK = 0.005  # how often the quiet check wakes up
LATE = 0.020  # a wake-up this late means the event loop was busy: not quiet
SPACING = 0.150  # keys are at least this far apart (a fast typist)
MAX_WAIT = 5.0  # a key whose frames have not stopped after this long is reported as such
DURABLE_WAIT = 10.0  # an annotation key must reach disk within this long
FIRST_FRAME_WAIT = 300.0
SEARCH_READY_WAIT = 600.0
POLL = 0.010  # search_ready poll period
SETTLE = 0.5  # pause between quiet checks before a measured phase

# Key name -> the character a terminal would send (what Pilot does for these keys).
CHARACTERS: dict[str, str | None] = {
    "slash": "/",
    "enter": "\r",
    "escape": "\x1b",
    "down": None,
    "pagedown": None,
    "home": None,
    "asterisk": "*",
}


@dataclass(slots=True)
class Press:
    """One measured key."""

    key: str
    posted: float  # monotonic time the key event was posted
    frames: int = 0  # frames written after it, until quiet
    first_frame: float | None = None  # the first of them: the first visible response
    last_frame: float | None = None  # the last of them: the app has finished with the key
    quiet: bool = True  # False: frames still came MAX_WAIT after the key
    done: bool = True  # False: the key's expected result never showed
    durable: float | None = None  # when the Store.update it caused returned
    durable_parts: dict[str, Any] | None = None  # that call's start and steps (`Updates`)

    @property
    def frame_ms(self) -> float | None:
        return None if self.last_frame is None else (self.last_frame - self.posted) * 1000

    @property
    def first_ms(self) -> float | None:
        return None if self.first_frame is None else (self.first_frame - self.posted) * 1000


@dataclass(slots=True)
class Record:
    """What the child reports (written as JSON)."""

    mode: str
    child_start: float = CHILD_START
    imported: float = IMPORTED
    store_opened: float = 0.0
    app_built: float = 0.0
    run_called: float = 0.0
    mounted: float | None = None
    first_frame: float | None = None
    first_papers_frame: float | None = None
    first_papers_rows: int = 0
    first_row_title: str = ""
    search_ready_at_first_frame: bool | None = None
    search_ready: float | None = None
    total_papers: int = 0
    indexing_filter: list[dict[str, Any]] = field(default_factory=list)
    indexing_filter_shown: int | None = None
    filter: list[dict[str, Any]] = field(default_factory=list)
    filter_shown: int | None = None
    down: list[dict[str, Any]] = field(default_factory=list)
    pagedown: list[dict[str, Any]] = field(default_factory=list)
    page_rows: int = 0
    read: list[dict[str, Any]] = field(default_factory=list)
    rate: list[dict[str, Any]] = field(default_factory=list)
    tag: list[dict[str, Any]] = field(default_factory=list)
    annotated: list[str] = field(default_factory=list)  # ids that got r, 4 and the tag
    bulk_marked: int = 0  # papers `*` marked for the bulk action
    bulk_read: list[dict[str, Any]] = field(default_factory=list)  # r on the marked papers
    bulk_undo: list[dict[str, Any]] = field(default_factory=list)  # u, undoing it
    frames: list[float] = field(default_factory=list)
    updates: list[float] = field(default_factory=list)
    scenario_done: float | None = None
    peak_rss_mb: float = 0.0
    ru_maxrss_mb: float = 0.0  # for comparison: includes the parent's (peak_rss_mb)
    rss_mb: dict[str, float] = field(default_factory=dict)  # current RSS at each stage
    trace: list[list[Any]] = field(default_factory=list)  # with --trace: see trace_updates
    steps: list[list[Any]] = field(default_factory=list)  # [name, start, end]: see time_steps
    problems: list[str] = field(default_factory=list)


def rss_mb() -> float:
    """This process's resident set size now (VmRSS), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB: of its own memory only.

    Not `ru_maxrss`: Linux keeps that across `execve`, from the memory the process had
    before it (the forked copy of its parent, or with vfork the parent's own peak), so a
    child spawned by a benchmark that had just built a 100k library in-process reported
    the parent's ~700 MB as its peak. VmHWM belongs to the address space, new at exec."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def trace_updates(log: list[list[Any]]) -> None:
    """For --trace: log each screen update (start, end, layout?, widgets repainted) and
    each full (generation 2) garbage collection (start, end), on the app's clock."""
    original = Screen._on_timer_update

    def on_timer_update(screen: Screen[Any]) -> None:
        start = time.monotonic()
        layout = screen._layout_required
        dirty = sorted(f"{type(w).__name__}#{w.id}" for w in screen._dirty_widgets)
        original(screen)
        log.append(["update", start, time.monotonic(), layout, dirty])

    Screen._on_timer_update = on_timer_update  # type: ignore[method-assign,assignment]
    started: list[float] = []

    def collected(phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            started[:] = [time.monotonic()]
        elif started:
            log.append(["gc2", started[0], time.monotonic(), False, []])

    gc.callbacks.append(collected)


# The background stage's long steps (session/__init__.py, load_catalogue), by the method
# each calls, so that an RSS timeline (bench_tui.py --rss-trace) can name what ran.
STEPS: tuple[tuple[Any, str], ...] = (
    (Store, "vouch_for_papers"),
    (Store, "keep_start_file"),
    (Store, "keep_fingerprints"),
    (Store, "abstracts"),
    (Store, "word_index_of_copy"),
    (Store, "release_catalogue_cache"),
    (Store, "catalogue_versions"),
    (Store, "fold_word_index"),
    (Store, "write_word_index"),
    (LazyPapers, "with_abstracts"),
    (WordIndex, "pin_short_prefixes"),  # (the title index's runs inside make_title_index)
    (SearchIndex, "make_title_index"),
    (SearchIndex, "make_text_index"),
    (SearchIndex, "use_stored_index"),
    (SearchIndex, "texts"),
    (WordIndex, "warm"),
    (ReadListApp, "_catalogue_ready"),  # the swap, on the UI thread
    (ReadListApp, "_abstracts_loaded"),
)


def time_steps(log: list[list[Any]]) -> None:
    """Log each call of the STEPS methods (name, start, end; `time.monotonic()`), on the
    class, so the stores and indexes the app makes are covered. Changes no behaviour."""
    for owner, name in STEPS:
        original = getattr(owner, name, None)
        if original is None:  # older code: not there
            continue

        def timed(*args: Any, _original: Any = original, _name: str = name, **kw: Any) -> Any:
            start = time.monotonic()
            try:
                return _original(*args, **kw)
            finally:
                on = "" if threading.current_thread() is not threading.main_thread() else " (UI)"
                log.append([_name + on, start, time.monotonic()])

        setattr(owner, name, timed)


class Updates:
    """Wraps `Store.update` and `Store.undo` (on the class, so any Store the app makes is
    covered); an undo is logged with the ids it restored and no change.

    Each call's parts are logged too (`parts`, one list per call, beside `log`): when it
    started, and each fsync, fdatasync and rename it made on its thread, with how long
    each took (ms), and the history file's whole rewrites (`HistoryFile.write`: a new
    file, or a compaction). A durable figure far above the median names its slow step.
    """

    def __init__(self) -> None:
        self.log: list[tuple[float, list[str], Change | None]] = []
        self.parts: list[dict[str, Any]] = []  # one per `log` entry, in the same order
        self._open = threading.local()
        original: Callable[..., Change] = Store.update
        original_undo: Callable[..., Undone | None] = Store.undo

        def update(
            store: Store, ids: Iterable[str], edit: Edit, *, label: str | None = None
        ) -> Change:
            with self._call() as parts:
                change = original(store, ids, edit, label=label)
            self.log.append((time.monotonic(), list(change.after), change))
            self.parts.append(parts)
            return change

        def undo(store: Store) -> Undone | None:
            with self._call() as parts:
                undone = original_undo(store)
            self.log.append((time.monotonic(), [] if undone is None else undone.restored, None))
            self.parts.append(parts)
            return undone

        Store.update = update  # type: ignore[method-assign,assignment]
        Store.undo = undo  # type: ignore[method-assign]
        self._time_calls()

    @contextlib.contextmanager
    def _call(self) -> Iterator[dict[str, Any]]:
        parts: dict[str, Any] = {"started": time.monotonic(), "steps": []}
        outer = getattr(self._open, "parts", None)
        self._open.parts = parts if outer is None else outer
        try:
            yield parts
        finally:
            self._open.parts = outer

    def _step(self, name: str, start: float) -> None:
        """Log a step of the open call: [name, ms, False]."""
        parts = getattr(self._open, "parts", None)
        if parts is not None:
            parts["steps"].append([name, round((time.monotonic() - start) * 1000, 2), False])

    @contextlib.contextmanager
    def _span(self, name: str) -> Iterator[None]:
        """A step that holds the steps logged after it until it ends (a history rewrite
        holds its own fsyncs and rename): [name, ms, True], logged before them."""
        parts = getattr(self._open, "parts", None)
        step: list[Any] = [name, 0.0, True]
        if parts is not None:
            parts["steps"].append(step)
        start = time.monotonic()
        try:
            yield
        finally:
            step[1] = round((time.monotonic() - start) * 1000, 2)

    def _time_calls(self) -> None:
        """fsync, fdatasync and rename, and the history's whole rewrites, timed while a
        wrapped call runs on the calling thread (other threads' calls are not logged)."""
        fsync, fdatasync, replace = os.fsync, getattr(os, "fdatasync", None), os.replace
        write_history = HistoryFile.write

        def timed_fsync(fd: Any) -> None:
            start = time.monotonic()
            fsync(fd)
            is_dir = isinstance(fd, int) and stat.S_ISDIR(os.fstat(fd).st_mode)
            self._step("fsync(folder)" if is_dir else "fsync", start)

        def timed_fdatasync(fd: Any) -> None:
            start = time.monotonic()
            assert fdatasync is not None
            fdatasync(fd)
            self._step("fdatasync", start)

        def timed_replace(*args: Any, **kwargs: Any) -> None:
            start = time.monotonic()
            replace(*args, **kwargs)
            self._step("rename", start)

        def timed_write(history_file: HistoryFile, *args: Any, **kwargs: Any) -> None:
            with self._span("history rewrite"):
                write_history(history_file, *args, **kwargs)

        os.fsync = timed_fsync
        if fdatasync is not None:
            os.fdatasync = timed_fdatasync
        os.replace = timed_replace
        HistoryFile.write = timed_write  # type: ignore[method-assign]


def _app_css_paths() -> list[str | PurePath]:
    """ReadListApp's CSS_PATH made absolute: Textual resolves a relative one against the
    file of the app's class, which for the subclass below would be this file."""
    value = ReadListApp.CSS_PATH
    paths = [] if value is None else list(value) if isinstance(value, list) else [value]
    base = Path(inspect.getfile(ReadListApp)).parent
    return [p if Path(p).is_absolute() else base / p for p in paths]


class BenchApp(ReadListApp):
    """ReadListApp plus frame logging and a scripted user; it changes no behaviour."""

    CSS_PATH = _app_css_paths()  # type: ignore[assignment]

    def __init__(self, store: Store, record: Record, args: argparse.Namespace) -> None:
        super().__init__(
            store,
            copy=lambda text, terminal: "bench",
            open_url=lambda url: True,
            watch_interval=3600,
        )
        self.record = record
        self.args = args
        self.frame_log: list[float] = record.frames
        self.updates: Updates = args.updates
        self.first_papers = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # -- observing -------------------------------------------------------------------------

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        if renderable is None:
            return
        now = time.monotonic()
        self.frame_log.append(now)
        record = self.record
        if record.first_frame is None:
            record.first_frame = now
        if record.first_papers_frame is None:
            rows = self._shown_rows()
            if rows:
                record.first_papers_frame = now
                record.rss_mb["first frame"] = rss_mb()
                record.first_papers_rows = len(rows)
                record.search_ready_at_first_frame = bool(getattr(self, "search_ready", True))
                try:
                    record.first_row_title = self.library.papers[rows[0]].title
                except Exception:  # the title is only a cross-check for the parent
                    record.first_row_title = ""
                self.first_papers.set()

    def _shown_rows(self) -> list[int]:
        try:
            return list(self.query_one("#papers").selection.rows)  # type: ignore[attr-defined]
        except Exception:  # not mounted yet, or another screen is up
            return []

    def on_mount(self) -> None:
        self.record.mounted = time.monotonic()
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._poll_search_ready()))
        self._tasks.append(loop.create_task(self._run_scenario()))

    async def _poll_search_ready(self) -> None:
        while not getattr(self, "search_ready", True):
            await asyncio.sleep(POLL)
        self.record.search_ready = time.monotonic()
        self.record.rss_mb["search ready"] = rss_mb()

    # -- driving ---------------------------------------------------------------------------

    async def _run_scenario(self) -> None:
        record = self.record
        try:
            await asyncio.wait_for(self.first_papers.wait(), FIRST_FRAME_WAIT)
            if self.args.mode == "full":
                await self._scenario()
            else:
                await self._wait_search_ready()
        except Exception:
            record.problems.append("scenario crashed:\n" + traceback.format_exc())
        finally:
            record.scenario_done = time.monotonic()
            record.updates = [t for t, _ids, _change in self.updates.log]
            record.rss_mb["end"] = rss_mb()
            record.peak_rss_mb = peak_rss_mb()
            record.ru_maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            Path(self.args.out).write_text(json.dumps(asdict(record)), encoding="utf-8")
            self.exit()

    async def _wait_search_ready(self) -> None:
        deadline = time.monotonic() + SEARCH_READY_WAIT
        while self.record.search_ready is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"search_ready still False after {SEARCH_READY_WAIT:.0f} s")
            await asyncio.sleep(POLL)

    def problem(self, text: str) -> None:
        self.record.problems.append(text)

    async def _quiet(self, since: float, longest: float = MAX_WAIT) -> bool:
        """Wait until the app is quiet: for QUIET seconds, no new frame and no busy loop.

        Quiet is judged by this coroutine's own wake-ups on the app's event loop: a new
        frame, or a wake-up more than LATE behind schedule (a handler or a render held
        the loop), starts the count again. So a handler that blocks the loop for longer
        than QUIET and then draws is not mistaken for silence. False if the app was
        still not quiet `longest` seconds after `since`.
        """
        frames = len(self.frame_log)
        calm_since = time.monotonic()
        while True:
            asked = time.monotonic()
            await asyncio.sleep(TICK)
            now = time.monotonic()
            if len(self.frame_log) != frames or now - asked > TICK + LATE:
                frames = len(self.frame_log)
                calm_since = now
            elif now - calm_since >= QUIET:
                return True
            if now - since > longest:
                return False

    async def settle(self) -> None:
        """Let the app finish what it is doing before a measured phase."""
        await self._quiet(time.monotonic(), longest=30.0)
        await asyncio.sleep(SETTLE)
        await self._quiet(time.monotonic(), longest=30.0)

    async def press(
        self, key: str, *, durable: bool = False, done: Callable[[], bool] | None = None
    ) -> Press:
        """Post one key, wait until the app is quiet again (and `done()`), and time it.

        With `done`, quiet is not enough: the wait goes on, up to MAX_WAIT, until `done()`
        is true at a quiet moment (a result drawn after a debounce or by a worker counts).
        """
        character = CHARACTERS.get(key, key)
        updates_before = len(self.updates.log)
        frames_before = len(self.frame_log)
        posted = time.monotonic()
        self.post_message(events.Key(key, character))
        press = Press(key, posted)
        if durable:
            deadline = posted + DURABLE_WAIT
            while len(self.updates.log) == updates_before and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            if len(self.updates.log) > updates_before:
                press.durable = self.updates.log[updates_before][0]
                press.durable_parts = self.updates.parts[updates_before]
        while True:
            press.quiet = await self._quiet(posted)
            if not press.quiet or done is None or done():
                break
            if time.monotonic() - posted > MAX_WAIT:
                break
        press.done = done is None or done()
        after = self.frame_log[frames_before:]
        press.frames = len(after)
        press.first_frame = after[0] if after else None
        press.last_frame = after[-1] if after else None
        # The next key no sooner than SPACING after this one.
        if (wait := posted + SPACING - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        return press

    async def type_filter(self, *, while_indexing: bool) -> list[Press]:
        """Type the filter word one key at a time; each key is done when the list shows
        what that prefix matches. While indexing, stop once search is ready."""
        presses = []
        for i, char in enumerate(self.args.word):
            if while_indexing and self.record.search_ready is not None:
                break
            low, high = self.args.expect_titles[i], self.args.expect[i]
            if not while_indexing:
                low = high

            def done(
                low: int = low, high: int = high, prefix: str = self.args.word[: i + 1]
            ) -> bool:
                return self.filter_bar.value == prefix and low <= self.shown <= high

            press = await self.press(char, done=done)
            presses.append(press)
            if not press.done:
                when = "while indexing" if while_indexing else "after search ready"
                self.problem(
                    f"filter {when}, key #{i} ({char!r}): the input holds "
                    f"{self.filter_bar.value!r} and {self.shown} papers are shown; expected "
                    f"{self.args.word[: i + 1]!r} and {low}..{high} papers"
                )
        return presses

    async def _scenario(self) -> None:
        args = self.args
        record = self.record
        record.total_papers = len(self.library.papers)
        self.filter_bar.input.cursor_blink = False

        # Filter while the full-text index is still being built, if it is.
        if not getattr(self, "search_ready", True):
            await self.press("slash")
            presses = await self.type_filter(while_indexing=True)
            record.indexing_filter = [_press_dict(p) for p in presses]
            record.indexing_filter_shown = self.shown
            await self._clear_filter()

        await self._wait_search_ready()
        await self.settle()

        # 4. Filter latency per keystroke.
        await self.press("slash")
        if self.focused is not self.filter_bar.input:
            self.problem(f"'/' did not focus the filter input (focus: {self.focused!r})")
        presses = await self.type_filter(while_indexing=False)
        record.filter = [_press_dict(p) for p in presses]
        record.filter_shown = self.shown
        if not 0 < self.shown < len(self.library.papers):
            self.problem(f"the filter word shows {self.shown} of {len(self.library.papers)}")
        await self._clear_filter()
        await self.settle()

        # 5. Scrolling.
        record.page_rows = self.papers.scrollable_content_region.height
        for key, out in (("down", record.down), ("pagedown", record.pagedown)):
            for i in range(args.presses):
                before = self.papers.selection.cursor
                press = await self.press(key)
                after = self.papers.selection.cursor
                moved = after - before
                expected = 1 if key == "down" else max(1, record.page_rows - 1)
                if moved != expected:
                    self.problem(f"{key} #{i}: cursor moved {before} -> {after}, not by {expected}")
                if press.last_frame is None:
                    self.problem(f"{key} #{i}: no frame was written")
                out.append(_press_dict(press))
        await self.press("home")
        if self.papers.selection.cursor != 0:
            self.problem(f"home left the cursor on row {self.papers.selection.cursor}")
        await self.settle()

        # 6. Annotations, each on its own paper: r, 4, then t + tag + enter; then down.
        for i in range(args.presses):
            pid = self._current_id()
            record.annotated.append(pid)
            record.read.append(await self._annotate("r", pid, i))
            record.rate.append(await self._annotate("4", pid, i))
            await self.press("t")
            if len(self.screen_stack) < 2:
                self.problem(f"t #{i}: no tag editor opened")
                continue
            for inp in self.screen.query(Input):
                inp.cursor_blink = False
            for char in args.tag:
                await self.press(char)
            record.tag.append(await self._annotate("enter", pid, i))
            if len(self.screen_stack) != 1:
                self.problem(f"enter #{i}: the tag editor is still open")
            await self.press("down")

        if args.bulk_query:
            await self._bulk()

    async def _bulk(self) -> None:
        """7. A bulk action: ~1,000 papers marked with `*` under a filter, then `r`, `u`."""
        args, record = self.args, self.record
        await self.settle()
        await self.press("slash")
        self.filter_bar.input.value = args.bulk_query  # typed at once: not measured here
        await self.press("enter", done=lambda: self.shown == args.bulk_count)
        if self.shown != args.bulk_count:
            self.problem(f"the bulk filter shows {self.shown}, not {args.bulk_count}")
        await self.press("asterisk")
        marked = list(self.marks)
        record.bulk_marked = len(marked)
        if len(marked) != args.bulk_count:
            self.problem(f"* marked {len(marked)} papers, not {args.bulk_count}")
        await self._clear_filter()  # the marks stay: r acts on them, hidden or not
        await self.settle()
        was = {pid: self.library.annotation(pid).read for pid in marked}
        # r marks them all read unless all are read already (then all unread).
        target = not all(was.values())

        def all_read() -> bool:
            return all(self.library.annotation(pid).read == target for pid in marked)

        def all_back() -> bool:
            return all(self.library.annotation(pid).read == was[pid] for pid in marked)

        for key, done, out in (
            ("r", all_read, record.bulk_read),
            ("u", all_back, record.bulk_undo),
        ):
            before = len(self.updates.log)
            press = await self.press(key, durable=True, done=done)
            if not press.done:
                self.problem(f"bulk {key}: the library does not show the result")
            if press.durable is None:
                self.problem(f"bulk {key}: nothing was written within {DURABLE_WAIT:.0f} s")
            else:
                _t, ids, _change = self.updates.log[before]
                if len(ids) < len(marked) - sum(was[p] == target for p in marked):
                    self.problem(f"bulk {key}: wrote {len(ids)} papers")
            out.append(_press_dict(press))
        await self.press("M")

    def _current_id(self) -> str:
        position = self.papers.current
        if position is None:
            raise RuntimeError("no paper under the cursor")
        return self.library.papers[position].id

    async def _annotate(self, key: str, pid: str, i: int) -> dict[str, Any]:
        before = len(self.updates.log)
        press = await self.press(key, durable=True)
        if press.durable is None:
            self.problem(f"{key} #{i}: nothing was written within {DURABLE_WAIT:.0f} s")
        else:
            _t, ids, change = self.updates.log[before]
            if ids != [pid] or change.changed != [pid]:
                self.problem(f"{key} #{i}: wrote {change.changed} (ids {ids}), expected [{pid}]")
        return _press_dict(press)

    async def _clear_filter(self) -> None:
        await self.press("escape")
        await self._quiet(time.monotonic(), longest=30.0)
        if self.shown != len(self.library.papers):
            self.problem(f"escape left {self.shown} of {len(self.library.papers)} papers shown")
        if self.focused is not self.papers:
            self.problem(f"escape did not return focus to the list (focus: {self.focused!r})")


def _press_dict(press: Press) -> dict[str, Any]:
    out = asdict(press)
    out["frame_ms"] = press.frame_ms
    out["first_ms"] = press.first_ms
    return out


def _counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def build_app(make: Callable[[Store], BenchApp], db: Path, record: Record) -> BenchApp:
    """Open the library and build the app as `readlist` does (tui/run.py,
    `LibrarySession.open`): from the start file when it is current, with the collector off
    until the session has frozen what it loaded; note when each step ended.

    Every child opens it here: bench_query's and bench_nav's opened it with a plain
    `Store.open(db)`, which reads and checks the whole papers file (the start file is only
    read with `start_file=True`), so their first frame was the rare start without a start
    file (1.0-1.2 s at 100k, bench_tui's 0.61 s)."""
    with gc_paused():
        quick = "start_file" in inspect.signature(Store.open).parameters
        store = Store.open(db, start_file=True) if quick else Store.open(db)
        record.store_opened = time.monotonic()
        record.rss_mb["Store.open"] = rss_mb()
        app = make(store)
        record.app_built = time.monotonic()
        record.rss_mb["ReadListApp()"] = rss_mb()
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--mode", choices=("full", "startup"), default="full")
    parser.add_argument("--word", default="", help="the filter word to type")
    parser.add_argument(
        "--expect", type=_counts, default=[], help="papers each prefix of the word matches"
    )
    parser.add_argument(
        "--expect-titles", type=_counts, default=[], help="... by title alone, comma-separated"
    )
    parser.add_argument("--tag", default="bench")
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--bulk-query", default="", help="a filter showing ~1,000 papers")
    parser.add_argument("--bulk-count", type=int, default=0, help="... how many it shows")
    parser.add_argument("--trace", action="store_true", help="log screen updates and full GCs")
    args = parser.parse_args(argv)
    record = Record(mode=args.mode)
    args.updates = Updates()
    time_steps(record.steps)
    if args.trace:
        trace_updates(record.trace)
    record.rss_mb["imports"] = rss_mb()
    try:
        app = build_app(lambda store: BenchApp(store, record, args), args.db, record)
        record.run_called = time.monotonic()
        app.run()
    except BaseException:
        record.problems.append("child crashed:\n" + traceback.format_exc())
        args.out.write_text(json.dumps(asdict(record)), encoding="utf-8")
        raise
    return 0 if not record.problems else 1


if __name__ == "__main__":
    sys.exit(main())
