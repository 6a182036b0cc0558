"""What every importer produces: raw papers (no id, no source yet) and a report.

One module per input format (`listing` for Hugging Face pages, `arxiv`, `bibtex`,
`jsonexport`) turns text into a `Parsed`; `readlist.importers` reads the file, picks the
format (sniffed from the content, or given) and gives the papers their ids and source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from readlist.models import Annotation

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
"""Month names and abbreviations, lower-cased -> 1..12 (every importer reads dates)."""


class Piece(NamedTuple):
    """Whole lines of a text, joined by newlines (no line runs from one piece into the
    next): what a large file is decoded into, a piece at a time (see
    `readlist.importers.listing.parse_listing_lines`)."""

    text: str
    plain: bool
    """No ASCII control character in `text` but its newlines (no tab, no carriage
    return, no DEL): each of its ASCII lines is printable as it is and breaks nowhere."""


@dataclass(slots=True)
class RawPaper:
    """A paper as one source describes it, before it gets an id and a source."""

    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    authors_count: int | None = None
    organization: str | None = None
    published: str | None = None
    date_inferred: bool = False
    upvotes: int | None = None
    comments: int | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    categories: tuple[str, ...] = ()
    venue: str | None = None
    links: tuple[str, ...] = ()
    paragraphs: int = 1
    """How many paragraphs the abstract has (documents have many; listings few)."""
    annotation: Annotation | None = None
    """What the user said about it: only readlist's own JSON export carries this."""
    added: str | None = None
    """When it entered the library it was exported from (JSON export only)."""
    sources: tuple[str, ...] = ()
    """Where the exported library had it from (JSON export only)."""
    said: tuple[tuple[str, str], ...] = ()
    """Which source gave each field in the exported library (JSON export only)."""


@dataclass(slots=True)
class Parsed:
    """The papers found in one text, and what could not be used."""

    papers: list[RawPaper] = field(default_factory=list)
    skipped: int = 0
    """Parts of papers that could not be completed (a paragraph without a title, a
    title whose abstract was cut off, a broken BibTeX entry)."""
    problem: str | None = None
    """Why the text is not a listing of this format at all (then `papers` is ignored)."""
    notes: list[str] = field(default_factory=list)
    """One line each about what was skipped and why (shown with the import report)."""
    filters: dict[str, str] = field(default_factory=dict)
    """Saved filters by name (readlist's own JSON export only)."""
