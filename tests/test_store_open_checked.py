"""Opening a library checks every paper document once per papers file version, not at
every start (the TUI's first frame at 100,000 papers: the check was 0.7-2.4 s of it).

The identity index (store/identity.py) is written only for a papers file whose every
document readlist checked, so a papers file it was written for needs no check at open;
a papers file without one is checked whole and then given one. Anything else (a file
changed since, by anything) is checked whole and its damage reported as before.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readlist.errors import LibraryError
from readlist.models import Paper, paper_id
from readlist.session import LibrarySession
from readlist.store import Store, documents
from readlist.store.documents import paper_to_doc, papers_from_docs
from readlist.store.identity import identity_index_path, read_identity_index
from readlist.store.storage import signature

ADDED = "2026-11-01T08:00:00+00:00"


def _library(db: Path, n: int = 5) -> Store:
    store = Store.open(db)
    papers = [Paper(id=paper_id(f"Paper {i}"), title=f"Paper {i}", added=ADDED) for i in range(n)]
    store.import_listings([papers])
    return store


def _count_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = documents.check_paper_docs

    def counting(path: Path, docs: object) -> None:
        calls.append(len(docs))  # type: ignore[arg-type]
        real(path, docs)  # type: ignore[arg-type]

    monkeypatch.setitem(documents.VALIDATORS, "papers", counting)  # the store's, too
    return calls


def test_a_papers_file_its_identity_index_vouches_for_is_not_checked_again(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _library(db)
    calls = _count_checks(monkeypatch)
    store = Store.open(db)
    assert [p.title for p in store.papers()] == [f"Paper {i}" for i in range(5)]
    assert calls == []


def test_a_papers_file_without_an_index_is_checked_once_and_then_indexed(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _library(db)
    index = identity_index_path(store.paths)
    index.unlink()  # as a library written before the index existed
    calls = _count_checks(monkeypatch)
    first = Store.open(db)
    assert calls == [5]
    assert not index.exists()  # not on the way to the first frame
    first.vouch_for_papers()
    version = signature(store.paths.papers)
    assert version is not None and read_identity_index(index, version) is not None
    Store.open(db)
    assert calls == [5]  # the second start trusts what the first one checked


def test_the_tui_session_vouches_for_the_papers_file_after_loading(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _library(db, n=8)
    index = identity_index_path(store.paths)
    index.unlink()
    session = LibrarySession(Store.open(db), stage_above=4)
    assert session.staged and not index.exists()
    stages = list(session.load_catalogue())
    assert [type(stage).__name__ for stage in stages][:2] == ["AbstractsLoaded", "CatalogueReady"]
    calls = _count_checks(monkeypatch)
    again = LibrarySession(Store.open(db), stage_above=4)
    assert calls == []
    assert [p.title for p in again.library.papers] == [f"Paper {i}" for i in range(8)]


def test_a_papers_file_changed_after_its_index_is_checked_and_reported(db: Path) -> None:
    store = _library(db)
    path = store.paths.papers
    data = orjson.loads(path.read_bytes())
    pid = next(iter(data["papers"]))
    data["papers"][pid]["published"] = "yesterday"
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(LibraryError, match=r"a date that is not YYYY-MM-DD: 'yesterday'"):
        Store.open(db)
    assert not os.path.exists(str(path) + ".tmp")


def test_a_damaged_papers_file_is_never_given_an_index(db: Path) -> None:
    store = _library(db)
    index = identity_index_path(store.paths)
    index.unlink()
    path = store.paths.papers
    data = orjson.loads(path.read_bytes())
    data["papers"][next(iter(data["papers"]))]["title"] = "two\nlines"
    path.write_bytes(orjson.dumps(data))
    with pytest.raises(LibraryError, match="title holds control characters"):
        Store.open(db)
    assert not index.exists()


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8)
_TEXTS = st.lists(_TEXT, max_size=3).map(tuple)
_OPTIONAL = st.none() | _TEXT


@settings(max_examples=60, deadline=None)
@given(
    title=_TEXT.filter(bool),
    abstract=_TEXT,
    authors=_TEXTS,
    count=st.none() | st.integers(0, 99),
    published=st.none() | st.dates().map(str),
    inferred=st.booleans(),
    upvotes=st.none() | st.integers(0, 999),
    arxiv=_OPTIONAL,
    categories=_TEXTS,
    links=_TEXTS,
    removed=st.none() | st.just(ADDED),
    said=st.lists(st.tuples(_TEXT, _TEXT), max_size=2).map(tuple),
)
def test_papers_built_from_documents_equal_the_papers_written(
    title: str,
    abstract: str,
    authors: tuple[str, ...],
    count: int | None,
    published: str | None,
    inferred: bool,
    upvotes: int | None,
    arxiv: str | None,
    categories: tuple[str, ...],
    links: tuple[str, ...],
    removed: str | None,
    said: tuple[tuple[str, str], ...],
) -> None:
    paper = Paper(
        id=paper_id(title), title=title, abstract=abstract, authors=authors,
        authors_count=count, published=published, date_inferred=inferred, upvotes=upvotes,
        comments=upvotes, arxiv_id=arxiv, categories=categories, links=links,
        sources=links, added=ADDED, removed=removed, said=said,
    )  # fmt: skip
    doc = orjson.loads(orjson.dumps(paper_to_doc(paper)))
    [built] = papers_from_docs({paper.id: doc}, {paper.id: abstract})
    assert built == paper
    assert hash(built) == hash(paper)
    assert type(built) is Paper
    with pytest.raises(AttributeError):
        built.title = "changed"  # type: ignore[misc]
