"""The start's background stage checks the key gate inside its long steps, not only between
them: the titles' texts, the titles' word index and the abstracts' read are each ~0.5 s of
Python at 100,000 papers, and a key typed meanwhile shared the interpreter with all of it
(see readlist/session/gate.py). Each step, cut into pieces, gives what it gave whole."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import readlist.session as session_module
from readlist import search as search_module
from readlist import textindex
from readlist.search import SearchIndex
from readlist.session import CatalogueReady, LibrarySession, TitlesIndexed
from readlist.store import Store, storage
from readlist.textindex import WordIndex


class Pauses:
    """A `pause` that records which function called it."""

    def __init__(self) -> None:
        self.callers: list[str] = []

    def __call__(self) -> None:
        self.callers.append(sys._getframe(1).f_code.co_name)

    def count(self, caller: str) -> int:
        return self.callers.count(caller)


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 7, so that a 101-paper library makes many of them."""
    monkeypatch.setattr(storage, "PAUSE_LINES", 7)
    monkeypatch.setattr(search_module, "STEP", 7)
    monkeypatch.setattr(textindex, "PAUSE_EVERY", 7)


words = st.text(alphabet="abcde", min_size=1, max_size=4)
texts = st.lists(st.lists(words, max_size=6).map(lambda ws: " " + " ".join(ws) + " "), max_size=60)


@settings(max_examples=60, deadline=None)
@given(texts=texts, every=st.integers(1, 9))
def test_a_word_index_built_with_pauses_is_the_one_built_without(
    texts: list[str], every: int
) -> None:
    old = textindex.PAUSE_EVERY
    textindex.PAUSE_EVERY = every
    try:
        pauses = Pauses()
        paused = WordIndex(texts, pauses)
    finally:
        textindex.PAUSE_EVERY = old
    assert paused.parts() == WordIndex(texts).parts()
    assert pauses.count("__init__") == len(texts) // every


@pytest.mark.usefixtures("small_steps")
def test_titles_made_in_steps_are_the_titles_made_at_once(sample_store: Store) -> None:
    papers = sample_store.papers()
    pauses = Pauses()
    stepped = SearchIndex(papers).texts("title", pauses)
    assert list(stepped) == list(SearchIndex(papers).texts("title"))
    assert pauses.count("_in_steps") == (len(papers) - 1) // 7


@pytest.mark.usefixtures("small_steps")
def test_abstracts_read_with_pauses_are_the_abstracts_read_without(
    sample_store: Store, db: Path
) -> None:
    pauses = Pauses()
    paused = Store.open(db).abstracts(pauses)
    assert paused == Store.open(db).abstracts()
    assert len(paused) == 101
    assert pauses.count("loads_by_line") == 101 // 7
    # Outside the call, this thread's reads do not pause.
    Store.open(db).abstracts()
    assert pauses.count("loads_by_line") == 101 // 7


@pytest.mark.usefixtures("small_steps")
def test_the_stage_pauses_inside_its_long_steps(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "TITLES_ABOVE", 10)
    session = LibrarySession(sample_store, stage_above=10)
    pauses = Pauses()
    stages = list(session.load_catalogue(pause=pauses))
    titles = next(s for s in stages if isinstance(s, TitlesIndexed))
    for step in ("_in_steps", "loads_by_line", "__init__"):  # titles, abstracts, index
        assert pauses.count(step) >= 101 // 7 - 1, (step, pauses.callers)
    # What the stage built in pieces is what is built at once, for the papers it gave.
    ready = next(s for s in stages if isinstance(s, CatalogueReady))
    at_once = SearchIndex(ready.papers).texts("title")
    assert list(titles.index.texts) == list(at_once) and len(at_once) == 101
    assert titles.index.parts() == WordIndex(at_once).parts()
