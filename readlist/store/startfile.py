"""The start file: what the TUI's first frame needs of the papers file, in tens of ms.

The TUI's first frame at 100,000 papers spent ~0.55 s of CPU reading the 42 MB papers
file (`orjson.loads` of one object per paper, then each document's values picked out by
name) and ~0.3 s building every `Paper`, though it shows some forty. `<library>.start.json`
holds the papers file's documents so that a start parses only what every paper is needed
for (the ids and the sort keys) and each shown paper's own row when it is first shown
(readlist/catalogue.py):

    {"readlist": "start-file", "version": 2, "papers": [inode, size, mtime_ns],
     "fields": [the stored fields, in schema order], "n": N, "sizes": [A, B, C],
     "crc32": CRC of the three sections}\\n
    columns  (A bytes) JSON: {"ids": [every id], "shown": [positions of the papers not
             removed, or null: all], "published": [...], "added": [...], "upvotes":
             [...]: the sort keys of the papers shown}
    offsets  (B bytes) (N + 1) x u64, little-endian: where each row starts in `rows`
    rows     (C bytes) JSON: [[every stored value of paper 0, in schema order], ...];
             row i is rows[offsets[i]:offsets[i + 1] - 1] (the comma or bracket after it
             left out), so one row parses alone, and the whole array at once

Removed papers are in it, as in the papers file.

It is derived data, like the identity index (identity.py) and the word index
(wordfile.py), and trusted on the same terms: it is used only if it was written for exactly
the papers file on disk (its signature, see `storage.signature`), and it is written only
for a papers file in the current format whose every document readlist checked (read whole
and checked, or vouched for by its identity index: `Store._table`). A stale file (the
papers file changed since: any import, an editor, a cut-off write) or a damaged one (its
header, sizes, CRC-32 or shape do not hold) is ignored, and the papers file is read and
checked as before; the next TUI start writes it anew (`Store.keep_start_file`, in the
background). A papers file damaged after the start file was written therefore has another
signature and is still reported at open, naming the papers file. Someone who rewrites the
papers file in place keeping inode, size and mtime is not caught: the identity index
trusts the same.

**A copied library** (a restored backup, `cp -r`, a synced folder) has new inodes and
mtimes, so every signature differs. The header therefore also records the papers file's
fingerprint (`"papers_sha256": [size, SHA-256 of its bytes]`, `storage.fingerprint`):
when the signature differs, a papers file of that very size is hashed (~35 ms of CPU at
100,000 papers) and, if it holds the same bytes, the start file is used (`copied`) and
written again under the new signature in the background (`Store.keep_start_file`). Any
other byte makes it stale, as before. A start file with a tail is never used this way
(its fingerprint is of the papers file before the tail's writes); an older start file
without a fingerprint is current by signature only, and gets one at the next TUI start.

**The tail** (`<library>.start-tail.json`). The start file is written by a TUI start, so
the first TUI start after any CLI import (the morning's `readlist import page.txt`, then
`readlist`) found it stale, read the whole papers file and peaked highest. Every write of
the papers file that replaces or adds documents as read (an import, remove, restore, an
undo of one: `Store._write_papers`, `Store._splice_papers`) therefore keeps it current
(`extend_start_file`): the tail holds the rows of the documents written since the start
file, by id, and is tied to two versions, the start file's (`base`) and the papers file's
now:

    {"readlist": "start-file-tail", "version": 2, "base": [inode, size, mtime_ns],
     "papers": [inode, size, mtime_ns], "fields": [...], "n": K, "sizes": [A, B],
     "crc32": CRC of the two sections}\n
    ids   (A bytes) JSON: [the K ids]
    rows  (B bytes) JSON: [their K rows]

A row of a paper in the start file replaces its row there (its position is kept, as the
papers file keeps it); the others follow, in order. A tail is used only with a start file
current for its `base`, for the papers file on disk, and whole (CRC, shape); anything else
is ignored as a stale start file is. The next TUI start writes the two as one start file
again (`fold_start_file`, in its background stage), and an import past `TAIL_LIMIT` rows
leaves the start file stale.
"""

from __future__ import annotations

import contextlib
import zlib
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from readlist.catalogue import LazyPapers
from readlist.errors import LibraryError
from readlist.gcutil import gc_paused
from readlist.models import Paper
from readlist.paths import LibraryPaths
from readlist.store.documents import _STORED, _build_paper, _get_stored  # the papers' shape
from readlist.store.storage import (
    Fingerprint,
    Signature,
    as_fingerprint,
    atomic_write_parts,
    open_regular,
    read_regular,
)
from readlist.store.wordfile import _from_little, _little  # one byte order for every index

MARK = "start-file"
VERSION = 2
_HEADER_LIMIT = 1 << 16
_COLUMNS = ("published", "added", "upvotes")
"""The sort keys every paper shown needs at once (`Library.order`)."""
_PIECE = 5_000  # rows parsed at once (~1 MB, a few ms)
TAIL_MARK = "start-file-tail"
TAIL_LIMIT = 20_000
"""Rows a tail holds at most (~4 MB, parsed at each start in ~20 ms); an import past it
leaves the start file stale (the next TUI start writes it anew)."""


def start_file_path(paths: LibraryPaths) -> Path:
    stem = paths.annotations.name
    stem = stem[: -len(".json")] if stem.endswith(".json") else stem
    return paths.papers.with_name(f"{stem}.start.json")


@dataclass(slots=True)
class StartFile:
    """The documents of one version of the papers file (see the module docstring)."""

    papers: Signature
    ids: list[str]
    """Every paper's id, removed ones included, in catalogue order."""
    shown: list[int] | None
    """Positions of the papers not removed (None: every one)."""
    columns: dict[str, list[Any]]
    """`_COLUMNS` of the papers shown."""
    offsets: array[int]
    rows: bytes
    tail: dict[int, list[Any]] = field(default_factory=dict)
    """Rows of the tail file (see `extend_start_file`), by catalogue position: they
    replace the row of `rows` there, or (past its last) follow them."""
    papers_sum: Fingerprint | None = None
    """The fingerprint of the papers file its header records (None: an older file, or
    one with a tail: the papers file is not the one it was written for)."""
    copied: bool = False
    """Current by the fingerprint alone: the file names another signature (a copied
    library), so it is written again with this one (`fold_start_file`)."""
    _parsed: list[list[Any]] | None = field(default=None)

    def __len__(self) -> int:
        return len(self.ids)

    def row(self, i: int) -> list[Any]:
        """The stored values of paper `i` (a catalogue position), in schema order."""
        if self._parsed is not None:
            return self._parsed[i]
        if self.tail and (found := self.tail.get(i)) is not None:
            return found
        row: list[Any] = orjson.loads(self.rows[self.offsets[i] : self.offsets[i + 1] - 1])
        return row

    def all_rows(self, pause: Callable[[], None] | None = None) -> list[list[Any]]:
        """Every row, parsed (once). In pieces of `_PIECE` rows: a parse in C holds the
        interpreter lock, and the front end's thread must not wait ~0.15 s for it.
        `pause()`, if given, is called before each piece but the first: the start's
        background stage passes its gate's wait, so that a key typed meanwhile runs
        alone (at 100,000 papers the parse is ~0.3 s of the stage; a key that shared the
        interpreter with it took twice as long)."""
        if self._parsed is None:
            parsed: list[list[Any]] = []
            offsets, rows, n = self.offsets, self.rows, len(self.offsets) - 1
            with gc_paused():
                for lo in range(0, n, _PIECE):
                    if lo and pause is not None:
                        pause()
                    hi = min(lo + _PIECE, n)
                    parsed += orjson.loads(b"[" + rows[offsets[lo] : offsets[hi] - 1] + b"]")
                parsed += [[]] * (len(self.ids) - n)
                for i, row in self.tail.items():
                    parsed[i] = row
            self._parsed = parsed
        return self._parsed

    def papers_of(self, abstracts: Mapping[str, str]) -> list[Paper]:
        """Every paper (removed ones included), as `papers_from_docs` builds them."""
        get = abstracts.get
        build, rows = _build_paper, self.all_rows()
        with gc_paused():
            return [build(pid, get(pid, ""), row) for pid, row in zip(self.ids, rows, strict=True)]

    def lazy_papers(self) -> LazyPapers:
        """The papers not removed, without abstracts, each built when first asked for
        (see readlist/catalogue.py)."""
        shown = self.shown
        ids = self.ids if shown is None else [self.ids[i] for i in shown]
        return LazyPapers(ids, _ShownRows(self), _build_paper, _STORED, self.columns)


def lazy_papers_of_docs(docs: Mapping[str, Any]) -> LazyPapers:
    """The papers not removed of the checked (current format) documents `docs`, as
    `StartFile.lazy_papers` gives them from a start file: for a start without a current
    one (a copied library, after an import past `TAIL_LIMIT`), which otherwise built
    every `Paper` before its first frame (~0.4 s CPU at 100,000 papers). Each document's
    stored values are taken as one tuple (what `_build_paper` reads), so the documents
    themselves can be let go (`Store.release_catalogue_cache`) while the papers are."""
    gone = _STORED.index("removed")
    with gc_paused():
        rows = list(map(_get_stored, docs.values()))
        ids = list(docs)
        removed = list(map(itemgetter(gone), rows))
        if removed.count(None) < len(removed):
            kept = [i for i, when in enumerate(removed) if when is None]
            ids = [ids[i] for i in kept]
            rows = [rows[i] for i in kept]
        columns = {name: list(map(itemgetter(_STORED.index(name)), rows)) for name in _COLUMNS}
    return LazyPapers(ids, _ListRows(rows), _build_paper, _STORED, columns)


class _ListRows:
    """Rows held parsed already (see `catalogue.Rows`)."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def __getitem__(self, i: int) -> tuple[Any, ...]:
        return self._rows[i]

    def all(self, pause: Callable[[], None] | None = None) -> list[tuple[Any, ...]]:
        return self._rows


class _ShownRows:
    """The rows of the papers shown (see `catalogue.Rows`)."""

    def __init__(self, start: StartFile) -> None:
        self._start = start
        self._all: list[list[Any]] | None = None

    def __getitem__(self, i: int) -> list[Any]:
        shown = self._start.shown
        return self._start.row(i if shown is None else shown[i])

    def all(self, pause: Callable[[], None] | None = None) -> list[list[Any]]:
        if self._all is None:
            rows, shown = self._start.all_rows(pause), self._start.shown
            self._all = rows if shown is None else [rows[i] for i in shown]
        return self._all


def write_start_file(
    path: Path,
    papers: Signature,
    docs: Mapping[str, Any],
    papers_sum: Fingerprint | None = None,
) -> None:
    """Write the start file of the papers file version `papers`, whose (checked, current
    format) documents are `docs`, and whose fingerprint is `papers_sum` (recorded, so
    that a copy of the library can still use it: see `read_start_file`). Raises
    OSError; the old file stays whole on error."""
    # One growing buffer, not a list of rows: each bytes object orjson returns keeps
    # its ~4 KB working capacity, so 100,000 rows held at once took ~390 MB for 21 MB
    # of text (the first TUI start of a 100k library peaked at 920 MB, not 480).
    out = bytearray(b"[")
    offsets = array("Q", [1])
    for doc in docs.values():
        out += orjson.dumps(_get_stored(doc))
        out += b","
        offsets.append(len(out))
    _close_rows(out)
    removed = [doc["removed"] is not None for doc in docs.values()]
    shown = None if not any(removed) else [i for i, r in enumerate(removed) if not r]
    kept = (
        list(docs.values())
        if shown is None
        else [d for d, r in zip(docs.values(), removed, strict=True) if not r]
    )
    columns: dict[str, Any] = {name: [doc[name] for doc in kept] for name in _COLUMNS}
    _write(path, papers, list(docs), shown, columns, offsets, out, papers_sum)
    _remove_tail(path)  # of an older version: never current again


def _close_rows(out: bytearray) -> None:
    if len(out) > 1:
        out[-1:] = b"]"
    else:
        out += b"]"


def _write(
    path: Path,
    papers: Signature,
    ids: list[str],
    shown: list[int] | None,
    columns: Mapping[str, list[Any]],
    offsets: array[int],
    rows: bytes | bytearray,
    papers_sum: Fingerprint | None,
) -> None:
    head: dict[str, Any] = {"ids": ids, "shown": shown}
    head.update((name, columns[name]) for name in _COLUMNS)
    header = {
        "readlist": MARK,
        "version": VERSION,
        "papers": list(papers),
        "fields": list(_STORED),
        "n": len(ids),
    }
    if papers_sum is not None:
        header["papers_sha256"] = list(papers_sum)
    _write_sections(path, header, [orjson.dumps(head), _little(offsets), rows])


def _write_sections(path: Path, header: dict[str, Any], sections: list[Any]) -> None:
    """Write `path` atomically: the JSON header line, with the sections' sizes and a
    CRC-32 over them added to `header`, then the sections (the start file and its tail
    share this layout; a reader trusts neither without both checks)."""
    crc = 0
    for section in sections:
        crc = zlib.crc32(section, crc)
    header = {**header, "sizes": [len(s) for s in sections], "crc32": crc}
    atomic_write_parts(path, [orjson.dumps(header), b"\n", *sections])


def fold_start_file(path: Path, start: StartFile, papers_sum: Fingerprint | None) -> None:
    """Write `start` (read with a tail: see `extend_start_file`, or from a copy: see
    `read_start_file`) as one start file of its papers file version `start.papers`,
    whose fingerprint is `papers_sum`, without the tail. Raises OSError."""
    if not start.tail:
        # The same sections under a new header (a copied library, or a file written
        # before fingerprints were recorded): copied as they are.
        _write(
            path, start.papers, start.ids, start.shown, start.columns, start.offsets,
            start.rows, papers_sum,
        )  # fmt: skip
        _remove_tail(path)
        return
    old, rows = start.offsets, start.rows
    out = bytearray(b"[")
    offsets = array("Q", [1])
    n = len(old) - 1

    def copy(lo: int, hi: int) -> None:  # rows lo..hi-1 as they are, each with a comma
        if hi > lo:
            shift = len(out) - old[lo]
            out.extend(rows[old[lo] : old[hi]])
            offsets.extend(at + shift for at in old[lo + 1 : hi + 1])
            if hi == n:
                out[-1:] = b","  # the closing bracket

    lo = 0
    for i in sorted(start.tail):
        copy(lo, min(i, n))
        out.extend(orjson.dumps(start.tail[i]))
        out.extend(b",")
        offsets.append(len(out))
        lo = min(i + 1, n)
    copy(lo, n)
    _close_rows(out)
    _write(path, start.papers, start.ids, start.shown, start.columns, offsets, out, papers_sum)
    _remove_tail(path)


# -- the tail: what imports added and changed since the start file was written ----------


def start_tail_path(path: Path) -> Path:
    """The tail file of the start file `path` (`<library>.start-tail.json`)."""
    name = path.name[: -len(".json")] if path.name.endswith(".json") else path.name
    return path.with_name(f"{name}-tail.json")


def _remove_tail(path: Path) -> None:
    with contextlib.suppress(OSError):
        start_tail_path(path).unlink()


def extend_start_file(
    path: Path, before: Signature | None, after: Signature, docs: Mapping[str, Any]
) -> bool:
    """Keep the start file current after a write that took the papers file from version
    `before` to `after` by replacing or adding the (checked, current format) documents
    `docs` (as `dict.update` does): the tail file then holds their rows, tied to both
    versions, and the next start reads the start file and its tail. Costs what `docs`
    do, not the library (a 30-paper page at 100k: ~1 ms).

    False, with no tail left, if the start file (or its tail) was not current for
    `before`, or if the tail would pass `TAIL_LIMIT` rows: the next TUI start then reads
    the papers file and writes the start file anew. Raises OSError.
    """
    tail_path = start_tail_path(path)
    header = None if len(docs) > TAIL_LIMIT else _read_header(path)  # (a full import)
    if before is None or header is None:
        _remove_tail(path)
        return False
    rows: dict[str, list[Any]] = {}
    if not _current(header, before):
        tail = _read_tail(tail_path, before)
        if tail is None or not _current(header, tail[0]):
            _remove_tail(path)
            return False
        base, ids, old = tail
        rows = dict(zip(ids, old, strict=True))
    else:
        base = before
    rows.update((pid, list(_get_stored(doc))) for pid, doc in docs.items())
    if len(rows) > TAIL_LIMIT:
        _remove_tail(path)
        return False
    tail_header = {
        "readlist": TAIL_MARK,
        "version": VERSION,
        "base": list(base),
        "papers": list(after),
        "fields": list(_STORED),
        "n": len(rows),
    }
    sections = [orjson.dumps(list(rows)), orjson.dumps(list(rows.values()))]
    _write_sections(tail_path, tail_header, sections)
    return True


def _read_header(path: Path) -> dict[str, Any] | None:
    try:
        with open_regular(path) as reader:
            head = reader.read(_HEADER_LIMIT)
        end = head.find(b"\n")
        header = orjson.loads(head[:end]) if end >= 0 else None
    except (OSError, LibraryError, orjson.JSONDecodeError):
        return None
    return header if isinstance(header, dict) else None


def _read_tail(
    path: Path, papers: Signature
) -> tuple[Signature, list[str], list[list[Any]]] | None:
    """(the start file's version, ids, rows) of the tail in `path` if it was written for
    the papers file version `papers`; None if missing, stale or damaged."""
    try:
        blob = read_regular(path)
    except (OSError, LibraryError):
        return None
    try:
        end = blob.index(b"\n")
        header = orjson.loads(blob[:end])
        if not (
            isinstance(header, dict)
            and header.get("readlist") == TAIL_MARK
            and header.get("version") == VERSION
            and header.get("papers") == list(papers)
            and header.get("fields") == list(_STORED)
        ):
            return None
        base, n, sizes = header["base"], header["n"], header["sizes"]
        body = blob[end + 1 :]
        if not (
            isinstance(base, list)
            and len(base) == 3
            and all(type(v) is int for v in base)
            and type(n) is int
            and isinstance(sizes, list)
            and len(sizes) == 2
            and all(type(size) is int and size >= 0 for size in sizes)
            and sum(sizes) == len(body)
        ):
            return None
        parts = (body[: sizes[0]], body[sizes[0] :])
        crc = zlib.crc32(parts[1], zlib.crc32(parts[0]))
        if header.get("crc32") != crc:
            return None
        ids, rows = orjson.loads(parts[0]), orjson.loads(parts[1])
    except (ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        return None
    width = len(_STORED)
    if not (isinstance(ids, list) and isinstance(rows, list) and len(ids) == len(rows) == n):
        return None
    if n and not (set(map(type, ids)) == {str} and len(set(ids)) == n):
        return None
    if not all(isinstance(row, list) and len(row) == width for row in rows):
        return None
    return (base[0], base[1], base[2]), ids, rows


def _with_tail(
    start: StartFile, papers: Signature, ids: list[str], rows: list[list[Any]]
) -> StartFile:
    """`start` as the papers file version `papers` holds it: the rows `rows` of the
    papers `ids` replace theirs, or follow (new ids, in order)."""
    n = len(start.ids)
    at = dict(zip(start.ids, range(n), strict=True))
    all_ids = list(start.ids)
    tail: dict[int, list[Any]] = {}
    for pid, row in zip(ids, rows, strict=True):
        i = at.get(pid)
        if i is None:
            i = at[pid] = len(all_ids)
            all_ids.append(pid)
        tail[i] = row
    gone = _STORED.index("removed")
    where = [_STORED.index(name) for name in _COLUMNS]
    if all(i >= n for i in tail):  # only papers added (the daily page): columns extended
        added = [row for i, row in sorted(tail.items()) if row[gone] is None]
        shown = start.shown
        if shown is not None or len(added) < len(tail):
            base = list(range(n)) if shown is None else shown
            shown = base + [i for i, row in sorted(tail.items()) if row[gone] is None]
        columns = {
            name: [*start.columns[name], *(row[w] for row in added)]
            for name, w in zip(_COLUMNS, where, strict=True)
        }
    else:  # papers changed in place (removed, restored, updated): columns anew
        full: dict[str, list[Any]] = {name: [None] * len(all_ids) for name in _COLUMNS}
        removed = [start.shown is not None] * n + [False] * (len(all_ids) - n)
        positions = range(n) if start.shown is None else start.shown
        for i in positions:
            removed[i] = False
        for name in _COLUMNS:
            column = full[name]
            for i, value in zip(positions, start.columns[name], strict=True):
                column[i] = value
        for i, row in tail.items():
            removed[i] = row[gone] is not None
            for name, w in zip(_COLUMNS, where, strict=True):
                full[name][i] = row[w]
        shown = None if not any(removed) else [i for i, r in enumerate(removed) if not r]
        columns = (
            full
            if shown is None
            else {name: [column[i] for i in shown] for name, column in full.items()}
        )
    return StartFile(papers, all_ids, shown, columns, start.offsets, start.rows, tail)


SameContent = Callable[[object, Signature], bool]
"""Whether the papers file at a version holds the bytes a recorded fingerprint says
(`storage.SameContent`)."""


def read_start_file(
    path: Path, papers: Signature, same_content: SameContent | None = None
) -> StartFile | None:
    """The start file in `path` if it was written for the papers file version `papers`,
    or for an earlier one that its tail file brings to `papers` (`extend_start_file`);
    None if it is missing, stale or damaged (never raises for its content).

    With `same_content`, a start file written for another version (a copy of the
    library: new inode and mtime) is current if the papers file now holds the very
    bytes whose fingerprint it records; it is then marked `copied`. A start file with
    a tail is not: its fingerprint is of the version before the tail's writes.
    """
    tail = None
    copied = False
    try:
        with open_regular(path) as reader:
            head = reader.read(_HEADER_LIMIT)
            end = head.find(b"\n")
            if end < 0:
                return None
            header = orjson.loads(head[:end])
            if not _current(header, papers):
                tail = _read_tail(start_tail_path(path), papers)
                if tail is None or not _current(header, tail[0]):
                    tail = None
                    copied = (
                        same_content is not None
                        and _current(header, None)
                        and same_content(header.get("papers_sha256"), papers)
                    )
                    if not copied:
                        return None  # stale: the rest is not read at all
            blob = head[end + 1 :] + reader.read()
    except (OSError, LibraryError, orjson.JSONDecodeError):
        return None
    try:
        if tail is None:
            start = _parse(header, blob, papers)
            if start is not None:
                start.papers_sum = as_fingerprint(header.get("papers_sha256"))
                start.copied = copied
            return start
        start = _parse(header, blob, tail[0])
        return None if start is None else _with_tail(start, papers, tail[1], tail[2])
    except (ValueError, TypeError, KeyError, IndexError, orjson.JSONDecodeError):
        return None


def _current(header: object, papers: Signature | None) -> bool:
    """Whether `header` is a start file's of this format, written for the papers file
    version `papers` (None: for whichever)."""
    return (
        isinstance(header, dict)
        and header.get("readlist") == MARK
        and header.get("version") == VERSION
        and (papers is None or header.get("papers") == list(papers))
        and header.get("fields") == list(_STORED)
    )


def _parse(header: dict[str, Any], blob: bytes, papers: Signature) -> StartFile | None:
    n, sizes = header["n"], header["sizes"]
    if not (type(n) is int and isinstance(sizes, list) and len(sizes) == 3):
        return None
    if not all(type(size) is int and size >= 0 for size in sizes) or sum(sizes) != len(blob):
        return None  # cut off, or grown
    a, b = sizes[0], sizes[0] + sizes[1]
    parts = (blob[:a], blob[a:b], blob[b:])
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    if header.get("crc32") != crc:
        return None  # damaged
    columns, offsets, rows = orjson.loads(parts[0]), _from_little("Q", parts[1]), parts[2]
    if not isinstance(columns, dict):
        return None
    ids, shown = columns.pop("ids"), columns.pop("shown")
    if not (isinstance(ids, list) and len(ids) == n == len(offsets) - 1):
        return None
    if n and not (set(map(type, ids)) == {str} and len(set(ids)) == n):
        return None
    if offsets and (offsets[0] != 1 or offsets[-1] != len(rows)):
        return None
    if shown is not None and not (
        isinstance(shown, list) and set(map(type, shown)) <= {int} and set(shown) <= set(range(n))
    ):
        return None
    count = n if shown is None else len(shown)
    if sorted(columns) != sorted(_COLUMNS) or any(
        not isinstance(columns[name], list) or len(columns[name]) != count for name in _COLUMNS
    ):
        return None
    return StartFile(papers, ids, shown, columns, offsets, rows)
