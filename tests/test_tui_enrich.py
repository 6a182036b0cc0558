"""The TUI's enrichment (`e`), enrich-after-import and link picker (`o`), against the fake
Hugging Face + arXiv of tests/test_enrich.py on 127.0.0.1 (never the network).

Each test asserts what the library holds afterwards (a fresh `Store` on the same files),
not only what the screen showed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.screens.enrich import EnrichDialog

from . import test_enrich
from .conftest import library_bytes
from .test_enrich import DEPT, GARDEN, SOLO, FakeApis, papers, stop
from .test_tui import Recorder, go_to, record_notes

# The fake services and the six-paper library of test_enrich.py, as fixtures here too.
apis = test_enrich.apis
library = test_enrich.library


def make_app(store: Store, recorder: Recorder | None = None) -> ReadListApp:
    recorder = recorder or Recorder()
    return ReadListApp(store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600)


async def settle(app: ReadListApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()  # the catalogue reload the write triggered
    await pilot.pause()


async def test_e_enriches_the_highlighted_paper_and_says_so_once(
    library: Store, db: Path, apis: FakeApis
) -> None:
    app = make_app(library)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "DePT")
        await pilot.press("e")
        await settle(app, pilot)
        assert not isinstance(app.screen, EnrichDialog)
        # The screen shows the new names too: the catalogue was reloaded.
        shown = app.library.papers[app.library.position[DEPT.id]]
        assert shown.authors == ("Zhengxiang Shi", "Aldo Lipani")
    after = papers(db)
    assert after[DEPT.id].authors == ("Zhengxiang Shi", "Aldo Lipani")
    assert after[DEPT.id].arxiv_id == "2309.05173"
    assert after[SOLO.id].authors == ()  # only the highlighted paper was asked about
    assert notes.count(("information", "enriched 1 paper.")) == 1
    assert Store.open(db).annotations()[DEPT.id].note == "keep"


def with_marks(app: ReadListApp, *ids: str) -> ReadListApp:
    """Stands in for the marking another engineer adds (`ReadListApp.marked_ids`)."""
    app.marked_ids = lambda: ids  # type: ignore[attr-defined]
    return app


async def test_e_enriches_the_marked_papers_and_names_those_not_found(
    library: Store, db: Path, apis: FakeApis
) -> None:
    app = with_marks(make_app(library), DEPT.id, SOLO.id, GARDEN.id)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await settle(app, pilot)
    after = papers(db)
    assert after[DEPT.id].authors and after[SOLO.id].authors == ("Carla Solo",)
    assert not after[GARDEN.id].authors
    assert notes[-1] == (
        "information",
        "enriched 2 papers; 1 not found on Hugging Face or arXiv: Scaling Laws for Tiny Gardens.",
    )


async def test_esc_cancels_and_leaves_the_library_as_it_was(
    library: Store, db: Path, apis: FakeApis
) -> None:
    app = with_marks(make_app(library), DEPT.id, SOLO.id, GARDEN.id)
    # The first answer (arXiv's title search) comes slowly: Esc arrives meanwhile.
    apis.queued["/api/query"] = [(None, "", 1.0)]
    before = library_bytes(db)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await app.settle()
        await pilot.pause()
        assert isinstance(app.screen, EnrichDialog)
        await pilot.press("escape")
        await app.settle()
        await pilot.pause()
        assert not isinstance(app.screen, EnrichDialog)  # at once, not after the request
        await asyncio.sleep(1.5)  # the slow answer arrives; the worker must stop
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert notes[-1] == ("information", "Enrichment cancelled; nothing was changed.")
    assert library_bytes(db) == before
    # Nothing asked after the cancel: the worker stopped at its next step.
    assert apis.count("/api/query") == 1 and apis.count("/api/papers/search") == 0


async def test_a_network_failure_is_one_error_and_nothing_changes(
    library: Store, db: Path, apis: FakeApis
) -> None:
    stop(apis)
    before = library_bytes(db)
    app = make_app(library)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "Tiny Gardens")
        await pilot.press("e")
        await settle(app, pilot)
    severity, message = notes[-1]
    assert severity == "error" and message.startswith("no network: 127.0.0.1:")
    assert message.endswith(": nothing was changed")
    assert library_bytes(db) == before


async def test_copying_marked_papers_copies_them_together_under_pinned_keys(
    library: Store, db: Path, apis: FakeApis
) -> None:
    import bibtexparser

    recorder = Recorder()
    app = with_marks(make_app(library, recorder), DEPT.id, SOLO.id)
    app.citation_format = "bibtex"
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await app.settle()
        await pilot.pause()
        first = bibtexparser.parse_string(recorder.copied[-1]).entries
        assert [e.key for e in first] == ["dept2023", "only"]
        await pilot.press("e")  # the names arrive: shi2023dept, solo2023only if unpinned
        await settle(app, pilot)
        await pilot.press("c")
        await app.settle()
        await pilot.pause()
        again = bibtexparser.parse_string(recorder.copied[-1]).entries
    assert [e.key for e in again] == ["dept2023", "only"]
    assert again[0]["author"] == "Zhengxiang Shi and Aldo Lipani"
    assert recorder.copied[-1].count("\n\n@") == 1


async def import_page(app: ReadListApp, pilot, text: str, enrich: bool) -> None:  # type: ignore[no-untyped-def]
    from textual import events
    from textual.widgets import Checkbox

    from .test_tui_import import wait_for_preview

    await pilot.press("i")
    app.post_message(events.Paste(text))
    await wait_for_preview(pilot, app)
    if enrich:
        await pilot.press("tab", "space")  # Tab reaches the checkbox
        assert app.screen.query_one("#import-enrich", Checkbox).value
    await pilot.press("ctrl+s")
    await settle(app, pilot)
    await settle(app, pilot)


async def test_the_import_dialog_can_enrich_the_new_papers(
    store: Store, db: Path, apis: FakeApis
) -> None:
    from .test_enrich import PHI, hf_page

    store.import_listings([[DEPT]])
    app = make_app(store)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await import_page(app, pilot, hf_page(DEPT.title, PHI.title), enrich=True)
        assert app.enrich_imports  # remembered for the next import
        assert any(m.startswith("Imported: 1 added") for _, m in notes)
        assert notes[-1] == ("information", "enriched 1 paper.")
        assert len(app.library) == 2
    by_title = {p.title: p for p in Store.open(db).papers()}
    assert by_title[PHI.title].authors == ("Yuanzhi Li", "Sébastien Bubeck")
    assert by_title[DEPT.title].authors == ()  # not added by this import: left alone


async def test_without_the_checkbox_an_import_asks_nobody(
    store: Store, db: Path, apis: FakeApis
) -> None:
    from .test_enrich import PHI, hf_page

    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await import_page(app, pilot, hf_page(PHI.title), enrich=False)
        assert len(app.library) == 1
    assert apis.log == []
    assert Store.open(db).papers()[0].authors == ()


async def test_o_on_a_paper_with_several_links_opens_a_picker_page_first(store: Store) -> None:
    from dataclasses import replace

    from readlist.tui.screens.links import LinkPicker

    code = "https://github.com/ZhengxiangShi/DePT"
    project = "https://zhengxiangshi.github.io/dept"
    store.import_listings(
        [[replace(DEPT, arxiv_id="2309.05173", links=(code, project, code)), SOLO]]
    )
    store.import_listings([[replace(SOLO, links=(code,))]])
    recorder = Recorder()
    app = make_app(store, recorder)
    async with app.run_test(size=(120, 40)) as pilot:

        async def press(*keys: str) -> None:
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()

        await go_to(pilot, app, "DePT")
        await press("o")
        assert isinstance(app.screen, LinkPicker)
        assert [url for _, url in app.screen.links] == [
            "https://arxiv.org/abs/2309.05173",
            code,
            project,
        ]
        assert [what for what, _ in app.screen.links] == [
            "arXiv page",
            "code (GitHub)",
            "project page",
        ]
        await press("3")  # 1-9 picks
        assert not isinstance(app.screen, LinkPicker)
        await press("o", "enter")  # Enter opens the highlighted: the paper's page
        await press("o", "down", "enter")
        await press("o", "escape")  # nothing opened
        assert not isinstance(app.screen, LinkPicker)
        await go_to(pilot, app, "Only arXiv")  # one link: opened at once
        await press("o")
        assert not isinstance(app.screen, LinkPicker)
    assert recorder.opened == [project, "https://arxiv.org/abs/2309.05173", code, code]


async def test_esc_during_the_write_is_refused_and_the_write_completes(
    library: Store, db: Path, apis: FakeApis, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from textual.widgets import ProgressBar

    writing, go_on = threading.Event(), threading.Event()
    real_import = Store.import_listings

    def slow_import(self: Store, *args: object, **kwargs: object) -> object:
        if threading.current_thread() is not threading.main_thread():
            writing.set()
            go_on.wait(10)
        return real_import(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "import_listings", slow_import)
    app = make_app(library)
    notes = record_notes(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "DePT")
        await pilot.press("e")
        await app.settle()
        while not writing.is_set():
            await asyncio.sleep(0.02)
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, EnrichDialog)
        bar = dialog.query_one(ProgressBar)
        assert bar.total == 2 and bar.progress == 2
        await pilot.press("escape")
        await app.settle()
        await pilot.pause()
        assert app.screen is dialog  # not dismissed: the write goes on
        assert notes[-1][1] == "Writing what was found; this cannot be stopped half-way."
        go_on.set()
        await settle(app, pilot)
    assert notes[-1] == ("information", "enriched 1 paper.")
    assert papers(db)[DEPT.id].authors == ("Zhengxiang Shi", "Aldo Lipani")
