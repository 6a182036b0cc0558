"""The footer (tui/widgets/footer.py): the keys it shows, rebuilt only when they change.

Textual's footer rebuilt its keys on every binding signal: three times in the first
~200 ms after the first frame (~25-40 ms each on the event loop, before the user's first
key is handled). These tests count the rebuilds (what the widget composes) and check
that the footer shows the keys as they are, after the start and after a change of keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.widgets.footer import KeyFooter


def shown(app: ReadListApp) -> list[tuple[str, str]]:
    """(key shown, label) of each key in the main screen's footer, left to right."""
    footer = app.screen.query_one(KeyFooter)
    return [(key.key_display, key.description) for key in footer.query(FooterKey)]


async def test_the_footer_is_built_once_at_start_and_again_only_for_a_change_it_shows(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []
    compose = KeyFooter.compose

    def counted(self: KeyFooter) -> Iterator[object]:
        built.append(1)
        return compose(self)

    monkeypatch.setattr(KeyFooter, "compose", counted)
    app = ReadListApp(sample_store, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await app.settle()
        # Once empty (before the bindings are ready, as Textual's footer), once with keys.
        assert len(built) == 2
        keys = shown(app)
        assert ("r", "Read") in keys and ("t", "Tags") in keys
        # Signals that change nothing shown (focus moving away and back): no rebuild.
        app.screen.refresh_bindings()
        app.papers.focus()
        await pilot.pause(0.3)
        assert len(built) == 2
        # A key rebound: rebuilt, once, showing the new key.
        app.set_keymap({"toggle_read": "z"})
        app.screen.refresh_bindings()
        await pilot.pause(0.3)
        assert len(built) == 3
        keys = shown(app)
        assert ("z", "Read") in keys and ("r", "Read") not in keys


async def test_a_rebuild_that_never_ran_does_not_stop_the_footer_for_ever(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rebuild is scheduled, then dropped (as when the footer is detached before it
    # runs). The footer waited for it for ever: no later change of keys was shown.
    import readlist.tui.widgets.footer as footer_module

    app = ReadListApp(sample_store, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await app.settle()
        footer = app.screen.query_one(KeyFooter)
        dropped: list[object] = []

        def drop(callback: object, *args: object, **kwargs: object) -> bool:
            dropped.append(callback)
            return True  # "scheduled", but it never runs

        monkeypatch.setattr(footer, "call_after_refresh", drop)
        app.set_keymap({"toggle_read": "z"})
        app.screen.refresh_bindings()
        await pilot.pause(0.3)
        assert dropped  # a rebuild was asked for, and lost
        assert ("r", "Read") in shown(app)
        monkeypatch.undo()
        # Later (past the time a rebuild takes to run), the keys change again.
        later = footer_module.time.monotonic() + 60
        monkeypatch.setattr(footer_module, "_now", lambda: later, raising=False)
        app.set_keymap({"toggle_read": "y"})
        app.screen.refresh_bindings()
        await pilot.pause(0.3)
        keys = shown(app)
        assert ("y", "Read") in keys and ("r", "Read") not in keys


async def test_the_footer_forgets_a_rebuild_when_it_is_unmounted(
    sample_store: Store, db: Path
) -> None:
    app = ReadListApp(sample_store, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await app.settle()
        footer = app.screen.query_one(KeyFooter)
        footer._rebuild_pending = 1.0  # a rebuild scheduled, its message not yet handled
        await footer.remove()
        assert footer._rebuild_pending is None
