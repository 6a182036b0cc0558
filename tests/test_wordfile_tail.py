"""The word index's tail (store/wordfile.py): a daily import into a library that keeps a
word index writes the new papers' words to `library.words.tail`, a few KB, instead of
rewriting the ~190 MB index; an enrichment that changes no text rewrites the tail alone.

What a user must get: search from the stored index and its tail answers exactly what a
rebuilt index (and a scan of the abstracts) answers, after any sequence of imports,
removals and enrichments; a damaged, cut-off or stale tail is never used (the index is
rebuilt, as a stale one is); past its size the tail is folded into a new index; a crash
between the catalogue's write and the tail's leaves the pair stale, never wrong.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import patch

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.importers import read_listing
from readlist.models import Paper
from readlist.query import parse
from readlist.query.words import searchable
from readlist.search import SearchIndex
from readlist.session import IndexReady, LibrarySession
from readlist.store import Store, wordfile, wordfold
from readlist.store.doctor import doctor
from readlist.store.storage import signature
from readlist.store.wordfile import read_tail, word_index_path, word_tail_path
from readlist.textindex import IndexParts, WordIndex
from readlist.tui.app import ReadListApp

from .conftest import TODAY
from .crash_child import write_listing
from .test_query_stored import QUERY_WORDS, queries
from .test_query_v2 import VOCAB, paper

CHILD = [sys.executable, str(Path(__file__).with_name("crash_child.py"))]
CHECKED = [
    "zyzzyva",
    "prompt",
    '"prompt tuning"',
    "abstract:tun",
    "title:zq",
    "~yzz",
    "c++",
    "rag OR -x",
    *QUERY_WORDS,
]


def keep_index(db: Path) -> Store:
    """The word index kept as the TUI's first start keeps it (built from every paper)."""
    store = Store.open(db)
    shown = store.papers()
    index = SearchIndex(shown).make_text_index()
    assert store.write_word_index(store.catalogue_versions(), [p.id for p in shown], index)
    return store


def stored_search(db: Path) -> tuple[SearchIndex | None, SearchIndex, list[Paper]]:
    """(search from the stored index and tail as the next TUI start reads them, or None
    if they are stale; a scan of the papers with their abstracts; the papers)."""
    store = Store.open(db)
    shown = store.papers()
    stored = store.word_index([p.id for p in shown])
    if stored is None:
        return None, SearchIndex(shown), shown
    search = SearchIndex([p.with_abstract("") for p in shown])  # a staged start's papers
    search.use_stored_index(stored)
    return search, SearchIndex(shown), shown


def assert_same_answers(db: Path, texts: list[str]) -> None:
    stored, scanned, shown = stored_search(db)
    assert stored is not None, "the stored index is stale"
    rebuilt = SearchIndex(shown)
    rebuilt.build_text_index()
    for text in texts:  # in turn: later queries narrow cached earlier ones
        query = parse(text)
        expected = scanned.evaluate(query, {}, {})
        assert rebuilt.evaluate(query, {}, {}) == expected, text
        assert stored.evaluate(query, {}, {}) == expected, text


def new_papers(first: int, count: int, words: str = "zyzzyva prompt tuning") -> list[Paper]:
    return [
        paper(first + i, f"Zq{first + i:05d} A New Paper on {words}", f"About {words} {i}.")
        for i in range(count)
    ]


def file_state(path: Path) -> tuple[bytes, int, int]:
    st_ = os.stat(path)
    return path.read_bytes(), st_.st_ino, st_.st_mtime_ns


# -- a daily import, an enrichment: the index file is left as it was ------------------------


def test_a_daily_import_writes_a_small_tail_and_leaves_the_word_index_file_as_it_was(
    sample_store: Store,
) -> None:
    db = sample_store.paths.annotations
    keep_index(db)
    index = word_index_path(sample_store.paths)
    before = file_state(index)
    [report] = Store.open(db, catalogue=False).import_listings([new_papers(1, 30)])
    assert len(report.added) == 30
    assert file_state(index) == before, "the word index file was rewritten"
    tail = word_tail_path(sample_store.paths)
    assert tail.stat().st_size < 16_000  # 30 short papers
    assert_same_answers(db, CHECKED)
    stored, _, _ = stored_search(db)
    assert stored is not None and stored.evaluate(parse("zyzzyva"), {}, {}).bit_count() == 30

    # The next page extends the tail; the index file is still not touched.
    Store.open(db, catalogue=False).import_listings([new_papers(100, 30, "sparse routing")])
    assert file_state(index) == before
    held = read_tail(tail)
    assert held is not None and len(held.ids) == 60
    assert_same_answers(db, [*CHECKED, "sparse", '"sparse rout"', "routing"])


def test_an_enrichment_that_changes_no_text_leaves_the_word_index_file_as_it_was(
    sample_store: Store,
) -> None:
    """Names and ids added to papers (`readlist enrich`): the catalogue is written, the
    texts are the same; the index stays current through the tail, not by a copy of the
    whole index file with a new header (193 MB at 100,000 papers)."""
    db = sample_store.paths.annotations
    keep_index(db)
    index = word_index_path(sample_store.paths)
    before = file_state(index)
    some = Store.open(db).papers()[:5]
    enriched = [replace(p, id="", organization="Example Lab", comments=7) for p in some]
    [report] = Store.open(db, catalogue=False).import_listings([enriched])
    assert sorted(report.updated) == sorted(p.id for p in some) and not report.added
    assert file_state(index) == before, "the word index file was rewritten"
    assert_same_answers(db, CHECKED)
    # An enrichment after a daily page keeps the page's words in the tail.
    Store.open(db, catalogue=False).import_listings([new_papers(1, 3)])
    again = [replace(p, id="", organization="Another Lab") for p in some]
    Store.open(db, catalogue=False).import_listings([again])
    assert file_state(index) == before
    assert_same_answers(db, CHECKED)
    stored, _, _ = stored_search(db)
    assert stored is not None and stored.evaluate(parse("zyzzyva"), {}, {}).bit_count() == 3


# -- the tail never gives a wrong answer -------------------------------------------------------


def test_a_damaged_cut_off_or_stale_tail_is_never_used(sample_store: Store) -> None:
    db = sample_store.paths.annotations
    keep_index(db)
    Store.open(db, catalogue=False).import_listings([new_papers(1, 4)])
    tail = word_tail_path(sample_store.paths)
    whole = tail.read_bytes()
    assert stored_search(db)[0] is not None

    def used() -> bool:
        return stored_search(db)[0] is not None

    for cut in range(0, len(whole), 7):
        tail.write_bytes(whole[:cut])
        assert not used(), f"a tail cut at {cut} of {len(whole)} bytes was used"
    header_end = whole.index(b"\n")
    body = whole[header_end + 1 :]
    text_at = header_end + 1 + body.index(b"zyzzyva")
    for at in (5, header_end // 2, header_end + 3, text_at + 1, len(whole) - 3):
        damaged = bytearray(whole)
        damaged[at] ^= 0x01  # a letter of a text changed: still valid JSON
        tail.write_bytes(bytes(damaged))
        assert not used(), f"a tail with byte {at} changed was used"

    header = orjson.loads(whole[:header_end])
    for key, value in [
        ("index", [[1, 2, 3], header["index"][1]]),  # the tail of another index
        ("base", header["base"] - 1),
        ("now", [header["now"][0], None]),  # written for another catalogue
        ("tokens", header["tokens"] + 1),  # words cut another way
    ]:
        other = {**header, key: value}
        tail.write_bytes(orjson.dumps(other) + b"\n" + body)
        assert not used(), f"a tail with another {key} was used"
    # Other ids (another order of the library's new papers): the checksum holds, the ids
    # do not pair with the library's.
    tail.write_bytes(whole)
    held = read_tail(tail)
    assert held is not None
    wordfile.write_tail(tail, replace(held, ids=held.ids[::-1], texts=held.texts[::-1]))
    assert not used(), "a tail with its papers in another order was used"
    tail.write_bytes(whole)
    assert used()

    # A later change of the catalogue (a removal) makes index and tail stale together;
    # then the TUI rebuilds the index, and the old tail is gone with it.
    store = Store.open(db)
    store.set_removed([store.papers()[0].id], True)
    assert not used()
    keep_index(db)
    assert not tail.exists()
    assert_same_answers(db, CHECKED)

    tail.unlink(missing_ok=True)
    os.mkfifo(tail)  # never opened for reading as if it were a tail (that would block)
    assert used()


# -- folding past the size -------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["papers", "bytes"])
def test_the_tail_is_folded_into_a_new_index_past_its_size(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch, limit: str
) -> None:
    if limit == "papers":
        monkeypatch.setattr(wordfile, "IMPORT_FOLD_PAPERS", 40)
    db = sample_store.paths.annotations
    keep_index(db)
    index, tail = word_index_path(sample_store.paths), word_tail_path(sample_store.paths)
    before = file_state(index)
    Store.open(db, catalogue=False).import_listings([new_papers(1, 30)])
    assert file_state(index) == before and tail.exists()
    if limit == "bytes":  # room for the first page's texts, not for a second page's
        held = read_tail(tail)
        assert held is not None
        monkeypatch.setattr(wordfile, "IMPORT_FOLD_BYTES", sum(map(len, held.texts)) + 10)
    first = read_tail(tail)
    assert first is not None
    Store.open(db, catalogue=False).import_listings([new_papers(100, 30, "sparse routing")])
    assert file_state(index) != before, "the tail was not folded"
    # The first page went into the index; this import's papers are the new tail (so
    # that its undo is a shorter tail, not a stale index).
    second = read_tail(tail)
    assert second is not None and second.base == first.base + 30
    assert len(second.ids) == 30 and not set(second.ids) & set(first.ids)
    assert_same_answers(db, [*CHECKED, "sparse", '"sparse rout"'])
    folded = file_state(index)
    Store.open(db, catalogue=False).import_listings([new_papers(200, 2, "dense experts")])
    assert file_state(index) == folded and tail.exists()  # a new tail of the new index
    assert_same_answers(db, [*CHECKED, "dense", "sparse"])


def test_a_tui_start_folds_a_long_tail_into_the_index_file_in_the_background(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Imports leave a tail past the TUI's fold limit (but under the import's own): the
    import does not fold (its page stays quick); the next TUI start reads index and
    tail, then folds them in its background stage, all but the latest import's papers,
    which make the new tail (so that its undo is a shorter tail). The new pair is
    current and answers what a rebuilt index answers, also after that undo."""
    monkeypatch.setattr(wordfile, "FOLD_PAPERS", 40)
    db = sample_store.paths.annotations
    keep_index(db)
    index, tail = word_index_path(sample_store.paths), word_tail_path(sample_store.paths)
    before = file_state(index)
    for first in (1, 100):
        store = Store.open(db, catalogue=False)
        [report] = store.import_listings([new_papers(first, 30)])
        store.record_added(report.added, "imported a page")
    assert file_state(index) == before, "the import folded the tail"
    held = read_tail(tail)
    assert held is not None and len(held.ids) == 60

    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)  # as if it were a large library
    session = LibrarySession.open(db, stage_above=0)
    assert (
        session.staged and session.stored_index is not None
    )  # the first frame searches index and tail
    stages = list(session.load_catalogue())
    assert any(isinstance(stage, IndexReady) for stage in stages)
    assert file_state(index) != before, "the tail was not folded"
    kept = read_tail(tail)
    assert kept is not None and kept.ids == held.ids[30:] and kept.base == held.base + 30
    assert_same_answers(db, [*CHECKED, "zyzzyva", "title:zq001"])
    fresh = Store.open(db)
    fresh.papers()
    assert not fresh.fold_word_index(fresh.catalogue_versions())  # nothing more to fold
    assert Store.open(db).undo() is not None
    stored, _, _ = stored_search(db)
    assert stored is not None, "the undo after the TUI's fold made the word index stale"
    assert stored.evaluate(parse("title:zq001"), {}, {}) == 0
    assert_same_answers(db, [*CHECKED, "zyzzyva"])


def test_the_tui_fold_writes_without_the_lock_and_gives_way_to_a_change_meanwhile(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI's fold writes the new index file without the library's lock (a rating
    made meanwhile does not wait for it) and puts it in place under the lock only if
    the catalogue is still the one it folded: an import in between wins, and the pair
    it left is what the next start reads."""
    monkeypatch.setattr(wordfile, "FOLD_PAPERS", 10)
    db = sample_store.paths.annotations
    keep_index(db)
    Store.open(db, catalogue=False).import_listings([new_papers(1, 30)])
    index = word_index_path(sample_store.paths)
    before = file_state(index)
    store = Store.open(db)
    store.papers()
    real = wordfold.prepare

    def prepare_then_import(*args: Any) -> Path | None:
        staged = real(*args)
        # Another process could not write now if the fold held the lock.
        with Store.open(db, catalogue=False) as other:
            other.import_listings([new_papers(100, 2, "dense experts")])
        return staged

    monkeypatch.setattr(wordfold, "prepare", prepare_then_import)
    monkeypatch.setattr("readlist.store.store.LOCK_TIMEOUT", 1.0)
    assert not store.fold_word_index(store.catalogue_versions())
    assert file_state(index) == before
    assert not [p for p in index.parent.iterdir() if ".tmp-" in p.name]  # none left
    held = read_tail(word_tail_path(sample_store.paths))
    assert held is not None and len(held.ids) == 32
    assert_same_answers(db, [*CHECKED, "dense"])


def test_the_undo_and_redo_of_a_daily_import_keep_the_word_index_current(
    sample_store: Store,
) -> None:
    """Undoing an import removes its papers again, redoing brings them back: when they
    are the tail's papers, the tail alone is written (shorter, then as long again) and
    the pair stays current, where the next TUI start rebuilt the index (~20 s of CPU
    at 100,000 papers). Removing and restoring one of today's papers does the same; a
    paper of the index file itself removed leaves it stale (rebuilt)."""
    db = sample_store.paths.annotations
    keep_index(db)
    index, tail = word_index_path(sample_store.paths), word_tail_path(sample_store.paths)
    before = file_state(index)
    store = Store.open(db, catalogue=False)
    [report] = store.import_listings([new_papers(1, 30)])
    store.record_added(report.added, "imported page.txt")

    def found(query: str) -> int | None:
        stored, _, _ = stored_search(db)
        return None if stored is None else stored.evaluate(parse(query), {}, {}).bit_count()

    assert found("zyzzyva") == 30
    undone = Store.open(db).undo()
    assert undone is not None and len(undone.restored) == 30
    assert found("zyzzyva") == 0, "the undo of an import made the word index stale"
    assert_same_answers(db, CHECKED)
    held = read_tail(tail)
    assert held is not None and held.ids == [] and len(held.parked) == 30
    redone = Store.open(db).redo()
    assert redone is not None and len(redone.restored) == 30
    assert found("zyzzyva") == 30, "the redo of an import made the word index stale"
    assert_same_answers(db, CHECKED)

    today = Store.open(db).papers()[-1]
    Store.open(db).set_removed([today.id], True)
    assert found("zyzzyva") == 29
    Store.open(db).set_removed([today.id], False)
    assert found("zyzzyva") == 30
    assert_same_answers(db, CHECKED)
    assert file_state(index) == before, "the word index file was rewritten"

    older = Store.open(db).papers()[0]
    Store.open(db).set_removed([older.id], True)
    assert found("zyzzyva") is None  # stale: rebuilt by the next start, never wrong


def test_the_undo_of_an_import_that_folded_the_tail_keeps_the_word_index_current(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import that passes the tail's limit folds the tail so far into the index
    file and keeps its own papers as the new tail, so that its undo is a shorter tail."""
    monkeypatch.setattr(wordfile, "IMPORT_FOLD_PAPERS", 40)
    db = sample_store.paths.annotations
    keep_index(db)
    index = word_index_path(sample_store.paths)
    Store.open(db, catalogue=False).import_listings([new_papers(1, 30)])
    before = file_state(index)
    store = Store.open(db, catalogue=False)
    [report] = store.import_listings([new_papers(100, 30, "sparse routing")])
    store.record_added(report.added, "imported page.txt")
    assert file_state(index) != before, "the tail was not folded"
    assert Store.open(db).undo() is not None
    stored, _, _ = stored_search(db)
    assert stored is not None, "the undo made the word index stale"
    assert stored.evaluate(parse("title:zq001"), {}, {}) == 0  # the undone page
    assert stored.evaluate(parse("zyzzyva"), {}, {}).bit_count() == 30
    assert_same_answers(db, [*CHECKED, "sparse", "routing"])


texts_of = st.lists(
    st.lists(st.sampled_from([*VOCAB[:40], "é", "ü", "the", "a"]), max_size=12).map(
        lambda ws: searchable(" ".join(ws[:3]), " ".join(ws[3:]))
    ),
    max_size=90,
)


@settings(max_examples=120, deadline=None)
@given(texts_of, texts_of, st.sampled_from([1 / 64, 1 / 8, 1 / 3]))
def test_a_folded_index_file_is_byte_for_byte_a_fresh_build(
    first: list[str], then: list[str], share: float
) -> None:
    """Index of `first`, folded with `then` (wordfold), equals the index of both built
    afresh, byte for byte: every word's postings, which words keep bitsets (with a
    share that makes words cross the limit both ways as the library grows), the
    vocabulary, texts and ids. (Sizes across byte boundaries of the bitsets.)"""
    ids = [f"{i:016x}" for i in range(len(first) + len(then))]
    old, new = [[1, 2, 3], [4, 5, 6]], [[7, 8, 9], None]
    with (
        tempfile.TemporaryDirectory() as folder,
        patch("readlist.textindex._FREQUENT_SHARE", share),
        patch("readlist.textindex.frequent_threshold", lambda n: max(2, int(n * share))),
        patch("readlist.store.wordfold.frequent_threshold", lambda n: max(2, int(n * share))),
    ):
        folded, built = Path(folder) / "a.words.idx", Path(folder) / "b.words.idx"
        wordfile.write_word_index(folded, (old[0], old[1]), ids[: len(first)], parts_of(first))
        assert wordfold.fold(folded, old, new, ids[len(first) :], then)
        wordfile.write_word_index(built, (new[0], new[1]), ids, parts_of([*first, *then]))
        assert folded.read_bytes() == built.read_bytes()


def parts_of(texts: list[str]) -> IndexParts:
    return WordIndex(texts).parts()


# -- any sequence of changes ------------------------------------------------------------------

words = st.lists(st.sampled_from(VOCAB), max_size=6).map(" ".join)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.lists(st.tuples(words, words), min_size=1, max_size=6)),
        st.tuples(st.just("remove"), st.integers(0, 1000)),
        st.tuples(st.just("restore"), st.integers(0, 1000)),
        st.tuples(st.just("enrich"), st.integers(0, 1000)),
        st.tuples(st.just("reword"), st.integers(0, 1000)),
        st.tuples(st.just("start"), st.integers(0, 0)),
        st.tuples(st.just("undo"), st.integers(0, 0)),
        st.tuples(st.just("redo"), st.integers(0, 0)),
    ),
    max_size=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(words, words), min_size=1, max_size=25),
    steps,
    st.lists(queries, min_size=1, max_size=5),
)
def test_search_with_the_tail_answers_what_a_rebuilt_index_answers(
    rows: list[tuple[str, str]], changes: list[tuple[str, object]], texts: list[str]
) -> None:
    """Generated libraries, then imports (adding papers), removals, restores,
    enrichments (no text changed), imports that change an abstract, undos and redos
    (of imports and removals) and TUI starts (which fold a tail past 2 papers), with an
    import's fold limit of 3 papers: after each, the index and tail the next start
    reads are current or stale as the change says (a change that only removes or
    brings back the tail's papers keeps them current), and when current they answer
    what a rebuilt index and a scan answer."""
    with (
        tempfile.TemporaryDirectory() as folder,
        patch.object(wordfile, "FOLD_PAPERS", 2),
        patch.object(wordfile, "IMPORT_FOLD_PAPERS", 3),
    ):
        db = Path(folder) / "library.json"
        counter = iter(range(10**6))

        def added(pairs: list[tuple[str, str]]) -> list[Paper]:
            return [
                paper(n, f"Zq{n:05d} {title}".strip(), abstract)
                for n, (title, abstract) in zip(counter, pairs, strict=False)
            ]

        Store.open(db).import_listings([added(rows)])
        keep_index(db)
        for change, argument in changes:
            store = Store.open(db)
            every = store.all_papers()
            pick = every[int(argument) % len(every)] if isinstance(argument, int) else None
            current = store.word_index([p.id for p in store.papers()]) is not None
            tail = read_tail(word_tail_path(store.paths)) if current else None
            moved: list[str] = []  # papers removed or brought back
            if change == "add":
                reports = store.import_listings([added(argument)])  # type: ignore[arg-type]
                store.record_added([pid for r in reports for pid in r.added], "imported")
            elif change == "remove" and pick is not None:
                moved = store.set_removed([pick.id], True)
            elif change == "restore" and pick is not None:
                moved = store.set_removed([pick.id], False)
            elif change in ("undo", "redo"):
                undone = store.redo() if change == "redo" else store.undo()
                moved = undone.restored if undone is not None else []
            elif change == "enrich" and pick is not None:
                store.import_listings([[replace(pick, id="", organization=f"Lab {argument}")]])
            elif change == "reword" and pick is not None:
                longer = replace(pick, id="", abstract=f"{pick.abstract} zyzzyva prompt tuning")
                store.import_listings([[longer]])
            stored, _, _ = stored_search(db)
            if change in ("add", "enrich") and current:
                assert stored is not None, f"{change} made a current index stale"
            if tail is not None and moved and set(moved) <= {*tail.ids, *tail.parked}:
                assert stored is not None, f"{change} of the tail's papers made the index stale"
            if stored is None:  # the TUI's start rebuilds it
                keep_index(db)
            elif change == "start":  # ... or folds a long tail, in the background
                opened = Store.open(db)
                opened.papers()
                opened.fold_word_index(opened.catalogue_versions())
            assert_same_answers(db, [*texts, "zyzzyva", '"prompt tun'])


# -- crash safety ---------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["import", "import-words-fold", "undo", "fold-words"])
def test_a_daily_import_killed_at_every_step_leaves_the_index_current_or_stale(
    tmp_path: Path, what: str
) -> None:
    """A 30-paper page imported into a library with a word index and a tail (one that
    folds the tail, or the undo of the last page, or the TUI's fold of the tail),
    SIGKILLed right before each file-system call (see tests/test_crash_safety.py):
    after every kill the index and tail the next start reads are either stale (then
    rebuilt) or current and answering what a scan answers; never the old tail over the
    new catalogue."""
    db = tmp_path / "lib" / "library.json"
    listing = tmp_path / "old.txt"
    write_listing(listing, 300, seed=1, prefix="Old")
    Store.open(db).import_listings([read_listing(listing, today=TODAY).papers])
    keep_index(db)
    earlier = tmp_path / "earlier.txt"
    write_listing(earlier, 30, seed=3, prefix="Earlier")
    store = Store.open(db)
    [report] = store.import_listings([read_listing(earlier, today=TODAY).papers])
    store.record_added(report.added, "imported earlier.txt")
    if what == "fold-words":  # a second page: the fold keeps it as the new tail
        later = tmp_path / "later.txt"
        write_listing(later, 10, seed=5, prefix="Later")
        Store.open(db).import_listings([read_listing(later, today=TODAY).papers])
    assert read_tail(word_tail_path(Store(db).paths)) is not None
    page = tmp_path / "page.txt"
    write_listing(page, 30, seed=7, prefix="Morning")
    pristine = {p.name: p.read_bytes() for p in db.parent.iterdir() if p.is_file()}
    texts = ["morning", "earlier", '"sparse memory"', "old 1 number 2", "~ontrast", "title:morn"]

    def run(step: int) -> subprocess.CompletedProcess[str]:
        for path in db.parent.iterdir():
            if path.is_file() and path.name not in pristine:
                path.unlink()
        for name, blob in pristine.items():
            db.with_name(name).write_bytes(blob)
        # Restored files have new versions: name index and tail for them, as they were.
        index = word_index_path(Store(db).paths)
        assert Store.open(db).rebuild_identity_index()
        header_end = pristine[index.name].index(b"\n")
        header = orjson.loads(pristine[index.name][:header_end])
        tail = read_tail(word_tail_path(Store(db).paths))
        assert tail is not None
        versions: list[list[int] | None] = [
            list(signature(db.with_name(n)) or ())
            for n in ("library.papers.json", "library.abstracts.json")
        ]
        header["papers"], header["abstracts"] = versions
        index.write_bytes(orjson.dumps(header) + b"\n" + pristine[index.name][header_end + 1 :])
        wordfile.write_tail(
            word_tail_path(Store(db).paths),
            replace(tail, index=versions, now=versions),
        )
        assert stored_search(db)[0] is not None
        return subprocess.run(
            [*CHILD, "killed-at-step", str(db), what, str(page), str(step)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run(10**9).returncode == 0
    assert_same_answers(db, texts)
    outcomes = {"current": 0, "stale": 0}
    kills = 0
    while (done := run(kills + 1)).returncode != 0:
        assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
        kills += 1
        stored, scanned, _ = stored_search(db)
        if stored is None:
            outcomes["stale"] += 1
            continue
        outcomes["current"] += 1
        for text in texts:
            query = parse(text)
            assert stored.evaluate(query, {}, {}) == scanned.evaluate(query, {}, {}), (kills, text)
    print(f"\n{what} into an index with a tail: {kills} SIGKILLs, {outcomes}")  # with -s
    assert kills >= 4 and outcomes["current"] and outcomes["stale"], outcomes


# -- doctor, the TUI -------------------------------------------------------------------------


def test_doctor_says_whether_the_tail_is_current(sample_store: Store) -> None:
    db = sample_store.paths.annotations

    def said() -> str:
        out = io.StringIO()
        assert doctor(db, repair=False, out=out) == 0  # derived data: never a problem
        return out.getvalue()

    keep_index(db)
    assert "words.tail" not in said()
    Store.open(db, catalogue=False).import_listings([new_papers(1, 30)])
    assert (
        "  library.words.tail: current: 30 paper(s) added since library.words.idx was written\n"
        in said()
    )
    some = Store.open(db).papers()[:2]
    Store.open(db, catalogue=False).import_listings(
        [[replace(p, id="", organization="Example Lab") for p in some]]
    )
    assert "library.words.tail: current: 30 paper(s) added" in said()
    store = Store.open(db)
    store.set_removed([some[0].id], True)
    assert (
        "  library.words.tail: stale or damaged (the word index is rebuilt by the next TUI start)\n"
        in said()
    )


async def test_the_first_frame_searches_the_papers_of_the_tail_without_a_rebuild(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sample_store.paths.annotations
    keep_index(db)
    Store.open(db, catalogue=False).import_listings([new_papers(1, 3)])
    assert word_tail_path(sample_store.paths).exists()

    def no_build(self: SearchIndex) -> None:
        raise AssertionError("the word index was built again")

    monkeypatch.setattr(SearchIndex, "make_text_index", no_build)
    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)  # as if it were a large library
    store = Store.open(db)
    app = ReadListApp(store, copy=lambda t, f: "x", watch_interval=3600, stage_above=0)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.abstracts_searched and not app.catalogue_loaded
        await pilot.press("slash", *"zyzzyva")
        assert app.shown == 3
        await pilot.press(*(["backspace"] * 7), *'"new paper on zyz')
        assert app.shown == 3
        await app.workers.wait_for_complete()
        for _ in range(100):  # the catalogue comes in at a pause in typing (stagequeue.py)
            if app.search_ready:
                break
            await pilot.pause(0.05)
        assert app.search_ready and app.shown == 3
