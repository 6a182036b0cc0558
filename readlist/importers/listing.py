"""Parse the text of a Hugging Face paper-listing page (as copied from a browser).

Pages change their furniture often and their structure rarely, so the parser works on
structure. The text is read as lines (blank lines between blocks vary from one copy to
the next and carry no meaning), each line is classified on its own, and papers are
assembled between *anchors*:

- a card start: an upvote count on a line of its own before the title (`42`, or `-` for
  none; today's layout), or `Submitted by` + a user name (the trending view);
- a metadata group, which closes a card: `• N authors` or an organisation, `·`, and a date
  with an optional comment count (`May 29 3`, `Feb 27, 2025`, `Published on Oct 4, 2026`);
  `Upvote` + a count after it belongs to the card it follows (the trending view);
- a page header: a date on its own, outside a metadata group (`Apr 23`);
- a card footer: a line of link buttons (`GitHub 1.2k  arXiv Page`).

Between anchors, a paper is a *title line* followed by *prose* (one or more paragraphs of
abstract). Everything else — tabs, navigation, footers, a user name, a lone title whose
abstract was cut off, a paragraph without a title — is not a paper, wherever it appears,
and a block that cannot be a title (an emoji, a line of code) never shifts the pairing of
the blocks after it. Text that yields no papers, or that reads as a document rather than
a listing (most "abstracts" of several paragraphs, little of the text in papers), is not
a listing: `ListingShape` says what it looks like instead, for the error message.

A single paper's page (`Papers arxiv:ID`, the title, `Authors:` names, `Abstract`, the
abstract) is recognised by its `arxiv:` header and parsed on its own.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from readlist.importers.base import MONTHS as _MONTHS
from readlist.importers.base import Parsed, Piece, RawPaper
from readlist.models import normalize_arxiv_id
from readlist.text import normalize_newlines, strip_controls

MAX_TITLE = 300
SOURCE_KIND = "hf-page"

# Counts up to nine digits: a longer number is text, never a count (nor a 64-bit overflow).
_NUMBER = r"\d{1,3}(?:,\d{3}){1,2}|\d{1,9}"
# A year needs its comma ("Feb 27, 2025"): "Mar 4 2301" is March 4 with 2301 comments.
_DATE = (
    r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    r"(?:,\s*(?P<year>\d{4}))?"
)
_DATE_LINE = re.compile(
    rf"^(?:published\s+on\s+)?{_DATE}(?:\s+(?P<count>{_NUMBER}))?$", re.IGNORECASE
)
_AUTHORS = re.compile(rf"^[•·*]?\s*(?P<n>{_NUMBER})\s+authors?$", re.IGNORECASE)
_COUNT = re.compile(rf"^(?:{_NUMBER}|-|–|—)$")
_SUBMITTED = re.compile(r"^submitted\s+by\b\s*(?P<user>.*)$", re.IGNORECASE)
_UPVOTE = re.compile(rf"^upvotes?(?:\s+(?P<n>{_NUMBER}))?$", re.IGNORECASE)
_PAPER_HEADER = re.compile(r"^(?:papers\s+)?arxiv\s*:\s*(?P<id>\S+)$", re.IGNORECASE)
# Link buttons under a card: words of a closed set and counts ("GitHub 1.2k  arXiv Page").
_BUTTON_WORDS = frozenset(
    [
        "github",
        "arxiv",
        "page",
        "project",
        "code",
        "demo",
        "dataset",
        "datasets",
        "model",
        "models",
        "space",
        "spaces",
        "collection",
        "collections",
        "paper",
        "pdf",
        "website",
    ]
)
_SITES = frozenset(["github", "arxiv", "pdf"])
_STARS = re.compile(r"^\d+(?:[.,]\d+)*[kKmM]?$")
_DOT = "·"
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\""
_PAIRS = {")": "(", "]": "[", "}": "{"}
_SPACES = re.compile(r"[ \t\u3000]+")  # not the no-break space: it stays one character
_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]*\s+[A-Z0-9(\"']")
_CLOSERS = "\"')]»”’"
# Lines that start like code, markup or a chat/e-mail line are never titles.
_NOT_TITLE_START = re.compile(
    r"""^(?:
        \#+\s | [>|`]                   # Markdown heading, quote, table, code fence
      | [-*+]\s                        # a bullet
      | \d+[.)]\s                      # a numbered item
      | \[?\d{1,2}:\d{2}               # a chat time stamp
      | <[\w@.-]+>                     # an IRC nick or an e-mail address
      | (?:import|from|def|class|return|if|for|while|const|let|var|function|public|
           private|package|using|SELECT|INSERT)\b
      | //|/\*|\#!
    )""",
    re.VERBOSE,
)
_CODE_END = tuple("{};:,([=\\")  # the last character of a line of code
_CODE_INSIDE = re.compile(r"(?:\s(?:==|!=|=>|->|\+=|:=|&&|\|\|)\s|\w\(.*\)\s*$|^\s*[\w.]+\s*=\s)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")  # an address: an e-mail header or signature
_CSV_LINE = re.compile(r"^[^,\s][^,]*(?:,[^,\s][^,]*){2,}$")


# -- units: one line each, classified ---------------------------------------------------

TEXT, PROSE, COUNT, AUTHORS, DOT, DATE, SUBMITTED, UPVOTE, BUTTONS, HEADER, LABEL = range(11)


@dataclass(slots=True)
class Unit:
    kind: int
    text: str
    value: int | None = None
    """COUNT: the count (None for '-'); AUTHORS: the number; DATE: the comment count."""
    iso: str | None = None
    """DATE: the ISO date; inferred: whether the year was inferred."""
    inferred: bool = False
    titleish: bool = False
    """TEXT only: could be a title (one line, a few words, not code or markup)."""


@dataclass(slots=True)
class ListingShape:
    """What the text held, for reports and for telling a listing from other text."""

    prose: int = 0
    """Paragraphs of prose."""
    short: int = 0
    """Short lines that were not used (furniture, lone titles, lists)."""
    code: int = 0
    """Lines that look like code, markup, chat or e-mail."""
    chars: int = 0
    """Characters of text in all."""
    used_chars: int = 0
    """Characters of text that went into papers."""
    anchored: int = 0
    """Papers vouched for by metadata, an upvote count or a card start."""

    def describe(self) -> str:
        parts = []
        if self.prose:
            parts.append(_plural(self.prose, "paragraph") + " of prose")
        if self.short:
            parts.append(_plural(self.short, "short line"))
        if self.code:
            parts.append(_plural(self.code, "line") + " of code, markup or chat")
        return ", ".join(parts) or "no text"


def refusal(parsed: Parsed, shape: ListingShape) -> str | None:
    """Why this text is not a paper listing, or None if it is one."""
    return refusal_of([p.paragraphs for p in parsed.papers], shape)


def refusal_of(paragraphs_of: list[int], shape: ListingShape) -> str | None:
    """`refusal` of papers whose abstracts have these numbers of paragraphs."""
    papers = paragraphs_of
    if not papers:
        return f"no paper listing found: {shape.describe()}, no titles with abstracts"
    if shape.anchored:
        return None  # metadata, counts or card starts: a listing page
    many = sum(1 for p in papers if p > 1)
    if len(papers) == 1 and many:
        paragraphs = _plural(papers[0], "paragraph")
        return (
            f"no paper listing found: one title over {paragraphs} of prose "
            "reads as a document, not a listing"
        )
    # A listing without metadata (a search page) shows one paragraph per paper; headings
    # over several paragraphs are a document's sections (a blog post, an essay). One
    # abstract broken in two in a long listing does not make it a document.
    if many and (len(papers) < 10 or many * 10 > len(papers)):
        return (
            f"no paper listing found: {shape.prose} paragraphs of prose under "
            f"{len(papers)} headings read as a document, not a listing"
        )
    if shape.code * 2 > len(papers):
        # Lines of code, markup, chat or e-mail are rare in a page of papers (an emoji,
        # a cut-off line) and common in what people paste by mistake.
        return (
            f"no paper listing found: {_plural(shape.code, 'line')} of code, markup, chat "
            f"or e-mail beside {_plural(len(papers), 'title')} with abstracts"
        )
    if shape.used_chars < 0.6 * shape.chars:
        share = 100 * shape.used_chars // max(shape.chars, 1)
        return (
            f"no paper listing found: only {share}% of the text reads as titles with "
            f"abstracts ({shape.describe()})"
        )
    return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n:,} {word}s"


def parse_listing(text: str, *, today: date) -> Parsed:
    """Papers found in `text`; `today` resolves dates given without a year."""
    return parse_listing_lines(text.split("\n"), today=today)


def parse_listing_lines(pieces: Iterable[str | Piece], *, today: date) -> Parsed:
    """`parse_listing` of the text that `pieces` make: its lines (its `split("\\n")`,
    `\\r` and other line breaks may still be in them), or `Piece`s of whole lines.

    A large file is decoded a piece at a time (`readlist.importers.read_listing`): as
    one string its text would be twice its size in UTF-8 (one character beyond Latin-1,
    a `•`, makes the whole string two bytes a character), held beside its lines.
    """
    units = _units(pieces, today)
    result = _Result()
    result.shape.chars = _chars(units)
    if _paper_pages(units):
        _parse_paper_pages(units, result)
    else:
        _assemble(units, result)
    parsed = Parsed(result.papers, result.skipped)
    parsed.problem = refusal(parsed, result.shape)
    return parsed


def _chars(units: list[Unit]) -> int:
    return sum([len(u.text) for u in units if u.kind <= PROSE])  # TEXT or PROSE


def _paper_pages(units: list[Unit]) -> bool:
    """Whether the text is single papers' pages (`_parse_paper_pages`), not a listing."""
    return any(u.kind == HEADER for u in units[:40]) and _has_label(units, "abstract")


@dataclass(slots=True)
class _Result:
    papers: list[RawPaper] = field(default_factory=list)
    skipped: int = 0
    shape: ListingShape = field(default_factory=ListingShape)


# -- a large listing parsed in two parts (see `readlist.importers.read_listing`) ----------
#
# `parse_listing_lines` of a text cut at a line boundary gives what its parts give:
# - the lines are classified one at a time (`_lines`, `_units`: no state crosses a
#   line; only the text's first line loses a byte-order mark), so the units of the text
#   are the first part's followed by the second part's;
# - `_assemble` starts afresh after every date unit: a date is either a page header
#   (`card = _Card()`, `last = None`) or the end of a metadata group (`_read_meta` stops
#   after it; `card = _Card()`). No unit is looked back at except through `last` (the
#   paper a trending card's `Upvote` count belongs to) and `units[i - 1]` (an `Upvote`
#   line before a count). So a run of units that starts at the text's start, or after a
#   date with no `Upvote` line in the run, and ends after a date (its last card is
#   empty: the final `_close` does nothing) or at the text's end, assembles alone
#   (`_segment`) into what it gives in the whole. The runs' results add up (papers in
#   order, counts summed), and the refusal is judged on the sums;
# - a text whose head holds a single paper's header (`_paper_pages`) is parsed whole
#   (the caller's fallback).
# The runs: the first part up to its last date (`parse_first`, while the second part is
# still being parsed), the second part from its first date (`parse_tail`), and what lies
# between (`parse_rest`).


@dataclass(slots=True)
class Tail:
    """The second part of a listing, parsed on its own (`parse_tail`)."""

    head: list[Unit]
    """Its units up to its first date, for the first part (all its units if the rest
    cannot be assembled alone)."""
    result: _Result | None
    """What the units after that date assemble into; None if they cannot alone (no
    date, or an `Upvote` line after it)."""
    early_header: bool = False
    """A single paper's header among its first 40 units (see `_paper_pages`)."""


@dataclass(slots=True)
class Head:
    """The first part of a listing, assembled up to its last date (`parse_first`)."""

    result: _Result
    rest: list[Unit]
    """Its units after that date."""


def _segment(units: list[Unit]) -> _Result:
    result = _Result()
    result.shape.chars = _chars(units)
    _assemble(units, result)
    return result


def _upvotes(units: list[Unit]) -> bool:
    return any(u.kind == UPVOTE for u in units)


def parse_tail(pieces: Iterable[str | Piece], *, today: date) -> Tail:
    """The second part of a text cut at a line boundary (`pieces`: as
    `parse_listing_lines` takes them)."""
    units = _units(pieces, today, first=False)
    early = any(u.kind == HEADER for u in units[:40])
    start = next((k + 1 for k, u in enumerate(units) if u.kind == DATE), None)
    if start is None or _upvotes(units[start:]):
        return Tail(units, None, early)
    return Tail(units[:start], _segment(units[start:]), early)


def first_units(pieces: Iterable[str | Piece], *, today: date) -> list[Unit]:
    """The units of a text's first part (`pieces`: as `parse_listing_lines` takes them)."""
    return _units(pieces, today)


def parse_first(units: list[Unit]) -> Head | None:
    """The first part's `units` up to their last date, assembled; None when that waits
    for the second part (fewer than 40 units, no date) or the text is to be parsed
    whole (a single paper's header among the first 40 units)."""
    if len(units) < 40 or any(u.kind == HEADER for u in units[:40]):
        return None
    end = next((k + 1 for k in range(len(units) - 1, -1, -1) if units[k].kind == DATE), None)
    if end is None:
        return None
    return Head(_segment(units[:end]), units[end:])


def parse_rest(units: list[Unit], head: Head | None, tail: Tail) -> list[_Result] | None:
    """The results of the whole text's runs, in order (`head.result` first when it
    stands, `tail.result` last when there is one), for the first part's `units`; None
    when the text is to be parsed whole."""
    after = [] if tail.result is None else [tail.result]
    if head is not None:
        middle = head.rest + tail.head
        if not _upvotes(middle):
            return [head.result, _segment(middle), *after]
    elif any(u.kind == HEADER for u in [*units[:40], *tail.head[:40]][:40]) or (
        len(units) < 40 and tail.early_header
    ):
        return None
    return [_segment(units + tail.head), *after]


def _has_label(units: list[Unit], name: str) -> bool:
    return any(u.kind == LABEL and u.text.casefold() == name for u in units)


def _lines(pieces: Iterable[str]) -> Iterator[str]:
    """The lines of the text `pieces` make, as `split("\\n")` of the whole text would give
    them after NFC is applied and every kind of line break turned into `\\n`; line by
    line, which is the same (a line break is a starter that composes with nothing) and
    skips ASCII lines (most) cheaply."""
    for piece in pieces:
        if piece.isascii():  # most lines: already NFC, and \r, VT, FF the only breaks
            if "\r" in piece or "\x0b" in piece or "\x0c" in piece:
                yield from normalize_newlines(piece).split("\n")
            else:
                yield piece
            continue
        piece = unicodedata.normalize("NFC", piece)
        if any(c in piece for c in "\r\x0b\x0c\x85\u2028\u2029"):
            yield from normalize_newlines(piece).split("\n")
        else:
            yield piece


_OTHER_BREAKS = ("\x85", "\u2028", "\u2029")  # the line breaks beyond ASCII


def _units(pieces: Iterable[str | Piece], today: date, *, first: bool = True) -> list[Unit]:
    """The units of the text `pieces` make (see `parse_listing_lines`), in order. Not
    `first`: the pieces are a text's second part (its first line keeps a leading
    U+FEFF: only the text's own byte-order mark is dropped)."""
    units: list[Unit] = []
    add, add_all = units.append, units.extend
    # Lines other than titles and prose repeat: a listing of 100,000 papers has 69,765
    # date lines (14,378 different), as many `• N authors` (59) and `·` lines (1). Each
    # is classified once, by its line as read: the units depend on nothing else, and
    # nothing changes a unit once made, so one can stand at several places.
    known: dict[str, list[Unit]] = {}
    get = known.get
    for piece in pieces:
        text, plain = (piece, False) if isinstance(piece, str) else piece
        if first:
            text = text.lstrip("\ufeff")
            first = False
        if plain and not text.isascii() and any(c in text for c in _OTHER_BREAKS):
            plain = False
        # A plain piece holds no line break but its newlines: its lines are NFC'd here,
        # one at a time, and its ASCII lines (`simple`) need no check for controls,
        # tabs or breaks, only their runs of spaces squeezed.
        lines = text.split("\n") if plain else _lines(text.split("\n"))
        for raw in lines:
            if not raw:
                continue  # blank lines carry no meaning
            simple = plain and raw.isascii()
            if plain and not simple:
                raw = unicodedata.normalize("NFC", raw)
            if len(raw) <= MAX_TITLE and (seen := get(raw)) is not None:
                add_all(seen)
                continue
            if simple:
                line = _SPACES.sub(" ", raw) if "  " in raw else raw
            else:
                line = raw if raw.isprintable() else strip_controls(raw)
                if "  " in line or "\t" in line or "\u3000" in line:  # a regex only if needed
                    line = _SPACES.sub(" ", line)
            line = line.strip(" \u00a0")
            if len(line) > MAX_TITLE:
                add(Unit(PROSE, line))  # most abstracts: never anything else
            elif line:
                found = _classify(line, today)
                if found[-1].kind not in (TEXT, PROSE) and len(raw) <= MAX_TITLE:
                    known[raw] = found  # (titles and prose rarely repeat: not kept)
                add_all(found)
    return units


# Most titles start with a letter that none of the lines `_special` finds can start
# with: not a digit, a dash, a bullet or a space (counts, `• N authors`), not the first
# letter of `Submitted`, `Upvote`, `Papers arxiv:`/`Published on`, `arXiv:`, `Abstract`
# or `Authors`, and (checked apart) not the first three letters of a month, which a
# date's month must be in ASCII to be read as one (`_iso_date`). The case-blind regexes
# also match four letters beyond ASCII (`ſ` for s, `K` for k, `ı` and `İ` for i),
# never as a line's first character here: these are ASCII.
_TITLE_STARTS = frozenset(
    c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c.lower() not in "supa"
)
_MONTH_HEADS = frozenset(name[:3] for name in _MONTHS)


def _classify(line: str, today: date) -> list[Unit]:
    """The unit(s) of one line: one, or a metadata line's parts ("Meta AI", `·`, a date)."""
    if len(line) > MAX_TITLE:  # fast path: most abstracts, never anything else
        return [Unit(PROSE, line)]
    if not _plain_start(line):
        special = _special(line, today)
        if special is not None:
            return special
    if _is_buttons(line):
        return [Unit(BUTTONS, line)]
    if _is_prose(line):
        return [Unit(PROSE, line)]
    return [Unit(TEXT, line, titleish=_can_be_title(line))]


def _plain_start(line: str) -> bool:
    """Whether `_special` finds nothing in `line`, as its start alone shows: most
    titles (a title took ~8 us through every regex of `_special`)."""
    return line[:1] in _TITLE_STARTS and line[:3].lower() not in _MONTH_HEADS and _DOT not in line


def _special(line: str, today: date) -> list[Unit] | None:
    """The units of a line that is page structure (a count, metadata, a card start, a
    header, a label), or None."""
    if line == _DOT:
        return [Unit(DOT, line)]
    if _COUNT.match(line):
        return [Unit(COUNT, line, value=None if line in "-–—" else _int(line))]
    if _DOT in line and not line.startswith(_DOT):
        # "Meta AI · May 29", "• 5 authors · Published on Oct 4, 2026"
        head, _, tail = line.rpartition(_DOT)
        meta = _classify(tail.strip(), today) if tail.strip() else []
        if meta and meta[0].kind == DATE:
            head = head.strip()
            units = [Unit(DOT, _DOT), meta[0]]
            if head:
                first = _classify(head, today)[0]
                units.insert(0, first if first.kind == AUTHORS else Unit(TEXT, head, titleish=True))
            return units
    if line.startswith(_DOT) and len(line) > 1:
        return [Unit(DOT, _DOT), *_classify(line[1:].strip(), today)]
    if match := _AUTHORS.match(line):
        return [Unit(AUTHORS, line, value=_int(match["n"]))]
    if (match := _DATE_LINE.match(line)) and (iso := _parse_date(match, today)):
        count = _int(match["count"]) if match["count"] else None
        return [Unit(DATE, line, value=count, iso=iso, inferred=not match["year"])]
    if match := _SUBMITTED.match(line):
        return [Unit(SUBMITTED, match["user"].strip())]
    if match := _UPVOTE.match(line):
        return [Unit(UPVOTE, line, value=_int(match["n"]) if match["n"] else None)]
    if (match := _PAPER_HEADER.match(line)) and normalize_arxiv_id(match["id"]):
        return [Unit(HEADER, normalize_arxiv_id(match["id"]) or "")]
    if line.casefold() in ("abstract", "authors:", "authors"):
        return [Unit(LABEL, line.casefold().rstrip(":"))]
    return None


def _is_buttons(line: str) -> bool:
    """Link buttons: words of the closed set and star counts, a site's name among them
    ("GitHub 1.2k", "arXiv Page"); "Code Models", "0 Model" or "0 arXiv" is a title (a
    button row starts with a name: its counts follow the names)."""
    folded = line.casefold()  # case folding is per character: a site's word shows in it
    if "github" not in folded and "arxiv" not in folded and "pdf" not in folded:
        return False  # none of _SITES
    words = line.split()
    return (
        len(words) >= 2
        and not _STARS.match(words[0])
        and all(w.casefold() in _BUTTON_WORDS or _STARS.match(w) for w in words)
        and any(w.casefold() in _SITES for w in words)
    )


def _is_prose(line: str) -> bool:
    """A paragraph: a sentence ending with a full stop, several sentences, or long.

    Titles end with a question mark often and a full stop rarely, so a question alone
    is not prose.
    """
    if len(line) > MAX_TITLE:
        return True
    if " " not in line:
        return False  # one word: "Short." is not a paragraph
    if line.rstrip(_CLOSERS).endswith(".") and not line.endswith("..."):
        return not _looks_like_code(line)
    # "Can LLMs Learn from Mistakes? Investigating ..." is a title: only a long line of
    # several sentences that does not end like one is prose.
    return len(line) >= 200 and bool(_SENTENCE_BREAK.search(line))


# Capitals that no alternative of _NOT_TITLE_START starts with (most titles' first).
_NOT_CODE_STARTS = frozenset("ABCDEFGHJKLMNOPQRTUVWXYZ")


def _looks_like_code(line: str) -> bool:
    """Code, markup, chat or e-mail (`line` is one line: it holds no newline)."""
    return bool(
        (line[:1] not in _NOT_CODE_STARTS and _NOT_TITLE_START.match(line))
        or line.endswith(_CODE_END)
        or (_may_be_code_inside(line) and _CODE_INSIDE.search(line))
    )


def _may_be_code_inside(line: str) -> bool:
    """Whether `line` holds what each alternative of _CODE_INSIDE needs (`=`, `(`, `->`,
    `&&`, `||`): most lines hold none, and that regex, tried at every offset of the
    line, is the dearest test a title line meets."""
    return "=" in line or "(" in line or "->" in line or "&&" in line or "||" in line


def _can_be_title(line: str) -> bool:
    """One line that a paper could be called: letters or digits, not code, markup, a
    greeting ("Hi all,"), a list item, a CSV row or a link."""
    if len(line) > MAX_TITLE or not (line[:1].isalnum() or any(c.isalnum() for c in line)):
        return False
    if "://" in line or _looks_like_code(line):
        return False
    # Substring checks first: the regexes backtrack over every word of the line.
    if line.count(",") >= 2 and _CSV_LINE.match(line):
        return False
    if "@" in line and _EMAIL.search(line):
        return False
    return not line.endswith(("…", "..."))


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _parse_date(match: re.Match[str], today: date) -> str | None:
    """ISO date of "Apr 19, 2023" / "Apr 19"; a missing year is the latest not in the future."""
    return _iso_date(match["month"].lower(), int(match["day"]), match["year"], today)


@functools.lru_cache(maxsize=4096)  # a pure function: a listing repeats its few dates
def _iso_date(month_name: str, day: int, year_text: str | None, today: date) -> str | None:
    if (month := _MONTHS.get(month_name)) is None:
        return None
    # Without a year: the latest year that does not put the date in the future
    # (looking back up to 8 years finds a Feb 29).
    years = [int(year_text)] if year_text else [today.year - back for back in range(9)]
    for year in years:
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        if year_text or when <= today:
            return when.isoformat()
    return None


# -- assembling papers between anchors ------------------------------------------------------


@dataclass(slots=True)
class _Card:
    units: list[Unit] = field(default_factory=list)
    upvotes: int | None = None
    started: bool = False
    """Began at a card start (an upvote count, `Submitted by`): its first line is the title."""


@dataclass(slots=True)
class _Meta:
    authors_count: int | None = None
    organization: str | None = None
    published: str | None = None
    inferred: bool = False
    comments: int | None = None


def _assemble(units: list[Unit], result: _Result) -> None:
    card = _Card()
    last: RawPaper | None = None  # the paper the last card made (for a trailing `Upvote N`)
    i, n = 0, len(units)
    while i < n:
        unit = units[i]
        kind = unit.kind
        if kind == COUNT:
            if i and units[i - 1].kind == UPVOTE and last is not None:
                last.upvotes = unit.value  # trending: "Upvote" then the count, after the card
            else:
                _close(card, None, result)
                card = _Card(upvotes=unit.value, started=True)
            i += 1
            continue
        if kind == UPVOTE:
            if unit.value is not None and last is not None:
                last.upvotes = unit.value
            i += 1
            continue
        if kind == SUBMITTED:
            _close(card, None, result)
            card = _Card(started=True)
            # "Submitted by" alone: the next line is the user's name.
            i += 2 if not unit.text and i + 1 < n and units[i + 1].kind == TEXT else 1
            continue
        if kind in (AUTHORS, DOT):
            meta, i = _read_meta(units, i, card)
            made = _close(card, meta, result)
            last = made or last
            card = _Card()
            continue
        if kind in (DATE, HEADER):
            # A page header: a date in a card follows its `·` (read with the metadata); a
            # date on its own heads a page, even right after an abstract or a card start.
            _close(card, None, result)
            card = _Card()
            last = None
            i += 1
            continue
        if kind in (BUTTONS, LABEL):
            if card.units or card.started:
                made = _close(card, None, result)
                last = made or last
                card = _Card()
            i += 1
            continue
        card.units.append(unit)
        i += 1
    _close(card, None, result, at_end=True)


def _read_meta(units: list[Unit], i: int, card: _Card) -> tuple[_Meta, int]:
    """Read the metadata group starting at `i`; the organisation is the line before `·`."""
    meta = _Meta()
    n = len(units)
    if units[i].kind == DOT and card.units and card.units[-1].kind == TEXT:
        org = card.units.pop()
        meta.organization = org.text if org.titleish else None
    while i < n and units[i].kind in (AUTHORS, DOT, DATE):
        unit = units[i]
        if unit.kind == AUTHORS:
            if meta.authors_count is not None or meta.published is not None:
                break  # a new group begins (a card without a date)
            meta.authors_count = unit.value
        elif unit.kind == DATE:
            if meta.published is not None:
                break
            meta.published, meta.inferred, meta.comments = unit.iso, unit.inferred, unit.value
            i += 1
            break  # the date ends the group
        i += 1
    return meta, i


def _close(
    card: _Card, meta: _Meta | None, result: _Result, *, at_end: bool = False
) -> RawPaper | None:
    """Turn one card's lines (and metadata) into papers; count what could not be used."""
    units = card.units
    anchored = meta is not None or card.started
    made: RawPaper | None = None
    if anchored and units:
        made = _anchored_paper(card, meta, result, at_end=at_end)
    elif units:
        _pair(units, result, at_end=at_end)
    elif meta is not None:
        result.skipped += 1  # metadata with no title before it (a page cut at its top)
    if made is not None:
        result.shape.anchored += 1
    return made


def _anchored_paper(
    card: _Card, meta: _Meta | None, result: _Result, *, at_end: bool = False
) -> RawPaper | None:
    """A card vouched for by metadata or a card start: title, then abstract paragraphs.

    After a card start the first line is the title. Otherwise metadata closes the last
    paper before it: its title is the last line that can be one (the paragraphs after it
    are the abstract), and the lines before it pair up as papers without metadata (a
    paper whose metadata block is missing) or are left out as furniture.
    """
    units = card.units
    if (
        meta is not None
        and not card.started
        and len(units) == 2
        and units[0].titleish
        and units[1].kind == PROSE
    ):
        # Most cards: a title, its abstract, metadata (what the general way below
        # makes of them, without its searches and slices).
        made = _paper(units[0], units[1:], meta, card.upvotes)
        result.papers.append(made)
        result.shape.used_chars += len(units[0].text) + len(units[1].text)
        result.shape.prose += 1
        return made
    title_at: int | None = None
    if card.started and (units[0].titleish or (units[0].kind == PROSE and len(units) > 1)):
        title_at = 0
        if meta is not None and (split := _after_first_paper(units)) is not None:
            # A card start, then papers without one (their upvote lines were not
            # copied), then metadata: the metadata is the last paper's, not an
            # abstract running from the first title to it.
            first = _paper(units[0], units[1:split], None, card.upvotes)
            result.papers.append(first)
            result.shape.used_chars += sum(len(u.text) for u in units[:split])
            result.shape.prose += split - 1
            _anchored_paper(_Card(units=units[split:]), meta, result, at_end=at_end)
            return first
    else:
        # The last line that can be a title, preferring one that does not end like a
        # sentence ("Short." after its title is a one-word abstract).
        candidates = [k for k in range(len(units) - 1, -1, -1) if units[k].titleish]
        title_at = next(
            (k for k in candidates if not units[k].text.endswith(".")),
            candidates[0] if candidates else None,
        )
        if title_at is None and len(units) > 1 and len(units[0].text) <= MAX_TITLE:
            title_at = 0  # a title that ends with a full stop
    if title_at is None:
        result.skipped += 1
        _count_unused(units, result)
        return None
    _pair(units[:title_at], result)
    title = units[title_at]
    # Metadata closes the abstract: everything between the title and it ("Short.").
    # Without metadata the abstract is the prose after the title; what follows it (a
    # footer, the next page's furniture, a line cut off) is not part of it.
    end = title_at + 1
    if meta is not None:
        end = len(units)
    while end < len(units) and units[end].kind == PROSE:
        end += 1
    body = units[title_at + 1 : end]
    paper: RawPaper | None = None
    if body or meta is not None:
        paper = _paper(title, body, meta, card.upvotes)
        result.papers.append(paper)
        result.shape.used_chars += len(title.text) + sum(len(u.text) for u in body)
        result.shape.prose += sum(1 for u in body if u.kind == PROSE)
    else:
        result.skipped += 1  # a card start and a title alone: a card cut off
    _pair(units[end:], result, at_end=at_end)
    return paper


def _after_first_paper(units: list[Unit]) -> int | None:
    """Where the lines after a card's first paper (its title and abstract) start: when
    a title line (not ending like a sentence) followed by a paragraph comes later."""
    first = 1
    while first < len(units) and units[first].kind == PROSE:
        first += 1
    if first == 1:
        return None  # the first title has no abstract: the lines after it are one
    for k in range(first, len(units) - 1):
        unit = units[k]
        if unit.titleish and not unit.text.endswith(".") and units[k + 1].kind == PROSE:
            return first
    return None


def _pair(units: list[Unit], result: _Result, *, at_end: bool = False) -> None:
    """Lines with no anchor: each title line followed by prose is a paper.

    A title line not followed by prose (furniture, a lone title) and prose with no title
    before it are left out, so one odd block never shifts the pairing of the rest. At the
    end of the text (a page cut off), a title followed by the start of an abstract keeps
    it, and a title right after an abstract is counted as skipped: its own was cut off.
    """
    k, n = 0, len(units)
    while k < n:
        unit = units[k]
        end = k + 1
        while end < n and units[end].kind == PROSE:
            end += 1
        if (
            at_end
            and end == n - 1
            and units[end].kind == TEXT
            and not units[end].titleish
            and any(c.isalnum() for c in units[end].text)  # not a bullet cut from "• 3 authors"
        ):
            end = n  # "Third abstract, whose" — the page was cut off mid-sentence
        opens = unit.titleish or (unit.kind == PROSE and end > k + 2 and len(unit.text) <= 200)
        if end > k + 1 and opens:
            body = units[k + 1 : end]
            result.papers.append(_paper(unit, body, None, None))
            result.shape.used_chars += len(unit.text) + sum(len(u.text) for u in body)
            result.shape.prose += len(body)
            k = end
            continue
        if unit.kind == PROSE:
            result.skipped += 1
            result.shape.prose += 1
        elif at_end and k == n - 1 and unit.titleish and k and units[k - 1].kind == PROSE:
            result.skipped += 1  # a title whose abstract was cut off
        else:
            _count_unused([unit], result)
        k += 1


def _count_unused(units: list[Unit], result: _Result) -> None:
    for unit in units:
        if unit.kind == PROSE:
            result.shape.prose += 1
        elif unit.titleish or not any(c.isalnum() for c in unit.text):
            result.shape.short += 1  # furniture, a lone title, an emoji or a rule
        else:
            result.shape.code += 1


def _paper(title: Unit, body: list[Unit], meta: _Meta | None, upvotes: int | None) -> RawPaper:
    paragraphs = [u.text for u in body]
    abstract = "\n\n".join(paragraphs)
    return RawPaper(
        title=title.text,
        abstract=abstract,
        authors_count=meta.authors_count if meta else None,
        organization=meta.organization if meta else None,
        published=meta.published if meta else None,
        date_inferred=meta.inferred if meta and meta.published else False,
        upvotes=upvotes,
        comments=meta.comments if meta else None,
        links=find_links(abstract),
        paragraphs=max(len(paragraphs), 1),
    )


# -- a single paper's page ----------------------------------------------------------


def _parse_paper_pages(units: list[Unit], result: _Result) -> None:
    """`Papers arxiv:ID`, title, `Published on …`, `Submitted by`, `Upvote N`, `Authors:`
    names, `Abstract`, the abstract (several pages may be pasted one after another)."""
    starts = [k for k, u in enumerate(units) if u.kind == HEADER] + [len(units)]
    _count_unused(units[: starts[0]], result)
    for start, end in itertools.pairwise(starts):
        page = units[start + 1 : end]
        title = next((u for u in page if u.kind in (TEXT, PROSE)), None)
        at = next((k for k, u in enumerate(page) if u.kind == LABEL and u.text == "abstract"), None)
        if title is None or at is None:
            result.skipped += 1
            continue
        body: list[Unit] = []
        for unit in page[at + 1 :]:
            if unit.kind != PROSE and body:
                break
            if unit.kind == PROSE:
                body.append(unit)
        paper = _paper(title, body, None, None)
        paper.arxiv_id = units[start].text
        for k, unit in enumerate(page):
            if unit.kind == DATE and paper.published is None:
                paper.published, paper.date_inferred = unit.iso, unit.inferred
            elif unit.kind == UPVOTE:
                nxt = page[k + 1] if k + 1 < len(page) else None
                paper.upvotes = (
                    unit.value
                    if unit.value is not None
                    else (nxt.value if nxt is not None and nxt.kind == COUNT else None)
                )
            elif unit.kind == LABEL and unit.text == "authors" and k + 1 < len(page):
                paper.authors, paper.authors_count = _names(page[k + 1].text)
        result.papers.append(paper)
        result.shape.anchored += 1
        result.shape.used_chars += len(title.text) + sum(len(u.text) for u in body)


_MORE_AUTHORS = re.compile(rf"\+\s*(?P<n>{_NUMBER})\s+authors?\s*$", re.IGNORECASE)


def _names(line: str) -> tuple[tuple[str, ...], int | None]:
    """Author names separated by commas, possibly ending `+ N authors`."""
    more = _MORE_AUTHORS.search(line)
    if more:
        line = line[: more.start()]
    names = tuple(n.strip() for n in re.split(r",|\band\b", line) if n.strip())
    total = len(names) + _int(more["n"]) if more else None
    return names, total


# -- links ---------------------------------------------------------------------------


def find_links(text: str) -> tuple[str, ...]:
    """URLs in `text`, in order, once each, without trailing punctuation.

    "see https://github.com/a/b." gives "https://github.com/a/b"; a closing bracket is
    kept only when the URL opened it, so "(https://x.org/a_(b))" keeps the inner pair.
    """
    if "://" not in text:
        return ()
    links: list[str] = []
    for match in _urls(text):
        url = _trim_url(match.group())
        if len(url) > len("https://") and url not in links:
            links.append(url)
    return tuple(links)


def _urls(text: str) -> Iterator[re.Match[str]]:
    """`_URL.finditer(text)`, tried only where a `://` is: a match starts 4 or 5
    characters before the first `://` it holds ("http", "https"), and the regex (case
    blind, so without a literal to skip to) would otherwise be tried at every offset:
    ~60 us for an abstract with a link."""
    pos = 0
    while (at := text.find("://", pos)) >= 0:
        match = None
        for start in (at - 5, at - 4):
            if start >= pos and (match := _URL.match(text, start)):
                break
        if match is None:
            pos = at + 1  # not a link's `://` ("ftp://"): a later one may be
            continue
        yield match
        pos = match.end()


def _trim_url(url: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets, in linear time."""
    if url and url[-1] not in _TRAILING and url[-1] not in _PAIRS:
        return url  # most links: nothing to drop
    closes = {close: url.count(close) for close in _PAIRS}
    opens = {close: url.count(open_) for close, open_ in _PAIRS.items()}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last in _PAIRS and closes[last] > opens[last]:
            closes[last] -= 1
            end -= 1
        else:
            break
    return url[:end]
