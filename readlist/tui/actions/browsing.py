# mypy: disable-error-code="misc"
# (The methods take the app as `self: ReadListApp`, a subclass: mypy checks their bodies
# against the app, and reports the annotation itself as "misc"; see actions/__init__.py.)
"""Removing papers, and the dialogs that browse the library: saved filters (with live
counts), similar papers, statistics and the tag browser.

A part of `ReadListApp` (tui/app.py), split out by what it does: its methods are the
app's own (`self` is the app).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from readlist import commands
from readlist.errors import ReadlistError
from readlist.query import parse
from readlist.tui import bulk
from readlist.tui.actions import short as _short

# The dialogs opened on demand (the ranking, statistics, the tag browser) are imported
# when opened: the first frame does not wait for them.
if TYPE_CHECKING:
    from readlist.ranking import Neighbour
    from readlist.tags import TagCount
    from readlist.tui.app import ReadListApp
    from readlist.tui.screens.filters import FilterCount

SIMILAR_LIMIT = 10


class Browsing:
    """`x`, `f`, `m`, `S` and `b`."""

    # Set by the app (tui/app.py); declared here for the type checker.
    _own_import: bool

    def action_remove(self: ReadListApp) -> None:
        if self.marks:
            bulk.remove(self)
            return
        position = self.papers.current
        if position is None:
            return
        paper = self.library.papers[position]
        annotation = self.library.annotation_at(position)
        kept = " Your tags, rating and note are kept with it." if not annotation.is_empty else ""
        question = (
            f"Remove “{_short(paper.title)}” from the library?{kept} "
            "`readlist restore` brings it back."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_remove([paper.id], f"“{_short(paper.title)}”")

        from readlist.tui.screens.confirm import Confirm  # (dialogs: imported when opened)

        self.push_screen(Confirm(question, yes="Remove"), answered)

    def run_remove(self: ReadListApp, ids: list[str], what: str) -> None:
        """Mark papers removed, through the writer (a catalogue write, ~0.5 s at 100k)."""

        def failed(error: ReadlistError) -> None:
            self.notify(str(error), title="Not removed", severity="error", markup=False)

        self.write(commands.Remove(ids).run, lambda _: self._removed(what), failed)

    def _removed(self: ReadListApp, what: str) -> None:
        self.notify(f"Removed {what} — u to undo", markup=False)
        self._own_import = True  # the reload that follows is ours: no "another process"
        self.check_disk()

    def _read_saved_filters(self: ReadListApp) -> bool:
        try:
            self.saved_filters = self.store.saved_filters()
        except ReadlistError as error:
            self.notify(str(error), title="Saved filters", severity="error", markup=False)
            return False
        return True

    def _filter_counts(self: ReadListApp) -> list[FilterCount]:
        from readlist.tui.screens.filters import FilterCount

        saved = self.saved_filters
        counts = []
        for name, text in saved.items():
            try:
                matches = self.library.filter(parse(f"@{name}", saved=saved))
            except ReadlistError:
                counts.append(FilterCount(name, text, None, None))
                continue
            counts.append(FilterCount(name, text, len(matches), matches.unread()))
        return counts

    def _refresh_filter_picker(self: ReadListApp) -> None:
        """Live counts: the library changed while the saved-filters picker is open."""
        picker = self.screen
        filters = sys.modules.get("readlist.tui.screens.filters")  # imported with the picker
        if filters is None or not isinstance(picker, filters.FilterPicker):
            return
        if self._read_saved_filters():
            picker.show_counts(self._filter_counts())

    def action_saved_filters(self: ReadListApp) -> None:
        if not self._read_saved_filters():
            return
        counts = self._filter_counts()

        def chosen(name: str | None) -> None:
            if name is not None:
                self.filter_bar.input.value = f"@{name}"  # the watcher re-filters at once
                self.screen.set_focus(self.papers)

        from readlist.tui.screens.filters import FilterPicker

        self.push_screen(FilterPicker(counts), chosen)

    def action_similar(self: ReadListApp) -> None:
        from readlist.tui.screens.similar import SimilarPapers

        position = self.papers.current
        if position is None:
            self.notify("No paper is highlighted.", severity="warning")
            return
        if not self.abstracts_searched:
            # From titles alone the neighbours would be poorer, and the features kept
            # on disk would be replaced by those of a catalogue without abstracts.
            self.notify("Similar papers need the abstracts, which are still loading.")
            return
        library = self.library
        paper = library.papers[position]

        def describe(i: int) -> tuple[str, str]:
            return library.papers[i].id, library.papers[i].title

        def find() -> list[Neighbour]:  # in the dialog's worker thread
            return library.ranker.similar(position, SIMILAR_LIMIT)

        self.push_screen(SimilarPapers(_short(paper.title), find, describe), self._jump)

    def _jump(self: ReadListApp, pid: str | None) -> None:
        """Put the cursor on a paper, clearing the filter if it hides the paper."""
        if pid is None or (position := self.library.position.get(pid)) is None:
            return
        if position not in self.papers.selection.rows:
            self.filter_bar.input.value = ""  # the watcher re-filters at once
            self.notify("Filter cleared to show the paper.", timeout=3)
        self._show_paper(pid)
        self.screen.set_focus(self.papers)

    def action_statistics(self: ReadListApp) -> None:
        from readlist.stats import compute
        from readlist.tui.screens.stats import StatsScreen

        papers, annotations = self.library.papers, dict(self.library.annotations)
        self.push_screen(StatsScreen(lambda: compute(papers, annotations)))

    def action_tag_browser(self: ReadListApp) -> None:
        from readlist.tags import plan_rename, renaming, tag_counts, tag_query
        from readlist.tui.screens.tagbrowser import TagBrowser

        self.check_disk()  # counts and renames start from what is on disk

        def counts() -> list[TagCount]:
            live = self.library.position  # removed papers' tags are not counted
            return tag_counts({p: a for p, a in self.library.annotations.items() if p in live})

        def rename(old: str, new: str) -> str | None:
            # What `readlist tag --rename OLD NEW` does: every paper, removed ones too.
            try:
                plan = plan_rename(self.library.annotations, old, new, what="rename")
                if not plan.ids:
                    return f"rename: no paper is tagged {old!r} any more"
                label = f"renamed #{plan.old} to #{plan.new} on"  # undoable: u
                change = self.save_edit(plan.ids, renaming(plan.old, plan.new), label=label)
            except ReadlistError as error:
                return str(error)
            done = plan.done(len(change.changed))
            self.notify(done[0].upper() + done[1:] + ".", markup=False)
            return None

        def chosen(tag: str | None) -> None:
            if tag is not None:
                self.filter_bar.input.value = tag_query(tag)  # the watcher re-filters at once
                self.screen.set_focus(self.papers)

        self.push_screen(TagBrowser(counts, rename), chosen)
