"""Importers turn files into `Paper`s, and nothing else: they never touch the library.

`read_listing` reads one listing file and either returns its papers or raises
`ImportFileError` with a one-line message naming the file and the problem. Every way
a file can be wrong (missing, a directory, unreadable, binary, not UTF-8, empty, no
papers) ends in that one error type.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from readlist.errors import ImportFileError
from readlist.gcutil import gc_paused
from readlist.importers.listing import RawPaper, parse_listing
from readlist.models import Paper, paper_id

# Pasted pages are tens of kilobytes; a 100k-paper listing is ~170 MB. Anything far
# beyond that is not a listing someone pasted, and reading it would exhaust memory.
MAX_BYTES = 2 * 1024**3

__all__ = ["ListingFile", "decode", "read_listing", "to_papers"]


@dataclass(frozen=True, slots=True)
class ListingFile:
    """The papers of one listing file."""

    path: str
    papers: list[Paper]
    skipped: int
    """Blocks that looked like parts of papers but were incomplete (e.g. a cut-off page)."""


def read_listing(
    path: str | Path, *, today: date | None = None, added: str | None = None
) -> ListingFile:
    """Read and parse one listing file. Raises `ImportFileError` for any bad input."""
    shown = str(path)
    data = _read_bytes(Path(path), shown)
    text = decode(data, shown)
    if not text.strip():
        raise ImportFileError(shown, "the file is empty")
    with gc_paused():  # every object built here is kept: collections would only cost
        parsed = parse_listing(text, today=today or date.today())
    if not parsed.papers:
        raise ImportFileError(
            shown, "no papers found (expected a title line, a blank line, then an abstract)"
        )
    source = str(Path(path).resolve())
    stamp = added or datetime.now(UTC).isoformat(timespec="seconds")
    with gc_paused():
        papers = to_papers(parsed.papers, source=source, added=stamp)
    return ListingFile(shown, papers, parsed.skipped)


def to_papers(raw: list[RawPaper], *, source: str, added: str | None) -> list[Paper]:
    """Give parsed papers their ids and source; a paper listed twice is merged."""
    by_id: dict[str, Paper] = {}
    for item in raw:
        paper = Paper(
            id=paper_id(item.title),
            title=item.title,
            abstract=item.abstract,
            authors_count=item.authors_count,
            published=item.published,
            upvotes=item.upvotes,
            links=item.links,
            sources=(source,),
            added=added,
            date_inferred=item.date_inferred,
        )
        old = by_id.get(paper.id)
        by_id[paper.id] = paper if old is None else old.merged_with(paper)
    return list(by_id.values())


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
