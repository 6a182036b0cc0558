"""Parsing the filter language: text -> `Query`, or a `QueryError` with a position.

    query    := or_expr
    or_expr  := and_expr (("OR" | "|") and_expr)*
    and_expr := unary unary*                      implicit AND
    unary    := ("-" | "NOT") unary | "(" or_expr ")" | term

`OR` and `NOT` are operators only in capitals ("or" is a word). A term is a word, a
`"phrase"`, `~substring`, `field:value` or `@saved`. Everything a term says is checked
here, so the evaluator never meets a malformed term and the TUI can show the problem
while the user is still typing. `today` is injectable for `added:` (tests pass one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from readlist.errors import QueryError
from readlist.models import MAX_RATING, tag_name
from readlist.query.nodes import (
    FLAGS,
    HAS,
    Added,
    And,
    Category,
    Flag,
    Has,
    Node,
    Not,
    Number,
    Or,
    Prefix,
    Query,
    Range,
    Tag,
    Words,
)
from readlist.query.syntax import SYNTAX
from readlist.query.words import words

NUMERIC_FIELDS = ("rating", "year", "upvotes", "comments", "authors")
TEXT_FIELD_NAMES = {
    "title": "title",
    "abstract": "abstract",
    "author": "author",
    "org": "org",
    "note": "note",
}
FIELDS = (
    *TEXT_FIELD_NAMES,
    "tag",
    "arxiv",
    "cat",
    "has",
    "added",
    "is",
    "id",
    *NUMERIC_FIELDS,
)
_EXAMPLES = {row.name: row.example for row in SYNTAX}
_COMPARISON = re.compile(r"^(>=|<=|>|<|=)?(\d{1,9})$")
_RANGE = re.compile(r"^(\d{1,9})?\.\.(\d{1,9})?$")
_FIELD = re.compile(r"^([A-Za-z]+):(?!//)(.*)$", re.DOTALL)
_DAYS = re.compile(r"^(\d{1,5})d$")
_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_SPECIAL = "()|"
# Control characters one by one (not whole escape sequences, which could swallow the
# rest of a message): what an error quotes of the query must print as one line.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MAX_DEPTH = 50  # of parentheses and saved filters inside each other


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "OR", "NOT", "-", "term"
    text: str
    position: int


def parse(text: str, *, today: date | None = None, saved: Mapping[str, str] | None = None) -> Query:
    """Parse a query string. Raises `QueryError` naming the problem and its position.

    `saved` maps saved-filter names to their query text, for `@NAME`.
    """
    try:
        return Query(_Parser(text, today or date.today(), saved or {}, ()).parse())
    except QueryError as error:
        # Messages quote what was typed: keep them one printable line.
        problem = " ".join(_CONTROLS.sub("", error.problem).split())
        if problem == error.problem:
            raise
        raise QueryError(problem, error.position) from None


class _Parser:
    def __init__(
        self, text: str, today: date, saved: Mapping[str, str], within: tuple[str, ...]
    ) -> None:
        self.text = text
        self.today = today
        self.saved = saved
        self.within = within  # saved filters being expanded, for cycles
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self._or()
        if self.at < len(self.tokens):  # only a stray ')' stops an or_expr early
            raise QueryError("unmatched ')'", self.tokens[self.at].position)
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _or(self) -> Node:
        nodes = [self._and()]
        while (token := self._peek()) is not None and token.kind == "OR":
            self.at += 1
            following = self._peek()
            if following is None or following.kind in ("OR", ")"):
                raise QueryError(
                    f"'{token.text}' needs a term after it, as in lora OR adapter", token.position
                )
            nodes.append(self._and())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def _and(self) -> Node:
        nodes: list[Node] = []
        while (token := self._peek()) is not None and token.kind not in ("OR", ")"):
            nodes.append(self._unary())
        if not nodes:
            token = self._peek()
            assert token is not None  # _or and the '(' case check there is a term
            if token.kind == ")":
                raise QueryError("unmatched ')'", token.position)
            raise QueryError(
                f"'{token.text}' needs a term before it, as in lora OR adapter", token.position
            )
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def _unary(self) -> Node:
        token = self.tokens[self.at]
        self.at += 1
        if token.kind in ("NOT", "-"):
            following = self._peek()
            if following is None or following.kind in ("OR", ")"):
                raise QueryError(
                    f"'{token.text}' must be followed by a term, as in -is:read", token.position
                )
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise QueryError("too many NOTs and parentheses inside each other", token.position)
            node = self._unary()
            self.depth -= 1
            return Not(node)
        if token.kind == "(":
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise QueryError("too many NOTs and parentheses inside each other", token.position)
            following = self._peek()
            if following is None:
                raise QueryError("unclosed '(': add a ')'", token.position)
            if following.kind == ")":
                raise QueryError("empty parentheses '()'", token.position)
            node = self._or()
            close = self._peek()
            if close is None or close.kind != ")":
                raise QueryError("unclosed '(': add a ')'", token.position)
            self.at += 1
            self.depth -= 1
            return node
        return self._term(token.text, token.position)

    # -- terms -------------------------------------------------------------------------

    def _term(self, token: str, position: int) -> Node:
        if token.startswith("@"):
            return self._saved(token[1:], position)
        if token.startswith("~"):
            found = words(_unquote(token[1:]))
            if not found:
                raise QueryError(f"'{token}' needs letters or digits after '~'", position)
            return Words("text", tuple(found), substring=True)
        field_match = _FIELD.match(token)
        if field_match is None:
            return _words("text", token, position)
        field, raw = field_match.group(1).lower(), _unquote(field_match.group(2))
        if field not in FIELDS and not field_match.group(2):
            return _words("text", token, position)  # "HFT: Half Fine-Tuning": a title's colon
        if field not in FIELDS:
            known = ", ".join(f"{f}:" for f in FIELDS)
            raise QueryError(
                f"unknown filter '{field_match.group(1)}:' (known: {known}); "
                f'to search for the text, put it in quotes: "{token}"',
                position,
            )
        if not raw:
            raise QueryError(f"'{field}:' needs a value, as in {_EXAMPLES[field]}", position)
        if field in TEXT_FIELD_NAMES:
            if raw.startswith("~"):
                found = words(raw[1:])
                if not found:
                    raise QueryError(f"'{token}' needs letters or digits after '~'", position)
                return Words(TEXT_FIELD_NAMES[field], tuple(found), substring=True)
            return _words(TEXT_FIELD_NAMES[field], raw, position)
        if field == "tag":  # tag:#ml as shown, or tag:ml
            return Tag((tag_name(raw) or raw).casefold())
        if field == "id":
            return Prefix("id", raw.lower())
        if field == "arxiv":
            return Prefix("arxiv", raw.lower().removeprefix("arxiv:"))
        if field == "cat":
            return Category(raw.casefold())
        if field == "is":
            flag = raw.lower()
            if flag not in FLAGS:
                raise QueryError(
                    f"is:{raw} is not known; use is:read, is:unread, is:rated, is:unrated or "
                    "is:dismissed",
                    position,
                )
            return Flag(flag)
        if field == "has":
            what = raw.lower()
            if what not in HAS:
                raise QueryError(
                    f"has:{raw} is not known; use has:note, has:tags, has:authors, has:link "
                    "or has:abstract",
                    position,
                )
            return Has(what)
        if field == "added":
            return self._added(raw, position)
        return _numeric(field, raw, position)

    def _added(self, raw: str, position: int) -> Added:
        value = raw.lower()
        if value == "today":
            day = self.today.isoformat()
            return Added(day, day)
        if value == "yesterday":
            day = (self.today - timedelta(days=1)).isoformat()
            return Added(day, day)
        if match := _DAYS.match(value):
            days = int(match.group(1))
            if days < 1:
                raise QueryError("added:0d is empty; use added:1d for today", position)
            low = self.today - timedelta(days=min(days - 1, 100_000))
            return Added(low.isoformat(), self.today.isoformat())
        match = _MONTH.match(value)
        problem = (
            f"added:{raw} is not a date; use added:today, added:7d (the last 7 days), "
            "added:2026-11 or added:2026-11-20"
        )
        if match is None:
            raise QueryError(problem, position)
        year, month, day = match.group(1), match.group(2), match.group(3)
        try:
            if day is not None:
                date(int(year), int(month), int(day))
                return Added(value, value)
            if month is not None:
                if not 1 <= int(month) <= 12:
                    raise ValueError(month)
                return Added(f"{year}-{month}-01", f"{year}-{month}-31")
        except ValueError:
            raise QueryError(problem, position) from None
        return Added(f"{year}-01-01", f"{year}-12-31")

    def _saved(self, name: str, position: int) -> Node:
        key = name.casefold()
        if not key:
            raise QueryError("'@' needs the name of a saved filter, as in @inbox", position)
        names = {n.casefold(): n for n in self.saved}
        if key not in names:
            known = ", ".join(f"@{n}" for n in sorted(self.saved)) or "none yet"
            raise QueryError(
                f"no saved filter '@{name}' (saved: {known}); save one with "
                "readlist filter save NAME QUERY",
                position,
            )
        if key in self.within:
            raise QueryError(f"saved filter '@{name}' refers to itself", position)
        if len(self.within) >= _MAX_DEPTH:
            raise QueryError("too many saved filters inside each other", position)
        inner = _Parser(self.saved[names[key]], self.today, self.saved, (*self.within, key))
        try:
            node = inner.parse()
        except QueryError as error:
            raise QueryError(f"in saved filter '@{name}': {error.problem}", position) from None
        return node if node is not None else And(())


def _words(field: str, raw: str, position: int) -> Words:
    text = _unquote(raw)
    if text.endswith("*"):
        text = text[:-1]  # explicit prefix: the same as a plain word
    found = words(text)
    if not found:
        if not text.strip():
            raise QueryError('empty phrase ""', position)
        raise QueryError(
            f"'{raw}' has no letters or digits to search for; words are matched, "
            "punctuation is ignored",
            position,
        )
    return Words(field, tuple(found))


def _tokens(text: str) -> list[_Token]:
    """Operators, parentheses and terms; quotes group words, `-` negates."""
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char in "()":
            out.append(_Token(char, char, i))
            i += 1
            continue
        if char == "|":
            out.append(_Token("OR", "|", i))
            i += 1
            continue
        if char == "-":
            if i + 1 == n or text[i + 1].isspace() or text[i + 1] in ")|":
                raise QueryError("'-' must be followed by a term, as in -is:read", i)
            if text[i + 1] == "-":
                raise QueryError("'--' is not a term; use a single '-' to negate", i)
            out.append(_Token("-", "-", i))
            i += 1
            continue
        start = i
        chunk: list[str] = []
        while i < n and not text[i].isspace() and text[i] not in _SPECIAL:
            if text[i] == '"':
                close = text.find('"', i + 1)
                if close < 0:
                    # A phrase being typed: it runs to the end, so every keystroke of
                    # `"prompt tun` is a query (an empty one adds nothing yet).
                    rest = text[i + 1 :]
                    if rest.strip() or chunk:
                        chunk.append('"' + rest + '"')
                    i = n
                    break
                chunk.append(text[i : close + 1])
                i = close + 1
            else:
                chunk.append(text[i])
                i += 1
        word = "".join(chunk)
        if not word:
            continue  # a lone '"' at the end
        if word in ("OR", "NOT"):
            out.append(_Token(word, word, start))
        else:
            out.append(_Token("term", word, start))
    return out


def _numeric(field: str, raw: str, position: int) -> Number | Range:
    if field == "year" and (match := _RANGE.match(raw)):
        low = int(match.group(1)) if match.group(1) else None
        high = int(match.group(2)) if match.group(2) else None
        if low is None and high is None:
            raise QueryError("year range needs at least one year, as in year:2020..2023", position)
        if low is not None and high is not None and low > high:
            raise QueryError(
                f"year range {low}..{high} is empty (the first year is later)", position
            )
        return Range(field, low, high)
    match = _COMPARISON.match(raw)
    if match is None:
        raise QueryError(
            f"{field}:{raw} is not a number comparison; try {_EXAMPLES[field]}", position
        )
    op, value = match.group(1) or "", int(match.group(2))
    if field == "rating" and value > MAX_RATING:
        raise QueryError(f"ratings go from 0 to {MAX_RATING}, not {value}", position)
    return Number(field, op, value)


def _unquote(token: str) -> str:
    return token.replace('"', "") if '"' in token else token
