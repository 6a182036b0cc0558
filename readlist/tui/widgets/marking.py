"""A text wrapped once, whose lines a query's marks re-render one by one.

The detail pane marks the filter's words in a paper's abstract. Wrapping the abstract
again for every key typed in the filter (Rich's word wrap of ~1,500 characters, with
the marks as spans) was a third of the pane's work per key at 100k papers, and it made
every line a new strip, so that each one was styled again. Marks never move a line
break: wrapping depends on the characters, not on their styles. So the plain text is
wrapped once (`MarkedLines.of`), each line is located in the text, and a set of marks
re-renders only the lines it touches (`marked`); every other line is the same strip
object as before, which Textual has already styled (see lines.py).

What is drawn is exactly what a fresh wrap of the marked text draws. Wherever that
cannot be shown cheaply, `marked` returns None and the caller wraps the marked text
whole, as before: a line Rich changed (a tab expanded, a character dropped), a mark
that crosses a line break (a phrase cut by the wrap: the space at the break is drawn
marked), a line that no longer fits once rendered on its own.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

Span = tuple[int, int]


def render_strips(
    console: Console, options: ConsoleOptions, style: Style, text: RenderableType, width: int
) -> list[Strip]:
    """`text` wrapped to `width`, padded, as the detail pane draws its lines."""
    lines = console.render_lines(text, options, style=style, pad=True)
    # Same-style segments joined (a line and its padding): Textual styles, cuts and
    # writes a line segment by segment, each time the pane is drawn.
    return [Strip(Segment.simplify(line), width) for line in lines]


@dataclass
class MarkedLines:
    """`text` wrapped to `width` without marks (`plain`), and where each line starts."""

    text: str
    width: int
    plain: list[Strip]
    # (start, end) of each line's characters in `text` (end: before trailing blanks),
    # or None if some line could not be located (then `marked` always says None).
    lines: list[Span] | None
    _starts: list[int] = field(default_factory=list)
    _last: tuple[tuple[Span, ...], list[Strip]] | None = None

    @classmethod
    def of(
        cls, console: Console, options: ConsoleOptions, style: Style, text: str, width: int
    ) -> MarkedLines:
        plain = render_strips(console, options, style, Text(text), width)
        lines = _locate(text, [strip.text.rstrip() for strip in plain])
        out = cls(text, width, plain, lines)
        if lines is not None:
            out._starts = [start for start, _end in lines]
        return out

    def marked(
        self,
        spans: Sequence[Span],
        console: Console,
        options: ConsoleOptions,
        style: Style,
        match: Style,
    ) -> list[Strip] | None:
        """The lines with `spans` of `text` drawn in `match` style, or None when only a
        whole wrap of the marked text draws them exactly (see the module docstring)."""
        if not spans:
            return self.plain
        key = tuple(spans)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        if self.lines is None:
            return None
        by_line: dict[int, list[Span]] = {}
        for start, end in key:
            index = bisect_right(self._starts, start) - 1
            if index < 0:
                return None
            line_start, line_end = self.lines[index]
            if end > line_end:
                return None  # past the line's last character: across a break
            by_line.setdefault(index, []).append((start - line_start, end - line_start))
        strips = list(self.plain)
        for index, local in by_line.items():
            line_start, line_end = self.lines[index]
            line = Text(self.text[line_start:line_end])
            for start, end in local:
                line.stylize(match, start, end)
            drawn = render_strips(console, options, style, line, self.width)
            if len(drawn) != 1:
                return None
            strips[index] = drawn[0]
        self._last = (key, strips)
        return strips


def _locate(text: str, shown: list[str]) -> list[Span] | None:
    """Where each shown line (trailing blanks removed) is in `text`, in order.

    Wrapping cuts `text` into consecutive pieces, dropping only blanks between them
    (at a break, or a newline). A line not found right after the previous one, past
    nothing but blanks, is one Rich changed: None.
    """
    out: list[Span] = []
    at = 0
    for line in shown:
        if not line:  # a blank line: no character of it can be marked
            out.append((at, at))
            continue
        start = text.find(line, at)
        if start < 0 or (start > at and not text[at:start].isspace()):
            return None
        at = start + len(line)
        out.append((start, at))
    return out
