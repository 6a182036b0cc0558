"""The start's catalogue swap keeps what the papers shown already had.

At start the list shows the papers without abstracts; the stage then hands over the
same papers with them (`CatalogueReady(same_papers=True)`), and the new library takes
the shown one's position map and sort orders instead of making them again on the
front end's thread (~0.15 s at 100,000 papers). Whatever it takes must be what it
would have made; after another process's import (a reload) it takes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from readlist.library import SORT_KEYS, Library
from readlist.models import Annotation, Paper
from readlist.session import CatalogueReady, LibrarySession
from readlist.store import Store

PAPERS = [
    Paper(
        id=f"p{i:03d}",
        title=f"{'BCA'[i % 3]} paper {i}",
        published=None if i % 4 == 0 else f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}",
        added=f"2026-11-{1 + i % 30:02d}T10:00:00",
        upvotes=None if i % 5 == 0 else i % 17,
    )
    for i in range(120)
]


def test_a_library_like_the_shown_one_orders_as_a_fresh_one() -> None:
    notes = {f"p{i:03d}": Annotation(rating=i % 6) for i in range(0, 120, 7)}
    shown = Library(PAPERS, notes)
    for sort in SORT_KEYS:
        shown.order(sort)
    with_abstracts = [replace(p, abstract=f"abstract of {p.title}") for p in PAPERS]
    later = {**notes, "p001": Annotation(rating=5)}  # rated while the stage ran
    like = Library(with_abstracts, later, like=shown)
    fresh = Library(with_abstracts, later)
    assert like.position == fresh.position
    for sort in SORT_KEYS:
        for reverse in (False, True):
            assert like.order(sort, reverse=reverse) == fresh.order(sort, reverse=reverse), sort
    assert like.order("date") is shown.order("date")  # taken, not made again
    assert like.order("rating") is not shown.order("rating")  # depends on annotations
    # Not the same papers after all (another length, another order): nothing is taken.
    fewer = Library(with_abstracts[:-1], later, like=shown)
    assert fewer.order("date") == Library(with_abstracts[:-1], later).order("date")
    turned = with_abstracts[::-1]
    assert Library(turned, later, like=shown).order("date") == Library(turned, later).order("date")


def test_only_the_starts_swap_says_the_papers_are_the_same(sample_store: Store) -> None:
    session = LibrarySession(sample_store, stage_above=0)
    ready = [s for s in session.load_catalogue() if isinstance(s, CatalogueReady)]
    assert [r.same_papers for r in ready] == [True]
    reload = [s for s in session.load_catalogue(reload=True) if isinstance(s, CatalogueReady)]
    assert [r.same_papers for r in reload] == [False]
