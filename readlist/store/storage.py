"""A TinyDB storage that never leaves a half-written file and notices other writers.

TinyDB's `JSONStorage` rewrites its file in place: a crash mid-write leaves a file that
will not open. `AtomicJSONStorage` writes a temporary file in the same folder, flushes and
fsyncs it, renames it over the old file and fsyncs the folder, so the file on disk is
always either the old version or the new one.

It also keeps the parsed data in memory and re-reads the file only when its identity
changes: (inode, size, mtime). Every write renames a new inode into place and makes the
mtime strictly larger than the previous version's, so another process's write is always
seen as a change, even within one clock tick and even if the inode number is reused.

Library files are opened by `open_regular` only: a named pipe or a device in their place
is reported, never read (a FIFO would block the open forever, /dev/zero would fill
memory), and so never written over either.

`batch()` defers writes so that several TinyDB operations become one file write, and
drops the in-memory data if the batch fails, so memory never holds what disk does not.

Two shortcuts spare a large catalogue a full parse, both relying on the exact bytes
readlist writes (a quote inside a JSON string is always escaped) and both giving up,
so that the caller reads the file whole, on anything else: `documents_by_key_prefix`
finds a few documents by key in the compact papers file, and a `by_line` file (the
abstracts) can be read for some documents only (`some_documents`) and rewritten with
some documents replaced or added, its other lines copied as bytes (`rewrite_documents`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from tinydb.storages import Storage

from readlist.errors import LibraryError, LibraryWriteError
from readlist.gcutil import gc_paused
from readlist.paths import backup_path, special_kind

FORMAT_TABLE = "readlist"
FORMAT_VERSION = 1
# The current format of each kind of file; older ones are read and migrated (see
# `readlist.schema` for the history of the papers file).
VERSIONS = {"annotations": 1, "papers": 2, "abstracts": 1, "recent-abstracts": 1}
_TMP_MARK = ".tmp-"

Data = dict[str, dict[str, Any]]
Signature = tuple[int, int, int]
Fingerprint = tuple[int, str]
"""What a file holds, whatever its inode and mtime: (size, SHA-256 of its bytes, hex)."""


def signature(path: Path) -> Signature | None:
    """(inode, size, mtime_ns) of `path`, or None if it does not exist."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def fingerprint(path: Path, version: Signature) -> Fingerprint | None:
    """The `Fingerprint` of `path` as it is at `version`; None if it is not (or no
    longer, once read) that version, or cannot be read.

    A derived file (start file, identity index) records the fingerprint of the file it
    was built from beside its signature, so that a copy of the library (new inodes and
    mtimes, the same bytes) can still prove it current: see `same_content`. SHA-256, not
    a CRC, so that no edit, however made, can keep the fingerprint; ~25 ms of CPU for the
    42 MB papers file of a 100,000-paper library (hashlib lets other threads run). The
    file is stat'ed again after the read: bytes read while another process replaced or
    rewrote it are not taken for `version`'s.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        with open_regular(path) as reader:
            st = os.fstat(reader.fileno())
            if (st.st_ino, st.st_size, st.st_mtime_ns) != version:
                return None
            while chunk := reader.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except (OSError, LibraryError):
        return None
    if size != version[1] or signature(path) != version:
        return None
    return size, digest.hexdigest()


def as_fingerprint(value: object) -> Fingerprint | None:
    """A fingerprint as a JSON header holds it (`[size, hex]`), or None."""
    if (
        isinstance(value, list)
        and len(value) == 2
        and type(value[0]) is int
        and isinstance(value[1], str)
        and re.fullmatch(r"[0-9a-f]{64}", value[1])
    ):
        return value[0], value[1]
    return None


class SameContent:
    """Whether a file now holds the bytes a fingerprint describes: the fingerprint of
    its current version is computed at most once (and only for a fingerprint of the
    right size), however many derived files ask."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._known: tuple[Signature, Fingerprint | None] | None = None

    def of(self, version: Signature) -> Fingerprint | None:
        """The fingerprint of the file at `version` (computed once per version)."""
        if self._known is None or self._known[0] != version:
            self._known = (version, fingerprint(self.path, version))
        return self._known[1]

    def __call__(self, recorded: object, version: Signature) -> bool:
        """Whether the file at `version` holds what `recorded` (a header's value) says."""
        wanted = as_fingerprint(recorded)
        if wanted is None or wanted[0] != version[1]:
            return False  # another size: changed, no need to read it
        return self.of(version) == wanted


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading, if it is a regular file; else `LibraryError`.

    Opened with O_NONBLOCK and checked with fstat on the open descriptor: opening a
    named pipe for reading would otherwise wait for a writer forever, and checking the
    path before opening it would leave a moment for it to be swapped. Raises OSError
    as `open` does (missing, permission denied).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise LibraryError(f"{path}: is a directory, not a library file")
        kind = special_kind(mode)
        if kind is not None:
            raise LibraryError(f"{path}: is {kind}, not a library file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file (see `open_regular`)."""
    with open_regular(path) as reader:
        return reader.read()


def temp_files(path: Path) -> list[Path]:
    """Temporary files a write of `path` may have left behind."""
    prefix = f".{path.name}{_TMP_MARK}"
    try:
        return [p for p in path.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return []


def atomic_write(path: Path, blob: bytes | bytearray) -> Signature:
    """Replace `path` with `blob` so that a crash leaves the old or the new file, whole.

    Raises OSError; on error the old file is untouched and no temporary file remains.
    `path` itself is replaced: callers that mean to write through a symbolic link
    resolve it first (see `LibraryPaths.resolve`).
    """

    def write(fd: int) -> None:
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view) :]

    return _replace_atomically(path, write)


def atomic_write_parts(
    path: Path,
    parts: Iterable[bytes | bytearray | memoryview],
    *,
    newer_than: Path | None = None,
) -> Signature:
    """`atomic_write` of `parts` one after another, never joined in memory (for large
    derived files, such as the word index of a 100,000-paper catalogue).

    `newer_than`: the file this one will be renamed over (a staged catalogue file): its
    mtime is made later than that file's, as if it had been written in its place.
    """

    def write(fd: int) -> None:
        for part in parts:
            view = memoryview(part)
            while view:
                view = view[os.write(fd, view) :]

    return _replace_atomically(path, write, newer_than=newer_than)


def atomic_copy(source: Path, path: Path) -> Signature:
    """`atomic_write` of a file's contents, streamed (a catalogue copy is ~170 MB)."""

    def write(fd: int) -> None:
        with open_regular(source) as reader:
            while chunk := reader.read(1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]

    return _replace_atomically(path, write)


def _replace_atomically(
    path: Path, write: Callable[[int], None], *, newer_than: Path | None = None
) -> Signature:
    previous = signature(newer_than or path)
    tmp = path.with_name(f".{path.name}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            write(fd)
            if previous is not None and os.fstat(fd).st_mtime_ns <= previous[2]:
                # Same clock tick as the last version: step the mtime forward so every
                # version has a distinct, increasing signature.
                os.utime(fd, ns=(previous[2] + 1, previous[2] + 1))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
    new = signature(path)
    assert new is not None
    return new


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not supported on this platform; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def damaged(path: Path, problem: str) -> LibraryError:
    """The error for a library file that cannot be used as it is."""
    db = path.with_name(re.sub(r"\.(papers|abstracts)\.json(\.recent)?$", ".json", path.name))
    bak = backup_path(path)
    if bak.exists():
        hint = f"the last good copy is {bak}; `readlist --db {db} doctor --repair` restores it"
    else:
        hint = f"`readlist --db {db} doctor --repair` salvages what can be read"
    return LibraryError(f"{path}: {problem}; the file was left untouched ({hint})")


def parse_library_json(path: Path, blob: bytes, kind: str) -> Data:
    """Parse and check the shape of one library file. Raises `LibraryError`."""
    if not blob.strip():
        raise damaged(path, "library file is empty (it should at least hold its format marker)")
    try:
        with gc_paused():
            data = orjson.loads(blob)
    except orjson.JSONDecodeError as error:
        raise damaged(path, f"library file is not valid JSON ({error})") from None
    return check_shape(path, data, kind)


def check_shape(path: Path, data: object, kind: str) -> Data:
    """`data` if it is a readlist file of `kind`: tables of documents, format marker."""
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise damaged(path, "not a readlist library file (expected a JSON object of tables)")
    marker = data.get(FORMAT_TABLE, {}).get("format")
    if not isinstance(marker, dict) or marker.get("kind") != kind:
        raise damaged(path, f"not a readlist {kind} file (its format marker is missing)")
    version = marker.get("version")
    if not isinstance(version, int) or version > VERSIONS.get(kind, FORMAT_VERSION):
        raise damaged(path, f"written by a newer readlist (format {version!r}); upgrade readlist")
    for name, table in data.items():
        # The distinct types of the documents (a set of one at 100k papers, in C).
        if not set(map(type, table.values())) <= {dict}:
            raise damaged(path, f"table {name!r} holds something that is not a document")
    return data


def dumps_by_line(data: Data, table: str) -> bytearray:
    """JSON with one document of `table` per line (and the rest after it).

    Still plain JSON for any reader; `loads_by_line` can then parse it one document at
    a time. Each document is encoded on its own: splitting the encoded table at `},"`
    would also split a text that ends in "}," (its closing quote follows), putting a
    raw newline inside the string. Built in one buffer, so that a 157 MB table is held
    about once while it is encoded.
    """
    out = bytearray()
    for part in dumps_by_line_parts(data, table):
        out += part
    return out


def dumps_by_line_parts(data: Data, table: str, size: int = 1 << 20) -> Iterator[bytearray]:
    """`dumps_by_line` in parts of about `size` bytes, for a write that never holds the
    whole file (the abstracts file of a first import of 100,000 papers is 157 MB)."""
    dumps = orjson.dumps
    out = bytearray(b'{"' + table.encode() + b'":{\n')
    separator = b""
    for key, doc in data.get(table, {}).items():
        out += separator
        out += dumps({key: doc})[1:-1]
        separator = b",\n"
        if len(out) >= size:
            yield out
            out = bytearray()
    rest = orjson.dumps({k: v for k, v in data.items() if k != table})[1:-1]
    out += b"\n}" + (b"," + rest if rest else b"") + b"}"
    yield out


def dumps_with_offsets(data: Data, table: str) -> tuple[bytearray, list[int]]:
    """The compact JSON `orjson.dumps` gives (`table` first), and where each document of
    `table` starts in it, plus where the table closes (for `identity.IdentityIndex`)."""
    dumps = orjson.dumps
    out = bytearray(b'{"' + table.encode() + b'":{')
    offsets: list[int] = []
    separator = b""
    for key, doc in data.get(table, {}).items():
        out += separator
        offsets.append(len(out))
        out += dumps({key: doc})[1:-1]
        separator = b","
    offsets.append(len(out))
    rest = orjson.dumps({k: v for k, v in data.items() if k != table})[1:-1]
    out += b"}" + (b"," + rest if rest else b"") + b"}"
    return out, offsets


PAUSE_LINES = 2_000  # documents parsed between two pauses (~10 ms at 100k abstracts)
_pausing = threading.local()


@contextlib.contextmanager
def pausing(pause: Callable[[], None]) -> Iterator[None]:
    """While inside, a file this thread parses a line at a time (`loads_by_line`) calls
    `pause()` every `PAUSE_LINES` documents: the TUI's background stage passes its
    gate's wait, so a key typed while 157 MB of abstracts are read (~0.5 s of CPU at
    100k) runs alone instead of sharing the interpreter with the read."""
    outer = getattr(_pausing, "pause", None)
    _pausing.pause = pause
    try:
        yield
    finally:
        _pausing.pause = outer


def loads_by_line(path: Path, table: str) -> Data | None:
    """Parse a `dumps_by_line` file a document at a time; None if it is not one.

    Parsing a 170 MB file whole holds the bytes, orjson's copy of them and the result
    at once (~500 MB at 100k papers); a line at a time holds only the result, and
    lets other threads run between lines (see `pausing`).
    """
    header = b'{"' + table.encode() + b'":{\n'
    found: dict[str, Any] = {}
    loads = orjson.loads
    pause: Callable[[], None] | None = getattr(_pausing, "pause", None)
    every = PAUSE_LINES if pause is not None else -1  # -1: never
    try:
        with open_regular(path) as reader, gc_paused():
            if reader.readline() != header:
                return None
            for n, line in enumerate(reader, 1):
                if n == every and pause is not None:
                    every += PAUSE_LINES
                    pause()
                if line[:1] == b"}":
                    tail = line + reader.read()
                    rest = loads(b"{" + tail[2:]) if tail[:2] == b"}," else {}
                    break
                entry = line[:-2] if line.endswith(b",\n") else line.rstrip(b"\n")
                if entry:
                    found.update(loads(b"{" + entry + b"}"))
            else:
                return None
    except (orjson.JSONDecodeError, ValueError):
        return None
    if not isinstance(rest, dict):
        return None
    return {table: found, **rest}


def documents_by_key_prefix(
    path: Path, kind: str, prefix: str
) -> tuple[Signature, dict[str, Any]] | None:
    """The documents of table `kind` whose 16-hex-digit key starts with `prefix`, found
    in the file's bytes without parsing the rest; with the version (signature) read.

    A command on one paper by id need not parse a 43 MB catalogue and build 100,000
    papers. It relies on the compact layout `orjson.dumps` gives a table of flat
    documents (`{"<kind>":{"<key>":{...},"<key>":{...}},"readlist":{"format":...}}`):
    a `"` inside a JSON string is always escaped, so `,"<key>":{` or `{"<key>":{` only
    occurs where a document starts, and `},"<key>":{` only where one ends. Only a file
    that begins as that layout does and ends with the current format marker is read
    this way; for anything else (missing, cut off, an older format, indented, another
    order) the answer is None and the caller reads the file whole, which reports damage
    properly. The documents found are parsed (not yet checked: see `documents`).
    """
    if not re.fullmatch(r"[0-9a-f]{1,16}", prefix):
        return None
    head = b'{"' + kind.encode() + b'":{'
    version = VERSIONS.get(kind, FORMAT_VERSION)
    tail = orjson.dumps({FORMAT_TABLE: {"format": {"kind": kind, "version": version}}})
    table_end = b"}," + tail[1:]
    try:
        with open_regular(path) as reader:
            st = os.fstat(reader.fileno())
            blob = reader.read()
    except (OSError, LibraryError):
        return None
    if not (blob.startswith(head) and blob.endswith(table_end)):
        return None
    end_of_table = len(blob) - len(table_end)
    key = re.compile(rb'"(' + prefix.encode() + rb"[0-9a-f]{%d})\":\{" % (16 - len(prefix)))
    next_start = re.compile(rb'\},"[0-9a-f]{16}":\{')
    found: dict[str, Any] = {}
    for match in key.finditer(blob, len(head) - 1, end_of_table):
        if blob[match.start() - 1 : match.start()] not in (b",", b"{"):
            continue  # e.g. `"links":["..."]` cannot precede a key: not a document start
        start = match.end() - 1
        following = next_start.search(blob, start, end_of_table)
        stop = following.start() + 1 if following else end_of_table
        try:
            doc = orjson.loads(blob[start:stop])
        except orjson.JSONDecodeError:
            return None
        if not isinstance(doc, dict):
            return None
        found[match.group(1).decode()] = doc
    return (st.st_ino, st.st_size, st.st_mtime_ns), found


class _NotByLine(Exception):
    """A file that `rewrite_documents` cannot copy a line at a time."""


def _by_line_header(table: str) -> bytes:
    return b'{"' + table.encode() + b'":{\n'


def _line_key(line: bytes) -> bytes | None:
    """The key of a `dumps_by_line` document line (`"<16 hex digits>":{...},`)."""
    return line[1:17] if line[:1] == b'"' and line[17:20] == b'":{' else None


def _write_all(fd: int, blob: bytes) -> None:
    view = memoryview(blob)
    while view:
        view = view[os.write(fd, view) :]


class AtomicJSONStorage(Storage):
    """TinyDB storage: cached, atomic, change-aware. See the module docstring."""

    def __init__(
        self,
        path: Path,
        *,
        kind: str,
        indent: bool = False,
        by_line: bool = False,
        offsets: bool = False,
    ) -> None:
        self.path = path
        self.kind = kind
        self._options = orjson.OPT_INDENT_2 if indent else 0
        self._by_line = by_line  # one document per line (see `dumps_by_line`)
        self._offsets = offsets  # note where documents start (see `dumps_with_offsets`)
        self.written: tuple[Signature, list[int]] | None = None
        """The version this storage last wrote whole, and its documents' offsets."""
        self._data: Data | None = None
        self._signature: Signature | None = None
        self._batch_depth = 0
        self._dirty = False

    # -- TinyDB's Storage interface ------------------------------------------------

    def read(self) -> Data | None:
        if self._batch_depth and self._data is not None:
            return self._data
        current = signature(self.path)
        if current is None:
            self._data = self._signature = None
            return None
        if self._data is None or current != self._signature:
            before = self._data
            loaded = self._load()  # may pause (see `pausing`): another thread may write
            if self._data is before:  # no write meanwhile: this version is the current one
                self._data, self._signature = loaded, current
            return loaded
        return self._data

    def write(self, data: Data) -> None:
        version = VERSIONS.get(self.kind, FORMAT_VERSION)
        data.setdefault(FORMAT_TABLE, {})["format"] = {"kind": self.kind, "version": version}
        self._data = data
        if self._batch_depth:
            self._dirty = True
        else:
            self._flush()

    def close(self) -> None:
        self._data = None

    # -- readlist's additions --------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes into one; on an exception, forget the unsaved changes."""
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self.forget()
            raise
        self._batch_depth -= 1
        if self._batch_depth == 0 and self._dirty:
            self._flush()

    def forget(self) -> None:
        """Drop the in-memory copy; the next read comes from disk.

        The signature of the version last seen is kept, so `changed_on_disk` still
        tells whether another process has written since.
        """
        self._data = None
        self._dirty = False

    def take_as_read(self, version: Signature) -> None:
        """Count the file at `version` as read, without reading it: its documents came
        from elsewhere (the start file, store/startfile.py); the first read loads them.
        `changed_on_disk` then tells whether another process has written since."""
        self._data = None
        self._dirty = False
        self._signature = version

    @property
    def holds_data(self) -> bool:
        """Whether the documents of the version last read are in memory."""
        return self._data is not None

    @property
    def signature(self) -> Signature | None:
        """The version of the file this storage last read or wrote."""
        return self._signature

    def version_on_disk(self) -> int | None:
        """The format version of the data last read (None before a read)."""
        if self._data is None:
            return None
        marker = self._data.get(FORMAT_TABLE, {}).get("format", {})
        version = marker.get("version") if isinstance(marker, dict) else None
        return version if isinstance(version, int) else None

    def changed_on_disk(self) -> bool:
        """Whether the file is no longer the version this storage last read or wrote."""
        return signature(self.path) != self._signature

    def encode(self, data: Data) -> tuple[bytes | bytearray, list[int] | None]:
        """The bytes `write` would write for `data` (marked with the current format), and
        the documents' offsets if this storage notes them; for a write the caller
        commits itself (`adopt`). Raises `LibraryWriteError` for text JSON cannot hold."""
        version = VERSIONS.get(self.kind, FORMAT_VERSION)
        data.setdefault(FORMAT_TABLE, {})["format"] = {"kind": self.kind, "version": version}
        try:
            if self._offsets:
                return dumps_with_offsets(data, self.kind)
            return orjson.dumps(data, option=self._options), None
        except orjson.JSONEncodeError as error:
            raise LibraryWriteError(
                f"{self.path}: could not save ({error}); nothing was changed"
            ) from None

    def adopt(self, data: Data, written: Signature, offsets: list[int] | None) -> None:
        """`data`, encoded by `encode`, is now the file (version `written`)."""
        self._data = data
        self._dirty = False
        self._signature = written
        self.written = None if offsets is None else (written, offsets)

    def replaced(self, written: Signature) -> None:
        """The file was replaced by this process (not through `write`) with `written`."""
        self.forget()
        self.written = None
        self._signature = written

    def some_documents(self, keys: set[str]) -> dict[str, Any] | None:
        """The documents of these keys (those that exist), parsed alone; not checked.

        Only for a file written a document per line (`by_line`): the other lines are
        read, not parsed. None when the file is not (or no longer) in that layout, or
        is missing: then the caller reads it whole, which reports what is wrong.
        """
        if self._data is not None and not self.changed_on_disk():
            table = self._data.get(self.kind, {})
            return {k: table[k] for k in keys if k in table}
        if not self._by_line:
            return None
        wanted = {key.encode() for key in keys}
        found: dict[str, Any] = {}
        try:
            with open_regular(self.path) as reader:
                if reader.readline() != _by_line_header(self.kind):
                    return None
                for line in reader:
                    if line[:1] == b"}":
                        return found
                    if _line_key(line) in wanted:
                        entry = line[:-2] if line.endswith(b",\n") else line.rstrip(b"\n")
                        found.update(orjson.loads(b"{" + entry + b"}"))
        except (OSError, LibraryError, orjson.JSONDecodeError, ValueError):
            return None
        return None  # cut off: no end of table

    def rewrite_documents(self, docs: dict[str, dict[str, Any]], *, new: bool = False) -> bool:
        """Write the file with `docs` replacing the documents of their keys (or added
        after the others), copying every other line as it is; False (nothing written)
        if the file is not a current `by_line` file whose table ends as it should.

        Adding 30 abstracts to a 157 MB file then costs a copy of its bytes, not a
        parse and a re-encoding of 100,000 documents. With `new` (the caller knows no
        key is in the file: new papers), the bytes are copied in blocks and the new
        lines put before the end of the table; otherwise line by line, each checked to
        be a document line. The write is atomic like any.
        """
        if not self._by_line or signature(self.path) is None:
            return False
        pending = {key.encode(): value for key, value in docs.items()}
        version = VERSIONS.get(self.kind, FORMAT_VERSION)
        marker = {FORMAT_TABLE: {"format": {"kind": self.kind, "version": version}}}
        table_end = b"}," + orjson.dumps(marker)[1:-1] + b"}"
        header = _by_line_header(self.kind)

        def entry(key: bytes) -> bytes:
            return orjson.dumps({key.decode(): pending.pop(key)})[1:-1]

        def append(fd: int) -> None:
            with open_regular(self.path) as reader:
                size = os.fstat(reader.fileno()).st_size
                body = size - len(header) - 1 - len(table_end)  # "\n" ends the last line
                if body < 0 or reader.read(len(header)) != header:
                    raise _NotByLine
                _write_all(fd, header)
                left = body
                while left > 0 and (chunk := reader.read(min(left, 1 << 20))):
                    _write_all(fd, chunk)
                    left -= len(chunk)
                if left or reader.read() != b"\n" + table_end:
                    raise _NotByLine
            lines = [entry(key) for key in list(pending)]
            joint = b",\n" if body and lines else b""
            _write_all(fd, joint + b",\n".join(lines) + b"\n" + table_end)

        def write(fd: int) -> None:
            out: list[bytes] = []
            size = 0
            previous: bytes | None = None
            tail = b""
            with open_regular(self.path) as reader:
                if reader.readline() != _by_line_header(self.kind):
                    raise _NotByLine
                out.append(_by_line_header(self.kind))
                for line in reader:
                    if line[:1] == b"}":
                        tail = line + reader.read()
                        break
                    body = line[:-2] if line.endswith(b",\n") else line.rstrip(b"\n")
                    if not body:
                        continue
                    key = _line_key(line)
                    if key is None or not body.endswith(b"}"):
                        raise _NotByLine  # damaged: the whole read reports it
                    if key in pending:
                        body = entry(key)
                    if previous is not None:
                        out.append(previous + b",\n")
                        size += len(previous)
                    previous = body
                    if size > 1 << 20:
                        _write_all(fd, b"".join(out))
                        out.clear()
                        size = 0
                else:
                    raise _NotByLine  # cut off
            if tail != table_end:
                raise _NotByLine
            for key in list(pending):
                if previous is not None:
                    out.append(previous + b",\n")
                previous = entry(key)
            out.append((previous or b"") + b"\n" + tail)
            _write_all(fd, b"".join(out))

        try:
            written = _replace_atomically(self.path, append if new else write)
        except (_NotByLine, LibraryError, orjson.JSONDecodeError):
            return False
        except orjson.JSONEncodeError as error:
            raise LibraryWriteError(
                f"{self.path}: could not save ({error}); nothing was changed"
            ) from None
        except OSError as error:
            reason = error.strerror or str(error)
            raise LibraryWriteError(
                f"{self.path}: could not save ({reason}); nothing was changed"
            ) from None
        self.forget()
        self._signature = written
        return True

    def _load(self) -> Data:
        if self._by_line and (data := self._load_by_line()) is not None:
            return data
        try:
            blob = read_regular(self.path)
        except PermissionError:
            raise LibraryError(f"{self.path}: permission denied") from None
        except OSError as error:
            raise LibraryError(f"{self.path}: cannot be read ({error.strerror or error})") from None
        return parse_library_json(self.path, blob, self.kind)

    def _load_by_line(self) -> Data | None:
        try:
            data = loads_by_line(self.path, self.kind)
        except OSError:
            return None  # the whole-file read reports it properly
        return None if data is None else check_shape(self.path, data, self.kind)

    def _flush(self) -> None:
        assert self._data is not None
        self._dirty = False
        blob: bytes | bytearray
        try:
            try:
                offsets: list[int] | None = None
                if self._by_line:
                    self.written = None
                    parts = dumps_by_line_parts(self._data, self.kind)
                    self._signature = atomic_write_parts(self.path, parts)  # (encoded as written)
                    return
                if self._offsets:
                    blob, offsets = dumps_with_offsets(self._data, self.kind)
                else:
                    blob = orjson.dumps(self._data, option=self._options)
            except orjson.JSONEncodeError as error:
                # Text that is not valid UTF-8 (a lone surrogate from a mis-decoded file
                # name or argument) cannot be saved as JSON: refused, not a crash.
                raise LibraryWriteError(
                    f"{self.path}: could not save ({error}); nothing was changed"
                ) from None
            self.written = None
            self._signature = atomic_write(self.path, blob)
            if offsets is not None:
                self.written = (self._signature, offsets)
        except OSError as error:
            self.forget()
            reason = error.strerror or str(error)
            raise LibraryWriteError(
                f"{self.path}: could not save ({reason}); nothing was changed"
            ) from None
        except BaseException:
            self.forget()
            raise
