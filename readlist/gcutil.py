"""Garbage-collector control for loading large libraries.

CPython's cyclic GC walks every tracked object on a full collection. Loading 100,000
papers (or indexing them) creates millions of objects that all stay alive, so the
collections it triggers on the way are pure cost (~40% of loading time), and in the TUI
they are pauses of tens of milliseconds on the event loop.
"""

from __future__ import annotations

import contextlib
import gc
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
