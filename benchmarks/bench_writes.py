"""Where a change's time to disk goes: one `Store.update` with a label, split by phase.

In this process, on a copy of bench_tui's cached 100k library (hard links: every write
readlist makes replaces a file, never writes into one), with `--annotated` papers
annotated and `--entries` undo entries written first (a library in use has both):

- a rating of one paper with its undo entry (`Store.update(..., label=...)`), median of
  `--repeats`; and a bulk change (1,000 papers read), median of `--repeats // 4`;
- each split into: taking the lock, the re-read check (has another process written?),
  the edit and TinyDB's table update, encoding, the annotations file's write, its file
  fsync, its rename, its folder fsync, and the history entry (encode + write + syncs).

Phases are timed by wrapping the functions that do them (`os.fsync`, `os.fdatasync`,
`os.replace`, `os.write`, `orjson.dumps` inside the storage, `filelock.acquire`, ...), so
the split costs a few microseconds per call. Usage:

    python benchmarks/bench_writes.py [--library DIR] [--repeats 20]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock
import orjson

from readlist.store import Store, history, storage

OUT = Path(__file__).with_name("out")

spent: dict[str, float] = defaultdict(float)
"""Each phase's own time (its nested phases' time is theirs, not its)."""
_phase: list[str] = ["other"]
_nested: list[float] = [0.0]


@contextmanager
def phase(name: str) -> Iterator[None]:
    _phase.append(name)
    _nested.append(0.0)
    start = time.perf_counter()
    try:
        yield
    finally:
        took = time.perf_counter() - start
        spent[name] += took - _nested.pop()
        _nested[-1] += took
        _phase.pop()


def wrap(owner: Any, attr: str, name: str | Callable[[], str]) -> None:
    real = getattr(owner, attr)

    def call(*args: Any, **kwargs: Any) -> Any:
        label = name() if callable(name) else name
        with phase(label):
            return real(*args, **kwargs)

    setattr(owner, attr, call)


def in_history() -> bool:
    return "history" in _phase


def instrument() -> None:
    wrap(filelock.FileLock, "acquire", "lock")
    wrap(storage.AtomicJSONStorage, "changed_on_disk", "re-read check")
    wrap(Store, "_table", "re-read check")
    wrap(Store, "_record", "history")
    prefix = lambda what: lambda: f"history: {what}" if in_history() else what  # noqa: E731
    wrap(os, "fsync", prefix("file fsync"))
    wrap(os, "fdatasync", prefix("file fdatasync"))
    wrap(os, "replace", prefix("rename"))
    wrap(os, "write", prefix("write"))
    wrap(storage, "fsync_dir", prefix("folder fsync"))
    real_dumps = orjson.dumps

    class Orjson:  # the storage's and history's `orjson`, with `dumps` timed
        def __getattr__(self, attr: str) -> Any:
            return getattr(orjson, attr)

        @staticmethod
        def dumps(*args: Any, **kwargs: Any) -> Any:
            with phase(prefix("encode")()):
                return real_dumps(*args, **kwargs)

    storage.orjson = Orjson()  # type: ignore[assignment]
    history.orjson = Orjson()  # type: ignore[assignment]


def library_copy(source: Path, into: Path) -> Path:
    for entry in source.iterdir():
        if entry.name.startswith("library."):
            os.link(entry, into / entry.name)
    return into / "library.json"


def measure(store: Store, ids: list[str], label: str, repeats: int, bulk: bool) -> None:
    rounds: list[dict[str, float]] = []
    for i in range(repeats):
        spent.clear()
        chosen = ids[1000 + 1000 * (i % 4) : 2000 + 1000 * (i % 4)] if bulk else [ids[500 + i]]
        rating = 1 + i % 5
        start = time.perf_counter()
        if bulk:
            store.update(chosen, lambda a: a.with_read(not a.read), label=label)
        else:
            store.update(chosen, lambda a, r=rating: a.with_rating(r), label=label)
        total = time.perf_counter() - start
        split = dict(spent)
        split["history: the rest"] = split.pop("history", 0.0)
        split["edit, TinyDB, the rest"] = total - sum(spent.values())
        split["total"] = total
        rounds.append(split)
    keys = sorted({k for r in rounds for k in r}, key=lambda k: (k == "total", k))
    print(f"\n{label} (median of {repeats}):")
    for key in keys:
        values = [r.get(key, 0.0) * 1000 for r in rounds]
        print(f"  {key:28} {statistics.median(values):8.2f} ms")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--annotated", type=int, default=2_000)
    parser.add_argument("--entries", type=int, default=40)
    args = parser.parse_args(argv)
    source = args.library or max(OUT.glob("library-v2-n100000-*"), key=os.path.getmtime)
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp:
        db = library_copy(source, Path(tmp))
        store = Store.open(db)
        ids = [p.id for p in store.papers(with_abstracts=False)]
        gc.freeze()
        print(f"library: {source.name}, {len(ids):,} papers")
        store.update(ids[: args.annotated], lambda a: a.with_tags_added(["seen"]))
        for i in range(args.entries):
            store.update(ids[i : i + 25], lambda a, i=i: a.with_rating(1 + i % 5), label="setup")
        print(
            f"annotations file {db.stat().st_size / 1e6:.2f} MB, history "
            f"{store.history_path.stat().st_size / 1e6:.2f} MB ({args.entries} entries)"
        )
        instrument()
        measure(store, ids, "rating one paper, with its undo entry", args.repeats, bulk=False)
        measure(
            store, ids, "1,000 papers read, with the undo entry", max(3, args.repeats // 4), True
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
