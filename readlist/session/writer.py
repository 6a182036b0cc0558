"""The session's one writer: commands run in order on a thread of their own, off the UI's.

A write takes the library's lock, which another process (an import, a script's
`readlist tag`) may hold for seconds; on the event loop that froze every key. Here a key
only queues its command (with the ids it applies to, taken when it was pressed), so the
cursor moves at once, and the commands run one after another in the order asked (FIFO:
`r` then `4` land in that order), never two at once.

The thread has a `Store` of its own on the same library (TinyDB is not thread-safe; the
import worker does the same), opened by the session when it opens, without the catalogue
(`Store.open(..., catalogue=False)`): it starts from the same annotations as the
session's store, so `Change.others_wrote` alone says whether another process wrote
(re-reading the annotations file after every write on the UI thread had cost ~20 ms per
key at 100k papers), and it takes the catalogue check the session's store made at open
(`Store.share_catalogue_check`), so no write reads the catalogue (1-2 s and ~200 MB at
100k) while it is unchanged. Each finished job is handed to `post` (the TUI wraps it in a
message, tui/writer.py), in order; the front end then calls `deliver` on its own thread:
only then is the change shown, so the screen shows what is on disk, and a failed write
shows its error and changes nothing.

While a job runs, the interpreter's switch interval is `SWITCH_INTERVAL` instead of 5 ms.
A write makes some 30 system calls (the lock, stats, the temporary file, fsyncs, renames),
and after each one this thread waits for the GIL until the UI thread lets it go: up to the
switch interval each time while the UI draws (the tag editor closing redraws the whole
screen), which made a tag's Enter take ~90 ms to disk where `r` took ~20 ms. Between jobs
the interval is the default again, so the UI thread alone is never interrupted more often.

The front end holds its own thread still for a job it has just queued (`hold`: at most
`HOLD`, and not while the job waits for another process's lock), so that a job runs
alone before the drawing that follows the key: a tag's Enter, whose editor closes with
two layouts of the whole screen, then reaches the disk in the writer's ~2 ms, not ~20.

The undo history's compaction (store/history.py) does not run inside a key's job: the
writer's store appends each change's entry, as any other (`Store.compact_history_later`),
and compacts the journal once it has grown past its bounds, after a job was handed back
and when no other is queued (`_tidy`): the key's change and its entry are on disk before
it, and a compaction (two more syncs and a rename, 2-24 ms at 100k papers with a recent
import's entry) no longer makes one key in ~200 late (a key pressed while it runs
waits for the rest of it). Skipped while another process holds the lock (the next job's
tidy, or that process's own next change, compacts).

`waiting` says whether the job at the head has been waiting for the library's lock
(another process holds it) longer than `WAIT_NOTICE`: the status line then says so.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from readlist.errors import ReadlistError
from readlist.store import Store

WAIT_NOTICE = 0.5  # seconds a write may wait for the lock before the status line says so
SWITCH_INTERVAL = 0.0005  # seconds; while a job runs (see the module docstring)
HOLD = 0.05  # seconds the front end may hold its thread still for a job (see `hold`)
HOLD_STEP = 0.002  # seconds between looks at whether the job waits for another process


@dataclass(eq=False, slots=True)
class Job:
    """`work(store)` to run on the writer's thread; `done(result)` or `failed(error)`
    run on the UI thread once it has."""

    work: Callable[[Store], Any]
    done: Callable[[Any], None]
    failed: Callable[[ReadlistError], None]
    result: Any = None
    error: BaseException | None = field(default=None)
    finished: threading.Event = field(default_factory=threading.Event)


class Writer:
    """One thread, one `Store`, a queue of jobs. Create it on the front end's thread
    with the session's store (its own is opened from it) and the function that hands a
    finished job back (`post`, called on the writer's thread: it must be thread-safe,
    as `App.post_message` is)."""

    def __init__(self, store: Store, post: Callable[[Job], object]) -> None:
        self._db = store.paths.annotations
        self._post = post
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        try:
            self._store = self._open()
        except ReadlistError:
            pass  # opened (and the error reported) at the first write instead
        else:
            self._store.share_catalogue_check(store)
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
    ) -> Job:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="readlist-writer", daemon=True)
            self._thread.start()
        self._pending += 1
        job = Job(work, done, failed)
        self._jobs.put(job)
        return job

    def hold(self, job: Job, longest: float = HOLD) -> bool:
        """Block the calling (front end's) thread until `job` has run, for at most
        `longest` seconds, or until it waits for another process's lock; True if it ran.

        While the front end's thread draws, the writer waits for the GIL after each of
        its system calls: a tag's Enter took ~20 ms to disk for ~2 ms of the writer's
        work, behind the closing editor's layouts. Held still here (a wait releases the
        GIL), the writer runs alone and the drawing follows. Never longer than `longest`,
        and not at all behind a lock another process holds: then keys go on as before.
        """
        deadline = time.monotonic() + longest
        while not job.finished.wait(HOLD_STEP):
            now = time.monotonic()
            since = self._lock_wait_since
            if now >= deadline or (since is not None and now - since > HOLD_STEP):
                return False
        return True

    def deliver(self, job: Job) -> None:
        """Run a finished job's callback (on the front end's thread, once `post`ed).

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

    def _open(self) -> Store:
        store = Store.open(self._db, catalogue=False)
        store.compact_history_later()
        return store

    def _tidy(self) -> None:
        """Between jobs: compact the undo history if it has grown past its bounds (see
        the module docstring). Best effort: a failure leaves the journal as it was, whole,
        and the next change's append or tidy tries again. Whatever it raises (an
        `os.stat` refused, a lock not released), the writer goes on: it runs outside a
        job's own error handling, and a writer thread ended here would leave every later
        change queued and never written."""
        if self._store is None or not self._jobs.empty():
            return
        with contextlib.suppress(Exception):
            self._store.compact_history()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            interval = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
            try:
                if self._store is None:
                    self._store = self._open()
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
            finally:
                sys.setswitchinterval(interval)
                job.finished.set()
            self._post(job)
            self._tidy()
        self._tidy()  # (at exit: the queue is empty)
        if self._store is not None:
            self._store.close()
            self._store = None
