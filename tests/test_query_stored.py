"""The word index kept on disk: full-text search from the first frame of a large library.

The stored index must answer exactly what a scan of the papers with their abstracts
answers (it is read while the papers are loaded without them), must never be used once
the catalogue changed, and a damaged file must read as absent.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import Static

from readlist.library import Library
from readlist.models import Paper
from readlist.query import parse
from readlist.search import SearchIndex
from readlist.session import LibrarySession
from readlist.store import Store, wordfile
from readlist.store.wordfile import read_word_index, word_index_path, write_word_index
from readlist.tui.app import ReadListApp

from .test_query_v2 import VOCAB, paper

VERSIONS = ((1, 2, 3), (4, 5, 6))
QUERY_WORDS = ["rag", "tun", "tuning", "deja", "prompt", "x", "str", "stras", "ete", "fine", "p"]


def stored_search(tmp_path: Path, papers: list[Paper]) -> SearchIndex:
    """A search over `papers` without abstracts, answered from an index written to disk."""
    built = SearchIndex(papers)
    index = built.make_text_index()
    path = tmp_path / "library.words.idx"
    write_word_index(path, VERSIONS, [p.id for p in papers], index.parts())
    stored = read_word_index(path, VERSIONS, [p.id for p in papers])
    assert stored is not None
    search = SearchIndex([p.with_abstract("") for p in papers])
    search.use_stored_index(stored)
    return search


queries = st.one_of(
    st.lists(st.sampled_from(QUERY_WORDS), min_size=1, max_size=2).map(
        lambda ws: '"' + " ".join(ws) + '"'
    ),
    st.sampled_from(QUERY_WORDS),
    st.sampled_from(QUERY_WORDS).map(lambda w: f"abstract:{w}"),
    st.sampled_from(QUERY_WORDS).map(lambda w: f"title:{w}"),
    st.sampled_from(QUERY_WORDS).map(lambda w: f"~{w[1:] or w}"),
    st.tuples(st.sampled_from(QUERY_WORDS), st.sampled_from(QUERY_WORDS)).map(
        lambda ab: f"{ab[0]} OR -{ab[1]}"
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(VOCAB), max_size=4),
            st.lists(st.sampled_from(VOCAB), max_size=8),
        ),
        min_size=1,
        max_size=300,
    ),
    st.lists(queries, min_size=1, max_size=8),
)
def test_the_stored_index_answers_what_a_scan_of_the_abstracts_answers(
    tmp_path: Path, rows: list[tuple[list[str], list[str]]], texts: list[str]
) -> None:
    papers = [
        paper(i, " ".join(title) or "untitled", " ".join(abstract))
        for i, (title, abstract) in enumerate(rows)
    ]
    stored = stored_search(tmp_path, papers)
    scanned = SearchIndex(papers)
    for text in texts:  # in turn: later queries narrow cached earlier ones
        query = parse(text)
        assert stored.evaluate(query, {}, {}) == scanned.evaluate(query, {}, {}), text


def test_typing_a_phrase_letter_by_letter_from_the_stored_index(tmp_path: Path) -> None:
    papers = [paper(i, f"paper {i}", " ".join(VOCAB[i % 7 :] + VOCAB[: i % 5])) for i in range(400)]
    stored = stored_search(tmp_path, papers)
    text = '"prompt tuning at'
    for end in range(2, len(text) + 1):
        query = parse(text[:end] + '"')
        fresh = SearchIndex(papers).evaluate(query, {}, {})
        assert stored.evaluate(query, {}, {}) == fresh, text[:end]


def test_an_index_of_another_catalogue_or_a_damaged_one_is_not_used(tmp_path: Path) -> None:
    papers = [paper(i, f"paper {i}", "prompt tuning") for i in range(50)]
    ids = [p.id for p in papers]
    path = tmp_path / "library.words.idx"
    write_word_index(path, VERSIONS, ids, SearchIndex(papers).make_text_index().parts())
    assert read_word_index(path, VERSIONS, ids) is not None
    assert read_word_index(path, ((1, 2, 4), VERSIONS[1]), ids) is None  # papers rewritten
    assert read_word_index(path, (VERSIONS[0], None), ids) is None  # abstracts rewritten
    assert read_word_index(path, VERSIONS, ids[::-1]) is None  # other papers, other order
    assert read_word_index(path, VERSIONS, ids[:-1]) is None
    whole = path.read_bytes()
    for cut in (0, 10, len(whole) // 2, len(whole) - 1):
        path.write_bytes(whole[:cut])
        assert read_word_index(path, VERSIONS, ids) is None, cut
    damaged = bytearray(whole)
    damaged[whole.index(b"\n") + 5] ^= 0xFF  # inside the ids
    path.write_bytes(bytes(damaged))
    assert read_word_index(path, VERSIONS, ids) is None
    path.unlink()
    import os

    os.mkfifo(path)  # never opened for reading (that would wait for a writer)
    assert read_word_index(path, VERSIONS, ids) is None


def test_an_index_of_older_catalogue_files_is_neither_used_nor_written(
    sample_store: Store,
) -> None:
    papers = sample_store.papers()
    ids = [p.id for p in papers]
    index = SearchIndex(papers).make_text_index()
    assert sample_store.write_word_index(sample_store.catalogue_versions(), ids, index)
    assert sample_store.word_index(ids) is not None
    fresh = Store.open(sample_store.paths.annotations)
    fresh.papers(with_abstracts=False)
    assert fresh.word_index(ids) is not None  # another process, same catalogue
    new = Paper(id="0" * 16, title="A Brand New Paper", abstract="nothing like it")
    fresh.import_listings([[new]])
    after = Store.open(sample_store.paths.annotations)
    new_ids = [p.id for p in after.papers(with_abstracts=False)]
    assert after.word_index(new_ids) is not None  # extended by the import (next test)
    assert after.word_index(ids) is None  # not the library's papers any more
    # An index built from the old versions is not written over the new catalogue.
    assert not sample_store.write_word_index(sample_store.catalogue_versions(), ids, index)


def test_an_import_that_adds_papers_keeps_the_stored_index_current(sample_store: Store) -> None:
    """The daily case: new papers at the end. The store extends the index it finds."""
    papers = sample_store.papers()
    index = SearchIndex(papers).make_text_index()
    assert sample_store.write_word_index(
        sample_store.catalogue_versions(), [p.id for p in papers], index
    )
    new = [
        Paper(id="0" * 16, title="Zyzzyva Prompting for C++", abstract="Findings on zyzzyvas."),
        Paper(id="1" * 16, title="Another Zyzzyva Paper", abstract="Prompt tuning, again."),
    ]
    [report] = sample_store.import_listings([new])
    assert len(report.added) == 2
    after = Store.open(sample_store.paths.annotations)
    now = after.papers(with_abstracts=False)
    stored = after.word_index([p.id for p in now])
    assert stored is not None  # current without a rebuild
    search = SearchIndex(now)
    search.use_stored_index(stored)
    scanned = SearchIndex(after.papers())
    for text in ("zyzzyva", "findings", '"prompt tuning"', "c++", "abstract:zyzzyvas", "~yzz"):
        query = parse(text)
        assert search.evaluate(query, {}, {}) == scanned.evaluate(query, {}, {}), text
    assert search.evaluate(parse("zyzzyva"), {}, {}).bit_count() == 2

    # A paper met again with a new abstract changes the text of a paper in the middle:
    # the index is left to go stale (the TUI rebuilds it), never extended wrongly.
    first = after.papers()[0]
    longer = first.abstract + " Also about zyzzyvas."  # a longer abstract replaces it
    after.import_listings([[replace(first, id="", abstract=longer)]])
    last = Store.open(sample_store.paths.annotations)
    assert last.papers()[0].abstract == longer
    assert last.word_index([p.id for p in last.papers(with_abstracts=False)]) is None


# -- the TUI -------------------------------------------------------------------------------

WORD = "findings"  # in abstracts of the samples, in no title


def status(app: ReadListApp) -> str:
    return str(app.query_one("#status", Static).render())


def blocked_abstracts(store: Store) -> threading.Event:
    """Abstracts that arrive only once the returned event is set."""
    release = threading.Event()
    real = store.abstracts

    def slow(pause: Callable[[], None] | None = None) -> dict[str, str]:
        release.wait(20)
        return real(pause)

    store.abstracts = slow  # type: ignore[method-assign]
    return release


async def test_full_text_search_is_right_from_the_first_frame_of_a_large_library(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)  # index even 101 papers
    papers = sample_store.papers()
    assert not any(WORD in p.title.casefold() for p in papers)
    expected = len(Library(papers, {}).select(parse(WORD)))
    phrase = '"catastrophic forgetting"'
    expected_phrase = len(Library(papers, {}).select(parse(phrase)))
    assert expected > 0 and expected_phrase > 0
    db = sample_store.paths.annotations
    assert not word_index_path(sample_store.paths).exists()

    # First start: no index on disk. A text query waits for the abstracts, never
    # showing title matches as the answer; then the TUI keeps the index it built.
    store = Store.open(db)
    release = blocked_abstracts(store)
    app = ReadListApp(store, copy=lambda t, f: "x", watch_interval=3600, stage_above=0)
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.abstracts_searched
        await pilot.press("slash", *WORD)
        assert app.shown == 0
        assert "Searching abstracts" in app.papers.empty_text
        assert "searching abstracts" in status(app)
        release.set()
        while not app.search_ready:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        assert app.shown == expected
    assert word_index_path(sample_store.paths).exists()

    # Next start: the stored index answers at once, while abstracts are still loading.
    store = Store.open(db)
    release = blocked_abstracts(store)
    app = ReadListApp(store, copy=lambda t, f: "x", watch_interval=3600, stage_above=0)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.abstracts_searched and not app.catalogue_loaded
        await pilot.press("slash", *WORD)
        assert app.shown == expected
        assert "searching" not in status(app)
        await pilot.press(*(["backspace"] * len(WORD)), *phrase)
        assert app.shown == expected_phrase
        await pilot.press(*(["backspace"] * len(phrase)), *f"abstract:{WORD}")
        assert app.shown == expected
        await pilot.press(*(["backspace"] * len(f"abstract:{WORD}")), *"has:abstract")
        assert app.shown == 0 and "searching abstracts" in status(app)  # needs the Papers
        release.set()
        while not app.search_ready:
            await pilot.pause(0.01)
        assert app.shown == sum(bool(p.abstract) for p in papers)
        await pilot.press(*(["backspace"] * len("has:abstract")), *WORD)
        assert app.shown == expected


def test_has_abstract_in_the_cli_reads_the_abstracts(cli, sample_store: Store) -> None:  # type: ignore[no-untyped-def]
    with_abstracts = sum(bool(p.abstract) for p in sample_store.papers())
    listed = cli("list", "has:abstract")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == with_abstracts > 0


async def test_papers_another_process_adds_are_searched_without_a_rebuild(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = sample_store.papers()
    index = SearchIndex(papers).make_text_index()
    versions = sample_store.catalogue_versions()
    assert sample_store.write_word_index(versions, [p.id for p in papers], index)

    def no_build(self: SearchIndex) -> None:
        raise AssertionError("the word index was built again")

    monkeypatch.setattr(SearchIndex, "make_text_index", no_build)
    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)  # as if it were a large library
    store = Store.open(sample_store.paths.annotations)
    app = ReadListApp(store, copy=lambda t, f: "x", watch_interval=3600, stage_above=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        assert app.search_ready
        other = Store.open(sample_store.paths.annotations)
        new = Paper(id="0" * 16, title="A Paper Added Elsewhere", abstract="About zyzzyvas.")
        other.import_listings([[new]])
        app.check_disk()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.library) == len(papers) + 1 and app.search_ready
        await pilot.press("slash", *"zyzzyva")
        assert app.shown == 1


def test_a_stored_index_warmed_in_steps_answers_what_it_answered_cold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The start's stage makes the stored index's word lookup ahead, in steps with
    # pauses between (`WordIndex.warm`), so that the first key of a text query does
    # not make it. The answers are the same as the cold index's, and a key that made
    # the table meanwhile keeps its own.
    monkeypatch.setattr(wordfile, "WARM_STEP", 7)
    papers = [paper(i, f"paper {i}", " ".join(VOCAB[i % 7 :] + VOCAB[: i % 5])) for i in range(300)]
    ids = [p.id for p in papers]
    path = tmp_path / "library.words.idx"
    write_word_index(path, VERSIONS, ids, SearchIndex(papers).make_text_index().parts())
    cold, warm = (read_word_index(path, VERSIONS, ids) for _ in range(2))
    assert cold is not None and warm is not None
    pauses: list[None] = []
    warm.warm(lambda: pauses.append(None))
    words = len(warm.parts().words)
    assert words > 7 and len(pauses) == -(-words // 7)  # one pause a step
    for word in [*warm.parts().words, "zzz", "", "tun"]:
        assert warm.exact(word) == cold.exact(word), word
        assert warm.prefix(word) == cold.prefix(word), word
    # A lookup table made by a key during the warm-up is kept, and still right.
    again = read_word_index(path, VERSIONS, ids)
    assert again is not None
    postings = again.parts().frequent._postings  # type: ignore[attr-defined]
    made: list[object] = []

    def key_meanwhile() -> None:
        if not made:
            again.exact("prompt")  # a key's first lookup makes the table itself
            made.append(postings._where)

    again.warm(key_meanwhile)
    assert made and made[0] is not None and postings._where is made[0]
    assert again.exact("tuning") == cold.exact("tuning")
    # A built index (not read from disk) has nothing to warm.
    before = len(pauses)
    SearchIndex(papers).make_text_index().warm(lambda: pauses.append(None))
    assert len(pauses) == before


def test_the_stage_warms_the_stored_index_first(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)
    session = LibrarySession(sample_store, stage_above=0)
    list(session.load_catalogue())  # builds the index and keeps it on disk
    assert word_index_path(sample_store.paths).exists()
    session = LibrarySession(Store.open(sample_store.paths.annotations), stage_above=0)
    assert session.stored_index is not None
    callers: list[str] = []
    stages = session.load_catalogue(pause=lambda: callers.append(sys._getframe(1).f_code.co_name))
    next(stages)  # the stage's first yield (the abstracts loaded)
    assert callers[0] == "warm"  # its first step, before the titles' texts
    list(stages)
