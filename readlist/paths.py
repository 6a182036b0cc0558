"""Where a library lives on disk.

A library is named by one path, the annotations file (`--db PATH`, `READLIST_DB`, or
`library.json` in the platform's user data directory). Its sibling files hold the rest;
keeping the small, often-written annotations apart from the large catalogue is what makes
a tag toggle cheap at 100,000 papers.

    library.json            annotations: tags, ratings, read state, notes (the user's work)
    library.papers.json     catalogue: titles and metadata
    library.abstracts.json  catalogue: abstracts (large; loaded after the first frame)
    library.abstracts.json.recent
                            catalogue: abstracts new or changed since the last fold, read
                            over the large file (small: an import writes it, not the 157 MB
                            file; folded into it now and then; see Store._write_abstracts)
    *.bak                   the last copy that opened cleanly
    library.json.lock       cross-process lock
    library.identity.idx    derived: where each paper is in the papers file, by identity
                            (store/identity.py; stale after any other change, rebuilt)
    library.start.json      derived: the papers file's documents in a form the TUI's
                            start reads faster (store/startfile.py; stale after any change
                            not carried by its tail)
    library.start-tail.json derived: the rows written since library.start.json (an import,
                            removal or undo keeps it; the next TUI start folds it in)
    library.words.idx       derived: the word index, so that full-text search works from
                            the first frame (store/wordfile.py; the TUI writes it)
    library.words.tail      derived: the words of papers imported since library.words.idx
                            was written (an import writes it, not the ~190 MB index;
                            an undo of it shortens it; folded into the index by the TUI
                            past 500 papers, by an import past 2,000; store/wordfile.py)
    library.papers.json.next / .commit
                            only while an import commits both catalogue files (a killed
                            one is finished or undone at the next open: Store._commit_catalogue)

A library file may be a symbolic link (say, into a synced folder). `LibraryPaths.resolve`
follows the links once, when a store opens: the siblings are found beside the real file,
and every write (atomic replace, backup, lock) happens there, so the link stays a link
and its target keeps receiving the writes. Anything that is neither a regular file nor a
folder (a named pipe, a device) is refused as a library file (see `special_kind`, and
`storage.open_regular`): reading a FIFO would wait for a writer forever, and repairing
a device node would replace it with a regular file.

The config file (`default_config`, or `--config` / `READLIST_CONFIG`: see config.py) and
the TUI's remembered state (`default_state`, see state.py) live in the user config and
state directories, apart from any library.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from readlist.errors import LibraryError

ENV_VAR = "READLIST_DB"
CONFIG_ENV_VAR = "READLIST_CONFIG"


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

    @classmethod
    def resolve(cls, db: Path) -> LibraryPaths:
        """The files of the library `db`, each followed through symbolic links.

        The catalogue is looked for beside the real annotations file, not beside a link
        to it; a catalogue file that is itself a link is followed too. Raises
        `LibraryError` for a link that cannot be followed.
        """
        real = real_path(db)
        if real != db:
            check_db(real)  # a link to a folder, a FIFO, a catalogue file...
        found = cls.for_db(real)
        return cls(
            annotations=found.annotations,
            papers=real_path(found.papers),
            abstracts=real_path(found.abstracts),
            lock=found.lock,
        )

    @property
    def data_files(self) -> tuple[Path, Path, Path]:
        return (self.annotations, self.papers, self.abstracts)


def real_path(path: Path) -> Path:
    """`path`, or the file its chain of symbolic links leads to.

    A link whose target does not exist yet is followed (the first write creates the
    target, as `echo >link` would) as long as the target's folder exists; a link into
    a folder that is not there (an unmounted drive, a moved sync folder) is an error
    rather than a reason to create that folder. Raises `LibraryError`.
    """
    if not path.is_symlink():
        return path
    try:
        return Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        target = Path(os.path.realpath(path))
        if target.parent.is_dir():
            return target
        raise LibraryError(
            f"{path}: is a symbolic link to {os.readlink(path)}, whose folder does not exist; "
            "fix the link or create the folder"
        ) from None
    except OSError as error:
        raise LibraryError(
            f"{path}: is a symbolic link that cannot be followed ({error.strerror or error})"
        ) from None


def special_kind(mode: int) -> str | None:
    """What a file that is neither a regular file nor a folder is ("a named pipe"...)."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def recent_path(abstracts: Path) -> Path:
    """The recent-abstracts file beside an abstracts file (see the module docstring)."""
    return abstracts.with_name(abstracts.name + ".recent")


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def default_db() -> Path:
    """`library.json` in the user data directory (e.g. ~/.local/share/readlist)."""
    from platformdirs import user_data_path

    return user_data_path("readlist", appauthor=False) / "library.json"


def default_config() -> Path:
    """`config.toml` in the user config directory (e.g. ~/.config/readlist)."""
    from platformdirs import user_config_path

    return user_config_path("readlist", appauthor=False) / "config.toml"


def default_state() -> Path:
    """`state.json` in the user state directory (e.g. ~/.local/state/readlist).

    What the TUI remembers between runs (see readlist/state.py) is this machine's, not
    the library's: a library kept in a synced folder is not rewritten (and re-synced)
    each time the cursor moves, and two machines do not fight over one highlighted paper.
    """
    from platformdirs import user_state_path

    return user_state_path("readlist", appauthor=False) / "state.json"


def resolve_db(cli_value: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The library to use: `--db`, else `$READLIST_DB`, else the default.

    An empty value is an error, not the default: `--db "$LIB"` with `LIB` unset in a
    script must not quietly edit the user's real library.
    """
    if cli_value is not None:
        if not cli_value.strip():
            raise LibraryError("--db: the path is empty")
        return _expanded(cli_value, "--db")
    env = environ.get(ENV_VAR)
    if env is not None:
        if not env.strip():
            raise LibraryError(
                f"{ENV_VAR} is set but empty; unset it to use the default library ({default_db()})"
            )
        return _expanded(env, ENV_VAR)
    return default_db()


def _expanded(value: str, source: str) -> Path:
    """`value` with a leading `~` or `~user` expanded. Raises `LibraryError`."""
    try:
        return Path(value).expanduser()
    except RuntimeError:  # pathlib's way of saying "no such user" (or no home at all)
        user = value[1:].split("/", 1)[0]
        who = f"there is no user {user!r}" if user else "the home folder is unknown"
        raise LibraryError(f"{source} {value}: cannot expand '~' ({who})") from None


_CATALOGUE = re.compile(r"\.(papers|abstracts)\.json(\.recent)?$")


def check_db(db: Path) -> None:
    """Raise `LibraryError` if `db` cannot name a library (a folder, a catalogue file...)."""
    try:
        _check_db(db)
    except OSError as error:  # a name too long for the file system, a folder not searchable...
        reason = error.strerror or error
        raise LibraryError(f"{db}: cannot be used as a library ({reason})") from None


def _check_db(db: Path) -> None:
    if db.is_dir():
        raise LibraryError(f"{db}: is a directory; --db wants a file such as {db / 'library.json'}")
    try:
        kind = special_kind(db.stat().st_mode)
    except OSError:
        kind = None  # missing (a new library) or unreadable: opening it says which
    if kind is not None:
        raise LibraryError(f"{db}: is {kind}, not a library file; --db wants a regular file")
    if _CATALOGUE.search(db.name):
        library = db.with_name(_CATALOGUE.sub(".json", db.name))
        raise LibraryError(
            f"{db}: is one of the catalogue files of the library {library}; use --db {library}"
        )
    folder = next((p for p in db.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise LibraryError(f"{folder}: is a file, so it cannot hold the library {db}")
