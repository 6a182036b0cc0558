"""The identity index: which paper an incoming one is, without parsing the catalogue.

A daily import of 30 papers into a 100,000-paper library must find the few papers it
meets (by title identity or arXiv id) and write the papers file with those documents
replaced and the new ones added. Parsing and checking the 43 MB papers file to do so
was most of the import (~1.3 s of ~2 s). `<library>.identity.idx` lets the import skip
it: for the papers file as it is (its signature, see `storage.signature`) it holds

    ids          n x 16 ASCII bytes: the paper ids, in catalogue order
    offsets      (n + 1) x u64: where each document (`"<id>":{...}`) starts in the papers
                 file's bytes; the last is where the papers table closes
    key_hashes   sorted u64 hashes of identity keys, with key_positions (u32): the
                 position of a paper that has (or once had) that key
    arxiv_hashes the same for arXiv ids, with arxiv_positions

and, in its one-line JSON header, the positions of removed papers. A lookup gives
candidate positions; each candidate's document is cut out of the papers file's bytes,
parsed, and its title's identity key (or arXiv id) compared, so a hash collision or a
record left from an older title costs a parse, never a wrong match. The first
candidate in catalogue order wins, as in `store._Matcher`.

The file is derived data, like the word index (wordfile.py): used only if it was built
for exactly the papers file on disk (same signature, same size), otherwise stale and
rebuilt by the next import that reads the catalogue whole; a damaged file reads as
stale (a CRC-32 of its sections is in the header: a flipped bit could otherwise hide a
match, and the import would add the paper again). A papers file that matches it was
written by readlist (the index is written right after, under the same lock), so the
documents an import does not touch are copied as bytes, not checked again; the ones
it touches are checked as every read checks them. An index written wrongly by readlist
itself could hide a match the same way (a duplicate paper, never a wrong merge: every
match is verified); the differential test in tests/test_store_identity.py guards that.

Its header may also record the papers file's fingerprint (`papers_sha256`, see
`storage.fingerprint`): a copy of the library (new inode and mtime, the same bytes) is
then vouched for by `Store._papers_vouched` too, and the index restamped with the new
signature in the TUI's background stage (`Store.keep_fingerprints`, which also adds the
fingerprint to an index an import wrote: imports do not hash the file). Imports and
lookups by id use the index by signature only.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from readlist.errors import LibraryError
from readlist.paths import LibraryPaths
from readlist.store.storage import (
    Fingerprint,
    Signature,
    as_fingerprint,
    atomic_write_parts,
    open_regular,
)
from readlist.store.wordfile import _from_little, _little  # one byte order for both index files

MARK = "identity-index"
VERSION = 1
_ID_BYTES = 16
_HEADER_LIMIT = 1 << 24  # the removed papers' positions are in the header
_SECTIONS = ("ids", "offsets", "key_hashes", "key_positions", "arxiv_hashes", "arxiv_positions")


def identity_index_path(paths: LibraryPaths) -> Path:
    stem = paths.annotations.name
    stem = stem[: -len(".json")] if stem.endswith(".json") else stem
    return paths.papers.with_name(f"{stem}.identity.idx")


def hash_of(text: str) -> int:
    """A stable 64-bit hash (Python's own `hash` differs between processes)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _sorted_hashes(texts: Sequence[str], positions: Sequence[int]) -> tuple[array[int], array[int]]:
    """The `hash_of` each text, sorted, and the positions in the same order (ties in
    the order given): what sorting (hash, position) pairs gives, at a fifth of the cost
    for the 100,000 papers of a first import (no tuple per paper, the digests made in
    one pass and read as one array)."""
    blake2b = hashlib.blake2b
    hashes = _from_little(
        "Q", b"".join([blake2b(text.encode(), digest_size=8).digest() for text in texts])
    )
    order = sorted(range(len(hashes)), key=hashes.__getitem__)
    return array("Q", [hashes[i] for i in order]), array("I", [positions[i] for i in order])


@dataclass(slots=True)
class IdentityIndex:
    """The index of one version of the papers file (see the module docstring)."""

    papers: Signature
    ids: bytes
    """The paper ids, 16 ASCII bytes each, in catalogue order."""
    offsets: array[int]
    removed: set[int]
    key_hashes: array[int]
    key_positions: array[int]
    arxiv_hashes: array[int]
    arxiv_positions: array[int]
    _positions: dict[bytes, int] | None = None
    papers_sum: Fingerprint | None = None
    """The fingerprint of the papers file at `papers`, recorded in the header when known
    (see `read_identity_index`)."""
    copied: bool = False
    """Current by the fingerprint alone: its file names another signature (a copy)."""

    @classmethod
    def build(
        cls,
        papers: Signature,
        entries: Sequence[tuple[str, str, str | None, bool]],
        offsets: Sequence[int],
    ) -> IdentityIndex:
        """The index of papers `(id, identity key, arXiv id, removed)` in catalogue
        order, whose documents start at `offsets` (plus where the table closes)."""
        if len(offsets) != len(entries) + 1:
            raise ValueError("the identity index needs one offset per paper, and the end")
        pids, keys, arxiv_ids, removed = zip(*entries, strict=True) if entries else ((),) * 4
        key_hashes, key_positions = _sorted_hashes(keys, range(len(keys)))
        arxiv_at = [i for i, a in enumerate(arxiv_ids) if a]
        arxiv_hashes, arxiv_positions = _sorted_hashes([arxiv_ids[i] for i in arxiv_at], arxiv_at)
        return cls(
            papers=papers,
            ids="".join(pids).encode("ascii"),
            offsets=array("Q", offsets),
            removed={i for i, gone in enumerate(removed) if gone},
            key_hashes=key_hashes,
            key_positions=key_positions,
            arxiv_hashes=arxiv_hashes,
            arxiv_positions=arxiv_positions,
        )

    def __len__(self) -> int:
        return len(self.ids) // _ID_BYTES

    def id_at(self, i: int) -> str:
        return self.ids[i * _ID_BYTES : (i + 1) * _ID_BYTES].decode("ascii")

    def position_of(self, pid: str) -> int | None:
        """Where paper `pid` is in the catalogue, if it is there."""
        if self._positions is None:
            # Cut by struct, in C: half the time of slicing in a comprehension (~25 of
            # ~50 ms at 100,000 papers, for every import through the index). Searching
            # the bytes for each id instead is ~1 ms a lookup: more for a daily page.
            n = len(self)
            cut = struct.unpack(f"{_ID_BYTES}s" * n, self.ids)
            self._positions = dict(zip(cut, range(n), strict=True))
        return self._positions.get(pid.encode("ascii", "replace"))

    def key_candidates(self, key: str) -> list[int]:
        return _candidates(self.key_hashes, self.key_positions, hash_of(key))

    def arxiv_candidates(self, arxiv_id: str) -> list[int]:
        return _candidates(self.arxiv_hashes, self.arxiv_positions, hash_of(arxiv_id))

    def add_records(
        self, keys: Iterable[tuple[str, int]], arxiv: Iterable[tuple[str, int]]
    ) -> None:
        """Record (key, position) and (arXiv id, position) pairs (kept sorted)."""
        _insert(self.key_hashes, self.key_positions, keys)
        _insert(self.arxiv_hashes, self.arxiv_positions, arxiv)

    def with_removed(
        self, papers: Signature, offsets: Sequence[int], removed: Mapping[str, bool]
    ) -> IdentityIndex | None:
        """The index of the papers file `papers`, written as this index's file with only
        the removed marks of some papers changed (`removed`: id -> now removed), whose
        documents now start at `offsets`; None if it cannot be (an id not in the index,
        another number of papers). Titles and arXiv ids are as they were, so their
        records are this index's; `remove`, `restore` and an undo of an import keep the
        index current this way, without an identity key computed."""
        if len(offsets) != len(self) + 1:
            return None
        marks = set(self.removed)
        for pid, gone in removed.items():
            at = self.position_of(pid)
            if at is None:
                return None
            (marks.add if gone else marks.discard)(at)
        return IdentityIndex(
            papers=papers,
            ids=self.ids,
            offsets=array("Q", offsets),
            removed=marks,
            key_hashes=self.key_hashes,
            key_positions=self.key_positions,
            arxiv_hashes=self.arxiv_hashes,
            arxiv_positions=self.arxiv_positions,
        )

    def write(self, path: Path) -> None:
        """Replace `path` with this index (atomically; raises OSError)."""
        n = len(self)
        if len(self.offsets) != n + 1 or len(self.ids) != n * _ID_BYTES or not self.ids.isascii():
            raise ValueError("an identity index needs one 16-character id and offset per paper")
        sections = {
            "ids": self.ids,
            "offsets": _little(self.offsets),
            "key_hashes": _little(self.key_hashes),
            "key_positions": _little(self.key_positions),
            "arxiv_hashes": _little(self.arxiv_hashes),
            "arxiv_positions": _little(self.arxiv_positions),
        }
        header = {
            "readlist": MARK,
            "version": VERSION,
            "papers": list(self.papers),
            "n": n,
            **({} if self.papers_sum is None else {"papers_sha256": list(self.papers_sum)}),
            "removed": sorted(self.removed),
            "sizes": [len(sections[name]) for name in _SECTIONS],
            "crc32": _crc(sections.values()),
        }
        atomic_write_parts(path, [orjson.dumps(header) + b"\n", *sections.values()])


def _coalesced(parts: list[bytes | memoryview]) -> list[bytes | memoryview]:
    """Small parts joined (one write each, not one per document); large ones as they are."""
    out: list[bytes | memoryview] = []
    small = bytearray()
    for part in parts:
        if len(part) < 1 << 16:
            small += part
            continue
        if small:
            out.append(bytes(small))
            small.clear()
        out.append(part)
    if small:
        out.append(bytes(small))
    return out


def _crc(parts: Iterable[bytes]) -> int:
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    return crc


def _candidates(hashes: array[int], positions: array[int], h: int) -> list[int]:
    lo = bisect_left(hashes, h)
    hi = bisect_right(hashes, h, lo)
    return sorted(positions[lo:hi])


def _insert(hashes: array[int], positions: array[int], pairs: Iterable[tuple[str, int]]) -> None:
    new = [(hash_of(text), at) for text, at in pairs]
    if len(new) > 256:  # many: one sort, not a memmove each
        merged = sorted([*zip(hashes, positions, strict=True), *new])
        hashes[:] = array("Q", (h for h, _ in merged))
        positions[:] = array("I", (p for _, p in merged))
        return
    for h, at in new:
        i = bisect_right(hashes, h)
        hashes.insert(i, h)
        positions.insert(i, at)


SameContent = Callable[[object, Signature], bool]
"""Whether the papers file at a version holds the bytes a recorded fingerprint says
(`storage.SameContent`)."""


def read_identity_index(
    path: Path, papers: Signature, same_content: SameContent | None = None
) -> IdentityIndex | None:
    """The index in `path` if it was built for the papers file version `papers`; None
    if it is missing, stale or damaged. With `same_content`, an index built for another
    version is current if the papers file now holds the very bytes whose fingerprint
    it records (a copy of the library); it is then marked `copied`."""
    try:
        with open_regular(path) as reader:
            blob = reader.read()
    except (OSError, LibraryError):
        return None
    try:
        return _parse(blob, papers, same_content)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, orjson.JSONDecodeError):
        return None


def identity_header(path: Path) -> dict[str, Any] | None:
    """The header of the index in `path` alone (not checked against its sections)."""
    try:
        with open_regular(path) as reader:
            line = reader.readline(_HEADER_LIMIT)
        header = orjson.loads(line)
    except (OSError, LibraryError, orjson.JSONDecodeError):
        return None
    return header if isinstance(header, dict) and header.get("readlist") == MARK else None


def _parse(
    blob: bytes, papers: Signature, same_content: SameContent | None = None
) -> IdentityIndex | None:
    end = blob.find(b"\n", 0, _HEADER_LIMIT)
    if end < 0:
        return None
    header = orjson.loads(blob[:end])
    if not (isinstance(header, dict) and header.get("readlist") == MARK):
        return None
    if header.get("version") != VERSION:
        return None
    copied = header.get("papers") != list(papers)
    if copied and not (
        same_content is not None and same_content(header.get("papers_sha256"), papers)
    ):
        return None
    n, sizes, removed = header["n"], header["sizes"], header["removed"]
    if not (isinstance(n, int) and isinstance(sizes, list) and len(sizes) == len(_SECTIONS)):
        return None
    if not (isinstance(removed, list) and all(type(i) is int and 0 <= i < n for i in removed)):
        return None
    at = end + 1
    parts: dict[str, bytes] = {}
    for name, size in zip(_SECTIONS, sizes, strict=True):
        if type(size) is not int or size < 0:
            return None
        parts[name] = blob[at : at + size]
        at += size
    if at != len(blob) or len(parts["ids"]) != n * _ID_BYTES or not parts["ids"].isascii():
        return None
    if header.get("crc32") != _crc(parts.values()):
        return None  # damaged: a missed match would make a duplicate paper
    index = IdentityIndex(
        papers=papers,
        ids=parts["ids"],
        offsets=_from_little("Q", parts["offsets"]),
        removed=set(removed),
        key_hashes=_from_little("Q", parts["key_hashes"]),
        key_positions=_from_little("I", parts["key_positions"]),
        arxiv_hashes=_from_little("Q", parts["arxiv_hashes"]),
        arxiv_positions=_from_little("I", parts["arxiv_positions"]),
        papers_sum=as_fingerprint(header.get("papers_sha256")),
        copied=copied,
    )
    if not (
        len(index.offsets) == n + 1
        and len(index.key_hashes) == len(index.key_positions)
        and len(index.arxiv_hashes) == len(index.arxiv_positions)
        and index.offsets[n] <= papers[1]
        and max(index.key_positions, default=-1) < n
        and max(index.arxiv_positions, default=-1) < n
    ):
        return None
    return index


class StaleIndex(Exception):
    """The papers file is not what the identity index describes: read it whole instead."""


def _table_end() -> bytes:
    from readlist.store.storage import FORMAT_TABLE, VERSIONS

    marker = {FORMAT_TABLE: {"format": {"kind": "papers", "version": VERSIONS["papers"]}}}
    return b"}," + orjson.dumps(marker)[1:]


_HEAD = b'{"papers":{'


class IndexedCatalogue:
    """The papers file's bytes and their identity index; documents are cut out, parsed
    and checked one at a time, when a lookup needs them. Raises `StaleIndex` (before
    anything is written) wherever the bytes are not what the index says."""

    def __init__(self, path: Path, blob: bytes, index: IdentityIndex) -> None:
        self.path = path
        self.blob = blob
        self.index = index
        self._docs: dict[int, dict[str, object]] = {}
        self._keys: dict[str, str | None] = {}
        self._arxiv: dict[str, str | None] = {}
        self._met: dict[str, int] = {}
        """Paper id -> position of the papers a lookup found: the later lookups of an
        import are by those ids, and the index's own id -> position map costs ~30 ms
        to build at 100,000 papers (it is built only for an id not met here)."""

    @classmethod
    def open(cls, path: Path, index_path: Path) -> IndexedCatalogue | None:
        """The catalogue in `path` with its index, if the index is current; else None."""
        try:
            with open_regular(path) as reader:
                st = os.fstat(reader.fileno())
                blob = reader.read()
        except (OSError, LibraryError):
            return None
        version: Signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        end = _table_end()
        if len(blob) != st.st_size or not (blob.startswith(_HEAD) and blob.endswith(end)):
            return None  # an older format, another layout, or damaged: read it whole
        index = read_identity_index(index_path, version)
        if index is None or index.offsets[len(index)] != len(blob) - len(end):
            return None
        if len(index) and index.offsets[0] != len(_HEAD):
            return None
        return cls(path, blob, index)

    def __contains__(self, pid: object) -> bool:
        return isinstance(pid, str) and self.position_of(pid) is not None

    def position_of(self, pid: str) -> int | None:
        """`IdentityIndex.position_of`, for a paper a lookup found without the map."""
        at = self._met.get(pid)
        return at if at is not None else self.index.position_of(pid)

    def _found(self, i: int) -> str:
        """The id at position `i`, a match of a lookup (remembered: `_met`)."""
        pid = self.index.id_at(i)
        self._met[pid] = i
        return pid

    def _span(self, i: int) -> tuple[int, int]:
        offsets, n = self.index.offsets, len(self.index)
        return offsets[i], (offsets[i + 1] - 1 if i < n - 1 else offsets[n])

    def doc_at(self, i: int) -> dict[str, object]:
        if i not in self._docs:
            from readlist.store.documents import check_paper_docs

            pid = self.index.id_at(i)
            start, stop = self._span(i)
            blob = self.blob
            if (
                blob[start : start + 20] != b'"' + pid.encode() + b'":{'
                or blob[stop - 1 : stop] != b"}"
            ):
                raise StaleIndex
            if i < len(self.index) - 1 and blob[stop : stop + 1] != b",":
                raise StaleIndex
            try:
                doc = orjson.loads(b"{" + blob[start:stop] + b"}")[pid]
                check_paper_docs(self.path, {pid: doc})
            except (orjson.JSONDecodeError, LibraryError, KeyError, TypeError):
                raise StaleIndex from None
            self._docs[i] = doc
        return self._docs[i]

    def doc(self, pid: str) -> dict[str, object]:
        at = self.position_of(pid)
        if at is None:
            raise KeyError(pid)
        return self.doc_at(at)

    def by_key(self, key: str) -> str | None:
        """The first paper (in catalogue order) whose title has this identity key."""
        from readlist.models import identity_key

        if key not in self._keys:
            self._keys[key] = next(
                (
                    self._found(i)
                    for i in self.index.key_candidates(key)
                    if identity_key(str(self.doc_at(i)["title"])) == key
                ),
                None,
            )
        return self._keys[key]

    def by_arxiv(self, arxiv_id: str) -> str | None:
        if arxiv_id not in self._arxiv:
            self._arxiv[arxiv_id] = next(
                (
                    self._found(i)
                    for i in self.index.arxiv_candidates(arxiv_id)
                    if self.doc_at(i)["arxiv_id"] == arxiv_id
                ),
                None,
            )
        return self._arxiv[arxiv_id]

    def spliced(
        self, changed: dict[str, dict[str, object]]
    ) -> tuple[list[bytes | memoryview], IdentityIndex]:
        """The papers file with `changed` replacing (or, new ids, following) the
        documents, as parts to write; and its index, waiting for its signature.

        Every document `changed` replaces must have been read (`doc`) first.
        """
        from readlist.models import identity_key

        index, blob = self.index, memoryview(self.blob)
        n = len(index)
        position = {pid: self.position_of(pid) for pid in changed}
        replaced = sorted((at, pid) for pid, at in position.items() if at is not None)
        added = [pid for pid, at in position.items() if at is None]
        parts: list[bytes | memoryview] = []
        deltas: list[tuple[int, int]] = []
        at = 0
        removed = set(index.removed)
        keys: list[tuple[str, int]] = []
        arxiv: list[tuple[str, int]] = []
        for i, pid in replaced:
            old = self.doc_at(i)
            doc = changed[pid]
            start, stop = self._span(i)
            encoded = orjson.dumps({pid: doc})[1:-1]
            parts += [blob[at:start], encoded]
            at = stop
            deltas.append((i, len(encoded) - (stop - start)))
            if doc["title"] != old["title"]:
                keys.append((identity_key(str(doc["title"])), i))
            if doc["arxiv_id"] and doc["arxiv_id"] != old["arxiv_id"]:
                arxiv.append((str(doc["arxiv_id"]), i))
            (removed.add if doc["removed"] is not None else removed.discard)(i)
        end = index.offsets[n]
        parts.append(blob[at:end])
        # Each document after a replaced one moves by the replaced documents' change in
        # length: the offsets are shifted a run at a time (the runs before the first
        # replaced document, often all but the last few, are copied as they are).
        offsets = array("Q")
        shift, start = 0, 0
        for i, delta in deltas:
            run = index.offsets[start : i + 1]
            offsets += array("Q", [offset + shift for offset in run]) if shift else run
            shift, start = shift + delta, i + 1
        run = index.offsets[start:]
        offsets += array("Q", [offset + shift for offset in run]) if shift else run
        here = offsets.pop()  # where the table closed: the new documents go there
        ids = bytearray(index.ids)
        count = n
        for pid in added:
            doc = changed[pid]
            separator = b"," if count else b""
            encoded = orjson.dumps({pid: doc})[1:-1]
            parts += [separator, encoded]
            offsets.append(here + len(separator))
            here += len(separator) + len(encoded)
            keys.append((identity_key(str(doc["title"])), count))
            if doc["arxiv_id"]:
                arxiv.append((str(doc["arxiv_id"]), count))
            if doc["removed"] is not None:
                removed.add(count)
            ids += pid.encode("ascii")
            count += 1
        offsets.append(here)
        parts.append(_table_end())
        parts = _coalesced(parts)
        new = IdentityIndex(
            papers=index.papers,  # replaced by the caller once the file is written
            ids=bytes(ids),
            offsets=offsets,
            removed=removed,
            key_hashes=array("Q", index.key_hashes),
            key_positions=array("I", index.key_positions),
            arxiv_hashes=array("Q", index.arxiv_hashes),
            arxiv_positions=array("I", index.arxiv_positions),
        )
        new.add_records(keys, arxiv)
        return parts, new


def documents_by_id_prefix(
    path: Path, index_path: Path, prefix: str
) -> tuple[Signature, dict[str, Any]] | None:
    """The documents of the papers file `path` whose id starts with `prefix`, with the
    file's version, through its identity index: only those documents' bytes are read
    (a command on one paper by id at 100,000 papers need not read 43 MB). None when the
    index is not current for the file as it is, or the bytes are not where it says;
    the caller then scans the file (`storage.documents_by_key_prefix`). The documents
    are parsed, not checked."""
    wanted = prefix.encode("ascii", "replace")
    try:
        with open_regular(path) as reader:
            st = os.fstat(reader.fileno())
            version: Signature = (st.st_ino, st.st_size, st.st_mtime_ns)
            index = read_identity_index(index_path, version)
            if index is None:
                return None
            n, end = len(index), _table_end()
            offsets = index.offsets
            if offsets[n] != st.st_size - len(end) or (n and offsets[0] != len(_HEAD)):
                return None
            if reader.read(len(_HEAD)) != _HEAD:
                return None
            reader.seek(offsets[n])
            if reader.read() != end:
                return None
            found: dict[str, Any] = {}
            at = index.ids.find(wanted)
            while at >= 0:
                if at % _ID_BYTES == 0:
                    i = at // _ID_BYTES
                    pid = index.id_at(i)
                    # The document and the byte after it: the "," or the table's end.
                    last = i == n - 1
                    start, stop = offsets[i], offsets[i + 1] + last
                    reader.seek(start)
                    piece = reader.read(stop - start)
                    if not (
                        piece.startswith(b'"' + pid.encode() + b'":{')
                        and piece.endswith(b"}}" if last else b"},")
                    ):
                        return None
                    found[pid] = orjson.loads(b"{" + piece[:-1] + b"}")[pid]
                at = index.ids.find(wanted, at + 1)
    except (OSError, LibraryError, orjson.JSONDecodeError, KeyError, TypeError):
        return None
    return version, found
