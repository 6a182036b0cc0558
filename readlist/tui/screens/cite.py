"""Picking a citation format, with a preview of each."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from readlist.citations import FORMATS, cite
from readlist.models import Paper
from readlist.text import strip_controls


class CitationPicker(ModalScreen[str | None]):
    """Dismisses with a format key from `citations.FORMATS`, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Copy", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, paper: Paper, current: str) -> None:
        super().__init__()
        self.paper = paper
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for key, label in FORMATS.items():
            # Only the start is cleaned: an abstract may be megabytes.
            preview = strip_controls(cite(self.paper, key).strip()[:300].replace("\n", " "))
            if len(preview) > 150:
                preview = preview[:149] + "…"
            options.append(
                Option(Content.assemble((label, "bold"), "\n", (preview, "$text-muted")), id=key)
            )
        with Vertical(classes="dialog"):
            yield Static(
                Content("Copy citation as… (Enter copies, Esc cancels)"), classes="dialog-title"
            )
            yield OptionList(*options, id="cite-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = list(FORMATS).index(self.current)
        self.set_focus(options)  # now, not after the keys already queued (Widget.focus)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def action_cancel(self) -> None:
        self.dismiss(None)
