"""The library's undo history: `<library>.history.json`, shared by every process.

One history per library, so that `readlist undo` undoes the last change made from any
front end (the CLI, any TUI). Each entry keeps, per paper, what the change found and what
it wrote: annotations (as documents) and the removed mark. Entries before `position` are
done, the ones after it are undone (redo-able).

The file is a journal, one JSON record a line, written under the library's lock right
after the change it records: a header, then `{"entry": …}` (a new change: what was
undone can no longer be redone) and `{"position": n}` (an undo or redo) lines. A change
appends one line and fdatasyncs the file: one sync, where rewriting the file atomically
took two (the file and its folder) and a rename, which together were a third of a
rating's time to disk at 100k papers (~11 of 30 ms, benchmarks/bench_writes.py). The
folder is synced only when the file is created, which (like compaction) is an atomic
rewrite (`storage.atomic_write`). A line cut short (a process killed while appending)
is ignored on read, and the next change rewrites the file; any other damage is
reported. Version-1 files (one JSON document, rewritten whole) are read, and rewritten
as a journal by the next change.

An undo writes `before` back only where a paper still holds `after` (compare-and-set);
a paper another process changed since is left alone and counted as skipped. That rule
also makes the one non-atomic step safe: a crash between a change and its history entry
loses only the entry (the change cannot be undone), never anything the user typed.

Bounded: at most `MAX_ENTRIES` entries and about `MAX_BYTES` of them (the newest entry is
always kept, however large: a bulk change of 100,000 papers is ~10 MB). The journal is
compacted (rewritten atomically, within those bounds) once it holds `2 * MAX_ENTRIES`
records or would pass `MAX_BYTES`: rarely. A compaction costs two syncs and a rename
where an append costs one sync (and rewrites what the kept entries hold: a recent
import's entry is 1.6 MB at 100,000 papers): 2-24 ms, ~15 typical, against ~1-4 ms here.
A front end whose changes someone waits for (the TUI's writer) asks for it later
(`HistoryFile(compact_later=True)`): the change's entry is then appended, as any other,
and `compact` rewrites the journal after the change was delivered, between keys. Such a
journal is still bounded: past `LATER` times those bounds an append compacts at once, as
before.

`HistoryFile` keeps what it last read or wrote (the entries and each one's JSON) while
the file is unchanged on disk (its signature), and reads only the lines another process
appended since: recording parses nothing and serialises only the new entry.

Reading a journal checks every line's shape (an entry or a position, positions in range)
but reads an entry's papers only when the entry is used (`_Body`): a full import's entry
names every paper it added (3 MB at 100,000 papers), and every later change's append
would otherwise parse and check it (~0.15 s of a `readlist rate` at 100k). An entry's
head (id, time, label) is read at once from the line as readlist writes it; a line
written otherwise is read whole and checked at once, as before. Damage inside an entry's
papers is reported by the undo or redo that needs that entry (nothing of it is applied)
and by `readlist doctor` (`check_entries`), not by a change: the history before it stays
undoable down to it. Damage in a line's shape is reported at read, and the next change
keeps such a file aside and starts anew.

    {"readlist":"history","version":2}
    {"entry":{"id":"…","time":"…","label":"rated 4/5: 1 paper",
              "annotations":{"<pid>":[<doc or null>,<doc or null>]},
              "removed":{"<pid>":[false,true]}}}
    {"entry":{"id":"…","time":"…","label":"imported","added":"<pid><pid>…"}}
    {"position":0}

An import's entry (`Entry.added`: every paper it added went from removed to kept, which
its undo reverses) is written as `"added"`, the papers' ids packed into one string of 16
characters each, not as `"removed"` pairs: at 100,000 papers that is one 1.6 MB string
for orjson to write (~1 ms), where building and writing 100,000 pairs took ~0.1 s of CPU
(and more with the collector running over the import's objects). In memory it reads as
the same `removed` mapping, so undo and redo treat both forms alike. Entries written as
`"removed"` pairs (every readlist before this form) read as before. A readlist older
than this form reads such an entry as naming no papers: its undo would undo nothing.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson

from readlist.errors import LibraryError, LibraryWriteError
from readlist.models import Annotation
from readlist.paths import LibraryPaths
from readlist.store.documents import PAPER_ID, annotation_from_doc, annotation_to_doc
from readlist.store.storage import Signature, atomic_write, open_regular, signature

MARK = "history"
VERSION = 2
WHOLE_VERSION = 1  # one JSON document rewritten whole: read, and rewritten as a journal
MAX_ENTRIES = 200
MAX_BYTES = 20_000_000
LATER = 2  # with `compact_later`, a journal may grow to LATER times the bounds below


def history_path(paths: LibraryPaths) -> Path:
    db = paths.annotations
    stem = db.name[: -len(".json")] if db.name.endswith(".json") else db.name
    return db.with_name(f"{stem}.history.json")


@dataclass(frozen=True, slots=True)
class Entry:
    """One undoable change: what each paper held before it and after it."""

    label: str
    time: str
    annotations: Mapping[str, tuple[Annotation, Annotation]] = field(default_factory=dict)
    removed: Mapping[str, tuple[bool, bool]] = field(default_factory=dict)
    id: str = field(default_factory=lambda: os.urandom(6).hex())

    @property
    def papers(self) -> int:
        return len(set(self.annotations) | set(self.removed))

    @property
    def is_empty(self) -> bool:
        return not self.annotations and not self.removed


@dataclass(slots=True)
class History:
    entries: list[Entry] = field(default_factory=list)
    position: int = 0
    """How many entries are done; the rest can be redone."""

    @property
    def undoable(self) -> Entry | None:
        return self.entries[self.position - 1] if self.position else None

    @property
    def redoable(self) -> Entry | None:
        return self.entries[self.position] if self.position < len(self.entries) else None

    def record(self, entry: Entry) -> None:
        """A new change: what was undone can no longer be redone."""
        del self.entries[self.position :]
        self.entries.append(entry)
        if len(self.entries) > MAX_ENTRIES:
            del self.entries[: len(self.entries) - MAX_ENTRIES]
        self.position = len(self.entries)


def _annotation_doc(annotation: Annotation) -> dict[str, Any] | None:
    return None if annotation.is_empty else annotation_to_doc(annotation)


def added_entry(label: str, time: str, ids: Iterable[str]) -> Entry:
    """The entry of an import that added the papers `ids` (each once, in order): undone,
    they are removed again; redone, kept. Written compactly (see the module docstring)."""
    unique = dict.fromkeys(ids)
    packed = "".join(unique)
    if len(packed) == 16 * len(unique) and _hex_digits(packed):
        removed: Mapping[str, tuple[bool, bool]] = Added(packed)
    else:  # (never, with ids from `paper_id`): the pairs, as before
        removed = {pid: (True, False) for pid in unique}
    return Entry(label=label, time=time, removed=removed)


class Added(Mapping[str, tuple[bool, bool]]):
    """An import's removed flags, `(True, False)` for each paper it added, held as the
    papers' ids packed into one string (16 characters each, checked by the maker)."""

    __slots__ = ("_index", "packed")

    def __init__(self, packed: str) -> None:
        self.packed = packed
        self._index: dict[str, int] | None = None

    def _ids(self) -> dict[str, int]:
        if self._index is None:
            packed = self.packed
            self._index = {packed[i : i + 16]: i for i in range(0, len(packed), 16)}
        return self._index

    def __getitem__(self, pid: str) -> tuple[bool, bool]:
        if pid not in self._ids():
            raise KeyError(pid)
        return True, False

    def __iter__(self) -> Iterator[str]:
        packed = self.packed
        return (packed[i : i + 16] for i in range(0, len(packed), 16))

    def __len__(self) -> int:
        return len(self.packed) // 16


def _entry_to_doc(entry: Entry) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": entry.id,
        "time": entry.time,
        "label": entry.label,
        "annotations": {
            pid: [_annotation_doc(before), _annotation_doc(after)]
            for pid, (before, after) in entry.annotations.items()
        },
    }
    if isinstance(entry.removed, Added):
        doc["added"] = entry.removed.packed
    else:
        doc["removed"] = {pid: [before, after] for pid, (before, after) in entry.removed.items()}
    return doc


def _entry_from_doc(path: Path, doc: object) -> Entry:
    damaged = LibraryError(f"{path}: the undo history is damaged (an entry is malformed)")
    if not isinstance(doc, dict):
        raise damaged
    label, time, eid = doc.get("label"), doc.get("time"), doc.get("id")
    annotations, removed = doc.get("annotations", {}), doc.get("removed", {})
    added = doc.get("added")
    if not (
        isinstance(label, str)
        and isinstance(time, str)
        and isinstance(eid, str)
        and isinstance(annotations, dict)
        and isinstance(removed, dict)
    ):
        raise damaged
    # An import's papers, packed (`Added`): 16 hex digits each, each once, and no removed
    # pairs beside them (readlist writes one form or the other).
    if added is not None and not (
        isinstance(added, str)
        and not removed
        and len(added) % 16 == 0
        and _hex_digits(added)
        and len(set(Added(added))) == len(added) // 16
    ):
        raise damaged
    pairs: dict[str, tuple[Annotation, Annotation]] = {}
    for pid, pair in annotations.items():
        if not (PAPER_ID.fullmatch(pid) and isinstance(pair, list) and len(pair) == 2):
            raise damaged
        before, after = (
            Annotation() if d is None else annotation_from_doc(path, pid, d) for d in pair
        )
        pairs[pid] = (before, after)
    # An import's entry names every paper it added (100,000 of them): checked in bulk,
    # not paper by paper, so that every change's append does not pay for reading it.
    if removed:
        ids = "\n".join(removed)  # ids of 16 characters, as many as there are keys
        if not (
            len(ids) == 17 * len(removed) - 1
            and _IDS.fullmatch(ids)
            and all(
                type(pair) is list
                and len(pair) == 2
                and type(pair[0]) is bool
                and type(pair[1]) is bool
                for pair in removed.values()
            )
        ):
            raise damaged
    flags: Mapping[str, tuple[bool, bool]] = _Flags(removed) if added is None else Added(added)
    return Entry(label=label, time=time, annotations=pairs, removed=flags, id=eid)


class _Flags(Mapping[str, tuple[bool, bool]]):
    """An entry's removed flags as read (checked, each `[before, after]`), turned into
    pairs only when asked: most entries read are never undone."""

    __slots__ = ("_raw",)

    def __init__(self, raw: dict[str, list[bool]]) -> None:
        self._raw = raw

    def __getitem__(self, pid: str) -> tuple[bool, bool]:
        before, after = self._raw[pid]
        return before, after

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


_IDS = re.compile(rf"{PAPER_ID.pattern}(?:\n{PAPER_ID.pattern})*")


def _hex_digits(text: str) -> bool:
    """Whether `text` is only PAPER_ID's digits (ids packed, `Added`); ~10 times faster
    than a regex over 1.6 MB."""
    return text.isascii() and not text.encode("ascii").translate(None, b"0123456789abcdef")


_ENTRY_LINE = b'{"entry":'
# The head of an entry as `_entry_to_doc` writes it: its id, time and label (JSON strings)
# come first, before the papers. What an entry says of its papers can be large (an
# import's names every paper it added: 3 MB at 100,000 papers), and is read only when the
# entry is used (`_Body`).
_JSON_STRING = rb'"(?:[^"\\]|\\.)*"'
_HEAD = re.compile(rb'\{"id":(%s),"time":(%s),"label":(%s)[,}]' % ((_JSON_STRING,) * 3))
_V = TypeVar("_V")


def _outline(path: Path, blob: bytes) -> Entry | None:
    """The entry whose JSON is `blob`, its papers read and checked when first asked for
    (`_Body`); None when its head is not as readlist writes it (then it is read whole)."""
    head = _HEAD.match(blob)
    if head is None:
        return None
    try:
        eid, time, label = (orjson.loads(part) for part in head.groups())
    except orjson.JSONDecodeError:
        return None
    if not (isinstance(eid, str) and isinstance(time, str) and isinstance(label, str)):
        return None
    body = _Body(path, blob, (eid, time, label))
    return Entry(
        label=label,
        time=time,
        annotations=_Later(body.annotations),
        removed=_Later(body.removed),
        id=eid,
    )


class _Body:
    """An entry's papers, parsed and checked (`_entry_from_doc`) on first use: an append
    after a full import need not read its 100,000 ids; an undo of it, or `readlist
    doctor`, reads them, and reports damage in them."""

    __slots__ = ("_blob", "_entry", "_head", "_path")

    def __init__(self, path: Path, blob: bytes, head: tuple[str, str, str]) -> None:
        self._path, self._blob, self._head = path, blob, head
        self._entry: Entry | None = None

    def entry(self) -> Entry:
        if self._entry is None:
            try:
                doc = orjson.loads(self._blob)
            except orjson.JSONDecodeError:
                raise _damaged(self._path, "an entry is not JSON") from None
            entry = _entry_from_doc(self._path, doc)
            if (entry.id, entry.time, entry.label) != self._head:
                raise _damaged(self._path, "an entry is malformed")
            self._entry = entry
        return self._entry

    def annotations(self) -> Mapping[str, tuple[Annotation, Annotation]]:
        return self.entry().annotations

    def removed(self) -> Mapping[str, tuple[bool, bool]]:
        return self.entry().removed


class _Later(Mapping[str, _V]):
    """A mapping read when first used (see `_Body`); reading it may raise `LibraryError`."""

    __slots__ = ("_read",)

    def __init__(self, read: Callable[[], Mapping[str, _V]]) -> None:
        self._read = read

    def __getitem__(self, key: str) -> _V:
        return self._read()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


def check_entries(history: History) -> None:
    """Read and check what every entry says of its papers (`readlist doctor`); raises
    `LibraryError` at the first damaged one."""
    for entry in history.entries:
        len(entry.annotations), len(entry.removed)


def _damaged(path: Path, what: str) -> LibraryError:
    return LibraryError(f"{path}: the undo history is damaged ({what})")


def _check_version(path: Path, data: object) -> int:
    if not (isinstance(data, dict) and data.get("readlist") == MARK):
        raise LibraryError(f"{path}: not a readlist undo history")
    version = data.get("version")
    if version not in (WHOLE_VERSION, VERSION):
        raise LibraryError(
            f"{path}: undo history version {version!r} is not known (written by a newer readlist?)"
        )
    assert isinstance(version, int)
    return version


def _read_whole(path: Path, blob: bytes) -> History:
    """A version-1 file (one JSON document, rewritten whole by every change)."""
    try:
        data = orjson.loads(blob)
    except orjson.JSONDecodeError:
        raise _damaged(path, "not JSON") from None
    if _check_version(path, data) != WHOLE_VERSION:
        raise _damaged(path, "not JSON")
    assert isinstance(data, dict)
    docs, position = data.get("entries"), data.get("position")
    if not (isinstance(docs, list) and type(position) is int and 0 <= position <= len(docs)):
        raise _damaged(path, "entries or position")
    return History([_entry_from_doc(path, d) for d in docs], position)


@dataclass(slots=True)
class _Journal:
    """What replaying a journal's lines gave: the history and where it ends."""

    history: History
    blobs: dict[str, bytes]  # each entry's JSON, by entry id
    end: int  # bytes of whole lines read (a torn last line is not counted)
    records: int  # lines after the header
    torn: bool  # the file ends in a line cut short (a write killed midway)


def _replay(path: Path, blob: bytes, into: _Journal, start: int) -> None:
    """Apply the whole lines of `blob[start:]` to `into` (see the module docstring)."""
    past, at = into.history, start
    into.end = start
    while at < len(blob):
        newline = blob.find(b"\n", at)
        if newline < 0:
            into.torn = True  # cut short by a kill: that record was never acknowledged
            break
        line = blob[at:newline]
        at = into.end = newline + 1
        if not line.strip():
            continue
        if line.startswith(_ENTRY_LINE) and line.endswith(b"}"):
            body = line[len(_ENTRY_LINE) : -1]
            if (outlined := _outline(path, body)) is not None:
                into.blobs[outlined.id] = body
                past.record(outlined)
                into.records += 1
                continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise _damaged(path, "a line is not JSON") from None
        if isinstance(record, dict) and "entry" in record:
            entry = _entry_from_doc(path, record["entry"])
            into.blobs[entry.id] = orjson.dumps(record["entry"])
            past.record(entry)
        elif isinstance(record, dict) and type(record.get("position")) is int:
            if not 0 <= record["position"] <= len(past.entries):
                raise _damaged(path, "a position is out of range")
            past.position = record["position"]
        else:
            raise _damaged(path, "a line is neither an entry nor a position")
        into.records += 1


def _read_journal(path: Path, blob: bytes) -> _Journal:
    newline = blob.find(b"\n")
    try:
        head = orjson.loads(blob[:newline]) if newline >= 0 else None
    except orjson.JSONDecodeError:
        head = None
    if isinstance(head, dict) and head.get("readlist") == MARK:
        _check_version(path, head)  # a newer readlist's journal is refused, not damaged
    if not (isinstance(head, dict) and head.get("version") == VERSION):
        # Not a journal's header: a version-1 file, or damage (reported by that read).
        # `torn`: the next change rewrites it as a journal.
        return _Journal(_read_whole(path, blob), {}, len(blob), 0, torn=True)
    journal = _Journal(History(), {}, newline + 1, 0, torn=False)
    _replay(path, blob, journal, newline + 1)
    return journal


def _read_bytes(path: Path, offset: int = 0) -> bytes | None:
    try:
        with open_regular(path) as reader:
            if offset:
                reader.seek(offset)
            return reader.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise LibraryError(f"{path}: cannot read the undo history ({error.strerror})") from None


def read_history(path: Path) -> History:
    """The history on disk; an empty one when there is no file yet."""
    blob = _read_bytes(path)
    return History() if blob is None else _read_journal(path, blob).history


def _bounded(history: History, blobs: dict[str, bytes]) -> list[bytes]:
    """Drop the oldest entries beyond `MAX_BYTES` (never the newest); their JSON."""
    for entry in history.entries:
        if entry.id not in blobs:
            blobs[entry.id] = orjson.dumps(_entry_to_doc(entry))
    kept = [blobs[e.id] for e in history.entries]
    keep, total = len(kept), 0
    for i in range(len(kept) - 1, -1, -1):
        total += len(kept[i])
        if total > MAX_BYTES and i < len(kept) - 1:
            keep = len(kept) - 1 - i
            break
    dropped = len(kept) - keep
    if dropped:
        del history.entries[:dropped]
        del kept[:dropped]
        history.position = max(0, history.position - dropped)
    return kept


def _header() -> bytes:
    return orjson.dumps({"readlist": MARK, "version": VERSION}) + b"\n"


def _entry_line(blob: bytes) -> bytes:
    return b'{"entry":' + blob + b"}\n"


def _position_line(position: int) -> bytes:
    return b'{"position":' + str(position).encode() + b"}\n"


def write_history(path: Path, history: History, known: dict[str, bytes] | None = None) -> Signature:
    """Replace the file with `history` (call under the library's lock), within bounds:
    a compacted journal, written atomically. `known`: entries' JSON by entry id, used
    where present and filled in for the others. Returns the file's new signature."""
    known = {} if known is None else known
    kept = _bounded(history, known)
    body = _header() + b"".join(map(_entry_line, kept))
    if history.position != len(history.entries):
        body += _position_line(history.position)
    try:
        return atomic_write(path, body)
    except OSError as error:
        raise _not_saved(path, error) from None


def _not_saved(path: Path, error: OSError) -> LibraryWriteError:
    return LibraryWriteError(
        f"{path}: cannot save the undo history ({error.strerror or error}); the change "
        "itself was saved but cannot be undone"
    )


def _datasync(fd: int) -> None:
    """Data (and the size) on disk; where there is no fdatasync (macOS), fsync."""
    getattr(os, "fdatasync", os.fsync)(fd)


class HistoryFile:
    """The history file of one store, as a journal: what was last read or written of it
    is kept while the file is unchanged on disk, and what another process appended since
    is read alone (see the module docstring). Use under the lock."""

    def __init__(self, path: Path, *, compact_later: bool = False) -> None:
        self.path = path
        self.compact_later = compact_later  # see the module docstring and `compact`
        self._seen: Signature | None = None
        self._journal = _Journal(History(), {}, 0, 0, torn=True)  # nothing read yet

    @property
    def compaction_due(self) -> bool:
        """Whether the journal as last read or written holds more than its bounds
        (`2 * MAX_ENTRIES` records, `MAX_BYTES`): `compact` would rewrite it."""
        journal = self._journal
        if journal.torn:
            return False
        if journal.records >= 2 * MAX_ENTRIES:
            return True
        # By what the entries hold, as `_bounded` counts: the file's own size also counts
        # its lines' frames, and a journal just compacted to just under MAX_BYTES of
        # entries would be "due" again after every job. (An entry larger than MAX_BYTES,
        # the newest, is kept alone: compacting it changes nothing.)
        entries = journal.history.entries
        if journal.end <= MAX_BYTES or len(entries) < 2:
            return False
        blobs = journal.blobs
        return sum(len(blobs.get(e.id, b"")) for e in entries) > MAX_BYTES

    def compact(self) -> bool:
        """Rewrite the journal within its bounds if it has grown past them (read it
        first, under the same lock hold); whether it did. Atomic, as every rewrite:
        a crash midway leaves the journal as it was, which holds every entry."""
        if not self.compaction_due:
            return False
        past = self._journal.history
        self.write(History(list(past.entries), past.position))
        return True

    def read(self) -> History:
        """The history on disk (a copy: change it freely; `record` or `move` writes)."""
        on_disk = signature(self.path)
        journal, seen = self._journal, self._seen
        if on_disk is None:
            self._journal, self._seen = _Journal(History(), {}, 0, 0, torn=True), None
        elif on_disk != seen:
            appended = (
                seen is not None
                and not journal.torn
                and on_disk[0] == seen[0]  # the same file, grown by appends
                and on_disk[1] > seen[1] == journal.end
            )
            if appended and (more := _read_bytes(self.path, journal.end)) is not None:
                grown = _Journal(
                    History(list(journal.history.entries), journal.history.position),
                    dict(journal.blobs),
                    0,
                    journal.records,
                    torn=False,
                )
                _replay(self.path, more, grown, 0)
                grown.end += journal.end
                self._journal = grown
            else:
                blob = _read_bytes(self.path)
                self._journal = (
                    _Journal(History(), {}, 0, 0, torn=True)
                    if blob is None
                    else _read_journal(self.path, blob)
                )
            self._seen = on_disk
        past = self._journal.history
        return History(list(past.entries), past.position)

    def record(self, entry: Entry) -> None:
        """Append a new change (read first, under the same lock hold)."""
        past = self._journal.history
        grown = History(list(past.entries), past.position)
        grown.record(entry)
        blob = orjson.dumps(_entry_to_doc(entry))
        self._journal.blobs[entry.id] = blob
        self._append(grown, _entry_line(blob))

    def move(self, position: int) -> None:
        """Set how many entries are done (an undo or redo; read first)."""
        past = self._journal.history
        self._append(History(list(past.entries), position), _position_line(position))

    def write(self, history: History) -> None:
        """Replace the file with `history`, compacted; raises `LibraryWriteError`."""
        self._seen = None  # unknown until the write is done
        blobs = self._journal.blobs
        signed = write_history(self.path, history, blobs)
        kept = {e.id: blobs[e.id] for e in history.entries}
        past = History(list(history.entries), history.position)
        lines = len(kept) + (history.position != len(history.entries))
        self._journal = _Journal(past, kept, signed[1], lines, torn=False)
        self._seen = signed

    def _append(self, history: History, line: bytes) -> None:
        journal = self._journal
        later = LATER if self.compact_later else 1  # see `compact`
        if (
            journal.torn
            or self._seen is None
            or journal.records >= 2 * MAX_ENTRIES * later
            or journal.end + len(line) > MAX_BYTES * later
        ):
            # No journal to append to (none yet, a version-1 file, a line cut short),
            # or one grown past its bounds: rewritten whole, compacted, atomically.
            self.write(history)
            return
        self._seen = None  # unknown until the write is done
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NONBLOCK", 0))
        except OSError as error:
            raise _not_saved(self.path, error) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size != journal.end:
                os.close(fd)
                fd = -1
                self.write(history)  # not the file read: rewritten whole
                return
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            _datasync(fd)
            st = os.fstat(fd)
        except OSError as error:
            raise _not_saved(self.path, error) from None
        finally:
            if fd >= 0:
                os.close(fd)
        journal.history = history
        journal.end += len(line)
        journal.records += 1
        self._seen = (st.st_ino, st.st_size, st.st_mtime_ns)
