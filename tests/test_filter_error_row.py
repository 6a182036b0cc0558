"""The error rows of a filter that does not parse cost no layout of the rest of the screen.

The message is drawn over the top of the list, which lists nothing while the query is
invalid (its first line, "Nothing listed…", stays visible above the message), so the
list and the detail pane keep their places when it comes and goes; a key that changes
the message but not its height does no layout pass at all.
"""

from __future__ import annotations

import pytest
from textual.screen import Screen

from readlist.store import Store
from readlist.tui.app import ReadListApp


def screen_text(app: ReadListApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_error_comes_and_goes_without_moving_the_list(
    sample_store: Store, size: tuple[int, int]
) -> None:
    app = ReadListApp(sample_store, copy=lambda text, terminal: "nowhere", watch_interval=3600)
    async with app.run_test(size=size) as pilot:
        await pilot.press("slash", *"video")
        await pilot.pause()
        places = (app.papers.region, app.query_one("#detail").region)
        await pilot.press("space", *"OR")
        await pilot.pause()
        assert app.filter_bar.problem is not None
        text = " ".join(screen_text(app).split())
        assert "Nothing listed: the filter is not a valid query" in text
        assert "'OR' needs a term after it, as in lora OR adapter" in text
        assert "Esc clears the filter" in text
        assert (app.papers.region, app.query_one("#detail").region) == places
        await pilot.press("space", *"rag")
        await pilot.pause()
        assert app.filter_bar.problem is None
        assert "needs a term" not in screen_text(app)
        assert (app.papers.region, app.query_one("#detail").region) == places
        assert app.shown > 0


async def test_a_message_of_the_same_height_is_shown_without_a_layout_pass(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts: list[Screen[object]] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        layouts.append(self)
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    app = ReadListApp(sample_store, copy=lambda text, terminal: "nowhere", watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"year:20x")
        await pilot.pause()
        first = app.filter_bar.problem
        assert first is not None
        layouts.clear()
        await pilot.press("y")  # another one-line message
        await pilot.pause()
        assert app.filter_bar.problem not in (None, first)
        assert "20xy" in screen_text(app)
        assert layouts == []


async def test_showing_or_hiding_the_error_is_one_screen_update(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key that shows the message, and the one that hides it, each cost one screen
    update: the frame that shows the key's result shows the message too. (Showing it took
    three updates, two of them layout passes, hiding it two: the row's `display` changed
    by a CSS class only after the key's handler, the row's virtual size asked for another
    layout, and each layout pass repainted the scroll views' scrollbars after the frame.)"""
    updates: list[tuple[bool, list[str]]] = []
    on_timer_update = Screen._on_timer_update

    def counted(self: Screen[object]) -> None:
        layout = bool(self._layout_required)
        dirty = sorted(f"{type(w).__name__}#{w.id}" for w in self._dirty_widgets)
        on_timer_update(self)
        if layout or dirty:
            updates.append((layout, dirty))

    monkeypatch.setattr(Screen, "_on_timer_update", counted)
    app = ReadListApp(sample_store, copy=lambda text, terminal: "nowhere", watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:

        async def key(name: str) -> list[tuple[bool, list[str]]]:
            await pilot.pause(0.2)
            updates.clear()
            await pilot.press(name)
            for _ in range(100):  # the key's own update, however loaded the machine is
                if updates:
                    break
                await pilot.pause(0.01)
            await pilot.pause(0.2)  # and any that follow it
            return list(updates)

        await pilot.press("slash")
        app.filter_bar.input.cursor_blink = False
        await pilot.press(*"video", "space", "O")
        shown = await key("R")
        assert app.filter_bar.problem is not None
        assert "'OR' needs a term after it" in " ".join(screen_text(app).split())
        assert len(shown) == 1, shown
        same = await key("space")  # the same message: no layout pass
        assert len(same) == 1 and not same[0][0], same
        hidden = await key("r")
        assert app.filter_bar.problem is None
        assert "needs a term" not in screen_text(app)
        assert len(hidden) == 1, hidden


def test_the_copied_scroll_view_method_is_still_textuals() -> None:
    # scrolling.KeptBars._size_updated is Textual's ScrollView._size_updated with the
    # scrollbars' update made by `update_scrollbars` (repainting only what changes). A
    # Textual release that changes the original must be looked at again.
    import inspect

    from textual.scroll_view import ScrollView

    source = inspect.getsource(ScrollView._size_updated)
    for line in (
        "if size_changed := self._size != size:",
        "self._scrollbar_changes.clear()",
        "self._container_size = size - self.styles.gutter.totals",
        "self._scroll_update(virtual_size)",
        "return size_changed or self._container_size != container_size",
    ):
        assert line in source, line
    assert source.count("\n") < 30
