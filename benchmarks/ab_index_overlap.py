"""The store stage of a first import, with the identity index built in a thread while the
catalogue is committed (as `Store._write_papers` does) against built after the commit
(the order before: a stand-in for `store._InThread` runs the build when its result is
asked for), alternating in one process on the same parsed papers; wall and CPU of
`Store.import_listings` for each run, then the medians and minima.

The listing is parsed once (its `added` stamp fixed); each run imports it into a fresh
library in a temporary directory:

    python benchmarks/ab_index_overlap.py benchmarks/out/listing-v2-n100000-s0.txt [RUNS]
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import readlist.store.store as store
from readlist.importers import read_listing


class _After:
    """`_InThread`'s interface, the work done in `result()` (after the commit)."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self._work = work

    def join(self) -> None:
        pass

    def result(self) -> Any:
        try:
            return self._work()
        except Exception:
            return None


def main() -> int:
    if len(sys.argv) not in (2, 3):
        sys.stderr.write(__doc__ or "")
        return 2
    runs = int(sys.argv[2]) if len(sys.argv) == 3 else 5
    papers = read_listing(sys.argv[1], added="2026-12-02T00:00:00+00:00").papers
    threaded = store._InThread
    figures: dict[str, list[tuple[float, float]]] = {"during the commit": [], "after it": []}
    for i in range(runs):
        order = ("after it", "during the commit") if i % 2 else ("during the commit", "after it")
        for mode in order:
            store._InThread = threaded if mode == "during the commit" else _After  # type: ignore[misc]
            with tempfile.TemporaryDirectory(prefix="ab-index-") as tmp:
                library = store.Store(Path(tmp) / "library.json")
                gc.collect()
                wall, cpu = time.perf_counter(), time.process_time()
                library.import_listings([papers])
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            figures[mode].append((wall, cpu))
            load = Path("/proc/loadavg").read_text().split()[0]
            print(f"index built {mode:18s} wall {wall:6.3f} s  cpu {cpu:6.3f} s  (load {load})")
    for mode, done in figures.items():
        walls, cpus = [w for w, _ in done], [c for _, c in done]
        print(
            f"{mode:18s} median wall {statistics.median(walls):6.3f} s, "
            f"min {min(walls):6.3f} s; median cpu {statistics.median(cpus):6.3f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
