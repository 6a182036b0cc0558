"""The tag editor: a one-line modal with completion from the library's tags."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from readlist.models import normalize_tags, split_tags


class TagSuggester(Suggester):
    """Completes the tag being typed (the last one) from the known tags."""

    def __init__(self, known: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.known = list(known)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value[-1] in " ,":
            return None
        typed = split_tags(value)
        partial = typed[-1]
        present = {t.casefold() for t in typed[:-1]}
        for tag in self.known:
            folded = tag.casefold()
            if (
                folded.startswith(partial.casefold())
                and folded != partial.casefold()
                and folded not in present
            ):
                return value[: len(value) - len(partial)] + tag
        return None


class TagInput(Input):
    def action_complete(self) -> None:
        if self._suggestion:
            self.value = self._suggestion
            self.cursor_position = len(self.value)


class TagEditor(ModalScreen[tuple[str, ...] | None]):
    """Dismisses with the new tags once `on_save` stored them, or None when cancelled.

    `on_save` returns an error message when the tags could not be stored (a full disk):
    the editor then stays open with what was typed, so Enter can try again.
    """

    # Priority bindings act as the key arrives (after the keys before it), so keys typed
    # right after Enter or Esc reach the list, not this dialog's field.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("tab", "complete", "Complete", show=False, priority=True),
    ]

    def __init__(
        self,
        title: str,
        tags: Sequence[str],
        known: Sequence[str],
        on_save: Callable[[tuple[str, ...]], str | None] | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        super().__init__()
        # Bulk mode (marked papers): `tags` are those common to all, and the hint says
        # what saving does to each paper's own tags.
        self.hint = hint
        self.paper_title = title
        self.tags = tuple(tags)
        self.known = known
        self.on_save = on_save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Content.assemble(("Tags · ", "bold"), self.paper_title), classes="dialog-title"
            )
            value = " ".join(self.tags) + (" " if self.tags else "")
            # Not selected on focus: the first key would replace every existing tag.
            yield TagInput(
                value=value,
                suggester=TagSuggester(self.known),
                select_on_focus=False,
                id="tags-input",
            )
            if self.hint is not None:
                yield Static(Content(self.hint), classes="dialog-hint")
            yield Static(
                Content(
                    "Spaces or commas separate tags · Tab completes · Enter saves · Esc cancels"
                ),
                classes="dialog-hint",
            )

    def action_complete(self) -> None:
        self.query_one(TagInput).action_complete()

    def action_save(self) -> None:
        tags = normalize_tags([self.query_one(TagInput).value])
        if self.on_save is not None and (error := self.on_save(tags)) is not None:
            self.notify(error, title="Not saved", severity="error", markup=False, timeout=10)
            return
        self.dismiss(tags)

    def action_cancel(self) -> None:
        self.dismiss(None)
