"""Sorting: "date" places undated papers by when they were added, "added", and reversing.

Library tests build papers by hand (no Textual); the CLI tests run `readlist list`
in-process on a library in tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from readlist.cli import main
from readlist.library import SORT_KEYS, Library, sort_label
from readlist.models import Annotation, Paper, paper_id
from readlist.query import Query, parse
from readlist.store import Store


def paper(title: str, published: str | None, added: str | None) -> Paper:
    return Paper(id=paper_id(title), title=title, published=published, added=added)


# Imported in this order (positions 0..4): two dated papers, then an undated page.
PAPERS = [
    paper("Old dated", "2026-01-05", "2026-11-01T09:00:00+00:00"),
    paper("New dated", "2026-11-20", "2026-11-01T09:00:00+00:00"),
    paper("Undated early", None, "2026-03-02T10:00:00+00:00"),
    paper("Undated late", None, "2026-11-25T08:00:00+00:00"),
    paper("No dates at all", None, None),
]


def titles(library: Library, rows: list[int]) -> list[str]:
    return [library.papers[i].title for i in rows]


def test_date_sort_places_undated_papers_by_when_they_were_added() -> None:
    library = Library(PAPERS, {})
    assert titles(library, library.select(Query(), "date")) == [
        "Undated late",  # added 2026-11-25, after "New dated" was published
        "New dated",
        "Undated early",  # added 2026-03-02: between the two publication dates
        "Old dated",
        "No dates at all",  # nothing to place it by: last
    ]


def test_added_sort_is_most_recently_added_first() -> None:
    library = Library(PAPERS, {})
    assert "added" in SORT_KEYS and sort_label("added") == "recently added first"
    assert titles(library, library.select(Query(), "added")) == [
        "Undated late",
        # Added in the same second: the one imported later (a higher position) first.
        "New dated",
        "Old dated",
        "Undated early",
        "No dates at all",
    ]


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_reverse_is_the_order_back_to_front(sort: str) -> None:
    annotations = {PAPERS[0].id: Annotation(rating=2), PAPERS[2].id: Annotation(rating=5)}
    library = Library(PAPERS, annotations)
    forward = library.select(Query(), sort)
    assert library.select(Query(), sort, reverse=True) == forward[::-1]
    # Through a filter, too: the matching papers, back to front.
    query = parse("dated")
    matching = library.select(query, sort)
    assert len(matching) == 2  # "Old dated", "New dated" ("Undated" is another word)
    assert library.select(query, sort, reverse=True) == matching[::-1]


def test_reversed_rating_order_follows_a_new_rating() -> None:
    library = Library(PAPERS, {PAPERS[0].id: Annotation(rating=2)})
    assert titles(library, library.select(Query(), "rating", reverse=True))[-1] == "Old dated"
    library.apply({PAPERS[4].id: Annotation(rating=5)})
    rows = library.select(Query(), "rating", reverse=True)
    assert titles(library, rows)[-2:] == ["Old dated", "No dates at all"]


def test_reversed_label() -> None:
    assert sort_label("date", reverse=True) == "newest first, reversed ↑"


@pytest.fixture
def listed(tmp_path: Path) -> Path:
    db = tmp_path / "library.json"
    with Store.open(db) as store:
        store.import_listings([PAPERS])
    return db


def listed_titles(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    assert main(["--db", str(db), "list", *args]) == 0
    lines = capsys.readouterr().out.splitlines()
    found = []
    for line in lines:
        found.append(next(p.title for p in PAPERS if line.endswith(" " + p.title)))
    return found


def test_cli_list_sort_added_and_reverse(listed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The import stamped "No dates at all" with the time it was added (now).
    by_date = listed_titles(listed, capsys)
    assert by_date == ["No dates at all", "Undated late", "New dated", "Undated early", "Old dated"]
    assert listed_titles(listed, capsys, "--reverse") == by_date[::-1]
    by_added = listed_titles(listed, capsys, "--sort", "added")
    assert by_added == [
        "No dates at all",
        "Undated late",
        "New dated",
        "Old dated",
        "Undated early",
    ]
    assert listed_titles(listed, capsys, "--sort", "added", "--reverse") == by_added[::-1]
