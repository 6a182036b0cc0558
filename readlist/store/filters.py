"""Saved filters: named queries, kept beside the library in `<library>.filters.json`.

A small file of its own, so that saving a filter never rewrites the annotations or the
catalogue. It is written whole and atomically (`storage.atomic_write`) under the
library's lock, by `Store.save_filter` / `Store.remove_filter`. Order is kept: the TUI's
keys 1-9 jump to the first nine filters in the order they were saved.

    {"readlist": "filters", "version": 1,
     "filters": [{"name": "inbox", "query": "is:unread -tag:done"}, ...]}
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from readlist.errors import LibraryError, LibraryWriteError, ReadlistError
from readlist.paths import LibraryPaths
from readlist.store.storage import atomic_write

MARK = "filters"
VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def filters_path(paths: LibraryPaths) -> Path:
    db = paths.annotations
    stem = db.name[: -len(".json")] if db.name.endswith(".json") else db.name
    return db.with_name(f"{stem}.filters.json")


def check_name(name: str) -> str:
    """A filter name as given, or a `ReadlistError` saying what a name may be."""
    if not _NAME.match(name):
        raise ReadlistError(
            f"filter name {name!r} is not usable: use up to 40 letters, digits, '-', '_' or "
            "'.', starting with a letter or digit (it is typed as @NAME)"
        )
    return name


def read_filters(path: Path) -> dict[str, str]:
    """Saved filters by name, in saved order; {} when there is no file yet."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise LibraryError(f"{path}: cannot read saved filters ({error.strerror})") from None
    try:
        data = orjson.loads(blob)
    except orjson.JSONDecodeError:
        raise LibraryError(f"{path}: saved filters are damaged (not JSON)") from None
    if not (isinstance(data, dict) and data.get("readlist") == MARK):
        raise LibraryError(f"{path}: not a readlist saved-filters file")
    if data.get("version") != VERSION:
        raise LibraryError(
            f"{path}: saved filters version {data.get('version')!r} is not known "
            "(written by a newer readlist?)"
        )
    out: dict[str, str] = {}
    for entry in data.get("filters", []):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("query"), str)
        ):
            raise LibraryError(f"{path}: saved filters are damaged (an entry is malformed)")
        out[entry["name"]] = entry["query"]
    return out


def write_filters(path: Path, filters: dict[str, str]) -> None:
    """Replace the file with `filters` (call under the library's lock)."""
    data = {
        "readlist": MARK,
        "version": VERSION,
        "filters": [{"name": name, "query": query} for name, query in filters.items()],
    }
    try:
        atomic_write(path, orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as error:
        raise LibraryWriteError(
            f"{path}: cannot save filters ({error.strerror or error}); nothing was changed"
        ) from None
