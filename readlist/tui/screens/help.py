"""The `?` help screen: every key and the filter language, as aligned text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from readlist.query.syntax import help_rows

QUERY_HELP: tuple[tuple[str, str], ...] = help_rows()  # the table the CLI and README use


def table(rows: Sequence[tuple[str, str]]) -> Content:
    width = max(len(key) for key, _ in rows) + 3
    lines = [Content.assemble((key.ljust(width), "bold $text-accent"), text) for key, text in rows]
    return Content("\n").join(lines)


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
            yield Static(table(self.keys), id="help-keys")
            yield Static(
                Content.styled("\nFilter language (type / then a query)", "bold underline")
            )
            yield Static(table(QUERY_HELP), id="help-query")

    def action_close(self) -> None:
        self.dismiss(None)
