"""Pilot tests of marking papers and of bulk actions, checked against the library on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from readlist.models import Annotation
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.marks import Marks, common_tags, tags_edit_many
from tests.test_tui import HFT, Notes, Recorder, current_id, go_to, record_notes


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


def status(app: ReadListApp) -> str:
    return str(app.query_one("#status", Static).render())


def row_text(app: ReadListApp, y: int) -> str:
    return app.papers.render_line(y).text


def shown_ids(app: ReadListApp) -> list[str]:
    return [app.library.papers[p].id for p in app.papers.selection.rows]


# -- marking -------------------------------------------------------------------------------


async def test_space_marks_and_moves_down_and_the_rows_show_it(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first, second, third = shown_ids(app)[:3]
        await pilot.press("space", "space")
        assert current_id(app) == third
        assert app.marked_ids() == [first, second]
        assert row_text(app, 0).startswith("✓")
        assert row_text(app, 1).startswith("✓")
        assert not row_text(app, 2).startswith("✓")
        assert "2 marked" in status(app)
        await pilot.press("k", "space")  # unmarks the second
        assert app.marked_ids() == [first]
        assert not row_text(app, 1).startswith("✓")
        assert "1 marked" in status(app)


async def test_marks_survive_a_filter_that_hides_them(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first, second = shown_ids(app)[:2]
        await pilot.press("space", "space")
        await go_to(pilot, app, "HFT")
        await pilot.press("space")
        assert "3 marked (2 hidden)" in status(app)
        # Shown first (list order), then the hidden ones in library order.
        assert app.marked_ids()[0] == HFT
        assert set(app.marked_ids()) == {first, second, HFT}
        await pilot.press("slash", "ctrl+u", "enter")
        assert "3 marked" in status(app) and "hidden" not in status(app)
        assert app.marked_ids() == [pid for pid in shown_ids(app) if pid in {first, second, HFT}]


async def test_star_marks_every_paper_shown_and_M_clears(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"is:unread lora", "enter")
        shown = shown_ids(app)
        assert 1 < len(shown) < 101
        await pilot.press("asterisk")
        assert app.marked_ids() == shown
        assert f"{len(shown)} marked" in status(app)
        await pilot.press("M")
        assert app.marked_ids() == []
        assert "marked" not in status(app)
        assert not row_text(app, 0).startswith("✓")


async def test_space_in_the_filter_types_a_space(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"is:unread", "space", *"lora")
        assert app.filter_bar.input.value == "is:unread lora"
        assert app.marked_ids() == []


# -- the pieces, without a terminal -------------------------------------------------------


def test_marks_in_order_puts_shown_first_then_hidden_in_library_order() -> None:
    marks = Marks()
    position = {"a": 0, "b": 1, "c": 2, "d": 3}
    for pid in ("d", "a", "c", "gone"):
        marks.toggle(pid)
    assert marks.in_order([2, 1, 0], position) == ["c", "a", "d"]
    marks.keep_only(position)
    assert "gone" not in marks and len(marks) == 3


def test_bulk_tag_edit_adds_removes_and_keeps_each_papers_own_tags() -> None:
    papers = [
        Annotation().with_tags(["ml", "LLM", "todo"]),
        Annotation().with_tags(["llm", "vision", "todo"]),
    ]
    common = common_tags(papers)
    assert common == ("LLM", "todo")
    edit = tags_edit_many(common, ["LLM", "thesis"])  # todo removed, thesis added
    assert [edit(a).tags for a in papers] == [("ml", "LLM", "thesis"), ("llm", "vision", "thesis")]
    respell = tags_edit_many(common, ["llm", "todo"])
    assert [respell(a).tags for a in papers] == [("ml", "llm", "todo"), ("llm", "vision", "todo")]


# -- bulk actions: one command, one write, one undo step -----------------------------------


def annotations(db: Path) -> dict[str, Annotation]:
    return Store.open(db).annotations()


async def test_marking_three_and_rating_4_rates_those_three(
    app: ReadListApp, db: Path, notes: Notes
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "j", "space", "space")  # rows 0, 2, 3
        marked = app.marked_ids()
        assert len(marked) == 3
        await pilot.press("4")
        await app.settle()
        assert {pid: a.rating for pid, a in annotations(db).items()} == dict.fromkeys(marked, 4)
        assert notes.last[1] == "Rated 4/5: 3 papers — u to undo"
        await pilot.press("u")  # one undo step for the three
        await app.settle()
        assert not any(a.rating for a in annotations(db).values())


async def test_mark_all_shown_read_undo_redo(app: ReadListApp, db: Path, notes: Notes) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"lora", "enter")
        shown = set(shown_ids(app))
        await pilot.press("asterisk", "r")
        await app.settle()
        assert {pid for pid, a in annotations(db).items() if a.read} == shown
        assert notes.last[1] == f"Marked read: {len(shown)} papers — u to undo"
        await pilot.press("u")
        await app.settle()
        assert not any(a.read for a in annotations(db).values())
        assert not any(app.library.annotation(pid).read for pid in shown)  # and on screen
        await pilot.press("U")
        await app.settle()
        assert {pid for pid, a in annotations(db).items() if a.read} == shown
        # r on papers all read marks them unread
        await pilot.press("r")
        await app.settle()
        assert not any(a.read for a in annotations(db).values())


async def test_marking_and_removing_asks_once_and_u_brings_them_back(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "space", "space")
        marked = app.marked_ids()
        await pilot.press("x")
        assert "Remove the 3 marked papers" in str(app.screen.query_one(".dialog-title").render())
        await pilot.press("y")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        left = {p.id for p in Store.open(db).papers(with_abstracts=False)}
        assert len(left) == 98 and not set(marked) & left
        assert app.marked_ids() == []  # removed papers are no longer marked
        await pilot.press("u")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert set(marked) <= {p.id for p in Store.open(db).papers(with_abstracts=False)}
        assert app.shown == 101


async def test_bulk_tag_editor_adds_and_removes_on_every_marked_paper(
    app: ReadListApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        first, second = shown_ids(app)[:2]
        await pilot.press("t", *"todo ml", "enter", "j", "t", *"todo vision", "enter")
        await app.settle()
        await pilot.press("k", "space", "space", "t")
        editor_value = app.screen.query_one("#tags-input").value  # type: ignore[attr-defined]
        assert editor_value == "todo "  # the tags both have
        await pilot.press("ctrl+u", *"thesis", "enter")
        await app.settle()
        on = annotations(db)
        assert on[first].tags == ("ml", "thesis")
        assert on[second].tags == ("vision", "thesis")
        await pilot.press("u")
        await app.settle()
        on = annotations(db)
        assert (on[first].tags, on[second].tags) == (("todo", "ml"), ("todo", "vision"))


async def test_c_copies_the_citations_of_every_marked_paper(
    app: ReadListApp, recorder: Recorder
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "space", "c")
        [text] = recorder.copied
        titles = [app.library.papers[app.library.position[p]].title for p in app.marked_ids()]
        lines = text.splitlines()
        assert len(lines) == 2
        assert all(title[:30] in line for title, line in zip(titles, lines, strict=True))


async def test_export_marked_writes_them_and_refuses_a_library_file(
    app: ReadListApp, db: Path, tmp_path: Path, notes: Notes
) -> None:
    target = tmp_path / "refs.bib"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "space")
        app.action_export_marked()
        await pilot.pause()
        await pilot.press(*str(target), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = target.read_text()
        assert text.count("@") == 2 and text.startswith("@")
        assert notes.last[1].startswith("Exported 2 papers as BibTeX to ")
        catalogue = app.store.paths.papers  # the library's own file: refused
        before = catalogue.read_bytes()
        app.action_export_marked()
        await pilot.pause()
        await pilot.press(*str(catalogue), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert notes.last[0] == "error" and str(catalogue) in notes.last[1]
        assert catalogue.read_bytes() == before


async def test_marks_survive_papers_imported_by_another_process(
    db: Path, recorder: Recorder
) -> None:
    from readlist.importers import read_listing
    from tests.conftest import DAILY, SEARCH, TODAY

    store = Store.open(db)
    store.import_listings([read_listing(DAILY, today=TODAY).papers])
    app = ReadListApp(store, copy=recorder.copy, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "j", "space")
        marked = app.marked_ids()
        Store.open(db).import_listings([read_listing(SEARCH, today=TODAY).papers])
        app.check_disk()  # positions shift: the catalogue is read again
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.shown == 101
        assert app.marked_ids() == [pid for pid in shown_ids(app) if pid in set(marked)]
        assert len(app.marked_ids()) == 2
        await pilot.press("5")
        await app.settle()
        assert {pid for pid, a in annotations(db).items() if a.rating == 5} == set(marked)
