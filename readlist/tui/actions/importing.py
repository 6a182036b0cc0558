# mypy: disable-error-code="misc"
# (The methods take the app as `self: ReadListApp`, a subclass: mypy checks their bodies
# against the app, and reports the annotation itself as "misc"; see actions/__init__.py.)
"""Importing and enriching from the TUI: the import dialog (a file, a paste, arXiv ids or
a daily listing), the import written by a worker with a store of its own, and the
enrichment dialog. The catalogue reload that follows is the session's (`check_disk`).

A part of `ReadListApp` (tui/app.py), split out by what it does: its methods are the
app's own (`self` is the app).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work

from readlist.errors import ReadlistError
from readlist.models import Paper
from readlist.store import Store

# The dialogs, the importers and the enrichment are imported when first used: the first
# frame does not wait for them.
if TYPE_CHECKING:
    from readlist.enrich.request import FetchRequest
    from readlist.importers import ListingFile
    from readlist.store.store import ImportReport
    from readlist.tui.app import ReadListApp
    from readlist.tui.screens.enrich import EnrichResult


class Importing:
    """`i` and `e`."""

    # Set by the app (tui/app.py); declared here for the type checker.
    _own_import: bool
    enrich_imports: bool

    def action_import(self: ReadListApp) -> None:
        from readlist.tui.screens.importer import ImportDialog

        dialog = ImportDialog(self._classify_listing, enrich=self.enrich_imports)

        def chosen(listing: ListingFile | FetchRequest | None) -> None:
            self.enrich_imports = dialog.enrich  # the checkbox is remembered
            self._import_chosen(listing, enrich=dialog.enrich)

        self.push_screen(dialog, chosen)

    def _classify_listing(self: ReadListApp, listing: ListingFile) -> tuple[int, int]:
        """(new, already in the library): see `LibrarySession.classify`."""
        return self.session.classify(listing.papers)

    def _import_chosen(
        self: ReadListApp, listing: ListingFile | FetchRequest | None, enrich: bool = False
    ) -> None:
        from readlist.enrich.request import FetchRequest

        if isinstance(listing, FetchRequest):
            self.notify(f"Fetching {listing.describe()}…", timeout=3, markup=False)
            self.run_import(listing, enrich)
        elif listing is not None:
            self.notify(f"Importing {len(listing.papers):,} papers…", timeout=3)
            self.run_import(listing, enrich)

    @work(thread=True, group="import")
    def run_import(
        self: ReadListApp, listing: ListingFile | FetchRequest, enrich: bool = False
    ) -> None:
        """Write an import off the UI thread (a store of its own: TinyDB is not
        thread-safe); the catalogue reload that follows shows the new papers. With
        `enrich`, the papers it added are enriched next (the enrichment dialog). A
        `FetchRequest` is fetched first (`readlist add` / `fetch daily`); a failed fetch
        writes nothing."""
        from readlist.enrich.request import FetchRequest, fetch_listing

        if isinstance(listing, FetchRequest):
            from readlist.enrich.fetch import default_fetcher

            try:
                listing = fetch_listing(listing, default_fetcher())
            except ReadlistError as error:  # offline, an HTTP error, an unknown id
                self.call_from_thread(
                    self.notify, str(error), title="Not fetched", severity="error", markup=False
                )
                return
        try:
            with Store.open(self.store.paths.annotations) as store:
                [report] = store.import_listings([listing.papers])
                store.record_added(report.added, "imported")
        except ReadlistError as error:
            self.call_from_thread(
                self.notify, str(error), title="Not imported", severity="error", markup=False
            )
            return
        self.call_from_thread(self._imported, report)
        added = set(report.added)
        new = {
            pid: replace(paper, id=pid)
            for paper, pid in zip(listing.papers, report.ids, strict=True)
            if pid in added and not (paper.authors and paper.arxiv_id)
        }
        if enrich and new:
            self.call_from_thread(self.enrich_papers, list(new.values()))

    def _imported(self: ReadListApp, report: ImportReport) -> None:
        parts = [f"{len(report.added)} added", f"{len(report.updated)} updated"]
        if report.unchanged:
            parts.append(f"{report.unchanged} already in the library")
        if report.removed:
            parts.append(f"{len(report.removed)} you removed earlier")
        hint = " The filter added:today lists them." if report.added else ""
        self.notify("Imported: " + ", ".join(parts) + "." + hint, markup=False)
        self._jump_to = report.added[0] if report.added else None
        self._own_import = True
        self.check_disk()

    def chosen_papers(self: ReadListApp) -> list[Paper]:
        """The marked papers (`marked_ids`, when marking exists), else the highlighted one."""
        marked = getattr(self, "marked_ids", None)
        ids = list(marked()) if callable(marked) else []
        if ids:
            position = self.library.position
            return [self.library.papers[position[i]] for i in ids if i in position]
        paper = self.current_paper()
        return [paper] if paper is not None else []

    def action_enrich(self: ReadListApp) -> None:
        if papers := self.chosen_papers():
            self.enrich_papers(papers)

    def enrich_papers(self: ReadListApp, papers: list[Paper]) -> None:
        from readlist.tui.screens.enrich import EnrichDialog

        details = self.config.enrich.arxiv_details
        dialog = EnrichDialog(self.store.paths.annotations, papers, details=details)
        self.push_screen(dialog, self._enriched)

    def _enriched(self: ReadListApp, result: EnrichResult | None) -> None:
        if result is None or result.cancelled:
            self.notify("Enrichment cancelled; nothing was changed.")
        elif result.outcome is None:
            self.notify(
                f"{result.error}: nothing was changed",
                title="Not enriched",
                severity="error",
                markup=False,
            )
        else:
            self.notify(result.outcome.summary() + ".", markup=False, timeout=8)
            if result.outcome.changed:
                self._own_import = True  # the reload that follows is ours
                self.check_disk()
