"""Evaluating queries over a catalogue, fast enough to filter on every keystroke.

A query result is a bitset: a Python int whose bit `i` is set when paper `i` matches.
AND, OR and NOT of whole result sets are then single C-level operations on 12.5 KB
integers at 100,000 papers, and counting matches is `int.bit_count()`.

Text terms search lower-cased "haystacks" (title + abstract). Results of text terms are
cached per word, and a new word is searched only among the papers that matched a cached
word it contains: typing "transf" after "trans" scans the "trans" matches, not the whole
library. Terms on annotations (tags, read, rating, notes) are evaluated over the
annotated papers only, which are few, and are never cached because they change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from readlist.gcutil import gc_paused
from readlist.models import Annotation, Paper
from readlist.query import Flag, IdPrefix, Number, Query, Range, Tag, Term, Text

if TYPE_CHECKING:
    from readlist.textindex import TextIndex

_CACHE_SIZE = 64
_ONE = 49  # ord("1")


def bits_of(indices: Iterable[int], n: int) -> int:
    """The bitset with the given bits set."""
    idx = indices if isinstance(indices, list) else list(indices)
    if len(idx) < 64:
        bits = 0
        for i in idx:
            bits |= 1 << i
        return bits
    digits = bytearray(b"0") * n
    top = n - 1
    for i in idx:
        digits[top - i] = _ONE
    return int(digits, 2)


def mask_of(bits: int, n: int) -> bytes:
    """`mask[i] == 49` (b"1") exactly when bit i is set; for filtering ordered lists."""
    return format(bits, "b").zfill(n)[::-1].encode("ascii") if n else b""


def indices_of(bits: int, n: int) -> list[int]:
    """The set bits of `bits`, ascending."""
    if not bits:
        return []
    mask = mask_of(bits, n)
    out: list[int] = []
    find = mask.find
    i = find(b"1")
    while i >= 0:
        out.append(i)
        i = find(b"1", i + 1)
    return out


def annotation_haystack(annotation: Annotation) -> str:
    """What text terms search in an annotation: its tags and note, lower-cased."""
    return (" ".join(annotation.tags) + "\n" + annotation.note).lower()


class SearchIndex:
    """Query evaluation over one list of papers (immutable; rebuilt after an import)."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.n = len(papers)
        self.all = (1 << self.n) - 1
        self._papers = papers
        self._ids = [p.id for p in papers]
        self._hay: list[str] | None = None  # lower-cased texts, built on first scan
        self.text_index: TextIndex | None = None
        self._text_cache: OrderedDict[str, int] = OrderedDict()
        self._field_cache: dict[Term, int] = {}

    def evaluate(
        self, query: Query, annotations: Mapping[int, Annotation], haystacks: Mapping[int, str]
    ) -> int:
        """The bitset of papers matching `query`.

        `annotations` and `haystacks` (see `annotation_haystack`) are keyed by paper
        position and hold only annotated papers.
        """
        result = self.all
        for term in query.terms:
            bits = self._term(term, annotations, haystacks)
            result &= (self.all & ~bits) if term.negated else bits
            if not result:
                break
        return result

    def _term(
        self, term: Term, annotations: Mapping[int, Annotation], haystacks: Mapping[int, str]
    ) -> int:
        n = self.n
        match term:
            case Text(text=text):
                extra = bits_of((i for i, hay in haystacks.items() if text in hay), n)
                return self.text_bits(text) | extra
            case Tag(name=name):
                return bits_of(
                    (
                        i
                        for i, a in annotations.items()
                        if any(t.casefold() == name for t in a.tags)
                    ),
                    n,
                )
            case Flag(flag=flag):
                if flag in ("read", "unread"):
                    bits = bits_of((i for i, a in annotations.items() if a.read), n)
                else:
                    bits = bits_of((i for i, a in annotations.items() if a.rating), n)
                return bits if flag in ("read", "rated") else self.all & ~bits
            case Number(field="rating") as number:
                if number.test(0):  # unannotated papers have rating 0 and match
                    misses = (i for i, a in annotations.items() if not number.test(a.rating))
                    return self.all & ~bits_of(misses, n)
                return bits_of((i for i, a in annotations.items() if number.test(a.rating)), n)
            case Number() | Range() | IdPrefix():
                return self._catalogue_term(term)
        raise AssertionError(f"unhandled term {term!r}")

    def _catalogue_term(self, term: Number | Range | IdPrefix) -> int:
        key = term if not term.negated else _positive(term)
        cached = self._field_cache.get(key)
        if cached is None:
            if isinstance(key, IdPrefix):
                prefix = key.prefix
                cached = bits_of(
                    (i for i, pid in enumerate(self._ids) if pid.startswith(prefix)), self.n
                )
            else:
                test = key.test
                column = self._columns[key.field]
                cached = bits_of(
                    (i for i, v in enumerate(column) if v is not None and test(v)), self.n
                )
            self._field_cache[key] = cached
        return cached

    @cached_property
    def _columns(self) -> dict[str, list[int | None]]:
        """Numeric fields by position; built on the first numeric query, not at start-up."""
        papers = self._papers
        return {
            "year": [p.year for p in papers],
            "upvotes": [p.upvotes for p in papers],
            "comments": [p.comments for p in papers],
            "authors": [p.author_total for p in papers],
        }

    def haystack(self, position: int) -> str:
        """What text terms search in a paper: title and abstract, lower-cased."""
        paper = self._papers[position]
        return f"{paper.title}\n{paper.abstract}".lower()

    def build_text_index(self) -> TextIndex:
        """Index every paper's text for fast substring search (seconds at 100k papers).

        Without it, a text term scans every paper, which is right for one query (the
        CLI) and too slow for one query per keystroke (the TUI builds it in the
        background).
        """
        from readlist.textindex import TextIndex

        haystack = self.haystack
        with gc_paused():
            index = TextIndex(self.n, (set(haystack(i).split()) for i in range(self.n)), haystack)
        self.text_index = index
        self._text_cache.clear()
        return index

    def text_bits(self, text: str) -> int:
        """Papers whose title or abstract contains `text` (lower-case)."""
        if self.text_index is not None:
            cached = self._text_cache.get(text)
            if cached is None:
                cached = self._text_cache[text] = self.text_index.search(text)
                if len(self._text_cache) > _CACHE_SIZE:
                    self._text_cache.popitem(last=False)
            return cached
        cache = self._text_cache
        cached = cache.get(text)
        if cached is not None:
            cache.move_to_end(text)
            return cached
        base: int | None = None
        for word, bits in cache.items():
            if word in text and (base is None or bits.bit_count() < base.bit_count()):
                base = bits
        if self._hay is None:
            self._hay = [self.haystack(i) for i in range(self.n)]
        hay = self._hay
        if base is None:
            found = [i for i, h in enumerate(hay) if text in h]
        else:
            found = [i for i in indices_of(base, self.n) if text in hay[i]]
        bits = bits_of(found, self.n)
        cache[text] = bits
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
        return bits


def _positive(term: Number | Range | IdPrefix) -> Number | Range | IdPrefix:
    return replace(term, negated=False)
