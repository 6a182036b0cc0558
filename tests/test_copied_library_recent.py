"""The word index's fingerprints cover the recent-abstracts file too (found by review).

A re-import that changes only a paper's abstract writes the papers file again with the
same bytes (new signature) and puts the abstract in `<abstracts>.recent`, leaving the big
abstracts file as it was. Fingerprints of the papers and abstracts files alone then
vouched for the old index, which was restamped as current: the new abstract's words were
not found, at that start and at every later one.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from readlist.library import Library
from readlist.query import parse
from readlist.session import LibrarySession
from readlist.store import Store

from .test_copied_library import copied, index_stage, indexed, kept, matches, stages_of  # noqa: F401


def reworded(db: Path) -> tuple[str, list[str]]:
    """Re-import one paper with a new word in its abstract: its id, and the ids a scan
    of the library finds for that word (the paper alone)."""
    store = Store.open(db)
    target = next(p for p in store.papers() if p.abstract)
    before = store.paths.papers.read_bytes()
    store.import_listings([[dataclasses.replace(target, abstract=target.abstract + " zebrafishy")]])
    assert store.paths.papers.read_bytes() == before  # the case: same bytes, new signature
    papers = Store.open(db).papers()
    scanned = [papers[i].id for i in Library(papers, {}).select(parse("zebrafishy"))]
    assert scanned == [target.id]
    return target.id, scanned


def test_an_abstract_changed_by_a_reimport_is_searched_at_the_next_start(indexed: Path) -> None:  # noqa: F811
    _, scanned = reworded(indexed)
    ready = index_stage(stages_of(indexed))
    assert ready.index is not None  # rebuilt, not the old index restamped
    assert matches(ready.search, Store.open(indexed).papers(), "zebrafishy") == scanned


def test_the_start_after_that_reads_an_index_that_finds_it(indexed: Path) -> None:  # noqa: F811
    _, scanned = reworded(indexed)
    stages_of(indexed)  # rebuilds and stores the index
    session = LibrarySession(Store.open(indexed, start_file=True), stage_above=10)
    try:
        stored = session.stored_index
        assert stored is not None
        papers = Store.open(indexed).papers()
        found = sorted(
            papers[i].id for i in range(len(papers)) if stored.prefix("zebrafishy") >> i & 1
        )
        assert found == sorted(scanned)
    finally:
        session.close()
