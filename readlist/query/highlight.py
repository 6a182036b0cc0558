"""Where a query's words occur in a text, as character spans, for highlighting.

The spans index the text as given (not its normalised form), so a display can style
exactly the characters typed: `tun` marks "Tun" in "Tuning", `"prompt tuning"` marks
"Prompt Tuning". Words are compared normalised, as the evaluator compares them; a word
whose normalised form has another length (ß -> ss) is marked whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from readlist.query.nodes import Words
from readlist.query.words import WORD_PATTERN, normalize

_WORD = re.compile(WORD_PATTERN)  # the words of `words.words`, with their positions

Span = tuple[int, int]


def match_spans(text: str, terms: Sequence[Words]) -> list[Span]:
    """Sorted, non-overlapping (start, end) spans of `text` that `terms` match."""
    if not terms or not text:
        return []
    tokens, words = _tokens(text)
    spans: list[Span] = []
    for term in terms:
        query = term.words
        k = len(query)
        if query[-1] not in words:
            continue  # (every match has the last word in one of the text's words)
        if term.substring and k == 1:
            for start, end, word in tokens:
                at = word.find(query[0])
                if at >= 0:
                    exact = len(word) == end - start
                    spans.append(
                        (start + at, start + at + len(query[0])) if exact else (start, end)
                    )
            continue
        if k == 1:  # one word, matching words that start with it (most queries)
            first = query[0]
            for start, end, word in tokens:
                if word.startswith(first):
                    exact = len(word) == end - start
                    spans.append((start, start + len(first) if exact else end))
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
    return _merged(spans)


_Tokens = tuple[list[tuple[int, int, str]], str]


def _tokens(text: str) -> _Tokens:
    """`text`'s words with their positions, and the normalised words joined.

    Kept for the texts marked lately: a key typed in the filter marks the same titles
    and abstract again, and cutting them into words was most of the marking's cost.
    """
    return _short_tokens(text) if len(text) <= SHORT_TEXT else _long_tokens(text)


SHORT_TEXT = 400  # characters: titles (kept by the thousand), not abstracts (a few)


def _cut(text: str) -> _Tokens:
    tokens = [(m.start(), m.end(), normalize(m.group())) for m in _WORD.finditer(text)]
    return tokens, " ".join(word for _start, _end, word in tokens)


_short_tokens = lru_cache(maxsize=2048)(_cut)
_long_tokens = lru_cache(maxsize=16)(_cut)


def _merged(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
