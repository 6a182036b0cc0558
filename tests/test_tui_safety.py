"""Work is never lost or garbled by the TUI: keys typed in a burst, stale dialogs, huge text.

Bursts are queued at the app's driver all at once, as a paste, a fast typist or an SSH
link delivers them (`pilot.press` waits for the app to go idle after each key, which
hides the ordering bugs these tests are about). What is checked is what the library on
disk holds afterwards, as a fresh process reads it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot

from readlist.models import Paper, paper_id
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.editing import CONFLICT_MARKER, NoteDrafts
from readlist.tui.screens.note import NoteEditor
from readlist.tui.screens.tags import TagEditor
from readlist.tui.widgets.detail import ABSTRACT_LIMIT, DetailPane

from .test_tui import Recorder, current_id, detail_text, go_to, on_disk
from .test_tui import recorder as recorder

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")


# Key names the tests send, and the characters they type (None: they type nothing).
KEYS = {
    "enter": "\r", "space": " ", "escape": "\x1b", "tab": "\t", "backspace": "\x08",
    "slash": "/", "question_mark": "?", "down": None, "up": None,
}  # fmt: skip


@pytest.fixture
def app(sample_store: Store, recorder: Recorder) -> ReadListApp:
    return ReadListApp(
        sample_store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600
    )


def burst(app: ReadListApp, *keys: str) -> None:
    """Queue `keys` (Textual key names, or runs of plain characters) all at once."""
    assert app._driver is not None
    for key in keys:
        names = [key] if len(key) == 1 or key in KEYS or "+" in key else list(key)
        for name in names:
            char = KEYS.get(name, name if len(name) == 1 else None)
            app._driver.send_message(events.Key(name, char))


async def settled(app: ReadListApp, pilot: Pilot[None]) -> None:
    """Wait until the app has taken every queued key (a marker queued behind them has
    run), then until it is idle. Each draft of a note is a disk write, so a burst takes
    as long as its writes."""
    done = asyncio.Event()
    app.call_later(done.set)
    await asyncio.wait_for(done.wait(), 20)
    await pilot.pause()


def second_id(app: ReadListApp) -> str:
    return app.library.papers[app.papers.selection.rows[1]].id


# -- keys typed fast after Enter go where the user meant -----------------------------------


async def test_keys_after_enter_in_the_tag_editor_reach_the_list(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first, second = current_id(app), second_id(app)
        burst(app, "t", "foo1", "enter", "n", "hello", "ctrl+s", "j", "4")
        await settled(app, pilot)
        assert not isinstance(app.screen, (TagEditor, NoteEditor))
        library = on_disk(db)
        assert library[first].tags == ("foo1",)
        assert library[first].note == "hello"
        assert library[second].rating == 4
        assert first is not None and library[first].rating == 0


async def test_a_key_right_after_enter_rates_the_tagged_paper(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        burst(app, "t", "foo1", "enter", "4")
        await settled(app, pilot)
        assert (on_disk(db)[first].tags, on_disk(db)[first].rating) == (("foo1",), 4)


async def test_editing_keys_in_a_burst_apply_in_order(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        burst(app, "t", "foo1", "backspace", "2", "enter")
        await settled(app, pilot)
        assert on_disk(db)[first].tags == ("foo2",)


async def test_keys_after_escape_in_the_tag_editor_reach_the_list(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        burst(app, "t", "foo", "escape", "4")
        await settled(app, pilot)
        assert (on_disk(db)[first].tags, on_disk(db)[first].rating) == ((), 4)


async def test_keys_after_ctrl_s_in_the_note_editor_reach_the_list(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        burst(app, "n", "a longer note, typed fast", "ctrl+s", "4", "r")
        await settled(app, pilot)
        annotation = on_disk(db)[first]
        assert (annotation.note, annotation.rating, annotation.read) == (
            "a longer note, typed fast",
            4,
            True,
        )


async def test_keys_after_discarding_a_note_reach_the_list(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        burst(app, "n", "draft", "escape", "d", "4")
        await settled(app, pilot)
        assert not isinstance(app.screen, NoteEditor)
        assert (on_disk(db)[first].note, on_disk(db)[first].rating) == ("", 4)


async def test_keys_after_choosing_a_citation_format_reach_the_list(
    app: ReadListApp, db: Path, recorder: Recorder
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        burst(app, "C", "down", "enter", "4", "C", "escape", "r")
        await settled(app, pilot)
        assert app.citation_format == "bibtex"  # the second format: "down" came first
        assert len(recorder.copied) == 1 and recorder.copied[0].startswith("@")
        assert (on_disk(db)[first].rating, on_disk(db)[first].read) == (4, True)


async def test_keys_after_closing_help_reach_the_list(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        burst(app, "question_mark", "escape", "4", "question_mark", "q", "r")
        await settled(app, pilot)
        assert app.is_running  # "q" closed the help screen, it did not quit
        assert (on_disk(db)[first].rating, on_disk(db)[first].read) == (4, True)


async def test_keys_after_a_filter_apply_to_the_filtered_paper(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, "slash", '"half fine-tuning"', "enter", "5")
        await settled(app, pilot)
        assert {pid: a.rating for pid, a in on_disk(db).items()} == {HFT: 5}


async def test_pastes_between_keys_go_where_the_keys_before_them_led(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        assert app._driver is not None
        burst(app, "t")
        app._driver.send_message(events.Paste("pasted-tag"))
        burst(app, "enter", "4", "n")
        app._driver.send_message(events.Paste("a pasted note"))
        burst(app, "ctrl+s")
        await settled(app, pilot)
        annotation = on_disk(db)[first]
        assert (annotation.tags, annotation.rating, annotation.note) == (
            ("pasted-tag",),
            4,
            "a pasted note",
        )


async def test_keys_after_q_do_nothing(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, "q", "4", "r")
        for _ in range(200):  # until the app has left (10 s at most)
            if not app.is_running:
                break
            await pilot.pause(0.05)
    assert on_disk(db) == {}  # quitting means quitting: nothing was rated after "q"


# -- a dialog opened earlier applies its difference, never its whole old value --------------


async def test_a_tag_removed_elsewhere_while_the_editor_is_open_stays_removed(
    app: ReadListApp, db: Path
) -> None:
    app.store.update([HFT], lambda a: a.with_tags(["todo", "ml"]))
    app.library.apply(app.store.annotations())
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t")
        await app.settle()
        assert isinstance(app.screen, TagEditor)
        # Another process (`readlist untag hft todo`, acknowledged) while it is open.
        Store.open(db).update([HFT], lambda a: a.with_tags_removed(["todo"]))
        await pilot.press(*"new", "enter")
        await app.settle()
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
        await app.settle()
        Store.open(db).update([HFT], lambda a: a.with_tags_added(["cli"]))
        await pilot.press("ctrl+u", *"ml", "enter")  # removes "todo" here
        await app.settle()
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
            await app.settle()
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
        await app.settle()
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
