"""Parse the text of a paper-listing page (as copied from a browser) into papers.

The text is a sequence of blocks separated by blank lines. A paper is a one-line title
block, an abstract block, and optionally a metadata block::

    <title>

    <abstract>

      • 65 authors
    ·
    Apr 19, 2023 12

Pages also carry furniture ("Subscribe", "Daily Papers", the page's own date...) and
users paste several pages into one file or cut the last one short. The parser does not
depend on the exact furniture or on how long abstracts are. It relies on structure:

- A metadata block ends a paper: the two text blocks before it are its title and abstract
  (or one title block, if the abstract is missing).
- A date line on its own, outside a metadata block, is a page header: it ends a page, and
  the short one-line blocks right before it are that page's furniture.
- Known furniture lines are dropped wherever they appear.
- Runs of text blocks between those anchors pair up as (title, abstract). A title is one
  line of at most `MAX_TITLE` characters; a block that cannot be a title is skipped.

A title left without an abstract (the page was cut off) is counted as skipped rather
than guessed at, unless a metadata block vouches for it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from readlist.text import normalize_newlines, squeeze, strip_controls

MAX_TITLE = 400
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATE = _MONTH + r"\s+(?P<day>\d{1,2})(?:(?:st|nd|rd|th))?(?:,?\s+(?P<year>\d{4}))?"
_NUMBER = r"\d[\d,]*"
_DATE_LINE = re.compile(rf"^{_DATE}(?:\s+(?P<upvotes>{_NUMBER}))?$")
_AUTHORS = re.compile(rf"^[•·*-]?\s*(?P<n>{_NUMBER})\s+authors?$", re.IGNORECASE)
_DOT = "·"
_META_STARTS = frozenset("•·*-0123456789")
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\""
_PAIRS = {")": "(", "]": "[", "}": "{"}

# Lines that listing pages repeat around their papers. A hint, not a requirement:
# unknown furniture is recognised by its position before a page date.
FURNITURE = frozenset(
    {
        "new",
        "get trending papers in your email inbox!",
        "subscribe",
        "daily papers",
        "byak and the research community",
        "trending papers",
        "papers",
        "search",
        "load more",
        "previous",
        "next",
        "submit paper",
    }
)


@dataclass(frozen=True, slots=True)
class RawPaper:
    """A paper as read from one listing, before it gets an id and a source."""

    title: str
    abstract: str
    authors_count: int | None = None
    published: str | None = None
    upvotes: int | None = None
    links: tuple[str, ...] = ()
    date_inferred: bool = False


@dataclass(slots=True)
class Parsed:
    papers: list[RawPaper] = field(default_factory=list)
    skipped: int = 0
    """Blocks that looked like parts of papers but could not be completed."""


@dataclass(frozen=True, slots=True)
class _Meta:
    authors_count: int | None
    published: str | None
    upvotes: int | None
    date_inferred: bool


def parse_listing(text: str, *, today: date) -> Parsed:
    """Papers found in `text`; `today` resolves dates given without a year."""
    # Line breaks and Unicode form are fixed once for the whole text; control
    # characters are removed line by line in `_blocks`, where `isprintable()` makes
    # the check cheap.
    text = normalize_newlines(unicodedata.normalize("NFC", text.lstrip("\ufeff")))
    result = Parsed()
    pending: list[list[str]] = []
    for kind, lines, meta in _classify(_blocks(text), today):
        if kind == "text":
            pending.append(lines)
        elif kind == "meta":
            _flush(pending, result, meta=meta)
        elif kind == "page":
            _drop_header(pending)
            _flush(pending, result)
        # furniture: dropped where it stands
    _flush(pending, result)
    return result


_BLANK_LINES = re.compile(r"\n\s*\n")
# A metadata or date line is short; checking the length first keeps regexes off abstracts.
_MAX_META_LINE = 80
# A paragraph at least this long and ending with a full stop reads as prose, not a title.
_PROSE_LENGTH = 80


def _blocks(text: str) -> Iterator[list[str]]:
    for chunk in _BLANK_LINES.split(text):
        if "\n" not in chunk:  # most blocks: one line (a title, an abstract)
            line = chunk.strip()
            if line and not line.isprintable():
                line = strip_controls(line).strip()
            if line:
                yield [line]
            continue
        lines = [
            line if line.isprintable() else strip_controls(line).strip()
            for raw in (chunk.split("\n") if "\n" in chunk else (chunk,))
            if (line := raw.strip())
        ]
        if lines := [line for line in lines if line]:
            yield lines


def _classify(
    blocks: Iterator[list[str]], today: date
) -> Iterator[tuple[str, list[str], _Meta | None]]:
    """Label blocks text / meta / page (a page-date header) / furniture.

    A metadata block may arrive split by blank lines (authors, dot, date), so a meta
    block is held back until the next block shows whether it continues.
    """
    held: list[str] | None = None
    for lines in blocks:
        if len(lines[0]) > _MAX_META_LINE:  # fast path: abstracts are never anything else
            if held is not None:
                yield "meta", held, _parse_meta(held, today)
                held = None
            yield "text", lines, None
            continue
        if all(_is_meta_line(x) for x in lines):
            opens = _has_authors(lines) or lines[0].startswith(_DOT)
            if held is not None and (
                _has_date(held) or (_has_authors(held) and _has_authors(lines))
            ):
                yield "meta", held, _parse_meta(held, today)  # complete: a new one begins
                held = None
            if held is not None or opens:
                held = (held or []) + lines
                continue
        if held is not None:
            yield "meta", held, _parse_meta(held, today)
            held = None
        short = len(lines) == 1 and len(lines[0]) <= _MAX_META_LINE
        if (
            short
            and _could_be_meta(lines[0])
            and _DATE_LINE.match(lines[0])
            and _parse_date(lines[0], today)
        ):
            yield "page", lines, None
        elif short and lines[0].casefold() in FURNITURE:
            yield "furniture", lines, None
        else:
            yield "text", lines, None
    if held is not None:
        yield "meta", held, _parse_meta(held, today)


def _has_authors(lines: list[str]) -> bool:
    return any(_AUTHORS.match(line.split(_DOT)[0].strip()) for line in lines)


def _has_date(lines: list[str]) -> bool:
    return any(_DATE_LINE.match(part.strip()) for line in lines for part in line.split(_DOT))


def _could_be_meta(line: str) -> bool:
    """A cheap first look: metadata lines start with a bullet, a digit or a month."""
    return line[:1] in _META_STARTS or line[:3].lower() in _MONTHS


def _is_meta_line(line: str) -> bool:
    if len(line) > _MAX_META_LINE or not _could_be_meta(line):
        return False
    if _AUTHORS.match(line) or line == _DOT:
        return True
    if line.startswith(_DOT):
        return _is_meta_line(line[1:].strip())
    if _DOT in line:
        return all(_is_meta_line(part.strip()) for part in line.split(_DOT) if part.strip())
    match = _DATE_LINE.match(line)
    return bool(match and match["month"].lower() in _MONTHS)


def _parse_meta(lines: list[str], today: date) -> _Meta:
    authors = published = upvotes = None
    inferred = False
    parts = [p.strip() for line in lines for p in line.split(_DOT) if p.strip()]
    for part in parts:
        if match := _AUTHORS.match(part):
            authors = _int(match["n"])
        elif match := _DATE_LINE.match(part):
            published = _parse_date(part, today)
            inferred = not match["year"]
            if match["upvotes"]:
                upvotes = _int(match["upvotes"])
    return _Meta(authors, published, upvotes, inferred and published is not None)


def _parse_date(text: str, today: date) -> str | None:
    """ISO date of "Apr 19, 2023" / "Apr 19"; a missing year is the latest not in the future."""
    match = _DATE_LINE.match(text)
    if not match or (month := _MONTHS.get(match["month"].lower())) is None:
        return None
    day = int(match["day"])
    # Without a year: the latest year that does not put the date in the future
    # (looking back up to 8 years finds a Feb 29).
    years = [int(match["year"])] if match["year"] else [today.year - back for back in range(9)]
    for year in years:
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        if match["year"] or when <= today:
            return when.isoformat()
    return None


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _drop_header(pending: list[list[str]]) -> None:
    """Remove the page furniture that precedes a page date: short one-line blocks.

    A listing alternates titles with abstracts, so trailing short lines right before a
    new page's date are that page's header ("Subscribe", "Daily Papers", ...) or a title
    whose abstract was cut off; neither is a paper.
    """
    while pending and len(pending[-1]) == 1 and _looks_like_furniture(pending[-1][0]):
        pending.pop()


def _looks_like_furniture(line: str) -> bool:
    return len(line) <= 60 and not line.endswith(".")


def _flush(pending: list[list[str]], result: Parsed, meta: _Meta | None = None) -> None:
    """Turn the pending text blocks into papers.

    A metadata block closes the paper made of the blocks right before it; the blocks
    before that pair up from the start. A block that cannot be paired is skipped.
    """
    blocks = list(pending)
    pending.clear()
    closed = _pop_paper_before_meta(blocks) if meta is not None and blocks else None
    result.papers.extend(_pair_from_start(blocks, result))
    if closed is not None:
        paper = _make(closed[0], closed[1], meta)
        if paper is None:
            result.skipped += 1
        else:
            result.papers.append(paper)


def _pop_paper_before_meta(blocks: list[list[str]]) -> tuple[list[str], list[str] | None] | None:
    """The (title, abstract) that a metadata block closes, removed from `blocks`.

    An abstract may run over several paragraphs: a trailing run of paragraphs that read
    as prose (long, ending with a full stop) is the abstract, the block before it the
    title. Titles rarely end with a full stop, so a title is not swallowed.
    """
    start = len(blocks)
    while start > 0 and _is_prose(blocks[start - 1]):
        start -= 1
    if 0 < start < len(blocks) - 1 and _can_be_title(blocks[start - 1]):
        abstract = [line for block in blocks[start:] for line in block]
        del blocks[start:]
        return blocks.pop(), abstract
    if len(blocks) >= 2 and _can_be_title(blocks[-2]):
        abstract = blocks.pop()
        return blocks.pop(), abstract
    if _can_be_title(blocks[-1]):
        return blocks.pop(), None
    return None


def _pair_from_start(blocks: list[list[str]], result: Parsed) -> list[RawPaper]:
    papers: list[RawPaper] = []
    i = 0
    while i < len(blocks):
        if i + 1 < len(blocks) and _can_be_title(blocks[i]):
            paper = _make(blocks[i], blocks[i + 1], None)
            if paper is not None:
                papers.append(paper)
                i += 2
                continue
        result.skipped += 1
        i += 1
    return papers


def _is_prose(block: list[str]) -> bool:
    text = block[-1].rstrip("\"')]»”")
    return text.endswith(".") and sum(len(line) for line in block) >= _PROSE_LENGTH


def _can_be_title(block: list[str]) -> bool:
    return len(block) == 1 and len(block[0]) <= MAX_TITLE and any(c.isalnum() for c in block[0])


def _make(
    title_block: list[str], abstract_block: list[str] | None, meta: _Meta | None
) -> RawPaper | None:
    title = squeeze(title_block[0])
    abstract = squeeze(" ".join(abstract_block)) if abstract_block else ""
    if not title:
        return None
    return RawPaper(
        title=title,
        abstract=abstract,
        authors_count=meta.authors_count if meta else None,
        published=meta.published if meta else None,
        upvotes=meta.upvotes if meta else None,
        links=find_links(abstract),
        date_inferred=meta.date_inferred if meta else False,
    )


def find_links(text: str) -> tuple[str, ...]:
    """URLs in `text`, in order, once each, without trailing punctuation.

    "see https://github.com/a/b." gives "https://github.com/a/b"; a closing bracket is
    kept only when the URL opened it, so "(https://x.org/a_(b))" keeps the inner pair.
    """
    if "://" not in text:
        return ()
    links: list[str] = []
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if len(url) > len("https://") and url not in links:
            links.append(url)
    return tuple(links)


def _trim_url(url: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets, in linear time."""
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
