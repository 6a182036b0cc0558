"""Pilot tests of what a bulk change shows, and how (issue 13's write-side frame targets).

A change's message is said on the status line, not in a toast (a toast lays the screen
out twice: see readlist/tui/widgets/status.py); under a dialog it is still a toast.
Each test checks the library on disk and the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import Static
from textual.widgets._toast import Toast

from readlist.models import Annotation
from readlist.session.writer import Job, Writer
from readlist.store import Store
from readlist.store.store import Edit
from readlist.tui.actions import writing
from readlist.tui.app import ReadListApp
from readlist.tui.marks import Marks
from readlist.tui.widgets.detail import DetailPane
from tests.test_tui import Recorder
from tests.test_tui_writer import HeldLock


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


async def test_marking_all_and_clearing_the_marks_are_said_on_the_status_line(
    app: ReadListApp,
) -> None:
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("slash", *"lora", "enter")
        shown = shown_ids(app)
        await pilot.press("asterisk")
        await pilot.pause()
        assert set(app.marks) == set(shown)
        assert status(app).endswith(
            f"Marked {len(shown)} more papers: {len(shown)} marked — M clears the marks"
        )
        await pilot.press("M")
        await pilot.pause()
        assert not app.marks
        assert status(app).endswith(f"Cleared {len(shown)} marks.")
        assert "marked" not in status(app)  # the count is gone from the line
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


# -- the writer runs a key's job first, alone (session/writer.py: `Writer.hold`) ---------


def test_holding_for_a_job_returns_once_it_is_written(sample_store: Store, db: Path) -> None:
    delivered: list[Job] = []
    writer = Writer(sample_store, delivered.append)
    pid = sample_store.papers()[0].id
    try:
        job = writer.submit(lambda store: store.update([pid], rated(3)), print, print)
        assert writer.hold(job, longest=10.0)  # came back because it ran, not because time was up
        assert annotations(db)[pid].rating == 3  # on disk already, before it is shown
        assert delivered == [job]
    finally:
        writer.stop()


def test_holding_gives_up_while_another_process_holds_the_lock(
    sample_store: Store, db: Path
) -> None:
    delivered: list[Job] = []
    writer = Writer(sample_store, delivered.append)
    pid = sample_store.papers()[0].id
    try:
        with HeldLock(sample_store, seconds=30) as lock:
            job = writer.submit(lambda store: store.update([pid], rated(5)), print, print)
            assert not writer.hold(job, longest=20.0)  # gave up well before 20 s
            assert not lock.released.is_set() and not job.finished.is_set()
            assert pid not in annotations(db)
        assert job.finished.wait(10)  # the lock let go: written, in its turn
        assert annotations(db)[pid].rating == 5
        assert delivered == [job]
    finally:
        writer.stop()


def rated(rating: int) -> Edit:
    return lambda annotation: annotation.with_rating(rating)


# -- the marked ids in the list's order, picked by a mask when the rows are many --------


@given(
    st.integers(1, 300).flatmap(
        lambda n: st.tuples(
            st.permutations(range(n)).flatmap(
                lambda order: st.integers(0, len(order)).map(lambda k: order[:k])
            ),
            st.sets(st.integers(0, n + 5), max_size=60),  # some marks no longer present
            st.just(n),
        )
    )
)
def test_marked_ids_in_order_as_the_plain_definition(case: tuple[list[int], set[int], int]) -> None:
    rows, marked, n = case
    position = {f"p{i}": i for i in range(n)}
    marks = Marks()
    marks.add(f"p{i}" for i in sorted(marked, key=lambda i: (i * 7919) % 311))  # any order
    present = [i for i in marked if i < n]
    shown = [f"p{p}" for p in rows if p in marked]
    hidden = [f"p{p}" for p in sorted(present) if p not in set(rows)]
    assert marks.in_order(rows, position) == shown + hidden


def test_marks_present_keeps_the_order_marked_and_leaves_out_gone_papers() -> None:
    marks = Marks()
    marks.add(["c", "gone", "a"])
    marks.toggle("b")
    assert marks.present({"a": 0, "b": 1, "c": 2}) == ["c", "a", "b"]


# -- the detail pane keeps the abstract's lines while only the annotation changes --------


async def test_the_detail_pane_shows_each_change_and_each_papers_own_abstract(
    app: ReadListApp,
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one("#detail", DetailPane)
        first = app.library.papers[app.papers.current or 0]
        assert first.abstract and "unread ●" in pane.text
        assert words_of(first.abstract) in flat(pane.text)
        await pilot.press("r", "4")
        await app.settle()
        await pilot.pause()
        assert "★★★★" in pane.text and "read ✓" in pane.text
        assert words_of(first.abstract) in flat(pane.text)  # the abstract, still there
        await pilot.press("j")
        await pilot.pause()
        second = app.library.papers[app.papers.current or 0]
        assert second.abstract and second.abstract != first.abstract
        assert words_of(second.abstract) in flat(pane.text)
        assert words_of(first.abstract) not in flat(pane.text)
        await pilot.press("slash", *"the", "enter")  # the words marked: lines made anew
        await pilot.pause()
        assert words_of(app.library.papers[app.papers.current or 0].abstract) in flat(pane.text)


def flat(text: str) -> str:
    return " ".join(text.split())


def words_of(abstract: str) -> str:
    """The abstract's first few words, as the pane shows them (wrapped, spaces joined)."""
    return " ".join(abstract.split()[:8])
