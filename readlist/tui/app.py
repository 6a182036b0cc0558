"""ReadListApp: the triage screen, its keys, and the wiring between widgets and the store.

Data flows down and messages flow up: the filter bar posts parsed queries, the paper list
posts the highlighted paper, and the app asks the `Library` for rows and hands them back.
Loading and syncing the library is the session's (readlist/session/: opening, the staged
start, the catalogue loaded in the background, other processes' writes re-read and
counted); the app shows what it reports. Every command (a key, a palette entry) is
queued at once for the session's writer, which runs them in order off the event loop,
each as one atomic write; only a successful write updates what is shown, and a failed
one shows its error and changes nothing. Marked papers (marks.py) are what r, 0-5, t, x
and c act on while there are any. The actions on the library (writing, the editors,
citations and links, import and enrichment, removal and the browsing dialogs) are mix-ins
in tui/actions/; this module keeps the layout, the keys' rules, what is shown, and the
wiring to the session.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Container
from textual.events import AppFocus, Resize
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import Worker, get_current_worker

from readlist import clipboard, commands
from readlist.browser import open_in_browser
from readlist.config import Config, ConfigError
from readlist.errors import ReadlistError
from readlist.gcutil import PauseCollector, freeze_loaded, freeze_survivors
from readlist.library import (
    CYCLED_SORTS,
    FOR_YOU,
    Library,
    Matches,
    RankingJob,
    is_ranked,
    sort_label,
)
from readlist.models import Annotation, Paper
from readlist.query import Has, Query, Words
from readlist.search import SearchIndex
from readlist.session import (
    INDEX_ABOVE,
    STAGE_ABOVE,
    AbstractsLoaded,
    CatalogueFailed,
    CatalogueReady,
    IndexReady,
    LibrarySession,
    Sync,
    TitlesIndexed,
)
from readlist.session.changes import changes_message, plural
from readlist.session.gate import Gate
from readlist.state import StateFile
from readlist.store import Store
from readlist.textindex import WordIndex
from readlist.tui import keys
from readlist.tui.actions.browsing import Browsing
from readlist.tui.actions.citing import Citing
from readlist.tui.actions.editors import Editors
from readlist.tui.actions.importing import Importing
from readlist.tui.actions.writing import Writing
from readlist.tui.compositor import use_span_compositor
from readlist.tui.keyorder import KeyOrder
from readlist.tui.marks import Marks
from readlist.tui.remember import Memory
from readlist.tui.screens.triage import TriageKeys, TriageScreen
from readlist.tui.stagequeue import StageQueue
from readlist.tui.widgets.detail import DetailPane, TitleLine
from readlist.tui.widgets.filter_bar import FilterBar
from readlist.tui.widgets.footer import KeyFooter
from readlist.tui.widgets.paper_list import PaperList
from readlist.tui.widgets.status import StatusLine
from readlist.tui.writer import Written

# The ranking, the dialogs other than the main screen's (help, the note editor...) and
# what only they use (Rich's Markdown, Textual's TextArea) are imported when first used,
# not before the first frame (tests/test_first_frame.py).
if TYPE_CHECKING:
    from readlist.ranking import Ranking

Copier = Callable[[str, Callable[[str], None]], str]
Opener = Callable[[str], bool]
NARROW = 120
GC_INTERVAL = 0.5  # seconds between checks for a pause to collect garbage in
FIRST_FRAME_WAIT = 2.0  # seconds the catalogue's worker waits for the first frame, at most
LOADING_SWITCH_INTERVAL = 0.001  # sys.setswitchinterval while the catalogue loads
__all__ = ["INDEX_ABOVE", "STAGE_ABOVE", "ReadListApp"]  # the sizes: see session/
# How the width goes between the list and the detail pane (`w` cycles, in this order):
# "standard" (3:2 side by side, 1:1 stacked), "detail" (the pane gets 2/3), "hidden"
# (no pane; the whole title shows under the list), "list" (the list gets 3/4).
SPLITS = ("standard", "detail", "hidden", "list")
SPLIT_NAMES = {
    "standard": "standard split",
    "detail": "details wide",
    "hidden": "details hidden",
    "list": "list wide",
}


def types_text(widget: object) -> bool:
    """Whether `widget` is a text field: an `Input` (the filter's) or a `TextArea` (the
    note and import editors'). TextArea is looked for only once one of them has imported
    it: before that none can exist, and importing it was ~8 ms of every start."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")  # where TextArea lives
    return text_area is not None and isinstance(widget, text_area.TextArea)


def triage_keys(config: Config) -> TriageKeys:
    """The triage mode's keys: the defaults, with the decisions the config sets (a key
    given one decision is taken from the others' defaults). Raises `ConfigError`."""
    user_set = {
        name: keys_
        for name, keys_ in config.triage.keys.items()
        if config.origin.get(f"triage.keys.{name}", "default") != "default"
    }
    try:
        return TriageKeys.from_settings(user_set, config.triage.keep_tag)
    except ReadlistError as error:
        where = config.line_of(f"triage.keys.{next(iter(user_set), 'keep')}")
        raise ConfigError(f"{where}: [triage.keys]: {error}") from None


class ReadListApp(Writing, Editors, Citing, Importing, Browsing, App[None]):
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
        config: Config | None = None,
        state: StateFile | None = None,
        session: LibrarySession | None = None,
    ) -> None:
        """`session`: the library opened and loaded already (`LibrarySession.open`);
        else one is made of `store` (and `library`, which skips loading)."""
        self._key_order = KeyOrder(self)  # first: App.__init__ may post messages
        # Held from a key's arrival to its frame: the start's background stage waits
        # meanwhile (see session/gate.py and load_catalogue).
        self._gate = Gate()
        self._switch_interval = sys.getswitchinterval()
        super().__init__()
        if session is None:
            session = LibrarySession(store, library, stage_above=stage_above)
        # The writer's jobs come back as messages (posting is thread-safe).
        self._writer = session.start_writer(lambda job: self.post_message(Written(job)))
        self.session = session
        self.store = session.store
        self.demo = demo
        self._copy = copy
        self._open_url = open_url
        self._watch_interval = watch_interval
        self.filter_query = Query()
        self.config = config if config is not None else Config()
        self.sort = self.config.sort
        self.sort_reversed = False  # R; a new sort (s) starts the right way round
        self._split = SPLITS[0]
        self._laid_out = False  # set on mount: before it, a split is applied then
        self.citation_format = self.config.citation_format
        if self.config.keys:
            # Footer, help (keys.key_help) and palette (keys.commands) show these keys.
            self.set_keymap(dict(self.config.keys))
        self.memory = Memory(self, state)  # state None: nothing remembered (demo, tests)
        # A ranked sort ("for you") is computed in a worker; until it is ready the list
        # keeps the order shown before: that ranking's last order, or this plain sort.
        self._plain_sort = self.sort if not is_ranked(self.sort) else "date"
        self._ranking: tuple[Library, RankingJob] | None = None  # the job in flight
        # A triage screen waiting for the "for you" ranking to order its walk, with the
        # walk in the list's order and the paper highlighted (see action_triage).
        self._triage_waiting: tuple[TriageScreen, list[str], int, bool] | None = None
        self.shown = 0
        # True once abstracts are loaded and the full-text index is built (benchmarks
        # and tests wait on it). Before that, `abstracts_searched` says whether words
        # are searched in abstracts yet (by scanning: exact, slower per key at 100k).
        self.search_ready = not session.staged
        self.abstracts: dict[str, str] | None = None
        self._disk_error: str | None = None
        self._matches: Matches | None = None  # the last filter result (see refilter)
        self._collecting: Iterator[None] | None = None  # see _phrase_typed
        # (a collection freezes what lives while the catalogue's stage loads: see
        # PauseCollector)
        # The catalogue's workers running (see load_catalogue), and "start" until the
        # first has run: a set, as one may still end while the next runs.
        self._loading: set[object] = {"start"} if session.staged else set()
        self._collector = PauseCollector(freeze_while=lambda: bool(self._loading))
        # The stage's results, in order; the catalogue's swap at a pause in typing.
        self._stage_results = StageQueue(self._since_typing, self.set_timer)
        self._collected_at: float | None = None  # when the last phrase collection ended
        self._jump_to: str | None = None  # a paper to show once the catalogue is reloaded
        self._own_import = False
        self.saved_filters: dict[str, str] = {}  # for @NAME; re-read when the picker opens
        # The import dialog's "Enrich new papers" checkbox (its default from the config).
        self.enrich_imports = self.config.enrich.after_import
        # The triage mode's keys and keep tag, read each time it opens (a config file
        # may set them).
        self.triage_keys = triage_keys(self.config)
        self.marks = Marks()  # papers a bulk action applies to (see marks.py)
        self._writer_timer: Timer | None = None
        self._showing_wait = False
        self._check_after_writes = False
        # Set once the first frame is drawn: the catalogue's worker starts reading then.
        # (Both are Python under one interpreter lock: a worker started at once held it
        # through parses in C for ~0.4 s of the first frame at 100,000 papers.)
        self._first_frame = threading.Event()

    # -- the session's state, as the rest of the TUI reads it ----------------------------

    @property
    def library(self) -> Library:
        return self.session.library

    @property
    def abstracts_searched(self) -> bool:
        return self.session.abstracts_searched

    @property
    def catalogue_loaded(self) -> bool:
        return self.session.catalogue_loaded

    # -- layout ----------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[object]:
        # Its screen updates draw only the lines they write (see compositor.py).
        return use_span_compositor(Screen(id="_default"))

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter")
        with Container(id="main"):
            yield PaperList(self.library, id="papers")
            yield DetailPane(id="detail")
        yield TitleLine(id="title-line")
        yield StatusLine(id="status")
        # The palette key is listed in help; the footer needs its room at 80 columns.
        yield KeyFooter(compact=True, show_command_palette=False)

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
        self._laid_out = True
        self._apply_split()
        self.papers.focus()
        self.papers.marks = self.marks
        # Synchronous watchers: a key's whole effect (list, detail, status) is ready
        # before the next screen update, so it is drawn in one frame.
        self.watch(self.papers, "highlighted", self.show_detail, init=False)
        self.watch(self.papers, "highlighted", self._moved, init=False)
        self.watch(self.filter_bar, "parsed", self._filter_changed, init=False)
        self.watch(self.filter_bar, "problem", self._filter_problem, init=False)
        self.watch(self.filter_bar, "phrase", self._phrase_typed, init=False)
        self.filter_bar.saved = lambda: self.saved_filters
        self._read_saved_filters()
        if self.config.theme is not None:
            self.theme = self.config.theme  # checked against the themes by tui/run.py
        unfiltered = self.filter_query
        restored = self.memory.restore()
        if self.filter_query is unfiltered:  # else a restored filter has just re-filtered
            self.refilter()
        if restored is not None:
            self._show_paper(restored)
        self.call_after_refresh(freeze_survivors)
        # Garbage is collected when the user pauses, not in the middle of a keystroke.
        self._collector.start()
        self.set_interval(GC_INTERVAL, self._collector.tick)
        self.set_interval(self._watch_interval, self.check_disk)
        self.call_after_refresh(self._first_frame.set)
        if not self.search_ready:
            self.load_catalogue()
        self.memory.start()

    def on_resize(self, event: Resize) -> None:
        self._fit_layout(event.size.width)

    def _fit_layout(self, width: int) -> None:
        self.query_one("#main").set_class(width < NARROW, "-stacked")

    @property
    def split(self) -> str:
        """The layout of the list and the detail pane: one of `SPLITS` (`w` cycles).

        Meant to be remembered between runs: set it before or after the app starts;
        a name not in `SPLITS` raises ValueError.
        """
        return self._split

    @split.setter
    def split(self, name: str) -> None:
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; choose from {', '.join(SPLITS)}")
        self._split = name
        if self._laid_out:
            self._apply_split()

    def _apply_split(self) -> None:
        main = self.query_one("#main")
        for name in SPLITS[1:]:
            main.set_class(self._split == name, f"-split-{name}")
        title_line = self.query_one("#title-line", TitleLine)
        title_line.set_class(self._split == "hidden", "-shown")
        if self._split == "hidden":
            # After the layout: the line's width decides where a long title is cut.
            self.call_after_refresh(self.show_detail)
        else:
            self.show_detail()

    def action_cycle_split(self) -> None:
        self.split = SPLITS[(SPLITS.index(self.split) + 1) % len(SPLITS)]
        self.notify(f"Layout: {SPLIT_NAMES[self.split]} (w changes it)", timeout=2)

    def action_list_tab(self) -> None:
        """Tab in the list: nothing (see keys.py); it must not move focus to the filter."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Triage keys act on the list only, never behind a dialog.

        With a dialog open they are off: a key typed ahead of the dialog (or while a
        dialog without a text field has focus) must not rate or tag the paper behind it.
        """
        if action in keys.LIST_ACTIONS and self.screen is not self.screen_stack[0]:
            return False
        in_filter = self.focused is self.filter_bar.input
        if action == "list_tab":  # in the filter, Tab moves on to the list as before
            return self.focused is self.papers
        if action == "leave_filter":  # in the list, Esc still clears a filter
            # (The list has focus only when no dialog is open.)
            on_list = self.focused is self.papers
            return in_filter or (on_list and bool(parameters) and bool(self.filter_bar.input.value))
        if action == "move" and types_text(self.focused):
            # In the filter, arrows and pages move the list; Home and End the text cursor.
            return in_filter and parameters[0] not in ("first", "last")
        # Textual leaves out bindings of keys a focused field types, but it does not
        # see "slash" as the character "/": inside a field, "/" must be typed.
        return not (action == "focus_filter" and types_text(self.focused))

    # -- showing ---------------------------------------------------------------------------

    def refilter(self) -> None:
        """Re-run the filter and sort; the cursor stays on its paper (or its row)."""
        problem = self.filter_bar.problem
        if problem is not None:  # never an earlier keystroke's results as if they were these
            self._matches = None
            self.shown = 0
            self.papers.show([], problem=problem)
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
            self.call_later(self._stage_results.poke)  # a swap that waited need not now
            return
        matches = self.library.filter(self.filter_query)
        rows = matches.ordered(
            self.sort,
            narrowing=self._matches,
            order=self._sort_order(),
            reverse=self.sort_reversed,
            lazy=True,  # a screenful is shown: the rest is found as the list reaches it
        )
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
            matches = self._matches
            if blank:
                unread = 0
            elif matches is not None and matches.library is self.library:
                # What the list shows (refilter keeps it current): no second filter.
                unread = matches.unread()
            else:
                unread = self.library.filter(self.filter_query).unread()
        busy = ""
        if self._showing_wait:
            busy = "waiting for another readlist process…"
        elif invalid:
            busy = "invalid filter"
        elif waiting:
            busy = "searching abstracts…"
        elif not self.abstracts_searched:
            busy = "loading abstracts… (text filters wait for them)"
        elif not self.search_ready:
            busy = "indexing abstracts… (search is complete; keys may be slower until then)"
        sort, ranked = sort_label(self.sort, self.sort_reversed), ""
        if self.library.pending(self.sort):
            ranked = "ranking…"
            if self.library.stale_order(self.sort) is None:
                sort = sort_label(self._plain_sort)
        elif is_ranked(self.sort) and self.library.ranked(self.sort) is None:
            from readlist.ranking import NOT_ENOUGH

            sort, ranked = sort_label("date"), NOT_ENOUGH
        hidden = 0
        if self.marks and self._matches is not None:
            position, matches = self.library.position, self._matches
            hidden = sum(1 for pid in self.marks if position.get(pid, -1) not in matches)
        elif self.marks:
            hidden = len(self.marks)  # an invalid filter shows nothing
        self.query_one("#status", StatusLine).show(
            shown=self.shown,
            total=len(self.library),
            unread=unread,
            sort=sort,
            busy=" · ".join(part for part in (ranked, busy) if part),
            demo=self.demo,
            marked=len(self.marks),
            hidden=hidden,
        )

    def show_detail(self) -> None:
        position = self.papers.current
        paper, annotation, pending, score = self._detail_of(position)
        self.query_one("#detail", DetailPane).show(
            paper, annotation, abstract_pending=pending, query=self.filter_query, score=score
        )
        if self._split == "hidden":
            self.query_one("#title-line", TitleLine).show(paper)

    def _detail_of(
        self, position: int | None
    ) -> tuple[Paper | None, Annotation, bool, float | None]:
        """What the detail pane shows for library position `position`."""
        paper = None if position is None else self.library.papers[position]
        annotation = Annotation() if position is None else self.library.annotation_at(position)
        if paper is not None and not paper.abstract and self.abstracts is not None:
            paper = paper.with_abstract(self.abstracts.get(paper.id, ""))
        pending = not self.search_ready and self.abstracts is None
        score = None
        if position is not None and (ranking := self._shown_ranking()) is not None:
            score = ranking.scores.get(position, 0.0)
        return paper, annotation, pending, score

    def _moved(self, before: int | None, after: int | None) -> None:
        """After the frame of a move in the list, wrap the details of the papers the next
        key will likely show (see `DetailPane.prepare`): the next and previous rows,
        and a page on for a page key. Not while typing a filter (each key re-lists)."""
        if self.focused is self.papers and self._split != "hidden":
            self.call_after_refresh(self._prepare_details, self.papers.selection.cursor)

    def _prepare_details(self, cursor: int) -> None:
        papers = self.papers
        rows = papers.selection.rows
        if papers.selection.cursor != cursor or not rows:
            return  # moved on meanwhile: that move prepares its own
        step = papers.last_step
        detail = self.query_one("#detail", DetailPane)
        for row in dict.fromkeys((cursor + 1, cursor - 1, cursor + step)):
            if 0 <= row < len(rows):
                paper, annotation, pending, score = self._detail_of(rows[row])
                if paper is not None:
                    detail.prepare(
                        paper,
                        annotation,
                        abstract_pending=pending,
                        query=self.filter_query,
                        score=score,
                    )

    # -- ranked sorts, computed in a worker --------------------------------------------------

    def _shown_ranking(self) -> Ranking | None:
        """The ranking behind the list's order, when sorted "for you" and it is ready."""
        return self.library.ranked(self.sort) if is_ranked(self.sort) else None

    def _sort_order(self) -> Sequence[int] | None:
        """The order to list in: None for the sort's own, or while a ranked sort is
        computed in the background, the order shown before it."""
        library = self.library
        if not library.pending(self.sort):
            if not is_ranked(self.sort):
                self._plain_sort = self.sort
            return None
        self._start_ranking()
        stale = library.stale_order(self.sort)
        return stale if stale is not None else library.order(self._plain_sort)

    def _start_ranking(self, sort: str | None = None) -> None:
        """Rank `sort` (the list's) in the worker, unless a ranking is in flight."""
        if not self.abstracts_searched:
            return  # ranked once the abstracts are in (`_catalogue_ready` re-filters)
        library = self.library
        if self._ranking is not None and self._ranking[0] is library:
            # One at a time: a thread cannot be stopped, and a note typed while sorted
            # "for you" changes the annotations at every key. When this one is done,
            # `_ranking_done` starts the next from the annotations as they are then.
            return
        job = library.job(sort or self.sort)
        self._ranking = (library, job)
        self.rank_in_background(library, job)

    # Not exclusive: the next ranking starts from `_ranking_done`, inside this worker's
    # last call, which would cancel it (see `_start_ranking` for one at a time).
    @work(thread=True, group="ranking")
    def rank_in_background(self, library: Library, job: RankingJob) -> None:
        """Train and score off the UI thread (the first time at 100k, the features too)."""
        from readlist.ranking import Stopped

        try:
            ranking = library.compute(job)
        except Stopped:
            return  # quitting
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._ranking_done, library, job, ranking)

    def _ranking_done(self, library: Library, job: RankingJob, ranking: Ranking | None) -> None:
        if self._ranking is not None and self._ranking[1] is job:
            self._ranking = None
        if library is not self.library:
            self._start_triage()
            return  # a new catalogue came meanwhile; refilter ranks that one
        # A result from before the last change is dropped, and refilter starts again.
        library.use(job, ranking)
        if is_ranked(self.sort):
            self.refilter()
        self._start_triage()  # a waiting triage pass: begun, or one more ranking

    # -- loading a large library in stages -----------------------------------------------

    @work(thread=True, exclusive=True, group="catalogue")
    def load_catalogue(self, *, reload: bool = False) -> None:
        """Read the catalogue's text and index it off the UI thread, then swap it in
        (the session does the work: `LibrarySession.load_catalogue`; here each stage
        it yields is shown on the UI thread)."""
        worker = get_current_worker()
        self._first_frame.wait(FIRST_FRAME_WAIT)
        # Between its steps the stage waits for a key's frame (self._gate), and a key
        # arriving within a step gets the interpreter lock back within 1 ms, not 5.
        # (Back to the interval the app started with, not to what another load set.)
        sys.setswitchinterval(min(self._switch_interval, LOADING_SWITCH_INTERVAL))
        self._loading.add(worker)
        try:
            self._load_stages(worker, reload)
        finally:
            sys.setswitchinterval(self._switch_interval)
            # What the stage made lives on: frozen now (no collection: see
            # freeze_loaded), collections after walk only what comes later.
            freeze_loaded()  # (before the collector may collect again)
            self._loading.discard(worker)
            self._loading.discard("start")

    def _load_stages(self, worker: Worker[None], reload: bool) -> None:
        for stage in self.session.load_catalogue(
            reload=reload, cancelled=lambda: worker.is_cancelled, pause=self._gate.wait
        ):
            shown: Callable[[], None] | None = None
            waits: Callable[[], bool] | None = None  # (may it wait: see stagequeue.py)
            if isinstance(stage, AbstractsLoaded):  # (for the detail pane: can wait too)
                shown = partial(self._abstracts_loaded, stage.abstracts)
                waits = partial(self._swap_can_wait, True)
            elif isinstance(stage, CatalogueReady):
                swap = partial(
                    self._catalogue_ready,
                    stage.papers,
                    stage.search,
                    stage.changes,
                    same_papers=stage.same_papers,
                )
                shown = partial(self._held, swap)
                waits = partial(self._swap_can_wait, stage.same_papers)
            elif isinstance(stage, IndexReady):
                shown = partial(self._index_ready, stage.search, stage.index)
            elif isinstance(stage, TitlesIndexed):
                shown = partial(stage.search.use_title_index, stage.index)
            elif isinstance(stage, CatalogueFailed):
                shown = partial(self._catalogue_failed, stage.error)
            if shown is not None:
                self.call_from_thread(self._stage_results.add, shown, waits)

    def _swap_can_wait(self, same_papers: bool) -> bool:
        """Whether a catalogue swap (or the abstracts for the detail pane) can wait for a
        pause in typing: it shows the same papers, a query is being typed (keys
        elsewhere may want the catalogue: `m`'s similar papers), and the list is not
        waiting for the papers' abstracts."""
        return (
            same_papers
            and not self.session.reloading  # (a reload's swap is queued behind this one)
            and self.focused is self.filter_bar.input
            and not self._waits_for_abstracts(self.filter_query)
        )

    def _held(self, run: Callable[[], None]) -> None:
        """`run()`, with the stage held back until its frame is drawn, as for a key."""
        with self._gate_held():
            run()

    @contextmanager
    def _gate_held(self) -> Iterator[None]:
        """Hold the stage's gate (session/gate.py) until the next frame is drawn."""
        self._gate.hold()
        try:
            yield
        finally:
            self.call_after_refresh(self._gate.release)  # once its frame is drawn

    def _abstracts_loaded(self, abstracts: dict[str, str]) -> None:
        self.abstracts = abstracts
        self.show_detail()

    def _catalogue_ready(
        self,
        papers: list[Paper],
        search: SearchIndex,
        changes: tuple[int, int, int] | None = None,
        *,
        same_papers: bool = False,
    ) -> None:
        """Show a catalogue read again; `changes` (added, updated, removed) is announced
        when another process made them. `same_papers`: see `CatalogueReady`."""
        # Positions shift when a paper was removed: keep the cursor on its paper, or
        # (if that paper is the one removed) on its row, which is the next paper.
        was = self.papers.current
        was_id = self.library.papers[was].id if was is not None else None
        was_row = self.papers.selection.cursor
        self.papers.set_library(self.session.use_catalogue(papers, search, same_papers=same_papers))
        self.marks.keep_only(self.library.position)  # a removed paper is no longer marked
        self.abstracts = None
        freeze_loaded()  # (not freeze_survivors: its collection is ~0.25 s at 100k papers)
        self.refilter()
        if self._jump_to is not None:
            self._show_paper(self._jump_to)
            self._jump_to = None
        elif was_id is not None and was_id in self.library.position:
            self._show_paper(was_id)
        elif was_id is not None:
            self.papers.move_to(was_row)
        message = None if changes is None else changes_message(*changes)
        if message is not None and not self._own_import:
            self.notify(message, markup=False)
        self._own_import = False

    def _index_ready(self, search: SearchIndex, index: WordIndex | None) -> None:
        if search is not self.library.search:
            return  # a newer catalogue replaced this one meanwhile
        if index is not None:
            search.use_text_index(index)
        self.search_ready = True
        self.update_status()

    def _catalogue_failed(self, error: ReadlistError) -> None:
        self.session.reloading = False
        self.notify(
            str(error), title="Abstracts not loaded", severity="error", markup=False, timeout=15
        )

    def _filter_changed(self, query: Query) -> None:
        self.filter_query = query
        self.refilter()

    def _filter_problem(self, problem: str | None) -> None:
        self.refilter()

    def _phrase_typed(self, phrase: Words | None) -> None:
        """A phrase is being typed: its next word is prepared between keys (if its
        last word is a whole word already), a step (~5 ms) a message, so a key waits at
        most one step (see WordIndex.collect). Nothing is shown from it: the next key's
        result is the same either way."""
        steps = None if phrase is None else self.library.search.collect(phrase)
        self._collecting = steps
        if steps is not None:
            self.call_later(self._collect_step, steps)

    def _collect_step(self, steps: Iterator[None]) -> None:
        # A step is the typing's own work (the next key's answer): the stage is held
        # back meanwhile, as for a key (beside the title index's build, the steps of
        # `"prompt` took ~0.3 s, and a next key came before they were done).
        if self._collecting is not steps:
            return
        with self._gate_held():
            done = next(steps, True)
        if done is None:
            self.call_later(self._collect_step, steps)
        else:
            self._collecting = None
            self._collected_at = time.monotonic()

    def _since_typing(self) -> float:
        """Seconds since typing last kept the app busy: since the last key, or since the
        end of the phrase collection a key started (0 while it runs). A swap that waits
        for a pause in typing (stagequeue.py) waits for that work too: at 100,000 papers
        one landed while the steps of `"prompt` ran beside the stage's title index
        (~0.3 s), and drew that key's list again 320-400 ms after it (bench_query)."""
        if self._collecting is not None:
            return 0.0
        since = self._collector.since_key()
        if self._collected_at is not None:
            since = min(since, time.monotonic() - self._collected_at)
        return since

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

    # -- marks (see marks.py) ----------------------------------------------------------

    def marked_ids(self) -> list[str]:
        """The marked papers' ids: the shown ones in list order, then the hidden ones."""
        return self.marks.in_order(self.papers.selection.rows, self.library.position)

    def targets(self) -> list[str] | None:
        """What a change (r, d, 0-5) applies to: the marked papers, in the order marked
        (the result is the same in any order), else the highlighted one (None, after
        saying so, when there is neither)."""
        if self.marks:
            return self.marks.present(self.library.position)
        paper = self.current_paper()
        return None if paper is None else [paper.id]

    def _marks_changed(self) -> None:
        self.papers.refresh()  # the marker is part of each row's look (and cache key)
        self.update_status(None if self._matches is None else self._matches.unread())

    def action_toggle_mark(self) -> None:
        if (paper := self.current_paper()) is None:
            return
        self.marks.toggle(paper.id)
        self.papers.action_cursor_down()
        self._marks_changed()

    def action_mark_all(self) -> None:
        papers = self.library.papers
        added = self.marks.add(papers[p].id for p in self.papers.selection.rows)
        self._marks_changed()
        self.say(  # on the status line, as a change's message (no toast: see status.py)
            f"Marked {commands.phrase(added, 'more paper')}: "
            f"{len(self.marks):,} marked — M clears the marks",
            timeout=3,
        )

    def action_clear_marks(self) -> None:
        if cleared := self.marks.clear():
            self._marks_changed()
            self.say(f"Cleared {commands.phrase(cleared, 'mark')}.", timeout=3)

    # -- changing annotations ------------------------------------------------------------

    def current_paper(self) -> Paper | None:
        position = self.papers.current
        if position is None:
            self.notify("No paper is highlighted.", severity="warning")
            return None
        return self.library.papers[position]

    # -- writing, off the event loop (see writer.py) ------------------------------------

    @on(Written)
    def _written(self, message: Written) -> None:
        self._writer.deliver(message.job)
        if not self._writer.pending:
            self._watch_writer()
            if self._check_after_writes:  # a poll came while writes were on their way
                self._check_after_writes = False
                self.check_disk()

    # -- citations, links, sort, help ------------------------------------------------------

    def action_scroll_detail(self, lines: int) -> None:
        self.query_one("#detail", DetailPane).scroll_lines(lines)

    def action_cycle_sort(self) -> None:
        at = CYCLED_SORTS.index(self.sort) if self.sort in CYCLED_SORTS else -1
        self.sort = CYCLED_SORTS[(at + 1) % len(CYCLED_SORTS)]
        self.sort_reversed = False
        self._sort_changed()

    def action_reverse_sort(self) -> None:
        self.sort_reversed = not self.sort_reversed
        self._sort_changed()

    def _sort_changed(self) -> None:
        # The status line's news is now the sort (or why "for you" cannot rank yet),
        # which a long message of the last change would cut at its end.
        self.screen_stack[0].query_one("#status", StatusLine).forget()
        self.refilter()

    def action_focus_filter(self) -> None:
        # Synchronously: `Widget.focus()` takes effect on a later pass of the event
        # loop, and keys typed in the same burst ("/rlhf") would reach the list first
        # (where r marks a paper read).
        self.screen.set_focus(self.filter_bar.input)

    # -- enrichment (the dialog does the work: see screens/enrich.py) ---------------------

    def _show_paper(self, pid: str) -> None:
        """Put the cursor on a paper, if the current filter shows it."""
        position = self.library.position.get(pid)
        rows = self.papers.selection.rows
        if position is not None and position in rows:
            self.papers.move_to(rows.index(position))

    # -- triage mode (screens/triage.py) -------------------------------------------------

    def action_triage(self) -> None:
        """One paper at a time over what the list shows now: "for you" from the best one
        (see `_triage_in_for_you`), else in the list's order from the highlighted one."""
        rows = self.papers.selection.rows
        if not rows:
            self.notify("Nothing to triage: the filter shows no paper.", severity="warning")
            return
        papers = self.library.papers
        walk = [papers[position].id for position in rows]
        cursor = self.papers.selection.cursor
        if not self._triage_in_for_you():
            screen = TriageScreen(walk, cursor, self.triage_keys)
        elif not self.abstracts_searched:
            said = "In the list's order: “for you” waits for the abstracts, still loading"
            screen = TriageScreen(walk, cursor, self.triage_keys, said=said)
        else:
            # Ordered at once if the ranking is computed for these annotations, else in
            # the ranking worker while the screen says "ranking…" (never on this thread:
            # the first ranking at 100k reads or builds the features, seconds).
            screen = TriageScreen([], 0, self.triage_keys, waiting=True)
            # Sorted "for you" already, the pass starts on the highlighted paper, as the
            # list's order would; from the default sort, on the best one.
            self._triage_waiting = (screen, walk, cursor, self.sort == FOR_YOU)
        self.push_screen(screen, self._triage_left)
        self._start_triage()

    def _triage_in_for_you(self) -> bool:
        """Triage walks "for you" (config `triage.order`, default) unless the user chose
        the list's order: a sort other than the default one, or reversed."""
        if self.config.triage.order != "for-you" or self.sort_reversed:
            return False
        return self.sort in (FOR_YOU, self.config.sort)

    def _start_triage(self) -> None:
        """Begin the waiting triage pass if the "for you" ranking is computed, else rank."""
        if self._triage_waiting is None:
            return
        screen, walk, cursor, stay = self._triage_waiting
        if screen not in self.screen_stack:  # left while it waited
            self._triage_waiting = None
            return
        library = self.library
        if library.pending(FOR_YOU):
            self._start_ranking(FOR_YOU)
            return
        self._triage_waiting = None
        ranking = library.ranked(FOR_YOU)
        if ranking is None:  # too little to learn from: the list's order, and why
            from readlist.ranking import NOT_ENOUGH

            said = f"In the list's order: {NOT_ENOUGH} in “for you” order"
            screen.begin(walk, cursor, said=said)
            return
        rank = dict(zip(ranking.order, range(len(ranking.order)), strict=True))
        position, last = library.position, len(ranking.order)
        ordered = sorted(walk, key=lambda pid: rank.get(position.get(pid, -1), last))
        said = "In “for you” order: the papers most like those you rated, tagged or kept first"
        start = ordered.index(walk[cursor]) if stay and cursor < len(walk) else 0
        screen.begin(ordered, start, order="for you", said=said)

    def _triage_left(self, reached: list[str] | None) -> None:
        """Back in the list: the cursor on the first of `reached` the filter still shows
        (the paper reached, else the nearest one after it, else before it)."""
        position = self.library.position
        rows = self.papers.selection.rows
        shown = {row: index for index, row in enumerate(rows)}
        for pid in reached or ():
            if (at := position.get(pid)) is not None and at in shown:
                self.papers.move_to(shown[at])
                return

    # -- similar papers, statistics, tags (issue 12) ---------------------------------------

    def action_help(self) -> None:
        from readlist.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(keys.key_help(self.citation_format, self.config.keys)))

    async def action_leave(self) -> None:
        await self.action_quit()

    async def action_quit(self) -> None:
        # A note being typed is saved as a draft before leaving, never dropped.
        note = sys.modules.get("readlist.tui.screens.note")  # imported with the first editor
        for screen in self.screen_stack:
            if note is not None and isinstance(screen, note.NoteEditor):
                screen.save_draft()
        self.memory.save(now=True)
        self.exit()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is self.screen_stack[0]:  # triage commands act on the list only
            for title, help, action in keys.commands(self.config.keys):
                yield SystemCommand(title, help, partial(self.run_action, action))

    # -- garbage collection at pauses ------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if isinstance(event, events.Key):
                self._collector.key()
            # Each key (or paste) to its end before the next: see keyorder.py.
            with self._gate_held():
                await self._key_order.handle(event, super().on_event)
            return
        await super().on_event(event)

    def post_message(self, message: Message) -> bool:
        key = isinstance(message, (events.Key, events.Paste))
        if key:
            self._gate.hold()  # (from the driver's thread: at once, not when handled)
        posted = self._key_order.catch(message) or super().post_message(message)
        if key and not posted:  # refused (the app is closing): no frame will release it
            self._gate.release()
        return posted

    def on_unmount(self) -> None:
        self._collector.stop()
        self._gate.release()  # (no frame will: the stage's last steps need not wait)
        self.memory.save(now=True)  # left without `q` (ctrl+c, an exception...)
        # Else the process would wait for a feature build to end (seconds at 100k).
        self.library.stop_ranking()
        if self._ranking is not None:
            self._ranking[0].stop_ranking()
        self.session.close()  # what was asked for is written before the app ends

    # -- other processes -------------------------------------------------------------------

    def on_app_focus(self, event: AppFocus) -> None:
        self.check_disk()

    def check_disk(self) -> None:
        """Pick up what another readlist process wrote (a CLI script, a second TUI).

        Annotations are re-read at once (they are small). A new catalogue (another
        process imported) is loaded and indexed in the background, then swapped in.
        """
        changed = self.session.changed_on_disk()
        # The papers file is written last by an import, so it changing means the
        # whole catalogue is new.
        if "papers" in changed and not self.session.reloading:
            self.session.reloading = True
            self.load_catalogue(reload=True)
        if "annotations" in changed:
            if self._writer.pending:  # our own writes on their way would look like another's
                self._check_after_writes = True
            else:
                self._reload_annotations()
        self._refresh_filter_picker()  # filters saved meanwhile, too

    def _reload_annotations(self) -> None:
        """Show the annotations on disk, and say how many papers another process changed."""
        self._show_sync(self.session.reload_annotations())

    def _show_sync(self, sync: Sync) -> None:
        if sync.error is not None:
            if sync.error != self._disk_error:  # once, not every poll
                self._disk_error = sync.error
                self.notify(
                    sync.error, title="Library changed on disk", severity="error", markup=False
                )
            return
        self._disk_error = None
        if sync.updated:
            self.refilter()
        if sync.others:
            self.notify(f"{plural(sync.others)} changed by another readlist process.")
