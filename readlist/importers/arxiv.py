"""Parse text copied from arXiv pages: a listing (`/list/<cat>/new`, `/recent`) or a paper's
`/abs/ID` page.

arXiv's pages are regular, so this parser works on their structure, not on lists of
furniture strings:

- A *listing* is a sequence of entries, each opened by an id line (`[3] arXiv:2411.01234
  [pdf, html, other]`, perhaps with `(cross-list from cs.LG)` or `(replaced)`), then the
  fields (`Title:`, `Authors:`, `Comments:`, `Journal-ref:`, `Subjects:` ...; a field wraps
  onto indented lines; a line between two fields continues the first), then the
  abstract. The newer page layout hides the `Title:` and `Authors:` labels: there the
  title is the line after the id line (with its indented continuations) and the authors
  the lines after it, up to the first labelled field (without indentation, the authors
  are the last of those lines and the ones before it that end with a comma). An entry
  ends at the next id line or at a section line (`New submissions (showing 40 of 40
  entries)`, `Replacement submissions ...`, `Total of 120 entries`); section lines with
  a weekday date (`Mon, 25 Nov 2024`) date the new and cross-listed entries below them.
- An *abstract page* is recognised by its `[Submitted on 3 Nov 2024 ...]` line: the
  title and authors follow it (labelled or not), the abstract follows `Abstract:`, and
  the fields (`Subjects:`, `Cite as: arXiv:ID [cs.CL]`, `Journal reference:`, `Related
  DOI:`) close it. Several pasted abstract pages are several papers.

An abstract is the paragraphs after the fields, hard-wrapped lines joined; a later
paragraph that is not prose (page furniture), or a run of short lines after its last
sentence (a footer copied with the last entry), ends it. A replacement entry often has
no abstract: it is still a paper (title, authors, id).
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from datetime import date

from readlist.importers.base import MONTHS as _MONTHS
from readlist.importers.base import Parsed, RawPaper
from readlist.importers.listing import find_links
from readlist.models import normalize_arxiv_id
from readlist.text import normalize_newlines, squeeze, strip_controls

SOURCE_KIND = "arxiv"

_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z.-]+/\d{7})(?:v\d+)?"
_MARKS = r"(?:\((?:cross-list\ from\ [^)]*|replaced[^)]*)\)\s*)*"
# An entry's id line: a `[n]` number or the `[pdf, ...]` links make it a listing line (a
# Hugging Face paper page has a bare `arxiv:ID` line; an abstract `arXiv:ID [cs.CL]`).
_ENTRY = re.compile(
    rf"""^\s*(?:
        \[(?P<n>\d+)\]\s*arXiv:(?P<id>{_ID})\s*(?P<marks>{_MARKS})(?:\[[^\]]*\])?
      | arXiv:(?P<id2>{_ID})\s*(?P<marks2>{_MARKS})\[(?:pdf|ps|other|html)\b[^\]]*\]
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_SUBMITTED = re.compile(
    r"^\s*\[Submitted on (?P<day>\d{1,2}) (?P<month>[A-Za-z]{3,9})\.? (?P<year>\d{4})",
    re.IGNORECASE,
)
_WEEKDAY_DATE = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+(?P<day>\d{1,2})\s+"
    r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<year>\d{4}|\d{2})\b",
    re.IGNORECASE,
)
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+\d{1,2}\s+[a-z]{3,9}\.?\s+\d{2,4}"
# Section lines, whole: "New submissions (showing 40 of 40 entries)", "Replacements for
# Mon, 25 Nov 24", "Fri, 29 Nov 2024 (showing 12 of 12 entries )", "Total of 120 entries".
_SECTION = re.compile(
    rf"""^\s*(?:
        (?:(?:new|cross|replacement)\s+submissions|cross-lists?|replacements?)
          (?:\s*\(showing[^)]*\)|\s+for\s+{_DAY})?
      | showing\s+new\s+listings\s+for\s+{_DAY}
      | showing\s+up\s+to\s+\d+\s+entries\b.*
      | total\s+of\s+\d+\s+entries
      | {_DAY}(?:\s*\(showing[^)]*\))?
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Field labels on listings and abstract pages ("Title:Some title" has no space on /abs).
_LABEL = re.compile(
    r"""^(?P<label>title|authors?|comments?|journal[- ]ref(?:erence)?|subjects?|
        report[- ](?:no|number)|msc[- ]class(?:es)?|acm[- ]class(?:es)?|(?:related\ )?doi|
        cite\ as|abstract)\s*:\s*(?P<value>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
_TITLE = re.compile(r"^title\s*:", re.IGNORECASE)
_CATEGORY = re.compile(r"\(([a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?)\)")
_PRIMARY = re.compile(rf"arXiv:{_ID}\s*\[(?P<cat>[a-z][a-z-]*(?:\.[A-Za-z-]+)?)\]", re.IGNORECASE)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>,;]+[^\s\"<>,;.)\]])", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.", re.IGNORECASE)
_AFFILIATION = re.compile(r"\s*\([^()]*(?:\([^()]*\)[^()]*)*\)")
_AND = re.compile(r",?\s+and\s+|\s*,\s*|\s*;\s*", re.IGNORECASE)
_ET_AL = re.compile(r"\s*(?:et\s+al\.?|and\s+others)\s*$", re.IGNORECASE)
# After an abstract page's abstract: what closes it besides a labelled field.
_ABS_END = re.compile(
    r"^(?:submission\s+history|access\s+paper|bibliographic\s+tools|references\s*&)", re.I
)


def looks_like(text: str) -> bool:
    """Whether `text` is an arXiv listing or abstract page (for `formats.sniff`).

    A listing has entry id lines and their labelled fields (`Title:` or `Subjects:`); an
    abstract page has its `[Submitted on ...]` line and `Subjects:`, or `Title:` and
    `Cite as: arXiv:ID`. A Hugging Face paper page has an `arxiv:ID` line and `Authors:`,
    but none of these.
    """
    lines = text.split("\n", 20_000)[:20_000]
    entries = fields = submitted = titles = cited = 0
    for line in lines:
        stripped = line.strip()
        if _ENTRY.match(stripped):
            entries += 1
        elif _SUBMITTED.match(stripped):
            submitted += 1
        elif (match := _LABEL.match(stripped)) and (label := match["label"].lower()) in (
            "title",
            "subjects",
            "subject",
            "cite as",
        ):
            fields += 1
            titles += label == "title"
            cited += label == "cite as" and "arxiv:" in stripped.lower()
    # An abstract page copied from its title down has `Title:` and `Cite as: arXiv:ID`.
    return bool(fields and (entries or submitted or (titles and cited)))


def parse(text: str, today: date) -> Parsed:
    """The papers on the arXiv page(s) in `text`."""
    del today  # arXiv dates carry their year
    text = normalize_newlines(unicodedata.normalize("NFC", text.lstrip("\ufeff")))
    lines = [strip_controls(line).replace("\t", " ").rstrip() for line in text.split("\n")]
    parsed = Parsed()
    entries = _split(lines)
    if not entries:
        parsed.problem = (
            "no arXiv listing or abstract page found: no `arXiv:ID [pdf, ...]` entries, "
            "no `[Submitted on ...]` or `Title:` line"
        )
        return parsed
    for entry in entries:
        paper = entry.paper()
        if paper is None:
            parsed.skipped += 1
            if len(parsed.notes) < 5:
                parsed.notes.append(f"{entry.describe()} skipped: no title")
        else:
            parsed.papers.append(paper)
    if not parsed.papers:
        parsed.problem = f"holds {len(entries)} arXiv entries but none with a title"
    return parsed


@dataclass(slots=True)
class _Entry:
    kind: str
    """"listing" or "abs"."""
    arxiv_id: str | None
    number: str | None = None
    lines: list[str] = field(default_factory=list)
    published: str | None = None
    """The listing's date for new and cross-listed entries; an abstract page's
    submission date. A replacement's listing date is not the paper's, so None."""
    before: list[str] = field(default_factory=list)
    """An abstract page: the lines above its date line (where `arXiv:ID` is shown)."""
    titled: bool = False
    """An abstract page: its `Title:` line has been met (a second one starts a page)."""

    def describe(self) -> str:
        where = f"[{self.number}] " if self.number else ""
        return f"entry {where}arXiv:{self.arxiv_id}" if self.arxiv_id else "an abstract page"

    def paper(self) -> RawPaper | None:
        return _listing_paper(self) if self.kind == "listing" else _abs_paper(self)


def _split(lines: list[str]) -> list[_Entry]:
    """The entries of listings and abstract pages, each with its own lines."""
    entries: list[_Entry] = []
    current: _Entry | None = None
    day: str | None = None
    replacing = False
    preamble: deque[str] = deque(maxlen=5)  # the last lines outside entries
    for line in lines:
        stripped = line.strip()
        if entry := _ENTRY.match(stripped):
            marks = (entry["marks"] or entry["marks2"] or "").lower()
            current = _Entry(
                "listing",
                normalize_arxiv_id(entry["id"] or entry["id2"]),
                entry["n"],
                published=None if replacing or "replaced" in marks else day,
            )
            entries.append(current)
            preamble.clear()
            continue
        if submitted := _SUBMITTED.match(stripped):
            current = _Entry("abs", None, published=_iso(submitted))
            current.before = list(preamble)
            entries.append(current)
            preamble.clear()
            continue
        if len(stripped) < 120 and _SECTION.match(stripped):
            if found := _WEEKDAY_DATE.search(stripped):
                day = _iso(found)
            lowered = stripped.lower()
            if "replace" in lowered:
                replacing = True
            elif "new submissions" in lowered or "cross" in lowered or found:
                replacing = False
            if current is not None and current.kind == "listing":
                current = None
            continue
        if _TITLE.match(stripped) and (current is None or current.kind == "abs"):
            # An abstract page copied from its title down (no date line), or the next one.
            if current is None or current.titled:
                current = _Entry("abs", None, before=list(preamble))
                entries.append(current)
                preamble.clear()
            current.titled = True
        if current is None:
            preamble.append(stripped)
        else:
            current.lines.append(line)
    return entries


def _iso(match: re.Match[str]) -> str | None:
    month = _MONTHS.get(match["month"].lower().rstrip("."))
    year = int(match["year"])
    year += 2000 if year < 100 else 0
    try:
        return date(year, month, int(match["day"])).isoformat() if month else None
    except ValueError:
        return None


# -- listing entries ---------------------------------------------------------------------


def _label(line: str) -> tuple[str, str] | None:
    """(normalised label, value) for a field line of a listing or abstract page."""
    match = _LABEL.match(line.strip())
    if match is None:
        return None
    label = match["label"].lower().replace("-", " ")
    label = {
        "author": "authors",
        "comment": "comments",
        "subject": "subjects",
        "journal ref": "journal",
        "journal reference": "journal",
        "related doi": "doi",
    }.get(label, label)
    return label, match["value"].strip()


def _listing_paper(entry: _Entry) -> RawPaper | None:
    lines = entry.lines
    fields: dict[str, list[str]] = {}
    before: list[str] = []  # title and authors of the layout without labels
    current: list[str] | None = None
    label_ahead, label_later = _labels_ahead(lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            # A blank line inside the fields only when another field follows it; after
            # a title without any field to come, the abstract follows.
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if (fields and not (j < len(lines) and _label(lines[j]))) or (
                before and not label_later[i]
            ):
                i = j
                break
            i = j
            continue
        labelled = _label(line)
        if labelled and labelled[0] != "abstract":
            current = fields.setdefault(labelled[0], [])
            current.append(labelled[1])
        elif labelled:  # "Abstract: ..." on a listing: the abstract starts here
            lines = [*lines[:i], labelled[1], *lines[i + 1 :]]
            break
        elif not fields:
            before.append(line)
        elif current is not None and (
            line[:1].isspace() or label_ahead[i] or not any(current)
        ):  # indented, before another field, or the value of a label on its own line
            current.append(line.strip())
        else:
            break
        i += 1
    abstract, paragraphs = _abstract(lines[i:])
    title_lines = fields.get("title")
    authors_lines = fields.get("authors")
    if title_lines is None and before:
        cut = _title_cut(before)
        title_lines = before[:cut]
        if authors_lines is None:
            authors_lines = before[cut:]
    title = _clean(" ".join(title_lines or []))
    if not title:
        return None
    return _raw(
        entry.arxiv_id,
        entry.published,
        title=title,
        authors=_names(" ".join(authors_lines or [])),
        fields=fields,
        abstract=abstract,
        paragraphs=paragraphs,
    )


def _title_cut(lines: list[str]) -> int:
    """Where the authors start in the layout without labels: the title is the first line
    and the indented lines after it; without indentation, the authors are the last line
    and the lines before it that end with a comma (a name list wrapped at a comma)."""
    if any(line[:1].isspace() for line in lines[1:]):
        cut = 1
        while cut < len(lines) and lines[cut][:1].isspace():
            cut += 1
        return cut
    cut = len(lines) - 1 if len(lines) > 1 else 1
    while cut > 1 and lines[cut - 1].rstrip().endswith(","):
        cut -= 1
    return cut


def _labels_ahead(lines: list[str]) -> tuple[list[bool], list[bool]]:
    """For each line, whether a labelled field follows it before the next blank line (so
    an unindented line between two fields continues the first), and whether one follows
    it at all. One pass, from the end."""
    ahead = [False] * len(lines)
    later = [False] * len(lines)
    near = far = False
    for k in range(len(lines) - 1, -1, -1):
        ahead[k], later[k] = near, far
        if not lines[k].strip():
            near = False
        elif _label(lines[k]):
            near = far = True
    return ahead, later


def _abstract(lines: list[str], *, unwrapped: bool = False) -> tuple[str, int]:
    """The abstract's paragraphs (blank-line separated, wrapped lines joined).

    `unwrapped`: the text comes from a browser (an abstract page), which never wraps
    lines, so a block whose every line but the last ends a sentence is one paragraph per
    line. (A listing may be hard-wrapped, where a line ends a sentence by chance.)
    """
    paragraphs: list[str] = []
    block: list[str] = []
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    lines = lines[: last + 1 - _furniture_tail([line.strip() for line in lines[: last + 1]])]
    for line in [*lines, ""]:
        if line.strip():
            block.append(line.strip())
            continue
        if not block:
            continue
        if unwrapped and len(block) > 1 and all(map(_ends_sentence, block[:-1])):
            texts = [_clean_abstract(part) for part in block]
        else:
            texts = [_clean_abstract(" ".join(block))]
        block = []
        for text in texts:
            if paragraphs and not _is_prose(text):
                return _joined(paragraphs)  # page furniture after the abstract
            paragraphs.append(text)
    return _joined(paragraphs)


def _joined(paragraphs: list[str]) -> tuple[str, int]:
    return "\n\n".join(p for p in paragraphs if p), len(paragraphs) or 1


def _ends_sentence(line: str) -> bool:
    return line.rstrip("\"')]").endswith((".", "!", "?"))


def _furniture_tail(lines: list[str]) -> int:
    """How many lines at the end are page furniture run into the abstract (a footer
    copied with the last entry: `About`, `Help`, `Privacy Policy`): short lines that end
    no sentence, after a line that does (or that ends with a link)."""
    n = 0
    while n < len(lines) and _is_short_fragment(lines[-1 - n]):
        n += 1
    if n == len(lines):
        return 0
    before = lines[-1 - n]
    ends = before.rstrip("\"')]").endswith((".", "!", "?")) or "://" in before.split()[-1]
    return n if ends else 0


def _is_short_fragment(line: str) -> bool:
    if len(line.split()) > 7 or "://" in line or any(c.isdigit() for c in line):
        return False  # "Code: https://..." or "(Table 2)" end abstracts, not footers
    return not line.rstrip("\"')]").endswith((".", "!", "?", ":"))


def _is_prose(text: str) -> bool:
    """A later paragraph of an abstract: sentences, or a line with a link ("Code: URL")."""
    words = len(text.split())
    return (
        words >= 25
        or "://" in text
        or (words >= 4 and text.rstrip("\"')]").endswith((".", "!", "?")))
    )


# -- abstract pages ----------------------------------------------------------------------


def _abs_paper(entry: _Entry) -> RawPaper | None:
    fields: dict[str, list[str]] = {}
    header: list[str] = []  # the lines before the first field (title, authors)
    abstract_lines: list[str] = []
    current: list[str] | None = None
    in_abstract = False
    for line in entry.lines:
        stripped = line.strip()
        labelled = _label(stripped)
        if labelled:
            name, value = labelled
            in_abstract = name == "abstract"
            if in_abstract:
                abstract_lines.append(value)
                current = None
            else:
                current = fields.setdefault(name, [])
                current.append(value)
            continue
        if _ABS_END.match(stripped):
            in_abstract, current = False, None
            continue
        if in_abstract:
            abstract_lines.append(stripped)
        elif current is not None and stripped and (line[:1].isspace() or not any(current)):
            current.append(stripped)
        elif current is not None and current is fields.get("cite as"):
            current.append(stripped)  # "(or arXiv:ID v2 ...)", the DataCite DOI
        elif not fields and not abstract_lines and stripped:
            header.append(stripped)
        elif stripped:
            current = None  # "View PDF", "From: ...": not part of a field
    if "title" not in fields and header:
        fields["title"] = [header[0]]
        header = header[1:]
    if "authors" not in fields and header and not _SKIP_HEADER.match(header[0]):
        fields["authors"] = [header[0]]
    title = _clean(" ".join(fields.get("title", [])))
    if not title:
        return None
    cite = " ".join(fields.get("cite as", []))
    found = normalize_arxiv_id(cite) if cite else None
    if found is None:
        for line in entry.before:
            if re.match(rf"^\s*arXiv:{_ID}", line, re.IGNORECASE):
                found = normalize_arxiv_id(line)
                break
    published = entry.published
    if published is None:  # a copy without the date line: the first version's date
        first = next((m for line in entry.lines if (m := _FIRST_VERSION.match(line))), None)
        published = _iso(first) if first else None
    abstract, paragraphs = _abstract(abstract_lines, unwrapped=True)
    return _raw(
        found,
        published,
        title=title,
        authors=_names(" ".join(fields.get("authors", []))),
        fields=fields,
        abstract=abstract,
        paragraphs=paragraphs,
    )


_SKIP_HEADER = re.compile(r"^(?:view\s+pdf|abstract\b)", re.IGNORECASE)
_FIRST_VERSION = re.compile(
    r"^\s*\[v1\]\s+[A-Za-z]{3},?\s+(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3,9})\s+(?P<year>\d{4})"
)


# -- fields ------------------------------------------------------------------------------


def _raw(
    arxiv_id: str | None,
    published: str | None,
    *,
    title: str,
    authors: tuple[str, ...],
    fields: dict[str, list[str]],
    abstract: str,
    paragraphs: int,
) -> RawPaper:
    subjects = " ".join(fields.get("subjects", []))
    categories = list(dict.fromkeys(_CATEGORY.findall(subjects)))
    if primary := _PRIMARY.search(" ".join(fields.get("cite as", []))):
        categories = [primary["cat"], *(c for c in categories if c != primary["cat"])]
    journal = _clean(" ".join(fields.get("journal", []))) or None
    comments = " ".join(fields.get("comments", []))
    doi = None
    for source in (*fields.get("doi", []), journal or "", comments):
        doi = next((d for d in _DOI.findall(source) if not _ARXIV_DOI.match(d)), None)
        if doi:
            break
    links: list[str] = []
    if arxiv_id:
        links.append(f"https://arxiv.org/abs/{arxiv_id}")
    for found in (*find_links(abstract), *find_links(comments)):
        if found not in links:
            links.append(found)
    return RawPaper(
        title=title,
        abstract=abstract,
        authors=authors,
        published=published,
        arxiv_id=arxiv_id,
        doi=doi,
        categories=tuple(categories),
        venue=journal,
        links=tuple(links),
        paragraphs=paragraphs,
    )


def _names(line: str) -> tuple[str, ...]:
    """Author names in order: affiliations in parentheses and "et al." left out."""
    line = _ET_AL.sub("", _AFFILIATION.sub("", _clean(line)))
    names = []
    for part in _AND.split(line):
        name = part.strip()
        if name and any(c.isalpha() for c in name) and name not in names:
            names.append(name)
    return tuple(names)


def _clean(text: str) -> str:
    """One line of text: spaces squeezed, TeX accents (`M\\"uller`) turned into letters."""
    text = squeeze(text)
    if "\\" in text or "{" in text:
        from readlist.importers.bibtex import latex_to_text

        text = squeeze(latex_to_text(text))
    return text


def _clean_abstract(text: str) -> str:
    """A paragraph: spaces squeezed, TeX accents turned into letters; `$math$` is kept as
    written (it reads better as TeX than as pylatexenc's rendering)."""
    text = squeeze(text)
    if "\\" in text and _ACCENT.search(text):
        from readlist.importers.bibtex import latex_to_text

        text = _ACCENT.sub(lambda m: latex_to_text(m.group()), text)
    return text


# `\"u`, `\"{u}`, `{\"u}`, `\c{c}`, `{\'\i}`: an accent on one letter.
_ACCENT = re.compile(r"""\{?\\(?:["'`^~=.]\s*\{?\\?[A-Za-z]\}?|[ucvHkr]\s*\{\\?[A-Za-z]\})\}?""")
