"""Where a query keystroke's time goes, in-process: the app on a cached library, headless.

`bench_query.py` times key -> last frame in a real terminal; this script splits that
time. It copies the library `bench_query.py` uses (cached under `benchmarks/out/`) to a
temporary directory, keeps the word index beside it as a second start would find it,
runs `ReadListApp` headless (`App.run_test`, 120x40, the bench terminal's size) and types
bench_query's queries one key at a time, cold (right after mount) and warm (once the
abstracts are in and search is ready). Each step of a keystroke is timed by wrapping the
method that does it (parse, filter, order, list, detail, status, picker) and Textual's
screen update (layout + compositor), summed per key:

    python benchmarks/profile_keys.py [--sizes 1000,100000] [--profile]

`--profile` also prints cProfile's top functions over the warm keys. Figures are CPU
time of the process (`time.process_time`), so other load on the machine counts less.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bench_query
import bench_store

from readlist.library import Library, Matches
from readlist.search import SearchIndex
from readlist.store import Store
from readlist.tui import app as app_module
from readlist.tui.widgets import detail, filter_bar, paper_list, status

ACC: defaultdict[str, float] = defaultdict(float)
_DEPTH: dict[str, int] = defaultdict(int)
FRAMES: list[str] = []
STEPS = 8  # --by-key prints the costliest steps of each key


def _timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _DEPTH[name]:  # a nested call is inside the outer one's time
            return func(*args, **kwargs)
        _DEPTH[name] += 1
        start = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            ACC[name] += time.process_time() - start
            _DEPTH[name] -= 1

    return wrapper


def instrument() -> None:
    from textual.screen import Screen

    targets: list[tuple[str, Any, str]] = [
        ("parse", filter_bar.FilterBar, "_typed"),
        ("refilter (all)", app_module.ReadListApp, "refilter"),
        ("filter", Library, "filter"),
        ("order", Matches, "ordered"),
        ("unread", Matches, "unread"),
        ("list.show", paper_list.PaperList, "show"),
        ("list.render_line", paper_list.PaperList, "render_line"),
        ("detail", app_module.ReadListApp, "show_detail"),
        ("detail.render_line", detail.DetailPane, "render_line"),
        ("status", app_module.ReadListApp, "update_status"),
        ("status.show", status.StatusLine, "show"),
        ("picker", app_module.ReadListApp, "_refresh_filter_picker"),
        ("screen: layout", Screen, "_refresh_layout"),
        ("screen: compositor", Screen, "_compositor_refresh"),
    ]
    from textual._compositor import Compositor

    from readlist.tui.compositor import SpanCompositor
    from readlist.tui.widgets import scrolling

    # inside "screen: compositor" (and layout): the compositor's own steps, and the
    # drawing of the widgets whose lines it asks for
    targets += [
        ("  update_widgets", Compositor, "update_widgets"),
        ("  render_chops (full)", Compositor, "_render_chops"),
        ("  span_chops", SpanCompositor, "_span_chops"),
        ("  lines PaperList", paper_list.PaperList, "render_lines"),
        ("  lines KeptScrollBar", scrolling.KeptScrollBar, "render_lines"),
        ("  lines DetailPane", detail.DetailPane, "render_lines"),
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
            layout = "layout " if self._layout_required else ""
            scroll = "scroll " if self._scroll_required else ""
            FRAMES.append(f"{layout}{scroll}{' '.join(dirty)}")
        on_timer_update(self)

    Screen._on_timer_update = logged_update  # type: ignore[method-assign]


@contextmanager
def workdir_library(n: int, seed: int) -> Iterator[Path]:
    source, _papers = bench_query.library_for(n, seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"readlist-keys-{n}-", dir=bench_store.TMP_ROOT))
    try:
        db = workdir / "library" / "library.json"
        shutil.copytree(source, db.parent, ignore=shutil.ignore_patterns("built.json"))
        with Store.open(db) as store:
            papers = store.papers()
            index = SearchIndex(papers).build_text_index()
            store.write_word_index(store.catalogue_versions(), [p.id for p in papers], index)
        yield db
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def type_queries(
    n: int, db: Path, profile: bool, frames: bool, by_key: bool = False
) -> dict[str, list[dict[str, float]]]:
    per_key: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    store = Store.open(db)
    app = app_module.ReadListApp(
        store, copy=lambda text, terminal: "x", open_url=lambda url: True, watch_interval=3600
    )
    profiler = cProfile.Profile()
    async with app.run_test(size=(120, 40)) as pilot:
        app.filter_bar.input.cursor_blink = False
        for phase, queries in (("cold", bench_query.COLD), ("warm", bench_query.WARM)):
            if phase == "warm":
                while not (app.search_ready and app.catalogue_loaded):
                    await asyncio.sleep(0.05)
                await pilot.pause(0.5)
                if profile:
                    profiler.enable()
            for query in queries:
                await pilot.press("slash")
                await pilot.pause()
                for end, char in enumerate(query, 1):
                    ACC.clear()
                    FRAMES.clear()
                    start = time.process_time()
                    await pilot.press(char if char != " " else "space")
                    await pilot.pause()  # the screen update runs from a timer: let it
                    await asyncio.sleep(0.03)
                    await pilot.pause()
                    figures = dict(ACC)
                    figures["total (process)"] = time.process_time() - start
                    figures["screen updates"] = len(FRAMES) / 1000
                    if frames:
                        print(f"{phase} {char!r}: " + " | ".join(FRAMES))
                    per_key[phase].append(figures)
                    if by_key:
                        steps = sorted(
                            (v, k) for k, v in figures.items() if k != "total (process)"
                        )[-STEPS:]
                        print(
                            f"{phase} {query[:end]!r}: {1000 * figures['total (process)']:.1f} ms: "
                            + ", ".join(f"{k} {1000 * v:.1f}" for v, k in reversed(steps))
                        )
                await pilot.press("escape")
                await pilot.pause(0.2)
        profiler.disable()
    store.close()
    if profile:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    return per_key


def report(n: int, per_key: dict[str, list[dict[str, float]]]) -> None:
    print(
        f"\n{n:,} papers: per-key CPU ms, median / worst (keys: "
        f"{len(per_key['cold'])} cold, {len(per_key['warm'])} warm)"
    )
    names = sorted({k for phase in per_key.values() for key in phase for k in key})
    print(f"{'step':24} {'cold':>16} {'warm':>16}")
    for name in names:
        cells = []
        for phase in ("cold", "warm"):
            values = [1000 * key.get(name, 0.0) for key in per_key[phase]]
            cells.append(f"{statistics.median(values):7.2f} / {max(values):6.1f}")
        print(f"{name:24} {cells[0]:>16} {cells[1]:>16}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=bench_store.parse_sizes, default=[1000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--frames", action="store_true", help="print each key's screen updates")
    parser.add_argument(
        "--by-key", action="store_true", help="print each key's total and its eight costliest steps"
    )
    args = parser.parse_args()
    instrument()
    for n in args.sizes:
        with workdir_library(n, args.seed) as db:
            per_key = asyncio.run(type_queries(n, db, args.profile, args.frames, args.by_key))
        report(n, per_key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
