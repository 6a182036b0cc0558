"""What a parsed query is made of: a small tree of frozen, hashable nodes.

Leaves select papers (`Words`, `Tag`, `Number`...); `And`, `Or` and `Not` combine them.
Nodes are hashable so the evaluator can cache the result of a catalogue-only subtree.
Text in nodes is already normalised (see `readlist.query.words`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Compare = Callable[[int, int], bool]
OPERATORS: dict[str, Compare] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
    "": operator.eq,
}
# Where a word may be searched: "text" is the default (title, abstract, tags, note).
TEXT_FIELDS = ("text", "title", "abstract", "author", "org", "note")
FLAGS = ("read", "unread", "rated", "unrated", "dismissed")
HAS = ("note", "tags", "authors", "link", "abstract")


@dataclass(frozen=True, slots=True)
class Words:
    """A word or phrase: consecutive words, the last matched as a prefix.

    `words` are normalised. With `substring`, the words are found anywhere, even
    inside other words (`~former` in "transformer").
    """

    field: str
    words: tuple[str, ...]
    substring: bool = False


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    """casefolded"""


@dataclass(frozen=True, slots=True)
class Flag:
    flag: str
    """one of FLAGS"""


@dataclass(frozen=True, slots=True)
class Has:
    what: str
    """one of HAS"""


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric comparison on a catalogue field (rating is the annotation's)."""

    field: str
    op: str
    value: int

    def test(self, value: int) -> bool:
        return OPERATORS[self.op](value, self.value)


@dataclass(frozen=True, slots=True)
class Range:
    field: str
    low: int | None
    high: int | None

    def test(self, value: int) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True, slots=True)
class Prefix:
    """A catalogue string field starting with `prefix`: id, arxiv (case-folded)."""

    field: str
    prefix: str


@dataclass(frozen=True, slots=True)
class Category:
    """An arXiv category: `cs.CL` exactly, or `cs` for every cs.* category."""

    name: str
    """casefolded"""


@dataclass(frozen=True, slots=True)
class Added:
    """Added to the library between two ISO dates, both included (`YYYY-MM-DD`)."""

    low: str
    high: str


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    nodes: tuple[Node, ...]


Leaf = Words | Tag | Flag | Has | Number | Range | Prefix | Category | Added
Node = Leaf | Not | And | Or


def leaves(node: Node) -> Iterator[tuple[Leaf, bool]]:
    """Every leaf with whether it is negated (an odd number of NOTs above it)."""
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, negated = stack.pop()
        if isinstance(current, Not):
            stack.append((current.node, not negated))
        elif isinstance(current, (And, Or)):
            stack.extend((child, negated) for child in reversed(current.nodes))
        else:
            yield current, negated


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query; `root` is None for the empty query, which matches every paper."""

    root: Node | None = None

    @property
    def is_empty(self) -> bool:
        return self.root is None

    @property
    def searches_text(self) -> bool:
        """Whether any term searches abstracts or asks for one (so they must be loaded)."""
        return any(
            (isinstance(leaf, Words) and leaf.field in ("text", "abstract"))
            or (isinstance(leaf, Has) and leaf.what == "abstract")
            for leaf, _ in self.leaves()
        )

    @property
    def terms(self) -> tuple[Node, ...]:
        """The terms that must all hold (the top-level AND)."""
        if self.root is None:
            return ()
        return self.root.nodes if isinstance(self.root, And) else (self.root,)

    def leaves(self) -> Iterator[tuple[Leaf, bool]]:
        return iter(()) if self.root is None else leaves(self.root)

    def highlights(self, field: str) -> tuple[Words, ...]:
        """The word terms to highlight in `field` (title, abstract, note): not negated."""
        return tuple(
            leaf
            for leaf, negated in self.leaves()
            if isinstance(leaf, Words) and not negated and leaf.field in ("text", field)
        )
