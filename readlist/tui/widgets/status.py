"""The status line: papers shown, unread and marked, the sort, background work."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 100%; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def show(
        self,
        *,
        shown: int,
        total: int,
        unread: int,
        sort: str,
        busy: str = "",
        demo: bool = False,
        marked: int = 0,
        hidden: int = 0,
    ) -> None:
        parts: list[str | tuple[str, str]] = [
            (f"{shown:,}", "bold $text"),
            f" / {total:,} papers · ",
            (f"{unread:,}", "bold $text"),
            f" unread · sorted by {sort}",
        ]
        if marked:  # "3 marked (1 hidden)": marks the filter hides still count
            parts += [" · ", (f"{marked:,} marked", "bold $text-accent")]
            if hidden:
                parts.append(f" ({hidden:,} hidden)")
        if busy:
            parts += ["  ·  ", (busy, "$text-warning")]
        if demo:
            parts += ["  ·  ", ("demo: discarded on quit", "$text-accent")]
        # Fixed size (one full-width row): no layout pass, so no second screen update.
        self.update(Content.assemble(*parts), layout=False)
