"""The status line: how many papers are shown, how many unread, the sort, background work."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 100%; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def show(
        self, *, shown: int, total: int, unread: int, sort: str, busy: str = "", demo: bool = False
    ) -> None:
        parts: list[str | tuple[str, str]] = [
            (f"{shown:,}", "bold $text"),
            f" / {total:,} papers · ",
            (f"{unread:,}", "bold $text"),
            f" unread · sorted by {sort}",
        ]
        if busy:
            parts += ["  ·  ", (busy, "$text-warning")]
        if demo:
            parts += ["  ·  ", ("demo: discarded on quit", "$text-accent")]
        # Fixed size (one full-width row): no layout pass, so no second screen update.
        self.update(Content.assemble(*parts), layout=False)
