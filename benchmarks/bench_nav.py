"""`down` and PgDn in the TUI, by CPU: what a move costs the app's thread, key to frame.

`bench_tui.py` times `down` and PgDn by the wall clock, which on a shared 2-core machine
measures the other processes as much as the app. This script runs the same app in the
same pseudo-terminal (`bench_tui.run_child`, `tui_child.BenchApp`) and, for each key,
also reads the app thread's own CPU time (`time.thread_time`) from the moment the key is
posted to the end of the last frame it caused, split into the work before the screen
update (the key's handlers) and the screen update itself (styling, compositing and
writing the frame: `Screen._on_timer_update`). It counts the screen updates and layout
passes each key caused. CPU time still grows a little with load (caches shared with
other processes), so compare old and new code in alternating runs.

Before the run, the word index is kept beside the copied library (as `bench_query.py`
does), so search is ready soon after the first frame and the keys are pressed in the
same state as in `bench_tui.py` (abstracts loaded, no filter).

    python benchmarks/bench_nav.py [--sizes 1000,10000,100000] [--presses 40]
        [--profile DIR] [--keys down,pagedown,filter] [--word "video OR robot"]

`--word` types another query than `language` into the filter (a space is a key too). A
query with prefixes that do not parse (`title:`, `video OR`) has keys that show or hide
the filter's error message: the table then gives those keys' figures on rows of their own
("filter, error shown/hidden"), beside the keys that left the query valid or invalid.

`--profile DIR` also writes a cProfile of the app thread during the keys of each kind
(`DIR/nav-n<size>-<key>.prof`; read it with `python -m pstats`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bench_query  # sibling scripts: Python puts a script's own folder on sys.path
import bench_store
import bench_tui

KEYS = ("down", "pagedown", "filter")
FILTER_WORD = "language"
"""`filter`: this word typed into the filter one key at a time (each letter is a key),
then cleared with Esc and `/` again (not measured), until `--presses` letters were typed."""


def log(message: str) -> None:
    bench_store.log(message)


def bench_size(
    n: int,
    seed: int,
    presses: int,
    profile: Path | None,
    kinds: Sequence[str] = KEYS,
    word: str = FILTER_WORD,
) -> dict[str, Any]:
    source, papers = bench_query.library_for(n, seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"readlist-nav-{n}-", dir=bench_store.TMP_ROOT))
    try:
        db = workdir / "library" / "library.json"
        shutil.copytree(source, db.parent, ignore=shutil.ignore_patterns(bench_tui.BUILT))
        log(f"{n:,} papers: word index")
        bench_query.prepare(db)
        out = workdir / "nav.json"
        argv = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            f"--db={db}",
            f"--out={out}",
            f"--presses={presses}",
            f"--keys={','.join(kinds)}",
            f"--word={word}",
            *([f"--profile={profile}/nav-n{n}"] if profile is not None else []),
        ]
        load = bench_tui.OtherLoad()
        log(f"{n:,} papers: moving")
        run = bench_tui.run_child(argv, out)
        return {
            "n": n,
            "papers": papers,
            "problems": run.problems,
            "other_cores": load.cores(),
            "keys": run.record.get("keys", []),
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


TOGGLED, STEADY = "filter, error shown/hidden", "filter, error unchanged"


def _group(key: dict[str, Any], group: str) -> bool:
    """Whether a key's record belongs to a row group: its kind, or (filter keys) whether it
    showed or hid the error message."""
    if group == TOGGLED:
        return key["key"] == "filter" and bool(key.get("toggled"))
    if group == STEADY:
        return key["key"] == "filter" and not key.get("toggled")
    return bool(key["key"] == group)


def format_table(results: Sequence[dict[str, Any]], kinds: Sequence[str] = KEYS) -> str:
    header = ["median (of presses)", *(f"{r['n']:,}" for r in results)]
    lines = [header]
    groups = list(kinds)
    if "filter" in kinds and any(k.get("toggled") for r in results for k in r["keys"]):
        groups += [TOGGLED, STEADY]
    for key in groups:
        for label, name in (
            ("key -> last frame, wall ms", "frame_ms"),
            ("CPU ms, key -> last frame", "cpu_ms"),
            ("... before the screen update", "cpu_before_ms"),
            ("... in screen updates", "cpu_update_ms"),
            ("screen updates / layouts", "updates"),
        ):
            cells = [f"{key}: {label}"]
            for r in results:
                keys = [k for k in r["keys"] if _group(k, key)]
                if name == "updates":
                    ups = statistics.median(k["updates"] for k in keys) if keys else None
                    lays = sum(k["layouts"] for k in keys)
                    cells.append("-" if ups is None else f"{ups:g} / {lays} in all")
                    continue
                values = [k[name] for k in keys if k[name] is not None]
                cells.append(f"{statistics.median(values):.2f}" if values else "-")
            lines.append(cells)
    for key in groups:
        names = sorted({name for r in results for k in r["keys"] for name in k.get("parts", {})})
        for name in names:
            cells = [f"{key}: {name}"]
            for r in results:
                values = [k["parts"].get(name, 0.0) for k in r["keys"] if _group(k, key)]
                cells.append(f"{statistics.median(values):.2f}" if values else "-")
            lines.append(cells)
    lines.append(["other processes' CPU", *(f"{r['other_cores']:.2f} cores" for r in results)])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    text = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in lines
    ]
    text.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=bench_store.parse_sizes, default=list(bench_store.DEFAULT_SIZES)
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--profile", type=Path)
    parser.add_argument(
        "--keys", default=",".join(KEYS), help="which kinds, of: " + ", ".join(KEYS)
    )
    parser.add_argument(
        "--word",
        default=FILTER_WORD,
        help="the query typed for `filter` keys (default: %(default)s)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    bench_tui.compile_readlist()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    kinds = [k for k in args.keys.split(",") if k]
    if unknown := sorted(set(kinds) - set(KEYS)):
        parser.error(f"unknown key kinds: {', '.join(unknown)}")
    if not args.word:
        parser.error("--word must not be empty")
    results = [
        bench_size(n, args.seed, args.presses, args.profile, kinds, args.word) for n in args.sizes
    ]
    print(format_table(results, kinds))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    problems = [f"{r['n']:,}: {p}" for r in results for p in r["problems"]]
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


# -- the child: the TUI in the pseudo-terminal ------------------------------------------------


def _time_parts() -> dict[str, float]:
    """With NAV_PARTS set: the app thread's CPU time in parts of a screen update, by
    wrapping Textual's functions (the wrappers cost a little themselves)."""
    from textual import _compositor, widget
    from textual.app import App

    parts: dict[str, float] = {}

    def wrap(owner: Any, name: str, label: Callable[[Any], str] | None = None) -> None:
        original = getattr(owner, name)

        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return original(self, *args, **kwargs)
            finally:
                key = label(self) if label else f"{owner.__name__}.{name}"
                parts[key] = parts.get(key, 0.0) + time.thread_time() - start

        setattr(owner, name, timed)

    wrap(widget.Widget, "render_lines", lambda w: f"render_lines {type(w).__name__}#{w.id}")
    # The list and the detail pane draw their own lines (styled-line cache): by widget too,
    # else they hide inside Compositor._render_chops. And a filter key's handler, by part.
    from readlist.tui.app import ReadListApp
    from readlist.tui.widgets.detail import DetailPane
    from readlist.tui.widgets.paper_list import PaperList
    from readlist.tui.widgets.status import StatusLine

    wrap(PaperList, "render_lines", lambda w: f"PaperList.render_lines (all of it) #{w.id}")
    wrap(DetailPane, "render_lines", lambda w: f"DetailPane.render_lines (all of it) #{w.id}")
    wrap(PaperList, "show")
    wrap(DetailPane, "show")
    wrap(StatusLine, "show")
    wrap(ReadListApp, "refilter")
    wrap(ReadListApp, "update_status")
    wrap(_compositor.Compositor, "_render_chops")
    wrap(_compositor.ChopsUpdate, "render_segments")
    wrap(App, "_display")
    wrap(_compositor.Compositor, "update_widgets")
    return parts


def child_main(args: argparse.Namespace) -> int:
    import cProfile
    import traceback
    from dataclasses import asdict

    import tui_child
    from rich.console import RenderableType
    from textual.screen import Screen

    keys: list[dict[str, Any]] = []
    # The app thread's CPU time at the end of each frame, and in screen updates so far.
    frame_cpu: list[float] = []
    spent = {"update": 0.0, "updates": 0, "layouts": 0}
    original_update = Screen._on_timer_update

    def on_timer_update(screen: Screen[Any]) -> None:
        start = time.thread_time()
        layout = screen._layout_required
        try:
            original_update(screen)
        finally:
            spent["update"] += time.thread_time() - start
            spent["updates"] += 1
            spent["layouts"] += bool(layout)

    CHARACTERS = tui_child.CHARACTERS
    CHARACTERS["space"] = " "
    Screen._on_timer_update = on_timer_update  # type: ignore[method-assign,assignment]
    parts = _time_parts() if os.environ.get("NAV_PARTS") else {}

    class NavApp(tui_child.BenchApp):
        def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                frame_cpu.append(time.thread_time())

        async def _scenario(self) -> None:
            await self._wait_search_ready()
            await self.settle()
            self.filter_bar.input.cursor_blink = False
            for kind in args.keys.split(","):
                profiler = cProfile.Profile() if args.profile else None
                typed = 0
                for i in range(args.presses):
                    key = kind
                    if kind == "filter":
                        if typed == 0:  # (not measured: into an empty filter)
                            if self.filter_bar.value:
                                await self.press("escape")
                            await self.press("slash")
                            await self.settle()
                        char = args.word[typed]
                        key = "space" if char == " " else char
                        typed = (typed + 1) % len(args.word)
                    else:
                        page = self.papers.scrollable_content_region.height
                        if self.papers.selection.cursor + 2 * page >= len(self.papers.selection):
                            await self.press("home")  # (not measured: room for the next keys)
                            await self.settle()
                    before = self.papers.selection.cursor
                    value = self.filter_bar.value
                    invalid = self.filter_bar.problem is not None
                    frames = len(frame_cpu)
                    cpu = time.thread_time()
                    update, updates, layouts = spent["update"], spent["updates"], spent["layouts"]
                    for name in parts:
                        parts[name] = 0.0
                    if profiler is not None:
                        profiler.enable()
                    press = await self.press(key)
                    if profiler is not None:
                        profiler.disable()
                    if kind == "filter":
                        if self.filter_bar.value != value + CHARACTERS.get(key, key):
                            self.problem(f"filter #{i}: the input holds {self.filter_bar.value!r}")
                    elif self.papers.selection.cursor == before:
                        self.problem(f"{key} #{i}: the cursor did not move")
                    ends = frame_cpu[frames:]
                    total = 1000 * (ends[-1] - cpu) if ends else None
                    in_update = 1000 * (spent["update"] - update)
                    keys.append(
                        {
                            "cpu_ms": total,
                            "cpu_update_ms": in_update,
                            "cpu_before_ms": None if total is None else total - in_update,
                            "updates": spent["updates"] - updates,
                            "layouts": spent["layouts"] - layouts,
                            "parts": {k: v * 1000 for k, v in parts.items()},
                            **tui_child._press_dict(press),
                            "key": kind,  # (each letter of the filter word counts as `filter`)
                            "toggled": invalid != (self.filter_bar.problem is not None),
                        }
                    )
                if profiler is not None:
                    profiler.dump_stats(f"{args.profile}-{kind}.prof")
                if self.filter_bar.value:
                    await self.press("escape")
                    await self.settle()

    record = tui_child.Record(mode="full")
    args.updates = tui_child.Updates()
    args.mode = "full"
    try:
        app = tui_child.build_app(lambda store: NavApp(store, record, args), args.db, record)
        record.run_called = time.monotonic()
        app.run()
    except BaseException:
        record.problems.append("child crashed:\n" + traceback.format_exc())
    out = asdict(record)
    out["keys"] = keys
    out["peak_rss_mb"] = tui_child.peak_rss_mb()  # VmHWM: not the parent's
    args.out.write_text(json.dumps(out), encoding="utf-8")
    return 0 if not record.problems else 1


if __name__ == "__main__":
    sys.exit(main())
