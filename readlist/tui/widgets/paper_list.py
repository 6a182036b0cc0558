"""The paper list: a Line API widget that draws only the rows on screen.

A widget per row does not scale (DataTable takes ~8 s to mount 100k rows); this list
is a `ScrollView` whose virtual height is the number of rows, and `render_line` draws
one visible row from the library on demand, with an LRU cache keyed on everything that
changes a row's look. Filtering or sorting hands it a new list of row positions.

Paper text is drawn as plain `Segment`s: never parsed as markup, and stripped of
control characters again here in case a library file was edited by hand. The query's
words are marked in titles with the `paper-list--match` style (spans from
`readlist.query.highlight`, applied to segments, never to markup).

Every column before the title has a fixed width (read dot, date, upvotes, stars, the
note mark `✎`), so titles start in one column whatever a row carries.

What a move costs (issue 13: `down` and PgDn within a frame): a move repaints only the
rows whose look changed (`_refresh_rows`); component styles are kept until the next
theme or CSS change (`_style`); after a move's frame the rows the next move will likely
show (beside the cursor, and after a page key the next page) are drawn and styled ahead
(`_prepare_rows`; each row's styled line is kept by its strip, see lines.py), so the next
key finds them done. In a
burst of keys (a held key) the cursor and rows move with every key, but `highlighted`,
which the detail pane follows, is set once, after the last key queued (`_publish`).
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import App
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from readlist.formatting import stars
from readlist.library import Library
from readlist.models import Annotation, Paper
from readlist.query import Words
from readlist.query.highlight import match_spans
from readlist.text import strip_controls
from readlist.tui.selection import Selection
from readlist.tui.widgets.lines import StyledLines
from readlist.tui.widgets.scrolling import (
    KeptBars,
    KeptScrollBar,
    refresh_runs,
    scroll_y_changed,
    set_virtual_size,
)

_DATE_WIDTH = 10
_UPVOTES_WIDTH = 5
_GAP = "  "
NOTE_MARK = "✎"  # one cell wide, in its own column after the stars: a paper with a note
RowKey = tuple[int, Annotation, bool, bool, int, bool, tuple[tuple[int, int], ...]]
"""What a row's look depends on: position, annotation, cursor, marked, width, focus, and
the title characters the query marks."""


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells, with an ellipsis when cut.

    Only the start of a long text is measured: a 5 MB title costs no more than a row's.
    """
    if width <= 0:
        return ""
    # A character takes at most two cells, but may take none (combining marks): past
    # this many characters the text is cut whatever their widths.
    longest = 4 * width
    cut = len(text) > longest
    if cut:
        text = text[:longest]
    elif cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class PaperList(KeptBars, ScrollView, can_focus=True):
    """Rows of papers with a cursor; `highlighted` is the library position under it.

    `highlighted` is a reactive so that a watcher (the detail pane) updates in the same
    call as the cursor move, and both are drawn in one screen update.
    """

    highlighted: reactive[int | None] = reactive(None, repaint=False)

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--cursor",
        "paper-list--read",
        "paper-list--unread",
        "paper-list--muted",
        "paper-list--stars",
        "paper-list--tags",
        "paper-list--note",
        "paper-list--empty",
        "paper-list--error",
        "paper-list--match",
        "paper-list--marked",
    }
    DEFAULT_CSS = """
    PaperList {
        background: $surface;
        overflow-y: scroll;  /* never toggled by a filter: no layout pass (see scrolling.py) */
    }
    PaperList > .paper-list--unread { color: $foreground; text-style: bold; }
    PaperList > .paper-list--read { color: $text-muted; }
    PaperList > .paper-list--muted { color: $text-muted; text-style: not bold; }
    PaperList > .paper-list--stars { color: $text-warning; text-style: not bold; }
    PaperList > .paper-list--tags { color: $text-accent; text-style: not bold; }
    PaperList > .paper-list--note { color: $text-accent; text-style: not bold; }
    PaperList > .paper-list--empty { color: $text-muted; text-style: italic; }
    PaperList > .paper-list--error { color: $text-error; }
    PaperList > .paper-list--match { color: $text-accent; text-style: bold underline; }
    PaperList > .paper-list--marked { background: $accent 30%; }
    PaperList > .paper-list--cursor {
        color: $block-cursor-blurred-foreground;
        background: $block-cursor-blurred-background;
    }
    PaperList:focus > .paper-list--cursor {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
    }
    """

    def __init__(self, library: Library, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.library = library
        self.selection = Selection()
        self._cache: LRUCache[RowKey, Strip] = LRUCache(1024)
        # What each line on screen was drawn from: (row, key), None for an empty line.
        self._drawn: dict[int, tuple[int, RowKey] | None] = {}
        # The title characters `highlights` mark, by (position, title width).
        self._spans: dict[tuple[int, int], tuple[tuple[int, int], ...]] = {}
        self.highlights: tuple[Words, ...] = ()
        self.problem: str | None = None  # an invalid filter's message: nothing is listed
        self._empty: tuple[tuple[str, str | None, int], list[tuple[str, str]]] | None = None
        # Ids of marked papers (the app's `Marks`): drawn with a ✓ and a tinted row.
        self.marks: Container[str] = frozenset()
        self.waiting: str | None = None  # the result is not known yet: nothing is listed
        # Component styles by (name, focus), until the next theme or CSS change.
        # Textual's own cache of them is emptied by every repaint, even of one line,
        # and computing one (blended against the backgrounds behind) costs ~0.1 ms:
        # ten of those were a page-down's rows' biggest cost.
        self._styles: dict[tuple[str, bool], Style] = {}
        # The rows as Textual styles them (border, background), by the strip drawn.
        self._styled = StyledLines(1024)  # (as many as `_cache` keeps rows)
        self._publishing = False  # `_publish` is queued behind the keys of a burst
        self.last_step = 0  # rows the last move went (the app prepares details a step on)

    # -- data in -----------------------------------------------------------------------

    @property
    def empty_text(self) -> str:
        """Why nothing is listed: the first of the empty list's lines (an invalid
        query's message follows it, see `_empty_lines`)."""
        if self.problem is not None:
            return "Nothing listed: the filter is not a valid query:"
        if self.waiting is not None:
            return self.waiting
        if len(self.library):
            return "No papers match this filter (Esc clears it)."
        return "No papers yet. Import a listing with: readlist import FILE"

    def show(
        self,
        rows: Sequence[int],
        highlights: tuple[Words, ...] = (),
        problem: str | None = None,
        waiting: str | None = None,
    ) -> None:
        """Display `rows` (library positions, in order; `library.Rows` are found as the
        list reaches them); the cursor follows its paper.

        `highlights` are the query's words to mark in titles; `problem` says why
        nothing is listed (the filter does not parse), shown in place of the rows;
        `waiting` says that the result is still being computed.
        """
        empty = (self.problem, self.waiting) != (problem, waiting) or not self.selection.rows
        if highlights != self.highlights or len(self._spans) > 4096:
            self._spans.clear()
        self.highlights, self.problem, self.waiting = highlights, problem, waiting
        self.selection.set_rows(rows)
        size = Size(self.scrollable_content_region.width, len(rows))
        set_virtual_size(self, size, repaint=False)
        if empty or not rows:
            self.refresh()  # the empty list's text may have changed
        self._cursor_changed()

    def set_library(self, library: Library) -> None:
        self.library = library
        self._cache.clear()
        self._drawn.clear()
        self._spans.clear()
        self.refresh()

    # -- cursor --------------------------------------------------------------------------

    @property
    def current(self) -> int | None:
        return self.selection.current

    def move_to(self, row: int) -> None:
        before = self.selection.cursor
        if self.selection.move_to(row):
            self.last_step = self.selection.cursor - before
            self._cursor_changed()
            if self.is_mounted:
                self.call_after_refresh(self._prepare_rows, self.selection.cursor)

    def _prepare_rows(self, cursor: int) -> None:
        """After a move's frame, draw and style the rows the next move will likely show:
        the rows beside the cursor as the cursor row, the cursor's row without it, and
        after a page key the rows of the next page (drawing and styling 37 new rows was
        most of a page key's frame)."""
        rows = self.selection.rows
        if cursor != self.selection.cursor or not rows:
            return  # moved on meanwhile
        width = self.scrollable_content_region.width
        height = self.scrollable_content_region.height
        keys = [
            self._row_key(row, width, cursor=row != cursor)
            for row in (cursor - 1, cursor, cursor + 1)
            if 0 <= row < len(rows)
        ]
        if abs(self.last_step) > 1:
            top = int(self.scroll_offset.y) + self.last_step
            bar = self._vertical_scrollbar
            if isinstance(bar, KeptScrollBar) and self.show_vertical_scrollbar:
                # where the thumb will likely be after the next page key
                bar.prepare(
                    virtual=len(rows),
                    window=self.container_size.height - self.scrollbar_size_horizontal,
                    position=min(max(0, top), self.max_scroll_y),
                    console=self.app.console,
                )
            keys += [
                self._row_key(row, width)
                for row in range(max(0, top), min(len(rows), top + height))
            ]
        strips = []
        for key in keys:
            strip = self._cache.get(key)
            if strip is None:
                position, note, is_cursor, marked = key[:4]
                paper = self.library.papers[position]
                strip = self._cache[key] = self._render_row(paper, note, is_cursor, width, marked)
            strips.append(strip)
        self._styled.prepare(self, strips, self.app.console)

    def action_cursor_down(self) -> None:
        self.move_to(self.selection.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.selection.cursor - 1)

    def action_page_down(self) -> None:
        self.move_to(self.selection.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self.move_to(self.selection.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.selection) - 1)

    def _cursor_changed(self) -> None:
        self._scroll_to_cursor()
        self._refresh_rows()
        if self.is_mounted and _keys_waiting(self.app):
            # A burst (a held key, a paste of j's): the rows move with every key, the
            # detail pane is built for the last of them only. The app handles keys in
            # order, so `_publish` runs after every key typed before this point.
            if not self._publishing:
                self._publishing = True
                self.app.call_later(self._publish)
            return
        self._publish()

    def _publish(self) -> None:
        """Set `highlighted` to the row under the cursor (its watchers show it)."""
        self._publishing = False
        self.highlighted = self.selection.current

    def _refresh_rows(self) -> None:
        """Repaint the lines on screen whose look changed, not all of them.

        A key typed in the filter changes a few rows (those its words mark, those
        it removes); redrawing every row was most of a keystroke's cost.
        """
        if not self.is_mounted or not self.selection.rows:
            self.refresh()
            return
        width = self.scrollable_content_region.width
        top = int(self.scroll_offset.y)
        rows, drawn = len(self.selection.rows), self._drawn
        changed = []
        for y in range(self.scrollable_content_region.height):
            row = top + y
            now = (row, self._row_key(row, width)) if row < rows else None
            if y not in drawn or drawn[y] != now:
                changed.append(row)
        refresh_runs(self, changed)

    def _scroll_to_cursor(self) -> None:
        if self.selection.rows and self.is_mounted:
            width = self.scrollable_content_region.width
            self.scroll_to_region(
                Region(0, self.selection.cursor, width, 1), animate=False, force=True
            )

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        scroll_y_changed(self, old_value, new_value)  # the scrollbar: only if it moves

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.selection))
        self._scroll_to_cursor()

    async def on_click(self, event: events.Click) -> None:
        row = event.y + int(self.scroll_offset.y)
        if 0 <= row < len(self.selection):
            self.focus()
            self.move_to(row)

    # -- drawing ---------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles.clear()
        self._styled.clear()

    def _style(self, name: str = "") -> Style:
        """The full style of component `name` (the widget's own for ""), cached."""
        key = (name, self.has_focus)
        style = self._styles.get(key)
        if style is None:
            style = self.get_component_rich_style(name) if name else self.rich_style
            self._styles[key] = style
        return style

    def render_lines(self, crop: Region) -> list[Strip]:
        strips = self._styled.render(self, crop, self.render_line)
        return super().render_lines(crop) if strips is None else strips

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = int(self.scroll_offset.y) + y
        rows = self.selection.rows
        if not rows:
            self._drawn.pop(y, None)  # (repainted whenever rows come: see `show`)
            lines = self._empty_lines(width)
            if y < len(lines):
                text, name = lines[y]
                if y == self.size.height - 1 and len(lines) > y + 1:  # more than fits
                    text = fit(text + "…", max(1, width - 2)).rstrip()  # (cut: "…" too)
                return Strip([Segment(fit(" " + text, width), self._style(name))], width)
            return Strip.blank(width, self._style())
        if row >= len(rows):
            self._drawn[y] = None
            return Strip.blank(width, self._style())
        key = self._row_key(row, width)
        self._drawn[y] = (row, key)
        strip = self._cache.get(key)
        if strip is None:
            position, note, cursor, marked = key[:4]
            paper = self.library.papers[position]
            strip = self._cache[key] = self._render_row(paper, note, cursor, width, marked)
        return strip

    def _empty_lines(self, width: int) -> list[tuple[str, str]]:
        """The empty list's lines at `width`: `empty_text`, then an invalid query's whole
        message (`problem`), wrapped; each with its component style's name.

        The message is drawn here, in the rows the list leaves empty, rather than by a
        widget of its own: showing or hiding one was a layout pass of the whole screen
        in the key's frame (7-16 ms at 100,000 papers), a new list content is none."""
        key = (self.empty_text, self.problem, width)
        if self._empty is None or self._empty[0] != key:
            inner = max(1, width - 2)  # (a cell's margin on each side)
            lines = [(line.plain, "paper-list--empty") for line in Content(key[0]).wrap(inner)]
            if self.problem is not None:
                lines += [
                    (line.plain, "paper-list--error")
                    for line in Content(strip_controls(self.problem)).wrap(inner)
                ]
            self._empty = (key, lines)
        return self._empty[1]

    def _row_key(self, row: int, width: int, *, cursor: bool | None = None) -> RowKey:
        """Everything that changes how list row `row` looks (its strip's cache key).

        The query's words count only through the title characters they mark: a new
        query leaves the rows whose shown title it does not mark as they were drawn.
        """
        position = self.selection.rows[row]
        paper = self.library.papers[position]
        note = self.library.annotation_at(position)
        marked = paper.id in self.marks
        spans: tuple[tuple[int, int], ...] = ()
        if self.highlights:
            _tags, _tag_width, title_width = _room(_left(paper, note, marked), note, width)
            known = self._spans.get((position, title_width))
            if known is None:  # (asked twice a key: to compare, then to draw)
                shown = _shown_title(paper, title_width)
                known = self._spans[position, title_width] = tuple(
                    match_spans(shown, self.highlights)
                )
            spans = known
        if cursor is None:  # (else: as the row would look with or without the cursor)
            cursor = row == self.selection.cursor
        return (position, note, cursor, marked, width, self.has_focus, spans)

    def _render_row(
        self, paper: Paper, note: Annotation, cursor: bool, width: int, marked: bool = False
    ) -> Strip:
        # Full styles, not partial ones: theme colours such as $text-muted have alpha,
        # blended here against the real background (a partial style blends against
        # none, which turned muted text white on light themes). The cursor row is all
        # in the cursor's own colours, which every theme pairs to be readable.
        style = self._style
        if cursor:
            base = style("paper-list--cursor") + Style(bold=not note.read)
            muted = star_style = tag_style = note_style = base
            match = base + Style(underline=True)
        else:
            base = style("paper-list--read" if note.read else "paper-list--unread")
            muted = style("paper-list--muted")
            star_style = style("paper-list--stars")
            tag_style = style("paper-list--tags")
            note_style = style("paper-list--note")
            match = style("paper-list--match")
        if marked and not cursor:  # tinted under every colour of the row
            tint = Style(bgcolor=style("paper-list--marked").bgcolor)
            base, muted, star_style, tag_style, match = (
                s + tint for s in (base, muted, star_style, tag_style, match)
            )
        left = _left(paper, note, marked)
        styles = (
            star_style,
            star_style if not note.read else muted,
            muted,
            muted,
            star_style if note.rating else muted,
            note_style,
        )
        segments = [Segment(text, style) for text, style in zip(left, styles, strict=True)]
        tags, tag_width, title_width = _room(left, note, width)
        shown_title = _shown_title(paper, title_width)
        segments.extend(_marked(shown_title, title_width, self.highlights, base, match))
        if tag_width:
            segments.append(Segment(_GAP + fit(tags, tag_width), tag_style))
        segments.append(Segment(" ", base))
        # Joined where the style does not change (a cursor row is one segment): Textual
        # styles, cuts and writes a line segment by segment, each frame it is drawn.
        return Strip(Segment.simplify(segments)).adjust_cell_length(width, base)


def _keys_waiting(app: App[object]) -> bool:
    """Whether keys wait in `app`'s queue (typed while this one was handled)."""
    queue = getattr(app._message_queue, "values", None)  # textual._queue.Queue's deque
    return queue is not None and any(isinstance(m, events.Key) for m in tuple(queue))


def _left(paper: Paper, note: Annotation, marked: bool) -> list[str]:
    """The columns before the title: mark, read dot, date, upvotes, stars, note mark."""
    upvotes = f"▲{paper.upvotes}" if paper.upvotes is not None else ""
    return [
        "✓" if marked else " ",
        # ● unread, ✗ dismissed in triage ("not for me"), blank when read.
        "● " if not note.read else "✗ " if note.dismissed else "  ",
        (paper.published or "").ljust(_DATE_WIDTH),
        _GAP + upvotes.rjust(_UPVOTES_WIDTH),
        _GAP + stars(note.rating) + _GAP,
        (NOTE_MARK if note.note else " ") + " ",
    ]


def _room(left: list[str], note: Annotation, width: int) -> tuple[str, int, int]:
    """The tags as shown, their width, and the title's width, in a row of `width`."""
    used = sum(cell_len(text) for text in left)
    tags = strip_controls(" ".join(f"#{t}" for t in note.tags)[: 4 * width])
    room = width - used - 1
    tag_width = min(cell_len(tags), max(0, room // 3)) if tags else 0
    return tags, tag_width, room - (tag_width + 2 if tag_width else 0)


def _shown_title(paper: Paper, title_width: int) -> str:
    # Only the start of a title can show: a 1 MB title is never scanned whole.
    return strip_controls(paper.title[: 4 * max(title_width, 0) + 1])


def _marked(
    title: str, width: int, highlights: tuple[Words, ...], base: Style, match: Style
) -> list[Segment]:
    """The title fitted to `width`, its matching words in `match` style."""
    fitted = fit(title, width)
    spans = match_spans(title, highlights)
    if not spans:
        return [Segment(fitted, base)]
    # `fit` keeps the title's start and cuts only its end (adding an ellipsis there).
    limit = len(fitted) - 1 if cell_len(title) > width else len(fitted)
    segments: list[Segment] = []
    at = 0
    for start, end in spans:
        start, end = min(start, limit), min(end, limit)
        if start >= end:
            continue
        if start > at:
            segments.append(Segment(fitted[at:start], base))
        segments.append(Segment(fitted[start:end], match))
        at = end
    segments.append(Segment(fitted[at:], base))
    return segments
