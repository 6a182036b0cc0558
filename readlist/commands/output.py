"""The verbs that deliver papers somewhere: citations, an export file, an import, a link.

They run as every command does (`command.run(store) -> Outcome`) and take the papers the
front end already holds (the TUI has them in memory; the CLI has just selected them), so
a citation of one paper never reads a 100,000-paper catalogue again. What they produce
the front end delivers: the TUI copies `Outcome.text` to the clipboard or opens the URL,
the CLI prints it. Export writes through `outputs.write_output`, the one safe writer
(devices and FIFOs streamed to, symlinks kept, the library's own files refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from readlist.commands.base import CliSpec, CommandSpec, KeySpec, Outcome, phrase, register
from readlist.errors import LibraryWriteError, ReadlistError
from readlist.models import Annotation, Paper
from readlist.store import Store
from readlist.store.store import Progress
from readlist.text import strip_controls

EXPORT_NAMES = {"json": "JSON", "bibtex": "BibTeX", "markdown": "Markdown", "csv": "CSV"}


def citation_keys(
    store: Store,
    papers: Sequence[Paper],
    tolerated: type[ReadlistError] = LibraryWriteError,
) -> tuple[list[str] | None, str | None]:
    """BibTeX keys for `papers`, pinned now that they leave readlist (store/citekeys.py),
    and a warning when pinning failed with a `tolerated` error (the keys are then the
    unpinned ones, or None: `citations.assign_keys`'). An export tolerates a library
    that cannot be written; a citation to copy tolerates any library error too."""
    from readlist.store.citekeys import citekeys_path, keys_for, pin_keys, read_pins

    try:
        return pin_keys(store, papers), None
    except tolerated as error:
        warning = strip_controls(str(error))
    try:
        return keys_for(papers, read_pins(citekeys_path(store.paths))), warning
    except ReadlistError:
        return None, warning


def _short(title: str, limit: int = 50) -> str:
    # Only the start is cleaned and measured: a title may be megabytes long.
    shown = strip_controls(title[: 2 * limit])
    if len(shown) <= limit and len(title) <= 2 * limit:
        return shown
    return shown[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Cite:
    """The citations of `papers` in `fmt` (`citations.FORMATS`) as one text: BibTeX
    entries apart by a blank line under pinned keys, the other formats one per line."""

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "copy_citation",
            "Copy citation",
            "cite the papers (plain, BibTeX, Markdown or chat)",
            (
                KeySpec(
                    "copy_citation",
                    "c",
                    "copy_citation",
                    "Copy citation",
                    "copy a citation ({format})",  # the format it copies now
                    "Copy a citation to the clipboard",
                    show=True,
                    label="Cite",
                ),
                KeySpec(
                    "pick_citation",
                    "C",
                    "pick_citation",
                    "Copy citation as…",
                    "choose the citation format, then copy",
                    "Choose plain, BibTeX or Markdown",
                    key_display="C",
                    label="Cite as",
                ),
            ),
            cli=(CliSpec("cite", "print the citations of matching papers", ()),),
            changes=False,
        )
    )
    papers: Sequence[Paper]
    fmt: str

    def run(self, store: Store) -> Outcome:
        from readlist.citations import FORMATS, cite, cite_many

        if self.fmt not in FORMATS:
            raise ReadlistError(
                f"unknown citation format {self.fmt!r} (choose from {', '.join(FORMATS)})"
            )
        papers = list(self.papers)
        if not papers:
            return Outcome("no paper to cite")
        keys, warning = None, None
        if self.fmt == "bibtex":
            keys, warning = citation_keys(store, papers, ReadlistError)
        if len(papers) == 1:
            text = cite(papers[0], self.fmt, *(keys or ()))
            what = f"“{_short(papers[0].title)}”"
        else:
            text = cite_many(papers, self.fmt, keys)
            what = f"{len(papers)} papers"
        return Outcome(f"{FORMATS[self.fmt]} of {what}", text=text, warning=warning)


@dataclass(frozen=True, slots=True)
class Export:
    """Write `rows` as `fmt` (`export.FORMATS`) to `target` (`-`: standard output)."""

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "export_marked",
            "Export marked…",
            "write the papers to a file: .bib, .md, .csv or .json",
            (
                KeySpec(
                    "export_marked",
                    "",  # no key: the palette only (every key a person would guess is taken)
                    "export_marked",
                    "Export marked…",
                    "",
                    "Write the marked papers to a file: .bib, .md, .csv or .json",
                ),
            ),
            cli=(CliSpec("export", "write matching papers as JSON, BibTeX, Markdown or CSV", ()),),
            changes=False,
        )
    )
    rows: Sequence[tuple[Paper, Annotation]]
    fmt: str
    target: str
    filters: dict[str, str] | None = None
    """Saved filters, for a JSON export (they travel with the library)."""

    def run(self, store: Store) -> Outcome:
        from readlist.export import export
        from readlist.outputs import library_files, write_output

        rows = list(self.rows)
        keys, warning = None, None
        if self.fmt == "bibtex":
            keys, warning = citation_keys(store, [paper for paper, _ in rows])
        blob = export(rows, self.fmt, keys, filters=self.filters)
        written = write_output(self.target, blob, protected=library_files(store.paths))
        message = f"exported {phrase(len(rows), 'paper')} as {EXPORT_NAMES[self.fmt]}"
        if self.target != "-":
            message += f" to {written.describe()}"
        return Outcome(message, warning=warning)


@dataclass(frozen=True, slots=True)
class Import:
    """Import listings (each a list of papers, as `importers.read_listing` reads them),
    each whole or not at all, as one undoable step; `dry_run` changes nothing."""

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "import",
            "Import",
            "import paper listings",
            (
                KeySpec(
                    "import",
                    "i",
                    "import",
                    "Import",
                    "import: paste a page or give a file path",
                    "Paste a page or give a file to import",
                    show=True,
                    # "Add" rather than "Import": the footer must fit in 80 columns.
                    label="Add",
                ),
            ),
            cli=(
                CliSpec(
                    "import",
                    "import paper listings (pages copied as text, arXiv, BibTeX, JSON export)",
                    (),
                ),
            ),
        )
    )
    listings: Sequence[Sequence[Paper]]
    dry_run: bool = False
    label: str = "imported"
    progress: Progress | None = None

    def run(self, store: Store) -> Outcome:
        reports = store.import_listings(self.listings, self.progress, dry_run=self.dry_run)
        added = [pid for report in reports for pid in report.added]
        updated = sum(len(report.updated) for report in reports)
        if not self.dry_run:
            store.record_added(added, self.label)
        verbs = ("would be added", "would be updated") if self.dry_run else ("added", "updated")
        message = f"{phrase(len(added), 'paper')} {verbs[0]}, {updated} {verbs[1]}"
        return Outcome(message, [] if self.dry_run else added, reports=tuple(reports))


@dataclass(frozen=True, slots=True)
class OpenLink:
    """The links of `paper`, its own page first, for the front end to open (or to pick
    from, when there are several): `Outcome.text` is the first URL."""

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "open_link",
            "Open link",
            "open the paper's page",
            (
                KeySpec(
                    "open_link",
                    "o",
                    "open_link",
                    "Open link",
                    "open the paper's page (several links: a picker, 1-9 or Enter)",
                    "Open the paper's page, or pick one of its links",
                    show=True,
                    label="Open",
                ),
            ),
            cli=(CliSpec("link", "print the links of matching papers, their own page first", ()),),
            changes=False,
        )
    )
    paper: Paper

    def run(self, store: Store) -> Outcome:
        from readlist.citations import paper_links

        links = tuple(paper_links(self.paper))
        if not links:
            return Outcome("This paper's listing had no link.")
        return Outcome(f"Opened {links[0][1]}", text=links[0][1], links=links)
