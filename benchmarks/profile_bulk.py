"""Where a bulk action's time goes, in-process: the app on a cached library, headless.

`bench_tui.py` times a bulk `r` / `u` key -> last frame in a real terminal (its scenario
8); this script splits that time, as `profile_keys.py` does for the filter. It copies
the cached library bench_tui uses (`benchmarks/out/`) to a temporary directory, runs
`ReadListApp` headless (`App.run_test`, 120x40), shows ~1,000 papers with bench_tui's
`id:` filter, marks them with `*`, clears the filter (the marks stay), then presses `r`
and `u`, `--rounds` times each. Each key's time is split by wrapping the methods that do
the work (the writer's job on its thread, the apply, refilter, list, detail, status,
toast) and Textual's screen update (layout + compositor). Then `t`, a tag and Enter on
one paper: the time until the write is durable and what the UI thread did meanwhile.

    python benchmarks/profile_bulk.py [--sizes 1000,100000] [--rounds 3] [--profile]

Figures are CPU time (`time.process_time`, all threads of the process, so the writer's
thread counts in "total"; "writer job" is the writer thread's own CPU time,
`time.thread_time`); the rows starting with "~" are wall-clock times from the key (durable:
the writer's job returned; first and last screen update). "screen updates" counts the
screen updates (not ms) and `--frames`
prints what each one refreshed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bench_store
import bench_tui

from readlist.gcutil import PauseCollector
from readlist.library import Library, Matches
from readlist.session import LibrarySession
from readlist.session import writer as writer_module
from readlist.store import Store
from readlist.tui import app as app_module
from readlist.tui.actions import writing
from readlist.tui.widgets import detail, paper_list, status

ACC: defaultdict[str, float] = defaultdict(float)
_DEPTH: dict[str, int] = defaultdict(int)
FRAMES: list[str] = []
FRAME_TIMES: list[float] = []  # monotonic times at which each screen update ended
DURABLE: list[float] = []  # monotonic times at which a writer job returned
TIMELINE: list[tuple[float, str]] = []  # (monotonic time, what happened), for --timeline


def mark(what: str) -> None:
    TIMELINE.append((time.monotonic(), what))


def _timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is not threading.main_thread() or _DEPTH[name]:
            return func(*args, **kwargs)  # a nested call is inside the outer one's time
        _DEPTH[name] += 1
        start = time.process_time()
        mark(f"{name} starts")
        try:
            return func(*args, **kwargs)
        finally:
            ACC[name] += time.process_time() - start
            _DEPTH[name] -= 1
            mark(f"{name} ends")

    return wrapper


def instrument() -> None:
    from textual.app import App
    from textual.screen import Screen

    targets: list[tuple[str, Any, str]] = [
        ("command done (all)", writing.Writing, "_command_done"),
        ("session.apply", LibrarySession, "apply"),
        ("refilter (all)", app_module.ReadListApp, "refilter"),
        ("filter", Library, "filter"),
        ("order", Matches, "ordered"),
        ("unread", Matches, "unread"),
        ("list.show", paper_list.PaperList, "show"),
        ("list.refresh_rows", paper_list.PaperList, "_refresh_rows"),
        ("list.render_line", paper_list.PaperList, "render_line"),
        ("detail", app_module.ReadListApp, "show_detail"),
        ("detail.render_line", detail.DetailPane, "render_line"),
        ("status", app_module.ReadListApp, "update_status"),
        ("status.show", status.StatusLine, "show"),
        ("picker", app_module.ReadListApp, "_refresh_filter_picker"),
        ("toast (notify)", App, "notify"),
        ("targets (marked ids)", app_module.ReadListApp, "targets"),
        ("key r", app_module.ReadListApp, "action_toggle_read"),
        ("key u", app_module.ReadListApp, "action_undo"),
        ("deliver", writer_module.Writer, "deliver"),
        ("gc at a pause", PauseCollector, "tick"),
        ("screen: layout", Screen, "_refresh_layout"),
        ("screen: compositor", Screen, "_compositor_refresh"),
    ]
    for name, cls, attr in targets:
        setattr(cls, attr, _timed(name, getattr(cls, attr)))
    from textual._styles_cache import StylesCache

    render_widget = StylesCache.render_widget

    def by_widget(self: Any, widget: Any, crop: Any) -> Any:
        start = time.process_time()
        try:
            return render_widget(self, widget, crop)
        finally:
            name = f"  draw {type(widget).__name__}#{widget.id or ''}"
            ACC[name] += time.process_time() - start

    StylesCache.render_widget = by_widget  # type: ignore[method-assign]

    on_timer_update = Screen._on_timer_update

    def logged_update(self: Any) -> None:
        dirty = sorted(f"{type(w).__name__}#{w.id or ''}" for w in self._dirty_widgets)
        if self._layout_required or self._dirty_widgets or self._repaint_required:
            layout = "LAYOUT " if self._layout_required else ""
            scroll = "scroll " if self._scroll_required else ""
            FRAMES.append(f"{layout}{scroll}{' '.join(dirty)}")
            mark("screen update starts")
            on_timer_update(self)
            FRAME_TIMES.append(time.monotonic())
            return
        on_timer_update(self)

    Screen._on_timer_update = logged_update  # type: ignore[method-assign]

    # The writer's job, on its own thread: its CPU time, and when it returned (durable).
    run_job = writer_module.Writer._run

    def job_timer(work: Callable[[Store], Any]) -> Callable[[Store], Any]:
        def timed(store: Store) -> Any:
            start = time.thread_time()
            mark("writer: job starts")
            try:
                return work(store)
            finally:
                ACC["writer job (its thread)"] += time.thread_time() - start
                DURABLE.append(time.monotonic())
                mark("writer: job returns (durable)")

        return timed

    submit = writer_module.Writer.submit

    def timed_submit(self: Any, work: Any, done: Any, failed: Any) -> Any:
        mark("job submitted")
        return submit(self, job_timer(work), done, failed)

    writer_module.Writer.submit = timed_submit  # type: ignore[method-assign]
    del run_job


@contextmanager
def workdir_library(n: int, seed: int) -> Iterator[Path]:
    source = bench_tui.library_for(n, seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"readlist-bulk-{n}-", dir=bench_store.TMP_ROOT))
    try:
        db = workdir / "library" / "library.json"
        shutil.copytree(source, db.parent, ignore=shutil.ignore_patterns(bench_tui.BUILT))
        yield db
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _quiet(pilot: Any, app: Any) -> None:
    """Until the writes are shown and the screen updates are done."""
    await app.settle()
    for _ in range(3):
        await pilot.pause()
        await asyncio.sleep(0.03)
    await pilot.pause()


def print_timeline(title: str, wall: float) -> None:
    """What happened from the key on, in ms (a gc tick that collected nothing left out)."""
    print(f"{title}:")
    starts: dict[str, float] = {}
    for when, what in TIMELINE:
        name, _, edge = what.rpartition(" ")
        if edge == "starts":
            starts[name] = when
            continue
        if edge == "ends":
            begun = starts.pop(name, when)
            if name == "gc at a pause" and when - begun < 0.001:
                continue
            print(f"  {1000 * (begun - wall):7.1f} .. {1000 * (when - wall):7.1f}  {name}")
        else:
            print(f"  {1000 * (when - wall):7.1f}             {what}")


def _wall_figures(figures: dict[str, float], wall: float) -> None:
    """Wall-clock times from the key: durable, first and last screen update."""
    if DURABLE:
        figures["~ durable (wall)"] = DURABLE[0] - wall
    if FRAME_TIMES:
        figures["~ first frame (wall)"] = FRAME_TIMES[0] - wall
        figures["~ last frame (wall)"] = FRAME_TIMES[-1] - wall


async def bulk_keys(
    n: int, db: Path, rounds: int, profile: bool, frames: bool, timeline: bool
) -> dict[str, list[dict[str, float]]]:
    per_key: dict[str, list[dict[str, float]]] = defaultdict(list)
    query, count = bench_tui.bulk_query(db)
    store = Store.open(db)
    app = app_module.ReadListApp(
        store, copy=lambda text, terminal: "x", open_url=lambda url: True, watch_interval=3600
    )
    profiler = cProfile.Profile()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.filter_bar.input.cursor_blink = False
        while not (app.search_ready and app.catalogue_loaded):
            await asyncio.sleep(0.05)
        await pilot.pause(0.5)
        await pilot.press("slash")
        app.filter_bar.input.value = query
        await pilot.pause()
        await pilot.press("enter")
        await _quiet(pilot, app)
        if app.shown != count:
            raise RuntimeError(f"the bulk filter shows {app.shown}, not {count}")
        await pilot.press("asterisk")
        await pilot.press("escape")
        await _quiet(pilot, app)
        await pilot.pause(4)  # the "Marked …" toast gone
        marked = list(app.marks)
        print(f"{n:,} papers: {len(marked):,} marked; {app.shown:,} shown")
        if profile:
            profiler.enable()
        for _ in range(rounds):
            for key in ("r", "u"):
                ACC.clear()
                TIMELINE.clear()
                FRAMES.clear()
                FRAME_TIMES.clear()
                DURABLE.clear()
                start, wall = time.process_time(), time.monotonic()
                await pilot.press(key)
                await _quiet(pilot, app)
                figures = dict(ACC)
                figures["total (process)"] = time.process_time() - start
                figures["screen updates"] = len(FRAMES) / 1000
                _wall_figures(figures, wall)
                if frames:
                    print(f"bulk {key}: " + " | ".join(FRAMES))
                if timeline:
                    print_timeline(f"bulk {key}", wall)
                per_key[f"bulk {key}"].append(figures)
                await pilot.pause(4.5)  # the toast gone: each round starts alike
        await pilot.press("M")
        await _quiet(pilot, app)
        for _ in range(rounds):
            await pilot.press("t")
            await _quiet(pilot, app)
            for char in bench_tui.TAG:
                await pilot.press(char)
            await _quiet(pilot, app)
            ACC.clear()
            TIMELINE.clear()
            FRAMES.clear()
            FRAME_TIMES.clear()
            DURABLE.clear()
            start, wall = time.process_time(), time.monotonic()
            await pilot.press("enter")
            await _quiet(pilot, app)
            figures = dict(ACC)
            figures["total (process)"] = time.process_time() - start
            figures["screen updates"] = len(FRAMES) / 1000
            _wall_figures(figures, wall)
            if frames:
                print("tag enter: " + " | ".join(FRAMES))
            if timeline:
                print_timeline("tag enter", wall)
            per_key["tag enter"].append(figures)
            await pilot.press("down")
            await pilot.pause(4.5)
        profiler.disable()
    store.close()
    if profile:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
    return per_key


def report(n: int, per_key: dict[str, list[dict[str, float]]]) -> None:
    kinds = list(per_key)
    rounds = len(per_key[kinds[0]])
    print(f"\n{n:,} papers: CPU ms per key, median / worst of {rounds}")
    names = sorted({k for kind in per_key.values() for key in kind for k in key})
    print(f"{'step':28}" + "".join(f"{kind:>18}" for kind in kinds))
    for name in names:
        cells = []
        for kind in kinds:
            values = [1000 * key.get(name, 0.0) for key in per_key[kind]]
            cells.append(f"{statistics.median(values):8.2f} / {max(values):6.1f}")
        print(f"{name:28}" + "".join(f"{c:>18}" for c in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=bench_store.parse_sizes, default=[1000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--frames", action="store_true", help="print each key's screen updates")
    parser.add_argument("--timeline", action="store_true", help="print what each key did when")
    args = parser.parse_args()
    instrument()
    for n in args.sizes:
        with workdir_library(n, args.seed) as db:
            per_key = asyncio.run(
                bulk_keys(n, db, args.rounds, args.profile, args.frames, args.timeline)
            )
        report(n, per_key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
