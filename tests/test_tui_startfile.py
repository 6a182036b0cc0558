"""The TUI started from the start file (store/startfile.py): its papers are built when
first shown (readlist/catalogue.py) until the background stage brings the full catalogue;
what the user sees and can do is the same as from the papers file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from readlist.catalogue import LazyPapers, ids_of
from readlist.library import Library
from readlist.query import parse
from readlist.session import LibrarySession
from readlist.store import Store
from readlist.tui.app import ReadListApp

from .test_store_startfile import kept  # noqa: F401  (the fixture)
from .test_tui import current_id, detail_text, on_disk


def eager(db: Path, query: str = "", sort: str = "date") -> tuple[list[str], list[str]]:
    """(ids, titles) a library read from the papers file lists for `query` in `sort`."""
    store = Store.open(db)
    library = Library(store.papers(with_abstracts=False), store.annotations())
    rows = library.select(parse(query), sort)
    return [library.papers[i].id for i in rows], [library.papers[i].title for i in rows]


async def test_a_start_from_the_start_file_shows_and_does_what_one_from_the_papers_file_does(
    kept: Path,  # noqa: F811
) -> None:
    session = LibrarySession.open(kept, stage_above=10)
    assert isinstance(session.library.papers, LazyPapers)
    release = threading.Event()
    real_abstracts = session.store.abstracts

    def slow_abstracts(pause: Callable[[], None] | None = None) -> dict[str, str]:
        release.wait(10)
        return real_abstracts(pause)

    session.store.abstracts = slow_abstracts  # type: ignore[method-assign]
    app = ReadListApp(session.store, session=session, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        # Papers are built as they are shown, not all at once.
        built = sum(p is not None for p in app.library.papers._made)  # type: ignore[attr-defined]
        assert 0 < built < 100
        ids, titles = eager(kept)
        assert app.shown == len(ids) == 100  # the removed paper is not listed
        shown = ids_of(app.library.papers)
        assert [shown[i] for i in app.papers.selection.rows] == ids
        assert current_id(app) == ids[0]
        assert titles[0] in detail_text(app)
        # A filter on a field of every paper, and another sort, before the catalogue is in.
        await pilot.press("slash", *"has:authors", "enter")
        assert app.shown == len(eager(kept, "has:authors")[0])
        await pilot.press("escape", "s")  # upvotes
        await pilot.pause()
        assert [app.library.papers[i].id for i in app.papers.selection.rows] == eager(
            kept, "", app.sort
        )[0]
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.search_ready
        assert not isinstance(app.library.papers, LazyPapers)  # the full catalogue now
        assert app.library.papers[app.papers.current].abstract  # type: ignore[index]
        await pilot.press("r")  # a write works across the swap
        await app.settle()
        assert on_disk(session.store.paths.annotations)[current_id(app)].read  # type: ignore[index]
