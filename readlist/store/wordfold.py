"""Folding the word index's tail into the index file: a streaming merge.

The fold used to write the whole index again from a `WordIndex` of index and tail
together: every posting list of the file read into Python and encoded again, ~1.1 s of
CPU and ~400 MB at 100,000 papers, on the import that passed the tail's limit. But the
tail's papers come after the index's (`wordfile.extend`), so the new file is the old one
with few pieces changed:

- ids, text offsets and texts: the old sections' bytes, then the tail's;
- the vocabulary: the old words, with the words only the tail holds put in order;
- postings: a list of a word the tail does not hold keeps its bytes; the tail's words
  get the new papers' positions appended; a bitset grows by the new papers' bytes.

Which words keep bitsets is decided as a fresh build decides it (`frequent_threshold`
of the new count), so the new file is byte for byte what `write_word_index` writes for
the library built afresh (tests/test_wordfile_tail.py builds both). Only the tail's
words and the bitsets are decoded; every other byte is copied from the memory map in
large pieces, whose pages are let go once written (file pages: kept, they would count
in the resident size, ~190 MB at 100,000 papers).
"""

from __future__ import annotations

import bisect
import contextlib
import mmap
import os
import secrets
from array import array
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

from readlist.bitsets import bits_of, indices_of
from readlist.errors import LibraryError
from readlist.store.storage import fsync_dir, open_regular
from readlist.store.wordfile import (
    _ID_BYTES,
    FOLD_MARK,
    _from_little,
    _header,
    _index_header,
    _little,
    _open,
    _Postings,
    _Stamp,
    _stored_ids,
    _Texts,
)
from readlist.textindex import frequent_threshold

_F, _R = ord("F"), ord("R")
_PIECE = 1 << 22  # bytes copied from the map at a time (then its pages are let go)
_GATHER = 1 << 20  # bytes of small pieces written at once


def fold(
    path: Path, index: _Stamp, stamp: _Stamp, ids: Sequence[str], texts: Sequence[str]
) -> bool:
    """Replace the index in `path`, which names the catalogue versions `index`, with one
    that also holds the papers `ids` (searchable `texts`) after its own, named `stamp`;
    False, with nothing written, if it cannot be read or is not that index. Raises
    OSError, and ValueError for ids that are not 16 characters."""
    staged = prepare(path, index, stamp, ids, texts)
    if staged is None:
        return False
    install(staged, path)
    return True


def prepare(
    path: Path, index: _Stamp, stamp: _Stamp, ids: Sequence[str], texts: Sequence[str]
) -> Path | None:
    """The folded index of `fold`, written and synced to a temporary file beside `path`
    (named as `storage` names its temporary files) for `install`; None, with nothing
    written, if the index cannot be read or is not that index. Needs no lock: it only
    reads the index (raises OSError, ValueError)."""
    if len(ids) != len(texts) or not all(len(p) == _ID_BYTES and p.isascii() for p in ids):
        raise ValueError("the word index needs one 16-character paper id per text")
    header = _header(path)
    stored = None if header is None else _stored_ids(path, header)
    if stored is None:
        return None
    old = [stored[i : i + _ID_BYTES] for i in range(0, len(stored), _ID_BYTES)]
    try:
        reader = open_regular(path)
    except LibraryError:
        return None
    with reader:
        opened = _open(reader, index, old)
        if opened is None:
            return None
        old_texts, postings = opened
        parts = _merged(stored, old_texts, postings, ids, texts, stamp)
        staged = path.with_name(f".{path.name}{FOLD_MARK}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                _write(fd, reader.fileno(), postings.mapped, parts)
                os.fsync(fd)
            finally:
                os.close(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(staged)
            raise
        finally:
            postings.close()
    return staged


def install(staged: Path, path: Path) -> None:
    """Put the file `prepare` wrote in place of the index in `path` (atomically: a
    rename, then a sync of the folder). Under the library's lock, once the caller has
    checked that the catalogue is still the one the fold describes."""
    try:
        os.replace(staged, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(staged)
        raise
    fsync_dir(path.parent)


def _write(
    fd: int, source: int, mapped: mmap.mmap, parts: Iterator[bytes | tuple[int, int]]
) -> None:
    """Write `parts` to `fd`: bytes (gathered into writes of ~1 MB: the postings that
    change are thousands of small pieces), or a span of the file `source` (mapped in
    `mapped`), copied by the kernel where it can (no page of it read into this process:
    ~190 MB at 100,000 papers), else from the map."""
    kernel = hasattr(os, "copy_file_range")
    pending = bytearray()

    def put(blob: bytes | bytearray) -> None:
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view) :]

    for part in parts:
        if not isinstance(part, tuple):
            pending += part
            if len(pending) >= _GATHER:
                put(pending)
                pending.clear()
            continue
        if pending:
            put(pending)
            pending.clear()
        lo, hi = part
        while kernel and lo < hi:
            try:
                done = os.copy_file_range(source, fd, hi - lo, lo)
            except OSError:  # (a file system or kernel without it: copied below)
                kernel = False
                break
            if done <= 0:
                raise OSError(f"the word index file ended {hi - lo} bytes short")
            lo += done
        for piece in _copied(mapped, lo, hi):
            put(piece)
    if pending:
        put(pending)


def _merged(
    stored_ids: str,
    old_texts: _Texts,
    postings: _Postings,
    ids: Sequence[str],
    texts: Sequence[str],
    stamp: _Stamp,
) -> Iterator[bytes | tuple[int, int]]:
    """The bytes of the folded index, section after section (see `wordfile`); spans
    of the old file (`lo`, `hi`) where they are its bytes."""
    n0 = len(old_texts)
    n = n0 + len(texts)
    added: defaultdict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts, start=n0):
        for word in set(text.split()):
            added[word].append(i)
    added.pop("|", None)  # the field separator
    words, kinds = postings.words, postings.kinds
    if kinds.count(b"F") + kinds.count(b"R") != len(kinds):  # the reader skips such words
        raise ValueError("the word index file is damaged: a word's postings have no kind")
    # What is encoded again, by old position: the tail's words, and every bitset (it
    # grows, and its word may no longer be frequent enough to keep one).
    changed: dict[int, list[int]] = {}
    new: list[tuple[int, int, str]] = []
    for word, more in added.items():
        at = bisect.bisect_left(words, word)
        if at < len(words) and words[at] == word:
            changed[at] = more
        else:
            new.append((at, 0, word))  # before the old word at `at`
    at = kinds.find(b"F")
    while at >= 0:
        changed.setdefault(at, [])
        at = kinds.find(b"F", at + 1)
    events = sorted([*new, *((at, 1, "") for at in changed)])

    threshold = frequent_threshold(n)
    byte_length = (n + 7) // 8
    old_all = (1 << n0) - 1
    offsets = postings.offsets
    merged_words: list[str] = []
    out_kinds = bytearray()
    out_offsets = array("Q")
    # New postings, a span of the old ones, or the old position of a bitset that grows.
    pieces: list[bytes | tuple[int, int] | int] = []
    done = 0  # old words up to here are written
    size = 0  # bytes of postings so far

    def copy_to(end: int) -> None:
        nonlocal done, size
        if end <= done:
            return
        shift = size - offsets[done]
        run = offsets[done:end]
        out_offsets.extend(map(shift.__add__, run) if shift else run)
        out_kinds.extend(kinds[done:end])
        merged_words.extend(words[done:end])
        pieces.append((offsets[done], offsets[end]))
        size += offsets[end] - offsets[done]
        done = end

    mapped, start = postings.mapped, postings.start
    read = _Reader(mapped, start, offsets)
    for at, is_old, word in events:
        copy_to(at)
        if is_old:
            more = changed[at]
            blob = read(at)
            if kinds[at] == _F:
                bits = int.from_bytes(blob, "little") & old_all
                count = bits.bit_count() + len(more)
                if count >= threshold:  # grown when written (`grown`): not held here
                    merged_words.append(words[at])
                    done = at + 1
                    out_offsets.append(size)
                    out_kinds.append(_F)
                    pieces.append(at)
                    size += byte_length
                    continue
                if more:
                    bits |= bits_of([i - n0 for i in more], n - n0) << n0
                papers: array[int] | None = None
            else:
                papers = _from_little("I", blob)
                if papers and max(papers) >= n0:  # damaged: never a bit past the papers
                    papers = array("I", (p for p in papers if p < n0))
                count = len(papers) + len(more)
                bits = 0
            if count >= threshold:
                kind = _F
                if papers is not None:
                    bits = bits_of([*papers, *more], n)
                blob = bits.to_bytes(byte_length, "little")
            else:
                kind = _R
                if papers is None:
                    blob = _little(array("I", indices_of(bits, n)))
                else:
                    blob = _little(papers) + _little(array("I", more))
            merged_words.append(words[at])
            done = at + 1
        else:
            more = added[word]
            if len(more) >= threshold:
                kind, blob = _F, bits_of(more, n).to_bytes(byte_length, "little")
            else:
                kind, blob = _R, _little(array("I", more))
            merged_words.append(word)
        out_offsets.append(size)
        out_kinds.append(kind)
        pieces.append(blob)
        size += len(blob)
    copy_to(len(words))
    out_offsets.append(size)

    text_offsets = array("Q", old_texts.offsets)
    end = text_offsets[-1]
    fresh: list[bytes] = []
    for text in texts:
        fresh.append(text.encode() + b"\n")
        end += len(fresh[-1])
        text_offsets.append(end)
    sections = {
        "ids": (stored_ids + "".join(ids)).encode("ascii"),
        "text_offsets": _little(text_offsets),
        "words": "\n".join(merged_words).encode(),
        "kinds": bytes(out_kinds),
        "posting_offsets": _little(out_offsets),
    }
    merged_words.clear()  # (the sections hold their bytes: 124,000 words at 100k papers)
    sizes = {name: len(blob) for name, blob in sections.items()}
    sizes["postings"], sizes["texts"] = size, end
    yield _index_header(stamp, n, len(words) + len(new), sizes)
    for name in ("ids", "text_offsets", "words", "kinds", "posting_offsets"):
        yield sections.pop(name)
    _release(mapped, 0, start)  # the sections read when the file was opened
    read = _Reader(mapped, start, offsets)
    for piece in pieces:
        if isinstance(piece, bytes):
            yield piece
        elif isinstance(piece, int):
            yield _grown(read(piece), changed[piece], n0, n)
        else:
            yield start + piece[0], start + piece[1]
    _release(mapped, start, start + size)
    lo = old_texts.start
    yield lo, lo + old_texts.offsets[-1]
    yield b"".join(fresh)


class _Reader:
    """Postings read from the map in the file's order, their pages let go every few MB
    (the bitsets alone are ~24 MB at 100,000 papers)."""

    def __init__(self, mapped: mmap.mmap, start: int, offsets: array[int]) -> None:
        self._mapped, self._start, self._offsets = mapped, start, offsets
        self._kept = start  # pages from here on may be resident

    def __call__(self, i: int) -> bytes:
        lo, hi = self._start + self._offsets[i], self._start + self._offsets[i + 1]
        if lo - self._kept > _PIECE:
            _release(self._mapped, self._kept, lo)
            self._kept = lo - lo % mmap.PAGESIZE
        return self._mapped[lo:hi]


def _grown(blob: bytes, more: list[int], n0: int, n: int) -> bytes:
    """The bitset `blob` of `n0` papers as one of `n`, with the bits `more` (all past
    `n0`) set: the old bytes as they are, then the new ones (`int.to_bytes` of the
    whole set was ~60 us a bitset at 100,000 papers)."""
    low, part, byte_length = n0 >> 3, n0 & 7, (n + 7) // 8
    if len(blob) != (n0 + 7) // 8:  # damaged: only bits of papers are kept
        bits = int.from_bytes(blob, "little") & ((1 << n0) - 1)
        return (bits | bits_of([i - n0 for i in more], n - n0) << n0).to_bytes(
            byte_length, "little"
        )
    if byte_length == low:
        return blob[:low]
    later = bits_of([i - n0 + part for i in more], n - n0 + part).to_bytes(
        byte_length - low, "little"
    )
    if not part:
        return blob[:low] + later
    first = (blob[low] & ((1 << part) - 1)) | later[0]  # its bits past n0: never set
    return b"".join((blob[:low], bytes((first,)), later[1:]))


def _copied(mapped: mmap.mmap, lo: int, hi: int) -> Iterator[bytes]:
    """The bytes of `mapped` from `lo` to `hi`, in pieces; the pages of each piece are
    let go from this process's resident memory once it has been written."""
    for at in range(lo, hi, _PIECE):
        stop = min(at + _PIECE, hi)
        yield mapped[at:stop]
        _release(mapped, at, stop)


def _release(mapped: mmap.mmap, lo: int, hi: int) -> None:
    """Drop the map's pages from `lo` to `hi` from this process's resident memory (file
    pages: read again from the page cache if needed, see `wordfile._Texts.release`)."""
    first = lo - lo % mmap.PAGESIZE
    last = min(hi, len(mapped))
    if last > first and hasattr(mapped, "madvise"):
        mapped.madvise(mmap.MADV_DONTNEED, first, last - first)
