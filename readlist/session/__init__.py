"""LibrarySession: one open library as a front end sees it — loading and syncing, no UI.

The TUI's App used to be App, session and controller at once (../shared/DESIGN.md). What
does not touch a widget lives here, in plain Python, so it is tested without a terminal
(tests/test_session.py) and a second front end could reuse it:

- **opening**: the `Store` and the `Library` built from it. A large library starts from
  titles alone (abstracts are most of the bytes), read from the start file when it is
  current (store/startfile.py: the papers file's documents in a form parsed twice as
  fast, written in the background of the start before and kept current by imports
  through its tail), and, if the word index kept on
  disk is current, searches abstracts from the first frame; the rest follows in
  `load_catalogue`.
  Everything loaded lives as long as the session, so it is built with the collector off
  and then frozen out of its sight (a full collection walks every object: 30-60 ms pauses
  measured, and ~1 s of start-up at 100k papers spent in collections that free nothing).
- **loading the catalogue in the background** (`load_catalogue`): a generator run in the
  front end's worker thread; it yields what is ready, stage by stage, and the front end
  shows each stage on its own thread.
- **noticing other processes' writes** (`changed_on_disk`, `reload_annotations`): the
  session re-reads and reports what changed (a `Sync`: the papers updated, how many of
  them another process changed, or the error of a failed read: reported, never raised).
- **the writer** (`writer.py`): commands run in order on a thread of their own with a
  `Store` opened here, at once, on the same view of the annotations as the session's
  store, so that `Change.others_wrote` alone says whether another process wrote.

The threading rule: the session's `store` and `library` belong to the front end's thread
(TinyDB is not thread-safe); `load_catalogue` reads through the same store only while the
front end does not (it is the one worker doing so), and hands every new object back.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from readlist.catalogue import LazyPapers, ids_of
from readlist.errors import ReadlistError
from readlist.gcutil import gc_paused
from readlist.library import Library
from readlist.models import Annotation, Paper, identity_key
from readlist.rankcache import features_cache
from readlist.search import SearchIndex
from readlist.session.changes import catalogue_changes
from readlist.session.writer import Job, Writer
from readlist.store import Store
from readlist.store.store import Change
from readlist.textindex import WordIndex

# Libraries above this many papers load abstracts in the background after the first
# frame; above INDEX_ABOVE the full-text index is built (below it a scan is instant).
# A staged library reads the index kept on disk (store/wordfile.py) when it is current,
# so text queries search abstracts from the first frame; otherwise they wait for the
# abstracts ("searching abstracts…"), and the index built then is kept for next time.
STAGE_ABOVE = 5_000
INDEX_ABOVE = 2_000
TITLES_ABOVE = 5_000  # titles get a word index of their own (see `TitlesIndexed`)


# -- what `load_catalogue` yields, stage by stage --------------------------------------------


@dataclass(frozen=True, slots=True)
class AbstractsLoaded:
    """The abstracts of a staged start, by paper id (the detail pane can show them)."""

    abstracts: dict[str, str]


@dataclass(frozen=True, slots=True)
class CatalogueReady:
    """Every paper with its abstract, searchable (by scanning until `IndexReady`).
    `changes` (added, updated, removed) when another process's import made them."""

    papers: list[Paper]
    search: SearchIndex
    changes: tuple[int, int, int] | None = None
    # The papers shown, in their order, with their abstracts (the start's stage): the
    # library's position map and sort orders still hold (see `Library(like=...)`).
    same_papers: bool = False


@dataclass(frozen=True, slots=True)
class IndexReady:
    """The full-text index of `search` (None: below `INDEX_ABOVE`, a scan is instant)."""

    search: SearchIndex
    index: WordIndex | None


@dataclass(frozen=True, slots=True)
class TitlesIndexed:
    """A word index of `search`'s titles (`SearchIndex.use_title_index`), after
    `IndexReady`; search is complete and exact without it."""

    search: SearchIndex
    index: WordIndex


@dataclass(frozen=True, slots=True)
class CatalogueFailed:
    error: ReadlistError


Stage = AbstractsLoaded | CatalogueReady | IndexReady | TitlesIndexed | CatalogueFailed


@dataclass(frozen=True, slots=True)
class Sync:
    """What re-reading the annotations on disk brought."""

    updated: list[str] = field(default_factory=list)
    """Papers whose annotations the library now holds anew."""
    others: int = 0
    """How many papers another process changed (ours are not counted)."""
    error: str | None = None
    """The annotations could not be read: nothing was changed."""


class LibrarySession:
    """An open library: its `store`, the `library` shown, and how they keep in step.

    Build with `LibrarySession.open(db)` (opens the store too) or
    `LibrarySession(store)` for a store opened already; `library` skips loading (tests).
    """

    def __init__(
        self,
        store: Store,
        library: Library | None = None,
        *,
        stage_above: int = STAGE_ABOVE,
    ) -> None:
        self.store = store
        self.stage_above = stage_above
        self.features_cache = features_cache(store.paths.papers)
        self.stored_index: WordIndex | None = None  # read at a staged start, if current
        staged = False
        if library is None:
            with gc_paused():
                staged = store.paper_count() > stage_above
                library = self._load(staged)
        self.library = library
        # Loaded objects live as long as the session: a full collection would walk every
        # one of them, so move them out of the GC's sight. (No collection first: nothing
        # is garbage yet.)
        gc.freeze()
        self.staged = staged
        self.catalogue_loaded = not staged  # every Paper holds its abstract
        self.abstracts_searched = not staged or self.stored_index is not None
        self.reloading = False  # a reload of a new catalogue is on its way
        self.writer: Writer | None = None
        self._known: tuple[Library, set[str], set[str]] | None = None  # see classify

    @classmethod
    def open(cls, db: Path, **kwargs: object) -> LibrarySession:
        """Open the library named by `db` (see `Store.open`) and load it."""
        with gc_paused():  # the catalogue's documents are kept: collections only cost
            store = Store.open(db, start_file=True)  # see store/startfile.py
            return cls(store, **kwargs)  # type: ignore[arg-type]

    def _load(self, staged: bool) -> Library:
        store = self.store
        # A large library starts from titles alone: abstracts (most of the bytes) and
        # the full-text index follow in the background (see `load_catalogue`).
        # Each paper is built when first shown (catalogue.py), from the start file or,
        # without a current one, from the papers file's documents (checked at open).
        lazy = store.lazy_papers() if staged else None
        papers = lazy if lazy is not None else store.papers(with_abstracts=not staged)
        library = Library(papers, store.annotations(), features_cache=self.features_cache)
        if staged:
            # The word index kept on disk (if it is current) holds the abstracts' words:
            # full-text search works from the first frame.
            self.stored_index = store.word_index(ids_of(papers))
            if self.stored_index is not None:
                library.search.use_stored_index(self.stored_index)
        else:
            if len(papers) > INDEX_ABOVE:
                library.search.build_text_index()
            store.release_catalogue_cache()
        return library

    # -- loading the catalogue in the background -----------------------------------------

    def load_catalogue(
        self,
        *,
        reload: bool = False,
        cancelled: Callable[[], bool] = lambda: False,
        pause: Callable[[], None] = lambda: None,
    ) -> Iterator[Stage]:
        """Read the catalogue's text and index it (in a worker thread): yields each stage.

        At start-up (`reload=False`) the papers are those shown and only their abstracts
        are read; after another process imported (`reload=True`) the whole catalogue is
        read again. Nothing shown is replaced here: the front end swaps in what it is
        given, on its own thread. Stops early once `cancelled()`. `pause` is called
        between steps of a few milliseconds (see gate.py: the front end holds it while
        it handles a key).
        """
        library = self.library
        changes = None
        stored = None if reload else self.stored_index
        if stored is not None:  # the first text query's key then finds its words ready
            stored.warm(pause)
            if not reload and library.search.n > TITLES_ABOVE:
                # And its letters: a query's first key, answered from the first frame
                # by this index, cost 20-28 ms for "l" at 100,000 papers while these
                # were found only after the abstracts (~2 s later). ~0.3 s of CPU here,
                # between pauses; the abstracts come that much later.
                stored.pin_short_prefixes(pause, pairs=False)
        if not reload:  # title: queries scan titles (a `title:` key in the first ~0.6 s
            # at 100k, while these are made between pauses, makes them on its own thread)
            library.search.texts("title", pause)
        try:
            if reload:
                # (the shown papers hold abstracts only once the catalogue is swapped
                # in: a stored index searches them before, `abstracts_searched`)
                shown, with_abstracts = library.papers, self.catalogue_loaded
                papers = self.store.papers()
                changes = catalogue_changes(shown, papers, abstracts=with_abstracts)
                # Another process imported: if it kept the stored index current (it does
                # when it only added papers), nothing needs building.
                stored = self.store.word_index([p.id for p in papers])
            else:
                # The derived files are written from the papers file's documents first,
                # and the documents dropped, before the 157 MB of abstracts (at 100k) are
                # read, so the abstracts reuse their memory: written after, this stage of
                # a first start without a start file peaked at 543 MB, now 389 MB (the
                # whole TUI in bench_query: 661 MB, now 588; target 600).
                self._keep_derived_files(pause)
                pause()
                abstracts = self.store.abstracts(pause)
                pause()
                yield AbstractsLoaded(abstracts)
                shown = library.papers
                if isinstance(shown, LazyPapers):  # built now, off the front end's thread
                    papers = shown.with_abstracts(abstracts, pause=pause)
                else:
                    papers = [p.with_abstract(abstracts.get(p.id, "")) for p in shown]
                if stored is None and self.staged:
                    # A copied library's word index is current by its fingerprints,
                    # checked here rather than before the first frame (the abstracts'
                    # is ~0.13 s of CPU at 100k): no rebuild.
                    stored = self.store.word_index_of_copy([p.id for p in papers])
            versions = self.store.catalogue_versions()
        except ReadlistError as error:
            yield CatalogueFailed(error)
            return
        if reload:
            self._keep_derived_files(pause)
        # The raw documents go before the index is built, so their memory and the
        # index's do not peak together.
        pause()
        self.store.release_catalogue_cache()
        pause()
        search = SearchIndex(papers)
        if not reload:
            search.share_texts(library.search, "title")
        if stored is not None:  # the index read at start describes these papers
            stored.warm(pause)  # (done at the start, unless found only now: a copy's)
            search.use_stored_index(stored)
            if not cancelled():
                yield CatalogueReady(papers, search, changes, same_papers=not reload)
                yield IndexReady(search, None)
                yield from self._first_keys(search, stored, pause, cancelled)
            if not cancelled():  # a long tail into the index file, for the next start
                pause()
                self.store.fold_word_index(versions)
            return
        search.texts("text")  # here, not on the front end's thread at the first key
        if cancelled():
            return
        # Searched by scanning at once (exact), then by the index once it is built.
        yield CatalogueReady(papers, search, changes, same_papers=not reload)
        index = search.make_text_index() if len(papers) > INDEX_ABOVE else None
        if not cancelled():
            yield IndexReady(search, index)
            yield from self._first_keys(search, index, pause, cancelled)
        if index is not None and len(papers) > self.stage_above and not cancelled():
            # Kept for the next start (skipped if the catalogue changed meanwhile).
            self.store.write_word_index(versions, [p.id for p in papers], index)

    def _first_keys(
        self,
        search: SearchIndex,
        index: WordIndex | None,
        pause: Callable[[], None],
        cancelled: Callable[[], bool],
    ) -> Iterator[Stage]:
        """After `IndexReady`, what makes keys cheap that were not (a large library's
        only: below `TITLES_ABOVE` papers a scan is as fast): the one-letter prefixes of
        `index`, the text index (a query's first key was its costliest: 25-40 ms for
        some letters of the stored index at 100,000 papers, thousands of rare words to
        unite; found here, ~0.3 s of CPU and the ~20 MB of frequent words' bitsets the
        first keys would read anyway), then the titles' own word index for `title:` keys.

        The text index's two-letter prefixes are not found ahead here
        (`WordIndex.pin_short_prefixes`): on the stored index of 100,000 papers that
        raised the TUI's peak resident size by ~110 MB (bench_tui: 699 MB, target 600),
        from file pages and allocations not yet tracked down."""
        if search.n <= TITLES_ABOVE:
            return
        if index is not None:
            pause()
            index.pin_short_prefixes(pause, pairs=False)
            if cancelled():
                return
        pause()
        titles = search.make_title_index(pause)
        if cancelled():
            return
        yield TitlesIndexed(search, titles)

    def _keep_derived_files(self, pause: Callable[[], None] = lambda: None) -> None:
        """Write what the next start reads instead of the papers file, from its
        documents (while this store holds them), then let them go."""
        # A papers file this start checked whole is vouched for (its identity index
        # written): the next start need not check it.
        pause()
        self.store.vouch_for_papers()
        # Likewise its start file, read at the next start instead of the papers file.
        pause()
        self.store.keep_start_file()
        # Both with the papers file's fingerprint, so that a copy of the library (new
        # inodes and mtimes) finds them current too.
        pause()
        self.store.keep_fingerprints()
        pause()
        self.store.release_catalogue_cache()

    def use_catalogue(
        self, papers: list[Paper], search: SearchIndex, *, same_papers: bool = False
    ) -> Library:
        """Swap in a catalogue `load_catalogue` read (on the front end's thread). The
        annotations are taken now, so edits made while the worker ran are kept.
        `same_papers`: see `CatalogueReady`."""
        shown = self.library
        self.library = Library(
            papers,
            shown.annotations,
            search,
            features_cache=self.features_cache,
            like=shown if same_papers else None,
        )
        self.abstracts_searched = True
        self.catalogue_loaded = True
        self.reloading = False
        return self.library

    def classify(self, papers: Sequence[Paper]) -> tuple[int, int]:
        """(new, already in the library) of a listing's papers: the store's matching rule
        (an identity key of the title, or the arXiv id), on the library shown (for the
        import dialog's preview; the import itself decides by what is on disk)."""
        library = self.library
        if self._known is None or self._known[0] is not library:
            shown = library.papers
            keys = {identity_key(p.title) for p in shown}
            self._known = (library, keys, {p.arxiv_id for p in shown if p.arxiv_id})
        _, keys, arxiv = self._known
        known = sum(
            1
            for p in papers
            if identity_key(p.title) in keys or (p.arxiv_id is not None and p.arxiv_id in arxiv)
        )
        return len(papers) - known, known

    # -- other processes -------------------------------------------------------------------

    def changed_on_disk(self) -> set[str]:
        """Which of annotations / papers / abstracts another process has rewritten since
        the session's store last read them (a write by the session's writer counts too:
        `reload_annotations` then finds nothing to announce)."""
        return self.store.changed_on_disk()

    def reload_annotations(self, ours: Change | None = None) -> Sync:
        """Take the annotations on disk into the library; what changed, counted.

        `ours` is a change of this session's (by its writer) that found another
        process's writes: the papers it wrote count only where the other process had
        changed them first. A failed read is reported in the result, never raised.
        """
        try:
            fresh = self.store.annotations()
        except ReadlistError as error:
            return Sync(error=str(error))
        library = self.library
        mine: dict[str, Annotation] = {}
        theirs = 0  # papers of our edit that another process had changed before it
        if ours is not None:
            mine = ours.after
            empty = Annotation()
            theirs = sum(library.annotation(pid) != ours.before.get(pid, empty) for pid in mine)
        updated = library.replace_annotations(fresh)
        return Sync(updated, sum(pid not in mine for pid in updated) + theirs)

    def apply(self, change: Change) -> Sync | None:
        """Show a change written by this session: with another process's writes found
        on the way re-read first (and reported), else alone (no file is read)."""
        sync = self.reload_annotations(ours=change) if change.others_wrote else None
        self.library.apply(change.after)
        return sync

    def start_writer(self, post: Callable[[Job], object]) -> Writer:
        """The session's writer (see writer.py): finished jobs go to `post`."""
        if self.writer is None:
            self.writer = Writer(self.store, post)
        return self.writer

    def close(self) -> None:
        """Finish the writer's queued jobs (nothing asked for is dropped)."""
        if self.writer is not None:
            self.writer.stop()
