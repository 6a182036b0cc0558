"""The saved-filters picker (`f`): each filter with its papers and unread, keys 1-9.

Counts are computed when the picker opens, from the library as it is then, so they
include every change made since the last time (the picker is modal: nothing changes
while it is open). Choosing a filter puts `@NAME` in the filter bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class FilterCount:
    name: str
    query: str
    papers: int | None
    """None when the saved query no longer parses (it names a removed filter...)."""
    unread: int | None


class FilterPicker(ModalScreen[str | None]):
    """Dismisses with the chosen filter's name, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f", "cancel", "Cancel"),
        *(Binding(str(n), f"pick({n - 1})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, filters: Sequence[FilterCount]) -> None:
        super().__init__()
        self.filters = list(filters)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Content("Saved filters (1-9 or Enter applies, Esc cancels)"),
                classes="dialog-title",
            )
            if not self.filters:
                yield Static(
                    Content("No saved filters yet. Save one with: readlist filter save NAME QUERY"),
                    classes="dialog-hint",
                    id="filters-empty",
                )
            yield OptionList(*self._options(), id="filter-options")

    def _options(self) -> list[Option]:
        options = []
        width = max((len(f.name) for f in self.filters), default=0) + 2
        for n, saved in enumerate(self.filters, start=1):
            key = str(n) if n <= 9 else " "
            if saved.papers is None:
                counts: tuple[str, str] = ("does not parse", "$text-error")
            else:
                counts = (f"{saved.papers:,} papers · {saved.unread:,} unread", "$text-accent")
            options.append(
                Option(
                    Content.assemble(
                        (f"{key}  ", "bold"),
                        (f"@{strip_controls(saved.name)}".ljust(width), "bold"),
                        counts,
                        "\n   ",
                        (strip_controls(saved.query), "$text-muted"),
                    ),
                    id=saved.name,
                )
            )
        return options

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, index: int) -> None:
        if index < len(self.filters):
            self.dismiss(self.filters[index].name)

    def action_cancel(self) -> None:
        self.dismiss(None)
