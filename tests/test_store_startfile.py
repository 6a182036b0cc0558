"""The start file (store/startfile.py): written in the background of a TUI start, read
at the next one instead of the papers file, and never trusted once stale or damaged."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from readlist.catalogue import LazyPapers, ids_of, values
from readlist.errors import LibraryError
from readlist.importers import read_listing
from readlist.library import SORT_KEYS, Library
from readlist.models import Paper, paper_id
from readlist.query import parse
from readlist.session import LibrarySession
from readlist.store import Store
from readlist.store.doctor import doctor
from readlist.store.startfile import start_file_path, start_tail_path

from .conftest import DAILY, TODAY


def staged_start(db: Path) -> None:
    """A TUI start of a staged library, through its background stages (which keep the
    start file for the next one)."""
    session = LibrarySession(Store.open(db, start_file=True), stage_above=10)
    try:
        assert session.staged
        for _stage in session.load_catalogue():
            pass
    finally:
        session.close()


def start_file(db: Path) -> Path:
    return start_file_path(Store(db).paths)


def opened_from_start_file(db: Path) -> Store:
    store = Store.open(db, start_file=True)
    assert store._start is not None, "the start file was not used"
    return store


@pytest.fixture
def kept(sample_store: Store, db: Path) -> Path:
    """The sample library with one paper removed, after a TUI start that kept its start file."""
    first = sample_store.papers(with_abstracts=False)[0].id
    sample_store.set_removed([first], removed=True)
    assert not start_file(db).exists()
    staged_start(db)
    assert start_file(db).exists()
    return db


def test_a_library_opened_from_its_start_file_holds_what_the_papers_file_holds(
    kept: Path,
) -> None:
    plain = Store.open(kept)
    quick = opened_from_start_file(kept)
    for removed in (False, True):
        for with_abstracts in (False, True):
            expected = plain.papers(with_abstracts=with_abstracts, removed=removed)
            got = quick.papers(with_abstracts=with_abstracts, removed=removed)
            assert got == expected
            assert all(type(p) is Paper for p in got)
    assert len(quick.papers(removed=True)) == 1
    assert quick.paper_count() == plain.paper_count() == 101
    assert quick.all_papers() == plain.all_papers()


def test_a_session_opened_from_the_start_file_shows_the_same_library_and_sees_no_change(
    kept: Path,
) -> None:
    expected = [p.id for p in Store.open(kept).papers(with_abstracts=False)]
    session = LibrarySession.open(kept, stage_above=10)
    try:
        assert session.store._start is not None
        assert [p.id for p in session.library.papers] == expected
        # Nothing was written by another process: the papers are not re-read. (The
        # abstracts are not read yet at a staged start, from either file.)
        assert "papers" not in session.changed_on_disk()
        # Its stages bring the abstracts, as from the papers file.
        ready = [s for s in session.load_catalogue() if type(s).__name__ == "CatalogueReady"]
        assert ready and all(p.abstract for p in ready[0].papers[:5])  # type: ignore[attr-defined]
    finally:
        session.close()


def test_an_import_by_another_process_keeps_the_start_file_current_through_its_tail(
    kept: Path,
) -> None:
    session_store = Store.open(kept, start_file=True)
    assert session_store._start is not None
    other = Store.open(kept)
    new = Paper(
        id=paper_id("A paper nobody imported before"), title="A paper nobody imported before"
    )
    other.import_listings([[new]])
    # The store opened from the old start file reads the papers file anew.
    assert new.id in {p.id for p in session_store.papers(with_abstracts=False)}
    assert session_store.paper_count() == 102
    # A fresh open reads the start file and its tail (the import wrote that), not the
    # papers file; the next TUI start writes them as one start file again.
    fresh = opened_from_start_file(kept)
    assert fresh._start is not None and fresh._start.tail
    assert fresh.papers(with_abstracts=False) == Store.open(kept).papers(with_abstracts=False)
    tail = start_tail_path(start_file(kept))
    assert tail.exists()
    staged_start(kept)
    assert not tail.exists()
    folded = opened_from_start_file(kept)
    assert folded._start is not None and not folded._start.tail
    assert new.id in {p.id for p in folded.papers(with_abstracts=False)}


@pytest.mark.parametrize(
    "damage",
    ["flip a byte", "cut off", "empty", "garbage header", "fields changed"],
)
def test_a_damaged_start_file_is_ignored(kept: Path, damage: str) -> None:
    path = start_file(kept)
    blob = bytearray(path.read_bytes())
    header_end = blob.index(b"\n")
    if damage == "flip a byte":
        at = header_end + len(blob[header_end:]) // 2
        blob[at] ^= 0x01
    elif damage == "cut off":
        blob = blob[: len(blob) - 100]
    elif damage == "empty":
        blob = bytearray()
    elif damage == "garbage header":
        blob[1:10] = b"\x00" * 9
    else:
        blob = bytearray(blob.replace(b'"title"', b'"titel"', 1))
    path.write_bytes(bytes(blob))
    expected = Store.open(kept).papers()
    store = Store.open(kept, start_file=True)
    assert store._start is None
    assert store.papers() == expected


def test_a_damaged_papers_file_is_still_reported_at_open(kept: Path) -> None:
    papers = Store(kept).paths.papers
    blob = papers.read_bytes()
    papers.write_bytes(blob[: len(blob) // 2])  # cut off: a new signature
    with pytest.raises(LibraryError, match=str(papers.name)):
        Store.open(kept, start_file=True)


def test_a_papers_file_replaced_with_a_same_sized_edit_is_not_taken_from_the_start_file(
    kept: Path,
) -> None:
    papers = Store(kept).paths.papers
    blob = papers.read_bytes()
    title = Store.open(kept).papers()[0].title
    edited = blob.replace(title.encode(), title[::-1].encode(), 1)
    assert len(edited) == len(blob)
    tmp = papers.with_name("edited")
    tmp.write_bytes(edited)
    os.replace(tmp, papers)  # a new inode
    store = Store.open(kept, start_file=True)
    assert store._start is None
    assert store.papers()[0].title == title[::-1]


def test_no_start_file_is_written_for_a_file_that_failed_its_check_or_a_small_library(
    store: Store, db: Path
) -> None:
    store.import_listings([read_listing(DAILY, today=TODAY).papers])
    session = LibrarySession.open(db)  # not staged: nothing in the background
    session.close()
    assert not start_file(db).exists()


def test_doctor_says_whether_the_start_file_is_current(kept: Path) -> None:
    out = io.StringIO()
    assert doctor(kept, repair=False, out=out) == 0
    assert "library.start.json: current" in out.getvalue()
    path = start_file(kept)
    path.write_bytes(path.read_bytes()[:-10])
    out = io.StringIO()
    assert doctor(kept, repair=False, out=out) == 0  # derived data: not a problem
    assert "library.start.json: stale or damaged (rewritten by the next start)" in out.getvalue()


def test_papers_built_when_first_asked_for_are_those_the_papers_file_gives(kept: Path) -> None:
    expected = Store.open(kept).papers(with_abstracts=False)
    lazy = opened_from_start_file(kept).lazy_papers()
    assert isinstance(lazy, LazyPapers)
    assert len(lazy) == len(expected) == 100
    assert lazy[-1] == expected[-1] and lazy[3] is lazy[3]  # built once, kept
    assert lazy[2:5] == expected[2:5]
    assert ids_of(lazy) == [p.id for p in expected]
    for name in ("title", "published", "added", "upvotes", "arxiv_id", "removed"):
        assert values(lazy, name) == values(expected, name), name
    assert list(lazy) == expected
    with_abstracts = Store.open(kept).papers()
    assert lazy.with_abstracts(Store.open(kept).abstracts()) == with_abstracts


@pytest.mark.parametrize("sort", [*SORT_KEYS, "for-you"])
def test_a_library_of_lazy_papers_lists_and_filters_as_one_of_built_papers(
    kept: Path, sort: str
) -> None:
    plain = Store.open(kept)
    plain.update([plain.papers()[5].id], lambda a: a.with_rating(5))
    eager = Library(plain.papers(with_abstracts=False), plain.annotations())
    store = opened_from_start_file(kept)
    lazy = Library(store.lazy_papers() or [], store.annotations())
    for query in ("", "is:unread", "has:authors", "year:2025..2026", "attention"):
        assert lazy.select(parse(query), sort) == eager.select(parse(query), sort), query


def test_writing_the_start_file_holds_little_more_than_the_file(
    sample_store: Store, db: Path
) -> None:
    """The first TUI start of a 100k library writes the start file while the whole
    catalogue is in memory: a row per paper held as its own bytes object (orjson keeps
    ~4 KB of capacity in each) had that start peak at 920 MB instead of ~480."""
    import tracemalloc

    from readlist.store.startfile import write_start_file

    store = Store.open(db)
    store.papers(with_abstracts=False)
    storage = store._storages["papers"]
    docs = storage.read()["papers"]
    path = start_file(db)
    tracemalloc.start()
    try:
        write_start_file(path, storage.signature, docs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * path.stat().st_size, (peak, path.stat().st_size)
