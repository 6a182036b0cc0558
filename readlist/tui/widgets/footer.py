"""The footer: Textual's `Footer`, rebuilt only when what it shows changes, and then once
for any number of binding changes that come before the rebuild.

Textual's footer rebuilds its keys (one `FooterKey` widget each, styled and laid out) on
every `bindings_updated_signal`, each time after the next refresh. Right after the first
frame such signals come from the screen's focus, the focused widget and the mounting of
the footer's own keys, so the footer was built three times over, ~25-40 ms each on the
event loop, in the first ~200 ms, when the user's first key waits for it. A rebuild
reads the bindings as they are when it composes, so one rebuild waiting covers every
signal before it; and a signal after which the footer would show the same keys (same
key, label, action, enabled state, tooltip) needs none.

A rebuild counts as waiting only while it can still run: it is marked only if it was
scheduled, the mark is cleared when it runs, when the footer is unmounted, and a mark
older than `STALE_AFTER` seconds is taken for a rebuild that was dropped (e.g. the footer
was detached before it ran): the next signal schedules one again. Else a lost rebuild
would leave the footer showing old keys for ever; a mark taken for lost wrongly costs
one rebuild more, never a wrong footer.
"""

from __future__ import annotations

import time
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

STALE_AFTER = 1.0  # seconds a scheduled rebuild may wait before it counts as dropped


def _now() -> float:
    return time.monotonic()


class KeyFooter(Footer):
    """A `Footer` that rebuilds only for a change it shows, never twice in a row."""

    _rebuild_pending: float | None = None  # when the rebuild waiting was scheduled
    _shown: tuple[Any, ...] | None = None  # what the last rebuild composed

    def _keys(self) -> tuple[Any, ...]:
        """What a rebuild would show now (all that `Footer.compose` reads)."""
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        return tuple(
            (key, self.app.get_key_display(binding), binding.description, binding.action,
             binding.group, binding.tooltip, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or (palette and key == self.app.COMMAND_PALETTE_BINDING)
        )  # fmt: skip

    def bindings_changed(self, screen: Screen[Any]) -> None:
        pending = self._rebuild_pending
        if pending is not None and _now() - pending < STALE_AFTER:
            # The rebuild waiting reads the bindings when it runs: it shows this change.
            self._bindings_ready = True
            return
        self._rebuild_pending = None
        self._bindings_ready = True
        # What Textual's handler checks before it asks for a rebuild after the refresh.
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            return
        if self._shown is not None and self._keys() == self._shown:
            return  # the footer would show what it shows
        if self.call_after_refresh(self._rebuild):
            self._rebuild_pending = _now()

    async def _rebuild(self) -> None:
        self._rebuild_pending = None
        await self.recompose()

    def on_unmount(self) -> None:
        # (Textual calls `Footer.on_unmount` too: handlers are dispatched along the MRO.)
        self._rebuild_pending = None  # a rebuild scheduled before is dropped with the queue

    def compose(self) -> ComposeResult:
        # The bindings are read now (a rebuild first removes the old keys, awaiting):
        # a change from here on needs a rebuild of its own.
        self._rebuild_pending = None
        self._shown = self._keys() if self._bindings_ready else None
        yield from super().compose()
