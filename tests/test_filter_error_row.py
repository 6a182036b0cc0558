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
