"""Opening a link in the user's browser, only where that cannot take over the terminal."""

from __future__ import annotations

import os
import sys


def open_in_browser(url: str) -> bool:
    """Open `url` in a graphical browser; False when there is none to use.

    Without a display (SSH, a headless box) Python's webbrowser would start a console
    browser inside this very terminal, so it is not asked at all.
    """
    graphical = sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if not graphical:
        return False
    import webbrowser  # at first use, not before the TUI's first frame (its shlex, ...)

    return webbrowser.open(url)
