"""The background stage's results, shown in order; the catalogue's swap at a pause in typing.

The stage (`LibrarySession.load_catalogue`) hands the app what it made, in order: the
abstracts, the whole catalogue (`CatalogueReady`), the text index, the titles' index. The
catalogue's swap is the costly one: a new `Library`, whose first filter starts from no
cache, on the UI thread. At 100,000 papers it landed inside a key typed ~3 s after start
and that key's last frame came 100-200 ms after it (bench_query: cold phrase `"p`), though
the swap changes nothing the list shows: the papers shown are the same, and the stored
index already searched their abstracts. So a swap that can wait (`waits`) is run once no
key has come for `PAUSE` seconds; what comes after it waits behind it (the text index's
results name its search). `waits` is asked when the swap is due: the app's says no unless
a query is being typed, and no while the list waits for the abstracts. The abstracts the
detail pane shows before the swap wait likewise: their arrival redrew the pane in the
middle of a key (bench_query: cold word 'language', its result at 11 ms, the pane's
frame at 140 ms).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from textual.timer import Timer

PAUSE = 0.3  # seconds without a key before a swap that can wait is made


def _never() -> bool:
    return False


class StageQueue:
    """Results run in the order added; one that `waits()` runs at a pause in the keys.

    `since_key()` gives the seconds since the last key; `later(delay, callback)` calls
    back on the UI thread (the app's `set_timer`)."""

    def __init__(
        self,
        since_key: Callable[[], float],
        later: Callable[[float, Callable[[], None]], Timer],
    ) -> None:
        self._since_key = since_key
        self._later = later
        self._due: deque[tuple[Callable[[], None], Callable[[], bool]]] = deque()
        self._timer: Timer | None = None

    def __len__(self) -> int:
        return len(self._due)

    def add(self, run: Callable[[], None], waits: Callable[[], bool] | None = None) -> None:
        """Run `run` after those added before it; if `waits()` says so when it is due,
        not before `PAUSE` seconds without a key."""
        self._due.append((run, waits or _never))
        if self._timer is None:
            self._run()

    def poke(self) -> None:
        """Ask again now whether what is due may run (what the screen needs changed)."""
        if self._timer is not None:
            self._timer.stop()
            self._again()

    def _run(self) -> None:
        while self._due:
            run, waits = self._due[0]
            wait = PAUSE - self._since_key()
            if wait > 0 and waits():
                self._timer = self._later(wait, self._again)
                return
            self._due.popleft()
            run()

    def _again(self) -> None:
        self._timer = None
        self._run()
