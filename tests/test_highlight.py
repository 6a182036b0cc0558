"""Highlight spans: where a query's words are marked in a text.

`match_spans` keeps the words of the texts it marked lately and skips a term whose
last word is in none of them; it must mark exactly what cutting the text afresh and
trying every term at every word marks (`reference`, the implementation before).
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from readlist.query import parse
from readlist.query.highlight import match_spans
from readlist.query.nodes import Words
from readlist.query.words import WORD_PATTERN, normalize

_WORD = re.compile(WORD_PATTERN)
VOCABULARY = [
    "Prompt",
    "prompting",
    "tuning",
    "Tun",
    "RAG-based",
    "rag",
    "C++",
    "C",
    "C#",
    "Straße",
    "strasse",
    "Déjà",
    "deja",
    "vu",
    "language",
    "Lang",
    "models",
    "x1",
    "transformer",
    "former",
    "漢字",
    "naïve",
]


def reference(text: str, terms: list[Words]) -> list[tuple[int, int]]:
    if not terms or not text:
        return []
    tokens = [(m.start(), m.end(), normalize(m.group())) for m in _WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    for term in terms:
        query = term.words
        k = len(query)
        if term.substring and k == 1:
            for start, end, word in tokens:
                at = word.find(query[0])
                if at >= 0:
                    exact = len(word) == end - start
                    spans.append(
                        (start + at, start + at + len(query[0])) if exact else (start, end)
                    )
            continue
        for i in range(len(tokens) - k + 1):
            window = tokens[i : i + k]
            head = all(window[j][2] == query[j] for j in range(k - 1))
            last_start, last_end, last = window[-1]
            fits = last.startswith(query[-1]) if not term.substring else query[-1] in last
            if head and fits:
                end = last_end
                if not term.substring and len(last) == last_end - last_start:
                    end = last_start + len(query[-1])
                spans.append((window[0][0], end))
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


texts = st.lists(
    st.tuples(st.sampled_from(VOCABULARY), st.sampled_from([" ", ", ", "-", "\n", " (", ") "])),
    max_size=30,
).map(lambda parts: "".join(word + gap for word, gap in parts))
word = (
    st.sampled_from(VOCABULARY)
    .map(normalize)
    .flatmap(lambda w: st.integers(1, max(1, len(w))).map(lambda n: w[:n]))
)
terms = st.lists(
    st.builds(
        Words, st.just("title"), st.lists(word, min_size=1, max_size=3).map(tuple), st.booleans()
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=500, deadline=None)
@given(text=texts, terms=terms)
def test_spans_are_the_reference_ones(text: str, terms: list[Words]) -> None:
    assert match_spans(text, terms) == reference(text, terms)
    assert match_spans(text, terms) == reference(text, terms)  # kept words: the same


@settings(max_examples=200, deadline=None)
@given(text=texts, typed=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3))
def test_a_typed_querys_spans_are_the_reference_ones(text: str, typed: list[str]) -> None:
    for query in (" ".join(typed), f'"{" ".join(typed)}"', " OR ".join(typed), f"~{typed[0]}"):
        highlights = list(parse(query).highlights("title"))
        assert match_spans(text, highlights) == reference(text, highlights), query


def test_what_is_marked() -> None:
    title = "Prompt Tuning and prompting: RAG-based tuning, not average"

    def marked(query: str) -> list[str]:
        return [title[a:b] for a, b in match_spans(title, parse(query).highlights("title"))]

    assert marked("tun") == ["Tun", "tun"]
    assert marked("prompt") == ["Prompt", "prompt"]  # "prompting": its first six letters
    assert marked('"prompt tuning"') == ["Prompt Tuning"]
    assert marked("rag") == ["RAG"]  # not inside "average"
    assert marked("~rag") == ["RAG", "rag"]
    assert marked("zzz") == []
    # The same text with other words: its kept words do not carry the last marks.
    assert marked("not") == ["not"]
