"""Pilot tests of undo and redo in the TUI, checked against what the library holds on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from readlist import commands
from readlist.models import Annotation
from readlist.store import Store
from readlist.tui.app import ReadListApp
from tests.test_tui import LIMITS, Notes, Recorder, current_id, go_to, on_disk, record_notes


@pytest.fixture
def app(sample_store: Store) -> ReadListApp:
    recorder = Recorder()
    return ReadListApp(
        sample_store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600
    )


@pytest.fixture
def notes(app: ReadListApp) -> Notes:
    return record_notes(app)


def rating(db: Path, pid: str) -> int:
    return on_disk(db).get(pid, Annotation()).rating


async def test_u_undoes_and_U_redoes_a_rating(app: ReadListApp, db: Path, notes: Notes) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "Limits of n-gram")
        await pilot.press("4")
        await app.settle()
        assert rating(db, LIMITS) == 4
        assert notes.last[1] == "Rated 4/5: 1 paper — u to undo"
        await pilot.press("2")
        await pilot.press("u")
        await app.settle()
        assert rating(db, LIMITS) == 4
        assert notes.last[1] == "Undid “rated 2/5” on 1 paper"
        await pilot.press("u")
        await app.settle()
        assert rating(db, LIMITS) == 0
        await pilot.press("U")
        await app.settle()
        assert rating(db, LIMITS) == 4
        await pilot.press("ctrl+r")
        await app.settle()
        assert rating(db, LIMITS) == 2
        assert app.library.annotation(LIMITS).rating == 2  # and the screen shows it


async def test_undo_brings_back_a_paper_read_under_is_unread(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"is:unread", "enter")
        first = current_id(app)
        assert first is not None
        await pilot.press("r")
        await app.settle()
        assert on_disk(db)[first].read
        assert first not in {app.library.papers[i].id for i in app.papers.selection.rows}
        await pilot.press("u")
        await app.settle()
        assert not on_disk(db).get(first, Annotation()).read
        assert first in {app.library.papers[i].id for i in app.papers.selection.rows}


async def test_undo_in_the_tui_undoes_a_change_made_by_the_cli(
    app: ReadListApp, db: Path, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        other = Store.open(db)  # e.g. `readlist read --all` in another terminal
        commands.SetRead([p.id for p in other.papers(with_abstracts=False)], True).run(other)
        await pilot.press("u")
        await app.settle()
        assert not any(a.read for a in on_disk(db).values())
        assert notes.last[1] == "Undid “marked read” on 101 papers"
        assert "101 unread" in str(app.query_one("#status", Static).render())


async def test_removing_and_undoing_brings_the_paper_back(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "HFT")
        pid = current_id(app)
        await pilot.press("x")
        await pilot.press("enter")  # the confirmation's default answer is Remove
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pid not in {p.id for p in Store.open(db).papers(with_abstracts=False)}
        await pilot.press("escape", "u")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pid in {p.id for p in Store.open(db).papers(with_abstracts=False)}
