"""A Daily Papers listing day enriched in one request (issue 14's target), arXiv's details
on demand (`--details`, `[enrich] arxiv_details`), against the fake of test_enrich.

The fake's `days` holds a page of 50 papers for one day, and its arXiv feed their
entries (category cs.LG), so each request can be counted by path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from readlist.cli import main
from readlist.config import Config, EnrichConfig
from readlist.models import Paper
from readlist.store import Store

from . import test_enrich
from .test_enrich import FakeApis, arxiv_entry, daily_item, listed, papers
from .test_tui import Recorder, record_notes

apis = test_enrich.apis  # the fake services, as a fixture here too
DAY = "2024-01-15"


def title(n: int) -> str:
    return f"Daily Routing Study {n}: Mixture of Sparse Experts, Part {n}"


def authors(n: int) -> tuple[str, ...]:
    return tuple(f"Author{n} Family{j}" for j in range(1 + n % 4))


def daily_page(apis: FakeApis, store: Store) -> list[Paper]:
    """50 papers of one listing day in the library (no ids, no names), known to the
    fake Hugging Face's page of that day and to its arXiv."""
    library = [listed(title(n), DAY) for n in range(50)]
    apis.days[DAY] = [
        daily_item(f"2401.{20000 + n}", title(n), DAY, *authors(n)) for n in range(50)
    ]
    apis.entries += [arxiv_entry(f"2401.{20000 + n}", title(n), *authors(n)) for n in range(50)]
    store.import_listings([library])
    return library


def arxiv_requests(apis: FakeApis) -> list[str]:
    return [line for line in apis.log if line.startswith("/api/query")]


def test_a_daily_page_of_50_papers_is_one_request_and_every_paper_is_citable(
    store: Store, db: Path, apis: FakeApis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import bibtexparser

    library = daily_page(apis, store)
    assert main(["--db", str(db), "enrich"]) == 0
    out = capsys.readouterr().out
    assert apis.log == [f"/api/daily_papers?date={DAY}&limit=100"]
    after = papers(db)
    for n, paper in enumerate(library):
        got = after[paper.id]
        assert (got.arxiv_id, got.authors) == (f"2401.{20000 + n}", authors(n))
        assert got.categories == ()  # arXiv was not asked
    assert "enriched 50 papers (50 found on Hugging Face, 0 on arXiv; 1 request)" in out
    assert "categories and DOI of 50 papers not fetched" in out
    assert "run `readlist enrich --details`" in out
    # Citable as they are: eprint, archivePrefix and the arXiv page in every entry.
    bib = tmp_path / "refs.bib"
    assert main(["--db", str(db), "export", "-o", str(bib)]) == 0
    entries = {e["eprint"]: e for e in bibtexparser.parse_string(bib.read_text()).entries}
    assert len(entries) == 50
    second = entries["2401.20001"]  # the listing said 2 authors: both names are there
    assert second["archivePrefix"] == "arXiv"
    assert second["author"] == "Author1 Family0 and Author1 Family1"
    assert second["url"] == "https://arxiv.org/abs/2401.20001"
    assert "primaryClass" not in second.fields_dict
    # A re-run asks nobody: the papers have names and ids.
    apis.log.clear()
    assert main(["--db", str(db), "enrich"]) == 0
    assert "nothing to enrich" in capsys.readouterr().err and apis.log == []


def test_details_is_one_more_arxiv_request_and_never_asks_hugging_face_again(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    library = daily_page(apis, store)
    assert main(["--db", str(db), "enrich"]) == 0
    apis.log.clear()
    capsys.readouterr()
    assert main(["--db", str(db), "enrich", "--details"]) == 0
    out = capsys.readouterr().out
    [by_id] = arxiv_requests(apis)
    assert len(apis.log) == 1 and "id_list=" in by_id and by_id.count("2401.2") == 50
    assert "enriched 50 papers (0 found on Hugging Face, 50 on arXiv; 1 request)" in out
    assert "not fetched" not in out
    after = papers(db)
    for n, paper in enumerate(library):
        got = after[paper.id]
        assert got.categories == ("cs.LG",) and got.authors == authors(n)
        assert got.upvotes == 5  # Hugging Face's counts are kept
    apis.log.clear()
    assert main(["--db", str(db), "enrich", "--details"]) == 0
    assert apis.log == [] and "nothing to enrich" in capsys.readouterr().err


def test_the_config_option_asks_for_the_details_in_the_same_run(
    store: Store, db: Path, apis: FakeApis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = daily_page(apis, store)
    config = tmp_path / "config.toml"
    config.write_text("[enrich]\narxiv_details = true\n")
    assert main(["--config", str(config), "--db", str(db), "enrich"]) == 0
    out = capsys.readouterr().out
    assert apis.count("/api/daily_papers") == 1 and len(arxiv_requests(apis)) == 1
    assert len(apis.log) == 2
    assert "enriched 50 papers (50 found on Hugging Face, 50 on arXiv; 2 requests)" in out
    assert "not fetched" not in out
    assert all(p.categories == ("cs.LG",) and p.authors for p in papers(db).values())
    assert len(papers(db)) == len(library)
    assert main(["--config", str(config), "config"]) == 0
    assert "arxiv_details = true" in capsys.readouterr().out


@pytest.mark.parametrize("details", [False, True])
async def test_the_tui_enriches_a_daily_page_in_one_request_unless_the_config_asks_more(
    store: Store, db: Path, apis: FakeApis, details: bool
) -> None:
    from readlist.tui.app import ReadListApp

    from .test_tui_enrich import settle, with_marks

    library = daily_page(apis, store)
    recorder = Recorder()
    config = Config(enrich=EnrichConfig(arxiv_details=details))
    app = ReadListApp(
        store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600, config=config
    )
    with_marks(app, *(p.id for p in library))
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await settle(app, pilot)
    assert apis.count("/api/daily_papers") == 1
    assert len(arxiv_requests(apis)) == (1 if details else 0)
    after = papers(db)
    assert all(after[p.id].authors and after[p.id].arxiv_id for p in library)
    assert all(after[p.id].categories == (("cs.LG",) if details else ()) for p in library)
    tail = "" if details else "; categories and DOI of 50 not fetched (e again asks arXiv)"
    assert notes[-1] == ("information", f"enriched 50 papers{tail}.")


@pytest.mark.parametrize("folded", [False, True])
def test_an_enrichment_replaces_an_abstract_only_by_a_longer_one(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str], folded: bool
) -> None:
    """Whether the papers' abstracts are in the recent file (a day imported lately) or
    folded into the large one, the library keeps the longer of its own and Hugging
    Face's ("What <title> does.")."""
    from dataclasses import replace

    library = daily_page(apis, store)
    hf = {p.id: f"What {p.title} does." for p in library}
    own = {
        library[0].id: "Short.",  # shorter: Hugging Face's replaces it
        library[1].id: hf[library[1].id] + " And a good deal more, as the listing said.",
        library[2].id: hf[library[2].id].upper(),  # as long: the library's stays
    }
    store.import_listings([[replace(p, abstract=own[p.id]) for p in library if p.id in own]])
    if folded:
        assert store._fold_recent(force=True)  # the large file holds every abstract
    assert main(["--db", str(db), "enrich"]) == 0
    assert "enriched 50 papers" in capsys.readouterr().out
    after = papers(db)
    assert after[library[0].id].abstract == hf[library[0].id]
    assert after[library[1].id].abstract == own[library[1].id]
    assert after[library[2].id].abstract == own[library[2].id]
    assert all(after[p.id].abstract == hf[p.id] for p in library[3:])
    assert all(after[p.id].authors for p in library)


@pytest.mark.parametrize("indexed", [True, False])
def test_a_paper_met_without_an_abstract_keeps_its_own(
    store: Store, db: Path, indexed: bool
) -> None:
    """The store builds such a paper without reading its abstract: it must still be
    there, unchanged, after the write (through the identity index or a whole read)."""
    from dataclasses import replace

    from readlist.store.identity import identity_index_path

    papers_ = [replace(listed(title(n), DAY), abstract=f"Abstract {n}. " * 20) for n in range(5)]
    store.import_listings([papers_])  # a first import: into the large abstracts file
    assert not db.with_name("library.abstracts.json.recent").exists()
    if not indexed:
        identity_index_path(store.paths).unlink()
    [report] = Store.open(db).import_listings(
        [[replace(p, abstract="", authors=("Ann Author",)) for p in papers_[:3]]]
    )
    assert sorted(report.updated) == sorted(p.id for p in papers_[:3])
    after = papers(db)
    assert [after[p.id].abstract for p in papers_] == [p.abstract for p in papers_]
    assert [after[p.id].authors for p in papers_] == [("Ann Author",)] * 3 + [()] * 2


@pytest.mark.parametrize("longer", [False, True])
def test_an_enrichment_that_changes_no_text_keeps_the_stored_word_index(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str], longer: bool
) -> None:
    """The TUI stores its search index for the next start; an enrichment that only adds
    names and ids leaves it current (at 100,000 papers a rebuild is ~15 s), one that
    brings a longer abstract makes it stale (the words changed)."""
    from dataclasses import replace

    from readlist.search import SearchIndex

    library = daily_page(apis, store)
    own = "" if longer else None  # None: the listing had Hugging Face's abstract
    store.import_listings(
        [
            [
                replace(p, abstract=own if own is not None else f"What {p.title} does.")
                for p in library
            ]
        ]
    )
    opened = Store.open(db)
    shown = opened.papers()
    ids = [p.id for p in shown]
    assert opened.write_word_index(
        opened.catalogue_versions(), ids, SearchIndex(shown).make_text_index()
    )
    assert main(["--db", str(db), "enrich"]) == 0
    assert "enriched 50 papers" in capsys.readouterr().out
    reopened = Store.open(db)
    after = reopened.papers()
    assert all(p.authors for p in after) and [p.id for p in after] == ids
    stored = reopened.word_index(ids)
    if longer:
        assert stored is None  # the abstracts changed: rebuilt at the next start
    else:
        assert stored is not None, "an enrichment of names and ids made the index stale"
        fresh = SearchIndex(after).make_text_index().texts
        assert [stored.texts[i] for i in range(len(ids))] == list(fresh)
