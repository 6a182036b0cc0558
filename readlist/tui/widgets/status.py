"""The status line: papers shown, unread and marked, the sort, background work, and
what the last change did ("Marked read: 1,025 papers — u to undo").

A change's message is said here, at the line's right end, not in a Textual toast:
mounting a toast lays out the whole screen twice and takes three more screen updates
after the one that shows the change (a bulk `r` at 100k: the list was drawn ~35 ms after
the key, the toast ~100 ms later). The line has a fixed size, so a message coming or
going is a repaint of one row, drawn in the same screen update as the list.
"""

from __future__ import annotations

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

GAP = 3  # cells between the counts and a message


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 100%; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._counts = Content("")
        self.message = ""  # what the last change did, shown until its time is up
        self._expiry: Timer | None = None

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
        self._counts = Content.assemble(*parts)
        self._draw()

    def say(self, message: str, timeout: float) -> None:
        """Show `message` (plain text, never markup) at the right end for `timeout`
        seconds, or until the next one."""
        self.message = message
        if self._expiry is not None:
            self._expiry.stop()
        self._expiry = self.set_timer(timeout, self.forget)
        self._draw()

    def on_resize(self) -> None:
        self._draw()  # where a message starts depends on the width

    def forget(self) -> None:
        """Take the last change's message away (the line's own news comes first: a new
        sort, or why "for you" cannot rank yet)."""
        if self._expiry is not None:
            self._expiry.stop()
        self.message, self._expiry = "", None
        self._draw()

    def _draw(self) -> None:
        line = self._counts
        if self.message:
            width = self.content_region.width or self.app.size.width - 2
            said = Content.styled(self.message, "bold $text")
            if said.cell_length + GAP >= width:  # no room for both: the news wins
                line = said.truncate(width, ellipsis=True)
            else:
                room = width - said.cell_length - GAP
                counts = line.truncate(room, ellipsis=True, pad=True)
                line = Content.assemble(counts, " " * GAP, said)
        # Fixed size (one full-width row): no layout pass, so no second screen update.
        self.update(line, layout=False)
