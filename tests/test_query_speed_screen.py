"""A key typed in the filter repaints only what changed, and the screen is still right.

The list repaints only the rows whose look changed (the rows a key removes, the titles
its words mark) and the detail pane only its lines that differ; a key that changes
nothing in the pane does no work there. What is on screen (the composed frame, not the
widgets' own state) must be what a full repaint would draw after every key.
"""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.strip import Strip

from readlist.library import Library
from readlist.query import parse
from readlist.query.highlight import match_spans
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.widgets.detail import DetailPane
from readlist.tui.widgets.marking import MarkedLines

SIZE = (100, 30)


def make_app(store: Store) -> ReadListApp:
    return ReadListApp(store, copy=lambda text, terminal: "nowhere", watch_interval=3600)


def screen_strips(app: ReadListApp) -> list[Strip]:
    return list(app.screen._compositor.render_strips())


def list_rows(app: ReadListApp) -> list[list[Segment]]:
    """The list's rows as drawn in the composed frame (segments, styles kept)."""
    region = app.papers.content_region
    strips = screen_strips(app)[region.y : region.bottom]
    width = app.papers.scrollable_content_region.width
    return [list(strip.crop(region.x, region.x + width)) for strip in strips]


def detail_lines(app: ReadListApp) -> list[tuple[str, str]]:
    """The detail pane's lines in the composed frame: (text, the characters marked)."""
    pane = app.query_one("#detail", DetailPane)
    region = pane.content_region
    width = pane.scrollable_content_region.width
    return [
        looks(strip.crop(region.x, region.x + width))
        for strip in screen_strips(app)[region.y : region.bottom]
    ]


def looks(strip: Strip) -> tuple[str, str]:
    marked = "".join(s.text for s in strip if s.style and s.style.underline)
    return strip.text.rstrip(), marked


def check_screen(app: ReadListApp, library: Library, text: str) -> bool:
    """Check the list and the detail pane on screen; whether the pane shows marks."""
    query = parse(text)
    rows = library.select(query, app.sort)
    assert app.papers.selection.rows == rows, text
    drawn = list_rows(app)
    top = int(app.papers.scroll_offset.y)
    for y, segments in enumerate(drawn):
        line = "".join(s.text for s in segments)
        if not rows and y == 0:
            assert line.strip() == app.papers.empty_text, text
            continue
        if top + y >= len(rows):
            assert not line.strip(), (text, y, line)
            continue
        title = library.papers[rows[top + y]].title
        assert title[:12] in line, (text, y, line)
        # The marked characters are this query's matches in this title, none other.
        underlined = "".join(s.text for s in segments if s.style and s.style.underline)
        expected = "".join(
            title[a:b] for a, b in match_spans(title, query.highlights("title")) if b <= 40
        )
        if all(b <= 40 for _a, b in match_spans(title, query.highlights("title"))):
            assert underlined == expected, (text, y, line)
    # The pane as a full repaint draws it: every line of the paper from the scroll
    # offset, with this query's marks.
    pane = app.query_one("#detail", DetailPane)
    height = pane.scrollable_content_region.height
    drawn = [looks(pane.render_line(y)) for y in range(height)]
    assert detail_lines(app) == drawn, text
    return any(marked for _text, marked in drawn)


async def test_every_key_of_a_query_leaves_the_screen_a_full_repaint_would_draw(
    sample_store: Store,
) -> None:
    app = make_app(sample_store)
    library = Library(sample_store.papers(), sample_store.annotations())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        typed, marks = "", []
        keys = [*"prompt", "backspace", "backspace", "m", "backspace", *"pt", "space", *"OR rag"]
        for key in keys:  # "promm" lists nothing; "prompt" brings the rows back
            await pilot.press(key)
            typed = typed[:-1] if key == "backspace" else typed + (" " if key == "space" else key)
            await pilot.pause()
            assert app.filter_bar.value == typed
            if app.filter_bar.problem is None:
                marks.append(check_screen(app, library, typed))
        assert sum(marks) >= 5  # the pane's marks changed with the keys, and were drawn
        # The cursor moving down the list repaints the rows it leaves and reaches.
        await pilot.press("enter", "down", "down")
        await pilot.pause()
        assert app.papers.selection.cursor == 2
        check_screen(app, library, typed)
        cursor = app.papers.get_component_rich_style("paper-list--cursor").bgcolor
        cursor_rows = [
            y
            for y, segments in enumerate(list_rows(app))
            if segments and segments[0].style is not None and segments[0].style.bgcolor == cursor
        ]
        assert cursor_rows == [2]


async def test_a_key_that_changes_nothing_in_the_detail_pane_draws_nothing_there(
    sample_store: Store,
) -> None:
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"title:prompt")
        await pilot.pause()
        pane = app.query_one("#detail", DetailPane)
        before = pane.text
        strips = pane._strips
        # A space after the word: the same query, the same paper, the same marks.
        await pilot.press("space")
        await pilot.pause()
        assert pane._strips is strips  # not laid out again
        assert pane.text == before
        assert "prompt" in before.lower()


async def test_the_detail_pane_after_every_key_is_what_wrapping_its_paper_whole_draws(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pane wraps an abstract once and re-renders only the lines whose marks change
    # (`MarkedLines`); after every key its lines must be those of a whole wrap of the
    # marked texts, as the pane drew them before.
    app = make_app(sample_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        pane = app.query_one("#detail", DetailPane)
        kept = ("_strips", "_text", "_content_lines", "_abstract_lines")
        keys = [*"la", "backspace", "backspace", *"prompt", "space", *"tun", "backspace"]
        keys += ["space", *"OR", "space", *"models", "space", *'"language model"']
        re_marked = 0
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            shown = {name: getattr(pane, name) for name in kept}
            marking = shown["_abstract_lines"][1] if shown["_abstract_lines"] else None
            if marking is not None and marking._last is not None:
                re_marked += 1
            with monkeypatch.context() as patched:
                patched.setattr(MarkedLines, "marked", lambda self, *args: None)
                pane._content_lines = pane._abstract_lines = None
                pane._build(pane.scrollable_content_region.width)
                assert pane._strips == shown["_strips"], app.filter_bar.value
                assert pane.text == shown["_text"]
            for name, value in shown.items():
                setattr(pane, name, value)
        assert re_marked >= 5  # the keys went the way that draws only changed lines
