"""ReadListApp: the triage screen, its keys, and the wiring between widgets and the store.

Data flows down and messages flow up: the filter bar posts parsed queries, the paper list
posts the highlighted paper, and the app asks the `Library` for rows and hands them back.
Every change goes to the `Store` the moment it is made (one atomic write), and only a
successful write updates what is shown; a failed one shows its error and changes nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from functools import partial
from typing import ClassVar

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Container
from textual.events import AppFocus, Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, TextArea
from textual.worker import get_current_worker

from readlist import clipboard
from readlist.browser import open_in_browser
from readlist.citations import DEFAULT_FORMAT, FORMATS, cite
from readlist.errors import ReadlistError
from readlist.gcutil import PauseCollector, freeze_survivors
from readlist.importers import ListingFile
from readlist.library import SORT_KEYS, Library, Matches, sort_label
from readlist.models import Annotation, Paper, identity_key
from readlist.query import Has, Query, parse
from readlist.search import SearchIndex
from readlist.store import Store
from readlist.store.store import Change, Edit, ImportReport
from readlist.text import strip_controls
from readlist.textindex import WordIndex
from readlist.tui import keys
from readlist.tui.editing import NoteDrafts, tags_edit
from readlist.tui.keyorder import KeyOrder
from readlist.tui.screens.cite import CitationPicker
from readlist.tui.screens.confirm import Confirm
from readlist.tui.screens.filters import FilterCount, FilterPicker
from readlist.tui.screens.help import HelpScreen
from readlist.tui.screens.importer import ImportDialog
from readlist.tui.screens.note import DISCARD, NoteEditor
from readlist.tui.screens.tags import TagEditor
from readlist.tui.widgets.detail import DetailPane
from readlist.tui.widgets.filter_bar import FilterBar
from readlist.tui.widgets.paper_list import PaperList
from readlist.tui.widgets.status import StatusLine

Copier = Callable[[str, Callable[[str], None]], str]
Opener = Callable[[str], bool]
NARROW = 120
GC_INTERVAL = 0.5  # seconds between checks for a pause to collect garbage in
# Libraries above this many papers load abstracts in the background after the first
# frame; above INDEX_ABOVE the full-text index is built (below it a scan is instant).
# A staged library reads the index kept on disk (store/wordfile.py) when it is current,
# so text queries search abstracts from the first frame; otherwise they wait for the
# abstracts ("searching abstracts…"), and the index built then is kept for next time.
STAGE_ABOVE = 5_000
INDEX_ABOVE = 2_000


def _short(title: str, limit: int = 60) -> str:
    # Only the start is cleaned and measured: a title may be megabytes long.
    shown = strip_controls(title[: 2 * limit])
    if len(shown) <= limit and len(title) <= 2 * limit:
        return shown
    return shown[: limit - 1] + "…"


class ReadListApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "readlist"
    BINDINGS: ClassVar[list[BindingType]] = keys.BINDINGS

    def __init__(
        self,
        store: Store,
        library: Library | None = None,
        *,
        demo: bool = False,
        copy: Copier = clipboard.copy,
        open_url: Opener = open_in_browser,
        watch_interval: float = 2.0,
        stage_above: int = STAGE_ABOVE,
    ) -> None:
        self._key_order = KeyOrder(self)  # first: App.__init__ may post messages
        super().__init__()
        self.store = store
        staged = library is None and store.paper_count() > stage_above
        stored: WordIndex | None = None
        if library is None:
            # A large library starts from titles alone: abstracts (most of the bytes)
            # and the full-text index follow in the background (see `load_catalogue`).
            papers = store.papers(with_abstracts=not staged)
            library = Library(papers, store.annotations())
            if staged:
                # The word index kept on disk (if it is current) holds the abstracts'
                # words: full-text search works from the first frame.
                stored = store.word_index([p.id for p in papers])
                if stored is not None:
                    library.search.use_stored_index(stored)
            if not staged and len(papers) > INDEX_ABOVE:
                library.search.build_text_index()
            if not staged:
                store.release_catalogue_cache()
        # Loaded objects live as long as the app: a full collection would walk every
        # one of them (30-60 ms pauses measured), so move them out of the GC's sight.
        # (No collection first: nothing is garbage yet, and this is before the frame.)
        gc.freeze()
        self.library = library
        self.demo = demo
        self._copy = copy
        self._open_url = open_url
        self._watch_interval = watch_interval
        self.filter_query = Query()
        self.sort = "date"
        self.citation_format = DEFAULT_FORMAT
        self.shown = 0
        # True once abstracts are loaded and the full-text index is built (benchmarks
        # and tests wait on it). Before that, `abstracts_searched` says whether words
        # are searched in abstracts yet (by scanning: exact, slower per key at 100k).
        self.search_ready = not staged
        self.abstracts_searched = not staged or stored is not None
        self._stored_index = stored  # see load_catalogue
        self._stage_above = stage_above
        self.catalogue_loaded = not staged  # every Paper holds its abstract
        self.abstracts: dict[str, str] | None = None
        self._reloading = False
        self._disk_error: str | None = None
        self._matches: Matches | None = None  # the last filter result (see refilter)
        self._collector = PauseCollector()
        self._known: tuple[Library, set[str], set[str]] | None = None
        self._jump_to: str | None = None  # a paper to show once the catalogue is reloaded
        self._own_import = False
        self.saved_filters: dict[str, str] = {}  # for @NAME; re-read when the picker opens

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter")
        with Container(id="main"):
            yield PaperList(self.library, id="papers")
            yield DetailPane(id="detail")
        yield StatusLine(id="status")
        # The palette key is listed in help; the footer needs its room at 80 columns.
        yield Footer(compact=True, show_command_palette=False)

    @property
    def papers(self) -> PaperList:
        return self.query_one("#papers", PaperList)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter", FilterBar)

    def on_mount(self) -> None:
        if self.demo:
            self.sub_title = "demo"
        self._fit_layout(self.size.width)
        self.papers.focus()
        # Synchronous watchers: a key's whole effect (list, detail, status) is ready
        # before the next screen update, so it is drawn in one frame.
        self.watch(self.papers, "highlighted", self.show_detail, init=False)
        self.watch(self.filter_bar, "parsed", self._filter_changed, init=False)
        self.watch(self.filter_bar, "problem", self._filter_problem, init=False)
        self.filter_bar.saved = lambda: self.saved_filters
        self._read_saved_filters()
        self.refilter()
        self.call_after_refresh(freeze_survivors)
        # Garbage is collected when the user pauses, not in the middle of a keystroke.
        self._collector.start()
        self.set_interval(GC_INTERVAL, self._collector.tick)
        self.set_interval(self._watch_interval, self.check_disk)
        if not self.search_ready:
            self.load_catalogue()

    def on_resize(self, event: Resize) -> None:
        self._fit_layout(event.size.width)

    def _fit_layout(self, width: int) -> None:
        self.query_one("#main").set_class(width < NARROW, "-stacked")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Triage keys act on the list only, never behind a dialog.

        With a dialog open they are off: a key typed ahead of the dialog (or while a
        dialog without a text field has focus) must not rate or tag the paper behind it.
        """
        if action in keys.LIST_ACTIONS and self.screen is not self.screen_stack[0]:
            return False
        in_filter = self.focused is self.filter_bar.input
        if action == "leave_filter":  # in the list, Esc still clears a filter
            # (The list has focus only when no dialog is open.)
            on_list = self.focused is self.papers
            return in_filter or (on_list and bool(parameters) and bool(self.filter_bar.input.value))
        if action == "move" and isinstance(self.focused, (Input, TextArea)):
            # In the filter, arrows and pages move the list; Home and End the text cursor.
            return in_filter and parameters[0] not in ("first", "last")
        # Textual leaves out bindings of keys a focused field types, but it does not
        # see "slash" as the character "/": inside a field, "/" must be typed.
        return not (action == "focus_filter" and isinstance(self.focused, (Input, TextArea)))

    # -- showing ---------------------------------------------------------------------------

    def refilter(self) -> None:
        """Re-run the filter and sort; the cursor stays on its paper (or its row)."""
        problem = self.filter_bar.problem
        if problem is not None:  # never an earlier keystroke's results as if they were these
            self._matches = None
            self.shown = 0
            self.papers.show([], problem="see the message under the filter")
            self.show_detail()
            self.update_status(0)
            return
        if self._waits_for_abstracts(self.filter_query):
            # Never titles alone as if they were the answer: the result comes once the
            # abstracts are in (see load_catalogue).
            self._matches = None
            self.shown = 0
            self.papers.show(
                [], waiting="Searching abstracts… the result follows when they are loaded."
            )
            self.show_detail()
            self.update_status(0)
            return
        matches = self.library.filter(self.filter_query)
        rows = matches.ordered(self.sort, narrowing=self._matches)
        self._matches = matches
        self.shown = len(rows)
        self.papers.show(rows, highlights=self.filter_query.highlights("title"))
        self.show_detail()
        self.update_status(matches.unread())
        self._refresh_filter_picker()

    def _waits_for_abstracts(self, query: Query) -> bool:
        """Whether `query` needs abstracts that are not loaded (nor in a stored index)."""
        if self.catalogue_loaded or not query.searches_text:
            return False
        if not self.abstracts_searched:
            return True
        return any(isinstance(leaf, Has) and leaf.what == "abstract" for leaf, _ in query.leaves())

    def update_status(self, unread: int | None = None) -> None:
        invalid = self.filter_bar.problem is not None
        waiting = not invalid and self._waits_for_abstracts(self.filter_query)
        if unread is None:
            blank = invalid or waiting
            unread = 0 if blank else self.library.filter(self.filter_query).unread()
        busy = ""
        if invalid:
            busy = "invalid filter"
        elif waiting:
            busy = "searching abstracts…"
        elif not self.abstracts_searched:
            busy = "loading abstracts… (text filters wait for them)"
        elif not self.search_ready:
            busy = "indexing abstracts… (search is complete; keys may be slower until then)"
        self.query_one("#status", StatusLine).show(
            shown=self.shown,
            total=len(self.library),
            unread=unread,
            sort=sort_label(self.sort),
            busy=busy,
            demo=self.demo,
        )

    def show_detail(self) -> None:
        position = self.papers.current
        paper = None if position is None else self.library.papers[position]
        annotation = Annotation() if position is None else self.library.annotation_at(position)
        if paper is not None and not paper.abstract and self.abstracts is not None:
            paper = paper.with_abstract(self.abstracts.get(paper.id, ""))
        pending = not self.search_ready and self.abstracts is None
        self.query_one("#detail", DetailPane).show(
            paper, annotation, abstract_pending=pending, query=self.filter_query
        )

    # -- loading a large library in stages -----------------------------------------------

    @work(thread=True, exclusive=True, group="catalogue")
    def load_catalogue(self, *, reload: bool = False) -> None:
        """Read the catalogue's text and index it off the UI thread, then swap it in.

        At start-up (`reload=False`) the papers are those on screen and only their
        abstracts are read; after another process imported (`reload=True`) the whole
        catalogue is read again.
        """
        stored = None if reload else self._stored_index
        if not reload:  # title: queries scan titles; ready before the first such key
            self.library.search.texts("title")
        try:
            if reload:
                papers = self.store.papers()
                # Another process imported: if it kept the stored index current (it does
                # when it only added papers), nothing needs building.
                stored = self.store.word_index([p.id for p in papers])
            else:
                abstracts = self.store.abstracts()
                self.call_from_thread(self._abstracts_loaded, abstracts)
                papers = [p.with_abstract(abstracts.get(p.id, "")) for p in self.library.papers]
            versions = self.store.catalogue_versions()
        except ReadlistError as error:
            self.call_from_thread(self._catalogue_failed, error)
            return
        # The raw documents go before the index is built, so their memory and the
        # index's do not peak together.
        self.store.release_catalogue_cache()
        search = SearchIndex(papers)
        if not reload:
            search.share_texts(self.library.search, "title")
        worker = get_current_worker()
        if stored is not None:  # the index read at start describes these papers
            search.use_stored_index(stored)
            if not worker.is_cancelled:
                self.call_from_thread(self._catalogue_ready, papers, search)
                self.call_from_thread(self._index_ready, search, None)
            return
        search.texts("text")  # here, not on the UI thread at the first key
        if worker.is_cancelled:
            return
        # Searched by scanning at once (exact), then by the index once it is built.
        self.call_from_thread(self._catalogue_ready, papers, search)
        index = search.make_text_index() if len(papers) > INDEX_ABOVE else None
        if not worker.is_cancelled:
            self.call_from_thread(self._index_ready, search, index)
        if index is not None and len(papers) > self._stage_above and not worker.is_cancelled:
            # Kept for the next start (skipped if the catalogue changed meanwhile).
            self.store.write_word_index(versions, [p.id for p in papers], index)

    def _abstracts_loaded(self, abstracts: dict[str, str]) -> None:
        self.abstracts = abstracts
        self.show_detail()

    def _catalogue_ready(self, papers: list[Paper], search: SearchIndex) -> None:
        added = len(papers) - len(self.library)
        # Positions shift when a paper was removed: keep the cursor on its paper, or
        # (if that paper is the one removed) on its row, which is the next paper.
        was = self.papers.current
        was_id = self.library.papers[was].id if was is not None else None
        was_row = self.papers.selection.cursor
        # Annotations are taken now, on the UI thread, so edits made while the
        # worker ran are kept.
        self.library = Library(papers, self.library.annotations, search)
        self.papers.set_library(self.library)
        self.abstracts_searched = True
        self.catalogue_loaded = True
        self.abstracts = None
        self._reloading = False
        freeze_survivors()
        self.refilter()
        if self._jump_to is not None:
            self._show_paper(self._jump_to)
            self._jump_to = None
        elif was_id is not None and was_id in self.library.position:
            self._show_paper(was_id)
        elif was_id is not None:
            self.papers.move_to(was_row)
        if added > 0 and not self._own_import:
            papers_word = "papers" if added > 1 else "paper"
            self.notify(f"{added:,} new {papers_word} imported by another readlist process.")
        self._own_import = False

    def _index_ready(self, search: SearchIndex, index: WordIndex | None) -> None:
        if search is not self.library.search:
            return  # a newer catalogue replaced this one meanwhile
        if index is not None:
            search.use_text_index(index)
        self.search_ready = True
        self.update_status()

    def _catalogue_failed(self, error: ReadlistError) -> None:
        self._reloading = False
        self.notify(
            str(error), title="Abstracts not loaded", severity="error", markup=False, timeout=15
        )

    def _filter_changed(self, query: Query) -> None:
        self.filter_query = query
        self.refilter()

    def _filter_problem(self, problem: str | None) -> None:
        self.refilter()

    def action_move(self, how: str) -> None:
        getattr(self.papers, f"action_{how}")()

    def action_leave_filter(self, clear: bool = False) -> None:
        """Enter: back to the list. Escape: clear the filter, back to the list."""
        if clear:
            self.filter_bar.input.value = ""  # the watcher re-filters at once
        elif self.filter_bar.problem is not None:
            self.notify(
                "The filter is not a valid query yet: fix it, or Esc to clear it.",
                severity="warning",
            )
            return
        self.screen.set_focus(self.papers)

    # -- changing annotations ------------------------------------------------------------

    def current_paper(self) -> Paper | None:
        position = self.papers.current
        if position is None:
            self.notify("No paper is highlighted.", severity="warning")
            return None
        return self.library.papers[position]

    def edit(self, ids: Iterable[str], edit: Edit) -> Change | None:
        """Save an edit through the store; show it only once it is on disk.

        A failed write shows its error and returns None; nothing on screen changes.
        """
        try:
            return self.save_edit(ids, edit)
        except ReadlistError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False, timeout=10)
            return None

    def save_edit(self, ids: Iterable[str], edit: Edit) -> Change:
        """`edit` without the notification: raises `ReadlistError` (for dialogs that
        show the error themselves and stay open)."""
        change = self.store.update(ids, edit)
        if change.others_wrote:
            # The store re-read annotations another process wrote before this edit;
            # show them too (check_disk will not see that change any more).
            self._reload_annotations()
        self.library.apply(change.after)
        self.refilter()
        return change

    def action_toggle_read(self) -> None:
        if (paper := self.current_paper()) is None:
            return
        read = not self.library.annotation(paper.id).read
        self.edit([paper.id], lambda a: a.with_read(read))

    def action_rate(self, rating: int) -> None:
        if (paper := self.current_paper()) is None:
            return
        self.edit([paper.id], lambda a: a.with_rating(rating))

    def action_edit_tags(self) -> None:
        if (paper := self.current_paper()) is None:
            return
        self.check_disk()  # start from what another process may have just written
        shown = self.library.annotation(paper.id).tags
        known = [tag for tag, _ in self.library.tag_counts().most_common()]

        def save(tags: tuple[str, ...]) -> str | None:
            if tags == shown:
                return None
            try:
                self.save_edit([paper.id], tags_edit(shown, tags))
            except ReadlistError as error:
                return str(error)
            return None

        self.push_screen(TagEditor(_short(paper.title), shown, known, on_save=save))

    def action_edit_note(self) -> None:
        if (paper := self.current_paper()) is None:
            return
        self.check_disk()  # never open on a stale note: the first draft would replace it
        drafts = NoteDrafts(paper.id, self.library.annotation(paper.id).note, self.save_edit)

        def done(result: str | None) -> None:
            if result == DISCARD:
                if (undo := drafts.undo()) is not None:
                    self.edit([paper.id], undo)
            elif result is not None and drafts.last_stored is not None:
                self.notify(f"Note saved for “{_short(paper.title, 40)}”", markup=False)

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

    # -- citations, links, sort, help ------------------------------------------------------

    def action_copy_citation(self) -> None:
        if (paper := self.current_paper()) is not None:
            self.copy_citation(paper, self.citation_format)

    def action_pick_citation(self) -> None:
        if (paper := self.current_paper()) is None:
            return

        def chosen(fmt: str | None) -> None:
            if fmt is not None:
                self.citation_format = fmt
                self.copy_citation(paper, fmt)

        self.push_screen(CitationPicker(paper, self.citation_format), chosen)

    def copy_citation(self, paper: Paper, fmt: str) -> None:
        text = cite(paper, fmt)
        try:
            how = self._copy(text, self.copy_to_clipboard)
        except ReadlistError as error:
            self.notify(str(error), title="Not copied", severity="error", markup=False)
            return
        label = FORMATS[fmt]
        self.notify(f"Copied {label} of “{_short(paper.title, 50)}” to {how}.", markup=False)

    def action_open_link(self) -> None:
        if (paper := self.current_paper()) is None:
            return
        from readlist.citations import page_url

        # The paper's own page (arXiv) first; else the first link the listing gave.
        url = page_url(paper) if paper.arxiv_id else None
        if url is None and not paper.links:
            self.notify("This paper's listing had no link.", severity="warning")
            return
        self._open_link(url or paper.links[0])

    @work(thread=True, exclusive=True, group="open-link")
    def _open_link(self, url: str) -> None:
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

    def action_scroll_detail(self, lines: int) -> None:
        self.query_one("#detail", DetailPane).scroll_lines(lines)

    def action_cycle_sort(self) -> None:
        self.sort = SORT_KEYS[(SORT_KEYS.index(self.sort) + 1) % len(SORT_KEYS)]
        self.refilter()

    def action_focus_filter(self) -> None:
        # Synchronously: `Widget.focus()` takes effect on a later pass of the event
        # loop, and keys typed in the same burst ("/rlhf") would reach the list first
        # (where r marks a paper read).
        self.screen.set_focus(self.filter_bar.input)

    def action_import(self) -> None:
        self.push_screen(ImportDialog(self._classify_listing), self._import_chosen)

    def _classify_listing(self, listing: ListingFile) -> tuple[int, int]:
        """(new, already in the library) — the store's matching rule, on what is shown."""
        keys, arxiv = self._known_papers()
        known = sum(
            1
            for p in listing.papers
            if identity_key(p.title) in keys or (p.arxiv_id is not None and p.arxiv_id in arxiv)
        )
        return len(listing.papers) - known, known

    def _known_papers(self) -> tuple[set[str], set[str]]:
        library = self.library
        if self._known is None or self._known[0] is not library:
            papers = library.papers
            keys = {identity_key(p.title) for p in papers}
            self._known = (library, keys, {p.arxiv_id for p in papers if p.arxiv_id})
        return self._known[1], self._known[2]

    def _import_chosen(self, listing: ListingFile | None) -> None:
        if listing is not None:
            self.notify(f"Importing {len(listing.papers):,} papers…", timeout=3)
            self.run_import(listing)

    @work(thread=True, group="import")
    def run_import(self, listing: ListingFile) -> None:
        """Write an import off the UI thread (a store of its own: TinyDB is not
        thread-safe); the catalogue reload that follows shows the new papers."""
        try:
            with Store.open(self.store.paths.annotations) as store:
                [report] = store.import_listings([listing.papers])
        except ReadlistError as error:
            self.call_from_thread(
                self.notify, str(error), title="Not imported", severity="error", markup=False
            )
            return
        self.call_from_thread(self._imported, report)

    def _imported(self, report: ImportReport) -> None:
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

    def action_remove(self) -> None:
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
                self.run_remove(paper.id, paper.title)

        self.push_screen(Confirm(question, yes="Remove"), answered)

    @work(thread=True, group="remove")
    def run_remove(self, pid: str, title: str) -> None:
        """Mark a paper removed off the UI thread (a catalogue write, ~0.5 s at 100k)."""
        try:
            with Store.open(self.store.paths.annotations) as store:
                store.set_removed([pid], True)
        except ReadlistError as error:
            self.call_from_thread(
                self.notify, str(error), title="Not removed", severity="error", markup=False
            )
            return
        self.call_from_thread(self._removed, title)

    def _removed(self, title: str) -> None:
        self.notify(f"Removed “{_short(title)}”. `readlist restore` brings it back.", markup=False)
        self._own_import = True  # the reload that follows is ours: no "another process"
        self.check_disk()

    def _show_paper(self, pid: str) -> None:
        """Put the cursor on a paper, if the current filter shows it."""
        position = self.library.position.get(pid)
        rows = self.papers.selection.rows
        if position is not None and position in rows:
            self.papers.move_to(list(rows).index(position))

    def _read_saved_filters(self) -> bool:
        try:
            self.saved_filters = self.store.saved_filters()
        except ReadlistError as error:
            self.notify(str(error), title="Saved filters", severity="error", markup=False)
            return False
        return True

    def _filter_counts(self) -> list[FilterCount]:
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

    def _refresh_filter_picker(self) -> None:
        """Live counts: the library changed while the saved-filters picker is open."""
        picker = self.screen
        if isinstance(picker, FilterPicker) and self._read_saved_filters():
            picker.show_counts(self._filter_counts())

    def action_saved_filters(self) -> None:
        if not self._read_saved_filters():
            return
        counts = self._filter_counts()

        def chosen(name: str | None) -> None:
            if name is not None:
                self.filter_bar.input.value = f"@{name}"  # the watcher re-filters at once
                self.screen.set_focus(self.papers)

        self.push_screen(FilterPicker(counts), chosen)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(keys.key_help(self.citation_format)))

    async def action_leave(self) -> None:
        await self.action_quit()

    async def action_quit(self) -> None:
        # A note being typed is saved as a draft before leaving, never dropped.
        for screen in self.screen_stack:
            if isinstance(screen, NoteEditor):
                screen.save_draft()
        self.exit()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is self.screen_stack[0]:  # triage commands act on the list only
            for title, help, action in keys.COMMANDS:
                yield SystemCommand(title, help, partial(self.run_action, action))

    # -- garbage collection at pauses ------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if isinstance(event, events.Key):
                self._collector.key()
            # Each key (or paste) to its end before the next: see keyorder.py.
            await self._key_order.handle(event, super().on_event)
            return
        await super().on_event(event)

    def post_message(self, message: Message) -> bool:
        return self._key_order.catch(message) or super().post_message(message)

    def on_unmount(self) -> None:
        self._collector.stop()

    # -- other processes -------------------------------------------------------------------

    def on_app_focus(self, event: AppFocus) -> None:
        self.check_disk()

    def check_disk(self) -> None:
        """Pick up what another readlist process wrote (a CLI script, a second TUI).

        Annotations are re-read at once (they are small). A new catalogue (another
        process imported) is loaded and indexed in the background, then swapped in.
        """
        changed = self.store.changed_on_disk()
        # The papers file is written last by an import, so it changing means the
        # whole catalogue is new.
        if "papers" in changed and not self._reloading:
            self._reloading = True
            self.load_catalogue(reload=True)
        if "annotations" in changed:
            self._reload_annotations()
        self._refresh_filter_picker()  # filters saved meanwhile, too

    def _reload_annotations(self) -> None:
        """Show the annotations on disk, and say how many papers another process changed."""
        try:
            fresh = self.store.annotations()
        except ReadlistError as error:
            if str(error) != self._disk_error:  # once, not every poll
                self._disk_error = str(error)
                self.notify(
                    str(error), title="Library changed on disk", severity="error", markup=False
                )
            return
        self._disk_error = None
        updated = self.library.replace_annotations(fresh)
        if updated:
            self.refilter()
            count = len(updated)
            self.notify(
                f"{count} paper{'s' if count > 1 else ''} changed by another readlist process."
            )
