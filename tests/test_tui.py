"""Pilot tests of the TUI: every key, checked against what the library holds on disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea

from readlist import clipboard
from readlist.errors import LibraryWriteError
from readlist.models import paper_id
from readlist.store import Store
from readlist.store import storage as storage_module
from readlist.tui.app import ReadListApp
from readlist.tui.editing import CONFLICT_MARKER
from readlist.tui.screens.cite import CitationPicker
from readlist.tui.screens.help import HelpScreen
from readlist.tui.screens.note import ConfirmClose, NoteEditor
from readlist.tui.screens.tags import TagEditor
from readlist.tui.widgets.detail import DetailPane
from readlist.tui.widgets.paper_list import PaperList

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")
LIMITS = paper_id("Limits of n-gram Style Control for LLMs via Logit-Space Injection")  # newest


class Recorder:
    """Stands in for the clipboard and the browser."""

    def __init__(self, how: str = clipboard.SYSTEM, opens: bool = True) -> None:
        self.copied: list[str] = []
        self.opened: list[str] = []
        self.how = how
        self.opens = opens

    def copy(self, text: str, terminal: Callable[[str], None]) -> str:
        self.copied.append(text)
        return self.how

    def open(self, url: str) -> bool:
        self.opened.append(url)
        return self.opens


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


class Notes(list[tuple[str, str]]):
    """(severity, message) of every notification the app showed."""

    @property
    def last(self) -> tuple[str, str]:
        return self[-1]


def record_notes(app: ReadListApp) -> Notes:
    """Every notification, and every change's message said on the status line."""
    notes = Notes()
    original, original_say = app.notify, app.say
    saying = False

    def notify(message: str, **kwargs: object) -> None:
        if not saying:  # (a message said over a dialog is a notification: once)
            notes.append((str(kwargs.get("severity", "information")), message))
        original(message, **kwargs)  # type: ignore[arg-type]

    def say(message: str, timeout: float | None = None) -> None:
        nonlocal saying
        notes.append(("information", message))
        saying = True
        try:
            original_say(message, timeout)
        finally:
            saying = False

    app.notify = notify  # type: ignore[method-assign]
    app.say = say  # type: ignore[method-assign]
    return notes


@pytest.fixture
def app(sample_store: Store, recorder: Recorder) -> ReadListApp:
    return ReadListApp(
        sample_store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600
    )


@pytest.fixture
def notes(app: ReadListApp) -> Notes:
    return record_notes(app)


def on_disk(db: Path) -> dict:  # type: ignore[type-arg]
    """The annotations as a fresh process would read them."""
    return Store.open(db).annotations()


def current_id(app: ReadListApp) -> str | None:
    position = app.papers.current
    return None if position is None else app.library.papers[position].id


def detail_text(app: ReadListApp) -> str:
    """The detail pane as plain text, wrapped lines joined back into one string."""
    return " ".join(app.query_one("#detail", DetailPane).text.split())


async def go_to(pilot, app: ReadListApp, text: str) -> None:  # type: ignore[no-untyped-def]
    """Filter down to the paper matching `text`, back in the list."""
    await pilot.press("slash", "ctrl+u", *text, "enter")
    assert app.shown == 1, f"{text!r} shows {app.shown} papers"


# -- moving ------------------------------------------------------------------------------------


async def test_starts_on_the_newest_paper_with_its_details(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        # The papers without a date (72) sort by when they were added (today), so
        # they come before LIMITS, the most recently published paper.
        rows = list(app.papers.selection.rows)
        dated = [i for i in rows if app.library.papers[i].published]
        undated = len(rows) - len(dated)
        assert undated == 72 and rows.index(dated[0]) == undated
        assert app.library.papers[dated[0]].id == LIMITS
        await pilot.press(*"j" * undated)
        assert current_id(app) == LIMITS
        assert app.focused is app.papers
        assert "Limits of n-gram Style Control" in detail_text(app)
        assert "1 author · published 2026-01-12" in detail_text(app)
        status = str(app.query_one("#status", Static).render())
        assert "101 / 101 papers · 101 unread · sorted by newest first" in status


async def test_movement_keys(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        rows = app.papers.selection.rows
        await pilot.press("j", "j", "down")
        assert app.papers.current == rows[3]
        await pilot.press("k", "up")
        assert app.papers.current == rows[1]
        await pilot.press("G")
        assert app.papers.current == rows[-1]
        await pilot.press("g")
        assert app.papers.current == rows[0]
        await pilot.press("end")
        assert app.papers.current == rows[-1]
        await pilot.press("home", "pagedown")
        page = app.papers.scrollable_content_region.height - 1
        assert app.papers.selection.cursor == page
        await pilot.press("pageup")
        assert app.papers.selection.cursor == 0
        await pilot.press("k")  # stays at the top
        assert app.papers.selection.cursor == 0
        await pilot.press("j")
        assert app.library.papers[rows[1]].title in detail_text(app)


async def test_cursor_stays_visible_when_moving_far(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.press("G")
        await pilot.pause()
        assert app.papers.scroll_offset.y > 0
        visible = range(
            int(app.papers.scroll_offset.y),
            int(app.papers.scroll_offset.y) + app.papers.size.height,
        )
        assert app.papers.selection.cursor in visible


async def test_click_selects_a_row(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.click(PaperList, offset=(20, 3))
        assert app.papers.selection.cursor == 3


# -- filtering ----------------------------------------------------------------------------------


async def test_filter_is_live_and_enter_returns_to_the_list(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"prompt")
        assert 1 < app.shown < 101
        await pilot.press(*" tuning year:2024")
        assert all(app.library.papers[i].year == 2024 for i in app.papers.selection.rows)
        for paper in (app.library.papers[i] for i in app.papers.selection.rows):
            text = (paper.title + " " + paper.abstract).lower()
            assert "prompt" in text and "tuning" in text
        await pilot.press("enter")
        assert app.focused is app.papers
        assert app.shown < 101  # Enter keeps the filter


async def test_escape_clears_the_filter(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"tag:none-yet")
        assert app.shown == 0
        assert "No papers" in str(app.papers.render_line(0).text)
        await pilot.press("escape")
        assert app.shown == 101
        assert app.filter_bar.value == ""
        assert app.focused is app.papers


async def test_malformed_query_shows_inline_error_and_keeps_the_list(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"hft ")
        assert app.shown == 1
        await pilot.press(*"rating:>=9")
        assert app.filter_bar.has_class("-invalid")
        assert "bad query: ratings go from 0 to 5, not 9" in (app.filter_bar.problem or "")
        # No earlier keystroke's results: the list is in its error state.
        assert app.shown == 0 and app.is_running
        await pilot.press("backspace", "4")
        assert not app.filter_bar.has_class("-invalid")
        assert app.shown == 0  # hft is unrated
        await pilot.press(*' "half fine')  # a phrase being typed is a query already
        assert not app.filter_bar.has_class("-invalid")


async def test_cursor_follows_its_paper_through_a_filter(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("slash", "ctrl+u", "enter")  # clear the input, back to all papers
        assert app.shown == 101
        assert current_id(app) == HFT


# -- annotating ---------------------------------------------------------------------------------


async def test_r_toggles_read_on_disk(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("r")
        await app.settle()
        assert on_disk(db)[HFT].read is True
        assert "read ✓" in detail_text(app)
        await pilot.press("r")
        await app.settle()
        assert HFT not in on_disk(db)  # back to nothing: no annotation left


async def test_number_keys_rate_and_0_clears(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        for key in "12345":
            await pilot.press(key)
            await app.settle()
            assert on_disk(db)[HFT].rating == int(key)
        assert "★★★★★" in detail_text(app)
        await pilot.press("0")
        await app.settle()
        assert HFT not in on_disk(db)


async def test_marking_read_under_is_unread_moves_to_the_next_paper(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"is:unread", "enter")
        first, second = app.papers.selection.rows[:2]
        await pilot.press("r")
        await app.settle()
        assert app.shown == 100
        assert app.papers.current == second
        assert on_disk(db)[app.library.papers[first].id].read


async def test_t_edits_tags_with_completion(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t")
        assert isinstance(app.screen, TagEditor)
        await pilot.press(*"nlp, to-read [red]", "enter")
        await app.settle()
        assert on_disk(db)[HFT].tags == ("nlp", "to-read", "[red]")
        assert "#nlp" in detail_text(app) and "#[red]" in detail_text(app)
        # another paper: "to" completes to the existing tag with Tab
        await pilot.press("slash", "ctrl+u", *"masakhanews", "enter", "t", *"to", "tab", "enter")
        await app.settle()
        masakha = paper_id("MasakhaNEWS: News Topic Classification for African languages")
        assert on_disk(db)[masakha].tags == ("to-read",)
        # removing a tag in the editor removes it on disk
        await pilot.press("t", "ctrl+u", *"done", "enter")
        await app.settle()
        assert on_disk(db)[masakha].tags == ("done",)


async def test_tag_editor_escape_changes_nothing(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t", *"abc", "escape")
        await app.settle()
        assert not isinstance(app.screen, TagEditor)
        assert on_disk(db) == {}


async def test_n_writes_a_note_and_ctrl_s_saves(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"# Key idea", "enter", *"reset **half** the params")
        await pilot.press("ctrl+s")
        await app.settle()
        assert not isinstance(app.screen, NoteEditor)
        assert on_disk(db)[HFT].note == "# Key idea\nreset **half** the params"


async def test_note_draft_is_saved_while_typing(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", *"draft tex")
        await app.settle()
        assert on_disk(db)[HFT].note == "draft tex"
        await pilot.press("t")  # every keystroke is on disk: a crash loses nothing typed
        await app.settle()
        assert isinstance(app.screen, NoteEditor)
        assert on_disk(db)[HFT].note == "draft text"


async def test_closing_a_changed_note_asks_and_discard_restores(app: ReadListApp, db: Path) -> None:
    app.store.update([HFT], lambda a: a.with_note("original"))
    app.library.apply(app.store.annotations())
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", *" more")
        await app.settle()
        assert on_disk(db)[HFT].note == "original more"
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmClose)
        await pilot.press("escape")  # keep editing
        assert isinstance(app.screen, NoteEditor)
        await pilot.press("escape", "d")  # discard
        await app.settle()
        assert not isinstance(app.screen, (NoteEditor, ConfirmClose))
        assert on_disk(db)[HFT].note == "original"


async def test_closing_a_changed_note_and_choosing_save(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", *"keep me", "escape", "s")
        await app.settle()
        assert on_disk(db)[HFT].note == "keep me"


async def test_quitting_with_the_note_editor_open_saves_the_text(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", *"typed just before quitting")
        await pilot.press("ctrl+q")
    assert on_disk(db)[HFT].note == "typed just before quitting"


async def test_unchanged_note_closes_without_asking(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", "escape")
        await app.settle()
        assert app.screen is app.screen_stack[0]
        assert on_disk(db) == {}


# -- citations, links, sort, help, palette, quit ---------------------------------------------------


async def test_c_copies_a_plain_citation_and_says_how(
    app: ReadListApp, recorder: Recorder, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("c")
        await app.settle()
        assert recorder.copied == [
            "HFT: Half Fine-Tuning for Large Language Models. 6 authors, April 29, 2024."
        ]
        assert notes.last == (
            "information",
            "Copied Plain reference of “HFT: Half Fine-Tuning for Large Language Models” to the system clipboard.",
        )


async def test_C_picks_bibtex_and_c_then_uses_it(app: ReadListApp, recorder: Recorder) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("C")
        assert isinstance(app.screen, CitationPicker)
        await pilot.press("down", "enter")
        assert recorder.copied[-1].startswith("@misc{hft2024,\n  title = {{HFT: Half Fine-Tuning")
        await pilot.press("c")
        assert recorder.copied[-1].startswith("@misc{")


async def test_clipboard_falls_back_to_osc52_when_pyperclip_has_no_mechanism(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyperclip

    def no_mechanism(text: str) -> None:
        raise pyperclip.PyperclipException("could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", no_mechanism)
    app = ReadListApp(sample_store, watch_interval=3600)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("c")
        await app.settle()
        assert app.clipboard.startswith("HFT: Half Fine-Tuning")
        assert notes.last[1].endswith("to the terminal clipboard (OSC 52).")


async def test_o_opens_the_first_link(app: ReadListApp, recorder: Recorder, notes: Notes) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "weblinx")
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert recorder.opened == ["https://mcgill-nlp.github.io/weblinx"]
        await go_to(pilot, app, "hft")  # no link
        await pilot.press("o")
        await app.settle()
        assert recorder.opened == ["https://mcgill-nlp.github.io/weblinx"]
        assert notes.last == ("warning", "This paper's listing had no link.")


async def test_o_without_a_browser_copies_the_link(sample_store: Store) -> None:
    recorder = Recorder(opens=False)
    app = ReadListApp(sample_store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "weblinx")
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert recorder.copied == ["https://mcgill-nlp.github.io/weblinx"]


async def test_s_cycles_the_sort(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.query_one("#status", Static)
        await pilot.press("s")
        assert "sorted by most upvoted first" in str(status.render())
        # The samples carry no upvote counts: the order is kept, none is invented.
        ups = [app.library.papers[i].upvotes for i in app.papers.selection.rows[:3]]
        assert ups == [None, None, None]
        await pilot.press("s", "4")  # rating order; the top paper rated 4 stays first
        assert "sorted by highest rated first" in str(status.render())
        await pilot.press("G", "5")
        assert (
            app.papers.selection.cursor == 0
        )  # the 5-star paper moved to the top, cursor followed
        assert [app.library.annotation_at(i).rating for i in app.papers.selection.rows[:3]] == [
            5,
            4,
            0,
        ]
        await pilot.press("s")
        assert "sorted by title A-Z" in str(status.render())
        titles = [app.library.papers[i].title.casefold() for i in app.papers.selection.rows]
        assert titles == sorted(titles)
        await pilot.press("s")
        assert "sorted by recently added first" in str(status.render())
        await pilot.press("s")  # for you: see tests/test_tui_ranking.py
        assert app.sort == "for-you"
        await pilot.press("s")
        assert "sorted by newest first" in str(status.render())


async def test_help_lists_every_footer_key(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#help-keys", Static).render())
        for key in ("j / k", "/", "r", "1 … 5", "t", "n", "c", "C", "s", "o", "?", "q", "ctrl+p"):
            assert f"\n{key} " in "\n" + keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_runs_actions(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("ctrl+p")
        await pilot.press(*"Toggle read")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await app.settle()
        await pilot.pause()
        assert on_disk(db)[HFT].read is True


async def test_q_quits(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_typing_in_the_filter_does_not_trigger_keys(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"rq15tnc")
        await app.settle()
        assert app.is_running
        assert app.filter_bar.value == "rq15tnc"
        assert on_disk(db) == {}


# -- failures and other processes ------------------------------------------------------------------


async def test_a_failed_write_shows_the_error_and_changes_nothing(
    app: ReadListApp, db: Path, monkeypatch: pytest.MonkeyPatch, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")

        def disk_full(fd: int) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(storage_module.os, "fsync", disk_full)
        await pilot.press("4")
        await app.settle()
        monkeypatch.undo()
        assert app.is_running
        severity, message = notes.last
        assert severity == "error"
        assert message == f"{db}: could not save (No space left on device); nothing was changed"
        assert app.library.annotation(HFT).rating == 0  # the screen shows what the disk holds
        assert "unrated" in detail_text(app)
        assert on_disk(db) == {}
        await pilot.press("3")  # and the next write works
        await app.settle()
        assert on_disk(db)[HFT].rating == 3


async def test_changes_by_another_process_appear(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        Store.open(db).update([HFT], lambda a: a.with_tags_added(["from-cli"]))
        app.check_disk()
        await pilot.pause()
        assert "#from-cli" in detail_text(app)
        await pilot.press("5")  # our write composes with theirs
        await app.settle()
        final = on_disk(db)[HFT]
        assert (final.tags, final.rating) == (("from-cli",), 5)


def test_write_error_type_is_what_the_app_catches() -> None:
    assert issubclass(LibraryWriteError, Exception)
    assert TextArea is not None


# -- a large library loads in stages ------------------------------------------------------


async def test_staged_loading_waits_for_abstracts_rather_than_match_titles_alone(
    sample_store: Store, recorder: Recorder
) -> None:
    import threading

    release = threading.Event()
    real_abstracts = sample_store.abstracts

    def slow_abstracts(pause: Callable[[], None] | None = None) -> dict[str, str]:
        release.wait(10)
        return real_abstracts(pause)

    sample_store.abstracts = slow_abstracts  # type: ignore[method-assign]
    app = ReadListApp(sample_store, copy=recorder.copy, watch_interval=3600, stage_above=0)
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.search_ready
        assert app.shown == 101  # the list is there before the abstracts
        status = app.query_one("#status", Static)
        assert "loading abstracts" in str(status.render())
        assert "Loading abstract…" in detail_text(app)
        await pilot.press("slash", *"catastrophic")  # in 3 titles, more abstracts
        # Not the 3 title matches as if they were the answer: the result is pending.
        assert app.shown == 0
        assert "searching abstracts" in str(status.render())
        titles_only = sum("catastrophic" in p.title.lower() for p in app.library.papers)
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.search_ready
        assert app.shown > titles_only  # the same filter now searches abstracts too
        assert "indexing" not in str(status.render())
        abstract = app.library.papers[app.papers.current].abstract  # type: ignore[index]
        assert " ".join(abstract.split()) in detail_text(app)
        await pilot.press("enter", "r")  # annotations work across the swap
        await app.settle()
        assert on_disk(sample_store.paths.annotations)[current_id(app)].read  # type: ignore[index]


async def test_papers_imported_by_another_process_appear(db: Path, recorder: Recorder) -> None:
    from datetime import date

    from readlist.importers import read_listing

    from .conftest import DAILY, SEARCH

    store = Store.open(db)
    store.import_listings([read_listing(DAILY, today=date(2026, 11, 22)).papers])
    app = ReadListApp(store, copy=recorder.copy, watch_interval=3600)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("j", "j")
        await app.settle()
        before = current_id(app)
        assert app.shown == 30
        Store.open(db).import_listings([read_listing(SEARCH, today=date(2026, 11, 22)).papers])
        app.check_disk()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.shown == 101
        assert current_id(app) == before  # the cursor stayed on its paper
        assert notes.last == ("information", "71 papers added by another readlist process.")
        app.check_disk()  # nothing new: no second reload
        await pilot.pause()
        assert notes.last == ("information", "71 papers added by another readlist process.")
        assert len(notes) == 1


async def test_library_damaged_while_open_is_reported_once_and_never_overwritten(
    app: ReadListApp, db: Path, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("4")
        db.write_bytes(b'{"annotations": {"trunc')  # something outside truncates the file
        app.check_disk()
        app.check_disk()
        errors = [message for severity, message in notes if severity == "error"]
        assert len(errors) == 1 and "library file is not valid JSON" in errors[0]
        await pilot.press("5")  # a write is refused, never written over the damage
        await app.settle()
        assert notes.last[0] == "error"
        assert db.read_bytes() == b'{"annotations": {"trunc'
        assert app.is_running


async def taken(app: ReadListApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app has handled every key queued so far (a marker queued behind
    them has run), then until it is idle: a fixed pause is too short on a busy machine."""
    import asyncio

    done = asyncio.Event()
    app.call_later(done.set)
    await asyncio.wait_for(done.wait(), 20)
    await pilot.pause()


def burst(app: ReadListApp, keys: str) -> None:
    """Queue keys all at once, as a fast typist, a paste or a slow link delivers them."""
    from textual import events

    names = {"/": "slash", "\n": "enter", " ": "space"}
    for char in keys:
        app._driver.send_message(events.Key(names.get(char, char), char))  # type: ignore[union-attr]


async def test_keys_typed_right_after_slash_go_to_the_filter(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, "/rlhf")
        await taken(app, pilot)
        await app.settle()
        assert app.filter_bar.value == "rlhf"
        assert on_disk(db) == {}  # "r" did not mark anything read


async def test_keys_typed_ahead_of_a_dialog_never_act_on_the_list(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, "t4r5c")
        await taken(app, pilot)
        await app.settle()
        assert isinstance(app.screen, TagEditor)
        assert on_disk(db) == {}  # no rating, no read toggle behind the dialog


async def test_keys_typed_before_slash_in_a_burst_still_act_on_the_list(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        burst(app, "r3jj/model")
        await taken(app, pilot)
        await app.settle()
        assert app.filter_bar.value == "model"
        final = on_disk(db)[first]  # type: ignore[index]
        assert (final.read, final.rating) == (True, 3)


async def test_closing_the_note_editor_never_undoes_a_note_saved_elsewhere(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n")
        await app.settle()
        Store.open(db).update([HFT], lambda a: a.with_note("written by a script"))
        app.check_disk()
        await pilot.press("escape")  # nothing typed: nothing to undo
        await app.settle()
        assert on_disk(db)[HFT].note == "written by a script"
        await pilot.press("n", "ctrl+s")  # saving an unchanged note writes nothing either
        await app.settle()
        assert on_disk(db)[HFT].note == "written by a script"


async def test_discard_keeps_a_note_changed_elsewhere_after_our_draft(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", *"mine")
        await app.settle()
        assert on_disk(db)[HFT].note == "mine"  # saved as typed, no pause needed
        Store.open(db).update([HFT], lambda a: a.with_note("theirs"))
        await pilot.press("escape", "d")  # discard our draft: but the note is theirs now
        await app.settle()
        assert on_disk(db)[HFT].note == "theirs"


async def test_a_burst_of_moves_and_ratings_is_applied_in_order(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        rows = app.papers.selection.rows
        burst(app, "G3gj5")
        await taken(app, pilot)
        await app.settle()
        ratings = {pid: a.rating for pid, a in on_disk(db).items()}
        last, second = app.library.papers[rows[-1]].id, app.library.papers[rows[1]].id
        assert ratings == {last: 3, second: 5}


async def test_arrows_in_the_filter_move_the_list(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"prompt", "down", "down")
        assert app.papers.selection.cursor == 2
        assert app.filter_bar.value == "prompt"
        await pilot.press("home", "x")  # Home belongs to the text: "x" goes first
        assert app.filter_bar.value == "xprompt"


async def test_tag_editor_applies_case_changes_and_keeps_tags_added_elsewhere(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t", *"NLP", "enter")
        await app.settle()
        assert on_disk(db)[HFT].tags == ("NLP",)
        await pilot.press("t")
        await app.settle()
        Store.open(db).update([HFT], lambda a: a.with_tags_added(["from-script"]))
        await pilot.press("ctrl+u", *"nlp", "enter")  # only the case changes
        await app.settle()
        assert on_disk(db)[HFT].tags == ("nlp", "from-script")


# -- saving through other processes and failed writes --------------------------------------


def _disk_full(fd: int) -> None:
    raise OSError(28, "No space left on device")


async def test_own_edit_also_shows_what_another_process_wrote_before_it(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        Store.open(db).update([LIMITS], lambda a: a.with_tags_added(["from-cli"]))
        await pilot.press("3")  # before the TUI polled the disk
        await app.settle()
        app.check_disk()  # a poll after our own write must not be needed, nor hide it
        assert app.library.annotation(LIMITS).tags == ("from-cli",)
        assert app.library.annotation(HFT).rating == 3


async def test_note_editor_opens_on_a_note_just_saved_elsewhere(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("4")
        await app.settle()
        Store.open(db).update([HFT], lambda a: a.with_note("their careful note"))
        await pilot.press("n")  # within the 2 s between polls
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.text == "their careful note"
        await pilot.press(*" + mine", "ctrl+s")
        await app.settle()
        assert on_disk(db)[HFT].note == "their careful note + mine"


async def test_ctrl_s_on_a_full_disk_keeps_the_note_editor_open_with_the_text(
    app: ReadListApp, db: Path, monkeypatch: pytest.MonkeyPatch, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n")
        monkeypatch.setattr(storage_module.os, "fsync", _disk_full)
        await pilot.press(*"my important thoughts", "ctrl+s")
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.text == "my important thoughts"
        hint = str(app.screen.query_one("#note-hint", Static).render())
        assert hint.startswith("NOT SAVED:") and "No space left on device" in hint
        # One error notification for the ctrl+s, not one per keystroke.
        assert sum(severity == "error" for severity, _ in notes) == 1
        monkeypatch.undo()  # space freed
        await pilot.press("ctrl+s")
        await app.settle()
        assert not isinstance(app.screen, NoteEditor)
        assert on_disk(db)[HFT].note == "my important thoughts"


async def test_enter_on_a_full_disk_keeps_the_tag_editor_open(
    app: ReadListApp, db: Path, monkeypatch: pytest.MonkeyPatch, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t", *"keep-me")
        monkeypatch.setattr(storage_module.os, "fsync", _disk_full)
        await pilot.press("enter")
        await app.settle()
        assert isinstance(app.screen, TagEditor)
        assert notes.last[0] == "error" and "No space left" in notes.last[1]
        monkeypatch.undo()
        await pilot.press("enter")
        await app.settle()
        assert not isinstance(app.screen, TagEditor)
        assert on_disk(db)[HFT].tags == ("keep-me",)


async def test_discard_restores_the_note_when_the_draft_ended_in_a_space(
    app: ReadListApp, db: Path
) -> None:
    app.store.update([HFT], lambda a: a.with_note("Original note"))
    app.library.apply(app.store.annotations())
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", "enter", *"todo ")
        await app.settle()
        assert on_disk(db)[HFT].note.startswith("Original note\ntodo")
        await pilot.press("escape", "d")
        await app.settle()
        assert on_disk(db)[HFT].note == "Original note"


async def test_an_empty_annotation_record_can_be_rated(db: Path, sample_store: Store) -> None:
    # doctor --repair can salvage a record down to no values at all.
    sample_store.update([HFT], lambda a: a.with_rating(3))
    text = db.read_text().replace('"rating": 3', '"rating": 0')
    db.write_text(text)
    app = ReadListApp(Store.open(db), watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("4")
        await app.settle()
        assert app.is_running
        assert on_disk(db)[HFT].rating == 4


async def test_a_note_saved_elsewhere_while_editing_is_merged_not_overwritten(
    app: ReadListApp, db: Path, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("n", *"mine")
        await app.settle()
        Store.open(db).update([HFT], lambda a: a.with_note("theirs, typed in another terminal"))
        await pilot.press(*" too")  # our next keystroke must not replace theirs
        await app.settle()
        # They rewrote the passage we were typing after: ours is kept, theirs too.
        merged = f"mine too{CONFLICT_MARKER}\ntheirs, typed in another terminal"
        assert on_disk(db)[HFT].note == merged
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.text == merged
        assert notes.last[0] == "warning" and "theirs is at the end" in notes.last[1]
        await pilot.press("!", "ctrl+s")  # typing goes on where it was
        await app.settle()
        assert on_disk(db)[HFT].note == merged.replace("mine too", "mine too!")


# -- found in a newcomer's walk-through ----------------------------------------------------


async def test_typing_in_the_tag_editor_adds_to_the_existing_tags(
    app: ReadListApp, db: Path
) -> None:
    app.store.update([HFT], lambda a: a.with_tags(["ml", "survey"]))
    app.library.apply(app.store.annotations())
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t", *"#todo", "enter")  # "#" as the screen shows tags
        await app.settle()
        assert on_disk(db)[HFT].tags == ("ml", "survey", "todo")
        await pilot.press("slash", "ctrl+u", *"tag:#todo", "enter")
        assert app.shown == 1


async def test_escape_in_the_list_clears_the_filter_but_not_behind_a_dialog(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t", "escape")  # closes the dialog only
        assert app.filter_bar.input.value == "hft" and app.shown == 1
        await pilot.press("escape")
        assert app.filter_bar.input.value == "" and app.shown == 101


async def test_an_empty_result_says_the_filter_matched_nothing(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"zzzqqq")
        assert app.shown == 0
        first_row = app.papers.render_line(0).text
        assert "No papers match this filter (Esc clears it)." in first_row
