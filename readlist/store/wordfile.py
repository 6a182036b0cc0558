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
after building the index itself at a start where the file was stale (the first start
after an import); an import does not, so that start searches abstracts only once they
are loaded ("searching abstracts…").

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

import mmap
import os
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import pairwise
from operator import le, lt
from pathlib import Path
from typing import overload

import orjson

from readlist.errors import LibraryError
from readlist.paths import LibraryPaths
from readlist.store.storage import Signature, atomic_write_parts, open_regular
from readlist.textindex import IndexParts, Joined, WordIndex, followers, following, overlaps

MARK = "word-index"
VERSION = 1
_SECTIONS = ("ids", "text_offsets", "words", "kinds", "posting_offsets", "postings", "texts")
_ID_BYTES = 16
_HEADER_LIMIT = 4096


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
    versions: tuple[Signature | None, Signature | None],
    ids: Sequence[str],
    parts: IndexParts,
) -> None:
    """Replace `path` with the index `parts` of the papers `ids` (raises OSError, and
    ValueError if `ids` are not one 16-character id per text)."""
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
    layout: dict[str, list[int]] = {}
    at = 0
    for name in _SECTIONS:
        size = (
            posting_offsets[-1]
            if name == "postings"
            else text_offsets[-1]
            if name == "texts"
            else len(sections[name])
        )
        layout[name] = [at, size]
        at += size
    from readlist.query.words import TOKENS  # not imported by every command (cli.py)

    header = {
        "readlist": MARK,
        "version": VERSION,
        "tokens": TOKENS,
        "papers": versions[0],
        "abstracts": versions[1],
        "n": n,
        "words": len(words),
        "sections": layout,
    }

    def chunks() -> Iterator[bytes]:
        yield orjson.dumps(header) + b"\n"
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


def restamp(
    path: Path,
    before: tuple[Signature | None, Signature | None],
    after: tuple[Signature | None, Signature | None],
) -> bool:
    """Name the index in `path`, built from the catalogue versions `before`, for the
    versions `after` (the same contents written again: a fold of the recent abstracts);
    whether it did. Everything after the header is copied as it is (raises OSError)."""
    try:
        reader = open_regular(path)
    except (OSError, LibraryError):
        return False
    with reader:
        first = reader.readline(_HEADER_LIMIT)
        try:
            header = orjson.loads(first)
        except orjson.JSONDecodeError:
            return False
        wanted = [list(v) if v is not None else None for v in before]
        if not (
            isinstance(header, dict)
            and header.get("readlist") == MARK
            and [header.get("papers"), header.get("abstracts")] == wanted
        ):
            return False
        header["papers"], header["abstracts"] = after

        def chunks() -> Iterator[bytes]:
            yield orjson.dumps(header) + b"\n"
            while chunk := reader.read(1 << 20):
                yield chunk

        atomic_write_parts(path, chunks())
    return True


def read_word_index(
    path: Path, versions: tuple[Signature | None, Signature | None], ids: Sequence[str]
) -> WordIndex | None:
    """The index in `path` if it was built from these versions of the catalogue files
    for exactly the papers `ids`; None if it is missing, stale or damaged."""
    try:
        reader = open_regular(path)
    except (OSError, LibraryError):
        return None
    with reader:
        try:
            if os.fstat(reader.fileno()).st_size == 0:
                return None
            mapped = mmap.mmap(reader.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None
    try:
        return _parse(mapped, versions, ids)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, orjson.JSONDecodeError):
        mapped.close()
        return None


def _parse(
    mapped: mmap.mmap, versions: tuple[Signature | None, Signature | None], ids: Sequence[str]
) -> WordIndex | None:
    end = mapped.find(b"\n", 0, _HEADER_LIMIT)
    if end < 0:
        return None
    header = orjson.loads(mapped[:end])
    if not (isinstance(header, dict) and header.get("readlist") == MARK):
        return None
    from readlist.query.words import TOKENS

    if header.get("version") != VERSION or header.get("tokens") != TOKENS:
        return None  # another layout, or words cut another way
    wanted = [list(v) if v is not None else None for v in versions]
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
    postings = _Postings(mapped, postings_span[0], posting_offsets, words, kinds, n)
    frequent = _Frequent(postings)
    rare = _Rare(postings)
    return WordIndex.from_parts(IndexParts(texts, words, frequent, rare))


class _Texts(Sequence[str]):
    """Each paper's searchable text, decoded from the map when asked for."""

    def __init__(self, mapped: mmap.mmap, start: int, offsets: array[int]) -> None:
        self._mapped, self._start, self._offsets = mapped, start, offsets

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
        self.words, self.kinds, self.n = words, kinds, n
        self._where: dict[str, int] | None = None
        self.bitsets: dict[str, int] = {}

    def where(self, word: str, kind: int) -> int | None:
        if self._where is None:
            self._where = {w: i for i, w in enumerate(self.words)}
        i = self._where.get(word)
        return i if i is not None and self.kinds[i] == kind else None

    def blob(self, i: int) -> bytes:
        return self._mapped[self._start + self._offsets[i] : self._start + self._offsets[i + 1]]

    def of_kind(self, kind: int) -> Iterator[str]:
        return (w for w, k in zip(self.words, self.kinds, strict=True) if k == kind)


_F, _R = ord("F"), ord("R")


class _Frequent(Mapping[str, int]):
    def __init__(self, postings: _Postings) -> None:
        self._postings = postings
        self._all = (1 << postings.n) - 1

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
