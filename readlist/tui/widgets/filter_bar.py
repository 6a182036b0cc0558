"""The filter bar: the query language, live, with errors shown in full under the input.

Every keystroke is parsed; a query that parses becomes the `parsed` reactive, one that
does not sets `problem` (the whole one-line message) and shows it on the rows below the
input, wrapped to the screen's width, so the app can show an error state instead of an
earlier keystroke's results. Those rows are drawn over the list from its second line
(an invalid query lists nothing; the list's first line says so), so the list and the
detail pane keep their places when the message comes and goes. Showing or hiding it is one
layout pass (a widget's region changes only by a layout in Textual) in the key's one screen
update: the row's `display` is set on the row itself, in the key's handler, not by a CSS
rule on the bar's `-invalid` class, which Textual applies after the handler; the row's
virtual size lays nothing out (ErrorRow); and the scroll views' scrollbars are repainted
only if they change (scrolling.KeptBars). Each of those cost another screen update ~30 ms
later: showing the message took three, hiding it two. A message of the same height needs no layout.
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


class ErrorRow(Static):
    """The rows of an invalid query's message (`#filter-error`).

    Like FilterInput: Widget declares `virtual_size` as a layout reactive, and the layout
    pass that shows the row sets it (from nothing to the message's size), which asked for
    a second layout pass in a second screen update. The row does not scroll, so its
    virtual size lays out nothing, and repaints nothing: the layout pass that gives the row
    its size draws it.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=False)


def _no_saved() -> Mapping[str, str]:
    return {}


class FilterBar(Vertical):
    DEFAULT_CSS = """
    FilterBar { height: auto; background: $panel; }
    FilterBar > #filter-row { height: 1; }
    FilterBar #filter-label { width: auto; padding: 0 1; color: $text-muted; }
    FilterBar Input { height: 1; padding: 0; width: 1fr; background: $panel; }
    FilterBar Input:focus { background: $boost; }
    FilterBar > #filter-error {
        width: 100%; height: auto; padding: 0 1; color: $text-error;
        position: absolute; offset-y: 2; overlay: screen; background: $panel;
    }
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
        error = ErrorRow(id="filter-error")
        error.display = False  # shown and hidden by `_typed` (see the module's docstring)
        yield error

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

    def _show_problem(self, message: str) -> None:
        """The message on the error rows; laid out again only if its height changed
        (a layout pass, with the scrollbar refresh it brings, is most of a key's cost)."""
        row = self.query_one("#filter-error", Static)
        content = Content(message)
        width = row.content_region.width
        same = (
            self.problem is not None
            and width > 0
            and len(content.wrap(width)) == len(Content(self.problem).wrap(width))
        )
        self.add_class("-invalid")
        row.update(content, layout=not same)
        row.display = True

    def _typed(self, value: str) -> None:
        try:
            query = parse(value, saved=self.saved())
        except QueryError as error:
            message = str(error)
            if error.position is not None:
                message += f" (at character {error.position + 1}); Esc clears the filter"
            self._show_problem(message)
            self.problem = message
            self.phrase = None
            return
        self.remove_class("-invalid")
        self.query_one("#filter-error", Static).display = False
        self.problem = None
        self.parsed = query
        self.phrase = _open_phrase(value, query)


def _open_phrase(value: str, query: Query) -> Words | None:
    """The phrase `value` ends in, if its quote is still open."""
    if value.count('"') % 2 == 0:
        return None
    leaves = [leaf for leaf, _negated in query.leaves()]
    return leaves[-1] if leaves and isinstance(leaves[-1], Words) else None
