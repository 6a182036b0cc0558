"""Rows found as they are asked for (`library.Rows`): the list of a large result.

The TUI lists a result of thousands of papers as `Rows`, which pick the matching
positions out of the sort order a few thousand at a time, as far as the list reads
them. Whatever is asked, in whatever order, they must answer what the whole list
(`bitsets.pick` of the whole order) answers.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readlist import library as library_module
from readlist.bitsets import pick
from readlist.library import Library, Rows
from readlist.models import Paper
from readlist.query import parse


@st.composite
def orders(draw: st.DrawFn) -> tuple[list[int], bytes]:
    n = draw(st.integers(0, 300))
    order = draw(st.permutations(range(n)))
    flags = bytes(draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n)))
    return list(order), flags


asks = st.lists(
    st.one_of(
        st.tuples(st.just("item"), st.integers(-310, 310)),
        st.tuples(st.just("slice"), st.integers(-310, 310), st.integers(-310, 310)),
        st.tuples(st.just("reversed"), st.integers(0, 310)),
        st.tuples(st.just("index"), st.integers(0, 310)),
        st.tuples(st.just("in"), st.integers(-5, 310)),
        st.tuples(
            st.just("list"),
        ),
    ),
    max_size=12,
)


def answer(rows: Rows | list[int], ask: tuple[object, ...]) -> object:
    kind = ask[0]
    try:
        if kind == "item":
            return rows[ask[1]]  # type: ignore[index]
        if kind == "slice":
            return list(rows[ask[1] : ask[2]])  # type: ignore[misc]
        if kind == "reversed":
            return list(rows[ask[1] :: -1])  # type: ignore[misc]
        if kind == "index":
            return rows.index(ask[1])  # type: ignore[arg-type]
        if kind == "in":
            return ask[1] in rows
        return list(rows)
    except (IndexError, ValueError) as error:
        return type(error)


@settings(max_examples=300, deadline=None)
@given(order_flags=orders(), asked=asks, step=st.integers(1, 50))
def test_rows_answer_what_the_whole_list_answers(
    order_flags: tuple[list[int], bytes], asked: list[tuple[object, ...]], step: int
) -> None:
    order, flags = order_flags
    whole = pick(order, flags)
    rows = Rows(order, flags, sum(flags))
    rows.STEP = step  # type: ignore[misc]  # (small steps: many partial states)
    assert len(rows) == len(whole)
    for ask in asked:
        assert answer(rows, ask) == answer(whole, ask), ask
    assert rows == whole and list(rows) == whole and bool(rows) == bool(whole)


def test_a_screenful_of_a_large_result_looks_at_the_start_of_the_order_only() -> None:
    order = list(range(100_000))
    random.Random(1).shuffle(order)
    rng = random.Random(2)
    flags = bytes(rng.random() < 0.9 for _ in range(100_000))
    rows = Rows(order, flags, sum(flags))
    assert rows[:40] == pick(order, flags)[:40]
    assert rows._scanned == Rows.STEP  # one step of the order, not 100,000 positions
    assert order[5] in rows or not flags[order[5]]


PAPERS = [
    Paper(
        id=f"p{i:04d}",
        title=f"paper {i} " + ("prompt tuning" if i % 3 else "lang model"),
        published=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
    )
    for i in range(3_000)
]


@pytest.mark.parametrize("sort", ["date", "title", "upvotes"])
def test_a_lazy_result_lists_what_a_fresh_filter_lists_while_typing(
    sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_module, "LAZY_ABOVE", 100)
    library = Library(PAPERS, {})
    previous = None
    for text in ("", "p", "pa", "pap", "paper", "paper p", "paper pr", "lang", "", "-lang"):
        for reverse in (False, True):
            matches = library.filter(parse(text))
            rows = matches.ordered(sort, narrowing=previous, lazy=True, reverse=reverse)
            assert list(rows) == library.select(parse(text), sort, reverse=reverse), text
            previous = matches
    big = library.filter(parse("prompt")).ordered(sort, lazy=True)  # 2,000 of 3,000
    assert isinstance(big, Rows)  # the lazy path was taken
