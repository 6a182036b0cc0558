"""One paper by id: `readlist rate id:PREFIX N` without reading the whole catalogue.

At 100,000 papers, reading every paper (and building a query index) for a command on one
paper took seconds; the store now finds the ids in the catalogue's keys. These tests check
that it does not read the rest, that it finds exactly what the full query finds (also when
titles hold text shaped like a catalogue document), and that every case it cannot answer
(damage, an older format) still goes the old way, with the old error or migration.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist import cli
from readlist.models import Paper, paper_id
from readlist.store import Store

from .conftest import library_bytes
from .test_import_v2 import V1_ID, write_v1_library


def paper(title: str) -> Paper:
    return Paper(id=paper_id(title), title=title, abstract=f"About {title}.")


def library(db: Path, titles: list[str], removed: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """A library of papers with these titles (those at `removed` removed); their ids."""
    store = Store.open(db)
    [report] = store.import_listings([[paper(t) for t in titles]])
    store.set_removed([report.ids[i] for i in removed], True)
    return report.ids


def test_rate_by_id_builds_no_paper_and_reads_no_abstract(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = library(db, [f"Paper number {i}" for i in range(50)])

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole catalogue was read for one paper")

    for name in ("papers", "all_papers", "abstracts", "paper_count"):
        monkeypatch.setattr(Store, name, forbidden)
    assert cli.main(["--db", str(db), "rate", f"id:{ids[7][:8]}", "4"]) == 0
    assert cli.main(["--db", str(db), "tag", f"id:{ids[7][:8]}", "foo", "bar"]) == 0
    assert capsys.readouterr().out == "rated 4/5: 1 paper\ntagged with foo bar: 1 paper\n"
    monkeypatch.undo()
    annotations = Store.open(db).annotations()
    assert set(annotations) == {ids[7]}
    assert (annotations[ids[7]].rating, annotations[ids[7]].tags) == (4, ("foo", "bar"))


def test_a_removed_paper_is_not_rated_by_id(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = library(db, ["Kept paper", "Removed paper"], removed={1})
    assert cli.main(["--db", str(db), "rate", f"id:{ids[1]}", "4"]) == 1
    assert "no papers match" in capsys.readouterr().err
    assert Store.open(db).annotations() == {}


def test_a_title_shaped_like_a_catalogue_document_is_only_a_title(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The removed paper's id, written in another paper's title as a live document.
    hidden = paper_id("Removed paper")
    fake = f'x"}},"{hidden}":{{"title":"fake","removed":null}},"{hidden}":{{'
    ids = library(db, ["Removed paper", fake], removed={0})
    assert ids[0] == hidden
    assert cli.main(["--db", str(db), "rate", f"id:{hidden[:6]}", "5"]) == 1
    assert Store.open(db).annotations() == {}
    assert cli.main(["--db", str(db), "rate", f"id:{ids[1]}", "5"]) == 0
    assert set(Store.open(db).annotations()) == {ids[1]}
    capsys.readouterr()


# Titles that put the catalogue's own punctuation (and ids) where a scan could trip on it.
_TRICKY = st.sampled_from(
    ['"', "\\", "}", "{", ",", ":", '","', '":{', "},", '\\"', "\u2028", "é", "0123456789abcdef"]
)
_TITLES = st.lists(
    st.lists(st.one_of(_TRICKY, st.text("abcdef0123456789 ", min_size=1, max_size=20)), max_size=6)
    .map("".join)
    .filter(lambda t: t.strip() != ""),
    min_size=1,
    max_size=12,
    unique_by=lambda t: t.strip(),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(titles=_TITLES, data=st.data())
def test_ids_by_prefix_finds_what_the_full_read_finds(
    tmp_path_factory: pytest.TempPathFactory, titles: list[str], data: st.DataObject
) -> None:
    db = tmp_path_factory.mktemp("lib") / "library.json"
    removed = data.draw(st.sets(st.integers(0, len(titles) - 1)))
    ids = library(db, titles, removed)
    # Prefixes of real ids (1..16 digits) and random hex: hits, near misses, misses.
    real = data.draw(st.sampled_from(ids))
    prefixes = [
        real[: data.draw(st.integers(1, 16))],
        data.draw(st.text("0123456789abcdef", min_size=1, max_size=16)),
    ]
    store = Store.open(db, catalogue=False)
    full = Store.open(db)
    for prefix in prefixes:
        for gone in (False, True):
            expected = [p.id for p in full.papers(removed=gone) if p.id.startswith(prefix)]
            assert store.ids_by_prefix(prefix, removed=gone) == expected


def test_a_cut_off_catalogue_is_reported_as_before(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = library(db, ["One paper", "Another paper"])
    papers = db.with_name("library.papers.json")
    papers.write_bytes(papers.read_bytes()[:-40])
    before = library_bytes(db)
    assert cli.main(["--db", str(db), "rate", f"id:{ids[0]}", "4"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"readlist: {papers}: library file is not valid JSON")
        and err.count("\n") == 1
    )
    assert library_bytes(db) == before


def test_a_damaged_document_of_the_paper_is_reported_as_before(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = library(db, ["One paper", "Another paper"])
    papers = db.with_name("library.papers.json")
    data = json.loads(papers.read_text())
    data["papers"][ids[0]]["published"] = "yesterday"
    papers.write_text(json.dumps(data, separators=(",", ":")))
    before = library_bytes(db)
    assert cli.main(["--db", str(db), "rate", f"id:{ids[0]}", "4"]) == 2
    assert "a paper has a date that is not YYYY-MM-DD: 'yesterday'" in capsys.readouterr().err
    assert library_bytes(db) == before


def test_a_format_1_catalogue_is_migrated_by_a_rating_by_id(db: Path) -> None:
    before = write_v1_library(db)
    assert cli.main(["--db", str(db), "rate", f"id:{V1_ID[:8]}", "5"]) == 0
    papers = db.with_name("library.papers.json")
    assert json.loads(papers.read_text())["readlist"]["format"]["version"] == 2
    kept = papers.with_name("library.papers.json.v1.bak")
    assert kept.read_bytes() == before["library.papers.json"]
    assert Store.open(db).annotations()[V1_ID].rating == 5


def test_a_catalogue_changed_to_format_1_after_the_lookup_is_still_migrated(db: Path) -> None:
    """The lookup saw format 2; before the write took the lock, an old readlist wrote
    format 1: the write must see it (the file's version changed) and migrate it."""
    write_v1_library(db)
    papers = db.with_name("library.papers.json")
    v1 = papers.read_bytes()
    Store.open(db).update([V1_ID], lambda a: a.with_read(True))  # now format 2
    store = Store.open(db, catalogue=False)
    assert store.ids_by_prefix(V1_ID[:4]) == [V1_ID]
    papers.write_bytes(v1)
    store.update([V1_ID], lambda a: a.with_rating(3))
    assert json.loads(papers.read_text())["readlist"]["format"]["version"] == 2
    [again] = Store.open(db).papers()
    assert again.comments == 1
