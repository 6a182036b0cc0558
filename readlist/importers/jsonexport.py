"""readlist's own JSON export, read back: papers with every field, and annotations.

This is the one import that carries annotations (a library moved to another machine or
restored from an export). Records are checked against the schema field by field; a
record that is not a paper (no title, a wrong kind of value) is skipped and reported by
its position, so one bad record never loses the rest.

An export is `{"readlist": "export", "papers": [...], "filters": [{"name", "query"}]}`
(saved filters travel with the library); a bare list of paper records (older exports,
or any tool's) reads too. Filters are only read here: whether a name is usable and a
query parses is checked when they are restored (`Store.restore_filters`, via the CLI).
"""

from __future__ import annotations

from typing import Any

import orjson

from readlist.importers.base import Parsed, RawPaper
from readlist.models import MAX_RATING, Annotation, normalize_arxiv_id, normalize_tags
from readlist.schema import BY_NAME, TRACKED, allowed_types
from readlist.text import clean_block, clean_multiline

_RAW_FIELDS = frozenset(RawPaper.__dataclass_fields__) - {"paragraphs", "annotation", "said"}


def parse_export(text: str) -> Parsed:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return Parsed(problem=f"is not valid JSON ({error})")
    parsed = Parsed()
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        _read_filters(data.get("filters"), parsed)
        data = data["papers"]
    if not isinstance(data, list):
        return Parsed(problem="is JSON but not a readlist export (expected a list of papers)")
    for number, record in enumerate(data, start=1):
        problem = _problem(record)
        if problem:
            parsed.skipped += 1
            if len(parsed.notes) < 5:
                parsed.notes.append(f"record {number} skipped: {problem}")
            continue
        parsed.papers.append(_paper(record))
    if not parsed.papers:
        parsed.problem = "is JSON but holds no readlist paper records" + (
            f" ({parsed.notes[0]})" if parsed.notes else ""
        )
    return parsed


def _read_filters(value: Any, parsed: Parsed) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        parsed.notes.append('saved filters skipped: "filters" is not a list')
        return
    for number, entry in enumerate(value, start=1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("query"), str)
        ):
            parsed.notes.append(f"saved filter {number} skipped: not a name and a query")
            continue
        parsed.filters[clean_block(entry["name"])] = clean_block(entry["query"])


def _problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "not an object"
    title = record.get("title")
    if not isinstance(title, str) or not clean_block(title):
        return "no title"
    for name in _RAW_FIELDS & record.keys():
        field = BY_NAME.get(name)
        value = record[name]
        if field is None:
            continue
        if type(value) not in allowed_types(field) and not (field.optional and value is None):
            return f"field {name!r} holds a {type(value).__name__}"
        if field.kind == "texts" and not all(isinstance(x, str) for x in value):
            return f"field {name!r} holds something that is not text"
    rating = record.get("rating", 0)
    if type(rating) is not int or not 0 <= rating <= MAX_RATING:
        return f"rating {rating!r} is not 0..{MAX_RATING}"
    tags = record.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return "tags are not a list of text"
    if not isinstance(record.get("read", False), bool):
        return "read is not true or false"
    if not isinstance(record.get("dismissed", False), bool):
        return "dismissed is not true or false"
    if not isinstance(record.get("note", ""), str):
        return "the note is not text"
    return None


def _paper(record: dict[str, Any]) -> RawPaper:
    def text(name: str) -> str | None:
        value = record.get(name)
        return clean_block(value) or None if isinstance(value, str) else None

    def texts(name: str) -> tuple[str, ...]:
        return tuple(x for x in (clean_block(v) for v in record.get(name) or ()) if x)

    def number(name: str) -> int | None:
        value = record.get(name)
        return value if type(value) is int and value >= 0 else None

    abstract = record.get("abstract")
    annotation = Annotation(
        tags=normalize_tags(record.get("tags") or ()),
        rating=record.get("rating") or 0,
        read=bool(record.get("read", False)),
        note=clean_multiline(record.get("note") or ""),
        updated=text("updated"),
        dismissed=bool(record.get("dismissed", False)),
    )
    published = text("published")
    return RawPaper(
        title=clean_block(record["title"]),
        abstract=clean_multiline(abstract) if isinstance(abstract, str) else "",
        authors=texts("authors"),
        authors_count=number("authors_count"),
        organization=text("organization"),
        published=published if published and _is_date(published) else None,
        date_inferred=bool(record.get("date_inferred", False)),
        upvotes=number("upvotes"),
        comments=number("comments"),
        arxiv_id=normalize_arxiv_id(text("arxiv_id") or ""),
        doi=text("doi"),
        categories=texts("categories"),
        venue=text("venue"),
        links=texts("links"),
        annotation=annotation,
        added=text("added"),
        sources=texts("sources"),
        said=_said(record.get("said")),
    )


def _said(value: Any) -> tuple[tuple[str, str], ...]:
    """The export's record of which source gave each field: {field: source kind}."""
    if not isinstance(value, dict):
        return ()
    return tuple(
        (name, clean_block(kind))
        for name, kind in value.items()
        if name in TRACKED and isinstance(kind, str) and clean_block(kind)
    )


def _is_date(value: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
