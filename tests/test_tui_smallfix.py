"""Pilot tests of issue 13's smaller things and room to read.

Tag completion that cycles, Tab that leaves the list's focus alone, help that wraps
under its own column at 80x24, a reverse sort, the note marker, the split between the
list and the details (`w`), and what another process changed, announced with counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from readlist.models import Paper, paper_id
from readlist.store import Store
from readlist.tui import keys
from readlist.tui.app import SPLITS, ReadListApp
from readlist.tui.screens.help import QUERY_HELP, HelpScreen, KeyTable
from readlist.tui.screens.tags import TagEditor
from readlist.tui.widgets.detail import DetailPane, TitleLine
from readlist.tui.widgets.paper_list import NOTE_MARK

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")
LIMITS = paper_id("Limits of n-gram Style Control for LLMs via Logit-Space Injection")
QLORA = paper_id("QLoRA: Efficient Finetuning of Quantized LLMs")


def make_app(store: Store) -> ReadListApp:
    return ReadListApp(store, copy=lambda text, terminal: "test", watch_interval=3600)


class Notes(list[str]):
    pass


def record_notes(app: ReadListApp) -> Notes:
    notes = Notes()
    original = app.notify

    def notify(message: str, **kwargs: object) -> None:
        notes.append(message)
        original(message, **kwargs)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    return notes


def on_disk(db: Path) -> dict:  # type: ignore[type-arg]
    return Store.open(db).annotations()


def status(app: ReadListApp) -> str:
    return str(app.query_one("#status", Static).render())


def current_id(app: ReadListApp) -> str | None:
    position = app.papers.current
    return None if position is None else app.library.papers[position].id


async def go_to(pilot, app: ReadListApp, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash", "ctrl+u", *text, "enter")
    assert app.shown == 1, f"{text!r} shows {app.shown} papers"


# -- 1. tag completion cycles through every candidate ------------------------------------


@pytest.fixture
def tagged(sample_store: Store) -> Store:
    """The samples with the tags todo, tools and topic (and to-do-later, [red])."""
    sample_store.update([LIMITS], lambda a: a.with_tags_added(["todo", "[red]"]))
    sample_store.update([QLORA], lambda a: a.with_tags_added(["tools", "topic"]))
    return sample_store


def candidates(app: ReadListApp) -> str:
    return str(app.screen.query_one("#tags-candidates", Static).render())


async def test_tab_cycles_through_every_tag_candidate_and_enter_saves_it(
    tagged: Store, db: Path
) -> None:
    app = make_app(tagged)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t", *"to")
        await app.settle()
        assert isinstance(app.screen, TagEditor)
        assert candidates(app) == "todo · tools · topic"  # shown while typing
        await pilot.press("tab")
        await app.settle()
        assert app.screen.query_one("#tags-input").value == "todo"  # type: ignore[attr-defined]
        assert candidates(app) == "todo · tools · topic  (1/3)"
        await pilot.press("tab", "enter")
        await app.settle()
        assert on_disk(db)[HFT].tags == ("tools",)


async def test_tab_wraps_and_shift_tab_goes_back(tagged: Store, db: Path) -> None:
    app = make_app(tagged)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t", *"nlp T")  # case is ignored when matching
        await app.settle()
        await pilot.press("shift+tab")  # backwards from the start: the last one
        await app.settle()
        field = app.screen.query_one("#tags-input")
        assert field.value == "nlp topic"  # type: ignore[attr-defined]
        await pilot.press("tab")  # forwards from the last one wraps to the first
        await app.settle()
        assert field.value == "nlp todo"  # type: ignore[attr-defined]
        await pilot.press("shift+tab")
        await app.settle()
        assert field.value == "nlp topic"  # type: ignore[attr-defined]
        await pilot.press("shift+tab", "space", *"to", "tab")  # tools is taken now
        await app.settle()
        assert field.value == "nlp tools todo"  # type: ignore[attr-defined]
        assert candidates(app) == "todo · topic  (1/2)"
        await pilot.press("enter")
        await app.settle()
        assert on_disk(db)[HFT].tags == ("nlp", "tools", "todo")


async def test_tag_candidates_are_shown_as_text_not_markup(tagged: Store, db: Path) -> None:
    app = make_app(tagged)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("t", *"[", "tab")
        await app.settle()
        assert candidates(app) == "[red]  (1/1)"
        await pilot.press(*" [b", "tab")  # nothing to complete: said, nothing changed
        await app.settle()
        assert candidates(app) == "No other tag in the library starts with “[b”."
        await pilot.press("backspace", "backspace", "enter")
        await app.settle()
        assert on_disk(db)[HFT].tags == ("[red]",)


# -- 2. Tab in the list ------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["tab", "shift+tab"])
async def test_tab_in_the_list_keeps_the_focus_on_the_list(
    sample_store: Store, db: Path, tab: str
) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=(120, 40)) as pilot:
        first = current_id(app)
        await pilot.press(tab, "r", "5")
        await app.settle()
        assert app.focused is app.papers
        assert app.filter_bar.input.value == ""
        annotation = on_disk(db)[first]
        assert annotation.read and annotation.rating == 5
        # From the filter, Tab still goes back to the list.
        await pilot.press("slash", "tab", "r")
        await app.settle()
        assert app.focused is app.papers
        assert not on_disk(db)[first].read


# -- 3. help at 80x24 --------------------------------------------------------------------


def dialog_lines(app: ReadListApp) -> list[str]:
    """The rendered rows inside the help dialog's border, without its padding."""
    rows = []
    for strip in app.screen._compositor.render_strips():
        text = strip.text
        if text.count("│") >= 2:
            rows.append(text[text.index("│") + 2 : text.rindex("│")])
    return rows


async def test_help_wraps_descriptions_under_their_column_at_80x24(sample_store: Store) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await app.settle()
        assert isinstance(app.screen, HelpScreen)
        for table_id, rows in (("#help-keys", keys.key_help("plain")), ("#help-query", QUERY_HELP)):
            table = app.screen.query_one(table_id, KeyTable)
            width = table.content_region.width
            assert 40 <= width < 80
            lines = str(table.render()).split("\n")
            assert all(cell_len(line) <= width for line in lines)
            column = len(lines[0]) - len(lines[0][len(rows[0][0]) :].lstrip())
            wrapped = 0
            at = 0
            for key, description in rows:
                assert lines[at].startswith(key + " ")
                words = [lines[at][column:]]
                at += 1
                # Every continuation line starts in the description column.
                while at < len(lines) and lines[at][:column].isspace():
                    assert lines[at][column] != " "
                    words.append(lines[at][column:])
                    wrapped += 1
                    at += 1
                assert " ".join(w.strip() for w in words) == description
            assert at == len(lines)
            assert wrapped >= 2  # at 80 columns some descriptions do wrap
        # Everything is reachable: the last row of the filter language shows at the end.
        last_key, last_text = QUERY_HELP[-1]
        shown = "\n".join(dialog_lines(app))
        assert last_key not in shown
        await pilot.press("end")
        await app.settle()
        shown = "\n".join(dialog_lines(app))
        assert last_key in shown and last_text.split()[0] in shown


# -- 4. sorting: R reverses --------------------------------------------------------------


async def test_R_reverses_the_sort_and_says_so(sample_store: Store) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=(120, 40)) as pilot:
        forward = list(app.papers.selection.rows)
        await pilot.press("R")
        await app.settle()
        assert list(app.papers.selection.rows) == forward[::-1]
        assert "sorted by newest first, reversed ↑" in status(app)
        assert current_id(app) == app.library.papers[forward[0]].id  # the cursor follows it
        await pilot.press("R")
        await app.settle()
        assert list(app.papers.selection.rows) == forward
        assert "reversed" not in status(app)
        await pilot.press("s", "s", "s", "R")  # title Z-A
        await app.settle()
        titles = [app.library.papers[i].title.casefold() for i in app.papers.selection.rows]
        assert titles == sorted(titles, reverse=True)
        assert "sorted by title A-Z, reversed ↑" in status(app)
        await pilot.press("s")  # a new sort starts the right way round
        await app.settle()
        assert "sorted by recently added first" in status(app) and "reversed" not in status(app)


# -- 5. the note marker ------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 120])
async def test_a_paper_with_a_note_is_marked_in_the_list(
    sample_store: Store, db: Path, width: int
) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.press("j", "n", *"reread", "ctrl+s", "4", "j", "t", *"long-tag", "enter")
        await app.settle()
        papers = app.papers
        noted = app.library.papers[papers.selection.rows[1]]
        assert on_disk(db)[noted.id].note == "reread"
        lines = [papers.render_line(y).text for y in range(30)]
        row_width = papers.scrollable_content_region.width
        assert all(cell_len(line) == row_width for line in lines)
        assert [NOTE_MARK in line for line in lines[:4]] == [False, True, False, False]
        column = lines[1].index(NOTE_MARK)
        # The marker has its own column: titles start at the same place with or without
        # one (and with tags or a rating).
        assert lines[1][column + 1] == " " and lines[1][column + 2 :].startswith(noted.title[:8])
        for line, y in zip(lines, range(30), strict=True):
            title = app.library.papers[papers.selection.rows[y]].title
            assert line[column - 1 : column + 2].isspace() or y == 1
            assert line[column + 2 :].startswith(title[:8])


# -- 6. room to read: the split ----------------------------------------------------------


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_w_cycles_the_split_and_a_hidden_pane_leaves_the_whole_title_visible(
    sample_store: Store, size: tuple[int, int]
) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=size) as pilot:
        papers, detail = app.papers, app.query_one("#detail", DetailPane)
        title_line = app.query_one("#title-line", TitleLine)
        wide = size[0] >= 120

        def measure(widget: Widget) -> int:
            return widget.outer_size.width if wide else widget.outer_size.height

        assert app.split == "standard"
        standard = measure(papers), measure(detail)
        assert not title_line.display
        await pilot.press("w")
        await app.settle()
        assert app.split == "detail"
        assert measure(detail) > standard[1] and measure(papers) < standard[0]
        assert measure(detail) > measure(papers)
        await pilot.press("w")
        await app.settle()
        assert app.split == "hidden"
        await pilot.pause()
        assert not detail.display and title_line.display
        assert papers.outer_size.width == size[0]
        # A title cut in the list is whole in the line under it.
        rows = list(papers.selection.rows)
        cut = next(
            y for y in range(papers.size.height) if papers.render_line(y).text.rstrip()[-1] == "…"
        )
        await pilot.press(*"j" * cut)
        await app.settle()
        title = app.library.papers[rows[cut]].title
        region = Region(0, 0, title_line.size.width, title_line.size.height)
        shown = " ".join(s.text.strip() for s in title_line.render_lines(region))
        assert shown.strip() == title
        await pilot.press("w")
        await app.settle()
        assert app.split == "list"
        assert detail.display and not title_line.display
        assert measure(papers) > standard[0]
        await pilot.press("w")
        await app.settle()
        assert app.split == "standard"
        assert (measure(papers), measure(detail)) == standard


async def test_split_can_be_set_before_the_app_runs(sample_store: Store) -> None:
    """What a state file does: the split it saved is applied at start."""
    app = make_app(sample_store)
    assert SPLITS == ("standard", "detail", "hidden", "list")
    app.split = "hidden"
    with pytest.raises(ValueError, match="unknown split 'wide'"):
        app.split = "wide"
    async with app.run_test(size=(120, 40)):
        assert app.split == "hidden"
        assert not app.query_one("#detail").display
        assert app.query_one("#title-line").display


# -- 7. changes by another process, counted ----------------------------------------------


async def test_import_by_another_process_is_announced_with_its_count(
    sample_store: Store, db: Path
) -> None:
    app = make_app(sample_store)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        new = [Paper(id=paper_id(f"Fresh paper {n}"), title=f"Fresh paper {n}") for n in range(12)]
        with Store.open(db) as other:
            other.import_listings([new])
        app.check_disk()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.shown == 113
        assert notes[-1] == "12 papers added by another readlist process."


async def test_removal_and_import_elsewhere_are_both_counted(sample_store: Store, db: Path) -> None:
    app = make_app(sample_store)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        with Store.open(db) as other:
            other.set_removed([HFT], True)
            other.import_listings([[Paper(id=paper_id("One more"), title="One more")]])
        app.check_disk()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.shown == 101 and HFT not in app.library.position
        assert notes[-1] == "1 paper added and 1 removed by another readlist process."


async def test_annotations_changed_elsewhere_are_counted_without_our_own_edit(
    sample_store: Store, db: Path
) -> None:
    app = make_app(sample_store)
    notes = record_notes(app)

    def said() -> list[str]:  # our own edits may say something too ("Rated 3/5 ...")
        return [note for note in notes if "by another readlist process" in note]

    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "hft")
        with Store.open(db) as other:
            other.update([LIMITS, QLORA], lambda a: a.with_tags_added(["theirs"]))
        await pilot.press("3")  # our write finds theirs before the app polled
        await app.settle()
        assert said() == ["2 papers changed by another readlist process."]
        with Store.open(db) as other:
            other.update([HFT], lambda a: a.with_read(True))
        await pilot.press("4")  # the same paper: theirs counts, ours does not
        await app.settle()
        assert said()[1:] == ["1 paper changed by another readlist process."]
        annotation = on_disk(db)[HFT]
        assert (annotation.read, annotation.rating) == (True, 4)
        with Store.open(db) as other:
            other.update([QLORA], lambda a: a.with_rating(2))
        app.check_disk()
        assert said()[2:] == ["1 paper changed by another readlist process."]
        assert app.library.annotation(QLORA).rating == 2


async def test_a_title_longer_than_the_title_line_ends_in_an_ellipsis(
    sample_store: Store,
) -> None:
    long_title = "Towards " + " ".join(f"word{n}" for n in range(200)) + " [bold]end[/]"
    sample_store.import_listings([[Paper(id=paper_id(long_title), title=long_title)]])
    app = make_app(sample_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, app, "towards word199")
        await pilot.press("w", "w")
        await app.settle()
        await pilot.pause()
        line = app.query_one("#title-line", TitleLine)
        assert line.region.height == 2
        screen = [strip.text for strip in app.screen._compositor.render_strips()]
        rows = [row.rstrip() for row in screen[line.region.y : line.region.bottom]]
        assert rows[0].strip().startswith("Towards word0 word1")
        assert rows[1].endswith("…") and cell_len(rows[1]) <= 80
        # The two rows are the title's start, word for word.
        shown = " ".join(r.strip() for r in rows)[:-1]
        assert long_title.startswith(shown.rstrip())


def test_catalogue_changes_count_news_not_new_sources() -> None:
    from dataclasses import replace

    from readlist.session.changes import catalogue_changes, changes_message

    old = [Paper(id=f"{n:016x}", title=f"P{n}", abstract="a", sources=("x",)) for n in range(5)]
    new = [
        replace(old[0], sources=("x", "y")),  # met again elsewhere: not news
        replace(old[1], upvotes=7),  # updated
        replace(old[2], abstract="a longer abstract"),  # updated
        old[3],
        Paper(id="f" * 16, title="New"),  # added; old[4] removed
    ]
    assert catalogue_changes(old, new) == (1, 2, 1)
    # Shown without abstracts (a large library's first seconds): those are not compared.
    shown = [replace(p, abstract="") for p in old]
    assert catalogue_changes(shown, new, abstracts=False) == (1, 1, 1)
    assert (
        changes_message(1, 2, 1)
        == "1 paper added, 2 updated and 1 removed by another readlist process."
    )
    assert changes_message(0, 3, 0) == "3 papers updated by another readlist process."
    assert changes_message(0, 0, 0) is None
