"""Writes off the event loop: a lock held by another process never freezes a key press.

The lock is held from another thread with a lock object of its own (on Linux, file locks
of separate open files exclude each other within one process too, as between processes).
"""

from __future__ import annotations

import threading
from pathlib import Path

import filelock
import pytest
from textual.widgets import Static

from readlist.models import Annotation
from readlist.store import Store
from readlist.store import store as store_module
from readlist.tui.app import ReadListApp
from tests.test_tui import HFT, Notes, Recorder, current_id, go_to, on_disk, record_notes

WAITING = "waiting for another readlist process…"


@pytest.fixture
def app(sample_store: Store) -> ReadListApp:
    recorder = Recorder()
    return ReadListApp(
        sample_store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600
    )


@pytest.fixture
def notes(app: ReadListApp) -> Notes:
    return record_notes(app)


class HeldLock:
    """The library's lock, held by another thread until `release()` (or `seconds`)."""

    def __init__(self, store: Store, seconds: float) -> None:
        self._lock = filelock.FileLock(str(store.paths.lock))
        self._held = threading.Event()
        self._go = threading.Event()
        self.released = threading.Event()
        self._thread = threading.Thread(target=self._hold, args=(seconds,), daemon=True)

    def _hold(self, seconds: float) -> None:
        with self._lock:
            self._held.set()
            self._go.wait(seconds)
        self.released.set()

    def __enter__(self) -> HeldLock:
        self._thread.start()
        assert self._held.wait(5)
        return self

    def release(self) -> None:
        self._go.set()
        assert self.released.wait(5)

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._thread.join()


def status(app: ReadListApp) -> str:
    return str(app.query_one("#status", Static).render())


async def wait_for_status(pilot, app: ReadListApp, text: str) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(150):
        if text in status(app):
            return True
        await pilot.pause(0.02)
    return False


async def test_a_held_lock_never_freezes_the_keys(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        rows = [app.library.papers[p].id for p in app.papers.selection.rows]
        with HeldLock(app.store, seconds=30) as lock:  # released on leaving the block
            await pilot.press("r", "j")
            # The cursor moved while the lock is still held: the UI did not wait.
            assert current_id(app) == rows[1]
            assert not lock.released.is_set()
            assert await wait_for_status(pilot, app, WAITING)
            assert not on_disk(db).get(rows[0], Annotation()).read
            assert not app.library.annotation(rows[0]).read  # shown once written
        # (Released on leaving the block: a slow machine never lets it go early.)
        await app.settle()
        assert on_disk(db)[rows[0]].read
        assert app.library.annotation(rows[0]).read
        await pilot.pause()
        assert WAITING not in status(app)


async def test_the_tag_editor_closes_at_once_while_the_lock_is_held(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        rows = [app.library.papers[p].id for p in app.papers.selection.rows]
        with HeldLock(app.store, seconds=30) as lock:  # released on leaving the block
            await pilot.press("t", *"later", "enter", "j")
            assert app.screen is app.screen_stack[0] and current_id(app) == rows[1]
            assert not lock.released.is_set()
        await app.settle()
        assert on_disk(db)[rows[0]].tags == ("later",)
        assert app.library.annotation(rows[0]).tags == ("later",)


async def test_keys_typed_while_a_write_waits_land_in_order(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        assert first is not None
        with HeldLock(app.store, seconds=5):
            await pilot.press("r", "4", "j", "5", "k", "2")
            second = app.library.papers[app.papers.selection.rows[1]].id
        await app.settle()
        disk = on_disk(db)
        assert (disk[first].read, disk[first].rating) == (True, 2)
        assert disk[second].rating == 5
        labels = [e.label for e in Store.open(db).undo_history().entries]
        assert labels == ["marked read:", "rated 4/5:", "rated 5/5:", "rated 2/5:"]


async def test_a_write_that_fails_says_why_and_shows_nothing(
    app: ReadListApp, db: Path, notes: Notes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every store's lock waits at most 0.3 s (read at each write), the writer's too.
    monkeypatch.setattr(store_module, "LOCK_TIMEOUT", 0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        assert first is not None
        with HeldLock(app.store, seconds=5):
            await pilot.press("4", "j")
            await app.settle()
        severity, message = notes.last
        assert severity == "error"
        assert "another readlist process has held the library lock" in message
        assert "nothing was changed" in message
        assert app.library.annotation(first).rating == 0
        assert on_disk(db) == {}
        await pilot.press("k", "3")  # the next write goes through
        await app.settle()
        assert on_disk(db)[first].rating == 3
        assert app.library.annotation(first).rating == 3


async def test_quitting_with_a_write_waiting_still_writes_it(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        with HeldLock(app.store, seconds=0.5):
            await pilot.press("4", "q")
    assert on_disk(db)[first].rating == 4


# -- a note editor session is one undo step --------------------------------------------------


async def test_a_note_editing_session_is_one_undo_step(
    app: ReadListApp, db: Path, notes: Notes
) -> None:
    app.store.update([HFT], lambda a: a.with_note("old").with_rating(3))
    app.library.apply(app.store.annotations())
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", "end", *" and new", "ctrl+s")  # a draft stored per key
        await app.settle()
        assert on_disk(db)[HFT].note == "old and new"
        assert notes.last[1].endswith("— u to undo")
        entries = Store.open(db).undo_history().entries
        assert [e.label for e in entries] == ["edited the note on"]
        await pilot.press("u")
        await app.settle()
        assert (on_disk(db)[HFT].note, on_disk(db)[HFT].rating) == ("old", 3)
        assert app.library.annotation(HFT).note == "old"  # and the screen shows it
        await pilot.press("U")
        await app.settle()
        assert on_disk(db)[HFT].note == "old and new"


async def test_undoing_a_note_session_leaves_a_note_changed_since_alone(
    app: ReadListApp, db: Path, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", *"mine", "ctrl+s")
        await app.settle()
        # Another process rewrites the note afterwards (unrecorded, as a draft would be).
        Store.open(db).update([HFT], lambda a: a.with_note("theirs"))
        await pilot.press("u")
        await app.settle()
        assert on_disk(db)[HFT].note == "theirs"
        assert "left alone" in notes.last[1]


async def test_undoing_a_removal_shows_the_paper_again(app: ReadListApp, db: Path) -> None:
    # The undo used to write the catalogue through the app's own store, so the app never
    # saw the catalogue change and the paper stayed off the list until a restart.
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "HFT")
        await pilot.press("x", "y")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.shown == 0
        await pilot.press("escape", "u")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert HFT in {p.id for p in Store.open(db).papers(with_abstracts=False)}
        assert app.shown == 101 and HFT in {
            app.library.papers[i].id for i in app.papers.selection.rows
        }
