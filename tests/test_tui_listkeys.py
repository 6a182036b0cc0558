"""What the screen shows after moving through the list (issue 13's `down` and PgDn work).

The list, the detail pane and their scrollbars keep what they drew and repaint only what
changed: row strips, component styles and wrapped details are cached, the details of the
next papers are wrapped ahead, a scrollbar whose thumb does not move is not repainted,
and a burst of keys builds the details of its last paper only. Each of those is a way to
leave something stale on screen, so these tests compare what the screen holds after each
key (Textual's compositor, drawn from every widget's cached lines: what the terminal got)
with what a from-scratch drawing shows (every cache emptied), and check by name the row
under the cursor, the detail pane's title and the status line.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.style import Style
from textual import events
from textual.widget import Widget

from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.widgets.detail import DetailPane
from readlist.tui.widgets.paper_list import PaperList
from readlist.tui.widgets.scrolling import KeptScrollBar

SIZE = (120, 40)


@pytest.fixture
def app(sample_store: Store) -> ReadListApp:
    return ReadListApp(
        sample_store,
        copy=lambda text, terminal: "x",
        open_url=lambda url: True,
        watch_interval=3600,
    )


Screen = list[list[tuple[str, Style | None]]]


def drawn(app: ReadListApp) -> Screen:
    """Every cell of the screen as its widgets' cached lines draw it: (character, style)."""
    update = app.screen._compositor.render_full_update()
    screen: Screen = []
    for line in update.strips:
        cells: list[tuple[str, Style | None]] = []
        for strip in line:
            for segment in strip:
                cells.extend((char, segment.style) for char in segment.text)
        screen.append(cells)
    return screen


def from_scratch(app: ReadListApp) -> Screen:
    """The screen drawn anew: every cache of the list and the detail pane emptied."""
    papers, detail = app.papers, app.query_one("#detail", DetailPane)
    papers._cache.clear()
    papers._styles.clear()
    papers._styled.clear()
    detail._built.clear()
    detail._styles.clear()
    detail._styled.clear()
    detail._abstract_lines = None
    detail._layout()
    for widget in app.screen.walk_children(Widget):
        widget.refresh()  # its content and its styled lines drawn again
        for bar in (widget._vertical_scrollbar, widget._horizontal_scrollbar):
            if bar is not None:  # (not in the DOM: drawn by the compositor beside it)
                bar.refresh()
                if isinstance(bar, KeptScrollBar):
                    bar.forget()
    return drawn(app)


def text(screen: Screen, y: int) -> str:
    return "".join(char for char, _ in screen[y])


def region_text(app: ReadListApp, screen: Screen, widget: Widget) -> list[str]:
    region = widget.content_region
    return [
        "".join(char for char, _ in screen[y][region.x : region.right]).rstrip()
        for y in range(region.y, region.bottom)
    ]


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.pause()


def check(app: ReadListApp) -> None:
    """The screen shows the highlighted paper in the list and in the detail pane, and
    nothing a fresh drawing would not show."""
    papers: PaperList = app.papers
    detail = app.query_one("#detail", DetailPane)
    screen = drawn(app)
    position = papers.current
    assert position is not None
    paper = app.library.papers[position]
    # The cursor row: exactly one row of the list in the cursor's colours, this paper's.
    cursor = papers.get_component_rich_style("paper-list--cursor").bgcolor
    region = papers.content_region
    rows = [
        y
        for y in range(region.y, region.bottom)
        if screen[y][region.x + 2][1] is not None and screen[y][region.x + 2][1].bgcolor == cursor  # type: ignore[union-attr]
    ]
    assert rows == [region.y + papers.selection.cursor - int(papers.scroll_offset.y)]
    assert paper.title[:20] in text(screen, rows[0])
    # The detail pane shows its title on its first line (the pane is at its top).
    shown = region_text(app, screen, detail)
    assert " ".join(" ".join(shown).split()).startswith(" ".join(paper.title.split())[:30])
    assert detail.text.split("\n")[0].strip() in " ".join(paper.title.split())
    assert screen == from_scratch(app)


MOVES = ["down", "down", "pagedown", "down", "up", "pagedown", "pageup", "end", "up", "home"]


async def test_every_move_shows_the_highlighted_paper_and_nothing_stale(app: ReadListApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        check(app)
        rows = app.papers.selection.rows
        for key in MOVES:
            await pilot.press(key)
            await settle(pilot)
            check(app)
        assert app.papers.current == rows[0]
        # Once more, where each paper's details were wrapped ahead or are kept.
        for key in MOVES:
            await pilot.press(key)
            await settle(pilot)
            check(app)
        status = str(app.query_one("#status").render())
        assert "101 / 101 papers · 101 unread" in status


async def test_a_rating_a_tag_and_a_mark_show_on_the_row_and_in_the_details(
    app: ReadListApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)
        position = app.papers.current
        assert position is not None
        await pilot.press("4")
        await settle(pilot)
        check(app)
        row = text(drawn(app), app.papers.content_region.y + 2)
        assert "★★★★☆" in row
        assert "★★★★☆" in app.query_one("#detail", DetailPane).text
        await pilot.press("t", *"cachetest", "enter")
        await settle(pilot)
        check(app)
        assert "#cachetest" in text(drawn(app), app.papers.content_region.y + 2)
        # Away and back: the kept details of this paper are not the ones before the tag.
        await pilot.press("down", "up")
        await settle(pilot)
        check(app)
        assert "#cachetest" in app.query_one("#detail", DetailPane).text
        await pilot.press("space")  # marks it and moves down
        await settle(pilot)
        check(app)
        assert text(drawn(app), app.papers.content_region.y + 2).lstrip("│ ").startswith("✓")
        assert app.library.annotation_at(position).rating == 4


async def test_a_bulk_change_reaches_details_wrapped_ahead(app: ReadListApp) -> None:
    """The next paper's details are wrapped ahead, unread; a bulk `r` then marks it read:
    moving onto it shows it read."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "up", "up")  # marks rows 0 and 1, back on 0
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        check(app)
        await pilot.press("down")
        await settle(pilot)
        check(app)
        assert "read ✓" in app.query_one("#detail", DetailPane).text


async def test_a_new_theme_redraws_rows_details_and_scrollbars(app: ReadListApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "pagedown", "down")
        await settle(pilot)
        before = app.papers.get_component_rich_style("paper-list--cursor")
        app.theme = "nord" if app.theme != "nord" else "gruvbox"
        await settle(pilot)
        assert app.papers.get_component_rich_style("paper-list--cursor") != before
        check(app)
        await pilot.press("down", "up")
        await settle(pilot)
        check(app)


async def test_a_resize_rewraps_the_details_and_redraws_the_rows(app: ReadListApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        await pilot.resize_terminal(140, 30)
        await settle(pilot)
        check(app)
        width = app.query_one("#detail", DetailPane).scrollable_content_region.width
        assert all(
            len(line) <= width for line in app.query_one("#detail", DetailPane).text.split("\n")
        )
        await pilot.press("up", "pagedown")
        await settle(pilot)
        check(app)


async def test_a_filter_and_a_move_show_the_filtered_paper(app: ReadListApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # details of the neighbours wrapped ahead
        await pilot.press("slash", *"model", "enter")
        await settle(pilot)
        assert 1 < app.shown < 101
        check(app)
        for key in ("down", "pagedown", "up", "home"):
            await pilot.press(key)
            await settle(pilot)
            check(app)
        # The filter's words are marked in the details: a kept, unmarked copy is not used.
        assert app.query_one("#detail", DetailPane)._look[4:] != ((), (), ())


async def test_a_burst_of_keys_builds_the_details_of_its_last_paper(
    app: ReadListApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys typed faster than they are handled (a held key): the final frame shows the
    paper the cursor reached, whose details were built once, not those of every row."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        built: list[str] = []
        detail = app.query_one("#detail", DetailPane)
        original: Callable[[int], None] = detail._build

        def build(width: int) -> None:
            if detail._paper is not None:
                built.append(detail._paper.id)
            original(width)

        monkeypatch.setattr(detail, "_build", build)
        rows = app.papers.selection.rows
        for _ in range(12):
            app.post_message(events.Key("down", None))
        await settle(pilot)
        await pilot.pause(0.1)
        assert app.papers.selection.cursor == 12
        ids = [app.library.papers[row].id for row in rows]
        wrapped = [ids.index(paper_id) for paper_id in built]
        # The last rows of the burst (a key may find the next one not yet queued) and
        # the neighbours of the last, ahead; each once.
        assert len(wrapped) == len(set(wrapped)) <= 4, wrapped
        assert set(wrapped) <= set(range(10, 14)), wrapped
        check(app)
