"""The saved-filters picker (`f`): each filter with its papers and unread, keys 1-9.

Counts are computed when the picker opens, and again whenever the library changes while
it is open (another readlist process annotates, imports, or saves a filter): the app
calls `show_counts`, which redraws the rows in place and keeps the highlighted one.
Counting is cheap: a saved query's catalogue terms are cached bitsets, and its terms on
annotations look at the annotated papers only. Choosing a filter puts `@NAME` in the
filter bar.
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
        return [Option(self._prompt(n), id=saved.name) for n, saved in enumerate(self.filters)]

    def _prompt(self, index: int) -> Content:
        saved = self.filters[index]
        width = max((len(f.name) for f in self.filters), default=0) + 2
        key = str(index + 1) if index < 9 else " "
        if saved.papers is None:
            counts: tuple[str, str] = ("does not parse", "$text-error")
        else:
            counts = (f"{saved.papers:,} papers · {saved.unread:,} unread", "$text-accent")
        return Content.assemble(
            (f"{key}  ", "bold"),
            (f"@{strip_controls(saved.name)}".ljust(width), "bold"),
            counts,
            "\n   ",
            (strip_controls(saved.query), "$text-muted"),
        )

    def show_counts(self, filters: Sequence[FilterCount]) -> None:
        """Show fresh counts (the library changed while the picker is open)."""
        fresh = list(filters)
        if fresh == self.filters:
            return
        options = self.query_one("#filter-options", OptionList)
        if [f.name for f in fresh] == [f.name for f in self.filters]:
            self.filters = fresh
            for index in range(len(fresh)):
                options.replace_option_prompt_at_index(index, self._prompt(index))
            return
        # Filters were saved or removed meanwhile: rebuild, staying on the same name.
        current = options.highlighted_option
        self.filters = fresh
        options.set_options(self._options())
        names = [f.name for f in fresh]
        if current is not None and current.id in names:
            options.highlighted = names.index(current.id)
        empty = self.query("#filters-empty")
        if fresh and empty:
            empty.remove()

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
