"""The list, the detail pane and their scrollbars draw exactly what Textual would draw.

They keep each styled line by the strip it is drawn from and style the next papers'
lines ahead of time (`readlist.tui.widgets.lines.StyledLines`, `KeptScrollBar`), which
bypasses Textual's own `Widget.render_lines`. After each key of a long walk (moves,
marks, ratings, a filter, focus changes, split changes, a theme change, a resize), every
line each of them hands the compositor must equal what Textual's own path draws for it
from scratch, segment by segment (text and style).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.widget import Widget

from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.widgets.detail import DetailPane
from readlist.tui.widgets.scrolling import KeptScrollBar

SIZE = (120, 40)


def _textual_lines(widget: Widget) -> list[tuple[int, list[Segment]]]:
    """The widget's lines as Textual's own `Widget.render_lines` draws them, anew."""
    region = Region(0, 0, *widget.region.size)
    widget._styles_cache.clear()
    if isinstance(widget, ScrollBar):
        widget._layout_cache.clear()
        widget._render_content()
    return [(strip.cell_length, list(strip)) for strip in Widget.render_lines(widget, region)]


def _kept_lines(widget: Widget) -> list[tuple[int, list[Segment]]]:
    region = Region(0, 0, *widget.region.size)
    return [(strip.cell_length, list(strip)) for strip in widget.render_lines(region)]


def check(app: ReadListApp) -> int:
    """Every line drawn from the caches equals Textual's own drawing; how many widgets
    were compared."""
    compared = 0
    detail = app.query_one("#detail", DetailPane)
    for view in (app.papers, detail):
        if not view.display or not view.region:
            continue
        widgets: list[Widget] = [view]
        bar = view._vertical_scrollbar
        if bar is not None and view.show_vertical_scrollbar and bar.region:
            assert isinstance(bar, KeptScrollBar)
            widgets.append(bar)
        for widget in widgets:
            kept = _kept_lines(widget)
            assert kept == _textual_lines(widget), f"{widget!r} draws stale lines"
            compared += 1
    return compared


WALK = [
    "down",
    "down",
    "pagedown",
    "down",
    "space",
    "down",
    "4",
    "up",
    "r",
    "pagedown",
    "pageup",
    "end",
    "up",
    "home",
    "w",
    "down",
    "w",
    "pagedown",
    "w",
    "w",
    "down",
    "slash",
    "a",
    "space",
    "m",
    "o",
    "backspace",
    "escape",
    "down",
    "pagedown",
]


async def test_every_key_draws_what_textual_draws(sample_store: Store) -> None:
    app = ReadListApp(
        sample_store,
        copy=lambda text, terminal: "x",
        open_url=lambda url: True,
        watch_interval=3600,
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        compared = 0
        for key in WALK:
            await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            compared += check(app)
        # A new theme: every colour changes, in no cache's key but the context's.
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        compared += check(app)
        for key in ("down", "pagedown", "up"):
            await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            compared += check(app)
        # Another size: the panes' widths and heights change.
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        await pilot.pause()
        compared += check(app)
        for key in ("down", "pagedown", "home"):
            await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            compared += check(app)
        assert compared > 4 * len(WALK)  # (the views and their bars were compared)


async def test_an_outline_is_drawn_where_textual_draws_it(sample_store: Store) -> None:
    """Textual draws an outline over the first and last content rows, by y: a row kept
    or styled ahead at another y must not carry it there (found by review)."""
    app = ReadListApp(
        sample_store, copy=lambda t, term: "x", open_url=lambda u: True, watch_interval=3600
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.papers.styles.outline = ("solid", "red")
        await pilot.pause()
        await pilot.pause()
        check(app)
        for key in ("down",) * 45 + ("pagedown", "up"):
            await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            check(app)


async def test_a_new_thumb_draws_only_the_lines_it_changes(sample_store: Store) -> None:
    """The list's bar after a filter changed the thumb: the lines that look as before
    are the strips drawn before (already styled), only the thumb's are new."""
    app = ReadListApp(sample_store, copy=lambda text, terminal: "x", watch_interval=3600)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.papers._vertical_scrollbar
        assert isinstance(bar, KeptScrollBar)
        before = list(bar._content())
        await pilot.press("slash", *"model")
        await pilot.pause()
        after = list(bar._content())
        assert app.shown < 101 and len(after) == len(before)
        same = [y for y in range(len(after)) if list(after[y]) == list(before[y])]
        assert len(same) < len(after)  # the thumb changed
        assert same and all(after[y] is before[y] for y in same)
        assert check(app) == 4
