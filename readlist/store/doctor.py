"""`readlist doctor`: check a library's files and, with --repair, mend what is damaged.

Every write is atomic, so readlist itself does not leave a damaged file; damage comes
from outside (a disk error, a sync tool, an editor, a truncating copy). The doctor
reports, per file: whether it parses and has the right shape, how many documents it
holds, and whether its `.bak` copy is usable. `--repair` never deletes anything: a
damaged file is copied aside (`<file>.damaged-<time>`) and rebuilt from what can still be
read from it, completed by its backup. A missing file whose backup holds documents is
a problem too (see `Store._check_not_lost`), and is restored from the backup.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import orjson

from readlist.errors import LibraryError
from readlist.models import MAX_RATING
from readlist.paths import LibraryPaths, backup_path, check_db
from readlist.store.documents import (
    ABSTRACTS,
    ANNOTATIONS,
    PAPERS,
    annotation_from_doc,
    check_paper_docs,
    migrate_paper_doc,
)
from readlist.store.storage import (
    FORMAT_TABLE,
    FORMAT_VERSION,
    atomic_copy,
    atomic_write,
    parse_library_json,
)
from readlist.store.store import Store
from readlist.text import strip_controls

FILES = (ANNOTATIONS, PAPERS, ABSTRACTS)


@dataclass
class FileReport:
    name: str
    path: Path
    exists: bool = False
    documents: int = 0
    problem: str | None = None
    backup_documents: int | None = None
    backup_problem: str | None = None
    ids: set[str] = field(default_factory=set)

    @property
    def healthy(self) -> bool:
        return self.problem is None


def _paths(db: Path) -> dict[str, Path]:
    paths = LibraryPaths.for_db(db)
    return {ANNOTATIONS: paths.annotations, PAPERS: paths.papers, ABSTRACTS: paths.abstracts}


def check_file(name: str, path: Path) -> tuple[int, set[str]]:
    """Parse and fully validate one library file; (document count, ids). Raises LibraryError."""
    data = parse_library_json(path, path.read_bytes(), name)
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
    return report


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
    say(f"library: {db}")
    reports = [_check(name, path) for name, path in _paths(db).items()]
    for report in reports:
        say(_describe(report))
    leftovers = Store(db).temp_files()
    if leftovers:
        say(f"  {len(leftovers)} temporary file(s) of interrupted writes (removed on next open)")
    by_name = {r.name: r for r in reports}
    if all(r.healthy for r in reports):
        papers = by_name[PAPERS].ids
        orphans = by_name[ANNOTATIONS].ids - papers
        missing = papers - by_name[ABSTRACTS].ids
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
    after = [_check(name, path) for name, path in _paths(db).items()]
    if all(r.healthy for r in after):
        say("repaired: the library opens again")
        return 0
    say("some files could not be repaired; they were left as they are")
    return 2


def _describe(report: FileReport) -> str:
    label = f"  {report.path.name}:"
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
    aside = path.with_name(f"{path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
    try:
        salvaged = salvage(report.name, path) if report.exists else {}
        documents: dict[str, Any] = {}
        from_backup = 0
        if report.backup_documents is not None:
            backup = backup_path(path)
            documents = parse_library_json(backup, backup.read_bytes(), report.name)[report.name]
            from_backup = len(documents.keys() - salvaged.keys())
        for pid, salvaged_doc in salvaged.items():
            # Field by field: a value that could not be read comes from the backup.
            documents[pid] = {**documents.get(pid, {}), **salvaged_doc}
        blob = orjson.dumps(
            {
                report.name: documents,
                FORMAT_TABLE: {"format": {"kind": report.name, "version": FORMAT_VERSION}},
            },
            option=orjson.OPT_INDENT_2 if report.name == ANNOTATIONS else 0,
        )
        # A copy, then an atomic replace: if either fails, the file is as it was.
        if report.exists:
            atomic_copy(path, aside)
        atomic_write(path, blob)
    except (OSError, LibraryError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        return f"  {path.name}: could not be repaired ({reason or error}); left as it was"
    backup_part = f" and {from_backup} more from the backup" if from_backup else ""
    if not report.exists:
        return f"  {path.name}: restored from the backup ({from_backup} {report.name})"
    return (
        f"  {path.name}: rebuilt with {len(salvaged)} {report.name} read from the damaged file"
        f"{backup_part}; the damaged file is kept as {aside.name}"
    )


def salvage(name: str, path: Path) -> dict[str, Any]:
    """The valid documents that can still be read from a damaged file (e.g. truncated)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    start = text.find(f'"{name}"')
    if start < 0:
        return {}
    brace = text.find("{", start)
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
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
        if isinstance(value, dict):
            document = salvage_annotation(value) if name == ANNOTATIONS else value
            with contextlib.suppress(LibraryError, KeyError, TypeError):
                _validate_documents(name, path, {key: document})
                found[key] = document
    return found


def salvage_annotation(doc: dict[str, Any]) -> dict[str, Any]:
    """The fields of an annotation that hold valid values (one bad rating keeps the note)."""
    kept: dict[str, Any] = {}
    tags = doc.get("tags")
    if isinstance(tags, list):
        kept["tags"] = [t for t in tags if isinstance(t, str)]
    rating = doc.get("rating")
    if type(rating) is int and 0 <= rating <= MAX_RATING:
        kept["rating"] = rating
    if isinstance(doc.get("read"), bool):
        kept["read"] = doc["read"]
    if isinstance(doc.get("note"), str):
        kept["note"] = doc["note"]
    if isinstance(doc.get("updated"), str):
        kept["updated"] = doc["updated"]
    return kept
