"""The `?` help screen: every key and the filter language, as aligned text.

Each table is two columns: a description too long for its line wraps under its own
column, never back to column 0 (at 80x24 most of them wrap). The tables wrap to the
width they are given, and the dialog scrolls (arrows, PgDn, End) when they do not fit.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Static

from readlist.query.syntax import help_rows

QUERY_HELP: tuple[tuple[str, str], ...] = help_rows()  # the table the CLI and README use


KEY_STYLE = "bold $text-accent"
NARROWEST = 12  # columns a description gets, however long the keys are


def table(rows: Sequence[tuple[str, str]], width: int | None = None) -> Content:
    """Keys in a column, descriptions beside them wrapped to the rest of `width`.

    A key wider than half the width goes on a line of its own, its description under
    the description column. Without `width`, nothing wraps.
    """
    if not rows:
        return Content("")
    key_width = max(len(key) for key, _ in rows) + 3
    if width is not None:
        key_width = min(key_width, max(4, width - NARROWEST, width // 2))
    room = None if width is None else max(NARROWEST, width - key_width)
    indent = " " * key_width
    lines: list[Content] = []
    for key, text in rows:
        wrapped = [text]
        if room is not None:  # "to-read" and "ctrl+s" stay whole
            wrapped = textwrap.wrap(text, room, break_on_hyphens=False) or [""]
        if len(key) >= key_width:
            lines.append(Content.styled(key, KEY_STYLE))
            wrapped = [indent + line for line in wrapped]
            lines += [Content(line) for line in wrapped]
            continue
        lines.append(Content.assemble((key.ljust(key_width), KEY_STYLE), wrapped[0]))
        lines += [Content(indent + line) for line in wrapped[1:]]
    return Content("\n").join(lines)


class KeyTable(Static):
    """A `table` wrapped to the widget's width (its height follows from that width)."""

    def __init__(self, rows: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = tuple(rows)

    def render(self) -> Content:
        return table(self.rows, self.content_region.width or None)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(table(self.rows, width).plain.split("\n"))


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", priority=True),
    ]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static(Content("readlist help · Esc closes"), classes="dialog-title")
            yield Static(Content.styled("Keys", "bold underline"))
            yield KeyTable(self.keys, id="help-keys")
            yield Static(
                Content.styled("\nFilter language (type / then a query)", "bold underline")
            )
            yield KeyTable(QUERY_HELP, id="help-query")

    def action_close(self) -> None:
        self.dismiss(None)
