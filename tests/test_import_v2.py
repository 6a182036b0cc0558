"""Paper model v2: today's page layouts, identity, migration of format-1 libraries, JSON
restore, standard input, dry runs, removal — checked on what the library holds."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path

import orjson
import pytest

from readlist.importers import read_listing
from readlist.models import Paper, identity_key, paper_id
from readlist.schema import FIELDS
from readlist.store import Store
from readlist.store.doctor import doctor

from .conftest import DAILY, RunCli, library_bytes

DATA = Path(__file__).parent / "data"
NOW = date(2026, 12, 1)  # the fixtures were copied on this day


def by_title(papers: list[Paper], start: str) -> Paper:
    [match] = [p for p in papers if p.title.startswith(start)]
    return match


# -- the schema is the model ------------------------------------------------------------------


def test_schema_fields_are_the_paper_fields_in_order() -> None:
    assert [f.name for f in FIELDS] == [f.name for f in dataclasses.fields(Paper)]


# -- today's layouts ----------------------------------------------------------------------------


def test_todays_daily_page_upvotes_before_titles_and_organisations() -> None:
    papers = read_listing(DATA / "hf-daily-2026.txt", today=NOW).papers
    assert [p.title for p in papers] == [
        "Sparse Mixture Routing for Long-Context Retrieval",
        "C++ Templates for Deep Learning Kernels",
        "C Templates for Deep Learning Kernels",
        "Tiny Agents, Big Plans: Hierarchical Planning with Small Language Models",
    ]  # no navigation, tab, footer or upvote line became a paper
    sparse, cpp, c, tiny = papers
    assert (sparse.upvotes, sparse.comments, sparse.organization) == (87, 12, "Meta AI")
    assert sparse.published == "2026-11-27"
    assert sparse.abstract.count("\n\n") == 1  # two paragraphs, kept apart
    assert sparse.links == ("https://github.com/example/sparse-routing",)
    assert (cpp.upvotes, cpp.authors_count, cpp.comments) == (None, 7, None)  # "-": none
    # "Feb 27, 2025 2301": a year needs its comma; 2301 after a year is a comment count.
    assert (c.published, c.comments, c.organization) == (
        "2025-02-27",
        2301,
        "Carnegie Mellon University",
    )
    # "Mar 4 41": March 4 of the latest year not in the future, with 41 comments.
    assert (tiny.published, tiny.comments, tiny.upvotes) == ("2026-03-04", 41, 142)


def test_trending_cards_repeated_are_one_paper_with_the_latest_count() -> None:
    papers = read_listing(DATA / "hf-trending-2026.txt", today=NOW).papers
    assert [p.title for p in papers] == [
        "Sparse Mixture Routing for Long-Context Retrieval",
        "Self-Correcting Code Generation with Execution Traces",
    ]
    assert [p.upvotes for p in papers] == [96, 310]  # "Upvote" then the count, after the card
    assert papers[1].authors_count == 5
    assert papers[0].organization == "Meta AI"


def test_a_single_paper_page_gives_authors_and_arxiv_id() -> None:
    [paper] = read_listing(DATA / "hf-paper-page.txt", today=NOW).papers
    assert paper.arxiv_id == "2411.01234"
    assert paper.authors[0] == "Ana Lima" and len(paper.authors) == 5
    assert paper.upvotes == 310
    assert paper.abstract.startswith("Large language models generate code")
    assert paper.abstract.endswith("from 1B to 70B parameters.")
    assert "View arXiv page" not in paper.abstract


def test_non_breaking_spaces_and_exact_characters_are_kept() -> None:
    text = "Title\u00a0With NBSP\n\nAn abstract with a no-break\u00a0space and tabs\tinside.\n"
    [paper] = read_listing_text(text).papers
    assert paper.title == "Title\u00a0With NBSP"
    assert "no-break\u00a0space" in paper.abstract


def read_listing_text(text: str):  # type: ignore[no-untyped-def]
    from readlist.importers import read_text

    return read_text(text, shown="pasted text", source="-", today=NOW)


# -- identity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("C++ Templates for Deep Learning", "C Templates for Deep Learning"),
        ("C# for Data Science", "C for Data Science"),
        ("∇-Net: Gradient Networks", "∂-Net: Gradient Networks"),
        ("1+1=2 in Lean", "1-1=2 in Lean"),
    ],
)
def test_symbols_make_different_papers(a: str, b: str) -> None:
    assert identity_key(a) != identity_key(b)
    assert paper_id(a) != paper_id(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HFT: Half Fine-Tuning", "HFT - half fine tuning"),
        ("Zero\u200bwidth Space", "Zerowidth Space"),
        ("Soft\u00adhyphen", "Softhyphen"),
        ("Ｆｕｌｌ Width", "Full Width"),
        ("“Quoted” Title", '"Quoted" Title'),
    ],
)
def test_punctuation_case_and_invisible_characters_do_not(a: str, b: str) -> None:
    assert identity_key(a) == identity_key(b)


def test_the_same_arxiv_id_is_the_same_paper_whatever_the_title(store: Store) -> None:
    [page] = read_listing(DATA / "hf-paper-page.txt", today=NOW).papers
    renamed = dataclasses.replace(page, id=paper_id("A Renamed Version"), title="A Renamed Version")
    store.import_listings([[page]])
    [report] = store.import_listings([[renamed]])
    assert report.added == [] and report.ids == [page.id]
    assert [p.title for p in store.papers()] == [page.title]


# -- format 1 libraries ---------------------------------------------------------------------


V1_ID = paper_id("HFT: Half Fine-Tuning for Large Language Models")


def write_v1_library(db: Path) -> dict[str, bytes]:
    """A library as readlist 0.1 wrote it: `upvotes` held the after-date number."""
    db.parent.mkdir(parents=True, exist_ok=True)

    def marker(kind: str) -> dict[str, object]:
        return {"format": {"kind": kind, "version": 1}}

    papers = {
        V1_ID: {
            "title": "HFT: Half Fine-Tuning for Large Language Models",
            "authors_count": 6,
            "published": "2024-04-29",
            "upvotes": 1,
            "links": [],
            "sources": ["/old/daily.txt"],
            "added": "2026-01-01T00:00:00+00:00",
        }
    }
    files = {
        db: {"annotations": {V1_ID: {"tags": ["nlp"], "rating": 4, "read": False, "note": "n"}},
             "readlist": marker("annotations")},
        db.with_name("library.papers.json"): {"papers": papers, "readlist": marker("papers")},
        db.with_name("library.abstracts.json"): {
            "abstracts": {V1_ID: {"text": "We tune half the parameters."}},
            "readlist": marker("abstracts"),
        },
    }  # fmt: skip
    for path, data in files.items():
        path.write_bytes(orjson.dumps(data))
    return {path.name: path.read_bytes() for path in files}


def test_a_format_1_library_opens_with_the_count_moved_to_comments(db: Path) -> None:
    before = write_v1_library(db)
    store = Store.open(db)
    [paper] = store.papers()
    assert (paper.comments, paper.upvotes, paper.authors_count) == (1, None, 6)
    assert store.annotations()[V1_ID].tags == ("nlp",)
    assert library_bytes(db) == before  # reading never rewrites the user's files


def test_a_format_1_library_is_migrated_on_the_first_write_keeping_the_old_file(
    db: Path,
) -> None:
    before = write_v1_library(db)
    Store.open(db).update([V1_ID], lambda a: a.with_rating(5))
    papers_file = db.with_name("library.papers.json")
    data = json.loads(papers_file.read_text())
    assert data["readlist"]["format"]["version"] == 2
    doc = data["papers"][V1_ID]
    assert (doc["comments"], doc["upvotes"], doc["authors"]) == (1, None, [])
    kept = papers_file.with_name("library.papers.json.v1.bak")
    assert kept.read_bytes() == before["library.papers.json"]
    reopened = Store.open(db)
    assert reopened.annotations()[V1_ID].rating == 5
    assert reopened.papers()[0].comments == 1  # not moved a second time


def test_doctor_knows_format_1_and_format_2(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_v1_library(db)
    assert doctor(db, repair=False, out=sys.stdout) == 0
    Store.open(db).update([V1_ID], lambda a: a.with_read(True))
    assert doctor(db, repair=False, out=sys.stdout) == 0
    assert "everything is in order" in capsys.readouterr().out


def test_comment_counts_filter_and_upvotes_sort(cli: RunCli) -> None:
    assert cli("import", str(DATA / "hf-daily-2026.txt")).returncode == 0
    listed = cli("list", "comments:>=12").stdout.splitlines()
    assert sorted(line.split("  ")[-1].strip() for line in listed) == [
        "C Templates for Deep Learning Kernels",
        "Sparse Mixture Routing for Long-Context Retrieval",
        "Tiny Agents, Big Plans: Hierarchical Planning with Small Language Models",
    ]
    ranked = cli("list", "--sort", "upvotes").stdout.splitlines()
    assert ["▲142" in ranked[0], "▲87" in ranked[1], "▲3" in ranked[2]] == [True] * 3
    assert "▲" not in ranked[3]  # unknown upvotes sort last


# -- only listings ----------------------------------------------------------------------


NOT_LISTINGS = {
    "notes.txt": "Meeting notes\n\nWe talked about the budget for next year and agreed to "
    "revisit it in March.\n\nAlice will send the slides. Bob will book the room.\n\nThe "
    "next meeting is on Thursday at ten, in the usual room on the second floor.\n",
    "shopping.txt": "eggs\nmilk\nbread\ncoffee\ntomatoes\nolive oil\n",
    "titles.txt": "Attention Is All You Need\n\nDeep Residual Learning for Image Recognition\n\n"
    "BERT: Pre-training of Deep Bidirectional Transformers\n",
    "script.py": "import os\n\n\ndef main():\n    for name in os.listdir('.'):\n        "
    "print(name)\n\n\nif __name__ == '__main__':\n    main()\n",
}


@pytest.mark.parametrize("name", sorted(NOT_LISTINGS))
def test_text_that_is_not_a_listing_is_refused_and_the_library_untouched(
    cli: RunCli, db: Path, tmp_path: Path, name: str
) -> None:
    assert cli("import", str(DAILY)).returncode == 0
    before = library_bytes(db)
    path = tmp_path / name
    path.write_text(NOT_LISTINGS[name])
    result = cli("import", str(path))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"readlist: {path}: no paper listing found")
    assert library_bytes(db) == before


# -- standard input, dry runs -----------------------------------------------------------------


def test_standard_input_is_imported(cli: RunCli, db: Path) -> None:
    result = cli("import", "-", input=(DATA / "hf-daily-2026.txt").read_text())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("standard input: 4 papers (hf): 4 added")
    assert {p.sources for p in Store.open(db).papers()} == {("-",)}


def test_a_dry_run_reports_and_changes_nothing(cli: RunCli, db: Path) -> None:
    assert cli("import", str(DATA / "hf-daily-2026.txt")).returncode == 0
    before = library_bytes(db)
    result = cli("import", "--dry-run", str(DATA / "hf-trending-2026.txt"), str(DAILY))
    assert result.returncode == 0, result.stderr
    # Self-Correcting is new; Sparse gets the trending view's upvotes.
    assert "1 would be added, 1 would be updated" in result.stdout
    assert "30 would be added" in result.stdout
    assert result.stdout.rstrip().endswith("dry run: nothing was changed")
    assert library_bytes(db) == before


# -- readlist's own JSON export, read back ----------------------------------------------------


def test_a_json_export_restores_everything_into_an_empty_library(
    cli: RunCli, db: Path, tmp_path: Path
) -> None:
    assert (
        cli("import", str(DATA / "hf-daily-2026.txt"), str(DATA / "hf-paper-page.txt")).returncode
        == 0
    )
    assert cli("tag", "Sparse", "to-read", "moe").returncode == 0
    assert cli("rate", "Tiny", "4").returncode == 0
    exported = tmp_path / "backup.json"
    assert cli("export", "-o", str(exported)).returncode == 0
    original = Store.open(db)
    moved = tmp_path / "elsewhere" / "library.json"
    result = cli("--db", str(moved), "import", str(exported))
    assert result.returncode == 0, result.stderr
    assert "restored the annotations of 2 papers" in result.stdout
    copy = Store.open(moved)
    assert {p.id: p for p in copy.papers()} == {
        p.id: dataclasses.replace(p, sources=(*p.sources, str(exported))) for p in original.papers()
    }
    assert {k: (a.tags, a.rating) for k, a in copy.annotations().items()} == {
        k: (a.tags, a.rating) for k, a in original.annotations().items()
    }


def test_a_json_export_into_a_library_with_other_annotations_keeps_them_unless_asked(
    cli: RunCli, db: Path, tmp_path: Path
) -> None:
    assert cli("import", str(DATA / "hf-daily-2026.txt")).returncode == 0
    assert cli("tag", "Sparse", "from-export").returncode == 0
    exported = tmp_path / "backup.json"
    assert cli("export", "-o", str(exported)).returncode == 0
    assert cli("untag", "Sparse", "from-export").returncode == 0
    assert cli("tag", "Sparse", "mine").returncode == 0
    kept = cli("import", str(exported))
    assert "kept your own for 1" in kept.stdout
    sparse = paper_id("Sparse Mixture Routing for Long-Context Retrieval")
    assert Store.open(db).annotations()[sparse].tags == ("mine",)
    replaced = cli("import", "--annotations", "replace", str(exported))
    assert replaced.returncode == 0
    assert Store.open(db).annotations()[sparse].tags == ("from-export",)


def test_a_json_file_that_is_not_an_export_is_refused(cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"name": "not papers", "items": [1, 2, 3]}')
    result = cli("import", str(path))
    assert result.returncode == 2
    assert "is JSON but not a readlist export" in result.stderr


# -- removing papers --------------------------------------------------------------------------


CPP = "id:" + paper_id("C++ Templates for Deep Learning Kernels")[:8]


def test_remove_keeps_the_paper_and_its_annotations_until_restored(cli: RunCli, db: Path) -> None:
    assert cli("import", str(DATA / "hf-daily-2026.txt")).returncode == 0
    assert cli("tag", CPP, "cpp").returncode == 0
    refused = cli("remove", CPP)  # annotated, no terminal to ask: refuse
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert cli("remove", "--yes", CPP).returncode == 0
    assert "C++ Templates" not in cli("list").stdout
    assert "C++ Templates" in cli("list", "--removed").stdout
    again = cli("import", str(DATA / "hf-daily-2026.txt"))
    assert "1 you removed earlier (left removed)" in again.stdout
    assert "C++ Templates" not in cli("list").stdout
    assert cli("restore", "--all").stdout.strip() == "restored 1 paper"
    assert "#cpp" in cli("list", CPP).stdout


def test_remove_dry_run_and_empty_query(cli: RunCli, db: Path) -> None:
    assert cli("import", str(DATA / "hf-daily-2026.txt")).returncode == 0
    before = library_bytes(db)
    dry = cli("remove", "--dry-run", "Templates")
    assert dry.returncode == 0 and "would remove 2 papers" in dry.stdout
    assert cli("remove").returncode == 2  # an empty query would remove everything
    assert library_bytes(db) == before


def test_all_works_for_every_changing_command(cli: RunCli, db: Path) -> None:
    assert cli("import", str(DATA / "hf-daily-2026.txt")).returncode == 0
    assert cli("tag", "--all", "x", "y").returncode == 0
    assert cli("untag", "--all", "y").returncode == 0
    assert cli("rate", "--all", "3").returncode == 0
    assert cli("read", "--all").returncode == 0
    assert cli("unread", "--all").returncode == 0
    annotations = Store.open(db).annotations().values()
    assert [(a.tags, a.rating, a.read) for a in annotations] == [(("x",), 3, False)] * 4
