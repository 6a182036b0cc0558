"""Changing how much a ScrollView scrolls, in the same frame as its content, and
repainting a scrollbar only when it will look different.

Setting `virtual_size` asks Textual for a layout pass, during which the scrollbars are
updated; that marks them dirty after the frame was composed, so a second screen update
follows ~30 ms later (Textual spaces updates by its frame timer). For a view whose own
size does not change (the paper list, the detail pane), no layout is needed: set the
value and update the scrollbars now, before the frame, and the key's whole effect is
drawn at once (`update_scrollbars` does what Textual's private `Widget._scroll_update`
does; covered by the tests that count frames in benchmarks/bench_tui.py). With
`repaint=False` the caller repaints what changed itself (only the lines that differ,
see paper_list.py).

A scrollbar costs as much to draw as a pane of text (Textual styles it line by line:
~0.7 ms for 37 rows, a sixth of a `down` key's frame). Textual repaints it whenever its
position or sizes change, even when its thumb stays on the same eighth of a cell: at
100k rows a page down moves the thumb by a hundredth of a cell, and two papers whose
details both fit the pane draw the same empty track. `set_bar` repaints it only when
the segments Textual would draw differ (computed with Textual's own `render_bar`).

Drawing it again cost ~1.2-2 ms of a `down` key (the detail pane's thumb follows each
paper's length), so the two views' vertical bars are `KeptScrollBar`s (`KeptBars`): a
bar keeps the lines it drew by what they show (the bar's segments and colours), and the
detail pane draws the bar of the next papers ahead of time (`KeptScrollBar.prepare`).
"""

from __future__ import annotations

from math import ceil

from rich.console import Console
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.visual import Visual, visualize

from readlist.tui.widgets.lines import StyledLines


def set_virtual_size(view: ScrollView, size: Size, *, repaint: bool = True) -> None:
    if size == view.virtual_size:
        return
    view.set_reactive(ScrollView.virtual_size, size)
    if view.is_mounted:
        update_scrollbars(view, size)
    if repaint:
        view.refresh()


def update_scrollbars(view: ScrollView, virtual_size: Size) -> None:
    """Textual's `Widget._scroll_update`, repainting a scrollbar only if its look changes."""
    view._refresh_scrollbars()
    width, height = view.container_size
    if view.show_vertical_scrollbar and view.styles.scrollbar_size_vertical:
        set_bar(
            view.vertical_scrollbar,
            virtual=virtual_size.height,
            window=height - view.scrollbar_size_horizontal,
        )
    if view.show_horizontal_scrollbar and view.styles.scrollbar_size_horizontal:
        set_bar(
            view.horizontal_scrollbar,
            virtual=virtual_size.width,
            window=width - view.scrollbar_size_vertical,
        )
    view.scroll_x = view.validate_scroll_x(view.scroll_x)
    view.scroll_y = view.validate_scroll_y(view.scroll_y)


def scroll_y_changed(view: ScrollView, old: float, new: float) -> None:
    """`ScrollView.watch_scroll_y`, repainting the scrollbar only if its thumb moves.

    A view calls it from its own `watch_scroll_y`.
    """
    if view.show_vertical_scrollbar:
        set_bar(view.vertical_scrollbar, position=new)
    if round(old) != round(new):
        view.refresh(view.size.region)


def refresh_runs(view: ScrollView, lines: list[int]) -> None:
    """Repaint `lines` (virtual line numbers, ascending), one region per run of
    consecutive lines: each region repainted costs Textual a pass of its own."""
    runs: list[list[int]] = []  # [first, past the last]
    for y in lines:
        if runs and y == runs[-1][1]:
            runs[-1][1] = y + 1
        else:
            runs.append([y, y + 1])
    # Each run across the whole widget, padding and scrollbar included (`refresh_lines`
    # stops at the content's edge): the compositor then writes each line's pieces as
    # they are, with the terminal encoding cached on them (see lines.py), where a span
    # starting inside a piece had it cut and encoded anew every frame.
    left = view.content_offset.x
    width, top = view.outer_size.width, view.scroll_offset.y
    for first, past in runs:
        view.refresh(Region(-left, first - top, width, past - first))


def set_bar(
    bar: ScrollBar,
    *,
    virtual: int | None = None,
    window: int | None = None,
    position: float | None = None,
) -> None:
    """Set a scrollbar's sizes or position; repaint it only if it will look different."""
    before = _look(bar)
    if virtual is not None:
        bar.set_reactive(ScrollBar.window_virtual_size, virtual)
    if window is not None:
        bar.set_reactive(ScrollBar.window_size, window)
    if position is not None:
        bar.set_reactive(ScrollBar.position, bar.validate_position(position))
    if _look(bar) != before:
        bar.refresh()


def _look(bar: ScrollBar) -> object:
    """What `bar` draws, as far as its sizes and position decide (`ScrollBar._render_bar`);
    its colours are not in it (a new theme or hover repaints it by Textual's own path)."""
    window = bar.window_size if bar.window_size < bar.window_virtual_size else 0
    length = bar.size.height if bar.vertical else bar.size.width
    drawn = bar.renderer.render_bar(
        size=length,
        virtual_size=ceil(bar.window_virtual_size),
        window_size=ceil(window),
        position=bar.position,
        thickness=bar.thickness,
        vertical=bar.vertical,
    )
    return (length, tuple(drawn.segments))


class KeptScrollBar(ScrollBar):
    """A vertical scrollbar that keeps the lines it drew, by what they show.

    What is drawn is what `ScrollBar` draws (its own `render`, through Textual's
    `Visual` and styles): only kept, by the bar's segments (`_look`), its colours and
    its size, so a thumb drawn once before costs nothing to draw again.
    """

    def __init__(self, vertical: bool = True, name: str | None = None, *, thickness: int = 1):
        super().__init__(vertical, name, thickness=thickness)
        self._looks: dict[tuple[object, ...], object] = {}  # numbers -> `_look`
        self._contents: dict[object, list[Strip]] = {}  # what it shows -> content lines
        self._lines: dict[tuple[object, ...], Strip] = {}  # a line's segments -> the line
        self._styled = StyledLines(256)

    def forget(self) -> None:
        """Empty what it keeps (it is drawn anew)."""
        self._looks.clear()
        self._contents.clear()
        self._lines.clear()
        self._styled.clear()

    def _shown(self) -> object:
        """Everything the bar's lines are made of (but what `StyledLines` checks)."""
        numbers = (
            self.window_virtual_size,
            self.window_size,
            self.position,
            self.size,
            self.thickness,
            self.vertical,
        )
        look = self._looks.get(numbers)
        if look is None:
            if len(self._looks) > 256:
                self._looks.clear()
            look = self._looks[numbers] = _look(self)
        return (look, self._colours())

    def _colours(self) -> tuple[object, ...]:
        """What `ScrollBar.render` picks its style from."""
        parent = self.parent
        assert parent is not None
        styles = parent.styles
        return (
            bool(self.grabbed),
            self.mouse_over,
            styles.scrollbar_background_active,
            styles.scrollbar_color_active,
            styles.scrollbar_background_hover,
            styles.scrollbar_color_hover,
            styles.scrollbar_background,
            styles.scrollbar_color,
            parent.background_colors[0],
            self.screen.styles.scrollbar_color.a == 0,
            self.visual_style,
        )

    def _content(self) -> list[Strip]:
        shown = self._shown()
        lines = self._contents.get(shown)
        if lines is None:
            # `Widget._render_content`, without its cache (`prepare` draws other thumbs)
            width, height = self.size
            visual = visualize(self, self.render(), markup=self._render_markup)
            lines = [
                self._same(line)
                for line in Visual.to_strips(self, visual, width, height, self.visual_style)
            ]
            if len(self._contents) > 128:
                self._contents.clear()
                self._lines.clear()
            self._contents[shown] = lines
        return lines

    def _same(self, line: Strip) -> Strip:
        """`line`, or the strip drawn before with the same segments: a new thumb's bar is
        mostly the track lines of the last one, which are then already styled (a thumb
        that changed restyled all 37 lines of the list's bar, ~1 ms of a filter key)."""
        key = tuple(line)
        kept = self._lines.get(key)
        if kept is None:
            kept = self._lines[key] = line
        return kept

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = self._content()
        blank = Strip.blank(self.size.width, self.visual_style.rich_style)

        def content(y: int) -> Strip:
            return lines[y] if y < len(lines) else blank

        strips = self._styled.render(self, crop, content)
        return super().render_lines(crop) if strips is None else strips

    def prepare(self, *, virtual: int, window: int, position: float, console: Console) -> None:
        """Draw the bar as it would be with these sizes, ahead of time (nothing changes on
        screen): the detail pane's bar for the papers the next key will likely show."""
        if not self.is_mounted or not self.size:
            return
        shown = (self.window_virtual_size, self.window_size, self.position)
        try:
            self.set_reactive(ScrollBar.window_virtual_size, virtual)
            self.set_reactive(ScrollBar.window_size, window)
            self.set_reactive(ScrollBar.position, self.validate_position(position))
            self._styled.prepare(self, self._content(), console)
        finally:
            self.set_reactive(ScrollBar.window_virtual_size, shown[0])
            self.set_reactive(ScrollBar.window_size, shown[1])
            self.set_reactive(ScrollBar.position, shown[2])


class KeptBars:
    """For a ScrollView: its vertical scrollbar is a `KeptScrollBar`
    (`Widget.vertical_scrollbar`, which creates it, with the class changed), and a layout
    pass repaints its scrollbars only if they will look different (`_size_updated`)."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """`ScrollView._size_updated`, with `update_scrollbars` for `_scroll_update`.

        Every layout pass calls this for every widget on screen, and ScrollView's own
        version updates the scrollbars whenever the compositor's virtual size differs from
        the view's (always, for a view that draws its own lines), repainting both bars.
        Those repaints come after the frame was composed, so any layout pass (a widget shown or
        hidden) cost a second screen update ~30 ms later for bars that
        look the same.
        """
        view = self
        assert isinstance(view, ScrollView)
        if size_changed := view._size != size:
            view._set_dirty()
        if (
            size_changed
            or virtual_size != view.virtual_size
            or container_size != view.container_size
        ):
            view._scrollbar_changes.clear()
            view._size = size
            view._container_size = size - view.styles.gutter.totals
            update_scrollbars(view, view.virtual_size)
        return size_changed or view._container_size != container_size

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        view = self
        assert isinstance(view, ScrollView)
        if view._vertical_scrollbar is None:
            bar = KeptScrollBar(
                vertical=True, name="vertical", thickness=view.scrollbar_size_vertical
            )
            bar.display = False
            view._vertical_scrollbar = bar
            view.app._start_widget(view, bar)
        return view._vertical_scrollbar
