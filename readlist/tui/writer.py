"""The TUI's one writer: commands run in order on a thread of their own, off the event loop.

A write takes the library's lock, which another process (an import, a script's
`readlist tag`) may hold for seconds; on the event loop that froze every key. Here a key
only queues its command (with the ids it applies to, taken when it was pressed), so the
cursor moves at once, and the commands run one after another in the order asked (FIFO:
`r` then `4` land in that order), never two at once.

The thread has a `Store` of its own on the same library (TinyDB is not thread-safe; the
import worker does the same). It keeps its copy of the catalogue between writes, as the
UI's store did when it wrote (each write checks the catalogue's format: dropping it would
mean a whole catalogue read per key); the UI's store no longer holds one. Each result
comes back to the app as a `Writer.Done` message, in order, on the UI thread: only then
is the change shown, so the screen shows what is on disk, and a failed write shows its
error and changes nothing.

`waiting` says whether the job at the head has been waiting for the library's lock
(another process holds it) longer than `WAIT_NOTICE`: the status line then says so.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.message import Message

from readlist.errors import ReadlistError
from readlist.store import Store

WAIT_NOTICE = 0.5  # seconds a write may wait for the lock before the status line says so


@dataclass(eq=False, slots=True)
class Job:
    """`work(store)` to run on the writer's thread; `done(result)` or `failed(error)`
    run on the UI thread once it has."""

    work: Callable[[Store], Any]
    done: Callable[[Any], None]
    failed: Callable[[ReadlistError], None]
    result: Any = None
    error: BaseException | None = field(default=None)


class Writer:
    """One thread, one `Store`, a queue of jobs. Create it on the UI thread, with the
    function that hands a message to the app (`App.post_message`, which is thread-safe)."""

    class Done(Message):
        """A job ran (or failed): its callbacks are due on the UI thread."""

        def __init__(self, job: Job) -> None:
            super().__init__()
            self.job = job

    def __init__(self, db: Path, post: Callable[[Message], object]) -> None:
        self._db = db
        self._post = post
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._pending = 0  # submitted and not yet delivered (read and written on the UI thread)
        self._lock_wait_since: float | None = None  # set by the thread while it waits

    @property
    def pending(self) -> int:
        """Jobs submitted whose result has not been delivered yet."""
        return self._pending

    @property
    def waiting(self) -> bool:
        """True while a write has waited more than `WAIT_NOTICE` for another process."""
        since = self._lock_wait_since
        return since is not None and time.monotonic() - since > WAIT_NOTICE

    def submit(
        self,
        work: Callable[[Store], Any],
        done: Callable[[Any], None],
        failed: Callable[[ReadlistError], None],
    ) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="readlist-writer", daemon=True)
            self._thread.start()
        self._pending += 1
        self._jobs.put(Job(work, done, failed))

    def deliver(self, job: Job) -> None:
        """Run a finished job's callback (on the UI thread, from the `Done` handler).

        An error that is not a `ReadlistError` is a bug: it is raised here, where the
        app shows it, rather than lost on the thread.
        """
        self._pending -= 1
        if job.error is None:
            job.done(job.result)
        elif isinstance(job.error, ReadlistError):
            job.failed(job.error)
        else:
            raise job.error

    def stop(self) -> None:
        """Finish the queued jobs, then end the thread (at exit: nothing is dropped)."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if self._store is None:
                    self._store = Store.open(self._db)
                store = self._store
                # The lock is taken here, around the whole command, so that the time
                # spent waiting for another process is known (the store's own locking
                # inside is re-entrant).
                self._lock_wait_since = time.monotonic()
                try:
                    with store.locked():
                        self._lock_wait_since = None
                        job.result = job.work(store)
                finally:
                    self._lock_wait_since = None
            except Exception as error:  # handed to the UI thread, never lost here
                job.error = error
            self._post(Writer.Done(job))
        if self._store is not None:
            self._store.close()
            self._store = None
