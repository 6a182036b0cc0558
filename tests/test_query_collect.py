"""A phrase's next word prepared between keys (`WordIndex.collect`) changes no result.

Once a phrase's word is typed whole (`"large `), the app runs steps that collect the
words following it in every text holding it; the next key is answered from them, and
finishes the steps itself if they are not done. Here keys are typed (with backspaces,
inside quotes, after OR, NOT and field terms), a random number of steps is run after
each, and every key's rows are compared with a fresh library's (no cache, no index:
every text scanned) and with a scan for the phrase.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from readlist import textindex
from readlist.errors import QueryError
from readlist.library import Library, Matches
from readlist.query import Words, parse
from readlist.search import SearchIndex
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.widgets.filter_bar import _open_phrase

from .test_query_speed_phrases import WORDS, papers_of, reference, rows_strategy
from .test_query_stored import stored_search

phrase_words = st.lists(
    st.sampled_from(["a", "ab", "b", "tun", "prompt", "deja", "c++"]), min_size=2
)
before = st.sampled_from(["", "x OR ", "title:a ", "-b ", "abstract:", "b | "])


def keys_of(first: str, cut: int, second: str) -> list[str]:
    """The filter's value after each key: `first` typed, backspaces back to `cut`
    characters, then `second` typed from there."""
    values = [first[:end] for end in range(1, len(first) + 1)]
    values += [first[:end] for end in range(len(first) - 1, cut - 1, -1) if end]
    values += [(first[:cut] + second)[:end] for end in range(cut + 1, cut + len(second) + 1)]
    return values


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=rows_strategy,
    prefix=before,
    first=phrase_words,
    second=st.lists(st.sampled_from(WORDS[:8]), min_size=1, max_size=3),
    cut=st.integers(0, 30),
    steps=st.lists(st.integers(0, 4), min_size=1),
    step=st.integers(1, 3),
    limit=st.sampled_from([3, 10**6]),
    disk=st.booleans(),
)
@example(
    rows=[(["prompt", "tuning"], ["prompt", "a", "prompt", "tun"])],
    prefix="",
    first=["prompt", "tun"],
    second=["a"],
    cut=8,
    steps=[1],
    step=1,
    limit=10**6,
    disk=False,
)
def test_typed_keys_with_collection_between_them_list_what_a_scan_lists(
    tmp_path: Path,
    rows: list[tuple[list[str], list[str]]],
    prefix: str,
    first: list[str],
    second: list[str],
    cut: int,
    steps: list[int],
    step: int,
    limit: int,
    disk: bool,
) -> None:
    papers = papers_of(rows)
    if disk:
        search = stored_search(tmp_path, papers)
        shown = [p.with_abstract("") for p in papers]
    else:
        search = SearchIndex(papers)
        search.build_text_index()
        shown = papers
    library = Library(shown, {}, search)
    text = prefix + '"' + " ".join(first)
    values = keys_of(text, min(cut, len(text)), " ".join(second) + " " + first[0])
    previous: Matches | None = None
    with (
        mock.patch.object(textindex, "_STEP", step),
        mock.patch.object(textindex, "_COLLECT_LIMIT", limit),
    ):
        for at, value in enumerate(values):
            try:
                query = parse(value)
            except QueryError:
                continue
            matches = library.filter(query)
            rows_shown = matches.ordered("date", narrowing=previous)
            previous = matches
            fresh = Library(papers, {})  # nothing cached, no index
            assert rows_shown == fresh.select(query, "date"), value
            if value.startswith('"') and not value.endswith(" "):
                assert sorted(rows_shown) == reference(papers, value), value
            phrase = _open_phrase(value, query)
            collecting = None if phrase is None else library.search.collect(phrase)
            if collecting is not None:  # as the app does between keys, maybe not to the end
                for _ in zip(range(steps[at % len(steps)]), collecting, strict=False):
                    pass


def test_the_open_phrase_is_the_last_term_in_an_open_quote() -> None:
    def phrase(value: str) -> Words | None:
        return _open_phrase(value, parse(value))

    assert phrase('"large ') == Words("text", ("large",))
    assert phrase('"large') == Words("text", ("large",))  # (the word may go on)
    assert phrase('x OR "large language ') == Words("text", ("large", "language"))
    assert phrase('title:"large ') == Words("title", ("large",))
    assert phrase('"large" ') is None  # the quote is closed
    assert phrase("large ") is None  # no phrase


async def test_each_key_of_a_typed_phrase_lists_that_query_with_collection_between_keys(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)  # index even 101 papers
    app = ReadListApp(sample_store, copy=lambda text, terminal: "nowhere", watch_interval=3600)
    library = Library(sample_store.papers(), sample_store.annotations())
    async with app.run_test(size=(100, 30)) as pilot:
        while not app.search_ready:
            await pilot.pause(0.05)
        index = app.library.search.text_index
        assert index is not None
        await pilot.press("slash")
        typed = ""
        keys = [*'x OR "prompt', "space", *"tun", "backspace", "backspace", *"uning", "space"]
        keys += [*"for", "backspace", "backspace", "backspace", "backspace", *"s"]
        for key in keys:
            await pilot.press(key)
            typed = typed[:-1] if key == "backspace" else typed + (" " if key == "space" else key)
            await pilot.pause()
            assert app.filter_bar.value == typed
            if typed.count('"') == 1 and app.filter_bar.problem is None:
                await pilot.pause(0.1)  # the app collects the phrase's followers meanwhile
                phrase = app.filter_bar.phrase
                assert phrase is not None
                assert index.collect(phrase.words) is None, typed  # nothing left to do
                if typed.endswith(" "):
                    assert phrase.words in [k.head for k in index._followers if not k.prefix]
            if app.filter_bar.problem is None:
                assert app.papers.selection.rows == library.select(parse(typed), app.sort), typed
        assert app.shown > 0


def test_a_key_with_few_candidates_leaves_a_long_collection_for_later() -> None:
    # 300 texts hold "large", 3 of them "large zoo": "large z" checks those 3 and the
    # collection is left as it was; the next keys still agree with a scan.
    texts = [f"large language {i}" for i in range(297)] + ["large zoo", "a large zebra"] * 2
    papers = papers_of([([], text.split()) for text in texts])
    search = SearchIndex(papers)
    index = search.build_text_index()
    with mock.patch.object(textindex, "_STEP", 10):
        steps = index.collect(["large"])
        assert steps is not None
        next(steps)  # one step of 10 texts done, ~290 left
        library = Library(papers, {}, search)
        for typed in ('"large z', '"large zo', '"large l', '"large la'):
            rows = library.select(parse(typed), "date")
            assert rows == Library(papers, {}).select(parse(typed), "date"), typed
            assert sorted(rows) == reference(papers, typed), typed
            pending = index._collecting
            if typed.startswith('"large z'):
                assert pending is not None and pending.left > 250
        assert index._collecting is None  # "large l" had as many candidates: finished there
        assert (("large",), "") in [(k.head, k.prefix) for k in index._followers]


def test_a_collection_finished_by_a_key_is_kept_once_and_pushes_out_no_other_phrase() -> None:
    """Found by review: a key that needed a pending collection finished it, then the
    app's queued steps finished it again and kept its followers a second time, pushing
    an earlier phrase's followers out of the few kept."""
    heads = ["alpha", "beta", "gamma", "delta"]
    texts = [f"{head} lamp {i} | {head} language {i}" for i in range(1500) for head in heads]
    with mock.patch.object(textindex, "_STEP", 100):
        index = textindex.WordIndex(texts)
        for head in heads[:-1]:
            steps = index.collect((head,))
            assert steps is not None
            for _ in steps:
                pass
        steps = index.collect((heads[-1],))
        assert steps is not None
        next(steps)  # one step between keys
        index.search([heads[-1], "la"])  # the next key finishes the collection itself
        for _ in steps:  # then the app's queued steps resume
            pass
        kept = [known.head for known in index._followers if not known.prefix]
    assert sorted(kept) == sorted((head,) for head in heads)
