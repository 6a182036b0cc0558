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

QUERY_HELP: tuple[tuple[str, str], ...] = (
    ('transformer "prompt tuning"', "every word: title, abstract, tags, note"),
    ("tag:NAME", "papers with that tag"),
    ("is:read  is:unread", "read state (also is:rated, is:unrated)"),
    ("rating:>=4", "also rating:4, <, <=, >, ="),
    ("year:2024  year:2020..2023", "publication year (also year:>=2022)"),
    ("upvotes:>=10  comments:>=3", "page counts; unknown never matches"),
    ("id:52393aed", "one paper by id prefix"),
    ("-TERM", "negates a term: -is:read, -tag:done"),
)


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
