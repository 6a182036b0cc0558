"""Importers turn files into `Paper`s, and nothing else: they never touch the library.

`read_listing` reads one listing file and either returns its papers or raises
`ImportFileError` with a one-line message naming the file and the problem. Every way
a file can be wrong (missing, a directory, unreadable, binary, not UTF-8, empty, no
papers) ends in that one error type.
"""

from __future__ import annotations

import codecs
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from readlist.errors import ImportFileError
from readlist.gcutil import gc_paused
from readlist.importers.base import Parsed, RawPaper
from readlist.importers.formats import FORMATS, sniff
from readlist.models import Annotation, Paper, paper_id
from readlist.schema import TRACKED
from readlist.text import squeeze

# Pasted pages are tens of kilobytes; a 100k-paper listing is ~170 MB. Anything far
# beyond that is not a listing someone pasted, and reading it would exhaust memory.
MAX_BYTES = 2 * 1024**3
STDIN = "-"
PASTED = "pasted text"

__all__ = ["FORMATS", "ListingFile", "decode", "read_listing", "read_text", "to_papers"]


@dataclass(frozen=True, slots=True)
class ListingFile:
    """The papers of one listing file."""

    path: str
    papers: list[Paper]
    skipped: int
    """Blocks that looked like parts of papers but were incomplete (e.g. a cut-off page)."""
    format: str = "hf"
    """The format it was read as (see `readlist.importers.formats`)."""
    notes: tuple[str, ...] = ()
    """What was left out and why, one line each."""
    annotations: dict[str, Annotation] = field(default_factory=dict)
    """Paper id -> what the user had said (readlist's own JSON export only)."""


def read_listing(
    path: str | Path,
    *,
    today: date | None = None,
    added: str | None = None,
    fmt: str | None = None,
) -> ListingFile:
    """Read and parse one listing file (`-` is standard input). Raises `ImportFileError`
    for any bad input, including text that is not a listing of the format."""
    shown = str(path)
    if shown == STDIN:
        data = _read_stdin()
        source = STDIN
        shown = "standard input"
    else:
        data = _read_bytes(Path(path), shown)
        source = str(Path(path).resolve())
    text = decode(data, shown)
    return read_text(text, shown=shown, source=source, today=today, added=added, fmt=fmt)


def read_text(
    text: str,
    *,
    shown: str,
    source: str,
    today: date | None = None,
    added: str | None = None,
    fmt: str | None = None,
) -> ListingFile:
    """Parse text already read (a file, standard input, the TUI's paste box)."""
    if not text.strip():
        raise ImportFileError(shown, "nothing pasted" if shown == PASTED else "the file is empty")
    name = fmt or sniff(text)
    try:
        parse = FORMATS[name].parse
    except KeyError:
        choices = ", ".join(FORMATS)
        raise ImportFileError(shown, f"unknown format {name!r}; choose from {choices}") from None
    with gc_paused():  # every object built here is kept: collections would only cost
        parsed = parse(text, today or date.today())
    if parsed.problem is not None or not parsed.papers:
        raise ImportFileError(shown, parsed.problem or "no papers found")
    stamp = added or datetime.now(UTC).isoformat(timespec="seconds")
    with gc_paused():
        papers, annotations = _build(parsed, source=source, added=stamp, kind=FORMATS[name].kind)
    return ListingFile(shown, papers, parsed.skipped, name, tuple(parsed.notes), annotations)


def to_papers(
    raw: list[RawPaper], *, source: str, added: str | None, kind: str = "hf-page"
) -> list[Paper]:
    """Give parsed papers their ids and source; a paper listed twice is merged."""
    papers, _ = _build(Parsed(raw), source=source, added=added, kind=kind)
    return papers


def _build(
    parsed: Parsed, *, source: str, added: str | None, kind: str
) -> tuple[list[Paper], dict[str, Annotation]]:
    by_id: dict[str, Paper] = {}
    annotations: dict[str, Annotation] = {}
    for item in parsed.papers:
        paper = _to_paper(item, source=source, added=added, kind=kind)
        old = by_id.get(paper.id)
        by_id[paper.id] = paper if old is None else old.merged_with(paper)
        if item.annotation is not None and not item.annotation.is_empty:
            annotations[paper.id] = item.annotation
    return list(by_id.values()), annotations


def _to_paper(item: RawPaper, *, source: str, added: str | None, kind: str) -> Paper:
    title = squeeze(item.title)
    known = dict(item.said)
    said = tuple(
        (name, known.get(name, kind)) for name in TRACKED if getattr(item, name) not in (None, ())
    )
    sources = item.sources + ((source,) if source not in item.sources else ())
    return Paper(
        id=paper_id(title),
        title=title,
        abstract=item.abstract,
        authors=item.authors,
        authors_count=item.authors_count,
        organization=item.organization,
        published=item.published,
        date_inferred=item.date_inferred,
        upvotes=item.upvotes,
        comments=item.comments,
        arxiv_id=item.arxiv_id,
        doi=item.doi,
        categories=item.categories,
        venue=item.venue,
        links=item.links,
        sources=sources,
        added=item.added or added,
        said=tuple(sorted(said)),
    )


def _read_stdin() -> bytes:
    """Standard input, bounded like a file (`xclip -o | readlist import -`)."""
    if sys.stdin is None or sys.stdin.isatty():
        raise ImportFileError(
            "standard input",
            "is a terminal; pipe a listing into it (e.g. xclip -o | readlist import -)",
        )
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError("standard input", "is more than 2 GB, too large for a listing")
    return data


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        if path.is_dir():
            raise ImportFileError(shown, "is a directory, not a listing file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ImportFileError(shown, f"is {size / 1024**3:.1f} GB, too large for a listing")
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(shown, "no such file") from None
    except PermissionError:
        raise ImportFileError(shown, "permission denied") from None
    except OSError as error:
        raise ImportFileError(shown, f"cannot be read ({error.strerror or error})") from None


def decode(data: bytes, shown: str) -> str:
    """Text of a listing file: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(shown, "is not valid UTF-16 text") from None
    if looks_binary(data):
        raise ImportFileError(shown, "looks like binary data, not a text listing")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            shown, f"is not UTF-8 text (invalid byte at offset {error.start}); save it as UTF-8"
        ) from None


# Formats people mistake for listings: PDF, PNG, JPEG, GIF, ZIP/DOCX/EPUB, gzip, ELF.
_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF")
_TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x1b")


def looks_binary(data: bytes) -> bool:
    """A known binary format, or a start dense with control bytes.

    A stray NUL or escape sequence in pasted text is hostile *text* (stripped at
    import); a file whose first kilobytes are >10% control bytes is not a listing.
    """
    if data.startswith(_MAGIC):
        return True
    sample = data[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in _TEXT_CONTROLS)
    return controls > 8 and controls * 10 > len(sample)
