"""The word index on disk, so that full-text search works from the first frame.

Building the word index of a 100,000-paper catalogue costs ~20 s of CPU (cutting every
abstract into words, then the postings), so a large library keeps it in
`<library>.words.idx` and the TUI memory-maps it at start: a word, phrase or field
query typed at the first frame already searches every abstract, and nothing is built.

The file is derived data: it names the versions (signatures, see `storage.signature`)
of the papers and abstracts files it was built from, the version of the word cutting
(`words.TOKENS`), and the ids of the papers it holds in order. It is used only when
both files are still those versions and the ids are the library's; otherwise it is
stale and simply rebuilt (`Store.write_word_index`), never repaired. A damaged file
reads as stale. It is written whole and atomically, under the library's lock, and only
if the catalogue is still the one it describes. The TUI writes it, in the background,
after building the index itself at a start where the file was stale.

The tail (`<library>.words.tail`): an import that only adds papers (the daily case)
must not rewrite the ~190 MB index, so their texts go to a small file beside it, one
JSON header line (with a CRC-32 of the rest) and the added ids and texts as JSON. It
names the versions in the index's header it extends, the number of papers the index
holds, and the catalogue versions index and tail describe together (`now`): the pair is
used only when the index is that one and `now` is the catalogue as it is, the index's
papers followed by the tail's being the library's; anything else (a tail of another
index, a cut-off or damaged one) makes the pair stale, rebuilt like a stale index,
never a wrong answer. The reader indexes the tail's texts when it opens the pair
(`_joined_parts`: a few milliseconds a daily page). An enrichment that changes no text
(`restamp`) rewrites only the tail's `now` (a tail of no papers, if there was none), so
the index file is never copied to change its header. A removal, restore, undo or redo
that only takes away or brings back the tail's papers (`reshown`) writes the tail alone
too: the papers left, the removed ones' texts kept aside (`parked`) for a redo. Past
`FOLD_PAPERS` papers or `FOLD_BYTES` of text, the TUI folds the tail into a new index
file after a start (`fold_tail`, in the background); past `IMPORT_FOLD_PAPERS` or
`IMPORT_FOLD_BYTES`, an import does (the tail so far; its own papers make the new
tail). The fold is a streaming merge of the file and the tail (wordfold.py), byte for
byte what a fresh build writes. Every write of either file is atomic; a crash between
the catalogue's write and the tail's leaves a tail naming the old catalogue: stale.

A copied library (new inodes and mtimes) names other versions: the header records the
catalogue files' fingerprints (`sums`: [size, SHA-256] of the papers and abstracts files
at its versions, `storage.fingerprint`, and of the recent abstracts laid over them, whose
changes the versions alone do not name when the papers file is written again with the
same bytes), and `restamp_copy` (the TUI's background stage,
`Store.word_index_of_copy`) names the index for the copy's versions, in the tail's `now`,
when the files hold exactly those bytes; the tail then records them (`now_sums`). A tail
written by an import or an enrichment records none: a copy of that is rebuilt.

Layout: one JSON header line, then sections (offsets relative to the end of the header;
integers little-endian):

    ids              n x 16 ASCII bytes (paper ids, in library order)
    text_offsets     (n + 1) x u64: where each text starts in `texts`
    words            the sorted vocabulary, UTF-8, one word per line
    kinds            one byte per word: F (postings are a bitset) or R (u32 positions)
    posting_offsets  (words + 1) x u64: where each word's postings start in `postings`
    postings         bitsets (`int.to_bytes`, little-endian) and u32 arrays
    texts            each paper's searchable text, UTF-8, followed by a newline

Everything but the header is read lazily: a text, a bitset or a posting list is read
from the map when a query needs it.
"""

from __future__ import annotations

import bisect
import contextlib
import mmap
import os
import sys
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from itertools import pairwise
from operator import le, lt
from pathlib import Path
from typing import Any, BinaryIO, overload

import orjson

from readlist.bitsets import bits_of
from readlist.errors import LibraryError
from readlist.paths import LibraryPaths
from readlist.store.storage import (
    Fingerprint,
    Signature,
    as_fingerprint,
    atomic_write_parts,
    open_regular,
    read_regular,
)
from readlist.textindex import IndexParts, Joined, WordIndex, followers, following, overlaps

# The staged file of a fold is named apart from storage's temporary files: the TUI
# prepares it without the library's lock (seconds at 100,000 papers), and a temporary
# file found under the lock is taken for a killed write's and removed (by any other
# process's `Store.open`). A staged fold is a leftover only once its process is gone
# (`stale_folds`).
FOLD_MARK = ".fold-"


def stale_folds(path: Path) -> list[Path]:
    """Staged folds of the index `path` whose process no longer runs."""
    prefix = f".{path.name}{FOLD_MARK}"
    try:
        names = [p for p in path.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return []
    stale = []
    for staged in names:
        pid = staged.name[len(prefix) :].split("-", 1)[0]
        if not pid.isdigit() or not _running(int(pid)):
            stale.append(staged)
    return stale


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (EPERM): running
        return True
    return True


MARK = "word-index"
TAIL_MARK = "word-index-tail"
VERSION = 1
# Past either, the TUI folds the tail into a new index file, in the background after
# a start (`fold_tail`). The tail's texts are indexed again at every TUI start, before
# the first frame: 500 real abstracts are ~60 ms of CPU (2,000: ~190 ms), while a fold
# rewrites the ~190 MB index file (~0.3 s of CPU, +40 MB, and the file's write-back
# at 100,000 papers: too slow for a daily import's 0.5 s; see wordfold.py).
FOLD_PAPERS = 500
FOLD_BYTES = 1 << 20
# Past either, the import itself folds (a library only ever imported into from the
# command line: ~65 daily pages of 30 papers between two folds).
IMPORT_FOLD_PAPERS = 2000
IMPORT_FOLD_BYTES = 4 << 20
_SECTIONS = ("ids", "text_offsets", "words", "kinds", "posting_offsets", "postings", "texts")
_ID_BYTES = 16
_HEADER_LIMIT = 4096
WARM_STEP = 20_000  # words of the lookup table made between two pauses (~3 ms)


def word_index_path(paths: LibraryPaths) -> Path:
    db = paths.annotations
    stem = db.name[: -len(".json")] if db.name.endswith(".json") else db.name
    return db.with_name(f"{stem}.words.idx")


def _little(values: array[int]) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _from_little(typecode: str, blob: bytes) -> array[int]:
    values = array(typecode)
    values.frombytes(blob)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def write_word_index(
    path: Path,
    versions: Versions,
    ids: Sequence[str],
    parts: IndexParts,
    sums: Sums | None = None,
) -> None:
    """Replace `path` with the index `parts` of the papers `ids` (raises OSError, and
    ValueError if `ids` are not one 16-character id per text). `sums`: the fingerprints
    of the catalogue files at `versions`, recorded so that a copy of the library can
    still use the index (`restamp_copy`)."""
    texts, words = parts.texts, parts.words
    n = len(texts)
    if len(ids) != n or not all(len(pid) == _ID_BYTES and pid.isascii() for pid in ids):
        raise ValueError("the word index needs one 16-character paper id per text")
    # Texts read from an older file (an import extending it) are copied as stored.
    stored: _Texts | None = None
    fresh: Sequence[str] = texts
    if isinstance(texts, Joined) and isinstance(texts.first, _Texts):
        stored, fresh = texts.first, texts.then
    sizes = [] if stored is None else stored.sizes()
    sizes += [(len(t) if t.isascii() else len(t.encode())) + 1 for t in fresh]
    text_offsets = array("Q", [0])
    for size in sizes:
        text_offsets.append(text_offsets[-1] + size)
    kinds = bytearray()
    posting_offsets = array("Q", [0])
    postings: list[bytes] = []
    byte_length = (n + 7) // 8
    for word in words:
        bits = parts.frequent.get(word)
        if bits is not None:
            kinds += b"F"
            blob = bits.to_bytes(byte_length, "little")
        else:
            kinds += b"R"
            blob = _little(array("I", parts.rare[word]))
        postings.append(blob)
        posting_offsets.append(posting_offsets[-1] + len(blob))
    vocabulary = "\n".join(words).encode()
    sections = {
        "ids": "".join(ids).encode("ascii"),
        "text_offsets": _little(text_offsets),
        "words": vocabulary,
        "kinds": bytes(kinds),
        "posting_offsets": _little(posting_offsets),
    }
    sizes_of = {name: len(blob) for name, blob in sections.items()}
    sizes_of["postings"], sizes_of["texts"] = posting_offsets[-1], text_offsets[-1]
    header = _index_header(_stamp(versions), n, len(words), sizes_of, sums)

    def chunks() -> Iterator[bytes]:
        yield header
        for name in _SECTIONS[:5]:
            yield sections[name]
        yield b"".join(postings)  # one write: ~120,000 small pieces at 100k papers
        if stored is not None:
            yield from stored.chunks()
        batch: list[str] = []
        for text in fresh:  # streamed: the texts are most of the file (~150 MB at 100k)
            batch.append(text)
            if len(batch) == 1024:
                yield ("\n".join(batch) + "\n").encode()
                batch.clear()
        if batch:
            yield ("\n".join(batch) + "\n").encode()

    atomic_write_parts(path, chunks())
    # The tail of the index replaced (stale already: it names that index's versions).
    with contextlib.suppress(OSError):
        tail_path(path).unlink(missing_ok=True)


def _index_header(
    versions: _Stamp, n: int, words: int, sizes: Mapping[str, int], sums: Sums | None = None
) -> bytes:
    """The header line of an index of `n` papers and `words` words whose sections have
    these sizes (the same bytes whether the index is built or folded: `wordfold`)."""
    layout: dict[str, list[int]] = {}
    at = 0
    for name in _SECTIONS:
        layout[name] = [at, sizes[name]]
        at += sizes[name]
    from readlist.query.words import TOKENS  # not imported by every command (cli.py)

    header = {
        "readlist": MARK,
        "version": VERSION,
        "tokens": TOKENS,
        "papers": versions[0],
        "abstracts": versions[1],
        "n": n,
        "words": words,
        "sections": layout,
    }
    if sums is not None:
        header["sums"] = [None if s is None else list(s) for s in sums]
    return orjson.dumps(header) + b"\n"


def tail_path(index: Path) -> Path:
    """The tail file kept beside the word index `index` (`library.words.tail`)."""
    stem = index.name[: -len(".idx")] if index.name.endswith(".idx") else index.name
    return index.with_name(f"{stem}.tail")


def word_tail_path(paths: LibraryPaths) -> Path:
    return tail_path(word_index_path(paths))


Versions = tuple[Signature | None, Signature | None]
_Stamp = list[list[int] | None]  # versions as JSON holds them: [papers, abstracts]
Sums = tuple[Fingerprint | None, Fingerprint | None, Fingerprint | None]
"""The fingerprints of the papers, abstracts and recent-abstracts files
(`storage.fingerprint`; None for a file that did not exist). Headers written before the
third was recorded hold two: they read as no fingerprints (a copy is rebuilt)."""


def _stamp(versions: Versions) -> _Stamp:
    return [list(v) if v is not None else None for v in versions]


@dataclass(frozen=True, slots=True)
class Tail:
    """What the tail file holds: the papers added after the word index was written."""

    index: _Stamp
    """The catalogue versions the word index beside it names (its header's)."""
    base: int
    """How many papers that index holds (the tail's papers follow them)."""
    now: _Stamp
    """The catalogue versions index and tail describe together."""
    ids: list[str]
    """The added papers' ids, in library order."""
    texts: list[str]
    """Their searchable texts (`readlist.query.words.searchable`)."""
    now_sums: Sums | None = None
    """The fingerprints of the catalogue files at `now`, when known (a tail written by
    `restamp_copy`; None after any write that changed the catalogue)."""
    parked: dict[str, str] = field(default_factory=dict, kw_only=True)
    """Texts of papers the tail held and that were removed since, by id: an undo's redo
    or a restore that brings them back makes a longer tail again (`reshown`)."""
    recent: int = field(default=0, kw_only=True)
    """How many of the last papers the latest import added: a fold keeps them as the
    new tail, so that the undo of that import is still a shorter tail (`fold_tail`)."""


def read_tail(path: Path) -> Tail | None:
    """The tail in `path`; None if it is missing or damaged (a cut-off write, another
    layout, a checksum that does not match, ids and texts that do not pair up)."""
    try:
        blob = read_regular(path)
    except (OSError, LibraryError):
        return None
    end = blob.find(b"\n", 0, _HEADER_LIMIT)
    if end < 0:
        return None
    try:
        header = orjson.loads(blob[:end])
        body = memoryview(blob)[end + 1 :]
        from readlist.query.words import TOKENS

        if not (
            isinstance(header, dict)
            and header.get("readlist") == TAIL_MARK
            and header.get("version") == VERSION
            and header.get("tokens") == TOKENS
            and header.get("size") == len(body)
            and header.get("crc32") == zlib.crc32(body)
        ):
            return None
        held = orjson.loads(body)
        index, now, base = header["index"], header["now"], header["base"]
        ids, texts, parked = held["ids"], held["texts"], held.get("parked", {})
        recent = held.get("recent", 0)
        now_sums = _as_sums(header.get("now_sums"))
    except (orjson.JSONDecodeError, TypeError, KeyError, AttributeError):
        return None
    if not (
        isinstance(base, int)
        and base >= 0
        and _is_stamp(index)
        and _is_stamp(now)
        and isinstance(ids, list)
        and isinstance(texts, list)
        and len(ids) == len(texts)
        and all(isinstance(p, str) and len(p) == _ID_BYTES and p.isascii() for p in ids)
        and all(isinstance(t, str) for t in texts)
        and isinstance(parked, dict)
        and all(len(p) == _ID_BYTES and p.isascii() for p in parked)
        and all(isinstance(t, str) for t in parked.values())
        and isinstance(recent, int)
        and 0 <= recent <= len(ids)
    ):
        return None
    return Tail(index, base, now, ids, texts, now_sums, parked=parked, recent=recent)


def _as_sums(value: object) -> Sums | None:
    """Fingerprints as a header holds them (`[[size, hex] or null, ...]`), or None."""
    if not (isinstance(value, list) and len(value) == 3):
        return None
    papers, abstracts, recent = value
    sums = (as_fingerprint(papers), as_fingerprint(abstracts), as_fingerprint(recent))
    if any((got is None) != (raw is None) for got, raw in zip(sums, value, strict=True)):
        return None
    return sums


def _is_stamp(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(
            v is None or (isinstance(v, list) and all(isinstance(x, int) for x in v)) for v in value
        )
    )


def write_tail(path: Path, tail: Tail) -> None:
    """Replace `path` with `tail`, atomically (raises OSError)."""
    from readlist.query.words import TOKENS

    held: dict[str, object] = {"ids": tail.ids, "texts": tail.texts}
    if tail.parked:  # (an older readlist reads the tail as it did: it ignores them)
        held["parked"] = tail.parked
    if tail.recent:
        held["recent"] = tail.recent
    body = orjson.dumps(held)
    header = {
        "readlist": TAIL_MARK,
        "version": VERSION,
        "tokens": TOKENS,
        "index": tail.index,
        "base": tail.base,
        "now": tail.now,
        "added": len(tail.ids),
        **(
            {}
            if tail.now_sums is None
            else {"now_sums": [None if s is None else list(s) for s in tail.now_sums]}
        ),
        "size": len(body),
        "crc32": zlib.crc32(body),
    }
    atomic_write_parts(path, [orjson.dumps(header) + b"\n", body])


def _header(path: Path) -> dict[str, Any] | None:
    """The word index's header (its first line), if it is one this version reads."""
    try:
        reader = open_regular(path)
    except (OSError, LibraryError):
        return None
    with reader:
        try:
            header = orjson.loads(reader.readline(_HEADER_LIMIT))
        except (OSError, orjson.JSONDecodeError):
            return None
    from readlist.query.words import TOKENS

    if not (
        isinstance(header, dict)
        and header.get("readlist") == MARK
        and header.get("version") == VERSION
        and header.get("tokens") == TOKENS
        and isinstance(header.get("n"), int)
        and _is_stamp([header.get("papers"), header.get("abstracts")])
    ):
        return None
    return header


def _current(path: Path) -> tuple[dict[str, Any], Tail | None] | None:
    """The index's header and the tail that extends it (None if there is none, or it
    belongs to another index); None if the index cannot be read."""
    header = _header(path)
    if header is None:
        return None
    tail = read_tail(tail_path(path))
    if tail is not None and (
        tail.index != [header["papers"], header["abstracts"]] or tail.base != header["n"]
    ):
        tail = None
    return header, tail


def _now(header: dict[str, Any], tail: Tail | None) -> _Stamp:
    return tail.now if tail is not None else [header["papers"], header["abstracts"]]


def tail_papers(path: Path, versions: Versions) -> int | None:
    """How many papers the tail beside the index `path` adds, if index and tail are
    current for the catalogue `versions` (by their headers: `readlist doctor`)."""
    found = _current(path)
    if found is None or found[1] is None or _now(*found) != _stamp(versions):
        return None
    return len(found[1].ids)


def restamp(path: Path, before: Versions, after: Versions) -> bool:
    """Name the index in `path`, current for the catalogue versions `before`, for the
    versions `after` (the same texts written again: an enrichment that changed no
    title or abstract, a fold of the recent abstracts); whether it did.

    Only the small tail file is written (a tail of no papers, if there was none): the
    index itself, ~190 MB at 100,000 papers, is read for its header alone and never
    copied (raises OSError).
    """
    found = _current(path)
    if found is None or _now(*found) != _stamp(before):
        return False
    header, tail = found
    ids, texts = (tail.ids, tail.texts) if tail is not None else ([], [])
    parked, recent = (tail.parked, tail.recent) if tail is not None else ({}, 0)
    index = [header["papers"], header["abstracts"]]
    stamp = _stamp(after)
    kept = Tail(index, header["n"], stamp, ids, texts, parked=parked, recent=recent)
    write_tail(tail_path(path), kept)
    return True


SameContent = Callable[[object, Signature], bool]
"""Whether a file at a version holds the bytes a recorded fingerprint says
(`storage.SameContent`)."""


def restamp_copy(
    path: Path,
    versions: Versions,
    same_papers: SameContent,
    same_abstracts: SameContent,
    recent: tuple[Signature | None, SameContent],
) -> bool:
    """Name the index in `path` (and its tail) for the catalogue `versions`, if the
    catalogue files hold the very bytes whose fingerprints they record for the versions
    they name, and the recent-abstracts file (`recent`: its version now, and its check)
    holds the bytes recorded too: a copy of the library (new inodes and mtimes), whose
    index is otherwise
    stale and rebuilt (~20 s of CPU at 100,000 papers). Whether it is current now. Only
    the small tail file is written, as by `restamp`; the reader still checks the ids.
    Fingerprints are recorded by `write_word_index` and here, never by a write that
    changed the catalogue (raises OSError)."""
    found = _current(path)
    if found is None:
        return False
    header, tail = found
    if _now(header, tail) == _stamp(versions):
        return True
    sums = tail.now_sums if tail is not None else _as_sums(header.get("sums"))
    if sums is None:
        return False
    checks = (same_papers, same_abstracts, recent[1])
    for recorded, version, same in zip(sums, (*versions, recent[0]), checks, strict=True):
        if (recorded is None) != (version is None):
            return False
        if recorded is not None and version is not None and not same(list(recorded), version):
            return False
    ids, texts = (tail.ids, tail.texts) if tail is not None else ([], [])
    index = [header["papers"], header["abstracts"]]
    write_tail(tail_path(path), Tail(index, header["n"], _stamp(versions), ids, texts, sums))
    return True


def extend(path: Path, before: Versions, added: Sequence[tuple[str, str]], after: Versions) -> bool:
    """After an import that added the papers `added` (id, searchable text) after the
    papers shown in the catalogue `before` (a write appends new papers after the
    documents it read) and changed no other text, make the index in `path` current for
    the catalogue `after`; whether it did.

    The added texts go to the tail file; the index is read for its header alone. The
    library's ids are not read here (listing them is ~50 ms at 100,000 papers): index
    and tail current for `before` held that catalogue's papers, and the reader checks
    index and tail ids against the library's at every start anyway. Past
    `IMPORT_FOLD_PAPERS` or `IMPORT_FOLD_BYTES` of tail, the tail so far is folded into
    a new index file (`wordfold`) and this import's papers make the new tail. Raises
    OSError, and ValueError for ids that are not 16 characters.
    """
    found = _current(path)
    if found is None or _now(*found) != _stamp(before):
        return False
    header, tail = found
    base: int = header["n"]
    kept_ids, kept_texts = (tail.ids, tail.texts) if tail is not None else ([], [])
    ids = [*kept_ids, *(pid for pid, _ in added)]
    texts = [*kept_texts, *(text for _, text in added)]
    if not all(len(pid) == _ID_BYTES and pid.isascii() for pid in ids):
        raise ValueError("the word index needs one 16-character paper id per text")
    index_stamp = [header["papers"], header["abstracts"]]
    if _small(ids, texts, IMPORT_FOLD_PAPERS, IMPORT_FOLD_BYTES):
        parked = _parked(tail.parked if tail is not None else {}, len(ids))
        recent = len(added)
        tail = Tail(index_stamp, base, _stamp(after), ids, texts, parked=parked, recent=recent)
        write_tail(tail_path(path), tail)
        return True
    from readlist.store import wordfold  # a streaming merge: see its docstring

    new_ids, new_texts = [pid for pid, _ in added], [text for _, text in added]
    if kept_ids and _small(new_ids, new_texts):
        # The tail so far goes into the index, this import's papers make the new tail:
        # its undo (they are removed again) is then a shorter tail (`dropped`).
        if not wordfold.fold(path, index_stamp, _stamp(before), kept_ids, kept_texts):
            return False
        new_base = base + len(kept_ids)
        tail = Tail(_stamp(before), new_base, _stamp(after), new_ids, new_texts)
        tail = replace(tail, recent=len(new_ids))
        write_tail(tail_path(path), tail)
        return True
    if not wordfold.fold(path, index_stamp, _stamp(after), ids, texts):
        return False
    # The tail of the index replaced (stale already: it names that index's versions).
    with contextlib.suppress(OSError):
        tail_path(path).unlink(missing_ok=True)
    return True


def _small(
    ids: Sequence[str], texts: Sequence[str], papers: int | None = None, size: int | None = None
) -> bool:
    """Whether papers `ids` with these texts stay in the tail (are not folded), with
    the limits `papers` and `size` (default `FOLD_PAPERS`, `FOLD_BYTES`)."""
    papers = FOLD_PAPERS if papers is None else papers
    size = FOLD_BYTES if size is None else size
    return len(ids) <= papers and sum(map(len, texts)) <= size


def fold_tail(
    path: Path, versions: Versions, still: Callable[[], AbstractContextManager[bool]]
) -> bool:
    """Fold the tail beside the index in `path` into a new index file if it is past
    `FOLD_PAPERS` or `FOLD_BYTES` and index and tail are current for the catalogue
    `versions`; whether it did. The TUI runs it in the background after a start read
    them. The new file is written without the library's lock (the fold is seconds of
    I/O at 100,000 papers, which a rating made meanwhile would wait for), and put in
    place inside `still()`, which holds the lock and tells whether the catalogue is
    still `versions` (raises OSError, ValueError)."""
    found = _current(path)
    if found is None or _now(*found) != _stamp(versions):
        return False
    header, tail = found
    if tail is None or _small(tail.ids, tail.texts):
        return False
    from readlist.store import wordfold

    index, stamp = [header["papers"], header["abstracts"]], _stamp(versions)
    # The latest import's papers stay in the tail (its undo is then a shorter tail).
    # The index is named for the catalogue as it is too: it never passes alone for it,
    # as it lacks those papers (the reader compares the ids).
    keep = tail.recent if tail.recent < len(tail.ids) else 0
    if keep and not _small(tail.ids[-keep:], tail.texts[-keep:]):
        keep = 0
    cut = len(tail.ids) - keep
    staged = wordfold.prepare(path, index, stamp, tail.ids[:cut], tail.texts[:cut])
    if staged is None:
        return False
    try:
        with still() as current:
            if not current:
                return False
            wordfold.install(staged, path)
            staged = None
            if keep:
                kept = Tail(stamp, header["n"] + cut, stamp, tail.ids[cut:], tail.texts[cut:])
                write_tail(tail_path(path), replace(kept, recent=keep))
            else:
                with contextlib.suppress(OSError):  # stale already: it names the old index
                    tail_path(path).unlink(missing_ok=True)
            return True
    finally:
        if staged is not None:
            with contextlib.suppress(OSError):
                staged.unlink()


def _parked(parked: dict[str, str], held: int) -> dict[str, str]:
    """The parked texts kept beside a tail of `held` papers: none past the tail's limits
    (they are only a shortcut, and a fold drops them: they are not in the library)."""
    if len(parked) + held > FOLD_PAPERS or sum(map(len, parked.values())) > FOLD_BYTES:
        return {}
    return parked


def reshown(path: Path, before: Versions, after: Versions, shown: Callable[[], list[str]]) -> bool:
    """After a change that only removed papers or brought removed ones back (a remove,
    a restore, an import's undo or redo), make the index in `path`, current for the
    catalogue `before`, current for `after`, where `shown()` gives the library's ids
    in order now; whether it did.

    It can when the index's own papers are still the first ones shown and every paper
    after them has its text in the tail (held, or parked when it was removed): the
    tail becomes those papers, and the ones it held that are removed now are parked.
    Otherwise (a paper of the index itself removed, an older one restored) the pair is
    left stale, and rebuilt as any stale index. Only the tail file is written; the
    index is read for its header and ids (raises OSError).
    """
    found = _current(path)
    if found is None or _now(*found) != _stamp(before):
        return False
    header, tail = found
    base: int = header["n"]
    ids = shown()
    if len(ids) < base:
        return False
    held = dict(zip(tail.ids, tail.texts, strict=True)) if tail is not None else {}
    parked = {**tail.parked, **held} if tail is not None else {}
    rest = ids[base:]
    texts: list[str] = []
    for pid in rest:
        text = parked.pop(pid, None)
        if text is None:
            return False
        texts.append(text)
    if _stored_ids(path, header) != "".join(ids[:base]):
        return False
    index = [header["papers"], header["abstracts"]]
    kept = _parked(parked, len(rest))
    write_tail(tail_path(path), Tail(index, base, _stamp(after), rest, texts, parked=kept))
    return True


def _stored_ids(path: Path, header: dict[str, Any]) -> str | None:
    """The ids section of the index in `path` (read alone: 1.6 MB at 100,000 papers)."""
    try:
        start, size = header["sections"]["ids"]
        with open_regular(path) as reader:
            reader.readline(_HEADER_LIMIT)
            reader.seek(reader.tell() + start)
            blob = reader.read(size)
        return blob.decode("ascii") if len(blob) == size else None
    except (OSError, LibraryError, TypeError, KeyError, ValueError):
        return None


def read_word_index(
    path: Path, versions: Versions, ids: Sequence[str], *, tail: bool = True
) -> WordIndex | None:
    """The index in `path` if it was built from these versions of the catalogue files
    for exactly the papers `ids`; None if it is missing, stale or damaged.

    With `tail`, the index and the tail file beside it (`tail_path`) are taken together
    when the tail extends this index and is current for `versions` and `ids`: the
    index's papers, then the tail's, whose words are indexed here (a few milliseconds
    for a few daily pages). A tail of another index or another catalogue is not used.
    """
    if tail:
        added = read_tail(tail_path(path))
        if (
            added is not None
            and added.now == _stamp(versions)
            and len(ids) == added.base + len(added.ids)
            and list(ids[added.base :]) == added.ids
        ):
            index = _read(path, added.index, ids[: added.base])
            if index is not None:
                if not added.texts:
                    return index
                return WordIndex.from_parts(_joined_parts(index.parts(), added.texts))
    return _read(path, _stamp(versions), ids)


def _read(path: Path, wanted: _Stamp, ids: Sequence[str]) -> WordIndex | None:
    stored = _open(path, wanted, ids)
    if stored is None:
        return None
    texts, postings = stored
    frequent, rare = _Frequent(postings), _Rare(postings)
    return WordIndex.from_parts(IndexParts(texts, postings.words, frequent, rare))


def _open(
    path: Path | BinaryIO, wanted: _Stamp, ids: Sequence[str]
) -> tuple[_Texts, _Postings] | None:
    """The texts and postings of the index in `path` (or the file opened), mapped and
    checked (see `_read`)."""
    if isinstance(path, Path):
        try:
            reader = open_regular(path)
        except (OSError, LibraryError):
            return None
        with reader:
            return _open(reader, wanted, ids)
    try:
        if os.fstat(path.fileno()).st_size == 0:
            return None
        mapped = mmap.mmap(path.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    try:
        return _parse(mapped, wanted, ids)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, orjson.JSONDecodeError):
        mapped.close()
        return None


def _parse(
    mapped: mmap.mmap, wanted: _Stamp, ids: Sequence[str]
) -> tuple[_Texts, _Postings] | None:
    end = mapped.find(b"\n", 0, _HEADER_LIMIT)
    if end < 0:
        return None
    header = orjson.loads(mapped[:end])
    if not (isinstance(header, dict) and header.get("readlist") == MARK):
        return None
    from readlist.query.words import TOKENS

    if header.get("version") != VERSION or header.get("tokens") != TOKENS:
        return None  # another layout, or words cut another way
    if [header.get("papers"), header.get("abstracts")] != wanted:
        return None
    n, count = header["n"], header["words"]
    if not (isinstance(n, int) and isinstance(count, int) and n == len(ids) and count >= 0):
        return None
    base = end + 1
    spans: dict[str, tuple[int, int]] = {}
    at = base
    for name in _SECTIONS:
        start, size = header["sections"][name]
        if not (isinstance(start, int) and isinstance(size, int)) or base + start != at:
            return None
        spans[name] = (at, at + size)
        at += size
    if at != len(mapped):
        return None

    def section(name: str) -> bytes:
        lo, hi = spans[name]
        return mapped[lo:hi]

    stored_ids = section("ids").decode("ascii")
    if len(stored_ids) != _ID_BYTES * n:
        return None
    # Compared whole, in C (id by id was ~25 ms of every TUI start at 100,000 papers);
    # ids of another length could line up differently, so those are compared one by one.
    if n and set(map(len, ids)) != {_ID_BYTES}:
        if any(stored_ids[i * _ID_BYTES : (i + 1) * _ID_BYTES] != p for i, p in enumerate(ids)):
            return None
    elif stored_ids != "".join(ids):
        return None
    text_offsets = _from_little("Q", section("text_offsets"))
    posting_offsets = _from_little("Q", section("posting_offsets"))
    words = section("words").decode().split("\n") if count else []
    kinds = section("kinds")
    texts_span, postings_span = spans["texts"], spans["postings"]
    if not (
        len(text_offsets) == n + 1
        and len(posting_offsets) == count + 1
        and len(words) == count
        and len(kinds) == count
        and text_offsets[0] == posting_offsets[0] == 0
        and text_offsets[-1] == texts_span[1] - texts_span[0]
        and posting_offsets[-1] == postings_span[1] - postings_span[0]
        and all(map(lt, text_offsets, text_offsets[1:]))  # map: C loops, not generators
        and all(map(le, posting_offsets, posting_offsets[1:]))
        and all(map(lt, words, words[1:]))
    ):
        return None
    texts = _Texts(mapped, texts_span[0], text_offsets)
    return texts, _Postings(mapped, postings_span[0], posting_offsets, words, kinds, n)


def _joined_parts(parts: IndexParts, texts: Sequence[str]) -> IndexParts:
    """`parts` with `texts` appended (papers added at the end of the library): what
    `WordIndex(old texts + texts).parts()` holds, for an index read from the file,
    without reading every posting list of it (copying them all into dicts took ~1 s
    at 100,000 papers). The added papers' postings are merged
    into the file's when a word is looked up; which words keep bitsets is left as it
    was (that decides only speed), and new words keep lists."""
    start, n = len(parts.texts), len(parts.texts) + len(texts)
    postings: defaultdict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts, start=start):
        for word in set(text.split()):
            postings[word].append(i)
    postings.pop("|", None)
    words = parts.words
    new = sorted(w for w in postings if not _has(words, w))
    merged: Sequence[str] = words
    if new:  # new words go in by slices of the old list (no sort of ~1 M words)
        out: list[str] = []
        at = 0
        for word in new:
            where = bisect.bisect_left(words, word)
            out += words[at:where]
            out.append(word)
            at = where
        out += words[at:]
        merged = out
    joined: Sequence[str]
    if isinstance(parts.texts, _Texts):
        joined = _JoinedTexts(parts.texts, texts)
    else:
        joined = Joined(parts.texts, texts)
    frequent = _MoreFrequent(parts.frequent, postings, n)
    rare = _MoreRare(parts.rare, parts.frequent, postings, new)
    return IndexParts(joined, merged, frequent, rare)


def _has(words: Sequence[str], word: str) -> bool:
    at = bisect.bisect_left(words, word)
    return at < len(words) and words[at] == word


class _MoreFrequent(Mapping[str, int]):
    """The words with bitsets of an index, with the postings of added papers."""

    def __init__(self, base: Mapping[str, int], more: Mapping[str, list[int]], n: int) -> None:
        self._base, self._more, self._n = base, more, n
        self._joined: dict[str, int] = {}
        self.warm = getattr(base, "warm", None)  # (see `WordIndex.warm`)

    def __getitem__(self, word: str) -> int:
        bits = self._base[word]
        more = self._more.get(word)
        if more is None:
            return bits
        joined = self._joined.get(word)
        if joined is None:
            joined = self._joined[word] = bits | bits_of(more, self._n)
        return joined

    def __iter__(self) -> Iterator[str]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


class _MoreRare(Mapping[str, Sequence[int]]):
    """The words with lists of an index, with the postings of added papers (and the
    words only they hold, `new`)."""

    def __init__(
        self,
        base: Mapping[str, Sequence[int]],
        frequent: Mapping[str, int],
        more: Mapping[str, list[int]],
        new: list[str],
    ) -> None:
        self._base, self._frequent, self._more, self._new = base, frequent, more, new

    def __getitem__(self, word: str) -> Sequence[int]:
        more = self._more.get(word)
        if more is None:
            return self._base[word]
        try:
            old = self._base[word]
        except KeyError:
            if word in self._frequent:
                raise
            return more
        return [*old, *more]

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        yield from self._new

    def __len__(self) -> int:
        return len(self._base) + len(self._new)


class _Texts(Sequence[str]):
    """Each paper's searchable text, decoded from the map when asked for."""

    def __init__(self, mapped: mmap.mmap, start: int, offsets: array[int]) -> None:
        self._mapped, self._start, self._offsets = mapped, start, offsets
        self.start, self.offsets = start, offsets  # (wordfold)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        lo = self._start + self._offsets[i]
        hi = self._start + self._offsets[i + 1] - 1  # without the newline
        return self._mapped[lo:hi].decode(errors="replace")

    def sizes(self) -> list[int]:
        """Each text's size in the file, its newline included."""
        return [b - a for a, b in pairwise(self._offsets)]

    def chunks(self, size: int = 1 << 24) -> Iterator[bytes]:
        """Every text as stored, in pieces of at most `size` bytes."""
        start, end = self._start, self._start + self._offsets[-1]
        for at in range(start, end, size):
            yield self._mapped[at : min(at + size, end)]

    def holds(self, i: int, needle: str, after: str = "") -> bool:
        """`WordIndex.holds`, searched in the bytes (UTF-8 keeps substrings)."""
        lo = self._start + self._offsets[i]
        hi = self._start + self._offsets[i + 1] - 1
        if after:
            lo = self._mapped.find(after.encode(), lo, hi)
            if lo < 0:
                return False
        return self._mapped.find(needle.encode(), lo, hi) >= 0

    def release(self, end: int | None = None) -> None:
        """Drop the pages of texts before text `end` (None: every page of the file, the
        postings too) from this process's resident memory.

        They are file pages: the next search reads them again from the page cache (a
        fault maps 16 pages at once), a few milliseconds for all 100,000 texts. Kept,
        they count in the resident size: a few phrases read all 150 MB of texts, and
        the posting lists of a short prefix's words lie all over the file.
        """
        mapped = self._mapped
        if end is None:
            start, stop = 0, len(mapped)
        else:
            start = self._start - self._start % mmap.PAGESIZE
            stop = self._start + self._offsets[end]
            stop -= stop % mmap.PAGESIZE
        if stop > start and hasattr(mapped, "madvise"):
            mapped.madvise(mmap.MADV_DONTNEED, start, stop - start)

    def followers(
        self, indices: Iterable[int], needle: str, prefix: str = ""
    ) -> dict[str, list[int]]:
        """`WordIndex.followers`, searched in the bytes; only the words kept are decoded."""
        core = needle[:-1]
        if overlaps(core):
            return followers(self, indices, needle, prefix)
        postings: defaultdict[str, list[int]] = defaultdict(list)
        mapped, start, offsets, part = self._mapped, self._start, self._offsets, core.encode()
        wanted = b" " + prefix.encode()  # (UTF-8: a prefix of the word is one of its bytes)
        for i in indices:
            pieces = mapped[start + offsets[i] : start + offsets[i + 1] - 1].split(part)
            found: set[bytes] = set()
            for piece in pieces[1:]:
                if piece.startswith(wanted):  # (no space: `core` ended inside a word)
                    end = piece.find(b" ", 1)
                    if word := piece[1:] if end < 0 else piece[1:end]:
                        found.add(word)
                elif not piece:  # two occurrences in a row: the careful way
                    found = {w.encode() for w in following(self[i], needle) if w.startswith(prefix)}
                    break
            for word in found:
                postings[word.decode(errors="replace")].append(i)
        return dict(postings)


class _JoinedTexts(Joined):
    """The texts of an index file, then those of its tail: searched in the file's bytes
    where they are there (`_Texts`), as strings after."""

    def __init__(self, stored: _Texts, then: Sequence[str]) -> None:
        super().__init__(stored, then)
        self._stored, self._base = stored, len(stored)

    def holds(self, i: int, needle: str, after: str = "") -> bool:
        if i < self._base:
            return self._stored.holds(i, needle, after)
        text = self[i]
        if after:
            at = text.find(after)
            if at < 0:
                return False
            text = text[at:]
        return needle in text

    def release(self, end: int | None = None) -> None:
        self._stored.release(None if end is None else min(end, self._base))

    def followers(
        self, indices: Iterable[int], needle: str, prefix: str = ""
    ) -> dict[str, list[int]]:
        wanted = list(indices)
        base = self._base
        found = self._stored.followers([i for i in wanted if i < base], needle, prefix)
        later = [i for i in wanted if i >= base]
        if later:
            for word, papers in followers(self, later, needle, prefix).items():
                found.setdefault(word, []).extend(papers)
        return found


class _Postings:
    """Postings by word, read from the map (and checked) on first use."""

    def __init__(
        self,
        mapped: mmap.mmap,
        start: int,
        offsets: array[int],
        words: list[str],
        kinds: bytes,
        n: int,
    ) -> None:
        self._mapped, self._start, self._offsets = mapped, start, offsets
        self.mapped, self.start, self.offsets = mapped, start, offsets  # (wordfold)
        self.words, self.kinds, self.n = words, kinds, n
        self._where: dict[str, int] | None = None
        self.bitsets: dict[str, int] = {}

    def where(self, word: str, kind: int) -> int | None:
        where = self._where
        if where is None:
            where = self._where = {w: i for i, w in enumerate(self.words)}
        i = where.get(word)
        return i if i is not None and self.kinds[i] == kind else None

    def warm(self, pause: Callable[[], None]) -> None:
        """Make the words' lookup table now, `WARM_STEP` words at a time with `pause()`
        between (off the front end's thread): made at the first key of the first text
        query, it was ~60 ms of that key at 100,000 papers."""
        if self._where is not None:
            return
        where: dict[str, int] = {}
        words = self.words
        for start in range(0, len(words), WARM_STEP):
            part = words[start : start + WARM_STEP]
            where.update(zip(part, range(start, start + len(part)), strict=True))
            pause()
        if self._where is None:  # (unless a key made it meanwhile)
            self._where = where

    def blob(self, i: int) -> bytes:
        return self._mapped[self._start + self._offsets[i] : self._start + self._offsets[i + 1]]

    def close(self) -> None:
        """Unmap the file (nothing may be read after)."""
        self._mapped.close()

    def of_kind(self, kind: int) -> Iterator[str]:
        return (w for w, k in zip(self.words, self.kinds, strict=True) if k == kind)


_F, _R = ord("F"), ord("R")


class _Frequent(Mapping[str, int]):
    def __init__(self, postings: _Postings) -> None:
        self._postings = postings
        self._all = (1 << postings.n) - 1
        self.warm = postings.warm  # (see `WordIndex.warm`)

    def __getitem__(self, word: str) -> int:
        postings = self._postings
        bits = postings.bitsets.get(word)
        if bits is None:
            i = postings.where(word, _F)
            if i is None:
                raise KeyError(word)
            bits = int.from_bytes(postings.blob(i), "little") & self._all
            postings.bitsets[word] = bits
        return bits

    def __iter__(self) -> Iterator[str]:
        return self._postings.of_kind(_F)

    def __len__(self) -> int:
        return self._postings.kinds.count(b"F")


class _Rare(Mapping[str, Sequence[int]]):
    def __init__(self, postings: _Postings) -> None:
        self._postings = postings

    def __getitem__(self, word: str) -> Sequence[int]:
        postings = self._postings
        i = postings.where(word, _R)
        if i is None:
            raise KeyError(word)
        papers = _from_little("I", postings.blob(i))
        if papers and max(papers) >= postings.n:  # damaged: never a bit past the library
            return [p for p in papers if p < postings.n]
        return papers

    def __iter__(self) -> Iterator[str]:
        return self._postings.of_kind(_R)

    def __len__(self) -> int:
        return self._postings.kinds.count(b"R")
