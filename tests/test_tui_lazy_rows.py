"""The list with lazy rows (`library.Rows`, results of `LAZY_ABOVE` papers or more) does
what it does with a list: the same rows, cursor, paper and detail after every key.

The sample library has 101 papers, below the threshold, so the TUI's tests run on lists;
here the threshold is lowered so that every result of the app is lazy, and each step is
compared with the same steps on lists.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from readlist import library as library_module
from readlist.library import Rows
from readlist.store import Store
from readlist.tui.app import ReadListApp


async def walk(store: Store, lazy_above: int, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    monkeypatch.setattr(library_module, "LAZY_ABOVE", lazy_above)
    app = ReadListApp(store, copy=lambda text, terminal: "nowhere", watch_interval=3600)
    seen: list[object] = []
    async with app.run_test(size=(100, 30)) as pilot:
        while not app.catalogue_loaded:
            await pilot.pause(0.01)
        await pilot.press("slash", *"la")
        await pilot.pause()
        seen.append(type(app.papers.selection.rows).__name__)

        def state(step: str) -> None:
            rows = app.papers.selection.rows
            seen.append(
                (step, app.shown, len(rows), app.papers.selection.cursor, app.papers.current)
            )
            seen.append(list(rows))
            seen.append(app.query_one("#detail").text[:300])

        await pilot.press("enter")
        for key in ["j", "j", "j", "G", "k", "k", "s", "g", "j", "j", "pagedown", "space"]:
            await pilot.press(key)
            await pilot.pause()
            state(key)
        await pilot.press("asterisk")  # mark every paper shown
        await pilot.pause()
        seen.append(sorted(app.marks))
        await pilot.press("slash", "backspace", "backspace", *"mo")
        await pilot.pause()
        state("mo")
        await pilot.press("enter", "r")  # read, under a filter: the cursor stays on its row
        await pilot.pause()
        state("r")
    return seen


async def test_lazy_rows_in_the_app_behave_as_lists(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = sample_store.paths.annotations
    twin = tmp_path / "twin" / db.name  # the same library, for the second walk
    shutil.copytree(db.parent, twin.parent)
    eager = await walk(sample_store, 10**9, monkeypatch)
    lazy = await walk(Store.open(twin), 1, monkeypatch)
    assert eager[0] == "list" and lazy[0] == Rows.__name__  # both ways were taken
    assert lazy[1:] == eager[1:]
