"""The front end's garbage collection: at pauses, never in the middle of typing.

After a new catalogue is swapped in, the collection that precedes freezing what lives
on walks every object the catalogue brought (~0.25 s at 100,000 papers); it waits for
the user's next pause, and no young collection (which would walk them too) runs first.
"""

from __future__ import annotations

import gc

import pytest

from readlist import gcutil
from readlist.gcutil import PauseCollector


@pytest.fixture
def collections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    done: list[str] = []
    monkeypatch.setattr(
        gc, "collect", lambda generation=2: done.append(f"collect {generation}") or 0
    )
    monkeypatch.setattr(gc, "freeze", lambda: done.append("freeze"))
    monkeypatch.setattr(gc, "get_count", lambda: (60_000, 0, 0))  # many young objects
    monkeypatch.setattr(gcutil, "release_freed_memory", lambda: None)
    return done


def test_a_freeze_asked_for_waits_for_a_pause_and_nothing_collects_before_it(
    collections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr(gcutil.time, "monotonic", lambda: now[0])
    collector = PauseCollector(idle_for=1.0, pile_up=50_000)
    collector.key()
    collector.tick()
    assert collections == ["collect 0"]  # typing, many young objects: a young collection
    collections.clear()
    collector.freeze_when_idle()
    for _ in range(5):  # still typing
        now[0] += 0.3
        collector.key()
        collector.tick()
    assert collections == []
    now[0] += 1.5  # a pause
    collector.tick()
    assert collections == ["collect 2", "freeze"]
    collections.clear()
    now[0] += 0.5
    collector.tick()  # done once: later pauses collect as before
    assert collections == ["collect 2"]


def test_a_freeze_asked_for_is_made_at_once_if_memory_grows_while_typing(
    collections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    count = [60_000]
    monkeypatch.setattr(gc, "get_count", lambda: (count[0], 0, 0))
    collector = PauseCollector(idle_for=1.0, pile_up=50_000)
    collector.freeze_when_idle()
    collector.key()
    count[0] += 40_000
    collector.tick()
    assert collections == []  # grown by less than pile_up: still waiting for a pause
    count[0] += 20_000
    collector.tick()
    assert collections == ["collect 2", "freeze"]


async def test_the_catalogue_swap_does_not_collect_on_the_keys_thread(
    sample_store,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from readlist.tui.app import ReadListApp

    app = ReadListApp(sample_store, copy=lambda t, f: "x", watch_interval=3600, stage_above=0)
    async with app.run_test(size=(100, 30)) as pilot:
        while not app.catalogue_loaded:
            await pilot.pause(0.01)
        done: list[int] = []
        monkeypatch.setattr(gc, "collect", lambda generation=2: done.append(generation) or 0)
        app._catalogue_ready(list(app.library.papers), app.library.search)
        assert done == []  # asked of the collector, for the next pause
        assert app._collector._freeze
