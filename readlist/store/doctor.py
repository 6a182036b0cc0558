"""`readlist doctor`: check a library's files and, with --repair, mend what is damaged.

Every write is atomic, so readlist itself does not leave a damaged file; damage comes
from outside (a disk error, a sync tool, an editor, a truncating copy). The doctor
reports, per file: whether it parses and has the right shape, how many documents it
holds, and whether its `.bak` copy is usable. `--repair` never deletes anything: a
damaged file is copied aside (`<file>.damaged-<time>`) and rebuilt from what can still be
read from it, completed by its backup. A missing file whose backup holds documents is
a problem too (see `Store._check_not_lost`), and is restored from the backup, or salvaged
from it if the backup is damaged too.

Salvage is field by field: a value read whole from the damaged file wins over the
backup's (it is newer), the backup's intact value wins over one that could be read only
in part (a tag list with a number in it, text with an invalid escape), and a partial
value is kept only where nothing better exists. Values JSON allows but readlist cannot
store (integers beyond 64 bits, lone surrogates) count as partial.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson

from readlist.errors import LibraryError
from readlist.models import MAX_RATING
from readlist.paths import LibraryPaths, backup_path, check_db, recent_path
from readlist.store import history
from readlist.store.documents import (
    ABSTRACTS,
    ANNOTATIONS,
    PAPERS,
    RECENT,
    annotation_from_doc,
    check_paper_docs,
    migrate_paper_doc,
)
from readlist.store.identity import identity_index_path, read_identity_index
from readlist.store.startfile import read_start_file, start_file_path
from readlist.store.storage import (
    FORMAT_TABLE,
    VERSIONS,
    SameContent,
    atomic_copy,
    atomic_write,
    parse_library_json,
    read_regular,
    signature,
)
from readlist.store.store import Store, aside_path
from readlist.store.wordfile import tail_papers, word_index_path, word_tail_path
from readlist.text import strip_controls

FILES = (ANNOTATIONS, PAPERS, ABSTRACTS, RECENT)


@dataclass
class FileReport:
    name: str
    path: Path
    exists: bool = False
    documents: int = 0
    problem: str | None = None
    backup_documents: int | None = None
    backup_problem: str | None = None
    backup_salvageable: int = 0
    ids: set[str] = field(default_factory=set)

    @property
    def healthy(self) -> bool:
        return self.problem is None


@dataclass
class Salvage:
    """What could be read from a damaged file, by paper id."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The fields whose values were read whole."""
    partial: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Fields whose values could be read only in part (used where nothing better exists)."""


def _paths(db: Path) -> dict[str, Path]:
    paths = LibraryPaths.resolve(db)
    files = {ANNOTATIONS: paths.annotations, PAPERS: paths.papers, ABSTRACTS: paths.abstracts}
    recent = recent_path(paths.abstracts)
    if recent.exists() or backup_path(recent).exists():  # none yet: nothing to say
        files[RECENT] = recent
    return files


def check_file(name: str, path: Path) -> tuple[int, set[str]]:
    """Parse and fully validate one library file; (document count, ids). Raises LibraryError."""
    data = parse_library_json(path, read_regular(path), name)
    table: dict[str, Any] = data.get(name, {})
    _validate_documents(name, path, table)
    return len(table), set(table)


def _validate_documents(name: str, path: Path, table: dict[str, Any]) -> None:
    if name == ANNOTATIONS:
        for pid, doc in table.items():
            annotation_from_doc(path, pid, doc)
    elif name == PAPERS:
        # Format-1 documents are checked as the store reads them: migrated.
        check_paper_docs(path, {pid: _migrated(doc) for pid, doc in table.items()})
    else:
        for pid, doc in table.items():
            if not isinstance(doc.get("text"), str):
                raise LibraryError(f"{path}: the abstract of paper {pid} is not text")


def _migrated(doc: Any) -> Any:
    return migrate_paper_doc(doc) if isinstance(doc, dict) else doc


def _check(name: str, path: Path) -> FileReport:
    report = FileReport(name, path, exists=path.exists())
    if report.exists:
        try:
            report.documents, report.ids = check_file(name, path)
        except LibraryError as error:
            report.problem = _problem(error, path)
        except OSError as error:
            report.problem = f"cannot be read ({error.strerror or error})"
    bak = backup_path(path)
    if bak.exists():
        try:
            report.backup_documents, _ = check_file(name, bak)
            if not report.exists and report.backup_documents:
                report.problem = "MISSING"
        except (LibraryError, OSError) as error:
            report.backup_problem = (
                _problem(error, bak) if isinstance(error, LibraryError) else str(error)
            )
            if not report.exists:
                # The damaged backup may be the only copy left (see Store._check_not_lost).
                with contextlib.suppress(LibraryError, OSError):
                    report.backup_salvageable = len(salvage(name, bak).documents)
                if report.backup_salvageable:
                    report.problem = "MISSING"
    return report


def _history_problem(path: Path) -> str | None:
    """What is wrong with the undo history, every entry read whole; None if nothing.
    (A change or an undo reads only what it needs of it: see store/history.py.)"""
    try:
        history.check_entries(history.read_history(path))
    except LibraryError as error:
        return _problem(error, path)
    return None


def _problem(error: LibraryError, path: Path) -> str:
    """The part of a LibraryError message after the path, without the restore hint."""
    text = str(error).removeprefix(f"{path}: ")
    return re.sub(r"; the file was left untouched \(.*\)$", "", text)


def doctor(db: Path, *, repair: bool, out: TextIO) -> int:
    """Check the library at `db`; with `repair`, mend damaged files. Exit status."""

    def say(line: str) -> None:
        # Ids and messages come from damaged files: never raw control sequences.
        print(strip_controls(line), file=out)

    check_db(db)
    paths = _paths(db)  # a link that cannot be followed fails here, before any output
    say(f"library: {db}")
    reports = [_check(name, path) for name, path in paths.items()]
    for report in reports:
        say(_describe(report))
    leftovers = Store(db).temp_files()
    if leftovers:
        say(f"  {len(leftovers)} temporary file(s) of interrupted writes (removed on next open)")
    index = identity_index_path(Store(db).paths)
    papers_version = signature(paths[PAPERS])
    # A derived file of a copied library names the old signature: current if the papers
    # file holds the bytes it records (see `storage.fingerprint`).
    same = SameContent(paths[PAPERS])
    copied = "current (a copy of the library: same bytes, restamped by the next TUI start)"
    if index.exists() and papers_version is not None:
        found = read_identity_index(index, papers_version, same)
        state = "stale or damaged (rebuilt by the next import)" if found is None else "current"
        say(f"  {index.name}: {copied if found is not None and found.copied else state}")
    start = start_file_path(Store(db).paths)
    if start.exists() and papers_version is not None:
        begun = read_start_file(start, papers_version, same)
        state = "stale or damaged (rewritten by the next start)" if begun is None else "current"
        say(f"  {start.name}: {copied if begun is not None and begun.copied else state}")
    tail = word_tail_path(Store(db).paths)
    if tail.exists() and papers_version is not None:
        index = word_index_path(Store(db).paths)
        added = tail_papers(index, (papers_version, signature(paths[ABSTRACTS])))
        if added is None:
            state = "stale or damaged (the word index is rebuilt by the next TUI start)"
        elif added:
            state = f"current: {added:,} paper(s) added since {index.name} was written"
        else:
            state = f"current: {index.name} is current through it (no papers added)"
        say(f"  {tail.name}: {state}")
    if Store(db).commit_pending():
        say(
            "  an import was cut short while saving the catalogue (finished or undone on next open)"
        )
    history_path = Store(db).history_path
    history_problem = _history_problem(history_path)
    if history_problem:
        say(f"  {history_path.name}: DAMAGED: {history_problem}")
    by_name = {r.name: r for r in reports}
    if all(r.healthy for r in reports) and history_problem is None:
        papers = by_name[PAPERS].ids
        orphans = by_name[ANNOTATIONS].ids - papers
        with_abstract = by_name[ABSTRACTS].ids
        if RECENT in by_name:  # new and changed abstracts, read over the large file
            with_abstract = with_abstract | by_name[RECENT].ids
        missing = papers - with_abstract
        if orphans:
            say(
                f"  note: {len(orphans)} annotation(s) belong to papers not in the catalogue"
                " (kept: they apply again if those papers are imported)"
            )
        if missing:
            say(f"  note: {len(missing)} paper(s) have no abstract (importing again adds it)")
        say("everything is in order")
        return 0
    if not repair:
        say(f"problems found; `readlist --db {db} doctor --repair` mends them")
        return 2
    store = Store(db)
    store.cleanup_temp_files()
    with store.locked():  # no other readlist writes meanwhile
        for report in reports:
            if not report.healthy:
                say(_repair(report))
        if history_problem and history_path.exists():
            # Nothing in it can be rebuilt (an undo needs every part of an entry): kept
            # aside, and the next change starts a new history.
            aside = aside_path(history_path, "damaged")
            history_path.replace(aside)
            say(f"  {history_path.name}: kept aside as {aside.name}; undo starts anew")
    after = [_check(name, path) for name, path in _paths(db).items()]
    if all(r.healthy for r in after):
        say("repaired: the library opens again")
        return 0
    say("some files could not be repaired; they were left as they are")
    return 2


def _describe(report: FileReport) -> str:
    label = f"  {report.path.name}:"
    if not report.exists and report.problem and report.backup_problem:
        return (
            f"{label} MISSING, and its backup is damaged ({report.backup_problem}), "
            f"but {report.backup_salvageable} {report.name} can be salvaged from it"
        )
    if not report.exists and report.problem:
        state = "MISSING (the backup can restore it)"
    elif not report.exists:
        state = (
            "not created yet (nothing imported or annotated)"
            if report.name != PAPERS
            else "not created yet"
        )
    elif report.problem:
        state = f"DAMAGED: {report.problem}"
    else:
        state = f"ok, {report.documents} {report.name}"
    if report.backup_documents is not None:
        state += f"; backup ok ({report.backup_documents})"
    elif report.backup_problem:
        state += f"; backup damaged too ({report.backup_problem})"
    elif report.exists:
        state += "; no backup yet"
    return f"{label} {state}"


def _repair(report: FileReport) -> str:
    """Rebuild a damaged file from what it still holds, completed by its backup.

    The damaged file is newer than the backup (the backup is the version that last
    passed validation), so what can be read from it wins; the backup fills in what
    could not be read. Nothing is deleted: the damaged file is moved aside.
    """
    path = report.path
    backup = backup_path(path)
    aside = aside_path(path, "damaged")
    backup_aside: Path | None = None
    try:
        salvaged = salvage(report.name, path) if report.exists else Salvage()
        base = Salvage()
        if report.backup_documents is not None:
            base.documents = parse_library_json(backup, read_regular(backup), report.name)[
                report.name
            ]
        elif report.backup_problem is not None:
            try:
                base = salvage(report.name, backup)  # damaged too: what it still holds
                backup_aside = aside_path(backup, "damaged")
            except (OSError, LibraryError):
                pass  # not a file at all (a FIFO...): nothing to take from it, or to keep
        from_backup = len(base.documents.keys() - salvaged.documents.keys())
        documents = {
            pid: {
                # Lowest first: partial values, the backup's whole ones, then the file's.
                **base.partial.get(pid, {}),
                **salvaged.partial.get(pid, {}),
                **base.documents.get(pid, {}),
                **salvaged.documents.get(pid, {}),
            }
            for pid in {**base.documents, **salvaged.documents}
        }
        _validate_documents(report.name, path, documents)
        blob = orjson.dumps(
            {
                report.name: documents,
                FORMAT_TABLE: {"format": {"kind": report.name, "version": VERSIONS[report.name]}},
            },
            option=orjson.OPT_INDENT_2 if report.name == ANNOTATIONS else 0,
        )
        # A copy, then an atomic replace: if either fails, the file is as it was.
        if report.exists:
            atomic_copy(path, aside)
        atomic_write(path, blob)
        if backup_aside is not None:
            # Kept, never written over: the next open makes a new backup.
            backup.rename(backup_aside)
    except (OSError, LibraryError, TypeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        return f"  {path.name}: could not be repaired ({reason or error}); left as it was"
    kept = f"; the damaged backup is kept as {backup_aside.name}" if backup_aside else ""
    if not report.exists:
        source = "the damaged backup" if backup_aside else "the backup"
        return f"  {path.name}: restored from {source} ({from_backup} {report.name}){kept}"
    backup_part = f" and {from_backup} more from the backup" if from_backup else ""
    return (
        f"  {path.name}: rebuilt with {len(salvaged.documents)} {report.name} read from the"
        f" damaged file{backup_part}; the damaged file is kept as {aside.name}{kept}"
    )


def salvage(name: str, path: Path) -> Salvage:
    """The valid documents that can still be read from a damaged file (e.g. truncated)."""
    text = read_regular(path).decode("utf-8", errors="replace")
    found = Salvage()
    start = text.find(f'"{name}"')
    if start < 0:
        return found
    brace = text.find("{", start)
    decoder = json.JSONDecoder()
    position = brace + 1
    pair = re.compile(r'\s*,?\s*("(?:[^"\\]|\\.)*")\s*:\s*', re.DOTALL)
    while True:
        match = pair.match(text, position)
        if match is None:
            break
        try:
            key = json.loads(match.group(1))
            value, position = decoder.raw_decode(text, match.end())
        except (json.JSONDecodeError, ValueError):
            break
        if not isinstance(value, dict) or not isinstance(key, str) or _storable(key) != key:
            continue  # an id that cannot be stored names no paper
        if name == ANNOTATIONS:
            whole, partial = salvage_annotation(value)
        else:
            document = _storable(value)
            whole, partial = (value, {}) if document == value else ({}, document)
        with contextlib.suppress(LibraryError, KeyError, TypeError, AttributeError):
            _validate_documents(name, path, {key: {**partial, **whole}})
            found.documents[key] = whole
            if partial:
                found.partial[key] = partial
    return found


def salvage_annotation(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of an annotation that hold valid values (one bad rating keeps the note).

    Two dicts: the fields read whole, and those read only in part (a tag list without
    its non-text items, text with invalid characters replaced).
    """
    whole: dict[str, Any] = {}
    partial: dict[str, Any] = {}

    def keep(key: str, value: Any, intact: bool) -> None:
        (whole if intact else partial)[key] = value

    tags = doc.get("tags")
    if isinstance(tags, list):
        text = [t for t in tags if isinstance(t, str)]
        stored = _storable(text)
        keep("tags", stored, len(text) == len(tags) and stored == tags)
    rating = doc.get("rating")
    if type(rating) is int and 0 <= rating <= MAX_RATING:
        keep("rating", rating, True)
    for key in ("read", "dismissed"):
        if isinstance(doc.get(key), bool):
            keep(key, doc[key], True)
    for key in ("note", "updated"):
        value = doc.get(key)
        if isinstance(value, str):
            stored = _storable(value)
            keep(key, stored, stored == value)
    return whole, partial


_INT_RANGE = range(-(2**63), 2**64)  # what orjson (and so readlist) can write


def _storable(value: Any) -> Any:
    """`value` with what readlist cannot write replaced: lone surrogates (from escapes
    such as `\\ud800`) by U+FFFD, integers beyond 64 bits by None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
        return value
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return value if value in _INT_RANGE else None
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value
