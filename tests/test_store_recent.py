"""The recent-abstracts file: new and changed abstracts kept apart from the large file.

A daily import or an enrichment writes a few kilobytes into `<abstracts>.recent`
instead of rewriting the abstracts file (157 MB at 100,000 papers); every read takes
the recent file over the large one; a fold moves it into the large file now and then.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import readlist.store.store as store_module
from readlist.models import Paper, paper_id
from readlist.search import SearchIndex
from readlist.store import Store
from readlist.store.doctor import doctor

RECENT = "library.abstracts.json.recent"


def paper(title: str, abstract: str) -> Paper:
    return Paper(paper_id(title), title, abstract)


def library(db: Path, n: int = 200) -> list[Paper]:
    papers = [paper(f"Paper number {i}", f"The first abstract of paper {i}.") for i in range(n)]
    Store.open(db).import_listings([papers])
    return papers


def abstracts(db: Path) -> dict[str, str]:
    return {p.id: p.abstract for p in Store.open(db).all_papers()}


def test_a_daily_import_leaves_the_large_abstracts_file_as_it_was(db: Path) -> None:
    old = library(db)
    big = db.with_name("library.abstracts.json")
    before = big.read_bytes()
    assert not db.with_name(RECENT).exists()  # a first import writes the large file
    changed = [paper(p.title, f"{p.abstract} Now longer.") for p in old[10:15]]
    new = [paper(f"Morning paper {i}", f"New today, {i}.") for i in range(30)]
    [report] = Store.open(db).import_listings([changed + new])
    assert (len(report.added), len(report.updated)) == (30, 5)
    assert big.read_bytes() == before
    found = abstracts(db)
    assert len(found) == 230
    assert found[old[12].id] == "The first abstract of paper 12. Now longer."
    assert found[old[20].id] == "The first abstract of paper 20."
    assert found[paper_id("Morning paper 7")] == "New today, 7."
    # The papers an import meets read their abstract from the recent file too.
    again = [paper(old[12].title, "The first abstract of paper 12. Now longer.")]
    [report] = Store.open(db).import_listings([again])
    assert report.unchanged == 1 and report.updated == []


def test_a_fold_moves_the_recent_abstracts_into_the_large_file(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = library(db)
    Store.open(db).import_listings(
        [[paper(p.title, f"{p.abstract} Changed once.") for p in old[:40]]]
    )
    before = abstracts(db)
    big = db.with_name("library.abstracts.json")
    size = big.stat().st_size
    store = Store.open(db)
    with store.locked():
        assert store._fold_recent(force=True)
    assert abstracts(db) == before
    assert big.stat().st_size > size
    assert Store.open(db)._table("recent-abstracts") == {}
    # Past the limit, an import folds by itself, after its own commit.
    monkeypatch.setattr(store_module, "FOLD_MAX", 0)
    longer = f"{old[50].abstract} Changed, then folded."
    Store.open(db).import_listings([[paper(old[50].title, longer)]])
    assert Store.open(db)._table("recent-abstracts") == {}
    assert abstracts(db) == {**before, old[50].id: longer}


def test_the_fold_limit_is_five_percent_between_64_kb_and_8_mb() -> None:
    assert store_module.fold_limit(0) == 64 << 10
    assert store_module.fold_limit(20 << 20) == 1 << 20
    assert store_module.fold_limit(157_300_543) == 7_865_027
    assert store_module.fold_limit(1 << 30) == 8 << 20


def test_a_fold_keeps_the_stored_word_index_current(db: Path) -> None:
    library(db)
    Store.open(db).import_listings(
        [[paper("Paper number 3", "The first abstract of paper 3, on sparse routing.")]]
    )
    store = Store.open(db)
    papers = store.papers()
    ids = [p.id for p in papers]
    index = SearchIndex(papers).make_text_index()
    assert store.write_word_index(store.catalogue_versions(), ids, index)
    with store.locked():
        assert store._fold_recent(force=True)
    reopened = Store.open(db)
    reopened.papers()
    stored = reopened.word_index(ids)
    assert stored is not None, "the fold made the word index stale"
    at = ids.index(paper_id("Paper number 3"))
    assert "sparse routing" in stored.texts[at] and stored.texts[at] == index.texts[at]


def test_an_old_library_without_a_recent_file_opens_as_before(db: Path) -> None:
    old = library(db, 20)
    assert not db.with_name(RECENT).exists()
    assert abstracts(db) == {p.id: p.abstract for p in old}
    Store.open(db).import_listings([[paper(old[0].title, f"{old[0].abstract} Changed.")]])
    assert db.with_name(RECENT).exists()
    assert abstracts(db)[old[0].id] == "The first abstract of paper 0. Changed."


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.lists(st.tuples(st.integers(0, 59), st.integers(0, 3)), min_size=1, max_size=12),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_every_abstract_reads_as_last_written_through_imports_and_folds(
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[list[tuple[int, int]], bool]],
) -> None:
    """Imports that lengthen or add abstracts (an import keeps the longer abstract:
    see `Paper.merged_with`), some followed by a fold: the library always reads as a
    model dictionary of each paper's abstract."""
    db = tmp_path_factory.mktemp("recent") / "library.json"
    model = {p.id: p.abstract for p in library(db, 30)}
    for changes, fold in steps:
        listing = {}
        for number, version in changes:
            title = f"Paper number {number}"
            abstract = f"The first abstract of paper {number}." + " More." * version
            listing[title] = paper(title, abstract)
        Store.open(db).import_listings([list(listing.values())])
        for p in listing.values():
            if len(p.abstract) > len(model.get(p.id, "")):
                model[p.id] = p.abstract
        if fold:
            store = Store.open(db)
            with store.locked():
                store._fold_recent(force=True)
        assert abstracts(db) == model


def test_doctor_checks_and_repairs_the_recent_file(db: Path) -> None:
    old = library(db, 20)
    Store.open(db).import_listings([[paper(p.title, f"{p.abstract} Changed.") for p in old[:5]]])
    Store.open(db).papers()  # opening refreshes the backups
    out = io.StringIO()
    assert doctor(db, repair=False, out=out) == 0
    assert f"{RECENT}: ok, 5 recent-abstracts" in out.getvalue()
    recent = db.with_name(RECENT)
    recent.write_bytes(recent.read_bytes()[:-30])  # cut off by something outside readlist
    with pytest.raises(Exception, match=r"library\.abstracts\.json\.recent: .*not valid JSON"):
        Store.open(db).papers()
    out = io.StringIO()
    assert doctor(db, repair=False, out=out) == 2
    assert f"{RECENT}: DAMAGED" in out.getvalue()
    assert doctor(db, repair=True, out=io.StringIO()) == 0
    assert abstracts(db) == {
        **{p.id: p.abstract for p in old},
        **{p.id: f"{p.abstract} Changed." for p in old[:5]},
    }


def test_the_recent_file_is_refused_as_a_library(db: Path) -> None:
    from readlist.errors import LibraryError
    from readlist.paths import check_db

    with pytest.raises(LibraryError, match=r"catalogue files of the library .*library\.json;"):
        check_db(db.with_name(RECENT))
