"""The ranking features on disk, in the user cache folder, so a run need not rebuild them.

Building the tf-idf features of 100,000 papers costs ~30 s of CPU (tokenising every
title and abstract), and every `readlist list --sort for-you`, `readlist similar` and
TUI session needed them anew. They depend on the catalogue's text only, never on the
annotations, so they are kept in one binary file keyed by a signature of that text:
a catalogue that changed in any field the features read (an import, an enrichment, a
removal) has another signature, and the features are rebuilt and the file replaced.

The file is a cache, not data: it is written atomically (a temporary file beside it,
then `os.replace`), never under the library's lock, and anything wrong with it (missing,
truncated, another version, another catalogue, unwritable folder) means "build them
again", never an error. Only the store talks to TinyDB; this is a plain file.

Where: `features/<library>-<hash>.features.cache` in the platform's user cache folder
(platformdirs; `$XDG_CACHE_HOME/readlist` on Linux), the hash that of the catalogue
file's real path, so each library has its own. Not beside the library: that folder may
be synced or backed up, the file is 179 MB at 100k papers, and even read-only commands
(`readlist list --sort for-you`) write it. An older readlist wrote it beside the
library (`legacy_cache_path`); `features_cache` deletes such a file when it finds one
(only a regular file that begins as this module's files do), since nothing reads it
any more and it would go on taking space in the synced folder.

    MAGIC, then a JSON header line (version, signature, sizes), then the arrays' bytes
    in a fixed order (see `_ARRAYS`), in this machine's byte order (the header says which);
    a CRC-32 of those bytes in the header finds a damaged file (garbled weights would
    rank silently wrong, not fail).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
import zlib
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from readlist.models import Paper

if TYPE_CHECKING:  # the session asks for `features_cache` at start: ranking comes later
    from readlist.ranking import Features

MAGIC = b"readlist ranking features\n"
VERSION = 1
_ARRAYS = (
    ("doc_offsets", "q"),
    ("doc_terms", "i"),
    ("doc_weights", "f"),
    ("post_offsets", "q"),
    ("post_docs", "i"),
    ("post_weights", "f"),
)


def cache_dir() -> Path:
    """The folder of every library's features cache (the user cache folder's)."""
    from platformdirs import user_cache_path

    return user_cache_path("readlist", appauthor=False) / "features"


def cache_path(papers_file: Path) -> Path:
    """The cache file of the library whose catalogue is `papers_file`: in `cache_dir`,
    named by the library and a hash of the catalogue's real path."""
    real = os.path.realpath(papers_file)
    digest = hashlib.blake2b(os.fsencode(real), digest_size=8).hexdigest()
    stem = papers_file.name.removesuffix(".json").removesuffix(".papers")
    return cache_dir() / f"{stem}-{digest}.features.cache"


def legacy_cache_path(papers_file: Path) -> Path:
    """Where readlist kept the cache before: beside the catalogue."""
    stem = papers_file.name.removesuffix(".json").removesuffix(".papers")
    return papers_file.with_name(f"{stem}.features.cache")


def features_cache(papers_file: Path) -> Path:
    """`cache_path`, once a stale cache beside the library (`legacy_cache_path`) is gone."""
    remove_legacy(legacy_cache_path(papers_file))
    return cache_path(papers_file)


def remove_legacy(path: Path) -> bool:
    """Delete `path` if it is a features cache an older readlist wrote: a regular file
    (not a link, a FIFO, a device) beginning with `MAGIC`. Whether it was deleted."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode) or os.read(fd, len(MAGIC)) != MAGIC:
                return False
        finally:
            os.close(fd)
        path.unlink()
    except OSError:
        return False  # absent (the usual case), unreadable, or a read-only folder
    return True


def signature(papers: Sequence[Paper]) -> str:
    """A digest of everything `ranking.tokens` reads, in catalogue order."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{VERSION}:{len(papers)}".encode())
    for p in papers:
        digest.update(
            "\x1f".join(
                (
                    p.id,
                    p.title,
                    p.abstract,
                    "\x1e".join(p.authors),
                    "\x1e".join(p.categories),
                    p.organization or "",
                    "\x1d",
                )
            ).encode("utf-8", "surrogatepass")
        )
    return digest.hexdigest()


def read(path: Path, expected: str) -> Features | None:
    """The features in `path` if they were built from a catalogue of `expected` signature."""
    try:
        with path.open("rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                return None
            header = json.loads(f.readline())
            if (
                header.get("version") != VERSION
                or header.get("signature") != expected
                or header.get("byteorder") != sys.byteorder
            ):
                return None
            raw_terms = f.read(header["terms_bytes"])
            check = zlib.crc32(raw_terms)
            arrays: dict[str, array[Any]] = {}
            for name, code in _ARRAYS:
                values = array(code)
                size = header[name] * values.itemsize
                data = f.read(size)
                if len(data) != size:
                    return None
                check = zlib.crc32(data, check)
                values.frombytes(data)
                arrays[name] = values
            if f.read(1) or check != header["crc32"]:
                return None  # damaged, or not a file this wrote
            terms = raw_terms.decode("utf-8", "surrogatepass").split("\n")
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if terms == [""]:
        terms = []
    from readlist.ranking import Features

    features = Features(terms, **arrays)
    if not _consistent(features):
        return None
    return features


def _consistent(f: Features) -> bool:
    """That the arrays' sizes fit together. (Their values are not scanned: ~1 s at 100k.
    Damage is what the CRC finds; only a file crafted to pass it could hold ids out of
    range, and whoever can write the library folder can change the library itself.)"""
    return (
        len(f.doc_offsets) >= 1
        and f.doc_offsets[0] == 0
        and f.doc_offsets[-1] == len(f.doc_terms) == len(f.doc_weights)
        and len(f.post_offsets) == len(f.terms) + 1
        and f.post_offsets[0] == 0
        and f.post_offsets[-1] == len(f.post_docs) == len(f.post_weights)
        and len(f.post_docs) == len(f.doc_terms)
    )


def write(path: Path, signature: str, features: Features) -> bool:
    """Store `features` in `path` atomically; False (and nothing left behind) on failure."""
    if any("\n" in term for term in features.terms):
        return False  # cannot be one line each (the store strips control characters)
    terms = "\n".join(features.terms).encode("utf-8", "surrogatepass")
    check = zlib.crc32(terms)
    for name, _ in _ARRAYS:
        check = zlib.crc32(getattr(features, name), check)
    header = {
        "version": VERSION,
        "signature": signature,
        "byteorder": sys.byteorder,
        "terms_bytes": len(terms),
        "crc32": check,
        **{name: len(getattr(features, name)) for name, _ in _ARRAYS},
    }
    tmp: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # titles and abstracts
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC)
            f.write(json.dumps(header).encode() + b"\n")
            f.write(terms)
            for name, _ in _ARRAYS:
                getattr(features, name).tofile(f)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False
    return True
