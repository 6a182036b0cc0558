"""Documents on disk <-> models, and the checks a document passes before it is trusted.

Kept apart from `store` so that `doctor` can check and salvage files with the same rules
the store reads them by. Checks are made once per file version (the store caches the
result), and are written to cost little at 100,000 papers: see `check_paper_docs`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from itertools import chain
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import Any

from readlist.gcutil import gc_paused
from readlist.models import MAX_RATING, Annotation, Paper
from readlist.store.storage import damaged

ANNOTATIONS, PAPERS, ABSTRACTS = "annotations", "papers", "abstracts"


def paper_to_doc(paper: Paper) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "title": paper.title,
        "authors_count": paper.authors_count,
        "published": paper.published,
        "upvotes": paper.upvotes,
        "links": list(paper.links),
        "sources": list(paper.sources),
        "added": paper.added,
    }
    if paper.date_inferred:
        doc["date_inferred"] = True
    return doc


def abstract_doc(paper: Paper) -> dict[str, Any]:
    return {"text": paper.abstract}


_PAPER_FIELDS = (
    "title",
    "published",
    "authors_count",
    "upvotes",
    "links",
    "sources",
    "date_inferred",
)
_PAPER_TYPES = (
    frozenset({str}),
    frozenset({str, type(None)}),
    frozenset({int, type(None)}),
    frozenset({int, type(None)}),
    frozenset({list}),
    frozenset({list}),
    frozenset({bool, type(None)}),
)


def check_paper_docs(path: Path, docs: Mapping[str, Any]) -> None:
    """Raise `LibraryError` unless every paper document has fields of the right kinds.

    Collecting each document's tuple of field types into a set leaves a handful of
    distinct tuples to check, instead of 700,000 isinstance calls at 100k papers.
    """
    values = list(docs.values())
    # One tuple of field types per document, written out (a generator here is 3x slower).
    kinds = {
        (
            type(d.get("title")),
            type(d.get("published")),
            type(d.get("authors_count")),
            type(d.get("upvotes")),
            type(d.get("links")),
            type(d.get("sources")),
            type(d.get("date_inferred")),
        )
        for d in values
    }
    for kind in kinds:
        for key, found, allowed in zip(_PAPER_FIELDS, kind, _PAPER_TYPES, strict=True):
            if found not in allowed:
                raise damaged(path, f"paper field {key!r} holds a {found.__name__}")
    # Distinct values only: a few element types, a few thousand dates at 100k papers.
    items = set(map(type, chain.from_iterable(map(itemgetter("links"), values))))
    items |= set(map(type, chain.from_iterable(map(itemgetter("sources"), values))))
    dates = set(map(methodcaller("get", "published"), values)) - {None}
    if items - {str}:
        raise damaged(path, "a paper has a link or source that is not text")
    for published in dates:
        try:
            date.fromisoformat(published)
        except ValueError:
            raise damaged(
                path, f"a paper has a date that is not YYYY-MM-DD: {published!r:.40}"
            ) from None


def check_annotation_docs(path: Path, docs: Mapping[str, Any]) -> None:
    for pid, doc in docs.items():
        annotation_from_doc(path, pid, doc)


def check_abstract_docs(path: Path, docs: Mapping[str, Any]) -> None:
    for pid, doc in docs.items():
        if type(doc.get("text")) is not str:
            raise damaged(path, f"the abstract of paper {pid} is not text")


VALIDATORS: dict[str, Callable[[Path, Mapping[str, Any]], None]] = {
    ANNOTATIONS: check_annotation_docs,
    PAPERS: check_paper_docs,
    ABSTRACTS: check_abstract_docs,
}


def papers_from_docs(docs: Mapping[str, Any], abstracts: Mapping[str, str]) -> list[Paper]:
    """Build papers from documents that `check_paper_docs` accepted."""
    get = abstracts.get
    with gc_paused():
        return [
            Paper(
                pid,
                doc["title"],
                get(pid, ""),
                doc.get("authors_count"),
                doc.get("published"),
                doc.get("upvotes"),
                tuple(doc["links"]),
                tuple(doc["sources"]),
                doc.get("added"),
                doc.get("date_inferred", False),
            )
            for pid, doc in docs.items()
        ]


def annotation_to_doc(annotation: Annotation) -> dict[str, Any]:
    return {
        "tags": list(annotation.tags),
        "rating": annotation.rating,
        "read": annotation.read,
        "note": annotation.note,
        "updated": annotation.updated,
    }


def annotation_from_doc(path: Path, pid: str, doc: Mapping[str, Any]) -> Annotation:
    tags = doc.get("tags", [])
    rating = doc.get("rating", 0)
    read = doc.get("read", False)
    note = doc.get("note", "")
    updated = doc.get("updated")
    if not (
        isinstance(tags, list)
        and all(isinstance(t, str) for t in tags)
        and type(rating) is int
        and 0 <= rating <= MAX_RATING
        and isinstance(read, bool)
        and isinstance(note, str)
        and (updated is None or isinstance(updated, str))
    ):
        raise damaged(path, f"the annotation of paper {pid} has a wrong value")
    return Annotation(tuple(tags), rating, read, note, updated)
