"""The parts of `ReadListApp` that act on the library, one module per kind of action.

tui/app.py keeps the layout, the keys' rules (`check_action`), what is shown (filter,
status, details) and the wiring to the session; the actions live here as mix-in classes
of the app (their methods take the app as `self`, so a key's action keeps its name,
`action_edit_tags`, and the key table in keys.py is unchanged): writing.py (commands
through the writer), editors.py (tags, note), citing.py (citations, links, export),
importing.py (import, enrichment), browsing.py (removal, saved filters, similar papers,
statistics, tag browser).
"""

from __future__ import annotations

from readlist.text import strip_controls


def short(title: str, limit: int = 60) -> str:
    """The start of a title for a message: at most `limit` characters, cleaned."""
    # Only the start is cleaned and measured: a title may be megabytes long.
    shown = strip_controls(title[: 2 * limit])
    if len(shown) <= limit and len(title) <= 2 * limit:
        return shown
    return shown[: limit - 1] + "…"
