"""The library store: papers and annotations in TinyDB, safe across crashes and processes.

Shape on disk (see `readlist.paths`): three TinyDB files. The catalogue of papers is
large and written only by imports; the annotations (tags, rating, read, note) are small
and written on every keystroke that changes them. Keeping them apart means a tag toggle
rewrites a few kilobytes, not the 170 MB of a 100,000-paper catalogue. Abstracts live in
their own file so the TUI can draw its first frame from titles alone; the TUI opens the
papers file through its start file when that is current (`open(start_file=True)`,
store/startfile.py), parsing only the ids, the sort keys and the rows it shows.

Every write goes through `_write_annotations` or the catalogue's `_write_abstracts` and
`_write_papers` (or `_splice_papers`). All run under the cross-process lock: they re-read
what another process may have written, apply the change to that fresh state, and write
atomically (see `storage`). A catalogue write touches only the documents it changes: the
papers are written from the documents as read (no `Paper` is built for a paper an import
does not meet), or, with a current identity index (store/identity.py), spliced into the
papers file's bytes without parsing it; the abstracts file's other lines are copied, not
parsed. An import that writes both catalogue files commits them as one step
(`_commit_catalogue`: the new papers file is staged, the abstracts file replaced, the
staged file renamed into place; a killed commit is finished or undone at the next
open). New and changed abstracts go to a small recent-abstracts file read over the
large one, so a daily import does not rewrite the 157 MB abstracts file; it is folded
into it now and then (`_write_abstracts`, `_fold_recent`). Annotation edits are
functions (old -> new), not values, so two processes editing the same paper compose
instead of overwriting each other. Each write returns a `Change`: the values before and
after, by paper id.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from bisect import bisect_right
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from functools import cached_property, lru_cache, partial
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson
from tinydb import TinyDB
from tinydb.table import Table

from readlist.errors import LibraryError, LibraryWriteError
from readlist.gcutil import gc_paused
from readlist.models import Annotation, Paper, identity_key, paper_id
from readlist.paths import LibraryPaths, backup_path, check_db, recent_path
from readlist.store import filters, history, wordfile
from readlist.store.documents import (
    ABSTRACTS,
    ANNOTATIONS,
    PAPER_ID,
    PAPERS,
    RECENT,
    VALIDATORS,
    annotation_from_doc,
    annotation_to_doc,
    check_paper_docs,
    migrate_paper_docs,
    new_paper_doc,
    paper_to_doc,
    papers_from_docs,
    printable,
    printable_all,
)
from readlist.store.identity import (
    IdentityIndex,
    IndexedCatalogue,
    StaleIndex,
    documents_by_id_prefix,
    identity_header,
    identity_index_path,
    read_identity_index,
)
from readlist.store.startfile import (
    StartFile,
    extend_start_file,
    fold_start_file,
    lazy_papers_of_docs,
    read_start_file,
    start_file_path,
    start_tail_path,
    write_start_file,
)
from readlist.store.storage import (
    AtomicJSONStorage,
    Data,
    SameContent,
    Signature,
    atomic_copy,
    atomic_write,
    atomic_write_parts,
    documents_by_key_prefix,
    dumps_with_offsets,
    fsync_dir,
    open_regular,
    parse_library_json,
    pausing,
    read_regular,
    signature,
    temp_files,
)
from readlist.textindex import WordIndex

if TYPE_CHECKING:
    import filelock

OLD_FORMAT_SUFFIX = ".v1.bak"
STAGED_SUFFIX = ".next"  # a new papers file, staged (see `Store._commit_catalogue`)
COMMIT_SUFFIX = ".commit"

# The recent-abstracts file is folded into the abstracts file once it passes 5% of it
# (each abstract is then copied ~20 times over the library's life, not once per import),
# but never waits past 8 MB (every import reads it whole) nor folds below 64 KB.
FOLD_SHARE = 0.05
FOLD_MIN = 64 << 10
FOLD_MAX = 8 << 20

LOCK_TIMEOUT = 10.0
LOCK_POLL = 0.005

Edit = Callable[[Annotation], Annotation]
Progress = Callable[[str, int, int], None]


class _Table(Table):
    """Documents keyed by paper id (a string) instead of TinyDB's counter.

    TinyDB supports custom id classes (`document_id_class`) but types ids as `int`;
    `_key` is the one place that tells the type checker otherwise.
    """

    document_id_class = str  # type: ignore[assignment]


class _TinyDB(TinyDB):
    table_class = _Table


def _key(value: object) -> Any:
    """A paper id (or list of them) where TinyDB's annotations say `int`."""
    return value


@dataclass(frozen=True, slots=True)
class Change:
    """What one write did to annotations: the values before and after, by paper id."""

    before: dict[str, Annotation]
    after: dict[str, Annotation]
    others_wrote: bool = False
    """Another process had written annotations since this store last read them: the
    caller's copy of the other papers' annotations is stale (see `Store.annotations`)."""

    @property
    def changed(self) -> list[str]:
        return [pid for pid, new in self.after.items() if self.before.get(pid) != new]


@dataclass(frozen=True, slots=True)
class Undone:
    """What an undo (or redo) did: the entry, the papers put back, the ones left alone."""

    entry: history.Entry
    restored: list[str]
    skipped: list[str]
    """Papers another change had touched since: they keep what they hold now."""
    redo: bool = False
    change: Change | None = None
    """What it wrote to annotations (None if the entry held none): a front end shows it
    without re-reading every annotation."""


@dataclass(slots=True)
class ImportReport:
    """What importing one listing did (or, in a dry run, would do) to the catalogue."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    """Papers met again that the user had removed: they stay removed."""
    ids: list[str] = field(default_factory=list)
    """The library id of each paper of the listing, in the listing's order."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """One library on disk. Create with `Store.open(path)`; the only TinyDB user."""

    def __init__(self, db: Path) -> None:
        # Links are followed once, here: every later read and write uses the real files.
        self.paths = LibraryPaths.resolve(db)
        self._storages = {
            ANNOTATIONS: AtomicJSONStorage(self.paths.annotations, kind=ANNOTATIONS, indent=True),
            PAPERS: AtomicJSONStorage(self.paths.papers, kind=PAPERS, offsets=True),
            # The largest file: written a document per line, read a line at a time.
            ABSTRACTS: AtomicJSONStorage(self.paths.abstracts, kind=ABSTRACTS, by_line=True),
            # New and changed abstracts, read over the large file (see `_write_abstracts`).
            RECENT: AtomicJSONStorage(recent_path(self.paths.abstracts), kind=RECENT),
        }
        self._tables: dict[str, Table] = {
            name: _TinyDB(storage=lambda s=storage: s).table(name)
            for name, storage in self._storages.items()
        }
        # The version (signature) of each file whose every document passed validation.
        self._valid: dict[str, Signature | None] = {}
        # Files read in an older format (migrated in memory; see `_migrate_on_disk`).
        self._old_format: set[str] = set()
        # The version of the papers file `ids_by_prefix` found in the current format.
        self._current_papers: Signature | None = None
        # The undo history, kept parsed between writes while unchanged on disk.
        self._history = history.HistoryFile(history.history_path(self.paths))
        self._committing = False  # inside `_commit_catalogue` (its files are not leftovers)
        self._unvouched = False  # papers checked whole, no identity index (vouch_for_papers)
        # The papers file's documents as the start file holds them, when it was opened
        # from one (see `open`, store/startfile.py); dropped with the catalogue cache.
        self._start: StartFile | None = None
        # The papers file's fingerprint, computed once per version, when a derived file
        # names another signature (a copied library: see `storage.fingerprint`).
        self._papers_content = SameContent(self.paths.papers)
        self._abstracts_content = SameContent(self.paths.abstracts)
        self._recent_content = SameContent(recent_path(self.paths.abstracts))

    # -- opening ------------------------------------------------------------------------

    @cached_property
    def _lock(self) -> filelock.FileLock:
        """The library's cross-process lock, made (and filelock imported: ~10 ms, its
        logging, platform and secrets) at its first use. A start whose files are all
        as they were (no leftover, the `.bak` copies current) takes no lock before the
        TUI's first frame (tests/test_first_frame.py)."""
        import filelock

        return filelock.FileLock(str(self.paths.lock), timeout=LOCK_TIMEOUT)

    @classmethod
    def open(cls, db: Path, *, catalogue: bool = True, start_file: bool = False) -> Store:
        """Open (or prepare to create) the library named by `db`.

        Checks that the annotations and papers files are readlist files in good shape
        (raising `LibraryError` otherwise, without touching them), removes temporary
        files a killed process left behind, and refreshes the `.bak` copies. Without
        `catalogue`, the papers file is left unread until it is needed (a command on
        one paper by id: see `ids_by_prefix`). With `start_file` (the TUI), a start
        file written for the papers file as it is stands in for it (store/startfile.py):
        `papers` and `paper_count` read that, and the papers file is parsed only when
        something needs its documents.
        """
        check_db(db)
        store = cls(db)
        store.cleanup_temp_files()
        store._table(ANNOTATIONS)
        if catalogue and not (start_file and store._open_from_start_file()):
            store._table(PAPERS)
        return store

    def _open_from_start_file(self) -> bool:
        """Take the papers file as read from its start file, if that is current."""
        version = signature(self.paths.papers)
        if version is None:
            return False
        start = read_start_file(start_file_path(self.paths), version, self._papers_content)
        if start is None:
            return False
        # Written only for a papers file checked whole in the current format (see
        # `keep_start_file`): as checked as a file read and checked here.
        self._storages[PAPERS].take_as_read(version)
        self._valid[PAPERS] = version
        self._start = start
        self._backup(PAPERS, self.paths.papers, version)
        return True

    def _current_start(self) -> StartFile | None:
        """The start file's documents, while the papers file is still that version."""
        start = self._start
        if start is not None and signature(self.paths.papers) != start.papers:
            self._start = start = None  # another process wrote: read the file itself
        return start

    def share_catalogue_check(self, other: Store) -> None:
        """Take the papers file as `other` read and checked it (in the current format):
        while it is unchanged on disk, a write here need not read it to check its format.
        For a second store on the same library in the same process (the TUI's writer)."""
        version = other._storages[PAPERS].signature
        checked = version is not None and other._valid.get(PAPERS) == version
        if checked and PAPERS not in other._old_format:
            self._current_papers = version

    def cleanup_temp_files(self) -> None:
        """Remove temporary files of writes that never finished.

        Every write holds the lock while its temporary file exists, so with the lock
        held, any temporary file is a leftover of a killed process.
        """
        leftovers = self.temp_files()
        if not leftovers and not (self._staged_papers.exists() or self._commit_record.exists()):
            return
        try:
            with self._lock.acquire(timeout=0.5):
                self._finish_commit()  # before its staged file could be taken for a leftover
                for tmp in self.temp_files():
                    with contextlib.suppress(OSError):
                        tmp.unlink()
        except OSError:  # filelock.Timeout is a TimeoutError
            pass  # another process is writing, or the folder is read-only: next time

    def temp_files(self) -> list[Path]:
        """Temporary files of writes to the data files and to their backups."""
        from readlist.store.citekeys import citekeys_path

        data_files = [*self.paths.data_files, self._storages[RECENT].path]
        files = [*data_files, *(backup_path(p) for p in data_files)]
        files.append(wordfile.word_index_path(self.paths))
        files.append(wordfile.word_tail_path(self.paths))
        files.append(identity_index_path(self.paths))
        files.append(start_file_path(self.paths))
        files += [self._staged_papers, self._commit_record]
        files.append(start_tail_path(start_file_path(self.paths)))
        # The small files beside the library, each written atomically the same way.
        files += [
            history.history_path(self.paths),
            filters.filters_path(self.paths),
            citekeys_path(self.paths),
        ]
        found = [tmp for path in files for tmp in temp_files(path)]
        # A fold's staged file is not a temporary file of a write under the lock: it is a
        # leftover only once its process is gone (see `wordfile.stale_folds`).
        return found + wordfile.stale_folds(wordfile.word_index_path(self.paths))

    def _table(self, name: str) -> dict[str, Any]:
        """The raw documents of one table, re-read if another process changed the file.

        Every document of a file version is validated once (a damaged file raises
        `LibraryError` and is never written over), and only then is the version
        copied to `.bak`: a backup is always a file that passed every check.
        """
        storage = self._storages[name]
        data = storage.read()
        if data is None:
            self._check_not_lost(name, storage.path)
            return {}
        table = data.get(name, {})
        assert isinstance(table, dict)
        fresh = self._valid.get(name) != storage.signature  # a version not read before
        vouched = fresh and name == PAPERS and self._papers_vouched(storage.signature)
        # A vouched file, or one checked before in the current format, holds no format-1
        # document (a 100k scan at every read otherwise).
        migrate = name == PAPERS and not vouched and (fresh or PAPERS in self._old_format)
        if migrate and migrate_paper_docs(table):
            self._old_format.add(PAPERS)  # format 1 on disk: rewritten on the next write
        if fresh:
            checked = not vouched
            if checked:
                VALIDATORS[name](storage.path, table)
            self._valid[name] = storage.signature
            self._backup(name, storage.path, storage.signature)
            if name == PAPERS:
                self._unvouched = checked and bool(table)
        return table

    def _papers_vouched(self, version: Signature | None) -> bool:
        """Whether the papers file at `version` needs no check of every document: its
        identity index was written for exactly that version. Readlist writes the index
        only for a papers file whose every document it checked (read whole and checked,
        or written from checked documents: see store/identity.py), so a file changed
        since (by anything, a cut-off write, an editor) has another signature and is
        checked whole as before. At 100,000 papers the check is 0.7-2.4 s of every start.
        """
        if version is None or PAPERS in self._old_format:
            return False
        # A copied library: the index vouches for the same bytes under a new signature
        # (its fingerprint, ~35 ms at 100k, against the check); restamped in the
        # background (`keep_fingerprints`).
        index = read_identity_index(self._identity_path, version, self._papers_content)
        return index is not None

    def vouch_for_papers(self) -> None:
        """If the last read checked every document of a papers file that has no identity
        index for its version, write one, so that the next start need not check them
        again (best effort; skipped if another process holds the lock). Not part of the
        read: at 100,000 papers it costs about as much as the check (the TUI calls it in
        the background, after the first frame: see `LibrarySession.load_catalogue`)."""
        if not self._unvouched:
            return
        self._unvouched = False
        try:
            with self._lock.acquire(timeout=0):
                self._index_papers_as_read()
        except OSError:  # filelock.Timeout is a TimeoutError
            pass

    def _check_not_lost(self, name: str, path: Path) -> None:
        """Refuse to start afresh where a file is missing but its backup holds documents.

        Otherwise the next write would create a new, near-empty file, and the next open
        would make that the backup: the user's work would be gone in two steps. A
        damaged backup counts too: what can still be salvaged from it may be the only
        copy left.
        """
        bak = backup_path(path)
        try:
            blob = read_regular(bak)
        except (OSError, LibraryError):
            return  # no backup, or not a file that could hold one
        repair = f"`readlist --db {self.paths.annotations} doctor --repair`"
        try:
            held = len(parse_library_json(bak, blob, name).get(name, {}))
        except LibraryError:
            held = _salvageable(name, bak)
            if held:
                raise LibraryError(
                    f"{path}: missing, and its backup {bak.name} is damaged but still holds "
                    f"{held} readable {name}; {repair} salvages them "
                    "(or delete the backup to start afresh)"
                ) from None
            return  # nothing in it worth keeping
        if held:
            raise LibraryError(
                f"{path}: missing, but its backup {bak.name} holds {held} {name}; "
                f"{repair} restores it (or delete the backup to start afresh)"
            )

    def _backup(self, name: str, path: Path, version: Signature | None) -> None:
        """Keep `<file>.bak` equal to the last version that passed validation: `version`,
        the one checked. If the file is another version by now (another process replaced
        it while this one read, and a paused read of the abstracts takes a while), that
        one was never checked: nothing is copied (its own first read checks it).

        A real copy, not a hard link: an external tool that truncates the file in
        place would truncate a hard-linked backup with it. Skipped when the backup is
        already current (same size and mtime); best effort on a read-only folder.

        A backup that is itself damaged may hold work the current file lacks (say, the
        file was deleted and a fresh one started): it is moved aside, never written
        over. A full check costs a parse of the old backup, so it is made for the small
        annotations file every time, and for a catalogue file when the new version is
        smaller than the backup (imports only grow a catalogue); otherwise a catalogue
        backup is checked for the commonest damage only, a cut-off end.
        """
        bak = backup_path(path)
        try:
            src = os.stat(path)
            old: os.stat_result | None = None
            with contextlib.suppress(FileNotFoundError):
                old = os.stat(bak)
                if (old.st_size, old.st_mtime_ns) == (src.st_size, src.st_mtime_ns):
                    return
            # Under the lock like every write, so that any temporary file found while
            # holding it is a leftover; skipped (until the next read) if it is busy.
            with self._lock.acquire(timeout=0):
                if version is None or signature(path) != version:
                    return  # (under the lock no write replaces it until the copy is made)
                if old is not None:
                    thorough = name == ANNOTATIONS or old.st_size > src.st_size
                    keep_if_damaged(name, bak, thorough=thorough)
                atomic_copy(path, bak)
                os.utime(bak, ns=(src.st_atime_ns, src.st_mtime_ns))
        except (OSError, LibraryError):  # filelock.Timeout is a TimeoutError
            pass

    def close(self) -> None:
        for storage in self._storages.values():
            storage.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------

    def papers(self, *, with_abstracts: bool = True, removed: bool = False) -> list[Paper]:
        """The papers of the library, in the order they entered it.

        Papers the user removed are left out, or (with `removed`) are the only ones given.
        """
        papers = self.all_papers(with_abstracts=with_abstracts)
        return [p for p in papers if (p.removed is not None) == removed]

    def lazy_papers(self) -> Sequence[Paper] | None:
        """The papers `papers(with_abstracts=False)` gives, each built when first asked
        for (readlist/catalogue.py): from the start file if the store was opened from a
        current one, else from the papers file's documents (read and checked first, unless
        their identity index vouches for them: `_papers_vouched`)."""
        start = self._current_start()
        if start is not None:
            return start.lazy_papers()
        docs = self._table(PAPERS)  # read and checked here if it was not at open
        return lazy_papers_of_docs(docs)

    def all_papers(self, *, with_abstracts: bool = True) -> list[Paper]:
        """Every paper of the catalogue, removed ones included."""
        start = self._current_start()
        docs = self._table(PAPERS) if start is None else None
        abstracts = self.abstracts() if with_abstracts else {}
        if start is not None:
            return start.papers_of(abstracts)
        assert docs is not None
        return papers_from_docs(docs, abstracts)

    def ids_by_prefix(self, prefix: str, *, removed: bool = False) -> list[str] | None:
        """Ids of the papers whose id starts with `prefix` (lower-case hex), without
        reading the whole catalogue; None when it must be read whole (`papers`) instead.

        For a command on one paper by id at 100,000 papers: only the matching documents
        are parsed, and checked by the rules every read applies; with a current identity
        index only their bytes are read (else the file's bytes are scanned). None when
        the papers file is missing, in an older format, or not laid out as readlist
        writes it; or when a matching document fails a check (reading the file whole
        then reports the damage). Like `papers`, removed papers are left out, or are the only ones.
        """
        found = None
        if re.fullmatch(r"[0-9a-f]{1,16}", prefix):
            # Through the identity index if it is current: only those documents are read.
            found = documents_by_id_prefix(self.paths.papers, self._identity_path, prefix)
        if found is None:
            found = documents_by_key_prefix(self.paths.papers, PAPERS, prefix)
        if found is None:
            return None
        version, docs = found
        try:
            check_paper_docs(self.paths.papers, docs)
        except LibraryError:
            return None
        self._current_papers = version
        return [pid for pid, doc in docs.items() if (doc["removed"] is not None) == removed]

    def paper_count(self) -> int:
        """How many papers the catalogue holds (removed ones included)."""
        start = self._current_start()
        return len(self._table(PAPERS)) if start is None else len(start)

    def abstracts(self, pause: Callable[[], None] | None = None) -> dict[str, str]:
        """Paper id -> abstract: the abstracts file, with the recent file over it.

        The recent file is read first: a fold (`_fold_recent`) replaces the large file
        before it empties the recent one, so whichever versions this meets, together
        they hold every abstract (see `_write_abstracts`). `pause()`, if given, is
        called every few thousand abstracts parsed (`storage.pausing`).
        """
        recent = self._table(RECENT)
        with pausing(pause) if pause is not None else contextlib.nullcontext():
            table = self._table(ABSTRACTS)
        found = {pid: doc["text"] for pid, doc in table.items()}
        found.update((pid, doc["text"]) for pid, doc in recent.items())
        return found

    def annotations(self) -> dict[str, Annotation]:
        """Paper id -> the user's annotation, for papers the user has annotated."""
        path = self.paths.annotations
        return {
            pid: annotation_from_doc(path, pid, doc)
            for pid, doc in self._table(ANNOTATIONS).items()
        }

    def changed_on_disk(self) -> set[str]:
        """Which of annotations / papers / abstracts another process has rewritten (the
        recent-abstracts file counts as abstracts)."""
        changed = {name for name, storage in self._storages.items() if storage.changed_on_disk()}
        if RECENT in changed:
            changed = (changed - {RECENT}) | {ABSTRACTS}
        return changed

    def release_catalogue_cache(self) -> None:
        """Drop the raw catalogue documents once they have been turned into `Paper`s.

        At 100,000 papers the raw JSON documents hold ~200 MB that nothing needs after
        loading; the next import reads the files again.
        """
        self._storages[PAPERS].forget()
        self._storages[ABSTRACTS].forget()
        self._storages[RECENT].forget()
        self._start = None

    def keep_start_file(self) -> None:
        """Write the start file of the papers file this store read and checked, if it
        has none, so that the next TUI start reads that instead (store/startfile.py);
        one opened from a start file and its tail is written whole again (the tail folded).
        Best effort (skipped if another process holds the lock); not part of the read:
        the TUI calls it in the background, after the first frame, while the documents
        are still held (`LibrarySession.load_catalogue`)."""
        storage = self._storages[PAPERS]
        version = storage.signature
        if self._start is not None:
            start = self._start
            # Read with a tail, from a copy (another signature), or without the papers
            # file's fingerprint (an older file): written whole, for the next start.
            if start.tail or start.copied or start.papers_sum is None:
                self._fold_start_file(start)
            return
        if not storage.holds_data or version is None:
            return  # nothing read to write one from
        if PAPERS in self._old_format or self._valid.get(PAPERS) != version:
            return
        try:
            with self._lock.acquire(timeout=0):
                if signature(self.paths.papers) != version:
                    return  # another process wrote since: its documents are not these
                data = storage.read()
                if data is not None:
                    path, docs = start_file_path(self.paths), data.get(PAPERS, {})
                    write_start_file(path, version, docs, self._papers_content.of(version))
        except OSError:  # filelock.Timeout is a TimeoutError
            pass

    def _fold_start_file(self, start: StartFile) -> None:
        try:
            with self._lock.acquire(timeout=0):
                if signature(self.paths.papers) == start.papers:
                    papers_sum = self._papers_content.of(start.papers)
                    fold_start_file(start_file_path(self.paths), start, papers_sum)
        except OSError:  # filelock.Timeout is a TimeoutError
            pass

    def keep_fingerprints(self) -> None:
        """Record the papers file's fingerprint in its identity index, if that is current
        and lacks it (written by an import: computing it there would cost the import a
        read of the whole file), or names another signature (a copied library, found
        current by its fingerprint): so that a copy of this library, and the next start
        here, find it current without a check. Best effort, in the TUI's background
        stage (`LibrarySession.load_catalogue`); skipped if another process holds the
        lock. Costs ~35 ms at 100,000 papers when it writes, a header read otherwise."""
        version = signature(self.paths.papers)
        header = identity_header(self._identity_path)
        if version is None or header is None or PAPERS in self._old_format:
            return
        if header.get("papers") == list(version) and "papers_sha256" in header:
            return  # current, with its fingerprint
        try:
            with self._lock.acquire(timeout=0):
                index = read_identity_index(self._identity_path, version, self._papers_content)
                if index is None or signature(self.paths.papers) != version:
                    return  # stale or damaged: the next import writes it anew
                papers_sum = self._papers_content.of(version)
                if papers_sum is None:
                    return
                index.papers, index.papers_sum = version, papers_sum
                index.write(self._identity_path)
        except (OSError, ValueError):  # filelock.Timeout is a TimeoutError
            pass

    # -- the word index (derived from the catalogue: see store/wordfile.py) -------------

    def catalogue_versions(self) -> tuple[Signature | None, Signature | None]:
        """The versions of the papers and abstracts files this store read last."""
        return self._storages[PAPERS].signature, self._storages[ABSTRACTS].signature

    def word_index(self, ids: Sequence[str]) -> WordIndex | None:
        """The stored word index of the papers `ids` (the library's, in order), if it was
        built from the catalogue as it is on disk now and as this store read it."""
        papers = signature(self.paths.papers)
        if papers is None or papers != self._storages[PAPERS].signature:
            return None
        versions = (papers, signature(self.paths.abstracts))
        return wordfile.read_word_index(wordfile.word_index_path(self.paths), versions, ids)

    def write_word_index(
        self,
        versions: tuple[Signature | None, Signature | None],
        ids: Sequence[str],
        index: WordIndex,
    ) -> bool:
        """Keep `index` (of the papers `ids`, built from the catalogue `versions`) for the
        next start; False, with nothing written, if the catalogue has changed since, or
        if it cannot be written (it is only ever a shortcut)."""
        self._catalogue_sums(versions)  # hashed before the lock, kept by version
        try:
            with self.locked():
                if (signature(self.paths.papers), signature(self.paths.abstracts)) != versions:
                    return False
                path = wordfile.word_index_path(self.paths)
                sums = self._catalogue_sums(versions)  # ~0.17 s of CPU at 100k, for copies
                wordfile.write_word_index(path, versions, ids, index.parts(), sums)
        except (LibraryWriteError, OSError, ValueError):
            return False
        return True

    def _catalogue_sums(
        self, versions: tuple[Signature | None, Signature | None]
    ) -> wordfile.Sums | None:
        """The fingerprints of the papers and abstracts files at `versions` and of the
        recent-abstracts file as it is now (None for a file missing), or None if either
        of the first two is no longer that version. Under the lock: with the papers file
        unchanged since `versions`, so is the recent file (every write of it writes the
        papers file too)."""
        papers, abstracts = versions
        recent = signature(self._recent_content.path)
        papers_sum = None if papers is None else self._papers_content.of(papers)
        abstracts_sum = None if abstracts is None else self._abstracts_content.of(abstracts)
        recent_sum = None if recent is None else self._recent_content.of(recent)
        if (
            (papers is None) != (papers_sum is None)
            or (abstracts is None) != (abstracts_sum is None)
            or (recent is None) != (recent_sum is None)
        ):
            return None
        return papers_sum, abstracts_sum, recent_sum

    def word_index_of_copy(self, ids: Sequence[str]) -> WordIndex | None:
        """`word_index`, for a library copied since its word index was written (new
        inodes and mtimes, the same bytes): current if the catalogue files hold the
        bytes whose fingerprints it records (`wordfile.restamp_copy`), then named for
        them. Costs the fingerprints (~0.17 s of CPU at 100,000 papers, in the TUI's
        background stage) instead of a rebuild (~20 s). None otherwise, or if another
        process holds the lock (the caller rebuilds it, as before)."""
        papers = signature(self.paths.papers)
        if papers is None or papers != self._storages[PAPERS].signature:
            return None
        path = wordfile.word_index_path(self.paths)
        # Hashed before the lock (seconds for 157 MB of abstracts out of the page cache,
        # while a key's write would wait): under it, the same versions reuse the sums.
        self._catalogue_sums((papers, signature(self.paths.abstracts)))
        try:
            with self._lock.acquire(timeout=0):
                versions = (signature(self.paths.papers), signature(self.paths.abstracts))
                recent = (signature(self._recent_content.path), self._recent_content)
                if versions[0] != papers or not wordfile.restamp_copy(
                    path, versions, self._papers_content, self._abstracts_content, recent
                ):
                    return None
        except OSError:  # filelock.Timeout is a TimeoutError
            return None
        return self.word_index(ids)

    def fold_word_index(self, versions: tuple[Signature | None, Signature | None]) -> bool:
        """Fold the stored word index's tail into its file if it has grown past its
        limits and index and tail are current for the catalogue `versions` (the TUI,
        in the background after a start: see `wordfile.fold_tail`); whether it did.
        Best effort: False, with nothing changed, if the catalogue has changed since
        or the files cannot be written."""
        path = wordfile.word_index_path(self.paths)
        held = wordfile.tail_papers(path, versions)  # (the headers alone: no lock yet)
        if held is None or held <= 0:
            return False

        @contextlib.contextmanager
        def still() -> Iterator[bool]:  # the new file is put in place under the lock
            with self.locked():
                yield (signature(self.paths.papers), signature(self.paths.abstracts)) == versions

        try:
            return wordfile.fold_tail(path, versions, still)
        except (LibraryWriteError, OSError, ValueError):
            return False

    # -- saved filters (their own small file: see store/filters.py) ----------------------

    def saved_filters(self) -> dict[str, str]:
        """Saved filters' queries by name, in the order they were saved."""
        return filters.read_filters(filters.filters_path(self.paths))

    def save_filter(self, name: str, query: str) -> None:
        """Save (or replace) the filter `name`; one atomic write under the lock."""
        path = filters.filters_path(self.paths)
        with self.locked():
            old = filters.read_filters(path)
            key = filters.check_name(name).casefold()
            saved = {name if k.casefold() == key else k: v for k, v in old.items()}
            saved[name] = query  # replaced in place (any case), or added last
            filters.write_filters(path, saved)

    def restore_filters(
        self, wanted: dict[str, str], *, replace: bool
    ) -> tuple[list[str], list[str], list[str]]:
        """Add saved filters (from an export) in one atomic write: (added, replaced, kept).

        A filter whose name is already saved (in any case) with another query keeps
        the library's query unless `replace`. Names must be usable (`check_name`);
        checking that queries parse is the caller's.
        """
        for name in wanted:
            filters.check_name(name)
        path = filters.filters_path(self.paths)
        added: list[str] = []
        replaced: list[str] = []
        kept: list[str] = []
        with self.locked():
            saved = filters.read_filters(path)
            by_key = {k.casefold(): k for k in saved}
            for name, query in wanted.items():
                old = by_key.get(name.casefold())
                if old is None:
                    saved[name] = query
                    by_key[name.casefold()] = name
                    added.append(name)
                elif saved[old] != query:
                    if replace:
                        saved[old] = query
                        replaced.append(old)
                    else:
                        kept.append(old)
            if added or replaced:
                filters.write_filters(path, saved)
        return added, replaced, kept

    def remove_filter(self, name: str) -> bool:
        """Remove the filter `name` (any case); False if there was none."""
        path = filters.filters_path(self.paths)
        with self.locked():
            saved = filters.read_filters(path)
            kept = {k: v for k, v in saved.items() if k.casefold() != name.casefold()}
            if len(kept) == len(saved):
                return False
            filters.write_filters(path, kept)
            return True

    # -- the one place annotations are written -------------------------------------------

    def update(self, ids: Iterable[str], edit: Edit, *, label: str | None = None) -> Change:
        """Apply `edit` to the current annotation of each paper, as one atomic write.

        With a `label`, the change is recorded in the undo history (under the same lock).
        """
        wanted = list(dict.fromkeys(ids))
        if bad := [pid for pid in wanted if not PAPER_ID.fullmatch(pid)]:
            raise ValueError(f"not a paper id: {bad[0]!r:.40}")  # a bug, never user input
        with self.locked():
            change = self._write_annotations(
                lambda current: {pid: edit(current(pid)) for pid in wanted}
            )
            if label is not None:
                self._record_change(label, change)
        return change

    # -- the undo history ------------------------------------------------------------------

    @property
    def history_path(self) -> Path:
        return history.history_path(self.paths)

    def undo_history(self) -> history.History:
        return self._history.read()

    def _record_change(self, label: str, change: Change) -> None:
        pairs = {pid: (change.before[pid], change.after[pid]) for pid in change.changed}
        if pairs:
            self._record(history.Entry(label=label, time=now(), annotations=pairs))

    def record_written(
        self, label: str, pairs: Mapping[str, tuple[Annotation, Annotation]]
    ) -> bool:
        """Record in the undo history a change already written in several steps (the note
        editor's drafts, stored as they were typed): one entry, `(before, after)` per
        paper, where `after` is what the last step wrote. Writes no annotation. The
        compare-and-set rule of `undo` keeps it safe: `before` goes back only where a
        paper still holds `after`. True if there was a change to record."""
        kept = {pid: pair for pid, pair in pairs.items() if _content(pair[0]) != _content(pair[1])}
        if kept:
            self._record(history.Entry(label=label, time=now(), annotations=kept))
        return bool(kept)

    def _record(self, entry: history.Entry) -> None:
        with self.locked():
            path = self.history_path
            try:
                self._history.read()
            except LibraryError:
                # A damaged history never blocks a change: it is kept aside, started anew.
                if path.exists():
                    path.replace(aside_path(path, "damaged"))
                self._history.read()  # none now
            self._history.record(entry)

    def compact_history_later(self) -> None:
        """This store's changes append their history entries only, and `compact_history`
        compacts the journal when the front end is between keys (see store/history.py:
        a compaction costs a change two more syncs). For the TUI's writer."""
        self._history.compact_later = True

    def compact_history(self) -> bool:
        """Compact the undo history if it has grown past its bounds (atomically); whether
        it did. Skipped (False) while another process holds the library's lock: the next
        change or call does it. Raises `LibraryError` for a damaged history and
        `LibraryWriteError` if it cannot be written: the journal is then as it was.

        Nothing is done (no lock, no system call) while the journal as this store last
        read or wrote it is within its bounds: called after every key's job, it costs
        the key after it nothing. (Another process's appends since are seen by this
        store's next change, and compacted after it.)"""
        if not self._history.compaction_due:
            return False
        try:
            self._lock.acquire(timeout=0)
        except OSError:  # filelock.Timeout is a TimeoutError
            return False
        try:
            self._history.read()
            return self._history.compact()
        finally:
            self._lock.release()

    def record_added(self, ids: Iterable[str], label: str) -> None:
        """Record papers an import added, so that an undo removes them again (as
        `remove` does: they stay in the catalogue, restorable) and a redo brings them
        back. Papers an import only updated are not touched by its undo."""
        entry = history.added_entry(label, now(), ids)  # written compactly: see history.py
        if not entry.is_empty:
            self._record(entry)

    def undo(self) -> Undone | None:
        """Undo the last change recorded by any process; None when there is none."""
        return self._step(redo=False)

    def redo(self) -> Undone | None:
        """Redo the last undone change; None when there is none."""
        return self._step(redo=True)

    def _step(self, *, redo: bool) -> Undone | None:
        with self.locked():
            past = self._history.read()
            entry = past.redoable if redo else past.undoable
            if entry is None:
                return None
            restored: list[str] = []
            skipped: list[str] = []
            change: Change | None = None
            if entry.annotations:
                # Compare-and-set: a paper changes back only if it holds what the
                # change wrote (undo) or what it found (redo), ignoring timestamps.
                def compute(current: Callable[[str], Annotation]) -> dict[str, Annotation]:
                    out: dict[str, Annotation] = {}
                    for pid, (before, after) in entry.annotations.items():
                        expected, target = (before, after) if redo else (after, before)
                        if _content(current(pid)) == _content(expected):
                            out[pid] = target
                            restored.append(pid)
                        else:
                            skipped.append(pid)
                    return out

                change = self._write_annotations(compute)
            if entry.removed:
                wanted = {
                    pid: (after if redo else before, before if redo else after)
                    for pid, (before, after) in entry.removed.items()
                }
                done, left = self._set_removed_if(wanted)
                restored += done
                skipped += left
            self._history.move(past.position + (1 if redo else -1))
        left = sorted(set(skipped) - set(restored))
        return Undone(entry, sorted(set(restored)), left, redo, change)

    def _set_removed_if(self, wanted: dict[str, tuple[bool, bool]]) -> tuple[list[str], list[str]]:
        """Set papers' removed mark to the first of each pair where it is the second."""
        stamp = now()
        docs = self._table(PAPERS)
        done: list[str] = []
        left: list[str] = []
        changed: dict[str, dict[str, Any]] = {}
        for pid, (target, expected) in wanted.items():
            doc = docs.get(pid)
            if doc is None or (doc["removed"] is not None) != expected:
                left.append(pid)
                continue
            changed[pid] = {**doc, "removed": stamp if target else None}
            done.append(pid)
        if changed:
            self._write_removed(changed)
        return done, left

    def _write_removed(self, changed: dict[str, dict[str, Any]]) -> None:
        """Write the papers file with `changed` (read documents whose removed mark alone
        changed), then its identity index if it was current for the file read: the
        same papers in the same order, so only the marks and the offsets change. Without
        it, lookups by id (`rate id:…`) read the whole file until the next import."""
        storage = self._storages[PAPERS]
        read = storage.signature
        docs = self._table(PAPERS)  # (read already by the caller: the same documents)
        self._write_papers(changed, None)
        self._reshow_word_index(read, docs, changed)
        written = storage.written
        if read is None or written is None or written[0] != storage.signature:
            return
        with contextlib.suppress(OSError, ValueError):  # derived: stale if not written
            old = read_identity_index(self._identity_path, read)
            new = (
                None
                if old is None
                else old.with_removed(
                    written[0],
                    written[1],
                    {pid: doc["removed"] is not None for pid, doc in changed.items()},
                )
            )
            if new is not None:
                new.write(self._identity_path)

    def _reshow_word_index(
        self,
        read: Signature | None,
        docs: dict[str, dict[str, Any]],
        changed: dict[str, dict[str, Any]],
    ) -> None:
        """After papers were removed or brought back (`docs` as read, `changed` their
        new documents), keep the stored word index current when only its tail's papers
        come and go (`wordfile.reshown`: an import's undo and redo, a removal of
        today's papers); otherwise it is stale, and the TUI rebuilds it."""
        path = wordfile.word_index_path(self.paths)
        if read is None or not path.exists():
            return
        abstracts = signature(self.paths.abstracts)
        after = (signature(self.paths.papers), abstracts)

        def shown() -> list[str]:  # in the file's order: the library's
            return [p for p, d in docs.items() if changed.get(p, d)["removed"] is None]

        with contextlib.suppress(OSError, ValueError):  # derived: stale if not written
            wordfile.reshown(path, (read, abstracts), after, shown)

    def _write_annotations(
        self, compute: Callable[[Callable[[str], Annotation]], dict[str, Annotation]]
    ) -> Change:
        storage = self._storages[ANNOTATIONS]
        with self.locked():
            self._migrate_on_disk()
            others_wrote = storage.changed_on_disk()
            self._table(ANNOTATIONS)  # pick up (and check) other processes' writes first
            # The documents themselves, read and written without TinyDB's table: its
            # `get` stats the file once per paper and each `remove`/`insert` copies the
            # whole table (1,000 papers marked read: ~1,000 stats and two copies).
            data = storage.read() or {}
            docs = data.setdefault(ANNOTATIONS, {})
            before: dict[str, Annotation] = {}

            def current(pid: str) -> Annotation:
                if pid not in before:
                    doc = docs.get(pid)
                    before[pid] = (
                        annotation_from_doc(storage.path, pid, doc) if doc else Annotation()
                    )
                return before[pid]

            proposed = compute(current)
            for pid in proposed:
                current(pid)
            stamp = now()
            after = {
                pid: new if new == before[pid] or new.is_empty else _stamped(new, stamp)
                for pid, new in proposed.items()
            }
            changed = [pid for pid, new in after.items() if new != before[pid]]
            if changed:
                for pid in changed:
                    if after[pid].is_empty:
                        docs.pop(pid, None)
                    else:
                        docs[pid] = annotation_to_doc(after[pid])
                storage.write(data)  # on failure: raises, and memory is re-read from disk
                self._tables[ANNOTATIONS].clear_cache()
                self._valid[ANNOTATIONS] = storage.signature  # written from valid values
        return Change(before=before, after=after, others_wrote=others_wrote)

    def restore_annotations(
        self, wanted: dict[str, Annotation], *, replace_differing: bool
    ) -> tuple[Change, list[str]]:
        """Give papers the annotations an export held (one atomic write).

        A paper the user has not annotated takes the export's annotation; one that holds
        a different annotation keeps it unless `replace_differing`. Returns the change
        and the ids whose own, differing annotation was kept.
        """
        kept: list[str] = []

        def compute(current: Callable[[str], Annotation]) -> dict[str, Annotation]:
            out: dict[str, Annotation] = {}
            for pid, annotation in wanted.items():
                mine = current(pid)
                if mine.is_empty or replace_differing:
                    out[pid] = annotation
                elif _content(mine) != _content(annotation):
                    kept.append(pid)
            return out

        if bad := [pid for pid in wanted if not PAPER_ID.fullmatch(pid)]:
            raise ValueError(f"not a paper id: {bad[0]!r:.40}")
        return self._write_annotations(compute), kept

    # -- the one place the catalogue is written ------------------------------------------

    def import_listings(
        self,
        listings: Sequence[Sequence[Paper]],
        progress: Progress | None = None,
        *,
        dry_run: bool = False,
    ) -> list[ImportReport]:
        """Merge listings into the catalogue in one write; one report per listing.

        Annotations are never touched. A paper already in the library (the same title
        identity, or the same arXiv id) keeps its id and position and gains whatever the
        new listing knows (see `Paper.merged_with`). With `dry_run`, nothing is written:
        the reports say what the import would do.

        With a current identity index (store/identity.py), the papers file is neither
        parsed nor checked whole: the papers met are found through the index and cut
        out of its bytes, and the file is written with those documents replaced and the
        new ones added. Without one (or if the bytes are not what it says) the file is
        read whole, and the index is written anew for the next import.
        """
        with self.locked(), gc_paused():
            if progress:
                progress("reading library", 0, 1)
            catalogue = IndexedCatalogue.open(self.paths.papers, self._identity_path)
            reports: list[ImportReport] | None = None
            if catalogue is not None:
                with contextlib.suppress(StaleIndex):  # nothing was written: read it whole
                    reports = self._import(listings, progress, dry_run, catalogue)
            if reports is None:
                reports = self._import(listings, progress, dry_run, None)
            if not dry_run:
                # Its own step, the import committed already: if it cannot be done (a
                # full disk), the recent file stays as it is and the next import tries.
                with contextlib.suppress(LibraryError, OSError):  # (a write error is one)
                    self._fold_recent()
            return reports

    @property
    def _identity_path(self) -> Path:
        return identity_index_path(self.paths)

    def _import(
        self,
        listings: Sequence[Sequence[Paper]],
        progress: Progress | None,
        dry_run: bool,
        catalogue: IndexedCatalogue | None,
    ) -> list[ImportReport]:
        before = (signature(self.paths.papers), signature(self.paths.abstracts))
        retexted = False  # a paper already in the library has a new title or abstract
        # Each paper made printable once (at 100,000 papers, twice was ~0.7 s).
        cleaned = [printable_all(listing) for listing in listings]
        arriving = [paper for listing in cleaned for paper in listing]
        matcher: _Matcher | _IndexMatcher
        doc_of: Callable[[str], Any]
        if catalogue is None:
            # Papers are built only for the documents an incoming paper matches: at
            # 100,000 papers, building them all (and reading every abstract) was most
            # of a 30-paper import.
            docs = self._table(PAPERS)
            keys = {_key_of(p.title) for p in arriving} if docs else set()
            matcher = _Matcher.of_documents(docs, keys)
            doc_of = docs.__getitem__
            known: Container[str] = docs
            empty = not docs
        else:
            matcher = _IndexMatcher(catalogue)
            doc_of = catalogue.doc
            known = catalogue
            empty = len(catalogue.index) == 0
        # The papers met (an empty library meets none: a first import of 100,000 papers
        # need not look each up twice).
        met = [] if empty else [(pid, p) for p in arriving if (pid := matcher.find(p))]
        wanted = {pid for pid, _ in met}
        # Only an abstract that arrives can change one (the longer one is kept, see
        # `Paper.merged_with`): a paper met only without one is built with an empty
        # abstract, never written, rather than read from the 157 MB file at 100,000
        # papers (an enrichment sends an abstract only when it is the longer one).
        abstracts = self._abstracts_of({pid for pid, p in met if p.abstract})
        existing: dict[str, Paper] = {}  # every paper built: matched or new

        def paper_at(pid: str) -> Paper:
            if pid not in existing:
                if pid not in wanted:  # (cannot happen: see `_Matcher.add`)
                    wanted.add(pid)
                    abstracts.update(self._abstracts_of({pid}))
                [existing[pid]] = papers_from_docs({pid: doc_of(pid)}, abstracts)
            return existing[pid]

        changed: dict[str, Paper] = {}
        new_abstracts: dict[str, str] = {}
        reports: list[ImportReport] = []
        stamp = now()
        # The bulk-new path: a first import (an empty library) in which no two papers
        # are the same paper. Every paper is then added as it came, so none is looked
        # up, merged or built again (at 100,000 papers that was ~2 s); `_AllNew` makes
        # the same reports and documents the loop below makes for such an import
        # (tests/test_store_bulk.py compares the files written). Every other import
        # takes the loop.
        bulk = _AllNew.of(cleaned, stamp) if empty else None
        if bulk is not None:
            reports, new_abstracts = bulk.reports, bulk.abstracts
            cleaned = []  # nothing left for the loop
        for listing in cleaned:
            report = ImportReport()
            for incoming in listing:
                pid = matcher.find(incoming)
                if pid is None:
                    pid = matcher.new_id(incoming)
                    paper = _as_added(incoming, pid, incoming.added or stamp)
                    existing[pid] = changed[pid] = paper
                    new_abstracts[pid] = paper.abstract
                    matcher.add(paper)
                    report.added.append(pid)
                    report.ids.append(pid)
                    continue
                report.ids.append(pid)
                old = paper_at(pid)
                merged = old.merged_with(replace(incoming, id=pid))
                if old.removed is not None:
                    report.removed.append(pid)
                if merged is old:
                    report.unchanged += old.removed is None
                    continue
                existing[pid] = changed[pid] = merged
                matcher.add(merged)
                if merged.abstract != old.abstract:
                    new_abstracts[pid] = merged.abstract
                retexted = retexted or (merged.title, merged.abstract) != (
                    old.title,
                    old.abstract,
                )
                # Only a new source (the same paper met again) is not news.
                if old.removed is not None:
                    pass
                elif merged.same_except_sources(old):
                    report.unchanged += 1
                else:
                    report.updated.append(pid)
            reports.append(report)
        if (changed or bulk is not None) and not dry_run:
            if bulk is not None:
                added = bulk.papers
            else:
                added = [changed[pid] for report in reports for pid in report.added]
            write_abstracts: Callable[[], None] | None = None
            if new_abstracts:
                fresh = not any(pid in known for pid in new_abstracts)

                def write_abstracts() -> None:
                    self._write_abstracts(new_abstracts, progress, new=fresh)

            if bulk is not None:
                changed_docs = bulk.docs
            else:
                changed_docs = {pid: paper_to_doc(p) for pid, p in changed.items()}
            if catalogue is None:
                assert isinstance(matcher, _Matcher)
                keyed = matcher if bulk is None else bulk.matcher
                index = self._write_papers(
                    changed_docs,
                    progress,
                    abstracts=write_abstracts,
                    index_of=keyed if write_abstracts is not None else None,
                )
                self._write_identity_index(keyed, index)
            else:
                self._splice_papers(catalogue, changed_docs, progress, abstracts=write_abstracts)
            if not retexted:
                self._extend_word_index(before, added)
        return reports

    def _splice_papers(
        self,
        catalogue: IndexedCatalogue,
        changed: dict[str, dict[str, Any]],
        progress: Progress | None,
        *,
        abstracts: Callable[[], None] | None = None,
    ) -> None:
        """Write the papers file as its bytes with `changed` replacing or following the
        documents (see `IndexedCatalogue.spliced`), then its identity index; with
        `abstracts`, both files as one commit (see `_commit_catalogue`)."""
        total = len(changed)
        if progress:
            progress(f"writing {PAPERS}", 0, total)
        check_paper_docs(self.paths.papers, changed)
        parts, index = catalogue.spliced(changed)
        storage = self._storages[PAPERS]
        try:
            if abstracts is None:
                written = atomic_write_parts(self.paths.papers, parts)
            else:
                written = self._commit_catalogue(parts, abstracts)
        except OSError as error:
            storage.forget()
            raise LibraryWriteError(
                f"{self.paths.papers}: could not save ({error.strerror or error}); "
                "nothing was changed"
            ) from None
        storage.replaced(written)
        self._tables[PAPERS].clear_cache()
        self._current_papers = written
        self._extend_start_file(catalogue.index.papers, written, changed)
        index.papers = written
        with contextlib.suppress(OSError, ValueError):  # derived: stale if not written
            index.write(self._identity_path)
        if progress:
            progress(f"writing {PAPERS}", total, total)

    def _extend_start_file(
        self, before: Signature | None, after: Signature | None, changed: dict[str, Any]
    ) -> None:
        """After a write (under the lock) that took the papers file from `before` to
        `after` by replacing or adding the documents `changed`, keep the start file
        current through its tail (store/startfile.py), so that the next TUI start reads
        it, not the papers file: the morning's start after a CLI import. Best effort: if
        it cannot be written, the start file is stale, never wrong."""
        if after is None:
            return
        with contextlib.suppress(OSError, ValueError, TypeError):
            extend_start_file(start_file_path(self.paths), before, after, changed)

    def rebuild_identity_index(self) -> bool:
        """Write the identity index of the papers file as it is (read whole, checked);
        False if the file is not laid out as readlist writes it (then the next import
        reads it whole and writes it anew) or the index cannot be written."""
        with self.locked():
            self._table(PAPERS)
            return self._index_papers_as_read()

    def _index_papers_as_read(self) -> bool:
        """Write the identity index of the papers file this store read and checked (under
        the lock); False if it is not laid out as readlist writes it, is in an older
        format, or the index cannot be written."""
        storage = self._storages[PAPERS]
        data = storage.read()
        version = storage.signature
        if data is None or version is None or PAPERS in self._old_format:
            return False
        if self._valid.get(PAPERS) != version:
            return False  # not checked: the index would vouch for it
        docs = data.get(PAPERS, {})
        blob, offsets = dumps_with_offsets(data, PAPERS)
        try:
            if read_regular(self.paths.papers) != blob:
                return False
        except (OSError, LibraryError):
            return False
        entries = [
            (pid, identity_key(doc["title"]), doc["arxiv_id"], doc["removed"] is not None)
            for pid, doc in docs.items()
        ]
        index = IdentityIndex.build(version, entries, offsets)
        index.papers_sum = (len(blob), hashlib.sha256(blob).hexdigest())  # the file's bytes
        try:
            index.write(self._identity_path)
        except (OSError, ValueError):
            return False
        return True

    def _write_identity_index(
        self, matcher: _Matcher, built: _InThread[IdentityIndex] | None = None
    ) -> None:
        """After a whole write of the papers file, its identity index (best effort);
        `built`: the index of the documents written, built while they were committed
        (see `_write_papers`), named here for the version written."""
        storage = self._storages[PAPERS]
        data = storage.read()
        if storage.written is None or data is None or storage.written[0] != storage.signature:
            return
        version, offsets = storage.written
        index = None if built is None else built.result()
        if index is None:
            with contextlib.suppress(ValueError):
                index = _index_of(data, offsets, matcher)
        if index is None:
            return
        index.papers = version
        with contextlib.suppress(OSError, ValueError):
            index.write(self._identity_path)

    def _extend_word_index(
        self,
        before: tuple[Signature | None, Signature | None],
        new: list[Paper],
    ) -> None:
        """After an import that changed no paper's title or abstract, keep the stored
        word index current: the new papers' words go to its tail file (the daily case:
        a few KB written, nothing indexed again; see `wordfile.extend`); with no new
        paper (an enrichment), the same index named for the new catalogue versions
        (`wordfile.restamp`: the tail file alone is written).

        Best effort, under the import's lock: if the index was not current before, or
        cannot be written, it is stale, and the TUI rebuilds it at its next start (at
        100,000 papers ~15 s: what an enrichment cost before it was restamped).
        """
        path = wordfile.word_index_path(self.paths)
        if not path.exists():
            return
        after = (signature(self.paths.papers), signature(self.paths.abstracts))
        if not new:
            with contextlib.suppress(OSError, ValueError):  # derived: stale if not written
                wordfile.restamp(path, before, after)
            return
        from readlist.query.words import searchable  # not imported by every command

        added = [(p.id, searchable(p.title, p.abstract)) for p in new]
        with contextlib.suppress(OSError, ValueError):  # the import itself is written
            wordfile.extend(path, before, added, after)

    def set_removed(
        self, ids: Iterable[str], removed: bool, *, label: str | None = None
    ) -> list[str]:
        """Remove papers from the library (or bring removed ones back); the ids changed.

        A removed paper stays in the catalogue, marked with the time it was removed, so
        that it can be restored; its annotations are kept too. With a `label`, the change
        is recorded in the undo history.
        """
        wanted = set(ids)
        with self.locked(), gc_paused():
            docs = self._table(PAPERS)
            stamp = now()
            changed = {
                pid: {**doc, "removed": stamp if removed else None}
                for pid, doc in docs.items()
                if pid in wanted and (doc["removed"] is not None) != removed
            }
            if changed:
                self._write_removed(changed)
                if label is not None:
                    flags = {pid: (not removed, removed) for pid in changed}
                    self._record(history.Entry(label=label, time=now(), removed=flags))
        return list(changed)

    def _migrate_on_disk(self) -> None:
        """Rewrite a catalogue read in an older format (under the lock, before a write).

        The old file is kept as `<file>.v1.bak` (once: never overwritten), so that an
        older readlist's library can always be recovered.
        """
        seen = self._current_papers
        unread = self._storages[PAPERS].signature is None
        on_disk = signature(self.paths.papers)
        if unread and seen is not None and on_disk == seen:
            return  # seen in the current format by `ids_by_prefix`, and unchanged since
        checked = on_disk is not None and on_disk == self._valid.get(PAPERS)
        if checked and PAPERS not in self._old_format:
            # Checked in the current format and unchanged since: no need to read it
            # again (the TUI's store drops its copy after loading; a re-read was ~1 s
            # per annotation write at 100k papers, a cached one 30 ms).
            return
        self._table(PAPERS)
        if PAPERS not in self._old_format:
            return
        self._write_papers({}, None)

    def _abstracts_of(self, ids: set[str]) -> dict[str, str]:
        """The abstracts of these papers (checked), reading no other abstract of the
        large file if it can (the recent file, small, first: see `abstracts`)."""
        storage = self._storages[ABSTRACTS]
        if not ids:
            return {}
        recent = self._table(RECENT)
        found = {pid: recent[pid]["text"] for pid in ids if pid in recent}
        rest = ids - found.keys()  # the recent file's abstract wins: the others only
        if not rest:
            return found  # (papers imported lately: the large file is not read at all)
        docs = storage.some_documents(rest)
        if docs is None:
            docs = self._table(ABSTRACTS)  # not laid out a line each: read it whole
        else:
            VALIDATORS[ABSTRACTS](storage.path, docs)
        found.update((pid, docs[pid]["text"]) for pid in rest if pid in docs)
        return found

    def _write_abstracts(
        self, abstracts: dict[str, str], progress: Progress | None, *, new: bool
    ) -> None:
        """Write these papers' abstracts, into the recent file as a rule.

        The abstracts file is the largest of the library (157 MB at 100,000 papers);
        rewriting it for the 30 abstracts of a daily import was most of that import.
        So new and changed abstracts go to a small second file, `<abstracts>.recent`,
        rewritten whole (its earlier documents and these); every read takes it over
        the large file (`abstracts`, `_abstracts_of`). Once it passes `fold_limit` of
        the large file, an import folds it in (`_fold_recent`). While it is empty, an
        import larger than that limit (the first import of a library) writes the large
        file directly, as before: its other lines copied, not parsed (see
        `AtomicJSONStorage.rewrite_documents`; `new`: no paper of `abstracts` is in the
        papers file).

        Written before the papers file, so that the papers file (which defines what is
        in the library) never names a paper whose abstract is missing; within an
        import, as the commit point of `_commit_catalogue`.
        """
        total = len(abstracts)
        if progress:
            progress(f"writing {ABSTRACTS}", 0, total)
        storage = self._storages[ABSTRACTS]
        docs = {pid: {"text": text} for pid, text in abstracts.items()}
        recent = self._table(RECENT)
        big = signature(self.paths.abstracts)
        size = sum(len(text) + 40 for text in abstracts.values())
        if recent or (big is not None and size <= fold_limit(big[1])):
            self._write_recent({**recent, **docs})
        elif not storage.rewrite_documents(docs, new=new):
            # Missing, or written whole by an older readlist: the whole table.
            table = {**self._table(ABSTRACTS), **docs}
            storage.write({ABSTRACTS: table})
            self._valid[ABSTRACTS] = storage.signature  # checked on reading, or new
        self._tables[ABSTRACTS].clear_cache()
        if progress:
            progress(f"writing {ABSTRACTS}", total, total)

    def _write_recent(self, table: dict[str, Any]) -> None:
        """Replace the recent-abstracts file with `table` (atomically; see `storage`)."""
        storage = self._storages[RECENT]
        storage.write({RECENT: table})
        self._valid[RECENT] = storage.signature  # checked on reading, or new
        self._tables[RECENT].clear_cache()

    def _fold_recent(self, *, force: bool = False) -> bool:
        """Fold the recent abstracts into the abstracts file once the recent file has
        passed `fold_limit` (or with `force`); whether it did. Under the lock.

        Two atomic replaces, in this order: the abstracts file with the recent
        documents replacing or following its own, then the recent file, emptied. A
        reader takes the recent file over the large one, so every state in between
        (and a kill between the two) holds the same abstracts; a reader reads the
        recent file first (`abstracts`), so it never meets the emptied recent file
        beside the old large one. The papers file is not touched: to the TUI this is
        not a new catalogue. The stored word index, current before, is kept current
        (`wordfile.restamp`: the same index, named for the new abstracts version).
        """
        path = self._storages[RECENT].path
        size = signature(path)
        big = signature(self.paths.abstracts)
        if size is None or not (force or size[1] > fold_limit(big[1] if big else 0)):
            return False
        recent = self._table(RECENT)
        if not recent:
            return False
        before = (signature(self.paths.papers), big)
        self._write_abstracts_whole(recent)
        self._write_recent({})
        after = (signature(self.paths.papers), signature(self.paths.abstracts))
        with contextlib.suppress(OSError, ValueError):  # derived: stale if not written
            wordfile.restamp(wordfile.word_index_path(self.paths), before, after)
        return True

    def _write_abstracts_whole(self, docs: dict[str, Any]) -> None:
        """The abstracts file with `docs` replacing or following its documents."""
        storage = self._storages[ABSTRACTS]
        if not storage.rewrite_documents(docs):
            table = {**self._table(ABSTRACTS), **docs}
            storage.write({ABSTRACTS: table})
            self._valid[ABSTRACTS] = storage.signature
        self._tables[ABSTRACTS].clear_cache()

    def _write_papers(
        self,
        changed: dict[str, dict[str, Any]],
        progress: Progress | None,
        *,
        abstracts: Callable[[], None] | None = None,
        index_of: _Matcher | None = None,
    ) -> _InThread[IdentityIndex] | None:
        """Write the papers file: the documents read (checked, migrated), with `changed`
        replacing or (new ids) following them; with `abstracts` (the write of the
        abstracts file), both as one commit (see `_commit_catalogue`).

        With `abstracts` and `index_of` (the identity keys known, by paper id), the
        identity index of the documents written is built in a thread during the commit
        and returned, for `_write_identity_index` to name and write once the file is in
        place: at 100,000 papers the build (~0.25 s, hashing and sorting the keys) then
        runs while this thread waits for the 157 MB of abstracts to be written and
        synced (~0.3 s in which it does not hold the interpreter), not after them.

        The documents are written as they are held, not rebuilt from `Paper`s; the
        storage forgets them if the write fails, so memory never holds what disk does
        not. A catalogue read in an older format is first kept as `<file>.v1.bak`.
        """
        total = len(changed)
        if PAPERS in self._old_format:
            old = self.paths.papers
            kept = old.with_name(old.name + OLD_FORMAT_SUFFIX)
            if old.exists() and not kept.exists():
                try:
                    atomic_copy(old, kept)
                except OSError as error:
                    raise LibraryWriteError(
                        f"{kept}: could not keep a copy of the old-format catalogue "
                        f"({error.strerror or error}); nothing was changed"
                    ) from None
        if progress:
            progress(f"writing {PAPERS}", 0, total)
        storage = self._storages[PAPERS]
        # The start file is brought to the new version only from a current-format file
        # (its other documents are then written as they were read).
        current = PAPERS not in self._old_format
        before: Signature | None = None
        built: _InThread[IdentityIndex] | None = None
        if abstracts is None:
            with storage.batch():
                data = storage.read() or {}
                before = storage.signature if current else None
                data.setdefault(PAPERS, {}).update(changed)
                storage.write(data)
        else:
            try:
                data = storage.read() or {}
                before = storage.signature if current else None
                data.setdefault(PAPERS, {}).update(changed)
                blob, offsets = storage.encode(data)
                if index_of is not None and offsets is not None:
                    # (reads `data` and the keys only; neither changes until it is joined)
                    with contextlib.suppress(RuntimeError):  # no thread: built after
                        built = _InThread(partial(_index_of, data, offsets, index_of))
                try:
                    written = self._commit_catalogue([blob], abstracts)
                finally:
                    if built is not None:
                        built.join()  # never left running past the write, even failed
            except BaseException:
                storage.forget()
                raise
            storage.adopt(data, written, offsets)
        self._tables[PAPERS].clear_cache()
        self._valid[PAPERS] = storage.signature
        self._old_format.discard(PAPERS)
        self._extend_start_file(before, storage.signature, changed)
        if progress:
            progress(f"writing {PAPERS}", total, total)
        return built

    # -- one commit for both catalogue files ----------------------------------------------

    @property
    def _staged_papers(self) -> Path:
        return self.paths.papers.with_name(self.paths.papers.name + STAGED_SUFFIX)

    @property
    def _commit_record(self) -> Path:
        return self.paths.papers.with_name(self.paths.papers.name + COMMIT_SUFFIX)

    def _commit_catalogue(
        self, papers: Iterable[bytes | bytearray | memoryview], write_abstracts: Callable[[], None]
    ) -> Signature:
        """Replace the abstracts file (`write_abstracts`) and the papers file (`papers`)
        so that a kill at any moment leaves both old or both new; the papers file's
        version.

        The papers file names what is in the library, so a kill between two plain
        replaces left new abstracts beside the old papers (an abstract lengthened by an
        import, without the metadata that came with it). Now the new papers file is
        staged first (`<papers>.next`, whole and synced), then a commit record names it
        and the versions of the abstracts file and of the recent-abstracts file before
        the write; then one of those is replaced (`_write_abstracts`) and the staged
        file renamed into place. A process that finds the record (`_finish_commit`, at
        open, under the lock) renames the staged file into place if either abstracts
        file is no longer the version recorded (it was replaced: the commit goes
        through), and deletes it otherwise (nothing changed).
        Raises OSError or `LibraryWriteError`; if the abstracts file was already
        replaced, the record and the staged file stay for the next open to finish.
        """
        path, staged, record = self.paths.papers, self._staged_papers, self._commit_record
        before: tuple[Signature | None, Signature | None] | None = None
        recorded = False
        self._committing = True
        try:
            atomic_write_parts(staged, papers, newer_than=path)
            before = self._abstracts_versions()
            entry = {
                "readlist": "catalogue-commit",
                "staged": staged.name,
                "abstracts": before[0],
                "recent": before[1],
                "papers": signature(path),
            }
            atomic_write(record, orjson.dumps(entry))
            recorded = True
            write_abstracts()
            os.replace(staged, path)
        except BaseException:
            if not recorded or self._abstracts_versions() == before:
                for leftover in (staged, record):
                    with contextlib.suppress(OSError):
                        leftover.unlink()
            raise
        finally:
            self._committing = False
        with contextlib.suppress(OSError):
            record.unlink()
        fsync_dir(path.parent)
        written = signature(path)
        assert written is not None
        return written

    def _abstracts_versions(self) -> tuple[Signature | None, Signature | None]:
        """The versions of the abstracts file and the recent file: an import's commit
        point is the replace of one of them (see `_write_abstracts`)."""
        return signature(self.paths.abstracts), signature(self._storages[RECENT].path)

    def commit_pending(self) -> bool:
        """Whether a killed import left a catalogue commit to finish (see `_finish_commit`)."""
        return self._staged_papers.exists() or self._commit_record.exists()

    def _finish_commit(self) -> str | None:
        """Finish (or undo) a catalogue commit a killed process left; what was done.
        Under the lock."""
        staged, record = self._staged_papers, self._commit_record
        if not (staged.exists() or record.exists()):
            return None
        done = "undone"
        try:
            entry = orjson.loads(read_regular(record)) if record.exists() else None
        except (OSError, LibraryError, orjson.JSONDecodeError):
            entry = None  # written atomically: unreadable means not ours
        if (
            isinstance(entry, dict)
            and entry.get("readlist") == "catalogue-commit"
            and entry.get("staged") == staged.name
            and staged.exists()
        ):
            current = [list(v) if v else None for v in self._abstracts_versions()]
            # A record without "recent" is from before the recent file: only the
            # abstracts file could have been replaced.
            before = [entry.get("abstracts"), entry.get("recent", current[1])]
            papers = signature(self.paths.papers)
            # Only over the papers file the commit started from: one written since (by
            # a program that did not finish the commit first) is newer than the staged.
            if current != before and (list(papers) if papers else None) == entry.get("papers"):
                os.replace(staged, self.paths.papers)  # the abstracts were written: go on
                done = "completed"
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        with contextlib.suppress(FileNotFoundError):
            record.unlink()
        fsync_dir(self.paths.papers.parent)
        return done

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the library's cross-process lock (every write does, and `doctor`).

        Only a failure to take the lock is reported here as one; errors of the work
        done under it pass through as they are.
        """
        import filelock  # imported at first use, as `_lock` is made

        try:
            self.paths.annotations.parent.mkdir(parents=True, exist_ok=True)
            # Poll often: with filelock's default 50 ms, a process writing back to back
            # can keep another waiting for seconds.
            # The timeout is read here, not at open: a store opened early (the TUI's
            # writer) follows the module's value as it is now.
            self._lock.acquire(timeout=LOCK_TIMEOUT, poll_interval=LOCK_POLL)
        except filelock.Timeout:
            raise LibraryWriteError(
                f"{self.paths.annotations}: another readlist process has held the library "
                f"lock for {LOCK_TIMEOUT:.0f} s; nothing was changed"
            ) from None
        except PermissionError as error:
            raise LibraryWriteError(
                f"{error.filename or self.paths.lock}: permission denied; nothing was changed"
            ) from None
        except OSError as error:
            reason = error.strerror or error
            raise LibraryWriteError(
                f"{self.paths.lock}: cannot lock the library ({reason}); nothing was changed"
            ) from None
        try:
            if self._lock.lock_counter == 1 and not self._committing and self.commit_pending():
                # Another process was killed in a catalogue commit: finish (or undo) it
                # before this write reads the catalogue, or the write would keep the
                # half-done state and a later open would roll the old commit over it.
                try:
                    self._finish_commit()
                except OSError as error:
                    raise LibraryWriteError(
                        f"{self._staged_papers}: cannot finish an interrupted import "
                        f"({error.strerror or error}); nothing was changed"
                    ) from None
            yield
        finally:
            self._lock.release()


def fold_limit(abstracts_size: int) -> int:
    """The size past which the recent-abstracts file is folded (see `FOLD_SHARE`)."""
    return min(FOLD_MAX, max(FOLD_MIN, int(abstracts_size * FOLD_SHARE)))


def listings_papers(listings: Sequence[Sequence[Paper]]) -> Iterator[Paper]:
    """Every paper of the listings, as the store will write it (see `printable`)."""
    for listing in listings:
        yield from map(printable, listing)


def _content(annotation: Annotation) -> tuple[object, ...]:
    """What the user said, without when they said it."""
    return annotation.content


def _salvageable(name: str, path: Path) -> int:
    """How many documents `doctor --repair` could salvage from a damaged file."""
    from readlist.store.doctor import salvage  # doctor builds on this module

    try:
        return len(salvage(name, path).documents)
    except (OSError, LibraryError):
        return 0


def keep_if_damaged(name: str, bak: Path, *, thorough: bool = True) -> Path | None:
    """Move a damaged backup aside; where it went, if it was moved.

    Even one `doctor` cannot salvage from: it may be the only copy of some work, and a
    person may still read it. Not `thorough`: only the end of the file is read, to see
    that it was not cut off. Raises OSError if it cannot be moved (then it must not be
    written over either).
    """
    try:
        with open_regular(bak) as reader:
            if thorough:
                blob = reader.read()
            else:
                reader.seek(max(0, os.fstat(reader.fileno()).st_size - 64))
                blob = reader.read()
    except (OSError, LibraryError):
        return None  # gone, unreadable, or not a file at all: nothing to keep
    if not blob.strip():
        return None
    try:
        if thorough:
            parse_library_json(bak, blob, name)
        elif not blob.rstrip().endswith(b"}"):
            raise LibraryError(f"{bak}: cut off")
    except LibraryError:
        aside = aside_path(bak, "damaged")
        os.rename(bak, aside)
        return aside
    return None


def aside_path(path: Path, why: str) -> Path:
    """A free name beside `path` to keep a copy under (`<file>.<why>-<time>`)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{why}-{stamp}")
    n = 1
    while aside.exists() or aside.is_symlink():
        n += 1
        aside = path.with_name(f"{path.name}.{why}-{stamp}-{n}")
    return aside


_ANNOTATION_FIELDS = ("tags", "rating", "read", "note", "updated", "dismissed")
assert tuple(f.name for f in fields(Annotation)) == _ANNOTATION_FIELDS, "see _stamped"


def _stamped(annotation: Annotation, stamp: str) -> Annotation:
    """`replace(annotation, updated=stamp)` without its keyword call of `__init__`:
    ~4x faster, once per paper of a change (1,000 for a bulk one)."""
    a = annotation
    return Annotation(a.tags, a.rating, a.read, a.note, stamp, a.dismissed)


_PAPER_FIELDS = tuple(f.name for f in fields(Paper))


def _as_added(paper: Paper, pid: str, added: str) -> Paper:
    """`dataclasses.replace(paper, id=pid, added=added)`, without its keyword call of
    `__init__` (Paper has no `__post_init__`): ~3x faster, 100,000 times per first
    import."""
    new = object.__new__(Paper)
    for name in _PAPER_FIELDS:
        object.__setattr__(new, name, getattr(paper, name))
    object.__setattr__(new, "id", pid)
    object.__setattr__(new, "added", added)
    return new


_T = TypeVar("_T")
_NOT_YET = object()  # (what `_InThread` holds until its work returns)


class _InThread(Generic[_T]):
    """`work()` run in a thread of its own from now on; `result()` waits for it and
    gives what it returned, or None if it raised (for derived data, made best effort).
    The work must not write anything or take locks: only compute."""

    def __init__(self, work: Callable[[], _T]) -> None:
        self._value: object = _NOT_YET

        def run() -> None:
            try:
                self._value = work()
            except Exception:
                self._value = None

        self._thread = threading.Thread(target=run, name="readlist-compute", daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def result(self) -> _T | None:
        self._thread.join()
        value = self._value  # (still _NOT_YET if the thread ended some other way)
        return None if value is _NOT_YET else value  # type: ignore[return-value]


def _index_of(data: Data, offsets: list[int], matcher: _Matcher) -> IdentityIndex:
    """The identity index of the papers table of `data`, encoded with its documents at
    `offsets` (`dumps_with_offsets`); its version is a placeholder the caller replaces
    with the version written. The keys `matcher` computed are reused. Raises
    ValueError if the offsets do not fit the documents."""
    key_of = matcher.key_of
    entries = [
        (
            pid,
            key_of.get(pid) or identity_key(doc["title"]),
            doc["arxiv_id"],
            doc["removed"] is not None,
        )
        for pid, doc in data.get(PAPERS, {}).items()
    ]
    return IdentityIndex.build((0, 0, 0), entries, offsets)


@lru_cache(maxsize=4096)
def _key_of(title: str) -> str:
    """`identity_key`, remembered for the titles of the import under way: each arriving
    title is keyed to find it, to add it, and (reading the catalogue whole) to say which
    keys to look for; at 100,000 papers keying each title once is ~0.4 s."""
    return identity_key(title)


@dataclass(slots=True)
class _AllNew:
    """The papers of a first import in which every paper is new (see `Store._import`),
    with what the import's loop would have made of them."""

    reports: list[ImportReport]
    papers: list[Paper]
    """As they came, in order; each one's id is its id in the library."""
    docs: dict[str, dict[str, Any]]
    abstracts: dict[str, str]
    matcher: _Matcher
    """Only its identity keys by paper id (`key_of`), for the identity index."""

    @classmethod
    def of(cls, listings: Sequence[Sequence[Paper]], stamp: str) -> _AllNew | None:
        """None unless there are papers and, going through them in order, the loop of
        an import into an empty library would add each under its own id: no two have
        the same identity key, the same arXiv id or the same id (`_Matcher.find` and
        `new_id` then never find one). Otherwise the loop merges them, as always."""
        papers = [paper for listing in listings for paper in listing]
        keys = [identity_key(paper.title) for paper in papers]
        pids = [paper.id for paper in papers]
        arxiv = [a for paper in papers if (a := paper.arxiv_id)]
        n = len(papers)
        if not n or len(set(keys)) < n or len(set(pids)) < n or len(set(arxiv)) < len(arxiv):
            return None
        matcher = _Matcher(())
        matcher.key_of = dict(zip(pids, keys, strict=True))
        return cls(
            reports=[
                ImportReport(added=[p.id for p in listing], ids=[p.id for p in listing])
                for listing in listings
            ],
            papers=papers,
            docs={paper.id: new_paper_doc(paper, paper.added or stamp) for paper in papers},
            abstracts={paper.id: paper.abstract for paper in papers},
            matcher=matcher,
        )


class _Matcher:
    """Finds the library paper an incoming one is: by arXiv id, else by title identity."""

    def __init__(self, papers: Iterable[Paper]) -> None:
        self.by_key: dict[str, str] = {}
        self.by_arxiv: dict[str, str] = {}
        self.ids: set[str] = set()
        self.key_of: dict[str, str] = {}  # the identity keys computed, by paper id
        for paper in papers:
            self.add(paper)

    @classmethod
    def of_documents(cls, docs: dict[str, Any], keys: Collection[str] | None = None) -> _Matcher:
        """The matcher of the papers these documents hold, without building them.

        With `keys` (the identity keys of every paper that will be looked up), only
        those keys are mapped: an ASCII title's key is made of words found in the
        lower-cased title, so titles without a key's longest word are not keyed at all
        (at 100,000 papers, keying every title was most of a 30-paper import's
        matching). Papers `add`ed later are keyed as always.
        """
        matcher = cls(())
        by_key, by_arxiv = matcher.by_key, matcher.by_arxiv
        matcher.ids = set(docs)
        for pid, doc in docs.items():
            if arxiv := doc["arxiv_id"]:
                by_arxiv.setdefault(arxiv, pid)
        if keys is None or not all(key.isascii() and key.strip() for key in keys):
            key_of = matcher.key_of
            for pid, doc in docs.items():
                key_of[pid] = key = identity_key(doc["title"])
                by_key.setdefault(key, pid)
            return matcher
        wanted = set(keys)
        pids = list(docs)
        titles = [doc["title"] for doc in docs.values()]
        found: set[int] = set()  # positions of titles that may have a wanted key
        ascii_at: list[int] = []
        for i, title in enumerate(titles):
            if title.isascii():
                ascii_at.append(i)
            else:
                found.add(i)  # its key is not the lower-cased title's words: key it
        text = "\n".join(titles[i] for i in ascii_at).lower()  # titles hold no newline
        starts = list(accumulate((len(titles[i]) + 1 for i in ascii_at), initial=0))
        for word in {max(key.split(), key=len) for key in wanted}:
            at = text.find(word)
            while at >= 0:
                found.add(ascii_at[bisect_right(starts, at) - 1])
                at = text.find(word, at + 1)
        for i in sorted(found):
            if (key := identity_key(titles[i])) in wanted:
                by_key.setdefault(key, pids[i])
        return matcher

    def add(self, paper: Paper) -> None:
        self.ids.add(paper.id)
        self.key_of[paper.id] = key = _key_of(paper.title)
        self.by_key.setdefault(key, paper.id)
        if paper.arxiv_id:
            self.by_arxiv.setdefault(paper.arxiv_id, paper.id)

    def find(self, paper: Paper) -> str | None:
        if paper.arxiv_id and (pid := self.by_arxiv.get(paper.arxiv_id)):
            return pid
        return self.by_key.get(_key_of(paper.title))

    def new_id(self, paper: Paper) -> str:
        """The paper's own id, unless an older paper (identified by an older rule) has it."""
        pid, n = paper.id, 0
        while pid in self.ids:
            n += 1
            pid = paper_id(f"{paper.title}\x00{n}")
        return pid


class _IndexMatcher:
    """`_Matcher` over an indexed catalogue: the library's papers are looked up through
    the identity index (first in catalogue order), the papers added since in memory."""

    def __init__(self, catalogue: IndexedCatalogue) -> None:
        self.catalogue = catalogue
        self.since = _Matcher(())

    def add(self, paper: Paper) -> None:
        self.since.add(paper)

    def find(self, paper: Paper) -> str | None:
        if paper.arxiv_id and (
            pid := self.catalogue.by_arxiv(paper.arxiv_id)
            or self.since.by_arxiv.get(paper.arxiv_id)
        ):
            return pid
        key = _key_of(paper.title)
        return self.catalogue.by_key(key) or self.since.by_key.get(key)

    def new_id(self, paper: Paper) -> str:
        """As `_Matcher.new_id`."""
        pid, n = paper.id, 0
        while pid in self.catalogue or pid in self.since.ids:
            n += 1
            pid = paper_id(f"{paper.title}\x00{n}")
        return pid
