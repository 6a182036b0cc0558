"""Typing a query a key at a time gives exactly what a scan gives, whatever the shortcuts.

Each keystroke reuses earlier work: a phrase's head collects the words that follow it
(`textindex.Followers`) and answers the next keys from them; a result with the same
papers as the last one keeps its rows; few matches are sorted by rank instead of
filtered. The reference is the slow way: every text scanned for the phrase, every row
of the sort order tested.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.errors import QueryError
from readlist.library import Library, Matches
from readlist.models import Paper
from readlist.query import parse, searchable
from readlist.search import SearchIndex
from readlist.textindex import WordIndex, followers, following

from .test_query_stored import stored_search
from .test_query_v2 import paper

# Words that start other words, repeat, and overlap in phrases ("a a a"), with accents
# and punctuation the tokenizer cuts or keeps.
WORDS = ["a", "ab", "abc", "b", "ba", "tun", "tuning", "prompt", "prompts", "déjà", "C++", "x2"]
typed = st.lists(st.sampled_from(["a", "ab", "b", "tun", "prompt", "deja", "c++", "a"]), min_size=2)


def papers_of(rows: list[tuple[list[str], list[str]]]) -> list[Paper]:
    return [
        paper(i, " ".join(title) or "untitled", " ".join(abstract), published=f"20{i % 30:02}")
        for i, (title, abstract) in enumerate(rows)
    ]


def reference(papers: list[Paper], text: str) -> list[int]:
    """Positions matching the phrase query `text` ('"w1 w2'), by scanning every paper."""
    needle = searchable(text.strip('"'))[:-1]  # " w1 w2" (a prefix of its last word)
    return [i for i, p in enumerate(papers) if needle in searchable(p.title, p.abstract)]


def typed_keys(library: Library, text: str) -> list[tuple[str, list[int], Matches | None]]:
    """Each prefix of `text` typed in turn into one library, as the TUI does."""
    out = []
    previous: Matches | None = None
    for end in range(1, len(text) + 1):
        try:
            matches = library.filter(parse(text[:end]))
        except QueryError:
            out.append((text[:end], [], None))
            continue
        rows = matches.ordered("date", narrowing=previous)
        out.append((text[:end], rows, matches))
        previous = matches
    return out


rows_strategy = st.lists(
    st.tuples(
        st.lists(st.sampled_from(WORDS), max_size=4),
        st.lists(st.sampled_from(WORDS), max_size=12),
    ),
    min_size=1,
    max_size=120,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows_strategy, st.lists(typed, min_size=1, max_size=3), st.booleans())
def test_a_phrase_typed_key_by_key_lists_what_a_scan_lists(
    tmp_path: Path, rows: list[tuple[list[str], list[str]]], phrases: list[list[str]], disk: bool
) -> None:
    papers = papers_of(rows)
    if disk:  # the index memory-mapped from its file, texts searched as bytes
        search = stored_search(tmp_path, papers)
        shown = [p.with_abstract("") for p in papers]
    else:
        search = SearchIndex(papers)
        search.build_text_index()
        shown = papers
    library = Library(shown, {}, search)
    slow = Library(papers, {})  # no word index: every text scanned for every key
    for words in phrases:
        text = '"' + " ".join(words)
        for prefix, rows_shown, matches in typed_keys(library, text):
            if matches is None or prefix.endswith(" "):
                continue
            expected = reference(papers, prefix)
            assert sorted(rows_shown) == expected, prefix
            assert rows_shown == slow.select(parse(prefix), "date"), prefix
            assert len(matches) == len(expected), prefix


def test_the_words_after_a_phrase_head_are_found_at_every_occurrence() -> None:
    # Overlapping heads (" a a " in " a a a "), heads ending inside a longer word
    # (" prompt" in " prompts"), and a head at the very end of the text.
    assert following(" a a a b ", " a a ") == ["a", "b"]
    texts = [" a a a b ", " prompts prompt tuning prompt prompt x ", " x prompt ", " a b a c a "]
    assert followers(texts, range(4), " prompt ") == {"tuning": [1], "prompt": [1], "x": [1]}
    assert followers(texts, range(4), " a a ") == {"a": [0], "b": [0]}
    assert followers(texts, range(4), " a ") == {"a": [0], "b": [0, 3], "c": [3]}


def test_the_stored_index_finds_the_same_followers(tmp_path: Path) -> None:
    abstracts = ["a a a b", "prompts prompt tuning prompt prompt x", "x prompt", "a b a c a"]
    papers = [paper(i, "t", text) for i, text in enumerate(abstracts)]
    stored = stored_search(tmp_path, papers).text_index
    memory = WordIndex([searchable(p.title, p.abstract) for p in papers])
    assert stored is not None
    for needle in (" prompt ", " a a ", " a ", " x "):
        assert stored.followers(range(4), needle) == memory.followers(range(4), needle), needle


def test_a_key_that_keeps_the_same_papers_keeps_the_same_rows() -> None:
    papers = [paper(i, f"language model {i}", published=f"20{i % 25:02}") for i in range(300)]
    papers += [paper(300 + i, f"vision {i}") for i in range(30)]
    library = Library(papers, {})
    keys = typed_keys(library, "language")
    for prefix, rows, _matches in keys[3:]:  # "lang" onwards: the same 300 papers
        assert rows == library.select(parse(prefix), "date"), prefix
        assert len(rows) == 300
    few = library.filter(parse("vision"))  # 30 of 330: sorted by rank, not filtered
    assert few.ordered("date") == [i for i in library.order("date") if i >= 300]
    assert few.ordered("date", reverse=True) == [
        i for i in library.order("date", reverse=True) if i >= 300
    ]
