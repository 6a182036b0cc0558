"""The import formats, and telling them apart from the content (`--format` overrides).

Each format is a module with `parse(text, today) -> Parsed`. Sniffing looks at the
structure that only that format has: readlist's JSON export is a JSON array of objects
with titles; BibTeX has `@type{key,` entries at the start of a line; an arXiv listing
or abstract page has `arXiv:ID` lines with `Title:`/`Authors:` fields. Everything else
is read as a Hugging Face page (which also refuses text that is no listing at all).
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


FORMATS: dict[str, Format] = {
    "hf": Format(
        "hf",
        "a Hugging Face papers page (daily, weekly, search, trending, one paper)",
        "hf-page",
        _hf,
    ),
    "json": Format("json", "readlist's own JSON export (restores annotations too)", "json", _json),
}

_BIBTEX_ENTRY = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
_ARXIV_LINE = re.compile(r"^\s*(?:\[\d+\]\s*)?arXiv:\d{4}\.\d{4,5}", re.MULTILINE | re.IGNORECASE)
_ARXIV_FIELD = re.compile(r"^\s*(?:Title|Authors?):", re.MULTILINE)


def sniff(text: str) -> str:
    """The name of the format `text` is in."""
    head = text.lstrip("\ufeff \t\r\n")
    if head[:1] in ("[", "{") and text.rstrip()[-1:] in ("]", "}") and _is_json(head):
        return "json"
    if "bibtex" in FORMATS and _looks_bibtex(text):
        return "bibtex"
    if "arxiv" in FORMATS and _ARXIV_LINE.search(text) and _ARXIV_FIELD.search(text):
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
    """A BibTeX file starts with its entries (perhaps after comments), not with prose."""
    first = _BIBTEX_ENTRY.search(text)
    return first is not None and first.start() < 2_000
