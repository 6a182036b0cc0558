"""A gate that holds a background stage back while the front end handles a key.

The start's background stage (`LibrarySession.load_catalogue`: the derived files, the
abstracts, every `Paper` built) is Python on the same interpreter lock as the UI. A
key typed meanwhile had to win the lock back from it at every turn of the event loop
(each wait up to the 5 ms switch interval) and then share the CPU with it: at 100,000
papers the first keys after the first frame took 80-460 ms to show, against ~25 ms
once the stage was done. The front end `hold`s the gate when a key arrives (from any
thread: it is a `threading.Event`) and `release`s it once the key's frame is drawn; the
stage calls `wait` between short steps (a few milliseconds each), so it runs in the
time between keys. `wait` never waits longer than `longest`: a front end that forgets
to release only slows the stage down, it cannot stop it.
"""

from __future__ import annotations

import threading

HOLD_LONGEST = 0.25  # seconds a step waits at most for a held gate


class Gate:
    def __init__(self, longest: float = HOLD_LONGEST) -> None:
        self._open = threading.Event()
        self._open.set()
        self.longest = longest

    def hold(self) -> None:
        """Make the next `wait` wait (a key is being handled)."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    @property
    def held(self) -> bool:
        return not self._open.is_set()

    def wait(self) -> None:
        """Return when the gate is open, or after `longest` seconds at most."""
        self._open.wait(self.longest)
