"""The filter bar: the query language, live; an invalid query's error in full.

Every keystroke is parsed; a query that parses becomes the `parsed` reactive, one that
does not sets `problem` (the whole one-line message, with the position and the way out),
so the app can show an error state instead of an earlier keystroke's results: the list
lists nothing and draws the message, wrapped to its width, in the rows it leaves empty
(PaperList._empty_lines). The message has no widget of its own: showing or hiding one
was a layout pass (a widget's region changes only by a layout in Textual), 7-16 ms of
the key's frame at 100,000 papers; a new content of the list is a repaint. The bar marks
the input as invalid by a class that only colours it (no layout either).
The input's value is watched synchronously, so the list is
filtered in the same call as the keystroke and the echo and the result appear in one
frame. (Enter and Escape are the app's: they move focus back to the list at once.)

`saved` gives the saved filters' queries for `@NAME` (the app passes the store's).
`phrase` is the phrase being typed (its quote still open: `"large`), so that the app can
prepare the phrase's next word before it is typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.reactive import Reactive, reactive
from textual.widgets import Input, Static

from readlist.errors import QueryError
from readlist.query import Query, Words, parse

PLACEHOLDER = 'words, "a phrase", a OR b, title:x, tag:x, is:unread, -term  (? for help)'


class FilterInput(Input):
    """The query input: one fixed row, so its content growing needs no layout pass.

    Input declares `virtual_size` as a layout reactive; any layout pass makes every
    ScrollView on screen refresh its scrollbars after the frame, so each keystroke
    cost a second screen update ~30 ms later (see widgets/scrolling.py).
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


def _no_saved() -> Mapping[str, str]:
    return {}


class FilterBar(Vertical):
    DEFAULT_CSS = """
    FilterBar { height: auto; background: $panel; }
    FilterBar > #filter-row { height: 1; }
    FilterBar #filter-label { width: auto; padding: 0 1; color: $text-muted; }
    FilterBar Input { height: 1; padding: 0; width: 1fr; background: $panel; }
    FilterBar Input:focus { background: $boost; }
    FilterBar.-invalid Input { color: $text-error; }
    """
    parsed: reactive[Query] = reactive(Query, repaint=False)
    problem: reactive[str | None] = reactive(None, repaint=False)
    """The message of a query that does not parse; None while the query is valid."""
    phrase: reactive[Words | None] = reactive(None, repaint=False)
    """The phrase in an open quote at the end: another word may come next."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.saved: Callable[[], Mapping[str, str]] = _no_saved

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-row"):
            yield Static(Content("/ filter"), id="filter-label")
            yield FilterInput(
                placeholder=PLACEHOLDER, id="filter-input", select_on_focus=False, compact=True
            )

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    def on_mount(self) -> None:
        self.watch(self.input, "value", self._typed, init=False)

    def reparse(self) -> None:
        """Parse the text again (the saved filters it may name have changed)."""
        self._typed(self.input.value)

    def _typed(self, value: str) -> None:
        try:
            query = parse(value, saved=self.saved())
        except QueryError as error:
            message = str(error)
            if error.position is not None:
                message += f" (at character {error.position + 1}); Esc clears the filter"
            self.add_class("-invalid")
            self.problem = message
            self.phrase = None
            return
        self.remove_class("-invalid")
        if self.problem is not None and query != self.parsed:
            # The new `parsed` makes the app filter again: the problem's going need
            # not too (the list was filtered twice, the first time by the last query).
            self.set_reactive(FilterBar.problem, None)
        self.problem = None
        self.parsed = query
        self.phrase = _open_phrase(value, query)


def _open_phrase(value: str, query: Query) -> Words | None:
    """The phrase `value` ends in, if its quote is still open."""
    if value.count('"') % 2 == 0:
        return None
    leaves = [leaf for leaf, _negated in query.leaves()]
    return leaves[-1] if leaves and isinstance(leaves[-1], Words) else None
