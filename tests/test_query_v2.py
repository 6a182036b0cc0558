"""The query language v2: words as prefixes, phrases, OR/NOT/groups, fields, saved filters.

The fast evaluator (bitsets, searchable texts, the word index) is checked against a slow
reference written here in plain Python, on generated libraries and generated queries.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.errors import QueryError
from readlist.library import Library
from readlist.models import Annotation, Paper
from readlist.query import parse
from readlist.search import SearchIndex

TODAY = date(2026, 11, 22)


def paper(n: int, title: str, abstract: str = "", **kw: object) -> Paper:
    return Paper(id=f"{n:016x}", title=title, abstract=abstract, **kw)  # type: ignore[arg-type]


PAPERS = [
    paper(1, "RAG-based Retrieval for Long Inputs", "We study retrieval.", authors=("Ana Pérez",)),
    paper(2, "On the Average Case", "Leverage fragile averages.", organization="DeepMind"),
    paper(3, "Prompt Tuning at Scale", "Soft prompts; tuning them.", categories=("cs.CL",)),
    paper(4, "Déjà Vu: Tuned Models", "Prompt engineering, then tuning.", arxiv_id="2309.05173"),
    paper(
        5,
        "Scaling Laws",
        "Transformers scale.",
        added="2026-11-22T08:00:00+00:00",
        links=("https://x.org",),
        categories=("stat.ML", "cs.LG"),
    ),
    paper(6, "Old Paper", "Nothing here.", added="2026-10-01T08:00:00+00:00"),
]
NOTES = {
    PAPERS[1].id: Annotation(note="Reread the proof", tags=("maths",), read=True),
    PAPERS[2].id: Annotation(tags=("to-read", "nlp"), rating=4),
    PAPERS[5].id: Annotation(rating=2, read=True),
}


def titles(query: str, indexed: bool = False) -> list[str]:
    library = Library(PAPERS, NOTES)
    if indexed:
        library.search.build_text_index()
    rows = library.select(parse(query, today=TODAY), "title")
    return [library.papers[i].title.split()[0] for i in rows]


@pytest.mark.parametrize("indexed", [False, True])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("RAG", ["RAG-based"]),  # not "average", "leverage", "fragile"
        ("rag", ["RAG-based"]),
        ("~rag", ["On", "RAG-based"]),  # substrings when asked for
        ("tun", ["Déjà", "Prompt"]),  # tuning, Tuned
        ("tun*", ["Déjà", "Prompt"]),
        ("deja", ["Déjà"]),  # accents do not matter
        ("DÉJÀ", ["Déjà"]),
        ('"prompt tuning"', ["Prompt"]),
        ('"tuning prompt"', []),
        ('"soft prompt"', ["Prompt"]),  # the last word of a phrase is a prefix
        ('"vu tuned"', ["Déjà"]),  # "Déjà Vu: Tuned": punctuation between words is ignored
        ("prompt tuning", ["Déjà", "Prompt"]),  # two words, anywhere
        ("scaling OR average", ["On", "Scaling"]),
        ("scaling | average", ["On", "Scaling"]),
        ("is:read OR is:rated", ["Old", "On", "Prompt"]),
        ("(prompt OR retrieval) -soft", ["Déjà", "RAG-based"]),
        ("NOT tun", ["Old", "On", "RAG-based", "Scaling"]),
        ("title:tuning", ["Prompt"]),
        ("abstract:tuning", ["Déjà", "Prompt"]),
        ("author:perez", ["RAG-based"]),
        ("org:deepmind", ["On"]),
        ("note:reread", ["On"]),
        ("reread", ["On"]),  # notes and tags are text too
        ("note:maths", []),  # ... but a tag is not the note
        ("tag:to-read", ["Prompt"]),
        ("arxiv:2309", ["Déjà"]),
        ("cat:cs", ["Prompt", "Scaling"]),
        ("cat:cs.cl", ["Prompt"]),
        ("cat:c", []),  # a category, not a prefix of one
        ("has:note", ["On"]),
        ("has:tags", ["On", "Prompt"]),
        ("has:authors", ["RAG-based"]),
        ("has:link", ["Scaling"]),
        ("added:today", ["Scaling"]),
        ("added:7d", ["Scaling"]),
        ("added:2026-10", ["Old"]),
        ("added:2026", ["Old", "Scaling"]),
        ("-added:2026", ["Déjà", "On", "Prompt", "RAG-based"]),
        ('"hft:" ', []),
    ],
)
def test_query_selects(query: str, expected: list[str], indexed: bool) -> None:
    assert titles(query, indexed) == expected


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("a OR", "'OR' needs a term after it", 2),
        ("OR a", "'OR' needs a term before it", 0),
        ("a | | b", "'|' needs a term after it", 2),
        ("(a", "unclosed '('", 0),
        ("a)", "unmatched ')'", 1),
        ("()", "empty parentheses", 0),
        ("NOT", "'NOT' must be followed by a term", 0),
        ("rate:5", 'put it in quotes: "rate:5"', 0),
        ("x has:pdf", "has:pdf is not known", 2),
        ("added:soon", "added:soon is not a date", 0),
        ("added:2026-13", "added:2026-13 is not a date", 0),
        ("~", "needs letters or digits", 0),
        ("++", "'++' has no letters or digits", 0),
        ("@nope", "no saved filter '@nope'", 0),
        ("NOT " * 60 + "x", "too many NOTs", 200),
    ],
)
def test_malformed_queries_are_one_line_errors(query: str, message: str, position: int) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert message in str(caught.value)
    assert caught.value.position == position
    assert "\n" not in str(caught.value)


def test_a_colon_ending_a_word_is_part_of_a_title() -> None:
    assert titles("Vu: tuned") == ["Déjà"]


def test_saved_filters_expand_inside_queries() -> None:
    saved = {"Inbox": "is:unread -tag:nlp", "loop": "@loop", "bad": "rate:5"}
    library = Library(PAPERS, NOTES)
    rows = library.select(parse("@inbox tun", saved=saved), "title")
    assert [library.papers[i].title for i in rows] == ["Déjà Vu: Tuned Models"]
    with pytest.raises(QueryError, match="'@loop' refers to itself"):
        parse("@loop", saved=saved)
    with pytest.raises(QueryError, match="in saved filter '@bad': unknown filter 'rate:'"):
        parse("x @bad", saved=saved)


def test_highlights_are_the_positive_words_of_a_field() -> None:
    query = parse('tun title:"soft p" -survey abstract:x note:y', today=TODAY)
    assert [w.words for w in query.highlights("title")] == [("tun",), ("soft", "p")]
    assert [w.words for w in query.highlights("note")] == [("tun",), ("y",)]


# -- generated libraries and queries against a slow reference -------------------------------

VOCAB = ["RAG", "rag-based", "average", "Tuning", "tun", "Déjà", "deja", "Vu", "prompt",
         "Prompts", "fine-tuning", "Straße", "strasse", "x", "x2", "ÉTÉ", "été",
         "C++", "C", "C#", "c++17", "a+b"]  # fmt: skip
TAGS = ["ml", "ML", "to-read", "nlp"]


def _normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _ref_words(text: str) -> list[str]:
    """Words the slow way: runs of alphanumeric characters of the normalised text, each
    with the run of + and # right after it when no letter or digit follows that run."""
    chars = _normalize(text)
    out, i = [], 0
    while i < len(chars):
        if not chars[i].isalnum():
            i += 1
            continue
        start = i
        while i < len(chars) and chars[i].isalnum():
            i += 1
        end = i
        while end < len(chars) and chars[end] in "+#":
            end += 1
        if end > i and not (end < len(chars) and chars[end].isalnum()):
            i = end
        out.append(chars[start:i])
    return out


@dataclass(frozen=True)
class Term:
    field: str  # "text", "title", "abstract", "note", "author", "tag", "is"
    words: tuple[str, ...]
    substring: bool = False

    def render(self) -> str:
        if self.field == "tag":
            return f"tag:{self.words[0]}"
        if self.field == "is":
            return f"is:{self.words[0]}"
        body = " ".join(self.words)
        body = f'"{body}"' if len(self.words) > 1 else body
        if self.substring:
            body = "~" + body
        return body if self.field == "text" else f"{self.field}:{body}"


Expr = Term | tuple[str, tuple["Expr", ...]]


def render(expr: Expr) -> str:
    if isinstance(expr, Term):
        return expr.render()
    op, children = expr
    if op == "not":
        return "-(" + render(children[0]) + ")" if len(children) else ""
    joiner = " " if op == "and" else " OR "
    return "(" + joiner.join(render(c) for c in children) + ")"


def _holds(fields: Sequence[str], term: Term) -> bool:
    wanted = [_ref_words(w) for w in term.words]
    query = [w for ws in wanted for w in ws]
    for text in fields:
        ws = _ref_words(text)
        if term.substring:
            if " ".join(query) in " ".join(ws):
                return True
            continue
        k = len(query)
        for i in range(len(ws) - k + 1):
            if ws[i : i + k - 1] == query[:-1] and ws[i + k - 1].startswith(query[-1]):
                return True
    return False


def reference(expr: Expr, p: Paper, a: Annotation) -> bool:
    if isinstance(expr, tuple):
        op, children = expr
        if op == "not":
            return not reference(children[0], p, a)
        results = [reference(c, p, a) for c in children]
        return all(results) if op == "and" else any(results)
    if expr.field == "tag":
        return any(t.casefold() == expr.words[0].casefold() for t in a.tags)
    if expr.field == "is":
        return a.read if expr.words[0] == "read" else bool(a.rating)
    fields = {
        "text": [p.title, p.abstract, " ".join(a.tags), a.note],
        "title": [p.title],
        "abstract": [p.abstract],
        "note": [a.note],
        "author": list(p.authors),
    }[expr.field]
    return _holds(fields, expr)


texts = st.lists(st.sampled_from(VOCAB), max_size=6).map(" ".join)
annotations = st.builds(
    Annotation,
    tags=st.lists(st.sampled_from(TAGS), max_size=2, unique_by=str.casefold).map(tuple),
    rating=st.integers(0, 5),
    read=st.booleans(),
    note=texts,
)
papers = st.lists(
    st.tuples(texts, texts, st.lists(texts, max_size=2).map(tuple), annotations),
    min_size=1,
    max_size=12,
)
query_words = st.sampled_from(
    [
        "rag",
        "RAG",
        "tun",
        "tuning",
        "deja",
        "DÉJÀ",
        "prompt",
        "x",
        "str",
        "stras",
        "ete",
        "fine",
        "C++",
        "c+",
        "C",
        "C#",
        "17",
    ]
)
terms = st.one_of(
    st.builds(
        Term,
        st.sampled_from(["text", "title", "abstract", "note", "author"]),
        st.lists(query_words, min_size=1, max_size=3).map(tuple),
        st.booleans(),
    ),
    st.builds(Term, st.just("tag"), st.sampled_from(TAGS).map(lambda t: (t,))),
    st.builds(Term, st.just("is"), st.sampled_from(["read", "rated"]).map(lambda t: (t,))),
)
expressions = st.recursive(
    terms,
    lambda children: st.one_of(
        st.tuples(st.just("and"), st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.tuples(st.just("or"), st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.tuples(st.just("not"), st.tuples(children)),
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(papers, expressions, st.booleans())
def test_the_evaluator_agrees_with_the_reference(
    rows: list[tuple[str, str, tuple[str, ...], Annotation]], expr: Expr, indexed: bool
) -> None:
    catalogue = [
        paper(i, title or "untitled", abstract, authors=authors)
        for i, (title, abstract, authors, _) in enumerate(rows)
    ]
    notes = {p.id: a for p, (*_, a) in zip(catalogue, rows, strict=True)}
    search = SearchIndex(catalogue)
    if indexed:
        search.build_text_index()
    library = Library(catalogue, notes, search)
    text = render(expr)
    got = set(library.select(parse(text)))
    expected = {i for i, p in enumerate(catalogue) if reference(expr, p, notes[p.id])}
    assert got == expected, text


@settings(max_examples=300, deadline=None)
@given(st.lists(query_words, min_size=1, max_size=5))
def test_typing_a_word_letter_by_letter_gives_fresh_results(typed: list[str]) -> None:
    """The scan narrows from cached results; it must give what a fresh index gives."""
    catalogue = [paper(i, " ".join(VOCAB[i:] + VOCAB[:i][:3])) for i in range(len(VOCAB))]
    warm = Library(catalogue, {})
    text = " ".join(typed)
    for end in range(1, len(text) + 1):
        try:
            query = parse(text[:end])
        except QueryError:
            continue
        assert warm.select(query) == Library(catalogue, {}).select(query), text[:end]


PIECES = ["a", "tun", " ", "(", ")", "|", "OR", "NOT", "-", '"', "~", "*", "@x", "title:",
          "tag:", "is:", "read", "year:", "20x", "2020..", "added:", "7d", "has:", "note",
          "rate:", "HFT:", "é", "\n", "\x1b", ":"]  # fmt: skip
SOUP = st.lists(
    st.sampled_from(PIECES),
    max_size=14,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(SOUP, st.text(max_size=40)))
def test_every_query_parses_or_is_one_clear_error(text: str) -> None:
    try:
        query = parse(text, today=TODAY, saved={"x": "is:read OR tun"})
    except QueryError as error:
        message = str(error)
        assert message.startswith("bad query: ") and len(message) > len("bad query: ") + 5
        assert "\n" not in message
        assert error.position is not None and 0 <= error.position <= len(text)
        return
    Library(PAPERS, NOTES).select(query)  # whatever parses can be evaluated


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(VOCAB), max_size=8), min_size=200, max_size=300),
    st.lists(st.lists(query_words, min_size=1, max_size=2), min_size=1, max_size=8),
)
def test_the_word_index_gives_what_a_scan_gives(
    abstracts: list[list[str]], queries: list[list[str]]
) -> None:
    """Large enough that frequent words keep bitsets and uncovered papers are verified."""
    catalogue = [paper(i, f"paper {i}", " ".join(words)) for i, words in enumerate(abstracts)]
    indexed = SearchIndex(catalogue)
    indexed.build_text_index()
    scanned = SearchIndex(catalogue)
    for words in queries:
        text = '"' + " ".join(words) + '"'
        query = parse(text)
        assert indexed.evaluate(query, {}, {}) == scanned.evaluate(query, {}, {}), text
        assert indexed.evaluate(parse(words[0]), {}, {}) == scanned.evaluate(
            parse(words[0]), {}, {}
        )


def test_the_readme_table_is_the_generated_one() -> None:
    from pathlib import Path

    from readlist.query.syntax import SYNTAX, cli_help, help_rows, markdown_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- query-table:start -->\n", "<!-- query-table:end -->"
    table = readme[readme.index(start) + len(start) : readme.index(end)]
    assert table == markdown_table()
    assert len(table.splitlines()) == len(SYNTAX) + 2
    assert all(row.example in cli_help() for row in SYNTAX)
    assert help_rows() == tuple((row.example, row.description) for row in SYNTAX)
    for row in SYNTAX:  # every example in the documentation parses
        parse(row.example, saved={"inbox": "is:unread"})


SYMBOL_TITLES = [
    paper(31, "Modern C++ Design for Kernels"),
    paper(32, "The C Programming Language"),
    paper(33, "C# in Depth", "Unlike C++, it has a garbage collector."),
    paper(34, "F# for Fun and Profit"),
    paper(35, "A+B Testing at Scale", "Compilers for C++17 and C."),
]


@pytest.mark.parametrize("indexed", [False, True])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("C++", [31, 33]),  # not "The C Programming Language": C++ and C are different
        ("c++", [31, 33]),
        ("title:C++", [31]),
        ("C#", [33]),
        ("F#", [34]),
        ('"C++ design"', [31]),
        ("c+", [31, 33]),  # typing C++ letter by letter narrows, never widens
        ("C", [31, 32, 33, 35]),  # the prefix c: C, C++, C#, "Compilers", C++17's "c"
        ("title:C -title:C++", [32, 33]),
        ("~C++", [31, 33]),  # as a substring too
        ("A+B", [35]),  # a + inside a run still separates words: "a" then "b"
    ],
)
def test_words_ending_in_symbols_match_literally(
    query: str, expected: list[int], indexed: bool
) -> None:
    search = SearchIndex(SYMBOL_TITLES)
    if indexed:
        search.build_text_index()
    got = Library(SYMBOL_TITLES, {}, search).select(parse(query))
    assert sorted(int(SYMBOL_TITLES[i].id, 16) for i in got) == expected


def test_highlighting_marks_cpp_whole() -> None:
    from readlist.query.highlight import match_spans

    title = "Modern C++ Design, not C"
    spans = match_spans(title, parse("C++").highlights("title"))
    assert [title[a:b] for a, b in spans] == ["C++"]
    spans = match_spans(title, parse("C").highlights("title"))
    assert [title[a:b] for a, b in spans] == ["C", "C"]  # the prefix, in C++ and in C
