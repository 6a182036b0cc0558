"""Changing how much a ScrollView scrolls, in the same frame as its content.

Setting `virtual_size` asks Textual for a layout pass, during which the scrollbars are
updated; that marks them dirty after the frame was composed, so a second screen update
follows ~30 ms later (Textual spaces updates by its frame timer). For a view whose own
size does not change (the paper list, the detail pane), no layout is needed: set the
value and update the scrollbars now, before the frame, and the key's whole effect is
drawn at once. `_scroll_update` is Textual's own method for this (private; covered by
the tests that count frames in benchmarks/bench_tui.py). With `repaint=False` the
caller repaints what changed itself (only the lines that differ, see paper_list.py).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


def set_virtual_size(view: ScrollView, size: Size, *, repaint: bool = True) -> None:
    if size == view.virtual_size:
        return
    view.set_reactive(ScrollView.virtual_size, size)
    if view.is_mounted:
        view._scroll_update(size)
    if repaint:
        view.refresh()
