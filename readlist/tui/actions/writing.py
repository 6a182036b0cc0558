# mypy: disable-error-code="misc"
# (The methods take the app as `self: ReadListApp`, a subclass: mypy checks their bodies
# against the app, and reports the annotation itself as "misc"; see actions/__init__.py.)
"""Changing annotations: every command queued for the session's writer (see
readlist/session/writer.py), run in order off the event loop; the result shown once it is
on disk, a failed write's error shown and nothing changed. Tests and benchmarks wait on
`settle`.

A part of `ReadListApp` (tui/app.py), split out by what it does: its methods are the
app's own (`self` is the app).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from readlist import commands
from readlist.commands import Command, Outcome
from readlist.errors import ReadlistError
from readlist.store import Store
from readlist.store.store import Change, Edit
from readlist.tui.screens.triage import TriageScreen
from readlist.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from textual.timer import Timer

    from readlist.tui.app import ReadListApp

T = TypeVar("T")
SAID_FOR = 4.0  # seconds a change's message stays on the status line


class Writing:
    """Commands through the writer, and what their results show."""

    # Set by the app (tui/app.py); declared here for the type checker.
    _writer_timer: Timer | None
    _own_import: bool
    _showing_wait: bool

    def edit(self: ReadListApp, ids: Iterable[str], edit: Edit) -> Change | None:
        """Save an edit through the store; show it only once it is on disk.

        A failed write shows its error and returns None; nothing on screen changes.
        """
        try:
            return self.save_edit(ids, edit)
        except ReadlistError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False, timeout=10)
            return None

    def save_edit(
        self: ReadListApp, ids: Iterable[str], edit: Edit, *, label: str | None = None
    ) -> Change:
        """`edit` without the notification: raises `ReadlistError` (for dialogs that
        show the error themselves and stay open). With a `label`, it can be undone."""
        change = self.store.update(ids, edit, label=label)
        self._show_change(change)
        return change

    def _show_change(self: ReadListApp, change: Change) -> None:
        # The writer's store re-read what another process wrote before this edit: the
        # session re-reads it too, and it is shown, counted (ours are not counted).
        if (sync := self.session.apply(change)) is not None:
            self._show_sync(sync)
        self.refilter()

    async def settle(self: ReadListApp) -> None:
        """Wait until every change asked for is written and shown (tests, benchmarks)."""
        while self._writer.pending:
            await asyncio.sleep(0.002)

    def write(
        self: ReadListApp,
        work: Callable[[Store], T],
        done: Callable[[T], None],
        failed: Callable[[ReadlistError], None] | None = None,
    ) -> None:
        """Queue `work` for the writer; `done(result)` runs here once it is on disk, or
        `failed(error)` (by default: show the error; nothing was changed)."""
        job = self._writer.submit(work, done, failed or self._not_saved)
        # The job runs first, alone; what is drawn next follows (see `Writer.hold`).
        self._writer.hold(job)
        if self._writer_timer is None:
            self._writer_timer = self.set_interval(0.1, self._watch_writer)

    def _not_saved(self: ReadListApp, error: ReadlistError) -> None:
        self.notify(str(error), title="Not saved", severity="error", markup=False, timeout=10)

    def _watch_writer(self: ReadListApp) -> None:
        """While writes are queued: say so on the status line once one waits long for
        another process's lock."""
        waiting = self._writer.pending > 0 and self._writer.waiting
        if waiting != self._showing_wait:
            self._showing_wait = waiting
            self.update_status()
        if not self._writer.pending and self._writer_timer is not None:
            self._writer_timer.stop()
            self._writer_timer = None

    def run_command(
        self: ReadListApp,
        command: Command,
        *,
        quiet: bool = False,
        then: Callable[[Outcome], None] | None = None,
        failed: Callable[[ReadlistError], None] | None = None,
    ) -> None:
        """Queue a command for the writer; once written, show what it did ("Rated 4/5:
        1 paper — u to undo") and call `then(outcome)`. A failed write shows its error,
        changes nothing on screen and calls `failed(error)`. Commands run in the order
        asked. The message is said on the status line (`say`)."""

        def done(outcome: Outcome) -> None:
            self._command_done(outcome, quiet=quiet)
            if then is not None:
                then(outcome)

        def not_saved(error: ReadlistError) -> None:
            self._not_saved(error)
            if failed is not None:
                failed(error)

        self.write(command.run, done, not_saved)

    def _command_done(self: ReadListApp, outcome: Outcome, *, quiet: bool) -> None:
        if outcome.change is not None:
            self._show_change(outcome.change)
        elif outcome.undone is not None and outcome.undone.change is not None:
            # What the undo wrote, alone: not every annotation re-read from disk and
            # compared on this thread (the store has just written them).
            self._show_change(outcome.undone.change)
        if isinstance(self.screen, TriageScreen):
            self.screen.show_current()  # the card shows what was just saved
        if outcome.undone is not None and outcome.undone.entry.removed:
            self._own_import = True  # the catalogue reload that follows is ours
            self.check_disk()
        if not quiet:
            message = outcome.message[:1].upper() + outcome.message[1:]
            if outcome.undoable:
                message += " — u to undo"
            self.say(message)

    def say(self: ReadListApp, message: str, timeout: float | None = None) -> None:
        """What a change did: on the status line while the list is shown (a toast would
        lay the screen out twice, see widgets/status.py), else in a notification over
        the dialog or the triage screen (the status line is hidden under them)."""
        timeout = SAID_FOR if timeout is None else timeout
        if self.screen is self.screen_stack[0]:
            self.screen.query_one("#status", StatusLine).say(message, timeout)
        else:
            self.notify(message, markup=False, timeout=timeout)

    def action_toggle_read(self: ReadListApp) -> None:
        if (ids := self.targets()) is not None:
            self.run_command(commands.ToggleRead(ids))

    def action_dismiss(self: ReadListApp) -> None:
        if (ids := self.targets()) is not None:
            self.run_command(commands.Dismiss(ids))

    def action_rate(self: ReadListApp, rating: int) -> None:
        if (ids := self.targets()) is not None:
            self.run_command(commands.Rate(ids, rating))

    def action_undo(self: ReadListApp) -> None:
        self.run_command(commands.Undo())

    def action_redo(self: ReadListApp) -> None:
        self.run_command(commands.Redo())
