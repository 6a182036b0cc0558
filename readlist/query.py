"""The filter language shared by the CLI and the TUI.

    transformer "prompt tuning"   words and phrases: all must match title, abstract,
                                  tags or note (case-insensitive substrings)
    tag:NAME                      has the tag (case-insensitive)
    is:read  is:unread            read state;  is:rated / is:unrated too
    rating:>=4                    also rating:4  rating:<3 ... (=, <, <=, >, >=)
    year:2024  year:2020..2023    also year:>=2022, year:2021.. and year:..2019
    upvotes:>=10  comments:>=3    numeric fields, same comparisons (authors:>5 too)
    id:1a2b3c                     paper id prefix, as shown by `readlist list`
    -TERM                         negates any term:  -is:read  -"survey"  -tag:done

`parse` turns a string into a `Query` (or raises `QueryError` with the position of the
problem); `readlist.search.SearchIndex` evaluates it. Parsing is separate so that the
TUI can show an error inline while the user is still typing.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from readlist.errors import QueryError
from readlist.models import MAX_RATING, tag_name

Compare = Callable[[int, int], bool]
OPERATORS: dict[str, Compare] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
    "": operator.eq,
}
NUMERIC_FIELDS = ("rating", "year", "upvotes", "comments", "authors")
FIELDS = ("tag", "is", "id", *NUMERIC_FIELDS)
FLAGS = ("read", "unread", "rated", "unrated")
_COMPARISON = re.compile(r"^(>=|<=|>|<|=)?(\d{1,9})$")
_RANGE = re.compile(r"^(\d{1,9})?\.\.(\d{1,9})?$")
_FIELD = re.compile(r"^([A-Za-z]+):(?!//)(.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Text:
    """A word or phrase; `text` is lower-cased."""

    text: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    """casefolded"""
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Flag:
    flag: str
    """one of FLAGS"""
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric comparison; `low..high` ranges are two Numbers."""

    field: str
    op: str
    value: int
    negated: bool = False

    def test(self, value: int) -> bool:
        return OPERATORS[self.op](value, self.value)


@dataclass(frozen=True, slots=True)
class Range:
    field: str
    low: int | None
    high: int | None
    negated: bool = False

    def test(self, value: int) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True, slots=True)
class IdPrefix:
    prefix: str
    negated: bool = False


Term = Text | Tag | Flag | Number | Range | IdPrefix


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: all terms must hold. An empty query matches every paper."""

    terms: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.terms

    @property
    def searches_text(self) -> bool:
        """Whether any term searches titles and abstracts (so abstracts must be loaded)."""
        return any(isinstance(term, Text) for term in self.terms)


def parse(text: str) -> Query:
    """Parse a query string. Raises `QueryError` naming the problem and its position."""
    return Query(tuple(_term(token, negated, start) for token, negated, start in _tokens(text)))


def _tokens(text: str) -> list[tuple[str, bool, int]]:
    """(token, negated, position) triples; quotes group words, `-` negates."""
    out: list[tuple[str, bool, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        negated = text[i] == "-"
        if negated:
            i += 1
            if i == n or text[i].isspace():
                raise QueryError("'-' must be followed by a term, as in -is:read", start)
            if text[i] == "-":
                raise QueryError("'--' is not a term; use a single '-' to negate", start)
        chunk: list[str] = []
        while i < n and not text[i].isspace():
            if text[i] == '"':
                close = text.find('"', i + 1)
                if close < 0:
                    raise QueryError("unclosed quote", i)
                chunk.append('"' + text[i + 1 : close] + '"')
                i = close + 1
            else:
                chunk.append(text[i])
                i += 1
        out.append(("".join(chunk), negated, start))
    return out


def _term(token: str, negated: bool, position: int) -> Term:
    field_match = _FIELD.match(token)
    if field_match is None:
        text = _unquote(token).lower()
        if not text.strip():
            raise QueryError('empty phrase ""', position)
        return Text(text, negated)
    field, raw = field_match.group(1).lower(), _unquote(field_match.group(2))
    if field not in FIELDS:
        known = ", ".join(f"{f}:" for f in FIELDS)
        raise QueryError(
            f"unknown filter '{field_match.group(1)}:' (known: {known}); "
            f'to search for the text, put it in quotes: "{token}"',
            position,
        )
    if not raw:
        raise QueryError(f"'{field}:' needs a value, as in {_EXAMPLES[field]}", position)
    if field == "tag":  # tag:#ml as shown, or tag:ml
        return Tag((tag_name(raw) or raw).casefold(), negated)
    if field == "id":
        return IdPrefix(raw.lower(), negated)
    if field == "is":
        flag = raw.lower()
        if flag not in FLAGS:
            raise QueryError(
                f"is:{raw} is not known; use is:read, is:unread, is:rated or is:unrated", position
            )
        return Flag(flag, negated)
    return _numeric(field, raw, negated, position)


def _numeric(field: str, raw: str, negated: bool, position: int) -> Number | Range:
    if field == "year" and (match := _RANGE.match(raw)):
        low = int(match.group(1)) if match.group(1) else None
        high = int(match.group(2)) if match.group(2) else None
        if low is None and high is None:
            raise QueryError("year range needs at least one year, as in year:2020..2023", position)
        if low is not None and high is not None and low > high:
            raise QueryError(
                f"year range {low}..{high} is empty (the first year is later)", position
            )
        return Range(field, low, high, negated)
    match = _COMPARISON.match(raw)
    if match is None:
        raise QueryError(
            f"{field}:{raw} is not a number comparison; try {_EXAMPLES[field]}", position
        )
    op, value = match.group(1) or "", int(match.group(2))
    if field == "rating" and value > MAX_RATING:
        raise QueryError(f"ratings go from 0 to {MAX_RATING}, not {value}", position)
    return Number(field, op, value, negated)


def _unquote(token: str) -> str:
    return token.replace('"', "") if '"' in token else token


_EXAMPLES = {
    "tag": "tag:to-read",
    "is": "is:unread",
    "id": "id:1a2b3c",
    "rating": "rating:>=4",
    "year": "year:2024 or year:2020..2023",
    "upvotes": "upvotes:>=10",
    "comments": "comments:>=3",
    "authors": "authors:>5",
}
