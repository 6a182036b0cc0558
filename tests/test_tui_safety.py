"""Work is never lost or garbled by the TUI: keys typed in a burst, stale dialogs, huge text.

Bursts are queued at the app's driver all at once, as a paste, a fast typist or an SSH
link delivers them (`pilot.press` waits for the app to go idle after each key, which
hides the ordering bugs these tests are about). What is checked is what the library on
disk holds afterwards, as a fresh process reads it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from readlist.models import Paper, paper_id
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.editing import CONFLICT_MARKER, NoteDrafts
from readlist.tui.screens.tags import TagEditor
from readlist.tui.widgets.detail import ABSTRACT_LIMIT, DetailPane

from .test_tui import detail_text, go_to, on_disk

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")


@pytest.fixture
def app(sample_store: Store) -> ReadListApp:
    return ReadListApp(sample_store, watch_interval=3600)


# -- a dialog opened earlier applies its difference, never its whole old value --------------


async def test_a_tag_removed_elsewhere_while_the_editor_is_open_stays_removed(
    app: ReadListApp, db: Path
) -> None:
    app.store.update([HFT], lambda a: a.with_tags(["todo", "ml"]))
    app.library.apply(app.store.annotations())
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t")
        assert isinstance(app.screen, TagEditor)
        # Another process (`readlist untag hft todo`, acknowledged) while it is open.
        Store.open(db).update([HFT], lambda a: a.with_tags_removed(["todo"]))
        await pilot.press(*"new", "enter")
        assert on_disk(db)[HFT].tags == ("ml", "new")
        assert app.library.annotation(HFT).tags == ("ml", "new")


async def test_a_tag_added_elsewhere_is_kept_and_one_removed_here_goes(
    app: ReadListApp, db: Path
) -> None:
    app.store.update([HFT], lambda a: a.with_tags(["todo", "ml"]))
    app.library.apply(app.store.annotations())
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t")
        Store.open(db).update([HFT], lambda a: a.with_tags_added(["cli"]))
        await pilot.press("ctrl+u", *"ml", "enter")  # removes "todo" here
        assert on_disk(db)[HFT].tags == ("ml", "cli")


async def test_two_note_editors_typing_alternately_keep_both_texts_once(
    sample_store: Store, db: Path
) -> None:
    """Two TUIs on one library (one in-process, one a second Store as another TUI's
    editor would write), typing into one note alternately."""
    other = NoteDrafts(HFT, "", Store.open(db).update)
    theirs = ""
    app = ReadListApp(sample_store, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n")
        for _ in range(12):
            await pilot.press("a")
            theirs = on_disk(db)[HFT].note + "b"  # the other editor types at the end
            assert other.store(theirs) is None
        await pilot.press("ctrl+s")
    note = on_disk(db)[HFT].note
    assert note.count("a") == 12 and note.count("b") == 12
    assert len(note) == 24 and CONFLICT_MARKER not in note


# -- bounded rendering ---------------------------------------------------------------------


def huge_paper(abstract_chars: int, title_chars: int = 80) -> Paper:
    title = ("Huge " * (title_chars // 5 + 1))[:title_chars]
    abstract = ("lorem ipsum dolor sit amet " * (abstract_chars // 27 + 1))[:abstract_chars]
    return Paper(id=paper_id(title), title=title, abstract=abstract, published="2026-11-30")


async def test_a_5_mb_abstract_shows_truncated_with_a_note(store: Store, db: Path) -> None:
    paper = huge_paper(5_000_000)
    store.import_listings([[paper]])
    app = ReadListApp(Store.open(db), watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one("#detail", DetailPane)
        assert "abstract truncated: 5,000,000 characters; see `readlist export`" in detail_text(app)
        # What is laid out is bounded: about the limit, not the abstract.
        assert len(pane.text) < 2 * ABSTRACT_LIMIT
        await pilot.press("n", *"still typing", "ctrl+s")
        assert on_disk(db)[paper.id].note == "still typing"


async def test_a_huge_note_and_title_show_truncated(store: Store, db: Path) -> None:
    paper = huge_paper(100, title_chars=2_000_000)
    store.import_listings([[paper]])
    store.update([paper.id], lambda a: a.with_note("word " * 400_000))
    app = ReadListApp(Store.open(db), watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = detail_text(app)
        assert "title truncated: 2,000,000 characters" in shown
        assert "note truncated: 1,999,999 characters" in shown
        row = app.papers.render_line(0).text
        assert len(row) <= 120 and row.rstrip().endswith("…")
