"""Where a library lives on disk.

A library is named by one path, the annotations file (`--db PATH`, `READLIST_DB`, or
`library.json` in the platform's user data directory). Its sibling files hold the rest;
keeping the small, often-written annotations apart from the large catalogue is what makes
a tag toggle cheap at 100,000 papers.

    library.json            annotations: tags, ratings, read state, notes (the user's work)
    library.papers.json     catalogue: titles and metadata
    library.abstracts.json  catalogue: abstracts (large; loaded after the first frame)
    *.bak                   the last copy that opened cleanly
    library.json.lock       cross-process lock
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from readlist.errors import LibraryError

ENV_VAR = "READLIST_DB"


@dataclass(frozen=True, slots=True)
class LibraryPaths:
    annotations: Path
    papers: Path
    abstracts: Path
    lock: Path

    @classmethod
    def for_db(cls, db: Path) -> LibraryPaths:
        stem = db.name[: -len(".json")] if db.name.endswith(".json") else db.name
        return cls(
            annotations=db,
            papers=db.with_name(f"{stem}.papers.json"),
            abstracts=db.with_name(f"{stem}.abstracts.json"),
            lock=db.with_name(f"{db.name}.lock"),
        )

    @property
    def data_files(self) -> tuple[Path, Path, Path]:
        return (self.annotations, self.papers, self.abstracts)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def default_db() -> Path:
    """`library.json` in the user data directory (e.g. ~/.local/share/readlist)."""
    from platformdirs import user_data_path

    return user_data_path("readlist", appauthor=False) / "library.json"


def resolve_db(cli_value: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The library to use: `--db`, else `$READLIST_DB`, else the default.

    An empty value is an error, not the default: `--db "$LIB"` with `LIB` unset in a
    script must not quietly edit the user's real library.
    """
    if cli_value is not None:
        if not cli_value.strip():
            raise LibraryError("--db: the path is empty")
        return Path(cli_value).expanduser()
    env = environ.get(ENV_VAR)
    if env is not None:
        if not env.strip():
            raise LibraryError(
                f"{ENV_VAR} is set but empty; unset it to use the default library ({default_db()})"
            )
        return Path(env).expanduser()
    return default_db()


_CATALOGUE = re.compile(r"\.(papers|abstracts)\.json$")


def check_db(db: Path) -> None:
    """Raise `LibraryError` if `db` cannot name a library (a folder, a catalogue file...)."""
    if db.is_dir():
        raise LibraryError(f"{db}: is a directory; --db wants a file such as {db / 'library.json'}")
    if _CATALOGUE.search(db.name):
        library = db.with_name(_CATALOGUE.sub(".json", db.name))
        raise LibraryError(
            f"{db}: is one of the catalogue files of the library {library}; use --db {library}"
        )
    folder = next((p for p in db.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise LibraryError(f"{folder}: is a file, so it cannot hold the library {db}")
