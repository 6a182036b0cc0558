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
from readlist.schema import CSV_FIELDS, FIELDS

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
    """Everything about one paper, as JSON export writes it: every schema field, under
    its schema name (lists as lists), then the annotation."""
    out: dict[str, object] = {}
    for field in FIELDS:
        value = getattr(paper, field.name)
        if field.kind == "pairs":
            value = {name: source for name, source in value}
        elif field.kind == "texts":
            value = list(value)
        out[field.name] = value
    out.update(
        tags=list(annotation.tags),
        rating=annotation.rating,
        read=annotation.read,
        note=annotation.note,
        updated=annotation.updated,
    )
    return out


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


CSV_COLUMNS = (*CSV_FIELDS, "rating", "read", "tags", "note", "abstract")


def neutralize(cell: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def to_csv(rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for paper, annotation in rows:
        cells = [_cell(getattr(paper, name)) for name in CSV_FIELDS]
        cells += [
            str(annotation.rating),
            "yes" if annotation.read else "no",
            neutralize(" ".join(annotation.tags)),
            neutralize(annotation.note),
            neutralize(paper.abstract),
        ]
        writer.writerow(cells)
    return buffer.getvalue()


def _cell(value: object) -> str:
    """A CSV cell: unknown is empty, lists are joined ("; " for names, which hold spaces)."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return neutralize("; ".join(value))
    return neutralize(str(value))
