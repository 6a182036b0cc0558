"""`documents.check_paper_docs` runs its loops over every document in C (the check is part
of a TUI start without a current start file): it accepts exactly what the check written
a document and a value at a time accepted, and reports the same first damage with the
same one line. The reference below is that check as it was (commit ea78aba)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from readlist.errors import LibraryError
from readlist.models import Paper, paper_id
from readlist.store import documents
from readlist.store.documents import (
    _ALLOWED,
    _DATES,
    _ONE_LINE,
    _STORED,
    _TEXTS,
    _get_stored,
    check_ids,
    one_line,
    paper_to_doc,
)
from readlist.store.storage import damaged

PATH = Path("/lib/library.papers.json")


def reference_check(path: Path, docs: Mapping[str, Any]) -> None:
    check_ids(path, docs)
    values = list(docs.values())
    try:
        kinds = {tuple(map(type, _get_stored(d))) for d in values}
    except KeyError as error:
        raise damaged(path, f"a paper has no field {error.args[0]!r}") from None
    except TypeError:
        raise damaged(path, "a paper document is not an object") from None
    for kind in kinds:
        for key, found, allowed in zip(_STORED, kind, _ALLOWED, strict=True):
            if found not in allowed:
                raise damaged(path, f"paper field {key!r} holds a {found.__name__}")
    items: set[type] = set()
    for name in _TEXTS:
        items |= set(map(type, chain.from_iterable(map(itemgetter(name), values))))
    if items - {str}:
        raise damaged(path, "a paper has a list item (author, link, source...) that is not text")
    for pairs in map(itemgetter("said"), values):
        if pairs and not all(
            type(p) is list and len(p) == 2 and type(p[0]) is str and type(p[1]) is str
            for p in pairs
        ):
            raise damaged(path, "a paper's record of sources is not (field, source) pairs")
    for name in _ONE_LINE:
        texts = set(map(itemgetter(name), values)) - {None}
        if not all(map(one_line, texts)):
            raise damaged(path, f"a paper's {name} holds control characters")
    for name in _DATES:
        for published in set(map(itemgetter(name), values)) - {None}:
            try:
                date.fromisoformat(published)
            except ValueError:
                raise damaged(
                    path, f"a paper has a date that is not YYYY-MM-DD: {published!r:.40}"
                ) from None


def outcome(check: Any, docs: Mapping[str, Any]) -> str | None:
    try:
        check(PATH, docs)
    except LibraryError as error:
        return str(error)
    return None


def good_doc(i: int) -> dict[str, Any]:
    paper = Paper(
        id=paper_id(f"P{i}"),
        title=f"Paper {i}",
        authors=("A. Author", "B. Author"),
        published="2026-11-0" + str(1 + i % 9),
        added="2026-11-01T08:00:00+00:00",
        said=(("comments", "listing"),) if i % 2 else (),
    )
    return paper_to_doc(paper)


# Values a damaged (or hand-edited) document may hold where a field is.
_texts = st.text(st.characters(codec="utf-8"), max_size=6) | st.sampled_from(
    ["ok", "a\tb", "\x1b[2J", "x\u202ey", "\u200bzero-width", "2026-13-40", "2026-11-05", ""]
)
_scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | _texts
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=2),
    max_leaves=6,
)
_lists = st.lists(_texts | _values, max_size=3)
_pairs = st.lists(st.lists(_texts, min_size=1, max_size=3) | _values, max_size=3)
_fitting = st.one_of(  # values of about the right kind: the checks past the first
    st.tuples(st.just("set"), st.sampled_from(_ONE_LINE + _DATES), _texts),
    st.tuples(st.just("set"), st.sampled_from(_TEXTS), _lists),
    st.tuples(st.just("set"), st.just("said"), _pairs),
)
_damage = st.one_of(
    _fitting,
    _fitting,
    _fitting,
    st.tuples(st.just("set"), st.sampled_from(_STORED), _values),
    st.tuples(st.just("drop"), st.sampled_from(_STORED), st.none()),
    st.tuples(st.just("whole"), st.none(), _values),
    st.tuples(st.just("id"), st.none(), _texts | st.just(paper_id("new"))),
)


def damaged_docs(n: int, damage: list[tuple[int, tuple[str, Any, Any]]]) -> dict[str, Any]:
    docs: dict[str, Any] = {paper_id(f"P{i}"): good_doc(i) for i in range(n)}
    ids = list(docs)
    for at, (how, name, value) in damage:
        pid = ids[at % n]
        if how == "set" and isinstance(docs.get(pid), dict):
            docs[pid][name] = value
        elif how == "drop" and isinstance(docs.get(pid), dict):
            docs[pid].pop(name, None)
        elif how == "whole":
            docs[pid] = value
        elif how == "id" and pid in docs:
            docs[value] = docs.pop(pid)
    return docs


@settings(max_examples=1500, deadline=None)
@given(
    n=st.integers(1, 6),
    damage=st.lists(st.tuples(st.integers(0, 5), _damage), max_size=3),
)
@example(n=2, damage=[(0, ("set", "said", [["a", "b"], ["c"]]))])
@example(n=2, damage=[(1, ("set", "said", [["a", 1]]))])
@example(n=2, damage=[(1, ("set", "said", ["ab"]))])
@example(n=3, damage=[(0, ("set", "title", "a\x00b")), (1, ("set", "venue", "x\u2028"))])
@example(n=2, damage=[(0, ("set", "authors", ["a", ["b"]]))])
@example(n=2, damage=[(0, ("set", "published", "2026-02-30"))])
def test_the_check_accepts_and_refuses_what_the_check_a_value_at_a_time_did(
    n: int, damage: list[tuple[int, tuple[str, Any, Any]]]
) -> None:
    docs = damaged_docs(n, damage)
    assert outcome(documents.check_paper_docs, docs) == outcome(reference_check, docs)


@pytest.mark.parametrize("n", [0, 1, 50])
def test_undamaged_documents_pass(n: int) -> None:
    documents.check_paper_docs(PATH, {paper_id(f"P{i}"): good_doc(i) for i in range(n)})
