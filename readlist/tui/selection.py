"""Which rows the paper list shows and where its cursor is, apart from how it draws them.

The list widget renders a `Selection`; actions and tests drive it. Rows are positions
in the library's paper list. The cursor follows its paper when the rows change (a new
filter, a new sort); when the paper is no longer shown (marked read under `is:unread`),
the cursor stays on the same row number, which is the next paper: the triage flow.
"""

from __future__ import annotations

from collections.abc import Sequence


class Selection:
    def __init__(self, rows: Sequence[int] = ()) -> None:
        self.rows: Sequence[int] = rows
        self.cursor = 0

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def current(self) -> int | None:
        """The library position of the paper under the cursor, if any."""
        return self.rows[self.cursor] if self.rows else None

    def set_rows(self, rows: Sequence[int]) -> None:
        """Show `rows`, keeping the cursor on its paper if it is still shown."""
        current = self.current
        self.rows = rows
        if current is not None:
            try:
                self.cursor = _index(rows, current, self.cursor)
                return
            except ValueError:
                pass
        self.cursor = self._clamp(self.cursor)

    def move_to(self, row: int) -> bool:
        """Put the cursor on `row` (clamped); True if it moved."""
        new = self._clamp(row)
        moved = new != self.cursor
        self.cursor = new
        return moved

    def _clamp(self, row: int) -> int:
        return max(0, min(row, len(self.rows) - 1)) if self.rows else 0


def _index(rows: Sequence[int], position: int, near: int) -> int:
    """Row of `position`, looking near the old cursor first (cheap in the common case)."""
    if near < len(rows) and rows[near] == position:
        return near
    return rows.index(position)  # (`library.Rows` finds rows only as far as it needs)
