# mypy: disable-error-code="misc"
# (The methods take the app as `self: ReadListApp`, a subclass: mypy checks their bodies
# against the app, and reports the annotation itself as "misc"; see actions/__init__.py.)
"""Citations, links and the clipboard: copying one paper's or the marked papers'
citations (BibTeX keys pinned as they leave), exporting the marked papers, and opening a
paper's links (a picker when there are several).

A part of `ReadListApp` (tui/app.py), split out by what it does: its methods are the
app's own (`self` is the app).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from readlist import commands
from readlist.errors import ReadlistError
from readlist.models import Paper
from readlist.tui import bulk
from readlist.tui.actions import short as _short

if TYPE_CHECKING:
    from readlist.tui.app import ReadListApp


class Citing:
    """`c`, `C`, `o` and the export of marked papers."""

    def action_copy_citation(self: ReadListApp) -> None:
        if papers := self.chosen_papers():
            self.copy_citations(papers, self.citation_format)

    def action_pick_citation(self: ReadListApp) -> None:
        if not (papers := self.chosen_papers()):
            return

        def chosen(fmt: str | None) -> None:
            if fmt is not None:
                self.citation_format = fmt
                self.copy_citations(papers, fmt)

        from readlist.tui.screens.cite import CitationPicker  # (imported when first opened)

        self.push_screen(CitationPicker(papers[0], self.citation_format), chosen)

    def copy_citation(self: ReadListApp, paper: Paper, fmt: str) -> None:
        self.copy_citations([paper], fmt)

    def copy_citations(self: ReadListApp, papers: list[Paper], fmt: str) -> None:
        """Copy the citations of `papers` together (the Cite command; BibTeX keys are
        pinned as they leave)."""
        outcome = commands.Cite(papers, fmt).run(self.store)
        if outcome.warning:
            self.notify(outcome.warning, title="Keys not pinned", severity="warning", markup=False)
        try:
            how = self._copy(outcome.text or "", self.copy_to_clipboard)
        except ReadlistError as error:
            self.notify(str(error), title="Not copied", severity="error", markup=False)
            return
        self.notify(f"Copied {outcome.message} to {how}.", markup=False)

    def copy_text(self: ReadListApp, text: str) -> str:
        """Copy `text` (the clipboard, else the terminal's); how it was copied."""
        return self._copy(text, self.copy_to_clipboard)

    def action_export_marked(self: ReadListApp) -> None:
        bulk.export(self)

    def action_open_link(self: ReadListApp) -> None:
        if (paper := self.current_paper()) is not None:
            self.open_link(paper)

    def open_link(self: ReadListApp, paper: Paper) -> None:
        # The paper's own page (arXiv) first, then code and project pages: one link
        # opens at once, several open a picker (screens/links.py).
        outcome = commands.OpenLink(paper).run(self.store)
        links = list(outcome.links)
        if not links:
            self.notify(outcome.message, severity="warning")
        elif len(links) == 1:
            self._open_link(links[0][1])
        else:

            def chosen(url: str | None) -> None:
                if url is not None:
                    self._open_link(url)

            from readlist.tui.screens.links import LinkPicker

            self.push_screen(LinkPicker(_short(paper.title, 50), links), chosen)

    @work(thread=True, exclusive=True, group="open-link")
    def _open_link(self: ReadListApp, url: str) -> None:
        opened = self._open_url(url)
        if opened:
            self.call_from_thread(self.notify, f"Opened {url}", markup=False)
            return

        def fallback() -> None:
            try:
                how = self._copy(url, self.copy_to_clipboard)
            except ReadlistError:
                self.notify(f"No browser available. The link is {url}", markup=False, timeout=10)
                return
            self.notify(f"No browser available here; copied the link to {how}: {url}", markup=False)

        self.call_from_thread(fallback)
