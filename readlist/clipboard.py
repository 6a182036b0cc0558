"""Copying text: the system clipboard first, the terminal's clipboard next.

pyperclip drives the system clipboard (pbcopy, xclip, wl-copy, Windows). On a headless
Linux box or over SSH it has no mechanism; then the terminal can still take the text
through OSC 52, which works through tmux and SSH when the terminal allows it. The
caller passes that fallback (the TUI's `App.copy_to_clipboard`), so this module never
writes to the terminal itself. The returned string says how the text was copied.
"""

from __future__ import annotations

from collections.abc import Callable

from readlist.errors import ReadlistError

SYSTEM = "the system clipboard"
TERMINAL = "the terminal clipboard (OSC 52)"


class ClipboardError(ReadlistError):
    """Neither the system clipboard nor a terminal fallback could take the text."""


def copy(text: str, terminal: Callable[[str], None] | None = None) -> str:
    """Copy `text`; returns `SYSTEM` or `TERMINAL`, or raises `ClipboardError`."""
    import pyperclip

    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as error:
        if terminal is None:
            raise ClipboardError(f"no clipboard available ({error})") from None
        terminal(text)
        return TERMINAL
    return SYSTEM
