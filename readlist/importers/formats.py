"""The import formats, and telling them apart from the content (`--format` overrides).

Each format is a module with `parse(text, today) -> Parsed`. Sniffing looks at the
structure that only that format has: readlist's JSON export is a JSON array of objects
with titles; a BibTeX file starts with an `@type{key,` entry (after `%` comments at
most); an arXiv listing has `[n] arXiv:ID [pdf, ...]` entry lines with `Title:` or
`Subjects:` fields, an abstract page its `[Submitted on ...]` line and `Subjects:` (a
Hugging Face paper page has `arxiv:ID` and `Authors:` lines, but neither of these).
Everything else is read as a Hugging Face page (which also refuses text that is no
listing at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from readlist.importers.base import Parsed


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    description: str
    kind: str
    """The source kind recorded for the fields it gives (`Paper.said`)."""
    parse: Callable[[str, date], Parsed]


def _hf(text: str, today: date) -> Parsed:
    from readlist.importers.listing import parse_listing

    return parse_listing(text, today=today)


def _json(text: str, today: date) -> Parsed:
    from readlist.importers.jsonexport import parse_export

    return parse_export(text)


def _arxiv(text: str, today: date) -> Parsed:
    from readlist.importers.arxiv import parse

    return parse(text, today)


def _bibtex(text: str, today: date) -> Parsed:
    from readlist.importers.bibtex import parse

    return parse(text, today)


FORMATS: dict[str, Format] = {
    "hf": Format(
        "hf",
        "a Hugging Face papers page (daily, weekly, search, trending, one paper)",
        "hf-page",
        _hf,
    ),
    "arxiv": Format(
        "arxiv", "an arXiv listing (/list/<cat>/new, /recent) or abstract page", "arxiv", _arxiv
    ),
    "bibtex": Format("bibtex", "a BibTeX file (.bib)", "bibtex", _bibtex),
    "json": Format("json", "readlist's own JSON export (restores annotations too)", "json", _json),
}

_BIBTEX_ENTRY = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
_TOOL_HEADER_LINES = 5


def sniff(text: str) -> str:
    """The name of the format `text` is in."""
    head = text.lstrip("\ufeff \t\r\n")
    if head[:1] in ("[", "{") and text.rstrip()[-1:] in ("]", "}") and _is_json(head):
        return "json"
    if "bibtex" in FORMATS and _looks_bibtex(text):
        return "bibtex"
    if "arxiv" in FORMATS and _looks_arxiv(text):
        return "arxiv"
    return "hf"


def _is_json(text: str) -> bool:
    import orjson

    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _looks_bibtex(text: str) -> bool:
    """A BibTeX file starts with its entries, perhaps after `%` comments, not with prose:
    a README or an e-mail that quotes a citation is not a .bib file. A few lines of text
    before several entries are a tool's header (Mendeley writes "Automatically generated
    by Mendeley Desktop ...")."""
    text = text[:100_000].lstrip("\ufeff")
    first = _BIBTEX_ENTRY.search(text)
    if first is None:
        return False
    # Blank lines and `%` comments (JabRef's "% Encoding: UTF-8", BibDesk's "%% Created
    # for ...") do not count.
    before = [
        line for line in text[: first.start()].splitlines() if line.strip()[:1] not in ("", "%")
    ]
    if not before:
        return True
    return len(before) <= _TOOL_HEADER_LINES and len(_BIBTEX_ENTRY.findall(text)) >= 2


def _looks_arxiv(text: str) -> bool:
    from readlist.importers.arxiv import looks_like

    return looks_like(text[:2_000_000])  # the head of a listing shows what it is
