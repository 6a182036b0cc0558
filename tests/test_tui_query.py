"""The filter in the TUI: an invalid query's error state, and matches marked on screen."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.widgets import Static

from readlist.library import Library
from readlist.models import Annotation
from readlist.query import parse
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.widgets.detail import DetailPane


def make_app(store: Store) -> ReadListApp:
    return ReadListApp(store, copy=lambda text, terminal: "nowhere", watch_interval=3600)


def marked(segments: list[Segment]) -> list[str]:
    """Texts drawn in a match style (the match styles are the only underlined ones)."""
    return [s.text for s in segments if s.style is not None and s.style.underline]


def list_lines(app: ReadListApp) -> list[str]:
    """The lines the list draws, as on screen (without their margins)."""
    papers = app.papers
    return [papers.render_line(y).text.strip() for y in range(papers.size.height)]


def shown_error(app: ReadListApp) -> str:
    """An invalid query's message as the list draws it, under its first line."""
    lines = list_lines(app)
    assert lines[0] == "Nothing listed: the filter is not a valid query:"
    return " ".join(line for line in lines[1:] if line)


def status(app: ReadListApp) -> str:
    return str(app.query_one("#status", Static).render())


async def test_an_invalid_filter_shows_its_whole_error_and_no_stale_rows(
    sample_store: Store,
) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("slash", *"rate")
        expected = len(Library(sample_store.papers(), {}).select(parse("rate")))
        assert app.shown == expected > 0
        await pilot.press(*":5")
        message = app.filter_bar.problem
        assert message is not None
        assert message.startswith("bad query: unknown filter 'rate:'")
        assert message.endswith(
            'put it in quotes: "rate:5" (at character 1); Esc clears the filter'
        )
        # All of it on screen: wrapped within the list's width, over several rows.
        assert len([line for line in list_lines(app)[1:] if line]) >= 3
        assert shown_error(app) == message
        # No earlier keystroke's results: nothing listed, and the list says why.
        assert app.shown == 0
        assert "the filter is not a valid query" in app.papers.empty_text
        assert "invalid filter" in status(app)
        # Enter does not pretend the list is a result: the filter keeps focus.
        await pilot.press("enter")
        assert app.focused is app.filter_bar.input
        await pilot.press("backspace", "backspace")  # back to "rate", which parses
        assert not app.filter_bar.has_class("-invalid")
        assert app.shown == expected
        assert "invalid filter" not in status(app)


@pytest.mark.parametrize("size", [(80, 24), (160, 40)])
async def test_a_long_message_is_wrapped_in_the_list_and_cut_with_an_ellipsis(
    sample_store: Store, size: tuple[int, int]
) -> None:
    """Wrapped to the list's width, beside the detail pane at 160 columns; in the few
    rows of a short list, cut where the list ends, and said to be cut."""
    app = make_app(sample_store)
    async with app.run_test(size=size) as pilot:
        await pilot.press("slash", *"rate:", *(["x"] * 30))
        message = app.filter_bar.problem
        assert message is not None
        width = app.papers.size.width
        assert width < size[0] or size[0] == 80  # side by side at 160 columns
        assert shown_error(app) == message
        # A message longer than the list's rows hold (a typed or pasted query).
        app.filter_bar.input.value = "rate:" + "y" * (width * app.papers.size.height)
        await pilot.pause()
        message = app.filter_bar.problem
        assert message is not None
        lines = [line for line in list_lines(app)[1:] if line]
        assert len(lines) == app.papers.size.height - 1
        assert lines[-1].endswith("…")
        assert "".join(message.split()).startswith("".join("".join(lines)[:-1].split()))
        assert all(len(line) <= width - 2 for line in lines)


async def test_a_filter_made_valid_again_lists_its_papers(sample_store: Store) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"year:20x")
        assert app.shown == 0
        assert "not a number comparison" in shown_error(app)
        assert "No papers match" not in app.papers.empty_text  # invalid, not empty
        await pilot.press("backspace", *"24")
        assert app.shown == len(Library(sample_store.papers(), {}).select(parse("year:2024")))


async def test_query_words_are_marked_in_titles_and_the_detail_pane(sample_store: Store) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"rag")
        assert app.shown == 4  # RAG, not "average" or "leverage"
        rows = [marked(list(app.papers.render_line(y))) for y in range(app.shown)]
        assert all(w == "RAG" for words in rows for w in words), rows
        texts = [app.papers.render_line(y).text for y in range(app.shown)]  # titles as cut
        assert [len(words) for words in rows] == [t.count("RAG") for t in texts]
        assert sum(map(len, rows)) >= 3
        await pilot.press("enter")
        pane = app.query_one("#detail", DetailPane)
        title = app.library.papers[app.papers.current or 0].title
        shown = [w for strip in pane._strips for w in marked(list(strip))]
        assert shown.count("RAG") >= title.count("RAG")
        assert all(w.casefold() == "rag" for w in shown)


async def test_a_phrase_and_a_note_are_marked_as_typed(sample_store: Store) -> None:
    papers = sample_store.papers()
    hft = next(p for p in papers if p.title.startswith("HFT"))
    sample_store.update([hft.id], lambda a: a.with_note("Compare with [b]LoRA[/b] later"))
    app = make_app(sample_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *'"half fine" lora', "enter")
        assert app.shown == 1
        assert marked(list(app.papers.render_line(0))) == ["Half Fine"]
        pane = app.query_one("#detail", DetailPane)
        shown = [w for strip in pane._strips for w in marked(list(strip))]
        assert "Half Fine" in shown and "LoRA" in shown
        assert "Compare with [b]LoRA[/b] later" in pane.text  # the note's text, not markup
        assert app.library.annotation(hft.id) == Annotation(
            note="Compare with [b]LoRA[/b] later", updated=app.library.annotation(hft.id).updated
        )


def picker_rows(app: ReadListApp) -> list[str]:
    from textual.widgets import OptionList

    options = app.screen.query_one("#filter-options", OptionList)
    return [" ".join(str(options.get_option_at_index(i).prompt).split())
            for i in range(options.option_count)]  # fmt: skip


async def test_saved_filters_show_live_counts_and_jump_on_digits(sample_store: Store) -> None:
    from readlist.tui.screens.filters import FilterPicker

    sample_store.save_filter("rag", '"rag" OR retrieval')
    sample_store.save_filter("hft", '"half fine"')
    library = Library(sample_store.papers(), {})
    rag = len(library.select(parse('"rag" OR retrieval')))
    app = make_app(sample_store)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.press("f")
        assert isinstance(app.screen, FilterPicker)
        assert picker_rows(app) == [
            f'1 @rag {rag} papers · {rag} unread "rag" OR retrieval',
            '2 @hft 1 papers · 1 unread "half fine"',
        ]
        await pilot.press("2")  # jumps to the second filter
        assert app.filter_bar.value == "@hft" and app.shown == 1
        await pilot.press("r")  # mark the HFT paper read
        await pilot.press("f")
        assert picker_rows(app)[1] == '2 @hft 1 papers · 0 unread "half fine"'
        await pilot.press("1")
        assert app.filter_bar.value == "@rag" and app.shown == rag
        await pilot.press("slash", "ctrl+u", *"@hft OR @rag")
        assert app.shown == rag + 1
        await pilot.press("ctrl+u", *"@nope")
        assert "no saved filter '@nope' (saved: @hft, @rag)" in shown_error(app)
        assert app.shown == 0


async def test_abstracts_are_searched_before_the_index_is_built(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staged start: once abstracts are read, words find them, index or not."""
    import threading

    from readlist.search import SearchIndex

    release = threading.Event()
    make = SearchIndex.make_text_index

    def slow_index(self: SearchIndex):  # type: ignore[no-untyped-def]
        release.wait(10)
        return make(self)

    monkeypatch.setattr(SearchIndex, "make_text_index", slow_index)
    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)  # index even 101 papers
    word = "findings"  # in abstracts, in no title
    papers = sample_store.papers()
    assert not any(word in p.title.casefold() for p in papers)
    expected = len(Library(papers, {}).select(parse(word)))
    assert expected > 0
    app = ReadListApp(sample_store, copy=lambda t, f: "x", watch_interval=3600, stage_above=0)
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.abstracts_searched:
            await pilot.pause(0.01)
        assert not app.search_ready  # the index is still being built
        await pilot.press("slash", *word)
        assert app.shown == expected
        assert "search is complete" in status(app)
        release.set()
        while not app.search_ready:
            await pilot.pause(0.01)
        assert app.shown == expected
        assert app.library.search.text_index is not None
