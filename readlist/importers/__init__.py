"""Importers turn files into `Paper`s, and nothing else: they never touch the library.

`read_listing` reads one listing file and either returns its papers or raises
`ImportFileError` with a one-line message naming the file and the problem. Every way
a file can be wrong (missing, a directory, unreadable, binary, not UTF-8, empty, no
papers) ends in that one error type.
"""

from __future__ import annotations

import codecs
import contextlib
import operator
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from readlist.errors import ImportFileError
from readlist.gcutil import gc_paused
from readlist.importers.base import Parsed, Piece, RawPaper
from readlist.importers.formats import FORMATS, sniff
from readlist.models import Annotation, Paper, Said, paper_id
from readlist.schema import TRACKED
from readlist.text import squeeze

if TYPE_CHECKING:
    from readlist.importers.listing import Tail

# Pasted pages are tens of kilobytes; a 100k-paper listing is ~170 MB. Anything far
# beyond that is not a listing someone pasted, and reading it would exhaust memory.
MAX_BYTES = 2 * 1024**3
STDIN = "-"
_TRACKED = sorted(TRACKED)
_tracked_of = operator.attrgetter(*_TRACKED)
PASTED = "pasted text"

__all__ = ["FORMATS", "ListingFile", "decode", "read_listing", "read_text", "to_papers"]


@dataclass(frozen=True, slots=True)
class ListingFile:
    """The papers of one listing file."""

    path: str
    papers: list[Paper]
    skipped: int
    """Blocks that looked like parts of papers but were incomplete (e.g. a cut-off page)."""
    format: str = "hf"
    """The format it was read as (see `readlist.importers.formats`)."""
    notes: tuple[str, ...] = ()
    """What was left out and why, one line each."""
    annotations: dict[str, Annotation] = field(default_factory=dict)
    """Paper id -> what the user had said (readlist's own JSON export only)."""
    filters: dict[str, str] = field(default_factory=dict)
    """Saved filters by name (readlist's own JSON export only)."""


def read_listing(
    path: str | Path,
    *,
    today: date | None = None,
    added: str | None = None,
    fmt: str | None = None,
) -> ListingFile:
    """Read and parse one listing file (`-` is standard input). Raises `ImportFileError`
    for any bad input, including text that is not a listing of the format."""
    shown = str(path)
    if shown == STDIN:
        data = _read_stdin()
        source = STDIN
        shown = "standard input"
    else:
        data = _read_bytes(Path(path), shown)
        source = str(Path(path).resolve())
    if fmt in (None, "hf") and _hf_listing_bytes(data, fmt):
        if len(data) >= SPLIT_BYTES and (cut := _cut(data)) is not None:
            held = [data]  # dropped by either process once it has read its part
            del data
            # Only a regular file that has not changed can be read again; a pipe
            # (`readlist import <(zcat page.gz)`) or standard input gives its bytes once.
            version = None if source == STDIN else _file_version(Path(path))
            split = _read_in_two(
                held, cut, shown=shown, source=source, today=today, added=added,
                again=version is not None,
            )  # fmt: skip
            if split is not None:
                return split
            # (read again only where this process had already dropped its bytes)
            data = held[0] if held else _read_again(Path(path), shown, version)
        lines = _utf8_lines(data, shown)
        del data  # the lines' generator holds the bytes until it has read them all
        with gc_paused():
            parsed = _parse_lines(lines, today or date.today())
        return _listing(parsed, "hf", shown=shown, source=source, added=added)
    text = decode(data, shown)
    del data  # not held beside the text for the whole parse
    return read_text(text, shown=shown, source=source, today=today, added=added, fmt=fmt)


def read_text(
    text: str,
    *,
    shown: str,
    source: str,
    today: date | None = None,
    added: str | None = None,
    fmt: str | None = None,
) -> ListingFile:
    """Parse text already read (a file, standard input, the TUI's paste box)."""
    if not text.strip():
        raise ImportFileError(shown, "nothing pasted" if shown == PASTED else "the file is empty")
    name = fmt or sniff(text)
    try:
        parse = FORMATS[name].parse
    except KeyError:
        choices = ", ".join(FORMATS)
        raise ImportFileError(shown, f"unknown format {name!r}; choose from {choices}") from None
    with gc_paused():  # every object built here is kept: collections would only cost
        parsed = parse(text, today or date.today())
    return _listing(parsed, name, shown=shown, source=source, added=added)


def _listing(
    parsed: Parsed, name: str, *, shown: str, source: str, added: str | None
) -> ListingFile:
    """The papers of a parsed text, or `ImportFileError` if it is not a listing."""
    if parsed.problem is not None or not parsed.papers:
        raise ImportFileError(shown, parsed.problem or "no papers found")
    stamp = added or datetime.now(UTC).isoformat(timespec="seconds")
    with gc_paused():
        papers, annotations = _build(parsed, source=source, added=stamp, kind=FORMATS[name].kind)
    return ListingFile(
        shown, papers, parsed.skipped, name, tuple(parsed.notes), annotations, parsed.filters
    )


def to_papers(
    raw: list[RawPaper], *, source: str, added: str | None, kind: str = "hf-page"
) -> list[Paper]:
    """Give parsed papers their ids and source; a paper listed twice is merged."""
    papers, _ = _build(Parsed(raw), source=source, added=added, kind=kind)
    return papers


def _build(
    parsed: Parsed, *, source: str, added: str | None, kind: str
) -> tuple[list[Paper], dict[str, Annotation]]:
    by_id: dict[str, Paper] = {}
    annotations: dict[str, Annotation] = {}
    for item in parsed.papers:
        paper = _to_paper(item, source=source, added=added, kind=kind)
        old = by_id.get(paper.id)
        by_id[paper.id] = paper if old is None else old.merged_with(paper)
        if item.annotation is not None and not item.annotation.is_empty:
            annotations[paper.id] = item.annotation
    return list(by_id.values()), annotations


def _merged(papers: Iterable[Paper]) -> list[Paper]:
    """`_build`'s merge of a paper listed twice, over papers already built."""
    by_id: dict[str, Paper] = {}
    for paper in papers:
        old = by_id.get(paper.id)
        by_id[paper.id] = paper if old is None else old.merged_with(paper)
    return list(by_id.values())


def _to_paper(item: RawPaper, *, source: str, added: str | None, kind: str) -> Paper:
    return Paper(*_values(item, source=source, added=added, kind=kind))


_Values: TypeAlias = tuple[
    str, str, str, tuple[str, ...], int | None, str | None, str | None, bool, int | None,
    int | None, str | None, str | None, tuple[str, ...], str | None, tuple[str, ...],
    tuple[str, ...], str | None, str | None, Said,
]  # fmt: skip
"""`Paper`'s fields in order, as `Paper(*values)` takes them."""


def _values(item: RawPaper, *, source: str, added: str | None, kind: str) -> _Values:
    """The fields of `_to_paper`'s paper, in `Paper`'s order (the split's child sends
    them without building the paper)."""
    title = squeeze(item.title)
    known = dict(item.said)
    said = tuple(  # in order of the names: sorted, as the pairs' names are unique
        [
            (name, known.get(name, kind))
            for name, value in zip(_TRACKED, _tracked_of(item), strict=True)
            if value is not None and value != ()
        ]
    )
    sources = item.sources + ((source,) if source not in item.sources else ())
    return (
        paper_id(title),  # id
        title,
        item.abstract,
        item.authors,
        item.authors_count,
        item.organization,
        item.published,
        item.date_inferred,
        item.upvotes,
        item.comments,
        item.arxiv_id,
        item.doi,
        item.categories,
        item.venue,
        item.links,
        sources,
        item.added or added,
        None,  # removed
        said,
    )


# A UTF-8 file is decoded in pieces of about this many bytes, each ending at a newline.
_PIECE = 1 << 20
# The part of a text that `sniff` looks at (beyond a JSON array or object): its first
# 2,000,000 characters, which this many bytes of UTF-8 always hold.
_SNIFFED_CHARS = 2_000_000
_SNIFFED_BYTES = 4 * _SNIFFED_CHARS


def _hf_listing_bytes(data: bytes, fmt: str | None) -> bool:
    """Whether `data` is UTF-8 text that `read_text` would parse as a Hugging Face page,
    as far as its head shows; then it can be decoded and parsed a piece at a time (see
    `parse_listing_lines`). Anything else (other encodings, binary data, JSON, text that
    is blank at its head) takes the plain way through `decode` and `read_text`."""
    boms = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    if data.startswith(boms) or b"\x00" in data[:8192] or looks_binary(data):
        return False
    # The shortest head, ending at a newline, that holds the characters sniffed (mostly
    # ASCII: a little more than as many bytes).
    size = _SNIFFED_CHARS * 5 // 4
    while True:
        cut = len(data) if size >= len(data) else data.rfind(b"\n", 0, size) + 1
        try:
            head = data[:cut].decode("utf-8-sig")
        except UnicodeDecodeError:
            return False  # `decode` says where
        if cut == len(data) or len(head) >= _SNIFFED_CHARS:
            break
        if size >= _SNIFFED_BYTES:
            return False  # a line of megabytes: not a page anyone pasted; read it whole
        size *= 2
    head = head[:_SNIFFED_CHARS]
    # `sniff` reads text starting with `[` or `{` to its end (JSON); and a file blank at
    # its head is checked whole by `read_text`.
    if not head.strip() or head.lstrip("\ufeff \t\r\n")[:1] in ("", "[", "{"):
        return False
    return fmt == "hf" or sniff(head) == "hf"


def _utf8_lines(
    data: bytes, shown: str, *, start: int = 0, stop: int | None = None
) -> Iterator[Piece]:
    """The lines of UTF-8 `data` (a byte-order mark dropped), decoded a piece at a time.
    A newline byte is never part of another character, so pieces end at newlines.
    With `start` and `stop` (each 0, the end, or just after a newline): the lines of
    that part of the text.

    Each piece says whether its bytes hold an ASCII control other than the newline
    (`Piece.plain`): one pass over the bytes, where checking each ASCII line for
    controls, tabs and line breaks as text took ~0.6 s at 100,000 papers."""
    stop = len(data) if stop is None else stop
    if start == 0 and data.startswith(codecs.BOM_UTF8):
        start = len(codecs.BOM_UTF8)
    while start <= stop:
        end = data.find(b"\n", start + _PIECE, stop)
        end = stop if end < 0 else end
        part = data[start:end]
        try:
            piece = part.decode("utf-8")
        except UnicodeDecodeError:
            decode(data, shown)  # raises the error that names the offset in the file
            raise
        yield Piece(piece, not part.translate(None, _NOT_CONTROLS))
        start = end + 1


# Every byte but the ASCII controls other than the newline (C0, DEL): what
# `bytes.translate` deletes to leave a piece's controls.
_NOT_CONTROLS = bytes([*range(0x20, 0x7F), 0x0A, *range(0x80, 0x100)])


# -- a large page in two processes -------------------------------------------------------
#
# A listing of 100,000 papers (162 MB) takes ~5.5 s of CPU to parse, almost all of it
# per line or per card; the machine has cores to spare. So a large UTF-8 page is cut at
# a line boundary a little before its middle (`_cut`), and its second part is parsed in
# a forked child while this process parses the first. The parts give exactly what the
# whole gives (the reasoning is in listing.py, above `Tail`: lines are classified one
# at a time, and cards are assembled afresh after a date); the child makes its papers'
# fields too and sends them back a chunk at a time, so that this process builds the
# papers of one chunk while the child makes the next. Anything unexpected (no fork,
# other threads running, the child failing or killed, single papers' pages) parses the
# whole text in this process, as before; so does a busy machine (`_a_core_is_free`).

SPLIT_BYTES = 32 << 20
"""Pages smaller than this are parsed in one process (a fork costs ~10 ms, a pickle of
the child's papers more)."""


def _a_core_is_free() -> bool:
    """Whether another core is likely idle now: the tasks runnable at this moment (this
    process among them) leave one of the cores this process may run on unused. On a
    busy machine the child only competes with this process and the others (at load 5.5
    on 2 cores a 100k page took 8.8 s in two parts, 6.9 s whole); the last minute's load
    average said so too late: after a minute's work that had just ended (a benchmark's
    earlier rows, load 0.7) the page was parsed whole on an idle machine. Where the
    count cannot be read (not Linux), that average must leave one and a half cores."""
    cores = _cores()
    runnable = _runnable_now()
    if runnable is not None:
        return cores - runnable >= 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    return cores - load >= 1.5


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _runnable_now() -> int | None:
    """How many tasks are runnable at this moment, this process included (the fourth
    field of Linux's /proc/loadavg, `runnable/all`); None where it cannot be read."""
    try:
        with open("/proc/loadavg", encoding="ascii") as file:
            return int(file.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def _cut(data: bytes) -> int | None:
    """Where the second part starts: after the first newline past 45% of the bytes (this
    process also reads the file and builds the child's papers from what it sends: at
    100k papers the two then use about the same CPU time)."""
    at = data.find(b"\n", len(data) * 9 // 20)
    return None if at < 0 else at + 1


def _read_in_two(
    held: list[bytes],
    cut: int,
    *,
    shown: str,
    source: str,
    today: date | None,
    added: str | None,
    again: bool = False,
) -> ListingFile | None:
    """`read_listing` of a UTF-8 page (`held`: its bytes), its part from `cut` parsed in
    a child process; None (nothing raised) where the whole is to be parsed in this
    process.

    Each process drops the bytes once it has read its part: the file's bytes (162 MB at
    100,000 papers, shared by the two processes) are then freed before the child sends
    its papers, when both processes hold the most. This process drops them only if the
    caller can read them `again` (a file, not standard input), for the whole parse
    after all: it does so when `held` is empty.

    The papers' `added` stamp is taken before the parse, not after it as in one process
    (the same moment for both parts)."""
    if not hasattr(os, "fork") or threading.active_count() > 1 or not _a_core_is_free():
        return None  # (forking a process with threads can deadlock the child)
    from readlist.importers.listing import (
        ListingShape,
        first_units,
        parse_first,
        parse_rest,
        refusal_of,
    )

    day = today or date.today()
    kind = FORMATS["hf"].kind
    stamp = added or datetime.now(UTC).isoformat(timespec="seconds")

    def build(items: list[RawPaper]) -> list[Paper]:
        return [_to_paper(item, source=source, added=stamp, kind=kind) for item in items]

    def columns(items: list[RawPaper]) -> list[tuple[object, ...]]:
        return list(
            zip(
                *[_values(item, source=source, added=stamp, kind=kind) for item in items],
                strict=True,
            )
        )

    try:
        reader, writer = os.pipe()
    except OSError:
        return None
    try:
        child = os.fork()
    except OSError:  # no memory or processes to spare
        os.close(reader)
        os.close(writer)
        return None
    if child == 0:  # the child: parse the second part, send it, exit
        code = 1
        try:
            os.close(reader)
            with os.fdopen(writer, "wb") as out:
                for message in _tail(held, cut, shown, day, columns):
                    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
                    out.flush()  # the parent builds these papers while the next are made
            code = 0
        finally:
            os._exit(code)  # never the parent's exit handlers, buffers or finally blocks
    os.close(writer)
    try:
        with gc_paused():
            units = first_units(_utf8_lines(held[0], shown, stop=cut), today=day)
            if again:
                held.clear()
            head = parse_first(units)
            own = [] if head is None else build(head.result.papers)
            theirs: list[Paper] = []
            with os.fdopen(reader, "rb") as pipe:  # read once this part is done
                sent: _Head = pickle.load(pipe)
                tail, count, their_paragraphs = sent
                while len(theirs) < count:  # (in order)
                    theirs += map(Paper, *pickle.load(pipe))
            runs = parse_rest(units, head, tail)
    except Exception:  # (the whole parse reports whatever it was)
        runs = None
    finally:
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)  # done already, unless this part failed
        os.waitpid(child, 0)
    if runs is None:
        return None
    papers: list[Paper] = []
    paragraphs: list[int] = []
    skipped = 0
    shape = ListingShape()
    with gc_paused():
        for run in runs:
            if run is tail.result:  # built by the child
                papers += theirs
                paragraphs += their_paragraphs
            else:
                papers += own if head is not None and run is head.result else build(run.papers)
                paragraphs += (p.paragraphs for p in run.papers)
            skipped += run.skipped
            for name in ListingShape.__slots__:
                setattr(shape, name, getattr(shape, name) + getattr(run.shape, name))
        problem = refusal_of(paragraphs, shape)
        if problem is not None:
            return _listing(
                Parsed([], skipped, problem), "hf", shown=shown, source=source, added=added
            )
        return ListingFile(shown, _merged(papers), skipped, "hf")


_Head: TypeAlias = "tuple[Tail, int, list[int]]"
"""What the child sends first: its part's parse without the papers, their number and
their numbers of paragraphs; then the papers' fields, `_CHUNK` papers at a time, as
columns (each a tuple of one field's values in order: ~5x faster to unpickle than a
list of fields per paper, and `map(Paper, *columns)` builds them)."""
_CHUNK = 8192


def _tail(
    held: list[bytes],
    cut: int,
    shown: str,
    today: date,
    columns: Callable[[list[RawPaper]], list[tuple[object, ...]]],
) -> Iterator[object]:
    """In the child: the part of the bytes `held` from `cut` parsed (`listing.parse_tail`;
    the bytes are dropped once read), then what it sends (`_Head`, then the columns of
    each chunk of its papers). A chunk is made while the parent builds the last one."""
    from readlist.importers.listing import parse_tail

    with gc_paused():
        tail = parse_tail(_utf8_lines(held.pop(), shown, start=cut), today=today)
        items = [] if tail.result is None else tail.result.papers
        if tail.result is not None:
            tail.result.papers = []
        head: _Head = (tail, len(items), [p.paragraphs for p in items])
        yield head
        for at in range(0, len(items), _CHUNK):
            yield columns(items[at : at + _CHUNK])


def _parse_lines(lines: Iterator[Piece], today: date) -> Parsed:
    from readlist.importers.listing import parse_listing_lines

    return parse_listing_lines(lines, today=today)


def _read_stdin() -> bytes:
    """Standard input, bounded like a file (`xclip -o | readlist import -`)."""
    if sys.stdin is None or sys.stdin.isatty():
        raise ImportFileError(
            "standard input",
            "is a terminal; pipe a listing into it (e.g. xclip -o | readlist import -)",
        )
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError("standard input", "is more than 2 GB, too large for a listing")
    return data


def _file_version(path: Path) -> tuple[int, int, int, int] | None:
    """A regular file's (device, inode, size, modification time), or None for anything
    that cannot be read a second time with the same bytes (a pipe, a device)."""
    import os
    import stat

    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def _read_again(path: Path, shown: str, version: tuple[int, int, int, int] | None) -> bytes:
    """The file's bytes, read a second time: only if it is still the version read first."""
    if version is None or _file_version(path) != version:
        raise ImportFileError(shown, "changed while it was being read; import it again")
    return _read_bytes(path, shown)


def _read_bytes(path: Path, shown: str) -> bytes:
    """The bytes of a listing file, at most MAX_BYTES of them.

    Opened with O_NONBLOCK and checked on the open descriptor: a named pipe with no
    writer would block the open forever. A regular file is read up to the bound (its
    size may be 0 and still have content, as in /proc, or it may grow meanwhile); a
    pipe is read as a stream, bounded too; a device is refused (/dev/zero never ends).
    """
    # Local imports: the rest of this package is being rewritten; these two functions
    # keep what they need to themselves.
    import os
    import select
    import stat

    from readlist.paths import special_kind

    def printable(name: str) -> str:
        return os.fsencode(name).decode("utf-8", "backslashreplace")

    try:
        # The file's full name is kept as the papers' source: it must be storable text.
        shown.encode("utf-8")
        str(path.absolute()).encode("utf-8")
    except UnicodeEncodeError:
        raise ImportFileError(
            printable(shown),
            "the file name (or a folder's) is not valid UTF-8; rename it or copy it to one",
        ) from None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ImportFileError(shown, "no such file") from None
    except PermissionError:
        raise ImportFileError(shown, "permission denied") from None
    except OSError as error:
        raise ImportFileError(shown, f"cannot be read ({error.strerror or error})") from None
    too_large = f"is more than {MAX_BYTES / 1024**3:.1f} GB, too large for a listing"
    try:
        found = os.fstat(fd)
        if stat.S_ISDIR(found.st_mode):
            raise ImportFileError(shown, "is a directory, not a listing file")
        pipe = stat.S_ISFIFO(found.st_mode)
        kind = special_kind(found.st_mode)
        if kind is not None and not pipe:
            raise ImportFileError(shown, f"is {kind}, not a listing file")
        if not pipe:
            if found.st_size > MAX_BYTES:
                size = found.st_size / 1024**3
                raise ImportFileError(shown, f"is {size:.1f} GB, too large for a listing")
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while total <= MAX_BYTES:
            try:
                chunk = os.read(fd, min(1 << 20, MAX_BYTES + 1 - total))
            except BlockingIOError:  # a pipe whose writer has not written yet
                select.select([fd], [], [])
                continue
            if not chunk:
                break
            if (
                pipe
                and total < 8192 <= total + len(chunk)
                and looks_binary(b"".join([*chunks, chunk]))
            ):
                raise ImportFileError(shown, "looks like binary data, not a text listing")
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_BYTES:
            raise ImportFileError(shown, too_large)
        if pipe and not total:
            raise ImportFileError(shown, "is a named pipe and nothing was written to it")
        return b"".join(chunks)
    except OSError as error:
        raise ImportFileError(shown, f"cannot be read ({error.strerror or error})") from None
    finally:
        os.close(fd)


def decode(data: bytes, shown: str) -> str:
    """Text of a listing file: UTF-8 (with or without BOM), or UTF-16 / UTF-32.

    UTF-16 and UTF-32 are recognised by their byte-order mark, or without one by the
    pattern of NUL bytes that mostly-Latin text leaves in them (which would otherwise
    look like binary data). The UTF-32 marks are checked first: UTF-32-LE's begins
    with UTF-16-LE's.
    """
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    encoding = next((name for bom, name in boms if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data[:8192]:
        sample = data[:8192]
        quads = [sample[i : i + 4] for i in range(0, len(sample) - 3, 4)]
        pairs = len(sample) // 2
        # UTF-32: every character below U+110000 and not NUL, nearly all below U+10000
        # (which also tells it from UTF-16 whose every other character is a control).
        bmp = len(quads) * 9
        if (
            quads
            and all(q[3] == 0 and q[2] <= 0x10 and q[0] | q[1] for q in quads)
            and sum(q[2] == 0 for q in quads) * 10 >= bmp
        ):
            encoding = "utf-32-le"
        elif (
            quads
            and all(q[0] == 0 and q[1] <= 0x10 and q[2] | q[3] for q in quads)
            and sum(q[1] == 0 for q in quads) * 10 >= bmp
        ):
            encoding = "utf-32-be"
        elif pairs and sample[1::2].count(0) * 2 > pairs and sample[0::2].count(0) * 20 < pairs:
            encoding = "utf-16-le"
        elif pairs and sample[0::2].count(0) * 2 > pairs and sample[1::2].count(0) * 20 < pairs:
            encoding = "utf-16-be"
    if encoding is not None:
        name = encoding[:6].upper()  # UTF-16 or UTF-32
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            raise ImportFileError(
                shown, f"looks like {name} text but is not valid {name}; save it as UTF-8"
            ) from None
    if looks_binary(data):
        raise ImportFileError(shown, "looks like binary data, not a text listing")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            shown, f"is not UTF-8 text (invalid byte at offset {error.start}); save it as UTF-8"
        ) from None


# Formats people mistake for listings: PDF, PNG, JPEG, GIF, ZIP/DOCX/EPUB, gzip, ELF.
_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"\x7fELF")
_TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x1b")


def looks_binary(data: bytes) -> bool:
    """A known binary format, or a start dense with control bytes.

    A stray NUL or escape sequence in pasted text is hostile *text* (stripped at
    import); a file whose first kilobytes are >10% control bytes is not a listing.
    """
    if data.startswith(_MAGIC):
        return True
    sample = data[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in _TEXT_CONTROLS)
    return controls > 8 and controls * 10 > len(sample)
