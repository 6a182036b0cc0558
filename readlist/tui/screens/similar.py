"""Similar papers (`m`): the papers nearest to one, each with the terms they share.

The neighbours are found in a thread worker: the first search of a catalogue builds its
tf-idf features (seconds at 100,000 papers, unless cached on disk; see
`readlist.rankcache`), and the dialog opens at once with "finding…" meanwhile. Choosing
a paper dismisses with its id (not its position: the catalogue may be reloaded while
the dialog is open), and the app puts the cursor on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from readlist.ranking import Neighbour, Stopped
from readlist.text import strip_controls

LIMIT = 10


class SimilarPapers(ModalScreen[str | None]):
    """Dismisses with the id of the chosen paper, or None."""

    DEFAULT_CSS = """
    #similar-options { height: auto; max-height: 24; }
    #similar-state { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, as every dialog's submit and cancel (see tui/keyorder.py).
        Binding("enter", "choose", "Show", priority=True),
        Binding("escape,m", "cancel", "Close", priority=True),
    ]

    def __init__(
        self,
        title: str,
        find: Callable[[], Sequence[Neighbour]],
        describe: Callable[[int], tuple[str, str]],
    ) -> None:
        """`find` runs in a worker thread; `describe(position)` gives (id, title)."""
        super().__init__()
        self.paper_title = title
        self._find = find
        self._describe = describe
        self.neighbours: list[Neighbour] | None = None
        """None until found."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="similar-dialog"):
            yield Static(
                Content.assemble(("Papers like · ", "bold"), self.paper_title),
                classes="dialog-title",
            )
            yield Static(Content("Finding similar papers…"), id="similar-state")
            yield OptionList(id="similar-options")
            yield Static(
                Content("Enter shows the paper in the list · Esc closes"), classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._search()

    @work(thread=True, exclusive=True)
    def _search(self) -> None:
        try:
            neighbours = list(self._find())
        except Stopped:
            return  # the app is quitting
        self.app.call_from_thread(self._found, neighbours)

    def _found(self, neighbours: list[Neighbour]) -> None:
        self.neighbours = neighbours
        state = self.query_one("#similar-state", Static)
        if not neighbours:
            state.update(Content("No other paper shares this one's salient words."))
            self.query_one(OptionList).display = False
            return
        state.display = False
        options = []
        for near in neighbours:
            pid, title = self._describe(near.position)
            shares = ", ".join(strip_controls(t) for t in near.terms)
            options.append(
                Option(
                    Content.assemble(
                        (f"{near.score:.2f}  ", "$text-accent"),
                        (strip_controls(title[:300]), "bold"),
                        "\n      ",
                        ("shares: ", "$text-muted"),
                        (shares, "$text-muted"),
                    ),
                    id=pid,
                )
            )
        option_list = self.query_one(OptionList)
        option_list.add_options(options)
        option_list.highlighted = 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            self.dismiss(option_list.get_option_at_index(option_list.highlighted).id)

    def action_cancel(self) -> None:
        self.dismiss(None)
