"""The note editor: Markdown in a TextArea; ctrl+s saves and closes.

Nothing typed is lost: every change is saved as a draft through `on_draft` at once (an
atomic write of the small annotations file, a few ms), so a crash or a closed terminal
loses at most the keystroke in flight; closing with changes asks whether to keep them.
When a save fails (a full disk), the editor says so in its hint line and stays open
with the text: ctrl+s tries again. "Discard" dismisses with `DISCARD`, and the app
restores the note as it was when the editor opened (unless it changed elsewhere since).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

DISCARD: Final = "\x00discard"


class ConfirmClose(ModalScreen[str]):
    """Save / Discard / Keep editing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('keep')", "Keep editing", priority=True),
        Binding("s", "choose('save')", "Save", priority=True),
        Binding("d", "choose('discard')", "Discard", priority=True),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("The note has changes. Keep them?"), classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Save (s)"), id="save", variant="primary")
                yield Button(Content("Discard (d)"), id="discard", variant="error")
                yield Button(Content("Keep editing (Esc)"), id="keep")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "keep")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class NoteEditor(ModalScreen[str | None]):
    """Dismisses with the note to save, `DISCARD`, or None (closed without changes)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save & close", priority=True),
        Binding("escape", "close", "Close", priority=True),
    ]

    HINT = "Markdown · ctrl+s saves and closes · Esc closes (asks if changed)"

    def __init__(
        self, title: str, note: str, on_draft: Callable[[str], str | None] | None = None
    ) -> None:
        """`on_draft(text)` stores the text; it returns an error message when it could not."""
        super().__init__()
        self.paper_title = title
        self.original = note
        self.on_draft = on_draft
        self._last_draft = note
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog note-dialog"):
            yield Static(
                Content.assemble(("Note · ", "bold"), self.paper_title), classes="dialog-title"
            )
            yield TextArea(self.original, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Content(self.HINT), classes="dialog-hint", id="note-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        self.set_focus(area)  # now, not after the keys already queued (Widget.focus)
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @property
    def dirty(self) -> bool:
        return self.text != self.original

    @on(TextArea.Changed)
    def save_draft(self) -> None:
        """Save the text as it is now (on every change, and on quit)."""
        if self.on_draft is not None and self.text != self._last_draft:
            self._store(self.text)

    def _store(self, text: str) -> bool:
        error = self.on_draft(text) if self.on_draft is not None else None
        if error is None:
            self._last_draft = text
        if error != self.error:  # say it once, not at every keystroke
            self.error = error
            hint = self.query_one("#note-hint", Static)
            hint.update(Content(self.HINT if error is None else f"NOT SAVED: {error}"))
            hint.set_class(error is not None, "-error")
        return error is None

    def show_text(self, text: str, cursor: Callable[[int], int] | None = None) -> None:
        """Replace the text with `text`, already stored (a merge with another process's
        edit); `cursor` maps the cursor's offset in the old text to the new one."""
        area = self.query_one(TextArea)
        row, column = area.cursor_location
        offset = sum(len(line) + 1 for line in area.text.split("\n")[:row]) + column
        offset = offset if cursor is None else cursor(offset)
        self._last_draft = text
        area.load_text(text)
        before = text[:offset].split("\n")
        area.move_cursor((len(before) - 1, len(before[-1])))

    def action_save(self) -> None:
        if self._store(self.text):
            self.dismiss(self.text)
        else:
            self.notify(
                "The note is still here; ctrl+s tries again.",
                title="Not saved",
                severity="error",
                markup=False,
            )

    def action_close(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def chosen(choice: str | None) -> None:
            if choice == "save":
                self.action_save()
            elif choice == "discard":
                self.dismiss(DISCARD)

        self.app.push_screen(ConfirmClose(), chosen)
