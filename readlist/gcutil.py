"""Garbage-collector control for loading large libraries.

CPython's cyclic GC walks every tracked object on a full collection. Loading 100,000
papers (or indexing them) creates millions of objects that all stay alive, so the
collections it triggers on the way are pure cost (~40% of loading time), and in the TUI
they are pauses of tens of milliseconds on the event loop.
"""

from __future__ import annotations

import contextlib
import gc
import math
import time
from collections.abc import Callable, Iterator


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


def freeze_loaded() -> None:
    """Move everything alive now out of the collector's sight, without a collection
    first: for a new catalogue just swapped in, on the front end's thread.

    The collection `freeze_survivors` makes first walks every object the catalogue
    brought (~740,000 at 100,000 papers: 230-290 ms, for ~1,200 objects of garbage,
    Textual's, ~170 KB), and a key typed then waited for it; deferred to the next pause
    or to the next young collection, it cost the same there (those objects are all
    young). What was garbage at this moment (cycles only: everything else is freed
    when its last reference goes) is kept for the session instead."""
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


LOADING_PILE_UP = 2_000_000  # young objects while loading before a collection (see tick)


class PauseCollector:
    """Collect garbage when the user pauses, not in the middle of a keystroke.

    A full collection measured 5-11 ms on top of a frame in the TUI. With automatic
    collection off, reference counting still frees almost everything at once; only
    cyclic garbage waits: for `idle_for` seconds without a key (a full collection), or
    for `pile_up` allocations (a young one). Call `tick` on a timer and `key` per key.
    """

    def __init__(
        self,
        idle_for: float = 1.0,
        pile_up: int = 50_000,
        freeze_while: Callable[[], bool] = lambda: False,
    ) -> None:
        self.idle_for = idle_for
        self.pile_up = pile_up
        self._last_key = 0.0
        self._keyed: float | None = None  # the last key's time (`_last_key`: or start's)
        # While this says so (a large library's catalogue loading in the background,
        # whose end freezes what lives: `freeze_loaded`), nothing is collected: the
        # loading makes hundreds of thousands of objects that all live on, and each
        # collection walked them (a young one too: they are all young), 65-300 ms
        # every 0.5 s at 100,000 papers, which a key typed then waited for. Garbage
        # made meanwhile (cycles: Textual's, a few thousand objects) is kept; past
        # `LOADING_PILE_UP` young objects (a load that takes very long) a young
        # collection runs, and what lives is frozen after it.
        self._freeze_while = freeze_while

    def start(self) -> None:
        gc.disable()
        self._last_key = time.monotonic()  # (a start is not a pause)

    def stop(self) -> None:
        gc.enable()

    def key(self) -> None:
        self._last_key = self._keyed = time.monotonic()

    def since_key(self) -> float:
        """Seconds since the last key (infinite before the first)."""
        return math.inf if self._keyed is None else time.monotonic() - self._keyed

    def tick(self) -> None:
        if self._freeze_while():  # loading: see `__init__`
            if gc.get_count()[0] > LOADING_PILE_UP:
                gc.collect(0)
                gc.freeze()
            return
        if time.monotonic() - self._last_key >= self.idle_for:
            if gc.get_count() != (0, 0, 0):
                gc.collect()
        elif gc.get_count()[0] > self.pile_up:
            gc.collect(0)
