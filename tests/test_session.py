"""The session layer as plain Python (no Textual): opening a library, the staged load of a
large one, other processes' writes reported with counts, and the writer."""

from __future__ import annotations

import queue
import subprocess
import sys
from pathlib import Path

import pytest

from readlist import commands
from readlist.models import Paper, paper_id
from readlist.session import (
    AbstractsLoaded,
    CatalogueReady,
    IndexReady,
    LibrarySession,
)
from readlist.session.writer import Job
from readlist.store import Store
from readlist.store.storage import AtomicJSONStorage
from readlist.store.store import Change


def ids(session: LibrarySession) -> list[str]:
    return [p.id for p in session.library.papers]


def ids_of(store: Store) -> list[str]:
    return [p.id for p in store.papers(with_abstracts=False)]


def run(
    session: LibrarySession, done: queue.SimpleQueue[Job], command: commands.Command
) -> commands.Outcome:
    """`command` through the session's writer, delivered as a front end would."""
    writer = session.start_writer(done.put)
    results: list[commands.Outcome] = []

    def failed(error: Exception) -> None:
        raise AssertionError(f"the write failed: {error}")

    writer.submit(command.run, results.append, failed)
    writer.deliver(done.get(timeout=10))
    return results[0]


def test_open_builds_the_library_from_the_store(sample_store: Store, db: Path) -> None:
    sample_store.update([ids_of(sample_store)[0]], lambda a: a.with_rating(4))
    session = LibrarySession.open(db)
    try:
        assert len(session.library) == 101
        assert session.catalogue_loaded and session.abstracts_searched and not session.staged
        first = session.library.papers[0]
        assert first.abstract  # a small library is read whole at once
        assert session.library.annotation(first.id).rating == 4
    finally:
        session.close()


def test_a_large_library_starts_from_titles_and_loads_abstracts_in_stages(
    sample_store: Store,
) -> None:
    session = LibrarySession(sample_store, stage_above=10)
    assert session.staged and not session.catalogue_loaded
    assert all(not p.abstract for p in session.library.papers)
    stages = list(session.load_catalogue())
    kinds = [type(stage) for stage in stages]
    assert kinds == [AbstractsLoaded, CatalogueReady, IndexReady]
    loaded = stages[0]
    assert isinstance(loaded, AbstractsLoaded) and len(loaded.abstracts) > 50
    ready = stages[1]
    assert isinstance(ready, CatalogueReady) and ready.changes is None
    library = session.use_catalogue(ready.papers, ready.search)
    assert session.library is library and session.catalogue_loaded
    with_abstract = sum(bool(p.abstract) for p in library.papers)
    assert with_abstract == len(loaded.abstracts)


def test_a_change_by_another_store_is_reported_with_counts(sample_store: Store, db: Path) -> None:
    session = LibrarySession(sample_store)
    a, b, c = ids(session)[:3]
    assert session.changed_on_disk() == set()
    with Store.open(db) as other:
        other.update([a, b], lambda x: x.with_tags_added(["theirs"]))
    assert session.changed_on_disk() == {"annotations"}
    sync = session.reload_annotations()
    assert (set(sync.updated), sync.others, sync.error) == ({a, b}, 2, None)
    assert session.library.annotation(a).tags == ("theirs",)
    assert session.library.annotation(c).tags == ()
    assert session.reload_annotations().others == 0  # said once


def test_the_writer_finds_another_process_write_and_counts_only_theirs(
    sample_store: Store, db: Path
) -> None:
    session = LibrarySession(sample_store)
    a, b = ids(session)[:2]
    done: queue.SimpleQueue[Job] = queue.SimpleQueue()
    session.start_writer(done.put)  # opened now: it shares the session's view
    with Store.open(db) as other:
        other.update([b], lambda x: x.with_read(True))
    outcome = run(session, done, commands.Rate([a], 4))
    change = outcome.change
    assert isinstance(change, Change) and change.others_wrote
    sync = session.apply(change)
    assert sync is not None and sync.others == 1  # theirs, not ours
    assert session.library.annotation(a).rating == 4
    assert session.library.annotation(b).read
    # Without another process in between, nothing is re-read nor announced.
    again = run(session, done, commands.Rate([a], 5)).change
    assert again is not None and not again.others_wrote
    assert session.apply(again) is None
    assert session.library.annotation(a).rating == 5
    session.close()
    assert Store.open(db).annotations()[a].rating == 5


def test_a_new_catalogue_from_another_process_is_loaded_and_counted(
    sample_store: Store, db: Path
) -> None:
    session = LibrarySession(sample_store)
    new = [Paper(id=paper_id(f"Fresh paper {n}"), title=f"Fresh paper {n}") for n in range(12)]
    with Store.open(db) as other:
        other.import_listings([new])
        other.set_removed([ids(session)[0]], True)
    assert "papers" in session.changed_on_disk()
    stages = list(session.load_catalogue(reload=True))
    ready = next(s for s in stages if isinstance(s, CatalogueReady))
    assert ready.changes == (12, 0, 1)
    session.use_catalogue(ready.papers, ready.search)
    assert len(session.library) == 101 + 12 - 1
    assert paper_id("Fresh paper 3") in session.library.position


def test_a_reload_before_the_start_swapped_its_catalogue_in_counts_only_the_new(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staged start with a stored index searches the abstracts while its papers are
    titles only; another process's import read then is 12 new papers, not 12 new and
    every paper with an abstract "updated" (the swap may wait for a pause in typing)."""
    from readlist.search import SearchIndex

    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)
    papers = sample_store.papers()
    index = SearchIndex(papers).make_text_index()
    assert sample_store.write_word_index(
        sample_store.catalogue_versions(), [p.id for p in papers], index
    )
    session = LibrarySession(Store.open(db), stage_above=0)
    assert session.abstracts_searched and not session.catalogue_loaded
    new = [Paper(id=paper_id(f"Fresh paper {n}"), title=f"Fresh paper {n}") for n in range(12)]
    with Store.open(db) as other:
        other.import_listings([new])
    stages = list(session.load_catalogue(reload=True))
    ready = next(s for s in stages if isinstance(s, CatalogueReady))
    assert ready.changes == (12, 0, 0)


def test_a_failed_read_is_reported_not_raised(sample_store: Store, db: Path) -> None:
    session = LibrarySession(sample_store)
    a = ids(session)[0]
    sample_store.update([a], lambda x: x.with_rating(2))
    session.reload_annotations()
    db.write_text("{ not json", encoding="utf-8")  # another program broke the file
    sync = session.reload_annotations()
    assert sync.error is not None and str(db) in sync.error
    assert "\n" not in sync.error
    assert sync.updated == [] and sync.others == 0
    assert session.library.annotation(a).rating == 2  # what was shown stays


def test_the_session_never_imports_textual() -> None:
    code = (
        "import sys, readlist.session, readlist.session.writer, readlist.session.changes; "
        "print(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_writes_never_read_the_catalogue_again(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once loaded, an annotation write (a note draft on the session's store, a command
    on the writer's) does not read the papers file: at 100k papers that was ~1 s per
    draft after the catalogue was loaded, and ~200 MB for the writer's copy."""
    session = LibrarySession(sample_store, stage_above=10)
    ready = next(s for s in session.load_catalogue() if isinstance(s, CatalogueReady))
    session.use_catalogue(ready.papers, ready.search)  # the raw documents are let go
    done: queue.SimpleQueue[Job] = queue.SimpleQueue()
    session.start_writer(done.put)
    read: list[Path] = []
    load = AtomicJSONStorage._load

    def counted(storage: AtomicJSONStorage) -> object:
        read.append(storage.path)
        return load(storage)

    monkeypatch.setattr(AtomicJSONStorage, "_load", counted)
    a, b = ids(session)[:2]
    session.store.update([a], lambda x: x.with_note("a draft"))
    run(session, done, commands.Rate([b], 3))
    session.close()
    assert sample_store.paths.papers not in read
    assert Store.open(db).annotations()[a].note == "a draft"


def test_classify_counts_a_listing_papers_new_and_known(sample_store: Store, db: Path) -> None:
    session = LibrarySession(sample_store)
    first = session.library.papers[0]
    same_title = Paper(id=paper_id("x"), title=first.title.upper() + "  ")  # same identity
    fresh = Paper(id=paper_id("Nothing like it"), title="Nothing like it")
    assert session.classify([same_title, fresh]) == (1, 1)
    with Store.open(db) as other:
        other.import_listings([[fresh]])
    ready = next(s for s in session.load_catalogue(reload=True) if isinstance(s, CatalogueReady))
    session.use_catalogue(ready.papers, ready.search)
    assert session.classify([same_title, fresh]) == (0, 2)  # the new catalogue counts
