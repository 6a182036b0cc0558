"""The filter bar: the query language, live, with errors shown inline.

Every keystroke is parsed; a query that parses becomes the `parsed` reactive, one that
does not leaves it as it was and shows the problem next to the input. The input's value
is watched synchronously, so the list is filtered in the same call as the keystroke
and the echo and the result appear in one frame. (Enter and Escape are the app's: they
move focus back to the list at once.)
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Size
from textual.reactive import Reactive, reactive
from textual.widgets import Input, Static

from readlist.errors import QueryError
from readlist.query import Query, parse

PLACEHOLDER = 'words, "a phrase", tag:x, is:unread, rating:>=4, year:2024, -term  (? for help)'


class FilterInput(Input):
    """The query input: one fixed row, so its content growing needs no layout pass.

    Input declares `virtual_size` as a layout reactive; any layout pass makes every
    ScrollView on screen refresh its scrollbars after the frame, so each keystroke
    cost a second screen update ~30 ms later (see widgets/scrolling.py).
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 1; background: $panel; }
    FilterBar > #filter-label { width: auto; padding: 0 1; color: $text-muted; }
    FilterBar > Input { height: 1; padding: 0; width: 1fr; background: $panel; }
    FilterBar > Input:focus { background: $boost; }
    FilterBar > #filter-error {
        width: auto; max-width: 60%; padding: 0 1; color: $text-error; display: none;
    }
    FilterBar.-invalid > #filter-error { display: block; }
    FilterBar.-invalid > Input { color: $text-error; }
    """
    parsed: reactive[Query] = reactive(Query, repaint=False)

    def compose(self) -> ComposeResult:
        yield Static(Content("/ filter"), id="filter-label")
        yield FilterInput(
            placeholder=PLACEHOLDER, id="filter-input", select_on_focus=False, compact=True
        )
        yield Static(id="filter-error")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    def on_mount(self) -> None:
        self.watch(self.input, "value", self._typed, init=False)

    def _typed(self, value: str) -> None:
        try:
            query = parse(value)
        except QueryError as error:
            self.add_class("-invalid")
            self.query_one("#filter-error", Static).update(Content(error.problem))
            return
        self.remove_class("-invalid")
        self.parsed = query
