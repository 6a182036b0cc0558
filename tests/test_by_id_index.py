"""One paper by id through the identity index (store/identity.py,
`documents_by_id_prefix`): with an index current for the papers file, only the matching
documents' bytes are read; it finds exactly what the scan of the file's bytes finds, and
an index that is stale, or whose offsets do not fit the bytes, is not used."""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist import cli
from readlist.store import Store
from readlist.store.documents import PAPERS
from readlist.store.identity import IdentityIndex, documents_by_id_prefix, identity_index_path
from readlist.store.storage import Signature, documents_by_key_prefix

from .test_store_by_id import _TITLES, library

Found = tuple[Signature, dict[str, Any]] | None


def lookups(db: Path, prefix: str) -> tuple[Found, Found]:
    store = Store.open(db, catalogue=False)
    index = identity_index_path(store.paths)
    return (
        documents_by_id_prefix(store.paths.papers, index, prefix),
        documents_by_key_prefix(store.paths.papers, PAPERS, prefix),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(titles=_TITLES, data=st.data())
def test_the_index_finds_the_documents_the_scan_finds(
    tmp_path_factory: pytest.TempPathFactory, titles: list[str], data: st.DataObject
) -> None:
    db = tmp_path_factory.mktemp("lib") / "library.json"
    removed = data.draw(st.sets(st.integers(0, len(titles) - 1)))
    ids = library(db, titles, removed)
    # A removal writes the papers file, not its index: made current again, as the next
    # import (or the TUI's start) does.
    assert Store.open(db).rebuild_identity_index()
    real = data.draw(st.sampled_from(ids))
    for prefix in (
        real[: data.draw(st.integers(1, 16))],
        data.draw(st.text("0123456789abcdef", min_size=1, max_size=16)),
    ):
        through_index, scanned = lookups(db, prefix)
        assert through_index is not None, "the index written by the import is not used"
        assert through_index == scanned


def test_a_stale_index_is_not_used(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = library(db, ["One paper", "Another paper", "A third paper"])
    papers = db.with_name("library.papers.json")
    papers.write_bytes(papers.read_bytes())  # another signature: the index is stale
    through_index, scanned = lookups(db, ids[1][:6])
    assert through_index is None and scanned is not None
    assert cli.main(["--db", str(db), "rate", f"id:{ids[1][:6]}", "4"]) == 0
    assert Store.open(db).annotations()[ids[1]].rating == 4
    capsys.readouterr()


def test_offsets_that_do_not_fit_the_bytes_are_not_used(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bytes changed in place with the signature kept (same inode, size and mtime): the
    index still says where documents start, but they are not there; the scan answers."""
    ids = library(db, ["Paper one", "Paper two", "Paper three"])
    papers = db.with_name("library.papers.json")
    blob = papers.read_bytes()
    st_before = papers.stat()
    # Swap the first two documents' ids: same size, offsets now point at the wrong ids.
    a, b = ids[0].encode(), ids[1].encode()
    swapped = blob.replace(a, b"\0" * 16).replace(b, a).replace(b"\0" * 16, b)
    assert len(swapped) == len(blob) and swapped != blob
    with open(papers, "r+b") as out:
        out.write(swapped)
    os.utime(papers, ns=(st_before.st_atime_ns, st_before.st_mtime_ns))
    through_index, scanned = lookups(db, ids[0])
    assert through_index is None
    assert scanned is not None and list(scanned[1]) == [ids[0]]
    assert cli.main(["--db", str(db), "rate", f"id:{ids[0]}", "3"]) == 0
    assert Store.open(db).annotations()[ids[0]].rating == 3
    capsys.readouterr()


_IDS = st.lists(st.text("ab01", min_size=16, max_size=16), unique=True, max_size=40)


@settings(max_examples=200, deadline=None)
@given(ids=_IDS, asked=st.lists(st.text("ab01", min_size=1, max_size=17), max_size=30))
def test_a_paper_position_is_found_by_its_whole_id(ids: list[str], asked: list[str]) -> None:
    """`position_of` answers from the ids cut 16 bytes at a time: an id that appears only
    across two ids' boundary is not there."""
    index = IdentityIndex.build(
        (1, 2, 3), [(pid, pid, None, False) for pid in ids], range(1 + len(ids))
    )
    across = [a[8:] + b[:8] for a, b in pairwise(ids)]
    expected = {pid: i for i, pid in enumerate(ids)}
    for pid in [*asked, *across, *ids]:
        assert index.position_of(pid) == expected.get(pid)
