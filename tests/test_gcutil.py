"""The front end's garbage collection at the start's catalogue swap.

The collection that precedes freezing what lives on walks every object the catalogue
brought (~0.25 s at 100,000 papers): at the swap, what lives is frozen without it, and
the collections after walk only what came since.
"""

from __future__ import annotations

import gc

import pytest

from readlist import gcutil
from readlist.gcutil import PauseCollector, freeze_loaded


def test_freezing_a_loaded_catalogue_collects_nothing_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done: list[str] = []
    monkeypatch.setattr(
        gc, "collect", lambda generation=2: done.append(f"collect {generation}") or 0
    )
    monkeypatch.setattr(gc, "freeze", lambda: done.append("freeze"))
    monkeypatch.setattr(gcutil, "release_freed_memory", lambda: done.append("trim"))
    freeze_loaded()
    assert done == ["freeze", "trim"]


def test_after_a_freeze_a_collection_walks_only_what_came_since() -> None:
    import weakref

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    enabled = gc.isenabled()
    gc.disable()
    try:
        before = Node()
        frozen_one = weakref.ref(before)
        freeze_loaded()
        del before  # garbage now, but frozen: not walked, so not freed
        after = Node()
        new_one = weakref.ref(after)
        del after
        gc.collect()
        assert new_one() is None  # made after the freeze: found and freed
        assert frozen_one() is not None  # frozen: left alone (kept for the session)
    finally:
        gc.unfreeze()
        gc.collect()
        if enabled:
            gc.enable()


def test_the_collector_collects_at_pauses_and_young_objects_while_typing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done: list[str] = []
    monkeypatch.setattr(
        gc, "collect", lambda generation=2: done.append(f"collect {generation}") or 0
    )
    count = [60_000]
    monkeypatch.setattr(gc, "get_count", lambda: (count[0], 0, 0))
    now = [100.0]
    monkeypatch.setattr(gcutil.time, "monotonic", lambda: now[0])
    collector = PauseCollector(idle_for=1.0, pile_up=50_000)
    collector.key()
    collector.tick()
    assert done == ["collect 0"]  # typing, many young objects: a young collection
    count[0] = 10
    now[0] += 0.3
    collector.tick()
    assert done == ["collect 0"]  # typing, few: none
    now[0] += 1.5
    collector.tick()
    assert done == ["collect 0", "collect 2"]  # a pause: a full one


async def test_the_catalogue_swap_does_not_collect_on_the_keys_thread(
    sample_store,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from readlist.tui.app import ReadListApp

    app = ReadListApp(sample_store, copy=lambda t, f: "x", watch_interval=3600, stage_above=0)
    async with app.run_test(size=(100, 30)) as pilot:
        while not app.catalogue_loaded:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()  # (its end freezes too)
        assert not app._loading  # the load ended: the collector collects again
        done: list[str] = []
        monkeypatch.setattr(gc, "collect", lambda generation=2: done.append("collect") or 0)
        monkeypatch.setattr(gc, "freeze", lambda: done.append("freeze"))
        app._catalogue_ready(list(app.library.papers), app.library.search)
        assert done == ["freeze"]


def test_while_loading_nothing_is_collected_and_a_start_is_not_a_pause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done: list[str] = []
    monkeypatch.setattr(
        gc, "collect", lambda generation=2: done.append(f"collect {generation}") or 0
    )
    monkeypatch.setattr(gc, "freeze", lambda: done.append("freeze"))
    monkeypatch.setattr(gc, "disable", lambda: None)
    count = [60_000]
    monkeypatch.setattr(gc, "get_count", lambda: (count[0], 0, 0))
    now = [100.0]
    monkeypatch.setattr(gcutil.time, "monotonic", lambda: now[0])
    loading = [False]
    collector = PauseCollector(idle_for=1.0, freeze_while=lambda: loading[0])
    collector.start()
    count[0] = 10
    now[0] += 0.5
    collector.tick()
    assert done == []  # just started: not a pause
    loading[0] = True
    count[0] = 900_000  # the loading's objects, young, and a pause
    now[0] += 2.0
    collector.tick()
    assert done == []  # loading: nothing walks them
    count[0] = gcutil.LOADING_PILE_UP + 1
    collector.tick()
    assert done == ["collect 0", "freeze"]  # a load that takes very long: bounded
    loading[0] = False
    collector.tick()
    assert done[2:] == ["collect 2"]  # loaded: a pause's collection, as before
