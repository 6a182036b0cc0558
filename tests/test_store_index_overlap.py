"""A whole write of the papers file with its abstracts (a first import) builds the
identity index in a thread while the catalogue is committed (`Store._write_papers`,
issue 9: at 100,000 papers the build, ~0.25 s, ran after the 157 MB abstracts file had
been written and synced, ~0.3 s in which the importing thread holds no interpreter).

The index is still named for the papers file only once that file is in place, and is
the index a build from the file as written gives; a commit that fails waits for the
build and writes no index; a build that fails leaves the import written, unindexed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from readlist.errors import LibraryWriteError
from readlist.models import Paper, paper_id
from readlist.store import Store
from readlist.store import store as store_module
from readlist.store.identity import IdentityIndex, identity_index_path, read_identity_index
from readlist.store.storage import signature


def papers(n: int) -> list[Paper]:
    return [
        Paper(paper_id(f"Overlap {i}"), f"Overlap {i}", f"Abstract {i}.", arxiv_id=arxiv)
        for i in range(n)
        for arxiv in [f"2401.{i:05d}" if i % 3 else None]
    ]


def index_bytes(path: Path) -> tuple[dict[str, Any], bytes]:
    """The index file's header (without the fingerprint only a rebuild records) and the
    rest of its bytes."""
    header, rest = path.read_bytes().split(b"\n", 1)
    fields = orjson.loads(header)
    fields.pop("papers_sha256", None)
    return fields, rest


def test_the_index_is_built_while_the_abstracts_are_written(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The abstracts' write waits for the build to start: it must not be after it."""
    building = threading.Event()
    build = IdentityIndex.build.__func__  # type: ignore[attr-defined]
    write_abstracts = Store._write_abstracts

    def spy_build(cls: type[IdentityIndex], *args: Any) -> IdentityIndex:
        building.set()
        return build(cls, *args)  # type: ignore[no-any-return]

    def waiting_write(self: Store, *args: Any, **kwargs: Any) -> None:
        assert building.wait(timeout=10), "the index was not being built during the commit"
        write_abstracts(self, *args, **kwargs)

    monkeypatch.setattr(IdentityIndex, "build", classmethod(spy_build))
    monkeypatch.setattr(Store, "_write_abstracts", waiting_write)
    [report] = Store.open(db).import_listings([papers(50)])
    assert len(report.added) == 50
    store = Store.open(db)
    version = signature(store.paths.papers)
    assert version is not None
    index = read_identity_index(identity_index_path(store.paths), version)
    assert index is not None and len(index) == 50  # named for the file written


def test_the_index_built_meanwhile_is_the_index_of_the_file_written(db: Path) -> None:
    """Differential: the import's index, byte for byte, against the one built from the
    papers file as it was read back (`rebuild_identity_index`, in this thread)."""
    Store.open(db).import_listings([papers(300)])
    path = identity_index_path(Store.open(db).paths)
    written = index_bytes(path)
    assert Store.open(db).rebuild_identity_index()
    assert index_bytes(path) == written


def test_a_commit_that_fails_waits_for_the_build_and_writes_no_index(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = threading.Event()
    real = store_module._index_of

    def full_disk(self: Store, *args: Any, **kwargs: Any) -> None:
        failed.set()
        raise OSError(28, "No space left on device")

    def slow_build(*args: Any) -> IdentityIndex | None:
        failed.wait(5)  # still building when the commit fails: the import must wait
        time.sleep(0.3)  # (for as long as this; a thread left running would be seen)
        return real(*args)

    monkeypatch.setattr(Store, "_write_abstracts", full_disk)
    monkeypatch.setattr(store_module, "_index_of", slow_build)
    with pytest.raises((OSError, LibraryWriteError)):
        Store.open(db).import_listings([papers(50)])
    assert failed.is_set()
    assert not [t for t in threading.enumerate() if t.name == "readlist-compute"]
    store = Store.open(db)
    assert not identity_index_path(store.paths).exists()
    assert store.papers() == []


def test_a_build_that_fails_leaves_the_import_written_without_an_index(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> IdentityIndex:
        raise ValueError("offsets do not fit")

    monkeypatch.setattr(store_module, "_index_of", broken)
    [report] = Store.open(db).import_listings([papers(20)])
    assert len(report.added) == 20
    store = Store.open(db)
    assert len(store.papers()) == 20
    assert not identity_index_path(store.paths).exists()


def test_without_a_thread_to_spare_the_index_is_built_after_the_commit(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_thread(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_thread)
    [report] = Store.open(db).import_listings([papers(30)])
    assert len(report.added) == 30
    store = Store.open(db)
    version = signature(store.paths.papers)
    assert version is not None
    index = read_identity_index(identity_index_path(store.paths), version)
    assert index is not None and len(index) == 30
