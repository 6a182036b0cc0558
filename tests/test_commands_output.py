"""The registry's newer verbs as plain Python (no Textual, no CLI): notes and tags set,
citations, links, export through the safe writer, import as one undoable step."""

from __future__ import annotations

from pathlib import Path

import pytest

from readlist import commands
from readlist.errors import ReadlistError
from readlist.importers import read_listing
from readlist.models import EMPTY
from readlist.store import Store
from tests.conftest import DAILY, SEARCH, TODAY


def by_title(store: Store, start: str) -> str:
    [pid] = [p.id for p in store.papers(with_abstracts=False) if p.title.startswith(start)]
    return pid


def test_set_note_appends_and_each_step_undoes(sample_store: Store) -> None:
    pid = by_title(sample_store, "HFT")
    commands.SetNote([pid], "first").run(sample_store)
    outcome = commands.SetNote([pid], "second", append=True).run(sample_store)
    assert outcome.message == "added to the note of 1 paper" and outcome.undoable
    assert sample_store.annotations()[pid].note == "first\n\nsecond"
    commands.Undo().run(sample_store)
    assert sample_store.annotations()[pid].note == "first"
    assert commands.SetNote([pid], "  ").run(sample_store).message == "cleared the note of 1 paper"
    assert sample_store.annotations().get(pid, EMPTY).note == ""


def test_set_tags_replaces_them_in_one_undo_step(sample_store: Store) -> None:
    every = [p.id for p in sample_store.papers(with_abstracts=False)][:5]
    commands.AddTags(every[:2], ("old",)).run(sample_store)
    outcome = commands.SetTags(every, ("new", "New", "x")).run(sample_store)
    assert outcome.message == "set the tags of 5 papers"
    assert {sample_store.annotations()[pid].tags for pid in every} == {("new", "x")}
    commands.Undo().run(sample_store)
    assert [sample_store.annotations().get(pid, EMPTY).tags for pid in every] == [
        ("old",), ("old",), (), (), (),
    ]  # fmt: skip


def test_cite_gives_the_text_and_pins_bibtex_keys(sample_store: Store) -> None:
    from readlist.store.citekeys import citekeys_path, read_pins

    papers = [p for p in sample_store.papers(with_abstracts=False)][:2]
    outcome = commands.Cite(papers, "bibtex").run(sample_store)
    assert outcome.message == "BibTeX of 2 papers" and outcome.warning is None
    assert outcome.text is not None and outcome.text.count("@") == 2
    pins = read_pins(citekeys_path(sample_store.paths))
    assert all(f"{{{pins[p.id][0]}," in outcome.text for p in papers)
    again = commands.Cite(papers[:1], "bibtex").run(sample_store)
    assert again.text is not None and again.text.startswith("@")
    assert f"{{{pins[papers[0].id][0]}," in again.text  # the pinned key, again
    with pytest.raises(ReadlistError, match="unknown citation format 'apa'"):
        commands.Cite(papers, "apa").run(sample_store)
    assert not outcome.changed  # citing changes nothing in the library


def test_open_link_gives_the_papers_page_first(sample_store: Store) -> None:
    url = "https://github.com/umbertocappellazzo/PETL"
    [paper] = [p for p in sample_store.papers(with_abstracts=False) if url in p.links]
    outcome = commands.OpenLink(paper).run(sample_store)
    assert outcome.text == "https://github.com/umbertocappellazzo/PETL"
    assert outcome.links[0] == ("code (GitHub)", outcome.text)
    [bare] = [p for p in sample_store.papers(with_abstracts=False) if p.title.startswith("HFT")]
    nothing = commands.OpenLink(bare).run(sample_store)
    assert nothing.text is None and nothing.message == "This paper's listing had no link."


def test_export_writes_through_the_safe_writer(sample_store: Store, tmp_path: Path) -> None:
    rows = [(p, EMPTY) for p in sample_store.papers()][:3]
    target = tmp_path / "out.csv"
    outcome = commands.Export(rows, "csv", str(target)).run(sample_store)
    assert outcome.message == f"exported 3 papers as CSV to {target} (a new file)"
    assert target.read_text().count("\n") == 4
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    commands.Export(rows[:1], "csv", str(link)).run(sample_store)
    assert link.is_symlink() and target.read_text().count("\n") == 2  # the target replaced
    catalogue = sample_store.paths.papers
    before = catalogue.read_bytes()
    with pytest.raises(ReadlistError):
        commands.Export(rows, "json", str(catalogue)).run(sample_store)
    assert catalogue.read_bytes() == before


def test_import_is_one_undoable_step_and_a_dry_run_changes_nothing(store: Store) -> None:
    listings = [read_listing(DAILY, today=TODAY).papers, read_listing(SEARCH, today=TODAY).papers]
    dry = commands.Import(listings, dry_run=True).run(store)
    assert dry.message.endswith("would be added, 0 would be updated")
    assert store.papers(with_abstracts=False) == []
    outcome = commands.Import(listings).run(store)
    assert len(outcome.reports) == 2
    added = len(store.papers(with_abstracts=False))
    assert outcome.message == f"{added} papers added, 0 updated" and added > 0
    assert outcome.undoable
    commands.Undo().run(store)
    assert store.papers(with_abstracts=False) == []  # removed again, restorable
    commands.Redo().run(store)
    assert len(store.papers(with_abstracts=False)) == added
