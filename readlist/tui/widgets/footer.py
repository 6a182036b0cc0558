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
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """A `Footer` that rebuilds only for a change it shows, never twice in a row."""

    _rebuild_pending = False
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
        if self._rebuild_pending:
            # The rebuild waiting reads the bindings when it runs: it shows this change.
            # (Textual's own handler sets `_bindings_ready` first: it is set already.)
            return
        # What Textual's handler checks before it asks for a rebuild after the refresh.
        rebuild = screen.app.app_focus and self.is_attached and screen is self.screen
        if rebuild and self._shown is not None and self._keys() == self._shown:
            return  # the footer would show what it shows
        self._rebuild_pending = rebuild
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        # The bindings are read now (a rebuild first removes the old keys, awaiting):
        # a change from here on needs a rebuild of its own.
        self._rebuild_pending = False
        self._shown = self._keys() if self._bindings_ready else None
        yield from super().compose()
