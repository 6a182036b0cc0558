"""The import dialog (`i`): paste a page or give a path, see the preview, import in a worker."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Static

from readlist.models import paper_id
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.screens.importer import ImportDialog

from .conftest import DAILY
from .test_tui import record_notes

DATA = Path(__file__).parent / "data"
SPARSE = paper_id("Sparse Mixture Routing for Long-Context Retrieval")


def preview(app: ReadListApp) -> str:
    return str(app.screen.query_one("#import-preview", Static).render())


async def wait_for_preview(pilot, app: ReadListApp) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        await pilot.pause(0.05)
        text = preview(app)
        if "Reading" not in text and "Paste a page" not in text:
            return
    raise AssertionError(f"no preview: {preview(app)!r}")


async def test_a_pasted_page_is_previewed_then_imported(sample_store: Store, db: Path) -> None:
    app = ReadListApp(sample_store, watch_interval=3600)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        await app.settle()
        assert isinstance(app.screen, ImportDialog)
        app.post_message(events.Paste((DATA / "hf-daily-2026.txt").read_text()))
        await wait_for_preview(pilot, app)
        assert "4 papers (hf): 4 new" in preview(app)
        assert len(Store.open(db).papers()) == 101  # a preview writes nothing
        await pilot.press("ctrl+s")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ImportDialog)
        assert len(Store.open(db).papers()) == 105
        assert len(app.library) == 105  # the list shows them without a restart
        assert any("Imported: 4 added" in message for _, message in notes)
        position = app.papers.current
        assert position is not None
        assert app.library.papers[position].id == SPARSE  # the cursor is on a new paper


async def test_a_file_path_is_read_and_known_papers_are_counted(
    sample_store: Store, db: Path
) -> None:
    app = ReadListApp(sample_store, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        app.post_message(events.Paste(str(DAILY)))
        await wait_for_preview(pilot, app)
        assert "30 papers (hf): 0 new, 30 already in the library" in preview(app)


async def test_text_that_is_not_a_listing_says_why_and_cannot_be_imported(
    sample_store: Store, db: Path
) -> None:
    app = ReadListApp(sample_store, watch_interval=3600)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        app.post_message(events.Paste("eggs\nmilk\nbread\n"))
        await wait_for_preview(pilot, app)
        assert "no paper listing found" in preview(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)  # still open, nothing imported
        assert any("no paper listing found" in message for _, message in notes)
        await pilot.press("escape")
        assert not isinstance(app.screen, ImportDialog)
    assert len(Store.open(db).papers()) == 101


async def test_keys_typed_right_after_confirming_reach_the_list(
    sample_store: Store, db: Path
) -> None:
    app = ReadListApp(sample_store, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        app.post_message(events.Paste((DATA / "hf-paper-page.txt").read_text()))
        await pilot.pause()
        await pilot.press("ctrl+s", "4")  # confirmed before the preview's pause: parsed now
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ImportDialog)
        position = app.papers.current
        assert position is not None
        rated = app.library.papers[position].id
    assert Store.open(db).annotations()[rated].rating == 4
    assert len(Store.open(db).papers()) == 102


async def test_x_removes_the_paper_after_asking_and_keeps_its_annotations(
    sample_store: Store, db: Path
) -> None:
    from readlist.tui.screens.confirm import Confirm

    app = ReadListApp(sample_store, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        position = app.papers.current
        assert position is not None
        pid = app.library.papers[position].id
        following = app.library.papers[app.papers.selection.rows[1]].id
        await pilot.press("x")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # declined: nothing happens
        await app.settle()
        assert not isinstance(app.screen, Confirm)
        assert len(Store.open(db).papers()) == 101
        await pilot.press("x", "y")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.library) == 100
        current = app.papers.current
        assert current is not None and app.library.papers[current].id == following
    fresh = Store.open(db)
    assert pid not in {p.id for p in fresh.papers()}
    assert pid in {p.id for p in fresh.papers(removed=True)}
    assert fresh.annotations()[pid].rating == 4  # kept for when it comes back
