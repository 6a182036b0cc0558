"""The TUI's end of the session's writer (readlist/session/writer.py): a finished job
comes back as a `Written` message, so its callbacks run on the UI thread, in order."""

from __future__ import annotations

from textual.message import Message

from readlist.session.writer import Job


class Written(Message):
    """A job ran (or failed): its callbacks are due on the UI thread."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
