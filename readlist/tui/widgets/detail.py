"""The detail pane: everything about the highlighted paper.

Paper text goes into `Content` objects, which Textual draws as data: a title such as
`[bold]x[/]` or `[@click=app.quit]` shows exactly as written. The note is the user's own
Markdown and is rendered as Markdown.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Markdown, Static

from readlist.models import MAX_RATING, Annotation, Paper
from readlist.text import strip_controls


def _date(paper: Paper) -> str | None:
    return paper.published


def metadata(paper: Paper) -> Content:
    parts: list[str] = []
    if paper.authors_count is not None:
        parts.append(f"{paper.authors_count} author{'' if paper.authors_count == 1 else 's'}")
    if paper.published:
        parts.append(f"published {paper.published}")
    if paper.upvotes is not None:
        parts.append(f"▲ {paper.upvotes} upvotes")
    parts.append(f"id {paper.short_id}")
    return Content(" · ".join(parts))


def annotation_line(annotation: Annotation) -> Content:
    rating = (
        ("★" * annotation.rating + "☆" * (MAX_RATING - annotation.rating), "$text-warning")
        if annotation.rating
        else ("unrated", "$text-muted")
    )
    read = ("read ✓", "$text-success") if annotation.read else ("unread ●", "$text-primary")
    tags: list[str | tuple[str, str]] = (
        [("  ", ""), *((f"#{strip_controls(t)} ", "$text-accent") for t in annotation.tags)]
        if annotation.tags
        else [("  no tags", "$text-muted")]
    )
    return Content.assemble(rating, "  ", read, *tags)


class DetailPane(VerticalScroll):
    """Shows one paper; `show(None)` shows a hint instead."""

    DEFAULT_CSS = """
    DetailPane { padding: 0 1; background: $surface; }
    DetailPane > #detail-title { text-style: bold; color: $text-primary; margin-bottom: 1; }
    DetailPane > #detail-meta { color: $text-muted; }
    DetailPane > #detail-links { color: $text-accent; }
    DetailPane > #detail-annotation { margin-bottom: 1; }
    DetailPane > #detail-abstract { margin-bottom: 1; }
    DetailPane > #detail-note-heading { color: $text-muted; text-style: bold; }
    DetailPane > Markdown { padding: 0; margin: 0 0 1 0; background: $surface; }
    """
    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._note: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Static(id="detail-links")
        yield Static(id="detail-annotation")
        # The user's own words first: the note sits above the abstract.
        yield Static(Content("Note"), id="detail-note-heading")
        yield Markdown(id="detail-note", open_links=False)
        yield Static(id="detail-abstract")

    def show(
        self, paper: Paper | None, annotation: Annotation, *, abstract_pending: bool = False
    ) -> None:
        title = self.query_one("#detail-title", Static)
        meta = self.query_one("#detail-meta", Static)
        links = self.query_one("#detail-links", Static)
        notes = self.query_one("#detail-annotation", Static)
        abstract = self.query_one("#detail-abstract", Static)
        heading = self.query_one("#detail-note-heading", Static)
        if paper is None:
            title.update(Content("No paper selected"))
            for widget in (meta, links, notes, abstract):
                widget.update(Content(""))
            self._set_note("")
            heading.display = False
            return
        title.update(Content(strip_controls(paper.title)))
        meta.update(metadata(paper))
        links.update(Content("\n".join(strip_controls(link) for link in paper.links)))
        links.display = bool(paper.links)
        notes.update(annotation_line(annotation))
        if paper.abstract:
            abstract.update(Content(strip_controls(paper.abstract)))
        else:
            text = "Loading abstract…" if abstract_pending else "(no abstract in the listing)"
            abstract.update(Content.styled(text, "italic $text-muted"))
        heading.display = bool(annotation.note)
        self._set_note(annotation.note)
        self.scroll_home(animate=False)

    def _set_note(self, note: str) -> None:
        if note == self._note:
            return
        self._note = note
        widget = self.query_one("#detail-note", Markdown)
        widget.display = bool(note)
        widget.update(strip_controls(note))
