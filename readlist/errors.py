"""The errors readlist reports to people.

Every error a user can cause (a bad file, a malformed query, a damaged library, a full
disk) is a `ReadlistError` whose message is one line that names the file or the input and
says what is wrong. The CLI prints it and exits 2; the TUI shows it in a notification.
Anything else that escapes is a bug.
"""

from __future__ import annotations


class ReadlistError(Exception):
    """A problem the user can act on; `str(error)` is the one-line message."""

    exit_code = 2


class ImportFileError(ReadlistError):
    """A listing file could not be imported (missing, unreadable, binary, no papers...)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class QueryError(ReadlistError):
    """A filter query that does not parse; `position` is the offending character index."""

    def __init__(self, problem: str, position: int | None = None) -> None:
        self.problem = problem
        self.position = position
        super().__init__(f"bad query: {problem}")


class LibraryError(ReadlistError):
    """The library on disk cannot be opened or used as it is (damaged, foreign, locked)."""


class LibraryWriteError(LibraryError):
    """A write to the library failed (disk full, permission denied...).

    The file on disk and the in-memory state are both left as they were before the write.
    """
