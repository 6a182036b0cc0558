"""The fast paths behind a filter key at 100,000 papers, checked against the slow ones.

- `bitsets.pick` (a result in sort order, in C loops) against a list comprehension;
- `title:` terms answered from the titles' word index (one-letter prefixes pinned)
  against the slow reference of test_query_v2 and against a scan, key by key;
- the stored text index's short prefixes pinned from another thread while keys are
  answered, against a scan;
- the start's background stage pausing between short steps for a key (session/gate.py):
  the papers it builds are the same, it does pause, and the app holds the gate from a
  key's arrival until that key's frame.
"""

from __future__ import annotations

import threading
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist import catalogue, textindex
from readlist.bitsets import flags_of, mask_of, pick
from readlist.errors import QueryError
from readlist.library import Library
from readlist.models import Annotation
from readlist.query import parse
from readlist.search import SearchIndex
from readlist.session import CatalogueReady, LibrarySession
from readlist.session.gate import Gate
from readlist.store import Store
from readlist.tui.app import ReadListApp
from tests.test_query_stored import stored_search
from tests.test_query_v2 import (
    VOCAB,
    Expr,
    Term,
    expressions,
    paper,
    papers,
    query_words,
    reference,
    render,
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_pick_keeps_the_set_positions_in_the_order_given(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 300))
    order = data.draw(st.permutations(range(n)))
    # A part of the order, as when the previous key's rows are narrowed.
    order = order[: data.draw(st.integers(0, n))]
    bits = data.draw(st.integers(0, (1 << n) - 1)) if n else 0
    expected = [i for i in order if bits >> i & 1]
    assert pick(order, flags_of(mask_of(bits, n))) == expected


def test_the_background_stage_pauses_between_steps_and_builds_the_same_papers(
    sample_store: Store, monkeypatch: object
) -> None:
    plain = LibrarySession(sample_store, stage_above=10)
    expected = next(s for s in plain.load_catalogue() if isinstance(s, CatalogueReady)).papers
    pauses = []
    monkeypatch.setattr(catalogue, "_STEP", 7)  # type: ignore[attr-defined]
    paused = LibrarySession(sample_store, stage_above=10)
    stages = list(paused.load_catalogue(pause=lambda: pauses.append(1)))
    got = next(s for s in stages if isinstance(s, CatalogueReady)).papers
    assert got == expected and all(p.abstract for p in got[:5])
    assert len(pauses) >= len(got) // 7  # at least once a step of the papers built


def test_a_held_gate_stops_the_stage_until_it_is_released(sample_store: Store) -> None:
    gate = Gate(longest=60)  # far longer than the test: only `release` lets it go on
    gate.hold()
    session = LibrarySession(sample_store, stage_above=10)
    stages: list[object] = []
    started = threading.Event()

    def load() -> None:
        started.set()
        stages.extend(session.load_catalogue(pause=gate.wait))

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    started.wait(10)
    worker.join(0.3)
    assert worker.is_alive() and not stages  # waiting at its first pause
    gate.release()
    worker.join(30)
    assert not worker.is_alive()
    assert any(isinstance(s, CatalogueReady) for s in stages)


async def test_the_gate_is_held_while_a_key_is_handled_and_released_after_its_frame(
    sample_store: Store,
) -> None:
    app = ReadListApp(sample_store, copy=lambda text, terminal: "nowhere", watch_interval=3600)
    held: list[bool] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        refilter = app.refilter

        def watched() -> None:
            held.append(app._gate.held)
            refilter()

        app.refilter = watched  # type: ignore[method-assign]
        await pilot.press(*"model")
        await pilot.pause()
        assert held and all(held)  # every key's filtering ran with the stage held back
        assert not app._gate.held  # and each frame let it go on


PIN_WORDS = textindex._PIN_WORDS


def _titles_indexed(search: SearchIndex) -> SearchIndex:
    search.use_title_index(search.make_title_index())
    return search


title_terms = st.builds(
    Term,
    st.just("title"),
    st.lists(query_words, min_size=1, max_size=3).map(tuple),
    st.booleans(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(papers, st.one_of(title_terms, expressions), st.booleans())
def test_title_terms_from_the_title_index_agree_with_the_reference(
    rows: list[tuple[str, str, tuple[str, ...], Annotation]], expr: Expr, text_index: bool
) -> None:
    catalogue_ = [
        paper(i, title or "untitled", abstract, authors=authors)
        for i, (title, abstract, authors, _) in enumerate(rows)
    ]
    notes = {p.id: a for p, (*_, a) in zip(catalogue_, rows, strict=True)}
    search = _titles_indexed(SearchIndex(catalogue_))
    if text_index:
        search.build_text_index()
    library = Library(catalogue_, notes, search)
    text = render(expr)
    got = set(library.select(parse(text)))
    expected = {i for i, p in enumerate(catalogue_) if reference(expr, p, notes[p.id])}
    assert got == expected, text


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(VOCAB), max_size=8), min_size=200, max_size=300),
    st.lists(st.lists(query_words, min_size=1, max_size=3), min_size=1, max_size=4),
    st.booleans(),
)
def test_title_queries_typed_key_by_key_from_the_index_give_what_a_scan_gives(
    titles: list[list[str]], queries: list[list[str]], substring: bool
) -> None:
    """Large enough that frequent words keep bitsets and uncovered titles are checked;
    each key narrows the cached results of the keys before it, as typing does."""
    catalogue_ = [paper(i, " ".join(words) or "untitled") for i, words in enumerate(titles)]
    indexed = _titles_indexed(SearchIndex(catalogue_))
    for words in queries:
        body = " ".join(words)
        text = "title:" + ("~" if substring else "") + (f'"{body}"' if len(words) > 1 else body)
        for end in range(len("title:") + 1, len(text) + 1):
            try:
                query = parse(text[:end])
            except QueryError:
                continue
            scanned = SearchIndex(catalogue_).evaluate(query, {}, {})
            assert indexed.evaluate(query, {}, {}) == scanned, text[:end]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(st.sampled_from(VOCAB), max_size=8), min_size=1, max_size=300),
    st.lists(st.lists(query_words, min_size=1, max_size=2), min_size=1, max_size=6),
)
def test_pinned_short_prefixes_of_the_stored_index_answer_what_a_scan_answers(
    tmp_path: Path, abstracts: list[list[str]], queries: list[list[str]]
) -> None:
    """Pinned while another thread searches, as the background stage does (every
    two-letter prefix too, here)."""
    textindex._PIN_WORDS = 1
    try:
        papers_ = [paper(i, f"paper {i}", " ".join(words)) for i, words in enumerate(abstracts)]
        stored = stored_search(tmp_path, papers_)
        assert stored.text_index is not None
        scanned = SearchIndex(papers_)
        pinning = threading.Thread(target=stored.text_index.pin_short_prefixes)
        pinning.start()
        for words in queries:  # a letter at a time, as typed
            text = " ".join(words)
            for end in range(1, len(text) + 1):
                query = parse(text[:end])
                assert stored.evaluate(query, {}, {}) == scanned.evaluate(query, {}, {}), text[:end]
        pinning.join()
    finally:
        textindex._PIN_WORDS = PIN_WORDS
    assert stored.text_index._pinned
    for prefix in stored.text_index._pinned:
        query = parse(prefix)
        assert stored.evaluate(query, {}, {}) == scanned.evaluate(query, {}, {}), prefix
