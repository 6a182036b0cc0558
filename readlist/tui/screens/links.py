"""The link picker (`o` on a paper with several links): its page first, then code and
project pages. Enter opens the highlighted link, 1-9 opens that one, Esc cancels.

Links are data from listings and services: shown as plain text (`Content`), never
markup, and already made safe (`citations.safe_url`) before they get here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from readlist.text import strip_controls


class LinkPicker(ModalScreen[str | None]):
    """Dismisses with the URL to open, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Open", priority=True),
        Binding("escape,o", "cancel", "Cancel", priority=True),
        *(Binding(str(n), f"pick({n - 1})", show=False, priority=True) for n in range(1, 10)),
    ]

    def __init__(self, title: str, links: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.paper_title = title
        self.links = list(links)

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Content.assemble(
                    (f"{n if n <= 9 else ' '}  ", "bold"),
                    (what, "bold"),
                    "\n   ",
                    (strip_controls(url), "$text-muted"),
                ),
                id=str(n - 1),
            )
            for n, (what, url) in enumerate(self.links, start=1)
        ]
        with Vertical(classes="dialog"):
            yield Static(
                Content(f"Open a link of “{self.paper_title}” (Enter or 1-9 opens, Esc cancels)"),
                classes="dialog-title",
            )
            yield OptionList(*options, id="link-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        self.set_focus(options)  # now, not after the keys already queued (Widget.focus)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(int(event.option.id or 0))

    def action_choose(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None:
            self.action_pick(highlighted)

    def action_pick(self, index: int) -> None:
        if index < len(self.links):
            self.dismiss(self.links[index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
