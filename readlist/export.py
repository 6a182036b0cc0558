"""Exporting many papers: JSON (the whole record), BibTeX, Markdown, CSV.

JSON holds everything readlist knows about each paper, annotations included, so that a
future `import` of it can restore a library. The other formats are for other tools and
are made safe for them: BibTeX and Markdown escape their specials (see `citations`), and
CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR)
are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import orjson

from readlist.citations import bibtex, bibtex_key, escape_markdown, markdown
from readlist.formatting import stars
from readlist.models import Annotation, Paper

FORMATS = ("json", "bibtex", "markdown", "csv")
Row = tuple[Paper, Annotation]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export(rows: Iterable[Row], fmt: str) -> bytes:
    if fmt == "json":
        return to_json(rows)
    if fmt == "bibtex":
        return to_bibtex(rows).encode("utf-8")
    if fmt == "markdown":
        return to_markdown(rows).encode("utf-8")
    if fmt == "csv":
        return to_csv(rows).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def record(paper: Paper, annotation: Annotation) -> dict[str, object]:
    """Everything about one paper, as JSON export writes it."""
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors_count": paper.authors_count,
        "published": paper.published,
        "upvotes": paper.upvotes,
        "links": list(paper.links),
        "sources": list(paper.sources),
        "added": paper.added,
        "tags": list(annotation.tags),
        "rating": annotation.rating,
        "read": annotation.read,
        "note": annotation.note,
        "updated": annotation.updated,
    }


def to_json(rows: Iterable[Row]) -> bytes:
    return orjson.dumps([record(p, a) for p, a in rows], option=orjson.OPT_INDENT_2) + b"\n"


def to_bibtex(rows: Iterable[Row]) -> str:
    rows = list(rows)
    keys = [bibtex_key(p) for p, _ in rows]
    seen: dict[str, int] = {}
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
    out = []
    used: set[str] = set()
    for (paper, annotation), key in zip(rows, keys, strict=True):
        if seen[key] > 1:
            key = bibtex_key(paper, id_chars=64)  # the whole id (or its SHA-256)
        unique, n = key, 1
        while unique in used:  # ids that only differ in characters a key cannot hold
            n += 1
            unique = f"{key}-{n}"
        used.add(unique)
        out.append(bibtex(paper, annotation, key=unique, full=True))
    return "\n".join(out)


def to_markdown(rows: Iterable[Row]) -> str:
    lines = ["# Reading list", ""]
    for paper, annotation in rows:
        extras = []
        if annotation.rating:
            extras.append(stars(annotation.rating))
        if annotation.read:
            extras.append("read")
        if annotation.tags:
            extras.append(" ".join(f"#{escape_markdown(t)}" for t in annotation.tags))
        suffix = f" · {' · '.join(extras)}" if extras else ""
        lines.append(f"- {markdown(paper)}{suffix}")
        # The note is the user's own Markdown: quoted as written, not escaped.
        for note_line in annotation.note.splitlines():
            lines.append(f"  > {note_line}" if note_line.strip() else "  >")
    return "\n".join(lines) + "\n"


CSV_COLUMNS = (
    *("id", "title", "published", "authors_count", "upvotes"),
    *("rating", "read", "tags", "note", "links", "abstract"),
)


def neutralize(cell: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def to_csv(rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for paper, annotation in rows:
        writer.writerow(
            [
                neutralize(paper.id),  # ids and dates too: a crafted file may hold anything
                neutralize(paper.title),
                neutralize(paper.published or ""),
                "" if paper.authors_count is None else paper.authors_count,
                "" if paper.upvotes is None else paper.upvotes,
                annotation.rating,
                "yes" if annotation.read else "no",
                neutralize(" ".join(annotation.tags)),
                neutralize(annotation.note),
                neutralize(" ".join(paper.links)),
                neutralize(paper.abstract),
            ]
        )
    return buffer.getvalue()
