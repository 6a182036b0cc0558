"""What the tag and note editors store, and how it composes with other processes.

Kept out of the app (and free of Textual) because these rules are about data, not
display. Tags: the editor's list exactly, plus tags another process added meanwhile.
Notes: drafts stored as they are typed, undone on "Discard"; everything is relative to
what this editor last stored, so a note another process saves meanwhile is never undone
nor overwritten, and a draft is compared as it was stored (trimmed), not as typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from readlist.errors import ReadlistError
from readlist.models import Annotation
from readlist.store.store import Change, Edit

Save = Callable[[list[str], Edit], Change]


def tags_edit(shown: Sequence[str], tags: Sequence[str]) -> Edit:
    """The edit that makes a paper's tags `tags`, where the editor opened on `shown`.

    The editor's tags exactly (spelling and order too), plus any tag another process
    added while the editor was open.
    """
    seen = {t.casefold() for t in (*shown, *tags)}

    def apply(current: Annotation) -> Annotation:
        theirs = [t for t in current.tags if t.casefold() not in seen]
        return current.with_tags([*tags, *theirs])

    return apply


class NoteDrafts:
    def __init__(self, pid: str, original: str, save: Save) -> None:
        self.pid = pid
        self.original = original
        self._save = save
        self.last_stored: str | None = None  # None until this editor stores a draft
        self._restore = original  # what "Discard" puts back
        self.merged: str | None = None  # set when another process's text was merged in

    def store(self, text: str) -> str | None:
        """Store `text` as the note; the error message if that failed, else None.

        If another process changed the note since this editor last stored it, its text
        is kept: added after `text` (unless `text` already holds it), and `merged` is
        set to the merged text, for the editor to show.
        """
        expected = self.original if self.last_stored is None else self.last_stored
        if text == expected:
            return None
        theirs: list[str] = []
        shown: list[str] = []  # the merged text as the editor should show it

        def apply(current: Annotation) -> Annotation:
            note = current.note
            if note != expected and note.strip() and note.strip() not in text:
                theirs.append(note)
                # Ours as typed (a trailing space is where the cursor is), then theirs.
                shown.append(f"{text}\n\n{note}" if text.strip() else note)
                return current.with_note(shown[-1])
            return current.with_note(text)

        try:
            change = self._save([self.pid], apply)
        except ReadlistError as error:
            return str(error)
        self.last_stored = change.after[self.pid].note
        if theirs:
            self._restore = theirs[-1]
            self.merged = shown[-1]
        return None

    def undo(self) -> Edit | None:
        """The edit that restores the note as it was before this editor's drafts (or as
        another process left it), unless it has changed elsewhere since."""
        if self.last_stored is None:
            return None
        last, restore = self.last_stored, self._restore

        def apply(current: Annotation) -> Annotation:
            return current.with_note(restore) if current.note == last else current

        return apply
