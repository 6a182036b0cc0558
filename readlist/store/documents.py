"""Documents on disk <-> models, and the checks a document passes before it is trusted.

Kept apart from `store` so that `doctor` can check and salvage files with the same rules
the store reads them by. Checks are made once per file version (the store caches the
result), and are written to cost little at 100,000 papers: see `check_paper_docs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from datetime import date
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from readlist.gcutil import gc_paused
from readlist.models import MAX_RATING, Annotation, Paper
from readlist.schema import STORED, allowed_types
from readlist.store.storage import damaged
from readlist.text import squeeze, strip_controls

ANNOTATIONS, PAPERS, ABSTRACTS = "annotations", "papers", "abstracts"
RECENT = "recent-abstracts"
"""The small file of new and changed abstracts, read over the abstracts file (see
`Store._write_abstracts`)."""


# The papers-file fields in schema order, and the JSON types each may hold.
_STORED = tuple(f.name for f in STORED)
_ALLOWED = tuple(allowed_types(f) for f in STORED)
_TEXTS = tuple(f.name for f in STORED if f.kind == "texts")
_DATES = tuple(f.name for f in STORED if f.kind == "date")
_ONE_LINE = tuple(f.name for f in STORED if f.kind == "text")
_get_stored = itemgetter(*_STORED)
_get_one_line = itemgetter(*_ONE_LINE)
PAPER_ID = re.compile(r"[0-9a-f]{16}")
"""What every paper id is (see `readlist.models.paper_id`)."""
# Document fields of format 1 (see `readlist.schema`), for migration.
_V1_FIELDS = frozenset({"title", "authors_count", "published", "upvotes", "links", "sources",
                        "added", "date_inferred"})  # fmt: skip


def paper_to_doc(paper: Paper) -> dict[str, Any]:
    """Every stored field, always present (so reading needs no defaults)."""
    return _doc_with_added(paper, paper.added)


def new_paper_doc(paper: Paper, added: str) -> dict[str, Any]:
    """`paper_to_doc(replace(paper, added=added))` without building that paper (a
    first import does this 100,000 times)."""
    return _doc_with_added(paper, added)


def _doc_builder() -> Callable[[Paper, str | None], dict[str, Any]]:
    """`doc(paper, added)`: the document of `paper` with `added` for its `added`, as
    one dict display generated from the schema (fields in schema order, lists as
    lists, the `said` pairs as lists): ~4x faster than filling a dict field by field,
    once per paper written (tests/test_store_bulk.py compares it with that)."""
    values = []
    for f in STORED:
        if f.name == "added":
            value = "added"
        elif f.kind == "texts":
            value = f"list(p.{f.name})"
        elif f.kind == "pairs":
            value = f"[list(pair) for pair in p.{f.name}]"
        else:
            value = f"p.{f.name}"
        values.append(f"{f.name!r}: {value}")
    source = f"def doc(p, added):\n    return {{{', '.join(values)}}}\n"
    scope: dict[str, Any] = {}
    exec(source, scope)  # source made of the schema's own field names only
    doc: Callable[[Paper, str | None], dict[str, Any]] = scope["doc"]
    return doc


_doc_with_added = _doc_builder()


def printable_all(papers: Sequence[Paper]) -> list[Paper]:
    """`[printable(p) for p in papers]`, with one check of every one-line text at once
    (a character that is not allowed is in the joined texts if and only if it is in
    one of them): at 100,000 papers, checking each paper's fields was ~0.6 s."""
    for name in _ONE_LINE:
        joined = "".join(filter(None, map(attrgetter(name), papers)))
        if not one_line(joined):
            return list(map(printable, papers))
    return list(papers)


def printable(paper: Paper) -> Paper:
    """`paper` with control characters removed from its one-line fields.

    Importers clean what they read; this keeps a paper built by other code (a test, a
    future importer) from writing a title the next read would refuse as damaged.
    """
    values = [getattr(paper, name) for name in _ONE_LINE]
    if all(v is None or one_line(v) for v in values):
        return paper
    fixes: dict[str, Any] = {
        name: squeeze(strip_controls(v)) or ("untitled" if name == "title" else None)
        for name, v in zip(_ONE_LINE, values, strict=True)
        if v is not None and not one_line(v)
    }
    return replace(paper, **fixes)


_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def one_line(text: str) -> bool:
    """Whether a one-line field's text is safe to show and store as it is: no control
    character, line break or tab (what `strip_controls` and `squeeze` remove).

    Not `str.isprintable`: that also refuses invisible format characters (a zero-width
    space, a soft hyphen) that titles copied from the web hold and that are kept on
    purpose (see `models.identity_key`); refusing them on reading made a library whose
    import kept one unreadable.
    """
    return text.isprintable() or _NOT_ONE_LINE.search(text) is None


def migrate_paper_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """A format-1 paper document as format 2 (a format-2 document is returned as it is).

    Format 1 stored the number printed after a listing's date as `upvotes`; that number
    is the paper's comment count, so it moves to `comments`. Every other new field
    starts unknown. A document is format 2 when it has every stored field.
    """
    if "comments" in doc and len(doc) >= len(_STORED):
        return doc
    new = {name: _DEFAULTS[name] for name in _STORED}
    new.update((k, v) for k, v in doc.items() if k in _V1_FIELDS)
    new["comments"] = doc.get("upvotes")
    new["upvotes"] = None
    new["date_inferred"] = bool(doc.get("date_inferred", False))
    new["said"] = [["comments", "listing"]] if new["comments"] is not None else []
    return new


_DEFAULTS: dict[str, Any] = {
    f.name: ([] if f.kind in ("texts", "pairs") else False if f.kind == "bool" else None)
    for f in STORED
}


def migrate_paper_docs(docs: dict[str, Any]) -> bool:
    """Migrate format-1 documents in place; whether any was migrated."""
    old = [pid for pid, doc in docs.items() if "comments" not in doc]
    for pid in old:
        if isinstance(docs[pid], dict):
            docs[pid] = migrate_paper_doc(docs[pid])
    return bool(old)


def check_ids(path: Path, docs: Mapping[str, Any]) -> None:
    """Paper ids are 16 hex digits: an id read from disk reaches the screen and BibTeX keys."""
    match = PAPER_ID.fullmatch
    if not all(map(match, docs)):
        bad = next(pid for pid in docs if not match(pid))
        raise damaged(path, f"a paper id is not 16 hex digits: {bad!r:.40}")


def check_paper_docs(path: Path, docs: Mapping[str, Any]) -> None:
    """Raise `LibraryError` unless every paper document has fields of the right kinds.

    Written so that the loops over 100,000 documents run in C (a TUI start without a
    current start file checks them all before its first frame): each document's tuple
    of field types is collected into a set, leaving a handful of distinct tuples to
    check instead of 1.9 million isinstance calls, and each one-line field's texts are
    checked joined, at once (`one_line` is a property of each character). The first
    damage found is reported as the check a document at a time reported it (the same
    checks in the same order; tests/test_store_check_fast.py compares the two).
    """
    check_ids(path, docs)
    values = list(docs.values())
    try:
        rows = list(map(_get_stored, values))
    except KeyError as error:
        raise damaged(path, f"a paper has no field {error.args[0]!r}") from None
    except TypeError:
        raise damaged(path, "a paper document is not an object") from None
    kinds = set(map(tuple, map(map, repeat(type), rows)))
    del rows
    _check_kinds(path, kinds)
    _check_items(path, values)
    # Checked to be text or null above: texts joined hold a character that is not
    # allowed if and only if one of them does. All fields at once, then (rarely) each
    # field alone, to name the first that holds one.
    if not one_line("".join(filter(None, chain.from_iterable(map(_get_one_line, values))))):
        for name in _ONE_LINE:
            if not one_line("".join(filter(None, map(itemgetter(name), values)))):
                raise damaged(path, f"a paper's {name} holds control characters")
    _check_dates(path, values)


def _check_kinds(path: Path, kinds: set[tuple[type, ...]]) -> None:
    for kind in kinds:
        for key, found, allowed in zip(_STORED, kind, _ALLOWED, strict=True):
            if found not in allowed:
                raise damaged(path, f"paper field {key!r} holds a {found.__name__}")


def _check_items(path: Path, values: list[Any]) -> None:
    """The items of the list fields (checked to be lists): distinct types only."""
    lists = chain.from_iterable(map(itemgetter(*_TEXTS), values))
    if set(map(type, chain.from_iterable(lists))) - {str}:
        raise damaged(path, "a paper has a list item (author, link, source...) that is not text")
    # Every pair of every paper is a list of two texts if and only if these hold.
    pairs = list(chain.from_iterable(map(itemgetter("said"), values)))
    if (
        set(map(type, pairs)) - {list}
        or set(map(len, pairs)) - {2}
        or set(map(type, chain.from_iterable(pairs))) - {str}
    ):
        raise damaged(path, "a paper's record of sources is not (field, source) pairs")


def _check_dates(path: Path, values: list[Any]) -> None:
    for name in _DATES:
        for published in set(map(itemgetter(name), values)) - {None}:
            try:
                date.fromisoformat(published)
            except ValueError:
                raise damaged(
                    path, f"a paper has a date that is not YYYY-MM-DD: {published!r:.40}"
                ) from None


def check_annotation_docs(path: Path, docs: Mapping[str, Any]) -> None:
    check_ids(path, docs)
    for pid, doc in docs.items():
        annotation_from_doc(path, pid, doc)


def check_abstract_docs(path: Path, docs: Mapping[str, Any]) -> None:
    check_ids(path, docs)
    for pid, doc in docs.items():
        if type(doc.get("text")) is not str:
            raise damaged(path, f"the abstract of paper {pid} is not text")


VALIDATORS: dict[str, Callable[[Path, Mapping[str, Any]], None]] = {
    ANNOTATIONS: check_annotation_docs,
    PAPERS: check_paper_docs,
    ABSTRACTS: check_abstract_docs,
    RECENT: check_abstract_docs,
}


def papers_from_docs(docs: Mapping[str, Any], abstracts: Mapping[str, str]) -> list[Paper]:
    """Build papers from (migrated) documents that `check_paper_docs` accepted."""
    get = abstracts.get
    fields = _get_stored
    build = _build_paper
    with gc_paused():
        return [build(pid, get(pid, ""), fields(doc)) for pid, doc in docs.items()]


def _paper_builder() -> Callable[[str, str, Sequence[Any]], Paper]:
    """`build(id, abstract, stored values in schema order)`: the `Paper` they describe
    (lists become tuples), made without the frozen dataclass's `__init__`: each field
    is set through its slot directly (at 100,000 papers the papers were built in ~1 s
    of every start, half of it in `__init__`). The same object `Paper(...)` makes, as
    long as Paper is a slotted dataclass with no `__post_init__` (else `Paper` is
    called; tests/test_store_open_checked.py compares the two)."""
    names = [f.name for f in dataclass_fields(Paper)]
    kinds = {f.name: f.kind for f in STORED}
    where = {name: i for i, name in enumerate(_STORED)}
    values = []
    for name in names:
        at = f"v[{where.get(name)}]"
        if name in ("id", "abstract"):
            values.append("pid" if name == "id" else "abstract")
        elif kinds[name] == "texts":
            values.append(f"tuple({at}) if {at} else empty")
        elif kinds[name] == "pairs":
            values.append(f"tuple(map(tuple, {at})) if {at} else empty")
        else:
            values.append(at)
    slotted = tuple(getattr(Paper, "__slots__", ())) == tuple(names)
    if slotted and not hasattr(Paper, "__post_init__"):
        sets = (f"set_{n}(paper, {value})" for n, value in zip(names, values, strict=True))
        lines = ["paper = new(cls)", *sets]
    else:
        lines = [f"paper = cls({', '.join(values)})"]
    body = "".join(f"    {line}\n" for line in lines)
    source = f"def build(pid, abstract, v):\n{body}    return paper\n"
    scope: dict[str, Any] = {"new": object.__new__, "cls": Paper, "empty": ()}
    scope.update((f"set_{n}", Paper.__dict__[n].__set__) for n in names if n in Paper.__dict__)
    exec(source, scope)  # source made of the dataclass's own field names only
    build: Callable[[str, str, Sequence[Any]], Paper] = scope["build"]
    return build


_build_paper = _paper_builder()


def annotation_to_doc(annotation: Annotation) -> dict[str, Any]:
    doc = {
        "tags": list(annotation.tags),
        "rating": annotation.rating,
        "read": annotation.read,
        "note": annotation.note,
        "updated": annotation.updated,
    }
    # Written only when set: an annotation that was never dismissed keeps the document
    # it always had (format 1, no version bump), and an older readlist reads both kinds
    # (it ignores the field; it drops it only from an annotation it rewrites).
    if annotation.dismissed:
        doc["dismissed"] = True
    return doc


def annotation_from_doc(path: Path, pid: str, doc: Mapping[str, Any]) -> Annotation:
    tags = doc.get("tags", [])
    rating = doc.get("rating", 0)
    read = doc.get("read", False)
    note = doc.get("note", "")
    updated = doc.get("updated")
    dismissed = doc.get("dismissed", False)
    if not (
        isinstance(tags, list)
        and all(isinstance(t, str) for t in tags)
        and type(rating) is int
        and 0 <= rating <= MAX_RATING
        and isinstance(read, bool)
        and isinstance(note, str)
        and (updated is None or isinstance(updated, str))
        and isinstance(dismissed, bool)
    ):
        raise damaged(path, f"the annotation of paper {pid} has a wrong value")
    return Annotation(tuple(tags), rating, read, note, updated, dismissed)
