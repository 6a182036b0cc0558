"""A word index: which papers hold a word starting with a prefix, in milliseconds.

Texts are searchable strings (" w1 w2 | w3 ", see `readlist.query.words`). The index
maps each word to the papers containing it and keeps the vocabulary sorted, so the
words starting with a prefix are one `bisect` range. Scanning 100,000 abstracts costs
50-130 ms in CPython, too slow for a filter run on every keystroke; the union of a
range's postings is made cheap two ways:

- Words in many papers ("the", "model") keep their postings as bitsets (Python ints):
  OR-ing a few hundred 12.5 KB ints is fast, and they usually cover almost every match.
  When the papers they leave uncovered are few, those are checked directly.
- Rare words keep lists, unioned only when many papers are left uncovered.

Phrases intersect their words' papers and check the phrase in the remaining candidates.
Results are exact: the index only narrows which texts are tested.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict, defaultdict
from collections.abc import Sequence

from readlist.bitsets import bits_of, indices_of

# A word in at least this share of papers keeps a bitset instead of a list.
_FREQUENT_SHARE = 1 / 64
# Up to this many uncovered papers are checked directly rather than via rare words.
_VERIFY_LIMIT = 2500
_CACHE_SIZE = 64
_TOP = "\U0010ffff"


class WordIndex:
    """Word-prefix and phrase search over `texts`, searchable strings (kept, not copied)."""

    def __init__(self, texts: Sequence[str]) -> None:
        n = self.n = len(texts)
        self.all = (1 << n) - 1
        self._texts = texts
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for i, text in enumerate(texts):
            for word in set(text.split()):
                postings[word].append(i)  # the hot loop: ~150 words x 100k papers
        postings.pop("|", None)  # the field separator
        threshold = max(16, int(n * _FREQUENT_SHARE))
        self._frequent: dict[str, int] = {}
        self._rare: dict[str, list[int]] = {}
        for word, papers in postings.items():
            if len(papers) >= threshold:
                self._frequent[word] = bits_of(papers, n)
            else:
                self._rare[word] = papers
        self._words = sorted(postings)
        self._cache: OrderedDict[str, int] = OrderedDict()

    def search(self, words: Sequence[str]) -> int:
        """Texts with the consecutive `words`, the last one as a prefix."""
        if not words:
            return self.all
        if len(words) == 1:
            return self.prefix(words[0])
        candidates = self.prefix(words[-1])
        for word in words[:-1]:
            candidates &= self.exact(word)
            if not candidates:
                return 0
        needle = " " + " ".join(words)
        texts = self._texts
        return bits_of([i for i in indices_of(candidates, self.n) if needle in texts[i]], self.n)

    def exact(self, word: str) -> int:
        bits = self._frequent.get(word)
        if bits is not None:
            return bits
        return bits_of(self._rare.get(word, []), self.n)

    def prefix(self, prefix: str) -> int:
        """Texts with a word starting with `prefix` (cached)."""
        cache = self._cache
        cached = cache.get(prefix)
        if cached is not None:
            cache.move_to_end(prefix)
            return cached
        words = self._words
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + _TOP, lo)
        covered = 0
        rare: list[str] = []
        frequent = self._frequent
        for word in words[lo:hi]:
            bits = frequent.get(word)
            if bits is None:
                rare.append(word)
            else:
                covered |= bits
        if rare:
            uncovered = self.all & ~covered
            if uncovered.bit_count() <= _VERIFY_LIMIT:
                needle, texts = " " + prefix, self._texts
                found = [i for i in indices_of(uncovered, self.n) if needle in texts[i]]
            else:
                papers: set[int] = set()
                for word in rare:
                    papers.update(self._rare[word])
                found = list(papers)
            covered |= bits_of(found, self.n)
        cache[prefix] = covered
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
        return covered
