"""Garbage-collector control for loading large libraries.

CPython's cyclic GC walks every tracked object on a full collection. Loading 100,000
papers (or indexing them) creates millions of objects that all stay alive, so the
collections it triggers on the way are pure cost (~40% of loading time), and in the TUI
they are pauses of tens of milliseconds on the event loop.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic collection while building many objects that are all kept."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_survivors() -> None:
    """Move everything alive now out of the collector's sight (it all lives on), and
    give the memory freed by loading back to the system."""
    gc.collect()
    gc.freeze()
    release_freed_memory()


def release_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc's `malloc_trim`; elsewhere
    nothing).

    Loading 100,000 papers frees ~60 MB of parse buffers and replaced objects that
    glibc otherwise keeps, fragmented, for the life of the process: the TUI's resident
    size stayed that much above what it holds. A few milliseconds.
    """
    import ctypes  # here, not at import: ~2 ms of every start, before the first frame

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc
        return
    trim(0)


class PauseCollector:
    """Collect garbage when the user pauses, not in the middle of a keystroke.

    A full collection measured 5-11 ms on top of a frame in the TUI. With automatic
    collection off, reference counting still frees almost everything at once; only
    cyclic garbage waits: for `idle_for` seconds without a key (a full collection), or
    for `pile_up` allocations (a young one). Call `tick` on a timer and `key` per key.
    """

    def __init__(self, idle_for: float = 1.0, pile_up: int = 50_000) -> None:
        self.idle_for = idle_for
        self.pile_up = pile_up
        self._last_key = 0.0
        self._freeze = False  # `freeze_when_idle` was asked
        self._freeze_count = 0  # young objects then (`gc.get_count()[0]`)

    def freeze_when_idle(self) -> None:
        """`freeze_survivors` at the next pause, not now: after a new catalogue is swapped
        in, the collection before the freeze walks every object it brought (~740,000 at
        100,000 papers: 230-290 ms of the front end's thread, for ~1,200 objects of
        garbage), and a key typed meanwhile waited for it. Until then no young
        collection runs either: those objects are all young, so it would walk them too.
        Unless what lives on grows by `pile_up` objects more while the user types without
        a pause: memory then comes first, and the freeze is made at once."""
        self._freeze = True
        self._freeze_count = gc.get_count()[0]

    def start(self) -> None:
        gc.disable()

    def stop(self) -> None:
        gc.enable()

    def key(self) -> None:
        self._last_key = time.monotonic()

    def tick(self) -> None:
        if time.monotonic() - self._last_key >= self.idle_for:
            if self._freeze:
                self._freeze = False
                freeze_survivors()
            elif gc.get_count() != (0, 0, 0):
                gc.collect()
        elif self._freeze:
            if gc.get_count()[0] - self._freeze_count > self.pile_up:
                self._freeze = False
                freeze_survivors()
        elif gc.get_count()[0] > self.pile_up:
            gc.collect(0)
