"""The library's undo history: `<library>.history.json`, shared by every process.

One history per library, so that `readlist undo` undoes the last change made from any
front end (the CLI, any TUI). Each entry keeps, per paper, what the change found and what
it wrote: annotations (as documents) and the removed mark. The file is written whole and
atomically (`storage.atomic_write`) under the library's lock, right after the change it
records; entries before `position` are done, the ones after it are undone (redo-able).

An undo writes `before` back only where a paper still holds `after` (compare-and-set);
a paper another process changed since is left alone and counted as skipped. That rule
also makes the one non-atomic step safe: a crash between a change and its history entry
loses only the entry (the change cannot be undone), never anything the user typed.

Bounded: at most `MAX_ENTRIES` entries and about `MAX_BYTES` of them (the newest entry is
always kept, however large: a bulk change of 100,000 papers is ~10 MB).

Every change a key makes records an entry, so `HistoryFile` keeps what it last read or
wrote (the entries and each one's JSON) while the file is unchanged on disk (its
signature): recording then parses nothing and serialises only the new entry. Parsing and
re-serialising the whole file had cost ~4 ms per key with a few bulk entries, growing with
the file (measured at 100k papers, where it was a third of a rating's time to disk).

    {"readlist": "history", "version": 1, "position": 2,
     "entries": [{"id": "…", "time": "…", "label": "rated 4/5: 1 paper",
                  "annotations": {"<pid>": [<doc or null>, <doc or null>]},
                  "removed": {"<pid>": [false, true]}}, …]}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from readlist.errors import LibraryError, LibraryWriteError
from readlist.models import Annotation
from readlist.paths import LibraryPaths
from readlist.store.documents import PAPER_ID, annotation_from_doc, annotation_to_doc
from readlist.store.storage import Signature, atomic_write, signature

MARK = "history"
VERSION = 1
MAX_ENTRIES = 200
MAX_BYTES = 20_000_000


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


def _entry_to_doc(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "time": entry.time,
        "label": entry.label,
        "annotations": {
            pid: [_annotation_doc(before), _annotation_doc(after)]
            for pid, (before, after) in entry.annotations.items()
        },
        "removed": {pid: [before, after] for pid, (before, after) in entry.removed.items()},
    }


def _entry_from_doc(path: Path, doc: object) -> Entry:
    damaged = LibraryError(f"{path}: the undo history is damaged (an entry is malformed)")
    if not isinstance(doc, dict):
        raise damaged
    label, time, eid = doc.get("label"), doc.get("time"), doc.get("id")
    annotations, removed = doc.get("annotations", {}), doc.get("removed", {})
    if not (
        isinstance(label, str)
        and isinstance(time, str)
        and isinstance(eid, str)
        and isinstance(annotations, dict)
        and isinstance(removed, dict)
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
    flags: dict[str, tuple[bool, bool]] = {}
    for pid, pair in removed.items():
        if not (
            PAPER_ID.fullmatch(pid)
            and isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(x, bool) for x in pair)
        ):
            raise damaged
        flags[pid] = (pair[0], pair[1])
    return Entry(label=label, time=time, annotations=pairs, removed=flags, id=eid)


def read_history(path: Path) -> History:
    """The history on disk; an empty one when there is no file yet."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return History()
    except OSError as error:
        raise LibraryError(f"{path}: cannot read the undo history ({error.strerror})") from None
    try:
        data = orjson.loads(blob)
    except orjson.JSONDecodeError:
        raise LibraryError(f"{path}: the undo history is damaged (not JSON)") from None
    if not (isinstance(data, dict) and data.get("readlist") == MARK):
        raise LibraryError(f"{path}: not a readlist undo history")
    if data.get("version") != VERSION:
        raise LibraryError(
            f"{path}: undo history version {data.get('version')!r} is not known "
            "(written by a newer readlist?)"
        )
    docs, position = data.get("entries"), data.get("position")
    if not (isinstance(docs, list) and type(position) is int and 0 <= position <= len(docs)):
        raise LibraryError(f"{path}: the undo history is damaged (entries or position)")
    return History([_entry_from_doc(path, d) for d in docs], position)


def write_history(path: Path, history: History, known: dict[str, bytes] | None = None) -> Signature:
    """Replace the file with `history` (call under the library's lock), within bounds.
    `known`: entries' JSON by entry id, used where present and filled in for the
    others. Returns the file's new signature."""
    known = {} if known is None else known
    blobs = []
    for entry in history.entries:
        if (blob := known.get(entry.id)) is None:
            blob = known[entry.id] = orjson.dumps(_entry_to_doc(entry))
        blobs.append(blob)
    keep, total = len(blobs), 0
    for i in range(len(blobs) - 1, -1, -1):
        total += len(blobs[i])
        if total > MAX_BYTES and i < len(blobs) - 1:
            keep = len(blobs) - 1 - i
            break
    dropped = len(blobs) - keep
    if dropped:
        del history.entries[:dropped]
        del blobs[:dropped]
        history.position = max(0, history.position - dropped)
    head = orjson.dumps({"readlist": MARK, "version": VERSION, "position": history.position})
    body = head[:-1] + b',"entries":[\n' + b",\n".join(blobs) + b"\n]}\n"
    try:
        return atomic_write(path, body)
    except OSError as error:
        raise LibraryWriteError(
            f"{path}: cannot save the undo history ({error.strerror or error}); the change "
            "itself was saved but cannot be undone"
        ) from None


class HistoryFile:
    """The history file of one store, with what was last read or written of it kept
    while the file is unchanged on disk (see the module docstring). Use under the lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: Signature | None = None
        self._entries: list[Entry] = []
        self._position = 0
        self._blobs: dict[str, bytes] = {}  # each kept entry's JSON, by entry id

    def read(self) -> History:
        """The history on disk (a copy: change it freely, then `write` it)."""
        on_disk = signature(self.path)
        if on_disk is None or on_disk != self._seen:
            fresh = read_history(self.path)
            self._seen = on_disk
            self._entries, self._position, self._blobs = fresh.entries, fresh.position, {}
        return History(list(self._entries), self._position)

    def write(self, history: History) -> None:
        """Replace the file with `history`; raises `LibraryWriteError` as `write_history`."""
        self._seen = None  # unknown until the write is done
        blobs = dict(self._blobs)
        self._seen = write_history(self.path, history, blobs)
        self._blobs = {e.id: blobs[e.id] for e in history.entries}  # within bounds now
        self._entries, self._position = list(history.entries), history.position
