"""A Line API widget's lines as Textual draws them, kept by the strip they are drawn from.

Textual draws each line a widget's `render_line` returns through its styles (padding,
border, background, the app's colour filters: `StylesCache.render_line`), into a new
`Strip` every time the line is repainted, and the compositor then cuts and encodes that
new strip again. For the detail pane and the list that was most of a `down` key's frame:
~40 lines styled anew (a new paper's text, the two rows whose cursor moved), ~3 ms of
the ~6 ms a screen update took at 120x40.

`StyledLines` keeps each styled line by the strip it was made from (the widgets keep
their strips: the list's rows by their look, the detail pane's by paper), so a line
already drawn once, or styled ahead of time (`prepare`: the next papers' details, the
next page's rows), is the same `Strip` object again: Textual's own caches on it (its
cuts, its filter, its terminal encoding) are then already filled. What is drawn is
exactly what Textual would draw: a miss goes through Textual's own `render_line`, and
everything else that line depends on (sizes, padding, border, colours, filters, theme)
is the cache's context, which empties it when it changes. A widget with a border title,
a hovered link or hatching is drawn by Textual's own path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual._border import get_box
from textual._segment_tools import line_pad
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.css.styles import StylesBase
from textual.css.types import EdgeType
from textual.dom import NoScreen
from textual.geometry import Region, Spacing
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.widget import Widget

KEPT = 4096  # styled lines kept (a 120x40 screen shows ~80 of these widgets' lines)


class StyledLines:
    """Styled lines of one widget, by the identity of the strip each was made from."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        # id(content strip) -> (content strip, styled strip); the content strip is held,
        # so its id is not reused while the entry lives.
        self._lines: dict[int, tuple[Strip, Strip]] = {}
        self._gutter: dict[int, Strip] = {}  # border and padding rows, by y
        self._context: object = None
        self._row: RowPieces | None = None  # for the context: see `_row_pieces`
        self._styles = StylesCache()  # only its `render_line` is used

    def clear(self) -> None:
        self._lines.clear()
        self._gutter.clear()
        self._context = None

    def render(
        self, widget: Widget, crop: Region, content: Callable[[int], Strip]
    ) -> list[Strip] | None:
        """`widget.render_lines(crop)` for a widget whose content line y is `content(y)`;
        None when Textual's own path must draw it (see the module docstring)."""
        drawing = self._drawing(widget)
        if drawing is None:
            return None
        top, bottom, draw = drawing
        lines, gutter = self._lines, self._gutter
        strips: list[Strip] = []
        for y in crop.line_range:
            if y < top or y >= bottom:
                strip = gutter.get(y)
                if strip is None:
                    strip = gutter[y] = draw(y, None)
            else:
                line = content(y - top)
                kept = lines.get(id(line))
                if kept is not None and kept[0] is line:
                    strip = kept[1]
                else:
                    strip = draw(y, line)
                    if len(lines) >= self._kept:
                        lines.clear()
                    lines[id(line)] = (line, strip)
            strips.append(strip)
        x1, x2 = crop.column_span
        if (x1, x2) != (0, widget.region.width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def prepare(self, widget: Widget, lines: Iterable[Strip], console: Console) -> None:
        """Style `lines` (content strips the widget will draw) ahead of time, and encode
        them for the terminal, so that drawing them later finds them done."""
        drawing = self._drawing(widget)
        if drawing is None:
            return
        top, _bottom, draw = drawing
        cuts = _cuts(widget, top)
        kept = self._lines
        for line in lines:
            entry = kept.get(id(line))
            if entry is None or entry[0] is not line:
                if len(kept) >= self._kept:
                    kept.clear()
                entry = kept[id(line)] = (line, draw(top, line))
            # Cut where the compositor cuts it (at the scrollbar) and encoded for the
            # terminal: both are cached on the strip, as the compositor asks for them.
            for piece in entry[1].divide(cuts) if cuts else (entry[1],):
                piece.render(console)

    def _drawing(
        self, widget: Widget
    ) -> tuple[int, int, Callable[[int, Strip | None], Strip]] | None:
        """The first and past-the-last content rows and a function styling row y (from
        its content strip; None for a border or padding row); emptied if the context
        changed. None when Textual's own path must draw the widget."""
        if widget._border_title is not None or widget._border_subtitle is not None:
            return None
        if widget.auto_links and widget.hover_style._link_id:
            return None
        styles = widget.styles
        if styles.has_rule("hatch"):
            return None
        outline = styles.outline
        if outline.top[0] or outline.bottom[0]:
            # Textual draws an outline's top and bottom over the first and last content
            # rows (by y), which a line kept or styled ahead at another y would not have.
            return None
        app = widget.app
        size = widget.region.size
        content_size = widget.content_region.size
        padding = styles.padding
        gutter = styles.gutter
        base_background, background = widget.background_colors
        filters = tuple(widget.get_line_filters())
        opacity = widget.opacity
        ansi_theme, native_ansi = app.ansi_theme, app.native_ansi_color
        context = (
            size,
            content_size,
            padding,
            gutter,
            styles.border,
            styles.outline,
            styles.text_opacity,
            styles.tint,
            base_background,
            background,
            filters,
            opacity,
            ansi_theme,
            native_ansi,
        )
        if context != self._context:
            self.clear()
            self._context = context
            self._row = _row_pieces(
                self._styles, styles, padding, base_background, background, opacity
            )
        render_line = self._styles.render_line
        row = self._row
        content_width, width = content_size.width, size.width

        def draw(y: int, line: Strip | None) -> Strip:
            if row is not None and line is not None:
                inner, pad_left, pad_right, left_side, right_side = row
                fitted = line.adjust_cell_length(content_width, inner)
                segments = (
                    line_pad(fitted, pad_left, pad_right, inner)
                    if pad_left or pad_right
                    else list(fitted)
                )
                if left_side is not None:
                    segments.insert(0, left_side)
                if right_side is not None:
                    segments.append(right_side)
                strip = Strip(segments, width)  # (the widget's width, as Textual's)
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                return strip
            self._styles._simple_strip = None  # (a padding row's strip, kept per render)
            strip = render_line(
                styles,
                y,
                size,
                content_size,
                padding,
                base_background,
                background,
                lambda _y: line if line is not None else Strip.blank(content_size.width),
                None,
                None,
                opacity,
                ansi_theme,
                native_ansi,
            )
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            return strip

        return gutter.top, size.height - gutter.bottom, draw


# A content row's pieces besides its content: the background's style, the left and
# right padding, the left and right borders' edges (None: no edge).
RowPieces = tuple[RichStyle, int, int, Segment | None, Segment | None]


def _row_pieces(
    cache: StylesCache,
    styles: StylesBase,
    padding: Spacing,
    base_background: Color,
    background: Color,
    opacity: float,
) -> RowPieces | None:
    """What `StylesCache.render_line` adds to a content row (its branch (C)), for a
    widget with no outline, tint or opacity; None for any other (Textual's path draws
    it). Made once per context: the general path reads every border and outline rule and
    builds these styles for each line, five times the cost of a row made from them
    (tests/test_tui_styled_lines.py checks the two draw the same)."""
    if (
        any(edge for edge, _colour in styles.outline)
        or styles.text_opacity != 1.0
        or styles.tint.a
        or opacity != 1.0
    ):
        return None
    inner, outer = cache.get_inner_outer(base_background, background)

    def edge(side: tuple[EdgeType, Color], piece: int) -> Segment | None:
        kind, colour = side
        if not kind:
            return None
        colour = base_background + colour.multiply_alpha(opacity)
        return get_box(kind, inner, outer, TextualStyle(foreground=colour))[1][piece]

    _top, right, _bottom, left = styles.border
    _pad_top, pad_right, _pad_bottom, pad_left = padding
    return (inner.rich_style, pad_left, pad_right, edge(left, 0), edge(right, 2))


def _cuts(widget: Widget, top: int) -> list[int] | None:
    """Where the compositor cuts the widget's content line `top` (`Compositor._render_chops`:
    at every edge of a widget over it, such as its scrollbar), relative to the widget."""
    try:
        compositor = widget.screen._compositor
        region, clip = compositor.visible_widgets[widget]
    except (KeyError, NoScreen):  # not on screen (hidden, or another screen is up)
        return None
    shown = region.intersection(clip)
    y = region.y + top
    if not shown or not shown.y <= y < shown.bottom:
        return None
    first, last = shown.column_span
    edges = [cut for cut in compositor.cuts[y] if last >= cut >= first]
    return [cut - shown.x for cut in edges[1:]]
