"""The start file kept current by the writes that change the papers file (its tail file,
store/startfile.py), and written before a first start reads the abstracts.

The morning's case: `readlist import page.txt`, then `readlist`. Before the tail, every
import made the start file stale, so the first TUI start after it read and checked the
whole papers file (~2-2.5 s to the first frame at 100k, not ~1 s) and peaked at 661 MB.
"""

from __future__ import annotations

import shutil
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.catalogue import LazyPapers
from readlist.importers import read_listing
from readlist.library import SORT_KEYS, Library
from readlist.models import Paper, paper_id
from readlist.query import parse
from readlist.session import LibrarySession
from readlist.store import Store
from readlist.store.startfile import start_file_path
from readlist.tui.app import ReadListApp

from .conftest import DAILY, SEARCH, TODAY, RunCli
from .test_export_safety import HOWS, assert_refused
from .test_store_startfile import kept, opened_from_start_file, staged_start  # noqa: F401


def start_file(db: Path) -> Path:
    return start_file_path(Store(db).paths)


def tail_file(db: Path) -> Path:
    return start_file(db).with_name("library.start-tail.json")


def same_as_the_papers_file(db: Path) -> None:
    """A start from the start file (and its tail) holds and lists what one from the
    papers file does."""
    plain = Store.open(db)
    quick = opened_from_start_file(db)
    assert quick.all_papers(with_abstracts=False) == plain.all_papers(with_abstracts=False)
    lazy = quick.lazy_papers()
    assert isinstance(lazy, LazyPapers)
    expected = plain.papers(with_abstracts=False)
    assert [p.id for p in lazy] == [p.id for p in expected]
    assert list(lazy) == expected
    eager = Library(expected, plain.annotations())
    library = Library(quick.lazy_papers() or [], quick.annotations())
    for sort in SORT_KEYS:
        assert library.select(parse(""), sort) == eager.select(parse(""), sort), sort


def test_an_import_keeps_the_start_file_current_with_its_papers(kept: Path) -> None:  # noqa: F811
    page = [Paper(id=paper_id(f"Tail paper {i}"), title=f"Tail paper {i}") for i in range(3)]
    before = start_file(kept).read_bytes()
    Store.open(kept).import_listings([page])
    assert start_file(kept).read_bytes() == before  # the big file is not written again
    assert tail_file(kept).stat().st_size < 4_000  # only the page's rows
    same_as_the_papers_file(kept)
    shown = [p.id for p in opened_from_start_file(kept).papers(with_abstracts=False)]
    assert shown[-3:] == [p.id for p in page]
    # A second page extends the same tail.
    more = [Paper(id=paper_id("Tail paper 9"), title="Tail paper 9")]
    Store.open(kept).import_listings([more])
    same_as_the_papers_file(kept)


def test_annotation_commands_leave_the_start_file_current(
    kept: Path,  # noqa: F811
    cli: RunCli,
) -> None:
    pid = Store.open(kept).papers()[3].id
    for args in (
        ["rate", f"id:{pid}", "4"],
        ["tag", f"id:{pid}", "todo"],
        ["read", f"id:{pid}"],
        ["undo"],
    ):
        done = cli(*args)
        assert done.returncode == 0, done.stderr
    store = opened_from_start_file(kept)
    assert store.annotations()[pid].rating == 4
    same_as_the_papers_file(kept)


def test_a_cli_remove_restore_and_undone_import_keep_the_start_file_current(
    kept: Path,  # noqa: F811
    cli: RunCli,
    tmp_path: Path,
) -> None:
    pid = Store.open(kept).papers()[7].id
    for args in (["remove", f"id:{pid}"], ["restore", f"id:{pid}"], ["remove", f"id:{pid}"]):
        done = cli(*args)
        assert done.returncode == 0, done.stderr
        same_as_the_papers_file(kept)
    assert pid not in {p.id for p in opened_from_start_file(kept).papers()}
    page = tmp_path / "page.txt"
    page.write_text(
        "Daily Papers\n\nMar 12\n\n"
        + "\n\n".join(
            f"A paper of a page number {i}\n\nIts abstract, about page paper {i} and more."
            for i in range(4)
        ),
        encoding="utf-8",
    )
    done = cli("import", str(page))
    assert done.returncode == 0, done.stderr
    count = len(Store.open(kept).papers())
    same_as_the_papers_file(kept)
    assert cli("undo").returncode == 0  # the import: its papers removed
    same_as_the_papers_file(kept)
    assert len(opened_from_start_file(kept).papers()) < count


@pytest.mark.parametrize(
    "damage", ["flip a byte", "cut off", "empty", "garbage header", "another base"]
)
def test_a_damaged_or_stale_tail_is_ignored(kept: Path, damage: str) -> None:  # noqa: F811
    new = Paper(id=paper_id("A paper of the tail"), title="A paper of the tail")
    Store.open(kept).import_listings([[new]])
    path = tail_file(kept)
    blob = bytearray(path.read_bytes())
    end = blob.index(b"\n")
    if damage == "flip a byte":
        blob[end + (len(blob) - end) // 2] ^= 0x01
    elif damage == "cut off":
        blob = blob[:-5]
    elif damage == "empty":
        blob = bytearray()
    elif damage == "garbage header":
        blob[1:10] = b"\x00" * 9
    else:  # a tail of another start file: the start file is rewritten for the same version
        header = blob[:end].replace(b'"base":[', b'"base":[1', 1)
        blob = header + blob[end:]
    path.write_bytes(bytes(blob))
    expected = Store.open(kept).papers(with_abstracts=False)
    store = Store.open(kept, start_file=True)
    assert store._start is None  # the papers file is read, as without a start file
    assert store.papers(with_abstracts=False) == expected
    assert new.id in {p.id for p in expected}


def _titles(n: int) -> list[Paper]:
    return [
        Paper(id=paper_id(f"Generated paper {n} {i}"), title=f"Generated paper {n} {i}")
        for i in range(2)
    ]


# One step of what a user does between two TUI starts.
_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("import"), st.integers(0, 5)),
        st.tuples(st.just("reimport"), st.integers(0, 200)),  # a paper met again, updated
        st.tuples(st.sampled_from(["rate", "tag", "remove", "restore"]), st.integers(0, 200)),
        st.tuples(st.sampled_from(["undo", "tui start"]), st.just(0)),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=_STEPS)
def test_after_any_sequence_of_changes_a_start_from_the_start_file_shows_what_the_papers_file_holds(
    template: Path, steps: list[tuple[str, int]]
) -> None:
    work = Path(tempfile.mkdtemp(prefix="readlist-tail-"))
    try:
        db = work / "lib" / "library.json"
        shutil.copytree(template.parent, db.parent)
        staged_start(db)  # the start file of the copy (a copy is a new papers file)
        for step, n in steps:
            store = Store.open(db)
            every = store.all_papers(with_abstracts=False)
            pick = every[n % len(every)].id
            if step == "import":
                (report,) = store.import_listings([_titles(n)])
                store.record_added(report.added, f"import {n}")
            elif step == "reimport":
                again = every[n % len(every)]
                store.import_listings([[Paper(id=again.id, title=again.title, upvotes=n + 1)]])
            elif step == "rate":
                rating = n % 5 + 1
                store.update([pick], lambda a: a.with_rating(rating), label="rate")  # noqa: B023
            elif step == "tag":
                store.update([pick], lambda a: a.with_tags_added(["t"]), label="tag")
            elif step in ("remove", "restore"):
                store.set_removed([pick], step == "remove", label=step)
            elif step == "undo":
                store.undo()
            else:
                staged_start(db)
        same_as_the_papers_file(db)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample library (one listing), made once for the property test's copies."""
    db = tmp_path_factory.mktemp("template") / "library.json"
    with Store.open(db) as store:
        store.import_listings([read_listing(DAILY, today=TODAY).papers])
    return db


async def test_the_first_tui_start_after_a_cli_import_is_from_the_start_file_and_lists_the_page(
    store: Store, db: Path, cli: RunCli
) -> None:
    store.import_listings([read_listing(DAILY, today=TODAY).papers])
    staged_start(db)  # yesterday's TUI start kept the start file
    done = cli("import", str(SEARCH))  # this morning's page
    assert done.returncode == 0, done.stderr
    expected = Store.open(db).papers(with_abstracts=False)
    page = read_listing(SEARCH, today=TODAY).papers
    session = LibrarySession.open(db, stage_above=10)
    assert session.store._start is not None, "the papers file was read, not the start file"
    assert isinstance(session.library.papers, LazyPapers)
    app = ReadListApp(session.store, session=session, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.shown == len(expected) == 101
        # The page's papers are listed and found (by title: no index needed).
        await pilot.press("slash", *"title:tuning", "enter")
        await pilot.pause()
        listed = [app.library.papers[i].id for i in app.papers.selection.rows]
        eager = Library(expected, Store.open(db).annotations())
        wanted = [expected[i].id for i in eager.select(parse("title:tuning"), app.sort)]
        assert listed == wanted
        assert {p.id for p in page} & set(listed)
        await app.workers.wait_for_complete()
        await pilot.pause()
    session.close()
    # That start wrote the start file whole again: the next one needs no tail.
    assert not tail_file(db).exists()
    assert opened_from_start_file(db)._start is not None


def test_a_first_start_writes_its_derived_files_and_drops_the_documents_before_the_abstracts(
    store: Store, db: Path
) -> None:
    """At 100k, the start file and the identity index were written while the papers'
    documents, every abstract and the papers built with them were in memory at once: a
    peak of 661 MB (target 600). Now the documents are let go before the abstracts come."""
    text = " ".join(f"word{i}" for i in range(300))
    papers = [
        Paper(id=paper_id(f"A paper {i}"), title=f"A paper {i}", abstract=f"{i} {text}")
        for i in range(1_500)
    ]
    store.import_listings([papers])
    del papers
    tracemalloc.start()
    session = LibrarySession(Store.open(db, start_file=True), stage_above=10)
    assert session.store._start is None and session.staged
    real = session.store.abstracts
    seen: dict[str, Any] = {}

    def abstracts(pause: Callable[[], None] | None = None) -> dict[str, str]:
        seen["at"] = tracemalloc.get_traced_memory()[0]
        seen["start file"] = start_file(db).exists()
        seen["documents held"] = session.store._storages["papers"].holds_data
        return real(pause)

    session.store.abstracts = abstracts  # type: ignore[method-assign]
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _stage in session.load_catalogue():
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        session.close()
    assert seen["start file"] and not seen["documents held"]
    abstracts_size = 1_500 * (len(text) + 5)
    # Less is held when the abstracts are read than before the stage began: the
    # documents were released (the old order held them, plus the title texts).
    assert seen["at"] < base, (seen["at"], base)
    assert peak - base < 3 * abstracts_size, (peak - base, abstracts_size)


@pytest.mark.parametrize("how", HOWS)
def test_export_refuses_to_write_over_the_start_files_tail(
    kept: Path,  # noqa: F811
    cli: RunCli,
    tmp_path: Path,
    how: str,
) -> None:
    Store.open(kept).import_listings([[Paper(id=paper_id("A tail paper"), title="A tail paper")]])
    assert tail_file(kept).exists()
    assert_refused(cli, kept, tmp_path, tail_file(kept).name, how)
