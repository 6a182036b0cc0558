"""A full-text index that answers "which papers contain this substring" in milliseconds.

Scanning 100,000 abstracts for a word costs 50-130 ms in CPython, too slow for a filter
that runs on every keystroke. This index keeps the exact semantics of a case-insensitive
substring search with no whitespace in the needle. A needle without spaces that occurs
in a text occurs inside one whitespace-separated chunk of it, so:

    papers containing w  =  union, over chunks c of the vocabulary with w in c,
                            of the papers containing chunk c

Finding the chunks is a substring search over the vocabulary (a few MB), not the corpus
(150+ MB). The union is made cheap two ways:

- Chunks in many papers ("the", "model", "language") keep their postings as bitsets
  (Python ints): OR-ing a few hundred 12.5 KB ints is fast, and they usually cover
  almost every match. The few papers they leave uncovered are checked directly.
- Rare chunks keep lists; a new word is looked up among the chunks that matched a cached
  word it contains, so typing "transf" after "trans" searches a handful of chunks.

Phrases (needles with spaces) are answered by intersecting their words and checking the
phrase in the remaining candidates.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Iterable

from readlist.search import bits_of, indices_of

# A chunk in at least this share of papers keeps a bitset instead of a list.
_FREQUENT_SHARE = 1 / 64
# Up to this many uncovered papers are checked directly rather than via rare chunks.
_VERIFY_LIMIT = 2500
_CACHE_SIZE = 32
# Above this many vocabulary hits, test every chunk instead of walking the hits.
_MANY_MATCHES = 2000


class TextIndex:
    """Substring search over `n` lower-cased texts; `text(i)` gives text `i` on demand.

    `chunk_sets` is consumed one text at a time (pass a generator): holding every
    text's chunks at once would cost gigabytes at 100,000 papers.
    """

    def __init__(
        self, n: int, chunk_sets: Iterable[Iterable[str]], text: Callable[[int], str]
    ) -> None:
        self.n = n
        self.all = (1 << n) - 1
        self._text = text
        postings: dict[str, list[int]] = {}
        for i, chunks in enumerate(chunk_sets):
            for chunk in chunks:
                found = postings.get(chunk)
                if found is None:
                    postings[chunk] = [i]
                else:
                    found.append(i)
        threshold = max(16, int(n * _FREQUENT_SHARE))
        self._frequent: dict[str, int] = {}
        self._rare: dict[str, list[int]] = {}
        for chunk, papers in postings.items():
            if len(papers) >= threshold:
                self._frequent[chunk] = bits_of(papers, n)
            else:
                self._rare[chunk] = papers
        # The rare vocabulary as one string, one chunk per line, for C-speed searching.
        words = sorted(self._rare)
        self._vocab = "\n".join(words) + "\n"
        self._starts = [0] * len(words)
        offset = 0
        for k, word in enumerate(words):
            self._starts[k] = offset
            offset += len(word) + 1
        self._words = words
        self._matches: OrderedDict[str, list[str]] = OrderedDict()

    def search(self, needle: str) -> int:
        """Bitset of the texts containing `needle` (already lower-cased)."""
        words = needle.split()
        if not words:
            return self.all
        if len(words) == 1 and words[0] == needle:
            return self._word(needle)
        candidates = self.all
        for word in words:
            candidates &= self._word(word)
            if not candidates:
                return 0
        text = self._text
        return bits_of([i for i in indices_of(candidates, self.n) if needle in text(i)], self.n)

    def _word(self, word: str) -> int:
        covered = 0
        for chunk, bits in self._frequent.items():
            if word in chunk:
                covered |= bits
        if covered == self.all:
            return covered
        uncovered = self.all & ~covered
        if uncovered.bit_count() <= _VERIFY_LIMIT:
            text = self._text
            found = [i for i in indices_of(uncovered, self.n) if word in text(i)]
            return covered | bits_of(found, self.n)
        papers: set[int] = set()
        rare = self._rare
        for chunk in self._rare_chunks(word):
            papers.update(rare[chunk])
        return covered | bits_of(list(papers), self.n)

    def _rare_chunks(self, word: str) -> list[str]:
        """Rare chunks containing `word`, narrowed from a cached word it contains."""
        cache = self._matches
        cached = cache.get(word)
        if cached is not None:
            cache.move_to_end(word)
            return cached
        base: list[str] | None = None
        for known, chunks in cache.items():
            if known in word and (base is None or len(chunks) < len(base)):
                base = chunks
        if base is not None:
            found = [chunk for chunk in base if word in chunk]
        else:
            found = self._scan_vocabulary(word)
        cache[word] = found
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
        return found

    def _scan_vocabulary(self, word: str) -> list[str]:
        vocab, starts, words = self._vocab, self._starts, self._words
        if vocab.count(word) > _MANY_MATCHES:  # one C pass says a Python loop would be long
            return [chunk for chunk in words if word in chunk]
        found: list[str] = []
        position = vocab.find(word)
        while position >= 0:
            k = bisect.bisect_right(starts, position) - 1
            found.append(words[k])
            next_start = starts[k + 1] if k + 1 < len(starts) else len(vocab)
            position = vocab.find(word, next_start)
        return found
