"""Pinned citation keys, kept beside the library in `<library>.citekeys.json`.

A key is derived from what is known (`citations.bibtex_key`: `dept2023` before
enrichment, `shi2023dept` after). Once a key has left readlist, exported as BibTeX or
copied as a citation, a user's `.tex` may use it, so it is pinned: later exports and
copies use the pinned key even when a later enrichment or import would derive another,
and no other paper is ever given it (clashes take the next free suffix).

Why a file of its own and not a catalogue field: an export or a copy is a read of the
library, and at 100,000 papers a catalogue write costs seconds and rewrites the file
that imports and enrichment also rewrite; a pin is the user's choice, like a saved
filter, not something a listing says about a paper (no merge rule fits it). The file
holds only papers whose key was used, is written whole and atomically
(`storage.atomic_write`) under the library's lock, and only when a new key is pinned.

    {"readlist": "citekeys", "version": 1,
     "keys": {"<paper id>": ["dept2023a", "dept2023"], ...}}

Each pin is the key and the key it was derived from: a later paper whose key derives to
`dept2023` then takes `dept2023c`, not the bare key beside `dept2023a` and `dept2023b`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from readlist.citations import assign_keys, bibtex_key
from readlist.errors import LibraryError, LibraryWriteError
from readlist.models import Paper
from readlist.paths import LibraryPaths
from readlist.store.storage import atomic_write

if TYPE_CHECKING:
    from readlist.store.store import Store

MARK = "citekeys"
VERSION = 1
_ID = re.compile(r"^[0-9a-f]{16}$")
_KEY = re.compile(r"^[A-Za-z0-9_:.-]{1,200}$")
_ASIDE = "; move it aside to export with keys derived afresh"


def citekeys_path(paths: LibraryPaths) -> Path:
    db = paths.annotations
    stem = db.name[: -len(".json")] if db.name.endswith(".json") else db.name
    return db.with_name(f"{stem}.citekeys.json")


Pins = dict[str, tuple[str, str]]
"""Paper id -> (pinned key, the derived key it came from)."""


def read_pins(path: Path) -> Pins:
    """Pinned keys by paper id; {} when nothing was pinned yet."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise LibraryError(f"{path}: cannot read pinned citation keys ({error.strerror})") from None
    try:
        data = orjson.loads(blob)
    except orjson.JSONDecodeError:
        raise LibraryError(f"{path}: pinned citation keys are damaged (not JSON){_ASIDE}") from None
    if not (isinstance(data, dict) and data.get("readlist") == MARK):
        raise LibraryError(f"{path}: not a readlist citation-keys file{_ASIDE}")
    if data.get("version") != VERSION:
        raise LibraryError(
            f"{path}: citation-keys version {data.get('version')!r} is not known "
            "(written by a newer readlist?)"
        )
    keys = data.get("keys")
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and _ID.match(k) and _is_pin(v) for k, v in keys.items()
    ):
        raise LibraryError(
            f"{path}: pinned citation keys are damaged (an entry is malformed){_ASIDE}"
        )
    return {k: (v[0], v[1]) for k, v in keys.items()}


def _is_pin(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(x, str) and _KEY.match(x) for x in value)
    )


def write_pins(path: Path, pins: Pins) -> None:
    """Replace the file with `pins` (call under the library's lock)."""
    data = {"readlist": MARK, "version": VERSION, "keys": {k: list(v) for k, v in pins.items()}}
    try:
        atomic_write(path, orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as error:
        raise LibraryWriteError(
            f"{path}: cannot pin citation keys ({error.strerror or error}); nothing was written"
        ) from None


def keys_for(papers: Sequence[Paper], pins: Pins) -> list[str]:
    """`citations.assign_keys` with what `pins` holds."""
    suffixed = {base for key, base in pins.values() if key != base}
    return assign_keys(papers, {pid: key for pid, (key, _) in pins.items()}, suffixed)


def pin_keys(store: Store, papers: Sequence[Paper]) -> list[str]:
    """The citation key of each of `papers`, pinning the ones not pinned before.

    Under the lock, so two sessions exporting at once cannot give two papers one key.
    """
    path = citekeys_path(store.paths)
    with store.locked():
        pins = read_pins(path)
        keys = keys_for(papers, pins)
        new = {
            p.id: (k, bibtex_key(p)) for p, k in zip(papers, keys, strict=True) if p.id not in pins
        }
        if new:
            write_pins(path, {**pins, **new})
    return keys
