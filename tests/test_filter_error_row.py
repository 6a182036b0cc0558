"""An invalid query's message costs no layout of the screen.

The list lists nothing while the query is invalid and draws the message in its own
empty rows, under its first line ("Nothing listed…"): the list and the detail pane keep
their places when it comes and goes, and no key that shows, changes or hides it does a
layout pass (one that did cost 7-16 ms of the key's frame at 100,000 papers).
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


async def test_no_key_that_shows_changes_or_hides_the_message_lays_out(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts: list[Screen[object]] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen[object], *args: object, **kwargs: object) -> None:
        layouts.append(self)
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    app = ReadListApp(sample_store, copy=lambda text, terminal: "nowhere", watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"year")
        await pilot.pause()
        layouts.clear()
        messages = []
        # Shown (year:), changed (year:2x, then a message of another height), hidden.
        for key in [":", "2", "x", *" OR", "backspace", "backspace", "backspace", "backspace"]:
            await pilot.press(key)
            await pilot.pause()
            messages.append(app.filter_bar.problem)
        assert messages[0] is not None and messages[-1] is None
        assert len({len(m) for m in messages if m is not None}) > 1
        await pilot.press(*"0x")
        await pilot.pause()
        assert "year:20x is not a number comparison" in " ".join(screen_text(app).split())
        assert layouts == []


async def test_showing_or_hiding_the_error_is_one_screen_update(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key that shows the message, and the one that hides it, each cost one screen
    update and no layout pass: the frame that shows the key's result shows the message
    too. (A widget of its own took three updates, two of them layout passes, then one
    layout pass.)"""
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
        assert len(shown) == 1 and not shown[0][0], shown
        same = await key("space")  # the same message
        assert len(same) == 1 and not same[0][0], same
        hidden = await key("r")
        assert app.filter_bar.problem is None
        assert "needs a term" not in screen_text(app)
        assert len(hidden) == 1 and not hidden[0][0], hidden


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


async def test_a_key_that_makes_the_query_valid_filters_once_and_lists_its_papers(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mending a query filters once, by the mended query (it filtered twice, the first
    time by the last valid query); mending it back into that query lists it again."""
    from readlist.library import Library
    from readlist.query import parse

    app = ReadListApp(sample_store, copy=lambda text, terminal: "nowhere", watch_interval=3600)
    library = Library(sample_store.papers(), {})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"rag")
        await pilot.pause()
        rag = app.shown
        assert rag == len(library.select(parse("rag"))) > 0
        await pilot.press(*" year:")  # invalid from the ":" (the last valid: "rag year")
        await pilot.pause()
        assert app.filter_bar.problem is not None and app.shown == 0
        filtered: list[str] = []
        refilter = ReadListApp.refilter

        def counted(self: ReadListApp) -> None:
            filtered.append(self.filter_bar.value)
            refilter(self)

        monkeypatch.setattr(ReadListApp, "refilter", counted)
        await pilot.press("2")
        await pilot.pause()
        assert filtered == ["rag year:2"]
        assert app.shown == len(library.select(parse("rag year:2")))
        # Back to the last valid query itself (its `parsed` does not change).
        await pilot.press("ctrl+u", *"rag)")
        await pilot.pause()
        assert app.filter_bar.problem is not None and app.shown == 0
        await pilot.press("backspace")
        await pilot.pause()
        assert app.filter_bar.problem is None and app.shown == rag
