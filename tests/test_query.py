"""The query language: parsing, errors, and what each term selects."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readlist.errors import QueryError
from readlist.library import Library
from readlist.models import Annotation, Paper
from readlist.query import And, Flag, Not, Number, Query, Range, Tag, Words, parse


def paper(n: int, title: str, abstract: str = "", **kw: object) -> Paper:
    return Paper(id=f"{n:x}" * 16, title=title, abstract=abstract, **kw)  # type: ignore[arg-type]


PAPERS = [
    paper(
        1,
        "Attention Is All You Need",
        "The Transformer architecture.",
        published="2017-06-12",
        upvotes=90,
        authors_count=8,
    ),
    paper(
        2,
        "Prompt Tuning at Scale",
        "Soft prompts for LLMs.",
        published="2021-04-18",
        upvotes=12,
        authors_count=3,
    ),
    paper(
        3, "Array[int] [bold]x[/]", "Brackets everywhere.", published="2024-01-02", authors_count=1
    ),
    paper(4, "No Metadata Here", "A survey of prompt engineering."),
]
NOTES = {
    PAPERS[0].id: Annotation(
        tags=("nlp", "Classic"), rating=5, read=True, note="Read for the **reading group**"
    ),
    PAPERS[1].id: Annotation(tags=("nlp",), rating=3),
    PAPERS[2].id: Annotation(tags=("[red]",), rating=1, read=True),
}


@pytest.fixture
def library() -> Library:
    return Library(PAPERS, NOTES)


def titles(library: Library, query: str, sort: str = "date") -> list[str]:
    return [library.papers[i].title for i in library.select(parse(query), sort)]


def test_parse_terms() -> None:
    assert parse(
        'Prompt "soft prompts" -tag:NLP is:unread rating:>=4 year:2020..2023 upvotes:10'
    ).root == And(
        (
            Words("text", ("prompt",)),
            Words("text", ("soft", "prompts")),
            Not(Tag("nlp")),
            Flag("unread"),
            Number("rating", ">=", 4),
            Range("year", 2020, 2023),
            Number("upvotes", "", 10),
        )
    )
    assert parse("   ") == Query()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [
                "Array[int] [bold]x[/]",
                "Prompt Tuning at Scale",
                "Attention Is All You Need",
                "No Metadata Here",
            ],
        ),
        ("prompt", ["Prompt Tuning at Scale", "No Metadata Here"]),
        ("PROMPT -survey", ["Prompt Tuning at Scale"]),
        ('"prompt tuning"', ["Prompt Tuning at Scale"]),
        ('"tuning prompt"', []),
        ('"prompt tun', ["Prompt Tuning at Scale"]),  # a phrase being typed runs to the end
        ("transformer", ["Attention Is All You Need"]),  # abstract
        ("classic", ["Attention Is All You Need"]),  # a tag is searched as text
        ("reading group", ["Attention Is All You Need"]),  # so is the note
        ("tag:nlp", ["Prompt Tuning at Scale", "Attention Is All You Need"]),
        ("tag:classic", ["Attention Is All You Need"]),
        ("tag:[red]", ["Array[int] [bold]x[/]"]),
        ("-tag:nlp", ["Array[int] [bold]x[/]", "No Metadata Here"]),
        ("is:read", ["Array[int] [bold]x[/]", "Attention Is All You Need"]),
        ("is:unread", ["Prompt Tuning at Scale", "No Metadata Here"]),
        ("-is:read", ["Prompt Tuning at Scale", "No Metadata Here"]),
        (
            "is:rated",
            ["Array[int] [bold]x[/]", "Prompt Tuning at Scale", "Attention Is All You Need"],
        ),
        ("is:unrated", ["No Metadata Here"]),
        ("rating:>=3", ["Prompt Tuning at Scale", "Attention Is All You Need"]),
        ("rating:5", ["Attention Is All You Need"]),
        ("rating:<2", ["Array[int] [bold]x[/]", "No Metadata Here"]),
        ("rating:0", ["No Metadata Here"]),
        ("year:2017", ["Attention Is All You Need"]),
        ("year:2018..2024", ["Array[int] [bold]x[/]", "Prompt Tuning at Scale"]),
        ("year:2021..", ["Array[int] [bold]x[/]", "Prompt Tuning at Scale"]),
        ("year:..2020", ["Attention Is All You Need"]),
        ("year:>2020", ["Array[int] [bold]x[/]", "Prompt Tuning at Scale"]),
        ("-year:2017", ["Array[int] [bold]x[/]", "Prompt Tuning at Scale", "No Metadata Here"]),
        ("upvotes:>=12", ["Prompt Tuning at Scale", "Attention Is All You Need"]),
        ("upvotes:<50", ["Prompt Tuning at Scale"]),  # unknown upvotes never match a comparison
        ("authors:>5", ["Attention Is All You Need"]),
        ("authors:1", ["Array[int] [bold]x[/]"]),
        (f"id:{PAPERS[1].id[:10]}", ["Prompt Tuning at Scale"]),
        ("[bold]", ["Array[int] [bold]x[/]"]),
        ("https://nowhere", []),  # a URL is text, not a field
    ],
)
def test_query_selects(library: Library, query: str, expected: list[str]) -> None:
    assert titles(library, query) == expected


def test_sorts(library: Library) -> None:
    assert titles(library, "", "upvotes")[:2] == [
        "Attention Is All You Need",
        "Prompt Tuning at Scale",
    ]
    assert titles(library, "", "rating") == [
        "Attention Is All You Need", "Prompt Tuning at Scale", "Array[int] [bold]x[/]", "No Metadata Here",
    ]  # fmt: skip
    assert titles(library, "", "title") == [
        "Array[int] [bold]x[/]", "Attention Is All You Need", "No Metadata Here", "Prompt Tuning at Scale",
    ]  # fmt: skip


def test_applied_annotations_change_results_and_rating_order(library: Library) -> None:
    library.apply({PAPERS[3].id: Annotation(rating=4, tags=("late",))})
    assert titles(library, "tag:late") == ["No Metadata Here"]
    assert titles(library, "", "rating")[:2] == ["Attention Is All You Need", "No Metadata Here"]
    library.apply({PAPERS[3].id: Annotation()})
    assert titles(library, "tag:late") == []
    assert library.filter(Query()).unread() == 2


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("good -", "'-' must be followed by a term", 5),
        ("--x", "'--' is not a term", 0),
        ("rating:>=9", "ratings go from 0 to 5, not 9", 0),
        ("rating:high", "rating:high is not a number comparison; try rating:>=4", 0),
        ("rate:5", "unknown filter 'rate:'", 0),
        ("tag:", "'tag:' needs a value", 0),
        ("is:maybe", "is:maybe is not known", 0),
        ("year:2023..2020", "year range 2023..2020 is empty", 0),
        ("year:..", "year range needs at least one year", 0),
        ('x ""', 'empty phrase ""', 2),
    ],
)
def test_malformed_queries_are_clear_errors(query: str, message: str, position: int) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert message in str(caught.value)
    assert caught.value.position == position
    assert "\n" not in str(caught.value)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    try:
        query = parse(text)
    except QueryError:
        return
    Library(PAPERS, NOTES).select(query)  # and whatever parses can be evaluated


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["prompt", "tag:nlp", "is:read", "rating:>=3", "year:2017", "-survey", "x"]
        ),
        max_size=4,
    )
)
def test_terms_are_anded(terms: list[str]) -> None:
    library = Library(PAPERS, NOTES)
    together = set(library.select(parse(" ".join(terms))))
    separately = set(range(len(PAPERS)))
    for term in terms:
        separately &= set(library.select(parse(term)))
    assert together == separately


def test_narrowing_gives_the_same_rows_as_a_fresh_filter(library: Library) -> None:
    previous = library.filter(parse("p"))
    previous.ordered("date")
    for text in ("pr", "pro", "prompt", "prompt -survey", "tag:nlp"):
        matches = library.filter(parse(text))
        assert matches.ordered("date", narrowing=previous) == library.select(parse(text), "date")
        previous = matches
    # a wider query is not narrowed from a smaller result
    wide = library.filter(parse(""))
    assert wide.ordered("date", narrowing=previous) == library.select(parse(""), "date")
