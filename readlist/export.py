"""Exporting many papers: JSON (the whole record), BibTeX, Markdown, CSV.

JSON holds everything readlist knows about each paper, annotations included, and the
library's saved filters, so that an `import` of it can restore a library:
`{"readlist": "export", "version": 1, "papers": [...], "filters": [{"name", "query"}]}`
(without `filters`, `to_json` gives the bare list of paper records).

The other formats are for other tools and are made safe for them: BibTeX and Markdown
escape their specials (see `citations`), and CSV cells that a spreadsheet would run as a
formula (starting with = + - @, tab or CR) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

import orjson

from readlist.citations import assign_keys, bibtex, escape_markdown, markdown
from readlist.formatting import stars
from readlist.models import Annotation, Paper
from readlist.schema import CSV_FIELDS, FIELDS

FORMATS = ("json", "bibtex", "markdown", "csv")
Row = tuple[Paper, Annotation]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export(
    rows: Iterable[Row],
    fmt: str,
    keys: Sequence[str] | None = None,
    *,
    filters: Mapping[str, str] | None = None,
) -> bytes:
    """`rows` as `fmt`; BibTeX entries under `keys` when given (see `to_bibtex`); JSON
    also holds `filters` (saved filters by name), if given."""
    if fmt == "json":
        return to_json(rows, filters)
    if fmt == "bibtex":
        return to_bibtex(rows, keys).encode("utf-8")
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
        dismissed=annotation.dismissed,
    )
    return out


def to_json(rows: Iterable[Row], filters: Mapping[str, str] | None = None) -> bytes:
    records = [record(p, a) for p, a in rows]
    if filters is None:
        return orjson.dumps(records, option=orjson.OPT_INDENT_2) + b"\n"
    data = {
        "readlist": "export",
        "version": 1,
        "papers": records,
        "filters": [{"name": name, "query": query} for name, query in filters.items()],
    }
    return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


def to_bibtex(rows: Iterable[Row], keys: Sequence[str] | None = None) -> str:
    """Entries in the rows' order, under `keys` (e.g. pinned ones, `store.citekeys`),
    else under `citations.assign_keys`' keys: clashes get `a`, `b`... suffixes in the
    order papers entered the library, so re-exporting sorted otherwise keeps every key.
    """
    rows = list(rows)
    if keys is None:
        keys = assign_keys([p for p, _ in rows])
    return "\n".join(
        bibtex(paper, annotation, key=key, full=True)
        for (paper, annotation), key in zip(rows, keys, strict=True)
    )


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
