"""A first import's bulk-new path writes the library the general import loop writes.

An import into an empty library whose papers are all distinct (`store._AllNew`: no two
share an identity key, an arXiv id or an id) skips the loop's per-paper lookups, merges
and `Paper` copies, and makes each document straight from the paper as it came (issue 9:
a full import of 100,000 papers). The check is differential: the same listings imported
with the bulk path and with the loop (the bulk path switched off) give the same reports
and the same files, byte for byte (the identity index is compared field by field: its
header names the papers file's signature, which holds its mtime and inode). The faster
helpers it uses (`new_paper_doc`, `printable_all`, `IdentityIndex.build`, the abstracts
file written in parts) are compared with their plain definitions.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from readlist.importers import read_listing
from readlist.models import Paper, _ascii_key, identity_key, paper_id
from readlist.schema import STORED
from readlist.store import Store
from readlist.store import store as store_module
from readlist.store.documents import new_paper_doc, paper_to_doc, printable, printable_all
from readlist.store.identity import (
    IdentityIndex,
    hash_of,
    identity_index_path,
    read_identity_index,
)
from readlist.store.storage import dumps_by_line_parts, signature

from .conftest import DAILY, SEARCH, TODAY, library_bytes
from .crash_child import write_listing

DATA = Path(__file__).parent / "data"
STAMP = "2026-12-01T09:30:00+00:00"
_INDEX_FIELDS = (
    "ids",
    "offsets",
    "removed",
    "key_hashes",
    "key_positions",
    "arxiv_hashes",
    "arxiv_positions",
)


def imported(
    folder: Path, listings: list[list[Paper]], *, bulk: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[tuple[Any, ...]], dict[str, bytes], tuple[Any, ...] | None]:
    """Import `listings` into a new library in `folder`: the reports, the library's files
    (the identity index left out) and the identity index's fields."""
    taken: list[bool] = []
    of = store_module._AllNew.of

    def spy(listings: list[list[Paper]], stamp: str) -> store_module._AllNew | None:
        found = of(listings, stamp) if bulk else None
        taken.append(found is not None)
        return found

    with monkeypatch.context() as patch:
        patch.setattr(store_module, "now", lambda: STAMP)
        patch.setattr(store_module._AllNew, "of", staticmethod(spy))
        folder.mkdir()
        db = folder / "library.json"
        reports = Store.open(db).import_listings(listings)
    assert taken == [True] if bulk else taken == [False]
    files = library_bytes(db)
    store = Store.open(db)
    index_path = identity_index_path(store.paths)
    del files[index_path.name]
    version = signature(store.paths.papers)
    assert version is not None
    index = read_identity_index(index_path, version)
    assert index is not None  # written for the papers file as it is
    fields = tuple(getattr(index, name) for name in _INDEX_FIELDS)
    shown = [(r.added, r.updated, r.unchanged, r.removed, r.ids) for r in reports]
    return shown, files, fields


def assert_same_library(
    tmp_path: Path, listings: list[list[Paper]], monkeypatch: pytest.MonkeyPatch
) -> None:
    general = imported(tmp_path / "loop", listings, bulk=False, monkeypatch=monkeypatch)
    fast = imported(tmp_path / "bulk", listings, bulk=True, monkeypatch=monkeypatch)
    assert fast[0] == general[0]
    assert fast[1].keys() == general[1].keys()
    for name in general[1]:
        assert fast[1][name] == general[1][name], name
    assert fast[2] == general[2]


def test_a_generated_listing_is_written_the_same_by_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = tmp_path / "listing.txt"
    write_listing(listing, 400, seed=3, prefix="Bulk")
    papers = read_listing(listing, today=TODAY).papers
    assert len(papers) == 400
    assert_same_library(tmp_path, [papers], monkeypatch)


def test_real_shaped_listings_in_one_import_are_written_the_same_by_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Today's layout (upvotes, organisations, comments), an arXiv listing and a BibTeX
    file: metadata, arXiv ids, authors and sources in every field the documents hold;
    several listings give one report each."""
    files = [DATA / "hf-daily-2026.txt", DATA / "arxiv-list-recent.txt", DATA / "jabref-crlf.bib"]
    listings = [read_listing(path, today=TODAY).papers for path in files]
    keys = [identity_key(p.title) for listing in listings for p in listing]
    assert len(set(keys)) == len(keys)  # all new: the bulk path is taken
    assert_same_library(tmp_path, listings, monkeypatch)


def test_the_samples_go_through_the_loop_when_they_hold_the_same_paper_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled samples share papers: the bulk path declines, and the loop merges."""
    daily = read_listing(DAILY, today=TODAY).papers
    search = read_listing(SEARCH, today=TODAY).papers
    listings = [daily, search, daily[:3]]
    assert store_module._AllNew.of(listings, STAMP) is None
    db = tmp_path / "library.json"
    [_, _, again] = Store.open(db).import_listings(listings)
    assert again.added == [] and len(again.ids) == 3


_WORDS = st.sampled_from(
    ["Sparse", "sparse", "C++", "C", "Über", "Routing", "x\u200by", "xy", "∇-Net", "},",
     "tab\there", "bell\x07", "line\u2028break", "\u202eevil"]
)  # fmt: skip
_TITLES = st.lists(_WORDS, min_size=1, max_size=4).map(" ".join)
_PAPER = st.builds(
    lambda title, arxiv, abstract, added, venue, said: Paper(
        id=paper_id(title),
        title=title,
        abstract=abstract,
        arxiv_id=arxiv,
        added=added,
        venue=venue,
        authors=("A. Author", "B. Author") if said else (),
        said=(("authors", "listing"),) if said else (),
    ),
    _TITLES,
    st.none() | st.integers(1, 40).map("2401.{:05d}".format),
    st.sampled_from(["", "Short.", 'An abstract with {braces}, "quotes" and\n\nparagraphs.']),
    st.none() | st.just("2026-11-01T08:00:00+00:00"),
    st.none() | st.sampled_from(["NeurIPS", "ICML\x00 2026"]),
    st.booleans(),
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.lists(_PAPER, max_size=8), min_size=1, max_size=3))
def test_any_all_new_import_is_written_the_same_by_both_paths(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    listings: list[list[Paper]],
) -> None:
    """Papers built by code (control characters in titles, an `added` of their own,
    empty abstracts, several listings); those with a repeated paper are skipped (the
    bulk path declines them, as the test above shows)."""
    cleaned = [printable_all(listing) for listing in listings]
    papers = [p for listing in cleaned for p in listing]
    keys = [identity_key(p.title) for p in papers]
    arxiv = [p.arxiv_id for p in papers if p.arxiv_id]
    if not papers or len(set(keys)) < len(keys) or len(set(arxiv)) < len(arxiv):
        assert store_module._AllNew.of(cleaned, STAMP) is None
        return
    event("all new")
    assert_same_library(tmp_path_factory.mktemp("case"), listings, monkeypatch)


# -- the helpers against their plain definitions ----------------------------------------


def plain_paper_to_doc(paper: Paper) -> dict[str, Any]:
    """The document as it was built before the generated builder: field by field."""
    names = [f.name for f in STORED]
    doc = {name: getattr(paper, name) for name in names}
    for f in STORED:
        if f.kind in ("texts", "pairs"):
            doc[f.name] = list(doc[f.name])
    if paper.said:
        doc["said"] = [list(pair) for pair in paper.said]
    return doc


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_PAPER, st.sampled_from(["2026-12-01T00:00:00+00:00", "x"]))
def test_documents_are_the_plain_ones(paper: Paper, added: str) -> None:
    doc = paper_to_doc(paper)
    assert doc == plain_paper_to_doc(paper)
    assert list(doc) == [f.name for f in STORED]  # key order is the file's bytes
    assert all(
        type(v) is list for f in STORED if f.kind in ("texts", "pairs") for v in [doc[f.name]]
    )
    assert new_paper_doc(paper, added) == plain_paper_to_doc(replace(paper, added=added))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(_PAPER, max_size=6))
def test_printable_all_is_printable_of_each(papers: list[Paper]) -> None:
    assert printable_all(papers) == [printable(p) for p in papers]


def plain_build(entries: list[tuple[str, str, str | None, bool]]) -> tuple[Any, ...]:
    keys = sorted((hash_of(key), i) for i, (_, key, _, _) in enumerate(entries))
    arxiv = sorted((hash_of(a), i) for i, (_, _, a, _) in enumerate(entries) if a)
    return (
        "".join(pid for pid, *_ in entries).encode("ascii"),
        {i for i, entry in enumerate(entries) if entry[3]},
        [h for h, _ in keys],
        [i for _, i in keys],
        [h for h, _ in arxiv],
        [i for _, i in arxiv],
    )


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c c", "Über", ""]),
            st.none() | st.sampled_from(["2401.00001", "2401.00002"]),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_the_identity_index_is_built_as_sorting_pairs_builds_it(
    rows: list[tuple[str, str | None, bool]],
) -> None:
    """Repeated keys and arXiv ids keep their positions in catalogue order."""
    entries = [(f"{i:016x}", key, a, gone) for i, (key, a, gone) in enumerate(rows)]
    offsets = list(range(0, 10 * (len(entries) + 1), 10))
    index = IdentityIndex.build((1, 2, 3), entries, offsets)
    built = (
        index.ids,
        index.removed,
        list(index.key_hashes),
        list(index.key_positions),
        list(index.arxiv_hashes),
        list(index.arxiv_positions),
    )
    assert built == plain_build(entries)
    assert list(index.offsets) == offsets


def plain_dumps_by_line(data: dict[str, Any], table: str) -> bytes:
    """The abstracts file as it was encoded before it was written in parts."""
    lines = [orjson.dumps({key: doc})[1:-1] for key, doc in data.get(table, {}).items()]
    rest = orjson.dumps({k: v for k, v in data.items() if k != table})[1:-1]
    head = b'{"' + table.encode() + b'":{\n'
    return head + b",\n".join(lines) + b"\n}" + (b"," + rest if rest else b"") + b"}"


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.dictionaries(st.text("0123456789abcdef", min_size=16, max_size=16), st.text(), max_size=8),
    st.integers(1, 200),
)
def test_the_abstracts_file_in_parts_is_the_file_in_one_piece(
    abstracts: dict[str, str], size: int
) -> None:
    data = {"abstracts": {k: {"text": v} for k, v in abstracts.items()}, "_readlist": {"v": 1}}
    parts = list(dumps_by_line_parts(data, "abstracts", size))
    assert b"".join(parts) == plain_dumps_by_line(data, "abstracts")
    assert all(len(part) < size + 2000 for part in parts[:-1])


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(st.characters(max_codepoint=127), max_size=30))
def test_the_identity_key_of_an_ascii_title_follows_its_rule(title: str) -> None:
    """`identity_key` works on bytes for ASCII titles (paper ids depend on it)."""
    assert identity_key(title) == _ascii_key(title)
