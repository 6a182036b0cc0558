"""The identity index (store/identity.py): imports that find their papers without
parsing the catalogue, and write it by splicing its bytes (issue 9, daily pages at 100k).

The index is only a shortcut, so the main check is differential: any sequence of
imports and removals leaves exactly the library (papers file byte for byte, abstracts,
reports) that the same sequence leaves when every import reads the catalogue whole.
The rest checks that the shortcut is really taken, and that anything the index cannot
vouch for (an edited papers file, a damaged index, a file in another layout) sends the
import back to the whole read, which reports damage as before.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.errors import LibraryError
from readlist.models import Paper, paper_id
from readlist.store import Store
from readlist.store import store as store_module
from readlist.store.identity import IdentityIndex, identity_index_path, read_identity_index
from readlist.store.storage import AtomicJSONStorage, signature

ADDED = "2026-11-01T08:00:00+00:00"

_WORDS = st.sampled_from(
    ["Sparse", "sparse", "C++", "C", "Über", "uber", "Routing", "LoRA", "lora:", "x\u200by", "xy",
     "∇-Net", '"quoted"', "back\\slash", "},", "Attention"]
)  # fmt: skip
_TITLES = st.lists(_WORDS, min_size=1, max_size=3).map(" ".join)
_ARXIV = st.none() | st.sampled_from(["2401.00001", "2401.00002", "2312.12345"])
_PAPER = st.builds(
    lambda title, arxiv, abstract, upvotes: Paper(
        id=paper_id(title),
        title=title,
        abstract=abstract,
        arxiv_id=arxiv,
        upvotes=upvotes,
        added=ADDED,
    ),
    _TITLES,
    _ARXIV,
    st.sampled_from(["", "Short.", "A longer abstract, with {braces},", "Über alles."]),
    st.none() | st.integers(0, 50),
)
_STEP = st.one_of(
    st.lists(_PAPER, max_size=6).map(lambda papers: ("import", papers)),
    st.integers(0, 5).map(lambda k: ("remove", k)),
)


def library(store: Store) -> tuple[dict[str, Any], dict[str, str]]:
    """What the library holds: the papers documents (removal time left out) and the
    abstracts."""
    docs = (
        orjson.loads(store.paths.papers.read_bytes())["papers"]
        if store.paths.papers.exists()
        else {}
    )
    for doc in docs.values():
        doc["removed"] = doc["removed"] is not None
    return docs, Store.open(store.paths.annotations).abstracts()


def step(store: Store, what: str, value: Any) -> object:
    if what == "import":
        return [
            (r.added, r.updated, r.unchanged, r.removed, r.ids)
            for r in store.import_listings([value])
        ]
    ids = [p.id for p in store.papers()]
    return store.set_removed(ids[value : value + 1], True) if ids else []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(_STEP, min_size=1, max_size=8))
def test_imports_through_the_index_leave_what_whole_reads_leave(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, Any]]
) -> None:
    folder = tmp_path_factory.mktemp("twin")
    indexed = Store.open(folder / "a" / "library.json")
    whole = Store.open(folder / "b" / "library.json")
    for what, value in steps:
        identity_index_path(whole.paths).unlink(missing_ok=True)  # always read whole
        assert step(indexed, what, value) == step(whole, what, value)
        assert library(indexed) == library(whole)
        a, b = indexed.paths.papers, whole.paths.papers
        assert (a.exists() and a.read_bytes()) == (b.exists() and b.read_bytes()) or any(
            w == "remove" for w, _ in steps
        )  # removal stamps are times: equal but for them


def paper(title: str, abstract: str = "", arxiv: str | None = None) -> Paper:
    return Paper(paper_id(title), title, abstract or f"About {title}.", arxiv_id=arxiv)


def test_a_daily_import_parses_only_the_papers_it_meets(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(db).import_listings([[paper(f"Old paper {i}") for i in range(300)]])
    assert (
        read_identity_index(
            identity_index_path(Store.open(db).paths),
            signature(db.with_name("library.papers.json")),
        )
        is not None
    )  # type: ignore[arg-type]

    load, table = AtomicJSONStorage._load, store_module.Store._table

    def whole(self: AtomicJSONStorage) -> object:
        if self.kind == "recent-abstracts":  # the small file of recent abstracts is
            return load(self)  # read whole by design (see Store._write_abstracts)
        raise AssertionError(f"{self.path.name} was parsed whole")

    monkeypatch.setattr(AtomicJSONStorage, "_load", whole)
    monkeypatch.setattr(
        store_module.Store,
        "_table",
        lambda self, name: (
            {}
            if name == "annotations"
            else table(self, name)
            if name == "recent-abstracts"
            else whole(self._storages[name])
        ),
    )
    store = Store.open(db, catalogue=False)
    listing = [paper(f"New paper {i}") for i in range(30)]
    listing += [paper("OLD PAPER 7", "About Old paper 7, and a longer abstract now.")]
    listing += [paper("Old paper 8 again", arxiv="2401.00008")]
    [report] = store.import_listings([listing])
    assert (len(report.added), report.updated) == (31, [paper_id("Old paper 7")])
    monkeypatch.undo()
    papers = {p.id: p for p in Store.open(db).papers()}
    assert len(papers) == 331
    assert papers[paper_id("Old paper 7")].abstract.endswith("a longer abstract now.")
    assert papers[paper_id("Old paper 7")].title == "Old paper 7"
    # The index knows the new papers at once: the next import finds them through it.
    [again] = Store.open(db).import_listings(
        [[paper("New paper 3"), paper("x", arxiv="2401.00008")]]
    )
    assert again.ids == [paper_id("New paper 3"), paper_id("Old paper 8 again")]


def test_a_papers_file_changed_behind_the_index_is_read_whole(db: Path) -> None:
    """An edit by another program changes the file's signature: the index is stale, the
    import reads the file whole, and damage there is reported as it always was."""
    Store.open(db).import_listings([[paper("First paper"), paper("Second paper")]])
    papers = db.with_name("library.papers.json")
    blob = papers.read_bytes()
    papers.write_bytes(blob.replace(b'"title":"Second paper"', b'"title":7'))
    with pytest.raises(LibraryError, match="title"):
        Store.open(db, catalogue=False).import_listings([[paper("Third paper")]])
    assert papers.read_bytes() == blob.replace(b'"title":"Second paper"', b'"title":7')
    papers.write_bytes(blob.replace(b"Second paper", b"Second paperX"))  # layout kept
    [report] = Store.open(db, catalogue=False).import_listings([[paper("Second paperx")]])
    assert report.ids == [paper_id("Second paper")] and not report.added


@pytest.mark.parametrize(
    "damage", ["cut", "empty", "garbage", "other papers", "wrong offsets", "flipped bit"]
)
def test_a_damaged_or_foreign_index_is_never_trusted(db: Path, damage: str) -> None:
    store = Store.open(db)
    store.import_listings([[paper(f"Paper {i}") for i in range(20)]])
    path = identity_index_path(store.paths)
    blob = path.read_bytes()
    header, _, body = blob.partition(b"\n")
    if damage == "cut":
        path.write_bytes(blob[:-7])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(b"\x00" * len(blob))
    elif damage == "flipped bit":  # in a key record: the import would miss "Paper 5"
        records = len(header) + 1 + 20 * 16 + 21 * 8
        path.write_bytes(blob[:records] + bytes(8) + blob[records + 8 :])
    elif damage == "other papers":
        meta = orjson.loads(header)
        meta["papers"][1] += 1
        path.write_bytes(orjson.dumps(meta) + b"\n" + body)
    else:
        sig = signature(store.paths.papers)
        assert sig is not None
        index = read_identity_index(path, sig)
        assert index is not None
        index.offsets[3] += 5
        index.write(path)
        os.utime(path)
    [report] = Store.open(db, catalogue=False).import_listings(
        [[paper("Paper 5", "A new, much longer abstract of paper five."), paper("Paper 99")]]
    )
    assert (report.updated, len(report.added)) == ([paper_id("Paper 5")], 1)
    papers = {p.id: p for p in Store.open(db).papers()}
    assert len(papers) == 21 and papers[paper_id("Paper 5")].abstract.startswith(
        "A new, much longer"
    )
    assert papers[paper_id("Paper 4")].abstract == "About Paper 4."


def test_an_old_format_catalogue_is_migrated_not_spliced(db: Path) -> None:
    store = Store.open(db)
    store.import_listings([[paper("Kept paper")]])
    papers = store.paths.papers
    doc = orjson.loads(papers.read_bytes())
    old = {
        "papers": {
            pid: {k: v for k, v in d.items() if k in ("title", "links", "sources", "added")}
            | {"authors_count": None, "published": None, "upvotes": 4, "date_inferred": False}
            for pid, d in doc["papers"].items()
        },
        "readlist": {"format": {"kind": "papers", "version": 1}},
    }
    papers.write_bytes(orjson.dumps(old))
    Store.open(db, catalogue=False).import_listings([[paper("Another paper")]])
    assert papers.with_name(papers.name + ".v1.bak").exists()
    [kept, another] = Store.open(db).papers()
    assert (kept.comments, kept.upvotes, another.title) == (4, None, "Another paper")


def test_the_index_of_an_empty_catalogue_and_its_first_papers() -> None:
    index = IdentityIndex.build((1, 2, 3), [], [11])
    assert len(index) == 0 and index.key_candidates("anything") == []
    index = IdentityIndex.build(
        (1, 2, 3), [("0" * 16, "a b", None, False), ("1" * 16, "a b", "2401.1", True)], [11, 40, 90]
    )
    assert index.key_candidates("a b") == [0, 1] and index.arxiv_candidates("2401.1") == [1]
    assert index.removed == {1} and index.position_of("1" * 16) == 1
    assert index.position_of("2" * 16) is None


def test_doctor_says_whether_the_index_is_current(db: Path) -> None:
    import io

    from readlist.store.doctor import doctor

    Store.open(db).import_listings([[paper("First paper"), paper("Second paper")]])
    out = io.StringIO()
    assert doctor(db, repair=False, out=out) == 0
    assert "library.identity.idx: current" in out.getvalue()
    # The papers file changed behind readlist's back (`set_removed` keeps the index now).
    papers = Store.open(db).paths.papers
    papers.write_bytes(papers.read_bytes())
    out = io.StringIO()
    assert doctor(db, repair=False, out=out) == 0
    assert "library.identity.idx: stale or damaged (rebuilt by the next import)" in out.getvalue()
    Store.open(db, catalogue=False).import_listings([[paper("Third paper")]])
    out = io.StringIO()
    assert doctor(db, repair=False, out=out) == 0
    assert "library.identity.idx: current" in out.getvalue()
