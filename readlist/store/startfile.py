"""The start file: the papers file's documents in a form that loads twice as fast.

The TUI's first frame at 100,000 papers spent ~0.55 s of CPU reading the 42 MB papers
file: `orjson.loads` of one object per paper (0.25 s) and picking each document's values
out of it by name (0.15 s), before the `Paper`s were built. `<library>.start.json` holds the
same documents as one JSON array of arrays, in catalogue order:

    {"readlist": "start-file", "version": 1, "papers": [inode, size, mtime_ns],
     "fields": [the stored fields, in schema order], "n": N, "size": S, "crc32": C}\n
    [[id, ...N ids], [[value, ...one per field], ...N rows]]

so that it is parsed in ~0.15 s and each row goes to the paper builder as it is
(documents.py), with no name lookups. Removed papers are in it, as in the papers file.

It is derived data, like the identity index (identity.py) and the word index
(wordfile.py), and trusted on the same terms: it is used only if it was written for exactly
the papers file on disk (its signature, see `storage.signature`) and only for a papers file
in the current format whose every document readlist checked (read whole and checked, or
vouched for by its identity index: `Store._table`). A stale file (the papers file changed
since: any import, an editor, a cut-off write) or a damaged one (its header, size, CRC-32
or shape do not hold) is ignored, and the papers file is read and checked as before; the
next TUI start writes it anew (`Store.keep_start_file`, after the first frame). A papers
file damaged after the start file was written therefore has another signature and is
still reported at open, naming the papers file. Someone who rewrites the papers file in
place keeping inode, size and mtime is not caught: the identity index trusts the same.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from readlist.errors import LibraryError
from readlist.gcutil import gc_paused
from readlist.models import Paper
from readlist.paths import LibraryPaths
from readlist.store.documents import _STORED, _build_paper, _get_stored  # the papers' shape
from readlist.store.storage import Signature, atomic_write_parts, open_regular

MARK = "start-file"
VERSION = 1
_HEADER_LIMIT = 1 << 16


def start_file_path(paths: LibraryPaths) -> Path:
    stem = paths.annotations.name
    stem = stem[: -len(".json")] if stem.endswith(".json") else stem
    return paths.papers.with_name(f"{stem}.start.json")


@dataclass(frozen=True, slots=True)
class StartFile:
    """The documents of one version of the papers file (see the module docstring)."""

    papers: Signature
    ids: list[str]
    rows: list[list[Any]]
    """Each paper's stored values, in schema order (`documents._STORED`)."""

    def __len__(self) -> int:
        return len(self.ids)

    def papers_of(self, abstracts: Mapping[str, str]) -> list[Paper]:
        """Every paper (removed ones included), as `papers_from_docs` builds them."""
        get = abstracts.get
        build = _build_paper
        with gc_paused():
            return [
                build(pid, get(pid, ""), row) for pid, row in zip(self.ids, self.rows, strict=True)
            ]


def write_start_file(path: Path, papers: Signature, docs: Mapping[str, Any]) -> None:
    """Write the start file of the papers file version `papers`, whose (checked, current
    format) documents are `docs`. Raises OSError; the old file stays whole on error."""
    body = orjson.dumps([list(docs), [_get_stored(doc) for doc in docs.values()]])
    header = {
        "readlist": MARK,
        "version": VERSION,
        "papers": list(papers),
        "fields": list(_STORED),
        "n": len(docs),
        "size": len(body),
        "crc32": zlib.crc32(body),
    }
    atomic_write_parts(path, [orjson.dumps(header), b"\n", body])


def read_start_file(path: Path, papers: Signature) -> StartFile | None:
    """The start file in `path` if it was written for the papers file version `papers`;
    None if it is missing, stale or damaged (never raises for its content)."""
    try:
        with open_regular(path) as reader:
            head = reader.read(_HEADER_LIMIT)
            end = head.find(b"\n")
            if end < 0:
                return None
            header = orjson.loads(head[:end])
            if not _current(header, papers):
                return None  # stale: the body is not read at all
            blob = head[end + 1 :] + reader.read()
    except (OSError, LibraryError, orjson.JSONDecodeError):
        return None
    try:
        return _parse(header, blob, papers)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        return None


def _current(header: object, papers: Signature) -> bool:
    return (
        isinstance(header, dict)
        and header.get("readlist") == MARK
        and header.get("version") == VERSION
        and header.get("papers") == list(papers)
        and header.get("fields") == list(_STORED)
    )


def _parse(header: dict[str, Any], blob: bytes, papers: Signature) -> StartFile | None:
    n = header.get("n")
    if header.get("size") != len(blob) or header.get("crc32") != zlib.crc32(blob):
        return None  # cut off or damaged
    body = orjson.loads(blob)
    if not (isinstance(body, list) and len(body) == 2):
        return None
    ids, rows = body
    if not (isinstance(ids, list) and isinstance(rows, list) and len(ids) == len(rows) == n):
        return None
    # Checked in C loops (`all` over a generator was ~0.1 s at 100,000 papers).
    if n and not (set(map(type, ids)) == {str} and set(map(type, rows)) == {list}):
        return None
    if len(set(ids)) != n or (n and set(map(len, rows)) != {len(_STORED)}):
        return None
    return StartFile(papers, ids, rows)
