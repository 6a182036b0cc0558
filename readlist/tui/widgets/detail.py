"""The detail pane: everything about the highlighted paper, drawn in one screen update.

A pane built from auto-height Statics re-lays itself out when a paper of another length
is shown, and Textual spaces the resulting screen updates ~30 ms apart, so a cursor
move took 3 updates (~70 ms) to settle. This pane is a Line API widget instead: `show`
wraps the whole content to the pane's width at once and sets the scrollable height, so
the list, the text and the scrollbar change in the same frame.

Paper text is wrapped as `rich.text.Text` (never markup): a title such as `[bold]x[/]`
or `[@click=app.quit]` shows exactly as written. The note is the user's own Markdown.

What is drawn is bounded, whatever the library holds: wrapping is linear in the text, so
a 5 MB abstract took 13 s to show (and 20 MB never showed). Each text is cut at a limit
far beyond what anyone reads in a pane, with a line saying so and where the rest is.
The filter's words are marked (`detail--match`) in the title, the abstract and the note
by styling spans of those Texts; a note with a match is shown as plain text, since
Markdown rendering would move the characters the spans point at.

Wrapping a paper (~1.5-3 ms, Rich's word wrap) was most of a `down` key's work before
its frame. The pane keeps the wrapped lines of the papers shown lately (`_built`, keyed
by paper id and checked against everything the lines are made of and the width; a new
theme empties it), the app wraps the papers the next key will likely show once a frame
is drawn (`prepare`), and `show` repaints only the lines that differ from what is on
screen. `prepare` also styles those papers' first screenful of lines and draws their
scrollbar as Textual will draw them (`StyledLines`, `KeptScrollBar`): styling ~40 new
lines and a new thumb was most of the frame once the wrapping was done ahead.

`TitleLine` is the pane's stand-in while it is hidden (`w`): the whole title, under the list.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

from rich.cells import set_cell_size
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from readlist.formatting import metadata_parts, stars
from readlist.models import Annotation, Paper
from readlist.query import Query
from readlist.query.highlight import Span, match_spans
from readlist.text import strip_controls
from readlist.tui.widgets.lines import StyledLines
from readlist.tui.widgets.marking import MarkedLines, render_strips
from readlist.tui.widgets.scrolling import (
    KeptBars,
    KeptScrollBar,
    refresh_runs,
    scroll_y_changed,
    set_virtual_size,
)

# Characters shown of each text; past them the pane says how long the text is.
TITLE_LIMIT = 1_000
ABSTRACT_LIMIT = 20_000
NOTE_LIMIT = 20_000
LINK_LIMIT = 1_000  # per link
LINKS_SHOWN = 20
TAGS_LIMIT = 2_000
BUILT_KEPT = 64  # papers whose wrapped lines are kept (going back up is no work)
LINES_KEPT = 1024  # styled lines kept (`StyledLines`): the top of ~25 papers


def bounded(text: str, limit: int) -> tuple[str, bool]:
    """`text` cut to `limit` characters (cleaned of controls), and whether it was cut."""
    if len(text) <= limit:
        return strip_controls(text), False
    return strip_controls(text[:limit]), True


def truncation_note(what: str, text: str) -> str:
    return f"… {what} truncated: {len(text):,} characters; see `readlist export`"


def metadata(paper: Paper) -> str:
    return " · ".join(metadata_parts(paper))


# What `prepare` builds a paper into and then puts back: the shown paper's state (its
# abstract's wrapped lines too, so that a rating of it wraps nothing).
_SHOWN = (
    "_paper",
    "_annotation",
    "_pending",
    "_score",
    "_query",
    "_look",
    "_strips",
    "_text",
    "_content_lines",
    "_abstract_lines",
)


class DetailPane(KeptBars, ScrollView, can_focus=False):
    """Shows one paper; `show(None, ...)` shows a hint instead."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "detail--title",
        "detail--muted",
        "detail--link",
        "detail--stars",
        "detail--read",
        "detail--unread",
        "detail--tag",
        "detail--heading",
        "detail--match",
    }
    DEFAULT_CSS = """
    /* Always a scrollbar: one appearing or disappearing (a short abstract after a long
       one) is a layout change, which costs a second screen update. */
    DetailPane { background: $surface; padding: 0 1; overflow-y: scroll; }
    DetailPane > .detail--title { color: $text-primary; text-style: bold; }
    DetailPane > .detail--muted { color: $text-muted; }
    DetailPane > .detail--link { color: $text-accent; }
    DetailPane > .detail--stars { color: $text-warning; }
    DetailPane > .detail--read { color: $text-success; }
    DetailPane > .detail--unread { color: $text-primary; }
    DetailPane > .detail--tag { color: $text-accent; }
    DetailPane > .detail--heading { color: $text-muted; text-style: bold; }
    DetailPane > .detail--match { color: $text-accent; text-style: bold underline; }
    """
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._paper: Paper | None = None
        self._annotation = Annotation()
        self._pending = False
        self._score: float | None = None
        self._query = Query()
        self._strips: list[Strip] = []
        self._text = ""
        # The lines above the abstract: (what they are made of, lines, their text).
        self._content_lines: tuple[object, list[Strip], list[str]] | None = None
        # The abstract's lines: (what they are made of, the abstract wrapped once, the
        # lines below it, the text of both), see `_abstract_part`.
        self._abstract_lines: tuple[object, MarkedLines | None, list[Strip], list[str]] | None = (
            None
        )
        self._look: tuple[object, ...] = ()
        # The lines and text of papers shown lately, by id: (look, width, lines, text).
        # Emptied by a new theme (its colours are in the lines, not in the key).
        self._built: OrderedDict[str | None, tuple[tuple[object, ...], int, list[Strip], str]]
        self._built = OrderedDict()
        # Component styles, until the next theme or CSS change (Textual's own cache of
        # them is emptied by every repaint: ten of them cost ~1 ms a paper).
        self._styles: dict[str, Style] = {}
        # The lines as Textual styles them (padding, background), by the strip drawn.
        self._styled = StyledLines(LINES_KEPT)

    @property
    def text(self) -> str:
        """What the pane shows, as plain text (for tests and accessibility)."""
        return self._text

    def show(
        self,
        paper: Paper | None,
        annotation: Annotation,
        *,
        abstract_pending: bool = False,
        query: Query | None = None,
        score: float | None = None,
    ) -> None:
        """Show `paper`; the words of `query` are marked in its title, abstract and note.

        `score` is the paper's "for you" score, shown under its status when given.
        """
        changed_paper = paper is None or self._paper is None or paper.id != self._paper.id
        self._query = query if query is not None else Query()
        # What the lines are made of: a key that changes nothing is no work at all.
        look = _look(paper, annotation, abstract_pending, score, self._query)
        if look == self._look and self._strips:
            return
        self._look = look
        self._paper, self._annotation, self._pending = paper, annotation, abstract_pending
        self._score = score
        before = self._strips
        self._layout()
        if changed_paper and self.scroll_offset.y:
            self.scroll_to(y=0, animate=False, immediate=True)
            self.refresh()
        else:
            self._refresh_changed(before)

    def prepare(
        self,
        paper: Paper,
        annotation: Annotation,
        *,
        abstract_pending: bool = False,
        query: Query | None = None,
        score: float | None = None,
    ) -> None:
        """Wrap `paper`'s lines now, so that `show` with the same arguments costs nothing.

        The app calls it for the neighbours of the highlighted paper once a key's frame
        is drawn: wrapping a paper is most of what a `down` does before its frame. What
        the pane shows does not change.
        """
        width = self.scrollable_content_region.width
        if not self.is_mounted or width <= 0:
            return
        query = query if query is not None else Query()
        look = _look(paper, annotation, abstract_pending, score, query)
        height = self.scrollable_content_region.height
        built = self._built.get(paper.id)
        if built is not None and built[0] == look and built[1] == width:
            self._styled.prepare(self, built[2][:height], self.app.console)
            self._prepare_bar(len(built[2]))
            return
        shown = [getattr(self, name) for name in _SHOWN]
        try:
            self._paper, self._annotation, self._pending = paper, annotation, abstract_pending
            self._score, self._query, self._look = score, query, look
            self._build(width)
            self._keep(paper.id, width)
            # Styled too, the lines a new paper shows first (at the top of the pane).
            self._styled.prepare(self, self._strips[:height], self.app.console)
            self._prepare_bar(len(self._strips))
        finally:
            for name, value in zip(_SHOWN, shown, strict=True):
                setattr(self, name, value)

    def _prepare_bar(self, lines: int) -> None:
        """Draw the scrollbar of a paper of `lines` lines shown from its top, ahead."""
        bar = self._vertical_scrollbar
        if isinstance(bar, KeptScrollBar) and self.show_vertical_scrollbar:
            window = self.container_size.height - self.scrollbar_size_horizontal
            bar.prepare(virtual=lines, window=window, position=0, console=self.app.console)

    def _refresh_changed(self, before: list[Strip]) -> None:
        """Repaint only the visible lines that differ from `before` (a new query's marks
        change a few lines of a paper; redrawing the rest is most of a key's cost; the
        blank lines below two short papers are not drawn again)."""
        strips = self._strips
        top = int(self.scroll_offset.y)
        changed = [
            y
            for y in range(top, top + self.scrollable_content_region.height)
            if (strips[y] if y < len(strips) else None) != (before[y] if y < len(before) else None)
        ]
        refresh_runs(self, changed)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        scroll_y_changed(self, old_value, new_value)  # the scrollbar: only if it moves

    def scroll_lines(self, lines: int) -> None:
        self.scroll_to(y=self.scroll_offset.y + lines, animate=False, immediate=True)

    # -- building the lines ------------------------------------------------------------

    def _style(self, name: str = "") -> Style:
        # The full style: theme colours such as $text-muted have alpha, which only
        # resolves blended with the pane's background. "" is the pane's own.
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name) if name else self.rich_style
            self._styles[name] = style
        return style

    def _content(self) -> RenderableType:
        """Everything but the abstract (see `_abstract`)."""
        paper, annotation = self._paper, self._annotation
        if paper is None:
            return Text("No paper selected.", style=self._style("detail--muted"))
        muted = self._style("detail--muted")
        cut_style = muted + Style(italic=True)
        title, title_cut = bounded(paper.title, TITLE_LIMIT)
        parts: list[RenderableType] = [self._marked(title, "title", self._style("detail--title"))]
        if title_cut:
            parts.append(Text(truncation_note("title", paper.title), style=cut_style))
        parts += [Text(""), Text(metadata(paper), style=muted)]
        for link in paper.links[:LINKS_SHOWN]:
            shown, cut = bounded(link, LINK_LIMIT)
            parts.append(Text(shown + ("…" if cut else ""), style=self._style("detail--link")))
        if len(paper.links) > LINKS_SHOWN:
            more = len(paper.links) - LINKS_SHOWN
            parts.append(Text(f"… and {more:,} more links; see `readlist export`", cut_style))
        status = Text()
        if annotation.rating:
            status.append(stars(annotation.rating), self._style("detail--stars"))
        else:
            status.append("unrated", muted)
        status.append("  ")
        if annotation.dismissed:
            status.append("dismissed ✗", muted)
        elif annotation.read:
            status.append("read ✓", self._style("detail--read"))
        else:
            status.append("unread ●", self._style("detail--unread"))
        status.append("  ")
        if annotation.tags:
            tags, tags_cut = bounded(" ".join(f"#{t}" for t in annotation.tags), TAGS_LIMIT)
            status.append(tags + ("…" if tags_cut else ""), self._style("detail--tag"))
        else:
            status.append("no tags", muted)
        parts.append(status)
        if self._score is not None:
            parts.append(Text(f"for-you score {self._score:+.3f}", style=muted))
        parts.append(Text(""))
        if annotation.note:
            # (Imported here: Rich's Markdown brings markdown-it and Pygments, ~25 ms of
            # every start, for the papers that have a note.)
            from rich.markdown import Markdown

            # The user's own words first: the note sits above the abstract.
            note, note_cut = bounded(annotation.note, NOTE_LIMIT)
            marked = self._marked(note, "note")
            parts += [
                Text("Note", style=self._style("detail--heading")),
                marked if marked.spans else Markdown(note),
            ]
            if note_cut:
                parts.append(Text(truncation_note("note", annotation.note), style=cut_style))
            parts.append(Text(""))
        return Group(*parts)

    def _abstract_rest(self) -> Group | None:
        """What shows below the abstract's own lines: where it was cut, or in place of
        it, that it is loading or missing. The abstract depends on the paper alone, not
        on its annotation, so a change to the annotation does not wrap it again."""
        paper = self._paper
        if paper is None:
            return None
        cut_style = self._style("detail--muted") + Style(italic=True)
        if paper.abstract:
            if len(paper.abstract) <= ABSTRACT_LIMIT:
                return None
            note = truncation_note("abstract", paper.abstract)
            return Group(Text(""), Text(note, style=cut_style))
        if self._pending:
            return Group(Text("Loading abstract…", style=cut_style))
        return Group(Text("(no abstract in the listing)", style=cut_style))

    def _spans(self, text: str, field: str) -> tuple[Span, ...]:
        return tuple(match_spans(text, self._query.highlights(field)))

    def _marked(self, text: str, field: str, style: Style | str = "") -> Text:
        """`text` as a Text, the query's words for `field` styled as matches."""
        out = Text(text, style=style)
        spans = self._spans(text, field)
        if spans:
            match = self._style("detail--match")
            for start, end in spans:
                out.stylize(match, start, end)
        return out

    def _layout(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            self._strips, self._text = [], ""
            return
        key = None if self._paper is None else self._paper.id
        built = self._built.get(key)
        if built is not None and built[0] == self._look and built[1] == width:
            self._built.move_to_end(key)
            self._strips, self._text = built[2], built[3]
        else:
            self._build(width)
            self._keep(key, width)
        # Every caller repaints (`show` only the lines that changed).
        set_virtual_size(self, Size(width, len(self._strips)), repaint=False)

    def _keep(self, key: str | None, width: int) -> None:
        """Keep the lines just built (`_build`) as `key`'s, the newest of `_built`."""
        self._built[key] = (self._look, width, self._strips, self._text)
        self._built.move_to_end(key)
        if len(self._built) > BUILT_KEPT:
            self._built.popitem(last=False)

    def _build(self, width: int) -> None:
        """Wrap the shown paper's content to `width`: `_strips` and `_text`."""
        console = self.app.console
        options = console.options.update_width(width)
        style = self._style()
        content, content_text = self._content_part(console, options, style, width)
        strips, texts = list(content), list(content_text)
        if self._paper is not None:
            below, below_text = self._abstract_part(console, options, style, width)
            strips += below
            texts += below_text
        self._strips = strips
        self._text = "\n".join(texts)

    def _content_part(
        self, console: Console, options: ConsoleOptions, style: Style, width: int
    ) -> tuple[list[Strip], list[str]]:
        """The lines above the abstract, and their text, kept while they would be drawn
        the same: a query counts only through the characters it marks in the title and
        the note, so a key that marks nothing new there wraps nothing."""
        paper, annotation = self._paper, self._annotation
        marks: tuple[object, ...] = ()
        if paper is not None:
            title, _cut = bounded(paper.title, TITLE_LIMIT)
            note, _cut = bounded(annotation.note, NOTE_LIMIT)
            marks = (self._spans(title, "title"), self._spans(note, "note") if note else ())
        key = (paper, annotation, self._score, marks, width, style)
        if self._content_lines is None or self._content_lines[0] != key:
            strips = render_strips(console, options, style, self._content(), width)
            self._content_lines = (key, strips, [strip.text.rstrip() for strip in strips])
        return self._content_lines[1], self._content_lines[2]

    def _abstract_part(
        self, console: Console, options: ConsoleOptions, style: Style, width: int
    ) -> tuple[list[Strip], list[str]]:
        """The abstract's lines (see `_abstract`) and their text. The abstract is wrapped
        once per paper and width; a new query re-renders only the lines whose marks
        change (`MarkedLines`), so the others stay the strips Textual already styled."""
        paper = self._paper
        assert paper is not None
        key = (paper.abstract, self._pending, width, style)
        if self._abstract_lines is None or self._abstract_lines[0] != key:
            marking, rest = None, self._abstract_rest()
            if paper.abstract:
                abstract, _cut = bounded(paper.abstract, ABSTRACT_LIMIT)
                marking = MarkedLines.of(console, options, style, abstract, width)
            rest_strips = render_strips(console, options, style, rest, width) if rest else []
            texts = [strip.text.rstrip() for strip in (marking.plain if marking else [])]
            texts += [strip.text.rstrip() for strip in rest_strips]
            self._abstract_lines = (key, marking, rest_strips, texts)
        _key, marking, rest_strips, texts = self._abstract_lines
        if marking is None:
            return rest_strips, texts
        spans = self._spans(marking.text, "abstract")
        lines = marking.marked(spans, console, options, style, self._style("detail--match"))
        if lines is None:  # only a whole wrap draws these marks exactly
            whole = self._marked(marking.text, "abstract")
            lines = render_strips(console, options, style, whole, width)
        return lines + rest_strips, texts

    # -- drawing -------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._layout()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # A new theme, whose colours are in no key. Textual calls this before it updates
        # the component styles (title, links, tags...): wrapped now, the lines kept the
        # old theme's colours until another paper was shown. They are wrapped again
        # once the update is done.
        self._forget_styles()
        if self.is_mounted:
            self.call_later(self._restyle)

    def _forget_styles(self) -> None:
        self._styled.clear()
        self._content_lines = None
        self._abstract_lines = None
        self._built.clear()
        self._styles.clear()

    def _restyle(self) -> None:
        self._forget_styles()
        self._layout()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        strips = self._styled.render(self, crop, self.render_line)
        return super().render_lines(crop) if strips is None else strips

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if 0 <= index < len(self._strips):
            return self._strips[index]
        return Strip.blank(width, self._style())


def _look(
    paper: Paper | None,
    annotation: Annotation,
    pending: bool,
    score: float | None,
    query: Query,
) -> tuple[object, ...]:
    """Everything a paper's lines are made of, but the width and the theme."""
    highlights = (query.highlights(field) for field in ("title", "abstract", "note"))
    return (paper, annotation, pending, score, *highlights)


class TitleLine(Static):
    """The highlighted paper's whole title, in two rows under the list.

    Shown while the detail pane is hidden (`w`), so that a title cut in the list can
    still be read without leaving it. Fixed height: a new paper is new text, never a
    new layout. A title longer than two rows ends in "…" (past 2 rows of 78 columns,
    rare: titles are one line in listings).
    """

    ROWS = 2
    _paper: Paper | None = None

    def on_resize(self, event: events.Resize) -> None:
        self.show(self._paper)  # the cut, if any, moves with the width

    def show(self, paper: Paper | None) -> None:
        self._paper = paper
        if paper is None:
            self.update(Content(""), layout=False)
            return
        width = max(1, self.content_region.width or self.app.size.width - 2)
        title, _cut = bounded(paper.title, TITLE_LIMIT)
        # Content from a string is never parsed as markup: a title shows as written.
        lines = [line.plain for line in Content(title).wrap(width)]
        if len(lines) > self.ROWS:
            rest = " ".join(lines[self.ROWS - 1 :])
            lines = [*lines[: self.ROWS - 1], set_cell_size(rest, width - 1) + "…"]
        self.update(Content.styled("\n".join(lines), "bold"), layout=False)
