"""Parse BibTeX files (Zotero, JabRef, BibDesk, arXiv's "Export BibTeX") with bibtexparser 2.

bibtexparser splits the file into blocks and reports a broken entry (unbalanced braces,
a missing comma) as a failed block with its line, then goes on with the next entry, so
one broken entry never loses the rest; it also resolves `@string` macros and splits
author lists into name parts (brace-aware: `{Barnes and Noble}` is one name). Our own
middleware then turns LaTeX into text in the fields that are text (titles, names,
venues, abstracts) — not in URLs, DOIs or ids, where `%` and `~` are characters, not
LaTeX. Unescaped `%` is read as a per-cent sign, not as a LaTeX comment ("a 50% gain"
would otherwise lose the rest of its sentence).

An entry becomes a paper when it has a title. Its arXiv id comes from `eprint` (when
`archivePrefix`/`eprinttype` says arXiv), an arxiv.org URL, the arXiv DataCite DOI, or a
`journal = {arXiv preprint arXiv:ID}` / DBLP `volume = {abs/ID}`; `published` only from a
full date (year, month and day): a year alone is not a date, and nothing is invented.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from datetime import date
from typing import Any

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    MergeNameParts,
    NormalizeFieldKeys,
    SeparateCoAuthors,
    SplitNameParts,
)
from bibtexparser.middlewares.middleware import BlockMiddleware, Middleware
from bibtexparser.middlewares.parsestack import default_parse_stack
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    Entry,
    ExplicitComment,
    ImplicitComment,
    ParsingFailedBlock,
    Preamble,
    String,
)

from readlist.importers.base import MONTHS as _MONTHS
from readlist.importers.base import Parsed, RawPaper
from readlist.importers.listing import find_links
from readlist.models import normalize_arxiv_id
from readlist.text import clean_block, normalize_newlines, squeeze, strip_controls

SOURCE_KIND = "bibtex"

# Fields that hold text written in LaTeX (the rest are URLs, ids, numbers, keys).
_TEXT_FIELDS = frozenset(
    {"title", "author", "journal", "journaltitle", "booktitle", "abstract", "editor", "series"}
)
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>.+)$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(?P<id>[^\s?#]+)", re.IGNORECASE)
_ARXIV_JOURNAL = re.compile(r"^(?:arxiv\b|corr$)", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\\par\b")


def latex_to_text(text: str) -> str:
    """LaTeX as the text it prints: `{\\"u}` is ü, `\\&` is &, `--` is –, braces go.

    Math is turned into text too (`$\\alpha$-Net` is α-Net); a bare `%` is a per-cent
    sign. Text pylatexenc cannot read is returned as it was.
    """
    if not any(c in text for c in "\\{}$~-%"):
        return text
    try:
        decoded: str = _decoder().latex_to_text(_UNESCAPED_PERCENT.sub(r"\\%", text))
    except Exception:  # pylatexenc raises its own errors on odd input: keep the text
        return text
    return decoded.replace("\u00a0", " ") if "~" in text else decoded


@functools.cache
def _decoder() -> Any:
    """pylatexenc's converter, built once (its macro tables take a while to set up)."""
    from pylatexenc.latex2text import (  # type: ignore[import-untyped]
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    context = get_default_latex_context_db()
    context.add_context_category(
        "readlist",
        prepend=True,
        macros=[
            MacroTextSpec("url", simplify_repl="%s"),  # the URL, not "<URL>"
            MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
            MacroTextSpec("TeX", simplify_repl="TeX"),
            MacroTextSpec("BibTeX", simplify_repl="BibTeX"),
        ],
    )
    return LatexNodes2Text(latex_context=context, math_mode="text")


class _LatexToText(BlockMiddleware):
    """LaTeX → Unicode in the text fields of entries (names after they were split)."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True, allow_parallel_execution=True)

    def transform_entry(self, entry: Entry, library: Library) -> Block:
        for item in entry.fields:
            if item.key.lower() not in _TEXT_FIELDS:
                continue
            if isinstance(item.value, str) and item.key.lower() == "abstract":
                # Paragraph breaks first: LaTeX reads a blank line or \par as a space.
                parts = _PARAGRAPH_BREAK.split(item.value)
                item.value = "\n\n".join(latex_to_text(part) for part in parts)
            elif isinstance(item.value, str):
                item.value = latex_to_text(item.value)
            elif isinstance(item.value, list):
                item.value = [latex_to_text(v) if isinstance(v, str) else v for v in item.value]
        return entry


def parse(text: str, today: date) -> Parsed:
    """The papers of the BibTeX entries in `text`."""
    del today
    text = normalize_newlines(unicodedata.normalize("NFC", text.lstrip("\ufeff")))
    text = strip_controls(text)
    # bibtexparser logs each broken entry to stderr; the notes below report them instead.
    log = logging.getLogger("bibtexparser.splitter")
    was_disabled, log.disabled = log.disabled, True
    try:
        library = parse_string(text, append_middleware=_middlewares())
    finally:
        log.disabled = was_disabled
    parsed = Parsed()
    entries = 0
    for block in library.blocks:
        if isinstance(block, (ExplicitComment, ImplicitComment, Preamble, String)):
            continue
        entries += 1
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, Entry
        ):
            # A key used twice: still a paper, but bibtexparser left it as it was read.
            block = _transformed(block.ignore_error_block, library)
        if isinstance(block, Entry):
            paper = _paper(block)
            if paper is None:
                _skip(parsed, line, "no title")
            else:
                parsed.papers.append(paper)
        elif isinstance(block, ParsingFailedBlock):
            _skip(parsed, line, _failure(block))
    if not entries:
        parsed.problem = "no BibTeX entries found (no `@article{key, ...}` blocks)"
    elif not parsed.papers:
        parsed.problem = (
            f"holds {entries} BibTeX entr{'y' if entries == 1 else 'ies'} but none usable"
            + (f" ({parsed.notes[0]})" if parsed.notes else "")
        )
    return parsed


def _middlewares() -> list[Middleware]:
    """What runs after bibtexparser's own stack (macros resolved, braces removed)."""
    return [
        NormalizeFieldKeys(),  # `Author = ...` (JabRef) is `author`
        SeparateCoAuthors(),
        SplitNameParts(),
        MergeNameParts(style="first"),
        _LatexToText(),
    ]


def _transformed(entry: Entry, library: Library) -> Block:
    """An entry bibtexparser set aside, through the same middlewares as the others."""
    alone = Library([*library.strings, entry], fail_on_duplicate_key=False)
    for middleware in [*default_parse_stack(), *_middlewares()]:
        alone = middleware.transform(alone)
    return alone.entries[0] if alone.entries else entry


def _skip(parsed: Parsed, line: int, why: str) -> None:
    parsed.skipped += 1
    if len(parsed.notes) < 10:
        parsed.notes.append(f"entry at line {line} skipped: {why}")


def _failure(block: ParsingFailedBlock) -> str:
    raw = block.raw or ""
    if raw.count("{") != raw.count("}"):
        return "unbalanced braces"
    return "not valid BibTeX"


def _paper(entry: Entry) -> RawPaper | None:
    fields = {item.key.lower(): item.value for item in entry.fields}

    def text(name: str) -> str | None:
        value = fields.get(name)
        return clean_block(value) or None if isinstance(value, str) else None

    title = text("title")
    if not title:
        return None
    names = fields.get("author")
    authors: list[str] = []
    if isinstance(names, list):
        for name in names:
            cleaned = clean_block(name) if isinstance(name, str) else ""
            if cleaned and cleaned.lower() != "others" and cleaned not in authors:
                authors.append(cleaned)
    url = text("url")
    doi = _doi(text("doi"))
    arxiv_id = _arxiv_id(fields, text, url, doi)
    if doi and _ARXIV_DOI.match(doi):
        doi = None  # arXiv's own DataCite DOI: the arXiv id says it already
    venue = text("journal") or text("journaltitle") or text("booktitle")
    if venue and _ARXIV_JOURNAL.match(venue):
        venue = None
    abstract = _abstract(fields.get("abstract"))
    links: list[str] = []
    if url:
        links.append(url)
    if arxiv_id and not any("arxiv.org" in link for link in links):
        links.append(f"https://arxiv.org/abs/{arxiv_id}")
    for found in find_links(abstract):
        if found not in links:
            links.append(found)
    primary = text("primaryclass")
    return RawPaper(
        title=title,
        abstract=abstract,
        authors=tuple(authors),
        published=_published(text),
        arxiv_id=arxiv_id,
        doi=doi,
        categories=(primary,) if primary and arxiv_id else (),
        venue=venue,
        links=tuple(links),
        paragraphs=abstract.count("\n\n") + 1,
    )


def _doi(value: str | None) -> str | None:
    if not value:
        return None
    value = _DOI_PREFIX.sub("", value.strip())
    return value if value.startswith("10.") else None


def _arxiv_id(fields: dict[str, Any], text: Any, url: str | None, doi: str | None) -> str | None:
    prefix = (text("archiveprefix") or text("eprinttype") or "").lower()
    eprint = text("eprint")
    if eprint and prefix == "arxiv":
        return normalize_arxiv_id(eprint)
    if url and (match := _ARXIV_URL.search(url)):
        return normalize_arxiv_id(match["id"])
    if doi and (match := _ARXIV_DOI.match(doi)):
        return normalize_arxiv_id(match["id"])
    journal = text("journal") or ""
    if journal and _ARXIV_JOURNAL.match(journal):
        volume = text("volume") or ""
        return normalize_arxiv_id(journal) or normalize_arxiv_id(volume.removeprefix("abs/"))
    return None


def _published(text: Any) -> str | None:
    """A full date (YYYY-MM-DD) from `date`, or `year` + `month` + `day`; else None."""
    if (stated := text("date")) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", stated):
        try:
            return date.fromisoformat(stated).isoformat()
        except ValueError:
            return None
    year, month, day = text("year"), text("month"), text("day")
    if not (year and month and day and year.isdigit() and day.isdigit()):
        return None
    number = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
    try:
        return date(int(year), number, int(day)).isoformat() if number else None
    except ValueError:
        return None


def _abstract(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    paragraphs = (squeeze(clean_block(p)) for p in _PARAGRAPH_BREAK.split(value))
    return "\n\n".join(p for p in paragraphs if p)
