"""The screen updates the app's main screen writes are what Textual's compositor writes.

`SpanCompositor` (readlist/tui/compositor.py) draws only the lines of only the widgets
that an update's spans cross. Every check here compares what an update writes, cell by
cell (character and style, inside its spans), with what Textual's own
`Compositor.render_partial_update` writes for the same dirty regions of the same screen:
after real keys (filtering, moving, marking, a note's mark), for random regions, and
with a notification on top of the list (random regions, seeded: `random`, as
hypothesis cannot drive a running app).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from rich.cells import cell_len
from rich.style import Style
from textual._compositor import ChopsUpdate, Compositor, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.compositor import SpanCompositor
from readlist.tui.widgets.detail import DetailPane
from readlist.tui.widgets.paper_list import PaperList

Cells = dict[tuple[int, int], tuple[str, Style | None]]


def written(update: ChopsUpdate | LayoutUpdate | None) -> Cells:
    """What `update` writes to the terminal, cell by cell with its style: as
    `ChopsUpdate.render_segments` writes it (a piece that starts before a span is
    written from its own start), or every line of a full update."""
    cells: Cells = {}
    if update is None:
        return cells
    if isinstance(update, LayoutUpdate):
        for y, line in enumerate(update.strips, update.region.y):
            at = update.region.x
            for strip in line:
                at = put(cells, strip, at, y)
        return cells
    for y, x1, x2 in update.spans:
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            if not (x2 > x >= x1 and end <= x2):
                strip = strip.crop(0, min(end, x2) - x)
            put(cells, strip, x, y)
    return cells


def put(cells: Cells, strip: Strip, x: int, y: int) -> int:
    """Write `strip` at (x, y) into `cells`; the cell after it."""
    for segment in strip:
        if segment.control:
            continue
        for char in segment.text:
            cells[x, y] = (char, segment.style)
            x += cell_len(char)
    return x


def both(compositor: SpanCompositor, regions: set[Region]) -> tuple[Cells, Cells]:
    """What the span compositor and Textual's write for `regions` of the same screen."""
    compositor._dirty_regions = set(regions)
    ours = written(compositor.render_partial_update())
    compositor._dirty_regions = set(regions)
    stock = written(Compositor.render_partial_update(compositor))
    return ours, stock


def new_app(store: Store) -> ReadListApp:
    return ReadListApp(store, copy=lambda text, terminal: "nowhere", watch_interval=3600)


async def test_every_update_of_a_session_writes_what_textual_writes(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[tuple[Cells, Cells]] = []
    render = SpanCompositor.render_partial_update

    def compared(self: SpanCompositor) -> ChopsUpdate | None:
        regions = set(self._dirty_regions)
        update = render(self)
        self._dirty_regions = regions
        checked.append((written(update), written(Compositor.render_partial_update(self))))
        return update

    monkeypatch.setattr(SpanCompositor, "render_partial_update", compared)
    app = new_app(sample_store)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen._compositor, SpanCompositor)
        keys = ["j", "j", "pagedown", "k", "r", "3", "space", "j", "space", "G", "g"]
        keys += ["slash", *"prompt", "space", *"tun", "backspace", "enter", "j", "j"]
        keys += ["escape", "slash", *"title:", "escape", "j", "s", "j", "u"]
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        app.notify("A message over the list")
        await pilot.pause()
        for key in ("j", "j", "k"):
            await pilot.press(key)
            await pilot.pause()
    assert len(checked) >= 30  # (most keys drew a partial update)
    assert sum(1 for ours, _stock in checked if ours) >= 30
    for ours, stock in checked:
        assert ours == stock


async def test_the_screen_the_updates_wrote_is_the_screen_a_full_repaint_draws(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The updates alone, as the terminal receives them (no other drawing in between,
    which would draw every line), add up to what a full repaint shows."""
    screen: Cells = {}
    render_update = SpanCompositor.render_update

    def applied(self: SpanCompositor, *args: Any, **kwargs: Any) -> Any:
        update = render_update(self, *args, **kwargs)
        assert update is None or isinstance(update, ChopsUpdate | LayoutUpdate)
        screen.update(written(update))
        return update

    monkeypatch.setattr(SpanCompositor, "render_update", applied)
    app = new_app(sample_store)
    async with app.run_test(size=(100, 30)) as pilot:
        keys = ["j", "j", "pagedown", "k", "r", "3", "space", "j", "space", "G", "g"]
        keys += ["slash", *"prompt", "space", *"tun", "backspace", "enter", "j", "j"]
        keys += ["escape", "slash", *"title:", "escape", "j", "s", "j", "u", "j", "pagedown"]
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        app.notify("A message over the list")
        await pilot.pause()
        for key in ("j", "j", "k", "pageup"):
            await pilot.press(key)
            await pilot.pause()
        compositor = app.screen._compositor
        assert isinstance(compositor, SpanCompositor)
        monkeypatch.undo()
        full = written(Compositor.render_full_update(compositor))
    assert len(full) == 100 * 30
    assert screen == full


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
async def test_random_regions_write_what_textual_writes(
    sample_store: Store, size: tuple[int, int]
) -> None:
    rng = random.Random(size[0])
    width, height = size
    screen = Region(0, 0, width, height)
    app = new_app(sample_store)
    async with app.run_test(size=size) as pilot:
        compositor = app.screen._compositor
        assert isinstance(compositor, SpanCompositor)
        # Screens to cut up: the start, a moved cursor, a filter, a notification on top.
        states: list[list[str]] = [[], ["j"] * 7, ["slash", *"model", "enter", "j"], []]
        for number, keys in enumerate(states):
            for key in keys:
                await pilot.press(key)
            if number == len(states) - 1:
                app.notify("A message over the list")
            await pilot.pause()
            for _case in range(80):
                regions = set()
                for _box in range(rng.randint(1, 6)):
                    x, y = rng.randrange(width), rng.randrange(height)
                    box = Region(x, y, rng.randint(1, width - x), rng.randint(1, height - y))
                    if rng.random() < 0.5:  # often a single line, as a list row is
                        box = Region(box.x, box.y, box.width, 1)
                    regions.add(box.intersection(screen))
                ours, stock = both(compositor, regions)
                assert ours == stock
                cells = {(x, y) for r in regions for y in r.line_range for x in range(r.x, r.right)}
                assert set(ours) >= cells  # every cell of the regions is written


async def test_one_row_of_the_list_draws_that_row_and_nothing_beside_it(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: dict[str, list[Region]] = {"list": [], "detail": []}

    def recorded(cls: Any, name: str) -> None:
        render_lines = cls.render_lines

        def counting(self: Any, crop: Region) -> Any:
            asked[name].append(crop)
            return render_lines(self, crop)

        monkeypatch.setattr(cls, "render_lines", counting)

    recorded(PaperList, "list")
    recorded(DetailPane, "detail")
    app = new_app(sample_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        assert isinstance(compositor, SpanCompositor)
        asked["list"].clear()
        asked["detail"].clear()
        row = app.papers.region.y + 4
        ours, stock = both(compositor, {Region(app.papers.region.x, row, 10, 1)})
        assert ours == stock and len(ours) == 10
        heights = app.papers.region.height, app.query_one(DetailPane).region.height
    # Textual's own update asked the list for all its lines and the detail pane for all
    # of its own; the span compositor asked the list for one line only.
    assert asked["list"][0].height == 1
    assert [crop.height for crop in asked["list"][1:]] == [heights[0]]
    assert [crop.height for crop in asked["detail"]] == [heights[1]]
