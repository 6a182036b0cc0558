"""Where the TUI's start-up goes, step by step, in-process (for bisecting a slower first frame).

Times, on a library already built (say benchmarks/out/library-v2-n100000-...):

    the import of readlist.tui.app, Store.open, store.papers(with_abstracts=False),
    store.annotations(), Library(...), the stored word index lookup, ReadListApp(...)
    (which loads the library again through its session, on a fresh Store opened as the
    TUI opens it: from the start file when it is current) and the app up to its first
    screen update (`App.run_test` at 120x40 until the paper list holds rows). The last
    row counts from the second Store.open.

Each step runs with the collector paused, as `LibrarySession.open` does. Written to run
on older commits too (a step whose API does not exist there is reported as "n/a"):

    PYTHONPATH=/tmp/old python benchmarks/profile_start.py --db LIBRARY/library.json

The library is read only, except that a store refreshes its `.bak` copies: point it at a
copy. A papers file without a current identity index is checked whole at each open (the
TUI writes the index after its first frame: `Store.vouch_for_papers`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def timed(label: str, rows: list[tuple[str, float | None]], step: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    try:
        result = step()
    except (AttributeError, ImportError, TypeError) as error:  # not on this commit
        rows.append((f"{label} (n/a: {error})", None))
        return None
    rows.append((label, time.perf_counter() - start))
    return result


async def first_frame(app: Any, rows: list[tuple[str, float | None]], start: float) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        papers = app.query_one("#papers")
        while not list(getattr(papers, "selection", papers).rows or []):  # pragma: no cover
            await pilot.pause(0.005)
        rows.append(("run_test: first frame with rows", time.perf_counter() - start))
        await pilot.pause()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)

    rows: list[tuple[str, float | None]] = []
    start = time.perf_counter()
    from readlist.tui.app import ReadListApp  # first: what the CLI imports before the app

    rows.append(("import readlist.tui.app", time.perf_counter() - start))
    from readlist.library import Library
    from readlist.store import Store

    try:
        from readlist.gcutil import gc_paused
    except ImportError:  # pragma: no cover - older commits
        import contextlib

        gc_paused = contextlib.nullcontext  # type: ignore[assignment]
    quick: dict[str, Any] = {}
    if "start_file" in inspect.signature(Store.open).parameters:
        quick["start_file"] = True  # as LibrarySession.open opens it (store/startfile.py)
    with gc_paused():
        store = timed("Store.open", rows, lambda: Store.open(args.db))
        papers = timed("store.papers(with_abstracts=False)", rows,
                       lambda: store.papers(with_abstracts=False))  # fmt: skip
        notes = timed("store.annotations()", rows, store.annotations)
        kwargs: dict[str, Any] = {}
        if "features_cache" in inspect.signature(Library).parameters:
            from readlist.rankcache import features_cache

            kwargs["features_cache"] = features_cache(store.paths.papers)
        timed("Library(...)", rows, lambda: Library(papers, notes, **kwargs))
        timed("store.word_index(ids)", rows, lambda: store.word_index([p.id for p in papers]))
        start = time.perf_counter()
        label = "Store.open (again, for the app" + (", from the start file)" if quick else ")")
        fresh = timed(label, rows, lambda: Store.open(args.db, **quick))
        try:
            from readlist.session import LibrarySession

            session = timed("LibrarySession(store)", rows, lambda: LibrarySession(fresh))
            app = timed("ReadListApp(session=...)", rows,
                        lambda: ReadListApp(fresh, session=session))  # fmt: skip
        except ImportError:
            app = timed("ReadListApp(store)", rows, lambda: ReadListApp(fresh))
    gc.freeze()
    asyncio.run(first_frame(app, rows, start))
    for label, seconds in rows:
        shown = "     n/a" if seconds is None else f"{seconds * 1000:8.0f}"
        print(f"{shown} ms  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
