"""`readlist add` and `readlist fetch daily` from the TUI's import dialog (`i`), against the
fake Hugging Face + arXiv of tests/test_enrich.py on 127.0.0.1 (never the network).

Each test checks what the library holds on disk afterwards (a fresh `Store`).
"""

from __future__ import annotations

from pathlib import Path

from textual import events

from readlist.models import paper_id
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.screens.importer import ImportDialog

from . import test_enrich
from .conftest import library_bytes
from .test_enrich import DEPT, PHI, FakeApis, stop
from .test_tui import record_notes
from .test_tui_import import preview, wait_for_preview

apis = test_enrich.apis
library = test_enrich.library
PAGED = paper_id("Efficient Memory Management for Large Language Model Serving with PagedAttention")


async def type_in_dialog(pilot, app: ReadListApp, text: str) -> str:  # type: ignore[no-untyped-def]
    """Open the import dialog, paste `text`, and return the preview it shows."""
    await pilot.press("i")
    await app.settle()
    assert isinstance(app.screen, ImportDialog)
    app.post_message(events.Paste(text))
    await wait_for_preview(pilot, app)
    return preview(app)


async def confirm(pilot, app: ReadListApp) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+s")
    for _ in range(3):  # the fetch and import, then the catalogue reload it triggers
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
    assert not isinstance(app.screen, ImportDialog)


async def test_arxiv_ids_typed_in_the_dialog_are_fetched_and_imported(
    store: Store, db: Path, apis: FakeApis
) -> None:
    app = ReadListApp(store, watch_interval=3600)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        shown = await type_in_dialog(pilot, app, "2309.05173v5  https://arxiv.org/abs/2309.05463")
        assert shown.startswith("2 arXiv papers: 2309.05173, 2309.05463")
        assert apis.count("/api/query") == 0  # a preview fetches nothing
        await confirm(pilot, app)
        on_disk = {p.arxiv_id: p for p in Store.open(db).papers()}
        assert set(on_disk) == {"2309.05173", "2309.05463"}
        assert on_disk["2309.05173"].authors == ("Zhengxiang Shi", "Aldo Lipani")
        assert any(m.startswith("Imported: 2 added, 0 updated") for _, m in notes)
        assert len(app.library) == 2  # shown without a restart
        position = app.papers.current
        assert position is not None and app.library.papers[position].arxiv_id is not None
        # One undo step, like a paste: `u` takes both papers out again.
        assert Store.open(db).undo_history().entries[-1].label == "imported"
        await pilot.press("u")
        await app.settle()
        await pilot.pause(0.1)
        assert Store.open(db).papers() == []


async def test_daily_with_a_date_imports_that_day(library: Store, db: Path, apis: FakeApis) -> None:
    app = ReadListApp(library, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        assert await type_in_dialog(pilot, app, "daily 2023-09-12") == (
            "Daily Papers of 2023-09-12 · ctrl+s fetches and imports"
        )
        await confirm(pilot, app)
        after = {p.id: p for p in Store.open(db).papers()}
        assert PAGED in after  # new: the cursor is on it
        assert after[PHI.id].arxiv_id is not None  # known by title: merged, not doubled
        assert len(after) == len(test_enrich.LIBRARY) + 1
        assert Store.open(db).annotations()[DEPT.id].note == "keep"
        position = app.papers.current
        assert position is not None and app.library.papers[position].id == PAGED
    assert apis.count("/api/daily_papers") == 1


async def test_offline_is_one_error_line_and_the_library_is_unchanged(
    library: Store, db: Path, apis: FakeApis
) -> None:
    stop(apis)
    before = library_bytes(db)
    app = ReadListApp(library, watch_interval=3600)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_in_dialog(pilot, app, "daily --week 2023-W37")
        await confirm(pilot, app)
    errors = [m for severity, m in notes if severity == "error"]
    assert len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith("no network: 127.0.0.1:")
    assert library_bytes(db) == before


async def test_a_bad_date_is_said_in_the_preview_and_nothing_is_fetched(
    library: Store, db: Path, apis: FakeApis
) -> None:
    app = ReadListApp(library, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        shown = await type_in_dialog(pilot, app, "daily 2023-13-45")
        assert shown == "fetch daily: '2023-13-45' is not a date (YYYY-MM-DD)"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ImportDialog)  # stays open to be corrected
    assert apis.log == []
