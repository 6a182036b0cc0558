# mypy: disable-error-code="misc"
# (The methods take the app as `self: ReadListApp`, a subclass: mypy checks their bodies
# against the app, and reports the annotation itself as "misc"; see actions/__init__.py.)
"""The tag editor and the note editor, opened on a paper (the highlighted one, or
triage's). Tags are saved by the writer like every command; the note editor's drafts are
stored as they are typed (each keystroke's draft needs its result at once: see
tui/editing.py) and the session is recorded as one undo step when it closes.

A part of `ReadListApp` (tui/app.py), split out by what it does: its methods are the
app's own (`self` is the app).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from readlist import commands
from readlist.errors import ReadlistError
from readlist.models import Annotation, Paper
from readlist.store.store import Change, Edit
from readlist.tui import bulk
from readlist.tui.actions import short as _short

if TYPE_CHECKING:
    from readlist.tui.app import ReadListApp

NOTE_LABEL = "edited the note on"  # one note editor session, in the undo history


class Editors:
    """`t` and `n`."""

    def action_edit_tags(self: ReadListApp) -> None:
        if self.marks:
            bulk.edit_tags(self)
            return
        if (paper := self.current_paper()) is not None:
            self.edit_tags(paper)

    def edit_tags(self: ReadListApp, paper: Paper) -> None:
        """The tag editor for `paper` (the highlighted one, or triage's)."""
        # (The editors and what they use are imported when first opened.)
        from readlist.tui.editing import tags_edit
        from readlist.tui.screens.tags import TagEditor

        self.check_disk()  # start from what another process may have just written
        shown = self.library.annotation(paper.id).tags
        known = [tag for tag, _ in self.library.tag_counts().most_common()]

        title = _short(paper.title)

        def save(tags: tuple[str, ...]) -> str | None:
            # By the writer, like every command: Enter never waits for another process.
            if tags != shown:
                edit = tags_edit(shown, tags)
                command = commands.Annotate([paper.id], edit, label="set the tags of")
                self.write(command.run, partial(self._command_done, quiet=True), failed(tags))
            return None

        def failed(tags: tuple[str, ...]) -> Callable[[ReadlistError], None]:
            def reopen(error: ReadlistError) -> None:
                # The write failed (a full disk): the editor comes back with what was
                # typed, so Enter can try again (unless another dialog is open by now).
                self._not_saved(error)
                if self.screen is self.screen_stack[0]:
                    self.push_screen(TagEditor(title, tags, known, on_save=save))

            return reopen

        self.push_screen(TagEditor(title, shown, known, on_save=save))

    def action_edit_note(self: ReadListApp) -> None:
        if (paper := self.current_paper()) is not None:
            self.edit_note(paper)

    def edit_note(self: ReadListApp, paper: Paper) -> None:
        """The note editor for `paper` (the highlighted one, or triage's)."""
        # (Imported here: its TextArea is ~8 ms of a start that shows no editor.)
        from readlist.tui.editing import NoteDrafts
        from readlist.tui.screens.note import DISCARD, NoteEditor

        self.check_disk()  # never open on a stale note: the first draft would replace it
        written: list[Annotation] = []  # what the last draft wrote

        def save(ids: list[str], edit: Edit) -> Change:
            change = self.save_edit(ids, edit)
            written[:] = [change.after[paper.id]]
            return change

        drafts = NoteDrafts(paper.id, self.library.annotation(paper.id).note, save)

        def done(result: str | None) -> None:
            if result == DISCARD:
                if (undo := drafts.undo()) is not None:
                    self.edit([paper.id], undo)
            elif written:
                # Drafts are stored unrecorded as they are typed: the session is recorded
                # now as one undo step, from the note at open to the note at close (the
                # rest of the annotation as it is: undo changes the note only).
                after = written[0]
                pairs = {paper.id: (after.with_note(drafts.original), after)}
                title = _short(paper.title, 40)

                def recorded(undoable: bool) -> None:
                    if result is not None:
                        hint = " — u to undo" if undoable else ""
                        self.notify(f"Note saved for “{title}”{hint}", markup=False)

                self.write(lambda store: store.record_written(NOTE_LABEL, pairs), recorded)

        told = False  # a clean merge is announced once per editor, a conflict each time

        def store(text: str) -> str | None:
            nonlocal told
            error = drafts.store(text)
            if (merged := drafts.merged) is not None:  # another process wrote meanwhile
                editor.show_text(merged.text, merged.cursor)
                drafts.merged = None
                if merged.conflicts:
                    self.notify(
                        "Another readlist process changed the same passage of this note: "
                        "yours is kept, theirs is at the end, under a marker.",
                        severity="warning",
                        timeout=10,
                    )
                elif not told:
                    self.notify(
                        "Another readlist process is editing this note too: "
                        "its changes are merged with yours as you type.",
                        severity="warning",
                        timeout=10,
                    )
                told = True
            return error

        editor = NoteEditor(_short(paper.title), drafts.original, on_draft=store)
        self.push_screen(editor, done)
