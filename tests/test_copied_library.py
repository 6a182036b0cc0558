"""A copied library (new inodes and mtimes, the same bytes) starts from its derived files:
the start file and the identity index record the papers file's fingerprint
(`storage.fingerprint`), so they stay current across a copy, and read as stale as soon
as a single byte of the papers file differs."""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from readlist.errors import LibraryError
from readlist.library import Library
from readlist.models import Paper
from readlist.paths import recent_path
from readlist.query import parse
from readlist.search import SearchIndex
from readlist.session import CatalogueReady, IndexReady, LibrarySession
from readlist.store import Store
from readlist.store import store as store_module
from readlist.store.doctor import doctor
from readlist.store.identity import identity_index_path, read_identity_index
from readlist.store.startfile import read_start_file, start_file_path, start_tail_path
from readlist.store.storage import AtomicJSONStorage, SameContent, fingerprint, signature
from readlist.store.wordfile import restamp_copy, word_index_path, word_tail_path

from .test_store_startfile import staged_start


def copy_library(db: Path, folder: Path) -> Path:
    """A copy as `cp -r` makes it: new inodes, new mtimes (no metadata copied)."""
    folder.mkdir(parents=True)
    for path in db.parent.iterdir():
        if path.is_file():
            shutil.copyfile(path, folder / path.name)
    return folder / db.name


@pytest.fixture
def kept(sample_store: Store, db: Path) -> Path:
    """The sample library after a TUI start: start file and identity index written."""
    first = sample_store.papers(with_abstracts=False)[0].id
    sample_store.set_removed([first], removed=True)
    staged_start(db)
    assert start_file_path(Store(db).paths).exists()
    return db


@pytest.fixture
def copied(kept: Path, tmp_path: Path) -> Path:
    return copy_library(kept, tmp_path / "copy")


class Reads:
    """Which library files were read whole, and how many documents were checked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loaded: list[str] = []
        self.checked: list[str] = []
        load = AtomicJSONStorage._load

        def spy_load(storage: AtomicJSONStorage) -> object:
            self.loaded.append(storage.kind)
            return load(storage)

        monkeypatch.setattr(AtomicJSONStorage, "_load", spy_load)
        validators = dict(store_module.VALIDATORS)
        check = validators["papers"]

        def spy_check(path: Path, docs: object) -> None:
            self.checked.append(path.name)
            check(path, docs)  # type: ignore[arg-type]

        validators["papers"] = spy_check
        monkeypatch.setattr(store_module, "VALIDATORS", validators)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    yield Reads(monkeypatch)


def _header(path: Path) -> dict[str, object]:
    header = orjson.loads(path.read_bytes().split(b"\n", 1)[0])
    assert isinstance(header, dict)
    return header


def test_a_copied_library_starts_from_its_start_file_without_reading_the_papers_file(
    kept: Path, copied: Path, reads: Reads
) -> None:
    papers = Store(copied).paths.papers
    assert signature(papers) != signature(Store(kept).paths.papers)
    store = Store.open(copied, start_file=True)
    assert store._start is not None and store._start.copied
    lazy = store.lazy_papers()
    assert lazy is not None
    shown = [lazy[i] for i in range(40)]
    assert "papers" not in reads.loaded and not reads.checked
    # What it shows is what the papers file holds.
    expected = Store.open(kept).papers(with_abstracts=False)
    assert shown == expected[:40] and len(lazy) == len(expected) == 100


def test_the_next_start_of_a_copy_restamps_both_files_and_takes_the_fast_path(
    copied: Path, reads: Reads
) -> None:
    paths = Store(copied).paths
    version = signature(paths.papers)
    assert version is not None
    staged_start(copied)  # its background stage restamps them
    for path in (start_file_path(paths), identity_index_path(paths)):
        header = _header(path)
        assert header["papers"] == list(version), path.name
        assert header["papers_sha256"] == list(fingerprint(paths.papers, version) or ()), path.name
    store = Store.open(copied, start_file=True)
    assert store._start is not None and not store._start.copied
    index = read_identity_index(identity_index_path(paths), version)  # by signature alone
    assert index is not None and not index.copied


def test_a_copy_without_a_start_file_is_vouched_for_by_its_identity_index(
    kept: Path, copied: Path, reads: Reads
) -> None:
    start_file_path(Store(copied).paths).unlink()
    store = Store.open(copied, start_file=True)
    assert store._start is None
    assert "papers" in reads.loaded  # read whole: no start file
    assert not reads.checked  # but not checked document by document: the index vouches
    assert store.papers() == Store.open(kept).papers()


def test_an_edited_copy_without_a_start_file_is_checked_whole(copied: Path, reads: Reads) -> None:
    paths = Store(copied).paths
    start_file_path(paths).unlink()
    blob = paths.papers.read_bytes()
    title = Store.open(copied).papers()[0].title
    reads.checked.clear()
    edited = blob.replace(title.encode(), title[::-1].encode(), 1)
    assert len(edited) == len(blob) and edited != blob
    paths.papers.write_bytes(edited)  # in place: same size, new mtime
    store = Store.open(copied, start_file=True)
    assert reads.checked == [paths.papers.name]
    assert store.papers()[0].title == title[::-1]


def test_a_copy_with_a_tail_reads_as_stale(kept: Path, copied: Path) -> None:
    """The start file's fingerprint is of the papers file before the tail's writes."""
    from readlist.models import paper_id

    new = Paper(id=paper_id("A paper added by import"), title="A paper added by import")
    Store.open(kept).import_listings([[new]])
    tail = start_tail_path(start_file_path(Store(kept).paths))
    assert tail.exists()
    again = copy_library(kept, kept.parent.parent / "copy2")
    store = Store.open(again, start_file=True)
    assert store._start is None
    assert new.id in {p.id for p in store.papers(with_abstracts=False)}


def test_derived_files_without_a_fingerprint_still_work_by_signature(kept: Path) -> None:
    paths = Store(kept).paths
    for path in (start_file_path(paths), identity_index_path(paths)):
        head, rest = path.read_bytes().split(b"\n", 1)
        header = orjson.loads(head)
        del header["papers_sha256"]  # as an older readlist wrote it
        path.write_bytes(orjson.dumps(header) + b"\n" + rest)
    store = Store.open(kept, start_file=True)
    assert store._start is not None and store._start.papers_sum is None
    version = signature(paths.papers)
    assert version is not None
    assert read_identity_index(identity_index_path(paths), version) is not None
    # A copy of those cannot prove itself current: stale, read as before.
    copy = copy_library(kept, kept.parent.parent / "old-copy")
    copy_paths = Store(copy).paths
    copy_version = signature(copy_paths.papers)
    assert copy_version is not None
    assert Store.open(copy, start_file=True)._start is None
    same = SameContent(copy_paths.papers)
    assert read_identity_index(identity_index_path(copy_paths), copy_version, same) is None
    # The next TUI start of the original records the fingerprints.
    staged_start(kept)
    assert "papers_sha256" in _header(start_file_path(paths))
    assert "papers_sha256" in _header(identity_index_path(paths))


def test_doctor_calls_the_derived_files_of_a_copy_current(copied: Path) -> None:
    out = io.StringIO()
    assert doctor(copied, repair=False, out=out) == 0
    text = out.getvalue()
    assert "library.start.json: current (a copy of the library" in text
    assert "library.identity.idx: current (a copy of the library" in text
    papers = Store(copied).paths.papers
    papers.write_bytes(papers.read_bytes().replace(b'"title":"', b'"title":"X', 1))
    out = io.StringIO()
    doctor(copied, repair=False, out=out)
    text = out.getvalue()
    assert "library.start.json: stale or damaged" in text
    assert "library.identity.idx: stale or damaged" in text


_EDIT = st.tuples(
    st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
    st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    st.integers(min_value=0, max_value=255),
)


def edited(original: bytes, edits: list[tuple[str, float, int]]) -> bytes:
    """`original` with `edits` (kind, where as a fraction of the length, a byte) applied."""
    blob = bytearray(original)
    for kind, where, value in edits:
        at = int(where * len(blob))
        if not blob:
            blob[:] = bytes([value])  # all cut off: something else written
        elif kind == "flip":
            blob[at] ^= 1 << (value % 8)
        elif kind == "set":
            blob[at] = value
        elif kind == "insert":
            blob[at:at] = bytes([value])
        elif kind == "delete":
            del blob[at]
        else:
            del blob[at:]
    return bytes(blob)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(_EDIT, min_size=1, max_size=3))
def test_any_change_to_the_papers_files_bytes_makes_the_derived_files_stale(
    kept: Path, edits: list[tuple[str, float, int]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_library(kept, Path(tmp) / "lib")
        paths = Store(copy).paths
        blob = edited(paths.papers.read_bytes(), edits)
        assume(blob != paths.papers.read_bytes())
        paths.papers.write_bytes(blob)
        version = signature(paths.papers)
        assert version is not None
        same = SameContent(paths.papers)
        assert read_start_file(start_file_path(paths), version, same) is None
        assert read_identity_index(identity_index_path(paths), version, same) is None
        try:
            store = Store.open(copy, start_file=True)
        except LibraryError:
            return  # damaged: reported, as without derived files
        assert store._start is None


# -- the word index: checked by its fingerprints in the background stage ----------------


WORD = "forgetting"


def stages_of(db: Path) -> list[object]:
    session = LibrarySession(Store.open(db, start_file=True), stage_above=10)
    try:
        assert session.staged
        return list(session.load_catalogue())
    finally:
        session.close()


def index_stage(stages: list[object]) -> IndexReady:
    (ready,) = [s for s in stages if isinstance(s, IndexReady)]
    return ready


def matches(search: SearchIndex, papers: list[Paper], query: str) -> list[str]:
    return [papers[i].id for i in Library(papers, {}, search).select(parse(query))]


@pytest.fixture
def indexed(kept: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`kept` after a TUI start that built and stored its word index."""
    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)  # index even 101 papers
    stages = stages_of(kept)
    assert index_stage(stages).index is not None  # built here
    assert word_index_path(Store(kept).paths).exists()
    return kept


def test_a_copied_librarys_word_index_is_used_without_a_rebuild(
    indexed: Path, tmp_path: Path
) -> None:
    papers = Store.open(indexed).papers()
    expected = [papers[i].id for i in Library(papers, {}).select(parse(WORD))]
    assert expected
    copy = copy_library(indexed, tmp_path / "copy")
    ready = index_stage(stages_of(copy))
    assert ready.index is None  # the stored index, not one built again
    assert matches(ready.search, papers, WORD) == expected
    # Named for the copy's files now: the next start reads it before its first frame.
    session = LibrarySession(Store.open(copy, start_file=True), stage_above=10)
    try:
        assert session.stored_index is not None
    finally:
        session.close()


def test_a_copied_word_index_whose_abstracts_were_edited_is_built_again(
    indexed: Path, tmp_path: Path
) -> None:
    copy = copy_library(indexed, tmp_path / "copy")
    abstracts = Store(copy).paths.abstracts
    blob = abstracts.read_bytes()
    assert blob.count(WORD.encode()) > 0
    abstracts.write_bytes(blob.replace(WORD.encode(), b"frogetting"))  # same size
    papers = Store.open(copy).papers()
    expected = [papers[i].id for i in Library(papers, {}).select(parse("frogetting"))]
    assert expected
    ready = index_stage(stages_of(copy))
    assert ready.index is not None  # built again: the stored one is stale
    assert matches(ready.search, papers, "frogetting") == expected
    left = [papers[i].id for i in Library(papers, {}).select(parse(WORD))]  # titles, say
    assert matches(ready.search, papers, WORD) == left


def test_a_copy_of_a_copy_uses_the_fingerprints_its_restamp_recorded(
    indexed: Path, tmp_path: Path
) -> None:
    first = copy_library(indexed, tmp_path / "first")
    assert index_stage(stages_of(first)).index is None
    assert word_tail_path(Store(first).paths).exists()  # the restamp: a tail of no papers
    second = copy_library(first, tmp_path / "second")
    assert index_stage(stages_of(second)).index is None


def test_a_copy_after_an_import_rebuilds_the_word_index(indexed: Path, tmp_path: Path) -> None:
    """The import extended the index through its tail, which records no fingerprint."""
    from readlist.models import paper_id

    title = "Catastrophic forgetting in a paper nobody imported before"
    Store.open(indexed).import_listings([[Paper(id=paper_id(title), title=title)]])
    copy = copy_library(indexed, tmp_path / "copy")
    ready = index_stage(stages_of(copy))
    assert ready.index is not None
    papers = Store.open(copy).papers()
    assert paper_id(title) in matches(ready.search, papers, WORD)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.sampled_from(["papers", "abstracts", "recent"]),
    edits=st.lists(_EDIT, min_size=1, max_size=3),
)
def test_any_change_to_either_catalogue_file_makes_a_copied_word_index_stale(
    indexed: Path, which: str, edits: list[tuple[str, float, int]]
) -> None:
    """Either catalogue file, or the recent abstracts laid over them (a file of its own:
    made here when the library has none, as an import that changes an abstract does)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_library(indexed, Path(tmp) / "lib")
        paths = Store(copy).paths
        recent = recent_path(paths.abstracts)
        path = {"papers": paths.papers, "abstracts": paths.abstracts, "recent": recent}[which]
        original = path.read_bytes() if path.exists() else None
        blob = edited(original if original is not None else b'{"recent": {}}', edits)
        assume(blob != original)
        path.write_bytes(blob)

        def restamped() -> bool:
            versions = (signature(paths.papers), signature(paths.abstracts))
            checks = SameContent(paths.papers), SameContent(paths.abstracts)
            index = word_index_path(paths)
            return restamp_copy(index, versions, *checks, (signature(recent), SameContent(recent)))

        assert not restamped()
        # Untouched, the same copy is current (the test would pass vacuously otherwise).
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)
        assert restamped()


def test_a_copied_word_index_is_warmed_before_the_catalogue_is_handed_over(
    indexed: Path, tmp_path: Path
) -> None:
    # A copy's stored index is found only during the stage (by its fingerprints); its
    # word lookup is made there too, not by the first key of the first text query.
    copy = copy_library(indexed, tmp_path / "copy")
    session = LibrarySession(Store.open(copy, start_file=True), stage_above=10)
    try:
        assert session.stored_index is None  # not current by signature: found later
        callers: list[str] = []
        for stage in session.load_catalogue(
            pause=lambda: callers.append(sys._getframe(1).f_code.co_name)
        ):
            if isinstance(stage, CatalogueReady):
                assert "warm" in callers
                break
        else:
            raise AssertionError("no CatalogueReady")
    finally:
        session.close()
