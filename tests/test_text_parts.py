"""The texts a search reads from the stored index, a part at a time: every position once,
in order, each part within `_PART` positions of its first, and the part's pages let go
after it when the texts lie further apart than one part (a phrase's candidates spread over
the whole file read most of its 150 MB at 100,000 papers before their first release)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist import textindex
from readlist.bitsets import bits_of
from readlist.query import parse
from readlist.search import SearchIndex
from readlist.textindex import WordIndex

from .test_query_stored import stored_search
from .test_query_v2 import VOCAB, paper


@settings(max_examples=300, deadline=None)
@given(positions=st.sets(st.integers(0, 199)), part=st.integers(1, 20))
def test_parts_cover_every_text_once_within_a_part_of_each_other(
    positions: set[int], part: int
) -> None:
    old = textindex._PART
    textindex._PART = part
    try:
        index = WordIndex([" a "] * 200)
        released: list[int] = []
        index._release = released.append
        seen: list[list[int]] = []
        for piece in index._in_parts(bits_of(sorted(positions), 200)):
            seen.append(piece)
            assert len(piece) <= part and piece[-1] - piece[0] < part
            assert len(released) == len(seen) - 1 or not released  # after each part
        assert [p for piece in seen for p in piece] == sorted(positions)
        spread = bool(positions) and max(positions) - min(positions) >= part
        assert released == ([piece[-1] + 1 for piece in seen] if spread else [])
    finally:
        textindex._PART = old


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(st.sampled_from(VOCAB), max_size=8), min_size=1, max_size=120),
    texts=st.lists(st.sampled_from(['"prompt tuning"', '"tun', "tuning", '"deja vu"']), max_size=4),
)
def test_searches_read_in_small_parts_answer_what_a_scan_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[str]], texts: list[str]
) -> None:
    monkeypatch.setattr(textindex, "_PART", 3)
    papers = [paper(i, f"paper {i}", " ".join(words)) for i, words in enumerate(rows)]
    stored = stored_search(tmp_path, papers)
    scanned = SearchIndex(papers)
    for text in texts:
        query = parse(text)
        assert stored.evaluate(query, {}, {}) == scanned.evaluate(query, {}, {}), text
