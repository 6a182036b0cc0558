"""The start's background stage checks the key gate inside its long steps, not only between
them: the titles' texts, the titles' word index and the abstracts' read are each ~0.5 s of
Python at 100,000 papers, and a key typed meanwhile shared the interpreter with all of it
(see readlist/session/gate.py). Each step, cut into pieces, gives what it gave whole."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import readlist.session as session_module
from readlist import search as search_module
from readlist import textindex
from readlist.errors import LibraryError
from readlist.search import SearchIndex
from readlist.session import (
    AbstractsLoaded,
    CatalogueReady,
    IndexReady,
    LibrarySession,
    TitlesIndexed,
)
from readlist.store import Store, startfile, storage
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
    old = textindex.PAUSE_EVERY, textindex._PAUSE_WORK, textindex.SORT_EVERY
    textindex.PAUSE_EVERY = textindex._PAUSE_WORK = textindex.SORT_EVERY = every
    try:
        pauses = Pauses()
        paused = WordIndex(texts, pauses)
    finally:
        textindex.PAUSE_EVERY, textindex._PAUSE_WORK, textindex.SORT_EVERY = old
    assert paused.parts() == WordIndex(texts).parts()
    # Every `every` texts indexed, and while the words' postings are made (one a word
    # at least, at these sizes: a word's work is one position or more).
    words = {word for text in texts for word in text.split()} - {"|"}
    assert pauses.count("__init__") >= max(len(texts) - 1, 0) // every + len(words) // every


@settings(max_examples=100, deadline=None)
@given(words=st.sets(words | st.text(max_size=6)), every=st.integers(1, 9))
def test_words_sorted_in_buckets_are_the_words_sorted_at_once(words: set[str], every: int) -> None:
    old = textindex.SORT_EVERY
    textindex.SORT_EVERY = every
    try:
        pauses = Pauses()
        pieced = textindex._sorted_words(words, pauses)
    finally:
        textindex.SORT_EVERY = old
    assert pieced == sorted(words)
    # A pause every `every` words, and between two buckets' sorts.
    buckets = len({word[:2] for word in words})
    expected = max(len(words) - 1, 0) // every + max(buckets - 1, 0)
    assert pauses.count("_sorted_words") == expected


@settings(max_examples=60, deadline=None)
@given(texts=texts, every=st.integers(1, 5), pairs=st.booleans(), union=st.booleans())
def test_prefixes_found_ahead_with_pauses_are_those_found_at_the_key(
    texts: list[str], every: int, pairs: bool, union: bool
) -> None:
    names = ("_PAUSE_WORDS", "_PAUSE_WORK", "SORT_EVERY", "_VERIFY_LIMIT")
    old = [getattr(textindex, name) for name in names]
    for name in names[:3]:
        setattr(textindex, name, every)
    if union:  # the rare words' positions united (in pieces), not verified in the texts
        textindex._VERIFY_LIMIT = -1
    try:
        pauses = Pauses()
        pinned = WordIndex(texts)
        pinned.pin_short_prefixes(pauses, pairs=pairs)
    finally:
        for name, value in zip(names, old, strict=True):
            setattr(textindex, name, value)
    fresh = WordIndex(texts)
    letters = {word[0] for text in texts for word in text.split() if word != "|"}
    for prefix in sorted(letters) + [a + b for a in "abcde" for b in "abcde"]:
        assert pinned.prefix(prefix) == fresh.prefix(prefix), prefix
    # A pause before each prefix, and within one every `every` of its words.
    assert pauses.count("pin_short_prefixes") >= len(letters)
    if any(sum(w.startswith(a) for w in set(" ".join(texts).split())) > every for a in letters):
        assert pauses.count("_prefix") > 0


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
    monkeypatch.setattr(session_module, "INDEX_ABOVE", 10)
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
    # The text index's one-letter prefixes were found ahead (a query's first key), and
    # answer as the index does at a key.
    index = next(s for s in stages if isinstance(s, IndexReady)).index
    assert index is not None
    fresh = WordIndex(index.texts)
    letters = {w[0] for text in index.texts for w in text.split() if w != "|"}
    assert len(letters) > 10 and set(index._pinned) == letters
    assert all(index.prefix(letter) == fresh.prefix(letter) for letter in letters)


@pytest.mark.usefixtures("small_steps")
def test_a_stored_index_has_its_letters_found_before_the_abstracts_are_read(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start that finds the word index on disk answers text queries from the first
    frame: its one-letter prefixes (a query's first key) are found first in the stage,
    before the abstracts are read, not after them."""
    monkeypatch.setattr(session_module, "TITLES_ABOVE", 10)
    monkeypatch.setattr(session_module, "INDEX_ABOVE", 10)
    list(LibrarySession(sample_store, stage_above=10).load_catalogue())  # writes the index
    session = LibrarySession(Store.open(db, start_file=True), stage_above=10)
    stored = session.stored_index
    assert stored is not None and not stored._pinned
    letters = {w[0] for text in stored.texts for w in text.split() if w != "|"}
    pinned_when_read: list[set[str]] = []
    abstracts = session.store.abstracts

    def read(*args: object, **kwargs: object) -> object:
        pinned_when_read.append(set(stored._pinned))
        return abstracts(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session.store, "abstracts", read)
    stages = list(session.load_catalogue(pause=Pauses()))
    assert any(isinstance(s, AbstractsLoaded) for s in stages)
    assert len(letters) > 10 and pinned_when_read == [letters]
    fresh = WordIndex(list(stored.texts))
    assert all(stored.prefix(letter) == fresh.prefix(letter) for letter in letters)


def abstracts_storage(tmp_path: Path, n: int) -> storage.AtomicJSONStorage:
    kept = storage.AtomicJSONStorage(tmp_path / "a.json", kind="abstracts", by_line=True)
    kept.write({"abstracts": {f"{i:016x}": {"text": f"abstract {i}"} for i in range(n)}})
    return storage.AtomicJSONStorage(tmp_path / "a.json", kind="abstracts", by_line=True)


@pytest.mark.usefixtures("small_steps")
def test_only_the_thread_that_asked_for_pauses_pauses(tmp_path: Path) -> None:
    """The stage's pause waits on the gate the front end holds during a key: a read on
    the front end's thread meanwhile must never call it (it would wait on itself)."""
    abstracts_storage(tmp_path, 50)
    pauses = Pauses()
    other: list[int] = []

    def read_elsewhere() -> None:
        data = storage.loads_by_line(tmp_path / "a.json", "abstracts")
        other.append(len(data["abstracts"]) if data else -1)

    with storage.pausing(pauses):
        thread = threading.Thread(target=read_elsewhere)
        thread.start()
        thread.join()
        assert other == [50] and pauses.callers == []
        storage.loads_by_line(tmp_path / "a.json", "abstracts")
    assert pauses.count("loads_by_line") == 50 // 7


@pytest.mark.usefixtures("small_steps")
def test_a_pause_that_raises_leaves_no_pause_and_no_half_read_version(tmp_path: Path) -> None:
    reader = abstracts_storage(tmp_path, 50)

    def stop() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), storage.pausing(stop):
        reader.read()
    data = reader.read()  # no pause now, and the whole file
    assert data is not None and len(data["abstracts"]) == 50


@pytest.mark.usefixtures("small_steps")
def test_a_write_while_a_read_pauses_is_not_undone_by_the_read(tmp_path: Path) -> None:
    """The front end may write a storage while the stage's read of it pauses: the read
    returns the version it read, and the storage keeps the one written (before, the read
    put its older version back, and the next read parsed the file again)."""
    reader = abstracts_storage(tmp_path, 50)
    written = {"abstracts": {"f" * 16: {"text": "written meanwhile"}}}
    done: list[bool] = []

    def write_once() -> None:
        if not done:
            done.append(True)
            reader.write(written)

    with storage.pausing(write_once):
        old = reader.read()
    assert old is not None and len(old["abstracts"]) == 50
    # ... and knows it is current: it is not read from disk again.
    reader._load = lambda: pytest.fail("read again")  # type: ignore[method-assign]
    now = reader.read()
    assert now is not None and now["abstracts"] == written["abstracts"]


@pytest.mark.usefixtures("small_steps")
def test_a_file_replaced_while_a_paused_read_checks_the_old_one_is_not_backed_up(
    sample_store: Store, db: Path
) -> None:
    """`.bak` is the last version that passed the checks: a damaged file another process
    put in place while this one read (and checked) the old version must not become it."""
    store = Store.open(db)
    path = store.paths.abstracts
    store.abstracts()  # an ordinary read: the good version is backed up
    bak = path.with_name(path.name + ".bak")
    good = path.read_bytes()
    assert bak.read_bytes() == good
    replaced: list[bool] = []

    def replace_with_a_cut_off_copy() -> None:
        if not replaced:
            replaced.append(True)
            cut = path.with_name("cut-off")
            cut.write_bytes(good[: len(good) // 2])
            os.replace(cut, path)

    reader = Store.open(db)
    assert len(reader.abstracts(replace_with_a_cut_off_copy)) == 101  # the old version, whole
    assert replaced and bak.read_bytes() == good
    with pytest.raises(LibraryError, match="abstracts"):
        Store.open(db).abstracts()  # the cut-off file is found out, its backup is good


@pytest.mark.usefixtures("small_steps")
def test_a_start_from_the_start_file_pauses_while_it_parses_the_titles_rows(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The titles are not a column of the start file: the stage's first step parses every
    row (~0.3 s at 100,000 papers) and waits at the gate between pieces of them."""

    first = LibrarySession(Store.open(db, start_file=True), stage_above=10)
    for _stage in first.load_catalogue():  # keeps the start file for the next start
        pass
    first.close()
    monkeypatch.setattr(startfile, "_PIECE", 7)
    store = Store.open(db, start_file=True)
    assert store._start is not None, "the start file was not used"
    session = LibrarySession(store, stage_above=10)
    pauses = Pauses()
    stages = session.load_catalogue(pause=pauses)
    next(stages)  # the titles' texts, then the abstracts
    assert pauses.count("all_rows") == (101 - 1) // 7
    expected = SearchIndex(sample_store.papers()).texts("title")
    assert list(session.library.search.texts("title")) == list(expected)
    for _stage in stages:
        pass
    session.close()
