"""Pilot tests of what a bulk change shows, and how (issue 13's write-side frame targets).

A change's message is said on the status line, not in a toast (a toast lays the screen
out twice: see readlist/tui/widgets/status.py); under a dialog it is still a toast.
Each test checks the library on disk and the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static
from textual.widgets._toast import Toast

from readlist.models import Annotation
from readlist.store import Store
from readlist.tui.actions import writing
from readlist.tui.app import ReadListApp
from tests.test_tui import Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app(sample_store: Store, recorder: Recorder) -> ReadListApp:
    return ReadListApp(
        sample_store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600
    )


def annotations(db: Path) -> dict[str, Annotation]:
    return Store.open(db).annotations()


def status(app: ReadListApp) -> str:
    return str(app.query_one("#status", Static).render())


def shown_ids(app: ReadListApp) -> list[str]:
    papers = app.library.papers
    return [papers[p].id for p in app.papers.selection.rows]


def toasts(app: ReadListApp) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query(Toast)]


async def test_bulk_read_and_its_undo_are_said_on_the_status_line_not_in_a_toast(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("slash", *"lora", "enter")
        shown = shown_ids(app)
        await pilot.press("asterisk")
        await pilot.press("escape")  # the filter cleared: the marks stay
        await pilot.pause()
        for toast in app.screen.query(Toast):  # the "Marked …" one, not under test
            toast.remove()
        await pilot.pause()
        await pilot.press("r")
        await app.settle()
        await pilot.pause()
        assert {pid for pid, a in annotations(db).items() if a.read} == set(shown)
        line = status(app)
        assert line.endswith(f"Marked read: {len(shown)} papers — u to undo")
        assert f"{len(shown)} marked" in line  # the counts stay beside the message
        assert toasts(app) == []
        await pilot.press("u")
        await app.settle()
        await pilot.pause()
        assert not any(a.read for a in annotations(db).values())
        assert status(app).endswith(f"Undid “marked read” on {len(shown)} papers")
        assert toasts(app) == []


async def test_a_message_leaves_the_status_line_when_its_time_is_up(
    app: ReadListApp, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writing, "SAID_FOR", 2.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await app.settle()
        await pilot.pause()
        assert "Rated 4/5: 1 paper — u to undo" in status(app)
        await pilot.pause(2.5)
        assert "Rated" not in status(app)
        assert "sorted by" in status(app)  # the counts are back, whole


async def test_at_80_columns_a_long_message_keeps_its_end_and_cuts_the_counts(
    app: ReadListApp,
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("asterisk", "r")
        await app.settle()
        await pilot.pause()
        line = status(app)
        assert len(line) <= 80
        assert line.endswith("papers — u to undo")
        assert "…" in line  # the counts are cut, visibly


async def test_under_a_dialog_a_change_is_still_a_notification(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("question_mark")  # help is open over the list
        app.say("Rated 4/5: 1 paper — u to undo")
        await pilot.pause()
        assert any("Rated 4/5" in text for text in toasts(app))
        assert "Rated" not in status(app)
