"""Pilot tests of the triage mode (`T`), checked against what the library holds on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from readlist import commands
from readlist.errors import ReadlistError
from readlist.importers import read_listing
from readlist.models import Annotation
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.screens.note import NoteEditor
from readlist.tui.screens.tags import TagEditor
from readlist.tui.screens.triage import TriageCard, TriageKeys, TriageScreen
from tests.test_tui import (
    HFT,
    LIMITS,
    Notes,
    Recorder,
    burst,
    current_id,
    detail_text,
    on_disk,
    record_notes,
    taken,
)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app(sample_store: Store, recorder: Recorder) -> ReadListApp:
    return ReadListApp(
        sample_store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600
    )


@pytest.fixture
def notes(app: ReadListApp) -> Notes:
    return record_notes(app)


async def dated_only(pilot) -> None:  # type: ignore[no-untyped-def]
    """The 29 sample papers with a publication date, newest (LIMITS) first: the 72
    undated ones sort by when they were added (today), before them."""
    await pilot.press("slash", *"year:>=1900", "enter")


def shown_ids(app: ReadListApp) -> list[str]:
    """The ids the list shows, in its order."""
    return [app.library.papers[i].id for i in app.papers.selection.rows]


def header(app: ReadListApp) -> str:
    return str(app.screen.query_one("#triage-header", Static).render())


def said_line(app: ReadListApp) -> str:
    """What the last decision did, as the line above the footer says it."""
    return str(app.screen.query_one("#triage-said", Static).render())


def card(app: ReadListApp) -> str:
    """The card as plain text, wrapped lines joined back into one string."""
    return " ".join(app.screen.query_one(TriageCard).text.split())


def title_of(app: ReadListApp, pid: str) -> str:
    return app.library.papers[app.library.position[pid]].title


def annotation(db: Path, pid: str) -> Annotation:
    return on_disk(db).get(pid, Annotation())


async def test_a_pass_keeps_dismisses_rates_skips_goes_back_and_undoes(
    app: ReadListApp, db: Path, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await dated_only(pilot)
        walk = shown_ids(app)
        assert walk[0] == LIMITS
        await pilot.press("T")
        await app.settle()
        assert isinstance(app.screen, TriageScreen)
        assert header(app).startswith("Triage · 1 / 29")
        assert title_of(app, LIMITS) in card(app)  # the whole title, and the abstract
        assert "steering a frozen LLM with n-gram style priors" in card(app)

        await pilot.press("l")  # keep for later: the keep tag, saved at once
        await app.settle()
        assert annotation(db, walk[0]).tags == ("to-read",)
        said = f"Tagged with to-read: 1 paper — u to undo · {title_of(app, LIMITS)[:49]}…"
        assert said_line(app) == said
        assert not any("Tagged" in text for _, text in notes)  # no toast per decision
        assert header(app).startswith("Triage · 2 / 29")
        await pilot.press("d")  # dismiss: dismissed (a negative signal) and read
        await app.settle()
        assert annotation(db, walk[1]).read and annotation(db, walk[1]).dismissed
        await pilot.press("4")
        await app.settle()
        assert annotation(db, walk[2]).rating == 4
        await pilot.press("s")  # skip: nothing written
        await app.settle()
        assert walk[3] not in on_disk(db)
        assert header(app).startswith("Triage · 5 / 29")
        assert title_of(app, walk[4]) in card(app)

        await pilot.press("b")
        await app.settle()
        assert header(app).startswith("Triage · 4 / 29 · skipped")
        await pilot.press("b")
        await app.settle()
        assert header(app).startswith("Triage · 3 / 29 · rated 4")
        assert "★★★★☆" in card(app)
        await pilot.press("s", "s")
        await app.settle()

        # u undoes the last decision and goes back to its paper
        await pilot.press("u")
        await app.settle()
        assert annotation(db, walk[2]).rating == 0
        assert said_line(app) == "Undid “rated 4/5” on 1 paper"
        assert header(app).startswith("Triage · 3 / 29")
        assert "rated" not in header(app)
        await pilot.press("u")
        await app.settle()
        assert not annotation(db, walk[1]).read and not annotation(db, walk[1]).dismissed
        assert header(app).startswith("Triage · 2 / 29")
        assert on_disk(db) == {walk[0]: on_disk(db)[walk[0]]}  # only the kept paper is left
        assert annotation(db, walk[0]).tags == ("to-read",)

        await pilot.press("escape")
        await app.settle()
        assert app.screen is app.screen_stack[0]
        assert current_id(app) == walk[1]  # the list's cursor is on the paper reached
        assert app.library.annotation(walk[0]).tags == ("to-read",)  # and the list shows it


async def test_triage_starts_on_the_highlighted_paper(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("j", "j", "T")
        await app.settle()
        assert header(app).startswith("Triage · 3 / 101")
        assert title_of(app, shown_ids(app)[2]) in card(app)


async def test_under_is_unread_the_walk_keeps_dismissed_papers(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"is:unread", "enter")
        await app.settle()
        walk = shown_ids(app)
        await pilot.press("T", "d", "d", "d")
        await app.settle()
        assert all(annotation(db, pid).read for pid in walk[:3])
        assert app.shown == 98  # the list behind has let them go
        assert header(app).startswith("Triage · 4 / 101")  # the walk has not
        await pilot.press("b")
        await app.settle()
        assert header(app).startswith("Triage · 3 / 101 · dismissed")
        assert title_of(app, walk[2]) in card(app)
        assert "dismissed ✗" in card(app)  # and read, which `is:unread` hides
        # Leaving on a paper the filter hides: the cursor goes to the next one it shows.
        await pilot.press("escape")
        await app.settle()
        assert current_id(app) == walk[3]


async def test_the_end_of_the_walk_says_done_and_takes_no_decision(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"title:prompt", "enter")
        await app.settle()
        walk = shown_ids(app)
        count = len(walk)
        assert 2 < count < 20
        await pilot.press("T", *"d" * count)
        await app.settle()
        assert header(app) == f"Triage · done: {count} / {count} — Esc returns"
        assert f"done: {count} / {count} — Esc returns" in card(app)
        assert f"dismissed {count}" in card(app)
        before = on_disk(db)
        assert all(before[pid].read for pid in walk)
        await pilot.press("l", "d", "5", "s")  # past the end: nothing more is decided
        await app.settle()
        assert on_disk(db) == before
        ids = {b.binding.id for b in app.screen.active_bindings.values()}
        assert "triage_keep" not in ids and "triage_leave" in ids
        await pilot.press("b")
        await app.settle()
        assert header(app).startswith(f"Triage · {count} / {count} · dismissed")
        await pilot.press("s", "escape")
        await app.settle()
        # The walk's last paper is the one reached, and the filter still shows it.
        assert current_id(app) == walk[-1]


async def test_zero_clears_the_rating_without_moving_on(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await dated_only(pilot)
        await pilot.press("T", "3", "b")
        await app.settle()
        assert annotation(db, LIMITS).rating == 3
        await pilot.press("0")
        await app.settle()
        assert LIMITS not in on_disk(db)
        assert header(app).startswith("Triage · 1 / 29")


async def test_keys_and_keep_tag_come_from_the_apps_triage_keys(app: ReadListApp, db: Path) -> None:
    app.triage_keys = TriageKeys(keep="space", dismiss="x", keep_tag="later")
    async with app.run_test(size=(120, 40)) as pilot:
        walk = shown_ids(app)
        await pilot.press("T", "space", "x", "l", "d")  # l and d are not bound now
        await app.settle()
        assert annotation(db, walk[0]).tags == ("later",)
        assert annotation(db, walk[1]).read
        assert set(on_disk(db)) == set(walk[:2])
        assert header(app).startswith("Triage · 3 / 101")
        shown = {b.binding.id: b.binding.key for b in app.screen.active_bindings.values()}
        assert shown["triage_keep"] == "space"
        assert shown["triage_dismiss"] == "x"


def test_default_triage_keys() -> None:
    assert TriageKeys().decisions() == {
        "keep": ["l"],
        "dismiss": ["d"],
        "skip": ["s", "j", "right"],
        "back": ["b", "k", "left"],
    }
    assert TriageKeys().keep_tag == "to-read"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"keep": "u"}, "triage key 'u' for keep is taken by undo"),
        ({"skip": "d"}, "triage key 'd' for skip is taken by dismiss"),
        ({"back": "3"}, "triage key '3' for back is taken by rate 3"),
        ({"keep_tag": "to read"}, "triage keep tag 'to read' is not one tag"),
        ({"dismiss": " , "}, "triage key for dismiss is empty"),
    ],
)
def test_triage_keys_refuse_clashes_in_one_line(keys: dict[str, str], message: str) -> None:
    with pytest.raises(ReadlistError) as caught:
        TriageKeys(**keys)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


async def test_tags_and_note_edit_the_paper_shown_even_when_the_filter_hides_it(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"is:unread", "enter")
        await app.settle()
        walk = shown_ids(app)
        await pilot.press("T", "d", "b")  # back to a paper the list no longer shows
        await app.settle()
        assert walk[0] not in shown_ids(app)
        await pilot.press("t")
        await app.settle()
        assert isinstance(app.screen, TagEditor)
        await pilot.press(*"later maybe", "enter")
        await app.settle()
        assert isinstance(app.screen, TriageScreen)
        assert annotation(db, walk[0]).tags == ("later", "maybe")
        assert "#later #maybe" in card(app)  # the card shows what the editor saved
        await pilot.press("n")
        await app.settle()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"first", "enter", *"second", "ctrl+s")
        await app.settle()
        assert isinstance(app.screen, TriageScreen)
        assert annotation(db, walk[0]).note == "first\nsecond"
        assert "first second" in card(app)
        assert annotation(db, walk[1]) == Annotation()  # the list's paper was never touched


async def test_open_and_cite_act_on_the_paper_shown(app: ReadListApp, recorder: Recorder) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"weblinx OR hft", "enter")
        await app.settle()
        walk = shown_ids(app)
        assert len(walk) == 2 and HFT in walk
        weblinx = 1 - walk.index(HFT)
        await pilot.press("g", "T", *"s" * weblinx, "c", "o")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert recorder.opened == ["https://mcgill-nlp.github.io/weblinx"]
        assert len(recorder.copied) == 1
        assert title_of(app, walk[weblinx]) in recorder.copied[0]
        await pilot.press("b" if weblinx else "s", "c")
        await app.settle()
        assert "HFT: Half Fine-Tuning for Large Language Models" in recorder.copied[1]


async def test_a_long_note_shows_its_first_lines(sample_store: Store, recorder: Recorder) -> None:
    lines = [f"line {n}" for n in range(1, 21)]
    sample_store.update([LIMITS], lambda a: Annotation(note="\n\n".join(lines)))
    app = ReadListApp(sample_store, copy=recorder.copy, open_url=recorder.open)
    async with app.run_test(size=(120, 40)) as pilot:
        await dated_only(pilot)
        await pilot.press("T")
        await app.settle()
        text = card(app)
        assert "line 1 " in text and "line 3 " in text
        assert "line 20" not in text
        assert "more lines: n opens the note" in text


async def test_nothing_to_triage_under_an_empty_filter(app: ReadListApp, notes: Notes) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"zzzzqqq", "enter", "T")
        await app.settle()
        assert app.screen is app.screen_stack[0]
        assert notes.last == ("warning", "Nothing to triage: the filter shows no paper.")


async def test_U_redoes_an_undone_decision_and_shows_its_paper(app: ReadListApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        walk = shown_ids(app)
        await pilot.press("T", "d", "u")
        await app.settle()
        assert not annotation(db, walk[0]).read
        await pilot.press("s", "s", "U")
        await app.settle()
        assert annotation(db, walk[0]).read
        assert header(app).startswith("Triage · 1 / 101")
        await pilot.press("ctrl+r")  # nothing left to redo: nothing changes
        await app.settle()
        assert set(on_disk(db)) == {walk[0]}


async def test_keys_typed_in_a_burst_decide_in_order_from_the_first_paper(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        walk = shown_ids(app)
        # T and the decisions behind it arrive together: none may act on the list.
        burst(app, "Tld4sb2")
        await taken(app, pilot)
        assert isinstance(app.screen, TriageScreen)
        ann = on_disk(db)
        assert set(ann) == set(walk[:4])
        assert ann[walk[0]].tags == ("to-read",) and not ann[walk[0]].read
        assert ann[walk[1]].read
        assert ann[walk[2]].rating == 4
        assert ann[walk[3]].rating == 2  # s skipped it, b came back, 2 rated it
        assert header(app).startswith("Triage · 5 / 101")  # rating 2 moved on
        await pilot.press("escape")
        await app.settle()
        assert current_id(app) == walk[4]


async def test_a_paper_removed_by_another_process_meanwhile_takes_no_decision(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        walk = shown_ids(app)
        await pilot.press("T", "s")
        await app.settle()
        other = Store.open(db)  # e.g. `readlist remove` in another terminal
        commands.Remove([walk[1]]).run(other)
        app.check_disk()
        await app.workers.wait_for_complete()
        # The card looks for changes every half second: poll (to a deadline) for it.
        for _ in range(100):
            if "This paper was removed from the library" in card(app):
                break
            await pilot.pause(0.05)
        assert "This paper was removed from the library" in card(app)
        await pilot.press("d", "4", "l")  # nothing to decide on
        await app.settle()
        assert on_disk(db) == {}
        await pilot.press("s", "d")  # the next paper is decided as usual
        await app.settle()
        assert set(on_disk(db)) == {walk[2]}


def test_keys_from_settings_give_way_to_the_keys_a_user_chose() -> None:
    keys = TriageKeys.from_settings({"keep": "k"}, keep_tag="later")
    assert keys.decisions() == {
        "keep": ["k"],
        "dismiss": ["d"],
        "skip": ["s", "j", "right"],
        "back": ["b", "left"],  # k went to keep
    }
    assert keys.keep_tag == "later"
    assert TriageKeys.from_settings({}) == TriageKeys()
    with pytest.raises(ReadlistError, match="triage key 'x' for dismiss is taken by keep"):
        TriageKeys.from_settings({"keep": "x", "dismiss": "x"})
    with pytest.raises(ReadlistError, match="triage key for dismiss is empty"):
        TriageKeys.from_settings({"keep": "d"})
    with pytest.raises(ReadlistError, match="unknown triage decision 'kep'"):
        TriageKeys.from_settings({"kep": "k"})


async def test_a_dismissed_paper_is_found_by_is_dismissed_and_marked_in_the_list(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        walk = shown_ids(app)
        await pilot.press("T", "d", "escape")
        await app.settle()
        held = annotation(db, walk[0])
        assert held.dismissed and held.read
        await pilot.press("slash", *"is:dismissed", "enter")
        await app.settle()
        assert shown_ids(app) == [walk[0]]
        row = app.papers.render_line(0).text
        assert row[1:3] == "✗ "  # where an unread paper has its ●
        assert "dismissed ✗" in detail_text(app)
        await pilot.press("slash", "ctrl+u", *"-is:dismissed", "enter")
        await app.settle()
        assert app.shown == 100


async def test_the_detail_pane_and_the_triage_card_show_shortened_authors_and_the_arxiv_id(
    store: Store, recorder: Recorder
) -> None:
    """Issue 14: a paper with four known authors (an arXiv abstract page) shows the first
    three and "et al." with the count, and its arXiv id, beside the list and in triage."""
    listing = read_listing(Path(__file__).parent / "data" / "arxiv-abs.txt")
    store.import_listings([listing.papers])
    app = ReadListApp(store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600)
    byline = "Ana Lima, Wei Zhang, Priya Natarajan et al. (4 authors)"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert byline in detail_text(app)
        assert "arXiv:2411.01234" in detail_text(app)
        assert "Tomás García" not in detail_text(app)
        await pilot.press("T")
        await app.settle()
        assert isinstance(app.screen, TriageScreen)
        assert byline in card(app)
        assert "arXiv:2411.01234" in card(app)
