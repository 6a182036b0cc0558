"""Writing bytes to a file the user named (`export -o TARGET`), whatever kind of file it is.

Replacing a file atomically (write a temporary file, rename it over the old one) is right
for a regular file: a crash leaves the old export or the new one, whole. It is wrong for
everything else, and readlist runs with the user's rights, sometimes root's:

- a device (`/dev/null`, a terminal) or a FIFO would be replaced by a regular file, so
  the data is streamed to it instead, as a shell's `>` would;
- a symlink would be replaced by a regular file, so the link's target (a synced folder)
  would silently stop receiving exports: the link is resolved once and its target is
  replaced, the link kept;
- `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N` name the process's own streams even
  when they lead to a regular file (`readlist export -o /dev/stdout >> log`): the open
  descriptor is written to, never the file replaced (other `/proc` paths are streamed);
- a directory, and the library's own files (annotations, catalogue, abstracts, their
  `.bak` copies, the lock file, saved filters, undo history, pinned citation keys, word
  index, features cache, their temporary files), found through any symlink or hard
  link, are refused with a one-line error before anything is written.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from readlist.errors import ReadlistError
from readlist.paths import LibraryPaths, backup_path, recent_path
from readlist.store.storage import _TMP_MARK, atomic_write
from readlist.text import strip_controls

_PROCESS_STREAMS = ("/dev/stdin", "/dev/stdout", "/dev/stderr")
_PROCESS_TREES = ("/dev/fd/", "/proc/")


@dataclass(frozen=True, slots=True)
class Written:
    """Where an export went, for the message that says so."""

    shown: str
    """The target as the user typed it (control characters removed)."""
    how: str
    """What happened to it: `a new file`, `replaced the old file`, `streamed to the FIFO`..."""
    real: Path | None = None
    """The file actually written, when a symlink led there."""

    def describe(self) -> str:
        via = f"a link to {strip_controls(str(self.real))}; " if self.real else ""
        return f"{self.shown} ({via}{self.how})"


def library_files(paths: LibraryPaths) -> list[Path]:
    """Every file of the library an export must never write over (temporary files of
    the data files and backups are matched by name, see `_refuse_library_files`)."""
    from readlist.rankcache import cache_path, legacy_cache_path
    from readlist.store.citekeys import citekeys_path
    from readlist.store.filters import filters_path
    from readlist.store.history import history_path
    from readlist.store.identity import identity_index_path
    from readlist.store.startfile import start_file_path, start_tail_path
    from readlist.store.wordfile import word_index_path, word_tail_path

    data_files = [*paths.data_files, recent_path(paths.abstracts)]
    files = [*data_files, *(backup_path(f) for f in data_files), paths.lock]
    beside = [filters_path(paths), history_path(paths), citekeys_path(paths)]
    caches = [cache_path(paths.papers), legacy_cache_path(paths.papers)]
    start = start_file_path(paths)
    derived = [word_index_path(paths), word_tail_path(paths)]
    derived += [identity_index_path(paths), start, start_tail_path(start)]
    derived += caches
    # A papers file staged by an import, and its commit record (see Store._commit_catalogue).
    derived += [paths.papers.with_name(paths.papers.name + end) for end in (".next", ".commit")]
    return [*files, *beside, *derived]


def write_output(target: str, blob: bytes, protected: Iterable[Path]) -> Written:
    """Write `blob` to `target` (`-` is stdout) as its kind of file wants (see above).

    Raises `ReadlistError` (one line, naming the target) if it cannot or must not be
    written; a refused target is left untouched.
    """
    if target == "-":
        _stream_to_stdout(blob)
        return Written("standard output", "streamed")
    if not target:
        raise ReadlistError("-o: the output path is empty; give a file name or - for stdout")
    shown = strip_controls(target)
    path = Path(target).expanduser()
    try:
        st: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        st = None  # a new file, or a symlink to one
    except OSError as error:
        raise ReadlistError(f"{shown}: cannot write ({error.strerror or error})") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise ReadlistError(f"{shown}: is a directory; give a file name such as {shown}/refs.bib")
    if target.endswith("/"):  # names a folder that is not there; never a file "refs.bib"
        raise ReadlistError(f"{shown}: no such directory; give a file name, not a folder")
    real = Path(os.path.realpath(path))
    _refuse_library_files(shown, real, st, protected)
    if (fd := _own_fd(path)) is not None:
        _stream_to_fd(fd, shown, blob)
        return Written(shown, "streamed, nothing replaced")
    if st is not None and (not stat.S_ISREG(st.st_mode) or _is_process_stream(path)):
        _stream_to(path, shown, blob)
        return Written(shown, f"streamed to the {_kind(st)}, nothing replaced")
    linked = real if real != Path(os.path.abspath(path)) else None
    try:
        atomic_write(real, blob)
        if st is not None:  # the new version keeps the old one's mode and, for root, owner
            os.chmod(real, stat.S_IMODE(st.st_mode))
            if os.geteuid() == 0 and (st.st_uid, st.st_gid) != (0, 0):
                os.chown(real, st.st_uid, st.st_gid)
    except OSError as error:
        where = f"{shown} -> {strip_controls(str(real))}" if linked else shown
        raise ReadlistError(f"{where}: cannot write ({error.strerror or error})") from None
    return Written(shown, "replaced the old file" if st is not None else "a new file", linked)


def _refuse_library_files(
    shown: str, real: Path, st: os.stat_result | None, protected: Iterable[Path]
) -> None:
    for own in protected:
        own_real = Path(os.path.realpath(own))
        # A write's temporary file (storage names it .NAME.tmp-PID-RANDOM beside the file
        # it replaces: beside the link, or beside the link's target).
        same = own_real == real or any(
            real.parent == folder and real.name.startswith(f".{name}{_TMP_MARK}")
            for folder, name in (
                (own_real.parent, own_real.name),
                (Path(os.path.realpath(own.parent)), own.name),
            )
        )
        if not same and st is not None:
            try:
                other = os.stat(own)
            except OSError:
                continue
            same = (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)  # a hard link
        if same:
            raise ReadlistError(
                f"{shown}: is a file of the library itself ({own.name}); choose another file"
            )


def _own_fd(path: Path) -> int | None:
    """The descriptor `path` names if it is one of this process's open ones, else None.

    Written to as it is, so `-o /dev/stdout >> log` appends as `>>` asked; reopening
    /proc/self/fd/1 would start a new file offset at 0 and overwrite the log's start.
    """
    named = os.path.abspath(path)
    fd = {"/dev/stdout": 1, "/dev/stderr": 2}.get(named)
    for tree in ("/dev/fd/", "/proc/self/fd/", f"/proc/{os.getpid()}/fd/"):
        if named.startswith(tree) and named[len(tree) :].isdigit():
            fd = int(named[len(tree) :])
    if fd is None or fd == 0:
        return None
    try:
        os.fstat(fd)
    except OSError:
        return None
    return fd


def _is_process_stream(path: Path) -> bool:
    named = os.path.abspath(path)  # as named: /dev/stdout itself is a symlink
    return named in _PROCESS_STREAMS or named.startswith(_PROCESS_TREES)


def _kind(st: os.stat_result) -> str:
    if stat.S_ISFIFO(st.st_mode):
        return "FIFO"
    if stat.S_ISSOCK(st.st_mode):
        return "socket"
    if stat.S_ISREG(st.st_mode):
        return "stream"
    return "device"


def _write_all(fd: int, blob: bytes) -> None:
    view = memoryview(blob)
    while view:
        view = view[os.write(fd, view) :]


def _stream_to(path: Path, shown: str, blob: bytes) -> None:
    """Open what is there and write to it; a FIFO's open waits for a reader, as `>` does."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
        try:
            _write_all(fd, blob)
        finally:
            os.close(fd)
    except OSError as error:
        raise ReadlistError(f"{shown}: cannot write ({error.strerror or error})") from None


def _stream_to_fd(fd: int, shown: str, blob: bytes) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        _write_all(fd, blob)
    except OSError as error:
        raise ReadlistError(f"{shown}: cannot write ({error.strerror or error})") from None


def _stream_to_stdout(blob: bytes) -> None:
    try:
        sys.stdout.buffer.write(blob)
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # the CLI's handler: a closed pipe (`| head`) is not an error to report
    except OSError as error:
        raise ReadlistError(f"standard output: cannot write ({error.strerror or error})") from None
