"""A note being edited: drafts stored as they are typed, undone on "Discard".

Kept out of the app (and free of Textual) because its rules are about data, not
display: everything is relative to what this editor last stored, so a note another
process saves meanwhile is never undone, and a draft is compared as it was stored
(trimmed), not as it was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from readlist.errors import ReadlistError
from readlist.models import Annotation
from readlist.store.store import Change, Edit

Save = Callable[[list[str], Edit], Change]


class NoteDrafts:
    def __init__(self, pid: str, original: str, save: Save) -> None:
        self.pid = pid
        self.original = original
        self._save = save
        self.last_stored: str | None = None  # None until this editor stores a draft

    def store(self, text: str) -> str | None:
        """Store `text` as the note; the error message if that failed, else None."""
        if text == (self.original if self.last_stored is None else self.last_stored):
            return None
        try:
            change = self._save([self.pid], lambda a: a.with_note(text))
        except ReadlistError as error:
            return str(error)
        self.last_stored = change.after[self.pid].note
        return None

    def undo(self) -> Edit | None:
        """The edit that restores the original note, unless it changed elsewhere since."""
        if self.last_stored is None:
            return None
        last, original = self.last_stored, self.original

        def restore(current: Annotation) -> Annotation:
            return current.with_note(original) if current.note == last else current

        return restore
