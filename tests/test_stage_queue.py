"""The stage's results are shown in order; the catalogue's swap waits for a pause in typing
(readlist/tui/stagequeue.py), unless the list waits for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readlist.gcutil import PauseCollector
from readlist.library import Library
from readlist.query import parse
from readlist.search import SearchIndex
from readlist.store import Store
from readlist.tui import stagequeue
from readlist.tui.app import ReadListApp
from readlist.tui.stagequeue import StageQueue

from .test_query_stored import WORD, blocked_abstracts


class Clock:
    """A fake `since_key` and `later`: timers fire when the test says."""

    def __init__(self) -> None:
        self.since = 0.0
        self.timers: list[tuple[float, Callable[[], None]]] = []

    def later(self, delay: float, callback: Callable[[], None]) -> Any:
        self.timers.append((delay, callback))
        return object()

    def fire(self) -> None:
        timers, self.timers = self.timers, []
        for _delay, callback in timers:
            callback()


@given(
    waits=st.lists(st.booleans(), max_size=8),
    typing=st.lists(st.floats(0, 1), min_size=1, max_size=5),
)
def test_results_run_in_order_and_one_that_can_wait_runs_at_a_pause(
    waits: list[bool], typing: list[float]
) -> None:
    clock = Clock()
    queue = StageQueue(lambda: clock.since, clock.later)
    ran: list[int] = []
    for i, can_wait in enumerate(waits):
        queue.add(lambda i=i: ran.append(i), lambda can_wait=can_wait: can_wait)
    first_waiting = next((i for i, w in enumerate(waits) if w), len(waits))
    paused = False
    for since in typing:  # keys keep coming, or a pause begins
        clock.since = since
        clock.fire()
        paused = paused or since >= stagequeue.PAUSE
        # In order; past a result that can wait only once keys have paused.
        assert ran == list(range(len(ran)))
        assert len(ran) == len(waits) if paused else len(ran) == first_waiting
        assert len(clock.timers) == (len(queue) > 0)  # one timer at a time, while due
    clock.since = stagequeue.PAUSE
    clock.fire()
    assert ran == list(range(len(waits))) and len(queue) == 0


def test_a_result_that_cannot_wait_runs_at_once_even_while_typing() -> None:
    clock = Clock()
    queue = StageQueue(lambda: clock.since, clock.later)
    ran: list[str] = []
    queue.add(lambda: ran.append("swap"), lambda: False)
    queue.add(lambda: ran.append("index"))
    assert ran == ["swap", "index"] and clock.timers == []


async def test_the_catalogue_is_swapped_in_at_a_pause_and_keys_meanwhile_are_right(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staged start with a stored index: the abstracts arrive while the user types; the
    swap waits for a pause in the keys, and the keys meanwhile list the full-text
    results. A list that waits for the abstracts (has:abstract) gets the swap at once."""
    monkeypatch.setattr("readlist.session.INDEX_ABOVE", 0)
    papers = sample_store.papers()
    index = SearchIndex(papers).make_text_index()
    assert sample_store.write_word_index(
        sample_store.catalogue_versions(), [p.id for p in papers], index
    )
    expected = len(Library(papers, {}).select(parse(WORD)))
    assert expected > 0
    since = {"key": 0.0}  # seconds since the last key, as the app sees it
    monkeypatch.setattr(PauseCollector, "since_key", lambda self: since["key"])

    for query, waits in ((WORD, True), ("has:abstract", False)):
        store = Store.open(sample_store.paths.annotations)
        release = blocked_abstracts(store)
        app = ReadListApp(store, copy=lambda t, f: "x", watch_interval=3600, stage_above=0)
        async with app.run_test(size=(120, 40)) as pilot:
            assert app.abstracts_searched and not app.catalogue_loaded
            await pilot.press("slash", *query)
            release.set()
            await app.workers.wait_for_complete()
            await pilot.pause(2 * stagequeue.PAUSE)  # keys "keep coming": the clock says so
            if not waits:  # the list said it was searching abstracts: swapped at once
                assert app.catalogue_loaded and app.search_ready
                assert app.shown == sum(bool(p.abstract) for p in papers)
                continue
            assert not app.catalogue_loaded and not app.search_ready
            assert app.abstracts is None  # nor the detail pane's abstracts
            assert app.shown == expected  # the stored index answers meanwhile
            await pilot.press("backspace")
            assert app.shown == len(Library(papers, {}).select(parse(WORD[:-1])))
            since["key"] = stagequeue.PAUSE  # a pause in typing
            for _ in range(100):
                if app.search_ready:
                    break
                await pilot.pause(0.05)
            assert app.catalogue_loaded and app.search_ready
            assert app.shown == len(Library(papers, {}).select(parse(WORD[:-1])))
            assert all(app.library.papers[i].abstract for i in app.papers.selection.rows)
        since["key"] = 0.0


async def test_typing_lasts_until_the_phrase_collection_a_key_started_ends(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phrase's next word is collected in steps between keys (WordIndex.collect): a
    swap that waits for a pause in typing waits for those steps, and for `PAUSE` after
    them, as after a key."""
    monkeypatch.setattr(PauseCollector, "since_key", lambda self: 10.0)  # no key lately
    app = ReadListApp(sample_store, copy=lambda t, f: "x", watch_interval=3600)
    async with app.run_test(size=(120, 40)):
        assert app._since_typing() == 10.0
        steps = iter([None, None, None])
        app._collecting = steps
        assert app._since_typing() == 0.0
        for _ in range(4):  # the steps, then their end
            app._collect_step(steps)
        assert app._collecting is None
        assert 0.0 <= app._since_typing() < stagequeue.PAUSE


async def test_the_stage_is_held_back_while_a_phrase_collection_step_runs(
    sample_store: Store,
) -> None:
    app = ReadListApp(sample_store, copy=lambda t, f: "x", watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        held: list[bool] = []

        def steps() -> Iterator[None]:
            for _ in range(3):
                held.append(app._gate.held)
                yield

        collecting = steps()
        app._collecting = collecting
        for _ in range(4):
            app._collect_step(collecting)
        assert held == [True, True, True]
        await pilot.pause()
        assert not app._gate.held  # released once the frame after it is drawn
