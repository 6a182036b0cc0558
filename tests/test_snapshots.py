"""SVG snapshots of the main screen, the note editor and help (pytest-textual-snapshot).

Update after an intended change of the look with: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from readlist.models import paper_id
from readlist.store import Store
from readlist.tui.app import ReadListApp

from .test_tui_ranking import stats_app

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")


def annotated_app(store: Store) -> ReadListApp:
    store.update(
        [HFT],
        lambda a: (
            a.with_tags_added(["nlp", "to-read"])
            .with_rating(4)
            .with_note("**Key idea**: reset half the parameters.\n\n- cheap\n- no forgetting")
        ),
    )
    return ReadListApp(store, copy=lambda text, _t: "x", watch_interval=3600)


def test_main_screen_wide(snap_compare, sample_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        annotated_app(sample_store),
        press=["slash", *"tuning", "enter", "j"],
        terminal_size=(200, 60),
    )


def test_main_screen_80x24(snap_compare, sample_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        annotated_app(sample_store), press=["slash", *"hft", "enter"], terminal_size=(80, 24)
    )


def test_note_editor(snap_compare, sample_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        annotated_app(sample_store), press=["slash", *"hft", "enter", "n"], terminal_size=(100, 30)
    )


def test_help_screen(snap_compare, sample_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        annotated_app(sample_store), press=["question_mark"], terminal_size=(100, 40)
    )


def test_statistics_screen(snap_compare, store: Store) -> None:  # type: ignore[no-untyped-def]
    """A fixed library with fixed times (added, read): nothing here depends on today."""

    async def figures_drawn(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("S")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(stats_app(store), run_before=figures_drawn, terminal_size=(120, 40))
