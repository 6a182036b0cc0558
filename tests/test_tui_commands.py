"""The TUI runs the registry's output verbs: what leaves readlist from the TUI is what
leaves it from the CLI (Export marked… pins BibTeX keys as `readlist export` does)."""

from __future__ import annotations

from pathlib import Path

from readlist.store import Store
from readlist.store.citekeys import citekeys_path, read_pins
from readlist.tui.app import ReadListApp
from tests.test_tui import Recorder, record_notes


async def test_export_marked_to_bibtex_pins_the_keys_it_wrote(
    sample_store: Store, db: Path, tmp_path: Path
) -> None:
    app = ReadListApp(sample_store, copy=Recorder().copy, watch_interval=3600)
    notes = record_notes(app)
    target = tmp_path / "refs.bib"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "space")
        app.action_export_marked()
        await pilot.pause()
        await pilot.press(*str(target), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert notes.last[1].startswith("Exported 2 papers as BibTeX to "), notes.last
    keys = [line.split("{", 1)[1].rstrip(",") for line in target.read_text().splitlines()
            if line.startswith("@")]  # fmt: skip
    assert len(keys) == 2
    pins = read_pins(citekeys_path(Store.open(db).paths))
    assert {key for key, _base in pins.values()} == set(keys)
