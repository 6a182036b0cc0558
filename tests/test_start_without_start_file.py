"""A TUI start without a current start file (a library copied or restored from backup, the
first start after an upgrade or after `doctor --repair`, after an import past the start
tail's limit): its papers are built when first shown, from the papers file's documents
(`startfile.lazy_papers_of_docs`), as they are from a start file; what the user sees is
the same, and a damaged papers file is still refused at open with one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.catalogue import LazyPapers, ids_of, values
from readlist.errors import LibraryError
from readlist.library import SORT_KEYS, Library
from readlist.models import Annotation, Paper, paper_id
from readlist.query import parse
from readlist.session import LibrarySession
from readlist.store import Store
from readlist.tui.app import ReadListApp

from .test_store_startfile import kept, start_file  # noqa: F401  (the fixture)
from .test_tui import current_id, detail_text


def copied(db: Path, to: Path) -> Path:
    """The library's files copied to `to` (new inodes and mtimes, the same bytes)."""
    to.mkdir()
    for path in db.parent.iterdir():
        if path.is_file():
            shutil.copyfile(path, to / path.name)
    return to / db.name


def screen(app: ReadListApp) -> tuple[object, ...]:
    """What the first screen shows: the rows in order, the status line, the paper under
    the cursor and its details."""
    from textual.widgets import Static

    shown = ids_of(app.library.papers)
    rows = [shown[i] for i in app.papers.selection.rows]
    status = str(app.query_one("#status", Static).render())
    return rows, status, current_id(app), detail_text(app)


async def first_screen(db: Path) -> tuple[object, ...]:
    session = LibrarySession.open(db, stage_above=10)
    assert isinstance(session.library.papers, LazyPapers)  # built when first shown
    app = ReadListApp(session.store, session=session, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        seen = screen(app)
        await app.workers.wait_for_complete()
    return seen


async def test_a_first_start_without_a_start_file_shows_what_a_start_with_one_shows(
    kept: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    store = Store.open(kept)
    papers = store.papers(with_abstracts=False)
    store.update([papers[3].id, papers[7].id], lambda a: a.with_rating(4))
    store.update([papers[5].id], lambda a: a.with_read(True))
    with_one = await first_screen(kept)
    rows, status, _, _ = with_one
    assert len(rows) == 100  # the removed paper is not listed
    assert "100 / 100 papers · 99 unread" in str(status)
    restored = copied(kept, tmp_path / "restored")
    # A copy starts from its start file, current by the papers file's fingerprint
    # (tests/test_copied_library.py), and shows the same.
    opened = Store.open(restored, start_file=True)._start
    assert opened is not None and opened.copied
    assert await first_screen(restored) == with_one
    start_file(restored).unlink()  # a copy with no start file
    assert await first_screen(restored) == with_one
    assert start_file(restored).exists()  # written in the background, for the next start
    start_file(kept).unlink()  # and with none at all
    assert await first_screen(kept) == with_one


def test_a_damaged_document_is_refused_at_open_with_one_line_and_nothing_written(
    kept: Path,  # noqa: F811
) -> None:
    start_file(kept).unlink()
    paths = Store(kept).paths
    data = orjson.loads(paths.papers.read_bytes())
    last = list(data["papers"])[-1]
    data["papers"][last]["title"] = 42  # the last document: never on the first screen
    paths.papers.write_bytes(orjson.dumps(data))
    before = {p.name: p.read_bytes() for p in paths.papers.parent.iterdir() if p.is_file()}
    with pytest.raises(LibraryError) as raised:
        LibrarySession.open(kept, stage_above=10)
    message = str(raised.value)
    assert "\n" not in message
    assert paths.papers.name in message and "paper field 'title' holds a int" in message
    after = {p.name: p.read_bytes() for p in paths.papers.parent.iterdir() if p.is_file()}
    assert after == before


ADDED = ["2026-11-01T08:00:00+00:00", "2026-11-02T08:00:00+00:00", "2026-11-03T09:30:00+00:00"]
_paper = st.builds(
    lambda i, published, upvotes, added, n: (i, published, upvotes, added, n),
    st.integers(0, 10**6),
    st.one_of(st.none(), st.dates().map(str)),
    st.one_of(st.none(), st.integers(0, 500)),
    st.sampled_from(ADDED),
    st.integers(0, 3),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    specs=st.lists(_paper, min_size=0, max_size=25, unique_by=lambda s: s[0]),
    removed=st.sets(st.integers(0, 24)),
    rated=st.dictionaries(st.integers(0, 24), st.integers(1, 5)),
    sort=st.sampled_from([*SORT_KEYS, "for-you"]),
)
def test_papers_from_the_documents_are_those_the_papers_file_gives(
    tmp_path_factory: pytest.TempPathFactory,
    specs: list[tuple[int, str | None, int | None, str, int]],
    removed: set[int],
    rated: dict[int, int],
    sort: str,
) -> None:
    db = tmp_path_factory.mktemp("lib") / "library.json"
    store = Store.open(db)
    papers = [
        Paper(
            id=paper_id(f"Paper {i}"),
            title=f"Paper {i}",
            authors=tuple(f"A{k}" for k in range(n)),
            published=published,
            upvotes=upvotes,
            added=added,
        )
        for i, published, upvotes, added, n in specs
    ]
    store.import_listings([papers])
    ids = [p.id for p in store.papers(with_abstracts=False)]
    gone = [pid for k, pid in enumerate(ids) if k in removed]
    if gone:
        store.set_removed(gone, removed=True)
    for k, rating in rated.items():
        if k < len(ids):
            store.update([ids[k]], lambda a, r=rating: a.with_rating(r))
    fresh = Store.open(db, start_file=True)
    assert fresh._start is None  # no start file: from the documents
    lazy = fresh.lazy_papers()
    assert isinstance(lazy, LazyPapers)
    expected = Store.open(db).papers(with_abstracts=False)
    assert ids_of(lazy) == [p.id for p in expected]
    for name in ("title", "published", "added", "upvotes", "removed"):
        assert values(lazy, name) == values(expected, name), name
    annotations: dict[str, Annotation] = fresh.annotations()
    quick, eager = Library(lazy, annotations), Library(expected, annotations)
    for query in ("", "is:unread", "rating:>=3", "has:authors", "paper"):
        assert quick.select(parse(query), sort) == eager.select(parse(query), sort), query
    assert list(lazy) == expected
    assert lazy.with_abstracts(fresh.abstracts()) == Store.open(db).papers()
