"""The tag browser (`b`): every tag with its papers and unread, filtered as you type.

Typing goes to the filter field at the top; ↑/↓ move the highlight meanwhile, Enter puts
`tag:NAME` in the main filter. Tab moves to the list, where `r` renames the highlighted
tag in a small field (onto an existing tag: a merge). The rename is the app's
`on_rename`, the same `readlist.tags` plan and edit as `readlist tag --rename`, written
as one change; the browser then shows the counts afresh (`counts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from readlist.tags import TagCount
from readlist.text import strip_controls

HINT = "Type to filter · ↑↓ choose · Enter lists its papers · Tab, then r renames · Esc closes"


class TagBrowser(ModalScreen[str | None]):
    """Dismisses with the chosen tag, or None."""

    DEFAULT_CSS = """
    #tag-options { height: auto; max-height: 20; }
    #tag-rename-row { height: auto; display: none; }
    #tag-rename-row.-open { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, as every dialog's submit and cancel (see tui/keyorder.py).
        Binding("enter", "enter", "Choose", priority=True),
        Binding("escape", "escape", "Close", priority=True),
        # Not priority: in a text field these keys are the field's; in the list, ours.
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("r", "rename", "Rename", show=False),
    ]

    def __init__(
        self,
        counts: Callable[[], Sequence[TagCount]],
        on_rename: Callable[[str, str], str | None],
    ) -> None:
        """`on_rename(old, new)` returns an error message, or None once it is written."""
        super().__init__()
        self._counts = counts
        self._on_rename = on_rename
        self.tags: list[TagCount] = list(counts())
        self.renaming: str | None = None
        """The tag being renamed while the rename field is open."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="tag-browser"):
            yield Static(Content("Tags"), classes="dialog-title")
            yield Input(placeholder="filter tags", id="tag-filter", compact=True)
            yield OptionList(id="tag-options")
            with Vertical(id="tag-rename-row"):
                yield Static(id="tag-rename-label")
                yield Input(id="tag-rename", compact=True)
            yield Static(Content(HINT), classes="dialog-hint", id="tag-hint")

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#tag-filter", Input).focus()

    # -- the list ------------------------------------------------------------------------

    @property
    def shown(self) -> list[TagCount]:
        typed = self.query_one("#tag-filter", Input).value.strip().lstrip("#").casefold()
        return [t for t in self.tags if typed in t.tag.casefold()]

    def _fill(self, highlight: str | None = None) -> None:
        shown = self.shown
        width = max((len(t.tag) for t in shown), default=0) + 2
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(
                Content.assemble(
                    (f"#{strip_controls(t.tag)}".ljust(width), "bold"),
                    (f"{t.count:>6,} paper{'s' if t.count != 1 else ' '}", "$text-accent"),
                    (f"  {t.unread:>6,} unread", "$text-muted"),
                ),
                id=t.tag,
            )
            for t in shown
        )
        if not shown:
            hint = "No tags yet: t tags the highlighted paper." if not self.tags else "No match."
            options.add_option(Option(Content.styled(hint, "$text-muted"), disabled=True))
            return
        at = next((i for i, t in enumerate(shown) if t.tag == highlight), 0)
        options.highlighted = at

    @on(Input.Changed, "#tag-filter")
    def _typed(self) -> None:
        self._fill()

    @property
    def highlighted(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(event.option.id)

    # -- keys ----------------------------------------------------------------------------

    def action_enter(self) -> None:
        if self.renaming is not None:
            self._rename_to(self.query_one("#tag-rename", Input).value)
        elif (tag := self.highlighted) is not None:
            self.dismiss(tag)

    def action_escape(self) -> None:
        if self.renaming is not None:
            self._close_rename()
        else:
            self.dismiss(None)

    def action_rename(self) -> None:
        if (tag := self.highlighted) is None:
            return
        self.renaming = tag
        self.query_one("#tag-rename-label", Static).update(
            Content.assemble(
                ("Rename ", "bold"),
                (f"#{strip_controls(tag)}", "bold $text-accent"),
                " to (an existing tag: merged into it) · Enter renames · Esc cancels",
            )
        )
        field = self.query_one("#tag-rename", Input)
        field.value = tag
        self.query_one("#tag-rename-row").add_class("-open")
        field.focus()

    def _rename_to(self, new: str) -> None:
        old = self.renaming
        assert old is not None
        error = self._on_rename(old, new.strip())
        if error is not None:
            self.notify(error, title="Not renamed", severity="error", markup=False, timeout=10)
            return
        self.tags = list(self._counts())
        self._close_rename()
        folded = new.strip().lstrip("#").casefold()
        self._fill(highlight=next((t.tag for t in self.tags if t.tag.casefold() == folded), None))

    def _close_rename(self) -> None:
        self.renaming = None
        self.query_one("#tag-rename-row").remove_class("-open")
        self.query_one(OptionList).focus()
