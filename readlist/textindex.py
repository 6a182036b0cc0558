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
Results are exact: the index only narrows which texts are tested. Checking is the cost
of a phrase (~2.5 µs a candidate: 100 ms for the 40,000 papers holding "large" and a
word starting with "l"), so it is done once per phrase head and first letters of the
last word: the words starting with them that follow the head in the candidates are
collected (`Followers`; that is the check), and the next keys ("large la", "large lan"
...) are a `bisect` range of those words, as for one word.

The check cannot be made cheap: when most candidates match (40,000 of 60,000 texts with
"large" go on with "language"), it is a scan of ~90 MB of text, ~80 ms at CPython's
byte-search speed before any Python per text. So it is done ahead, in the time between
keys: while a phrase is typed and its last word is a word of the texts (`"large`, which
may yet become "larger"), `collect` gives steps that collect every word after the head
in every text holding the head's words, a part at a time, for the app to run while it
is idle: the typing of the space and of the next word's first letter. The next key is
then answered from those words; if it comes first, it finishes the remaining parts
itself (the same result).

Building it costs seconds at 100,000 papers (most of it the Python loop over words), so
a large library keeps a copy on disk (`readlist.store.wordfile`): `WordIndex.from_parts`
takes the same parts read lazily from a memory-mapped file, and `parts()` gives them to
write. The search code is the same either way.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

from readlist.bitsets import bits_of, indices_of

# A word in at least this share of papers keeps a bitset instead of a list.
_FREQUENT_SHARE = 1 / 64
# Up to this many uncovered papers are checked directly rather than via rare words.
_VERIFY_LIMIT = 2500
_CACHE_SIZE = 64
_FOLLOWERS_KEPT = 4
# A collection ahead of the next word (`collect`) stops past this many (word, text)
# pairs (~20 MB): a head in almost every text ("the") has too many followers to keep.
_COLLECT_LIMIT = 500_000
_STEP = 1024  # texts a step of it checks: ~5 ms, so a key waits little behind one
_PART = 4096  # texts checked between two releases of their pages (see `_in_parts`)
_TOP = "\U0010ffff"
_PIN_WORDS = 300  # a two-letter prefix of this many words is found ahead (see pin_short_prefixes)
_PAUSE_WORDS = 256  # words of a prefix found between two pauses (~1-2 ms)


@dataclass(frozen=True, slots=True)
class IndexParts:
    """What a `WordIndex` is made of (see `WordIndex.from_parts`)."""

    texts: Sequence[str]
    """The searchable text of each paper, by position."""
    words: Sequence[str]
    """Every word of the texts, sorted."""
    frequent: Mapping[str, int]
    """Words in many papers: their papers as a bitset."""
    rare: Mapping[str, Sequence[int]]
    """Every other word: its papers, ascending."""


class Joined(Sequence[str]):
    """Two sequences of texts, one after the other (kept apart, so that a writer can
    copy the first as it is stored)."""

    def __init__(self, first: Sequence[str], then: Sequence[str]) -> None:
        self.first, self.then = self._first, self._then = first, then

    def __len__(self) -> int:
        return len(self._first) + len(self._then)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        first = len(self._first)
        return self._first[i] if i < first else self._then[i - first]

    def __iter__(self) -> Iterator[str]:
        yield from self._first
        yield from self._then


class Followers:
    """The words starting with `prefix` that follow a phrase head (all its words but
    the last) in some texts.

    `covered` holds every text whose followers were collected: a phrase with this head
    and a last word starting with `prefix` is answered here when all the texts that can
    match it are covered.
    """

    def __init__(
        self, head: tuple[str, ...], prefix: str, covered: int, postings: dict[str, list[int]]
    ) -> None:
        self.head, self.prefix, self.covered = head, prefix, covered
        self._postings = postings
        self._words = sorted(postings)
        self._bits: dict[str, int] = {}  # postings as bitsets, once asked for

    def answers(self, head: tuple[str, ...], last: str, candidates: int) -> bool:
        return head == self.head and last.startswith(self.prefix) and not candidates & ~self.covered

    def starting(self, prefix: str, n: int) -> int:
        """The covered texts where the head is followed by a word starting with `prefix`."""
        words = self._words
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + _TOP, lo)
        found = 0
        for word in words[lo:hi]:
            bits = self._bits.get(word)
            if bits is None:
                bits = self._bits[word] = bits_of(self._postings[word], n)
            found |= bits
        return found


def followers(
    texts: Sequence[str], indices: Iterable[int], needle: str, prefix: str = ""
) -> dict[str, list[int]]:
    """For each word starting with `prefix` that follows `needle` (" w1 w2 ") in some
    of the texts `indices`, those texts (ascending, as `indices` are)."""
    postings: defaultdict[str, list[int]] = defaultdict(list)
    core = needle[:-1]  # without its last space, which the next occurrence may begin with
    simple = not overlaps(core)
    for i in indices:
        words = _after(texts[i], core) if simple else None
        if words is None:
            words = following(texts[i], needle)
        for word in set(words):
            if word.startswith(prefix):
                postings[word].append(i)
    return dict(postings)


def _after(text: str, core: str) -> list[str] | None:
    """The words after each " " + `core` + " " in `text` (None: see `following`)."""
    words = []
    for piece in text.split(core)[1:]:
        if piece[:1] == " ":  # (anything else: `core` ended inside a longer word)
            end = piece.find(" ", 1)
            if word := piece[1:] if end < 0 else piece[1:end]:
                words.append(word)
        elif not piece:  # two occurrences of `core` in a row
            return None
    return words


def following(text: str, needle: str) -> list[str]:
    """The words right after each occurrence of `needle` (" w1 w2 ") in `text`."""
    out: list[str] = []
    at = text.find(needle)
    while at >= 0:
        start = at + len(needle)
        end = text.find(" ", start)
        if word := text[start:] if end < 0 else text[start:end]:
            out.append(word)
        at = text.find(needle, at + 1)
    return out


def overlaps(part: str) -> bool:
    """Whether two occurrences of `part` (" a a") can overlap in a text (" a a a")."""
    return any(part.startswith(part[k:]) for k in range(1, len(part)))


def frequent_threshold(n: int) -> int:
    """In how many of `n` papers a word keeps a bitset instead of a list (shared with
    the fold of a stored index, which must decide as a fresh build does)."""
    return max(16, int(n * _FREQUENT_SHARE))


PAUSE_EVERY = 2_000  # texts indexed between two pauses (see `WordIndex`)
_PAUSE_WORK = 8_192  # positions a bitset is made of between two pauses (~3 ms)
SORT_EVERY = 8_192  # words put in buckets between two pauses (~2 ms)


def _sorted_words(words: Iterable[str], pause: Callable[[], None] | None) -> list[str]:
    """`sorted(words)`, calling `pause()` between steps when given.

    One `sorted` of the titles' ~100,000 words is a single call that holds the
    interpreter lock for 50-90 ms: a key typed meanwhile waited for it to end (a phrase
    key 57-67 ms at 100,000 papers, during the title index's build). The words are put
    in buckets by their first two characters, which order them as whole words do (a
    word of one character, its own bucket, comes before the longer words it starts),
    and each bucket is sorted on its own: a few thousand words, ~1 ms at most.
    """
    if pause is None:
        return sorted(words)
    buckets: defaultdict[str, list[str]] = defaultdict(list)
    for i, word in enumerate(words):
        if i and not i % SORT_EVERY:
            pause()
        buckets[word[:2]].append(word)
    out: list[str] = []
    for n, key in enumerate(sorted(buckets)):
        if n:
            pause()
        out += sorted(buckets[key])
    return out


class WordIndex:
    """Word-prefix and phrase search over `texts`, searchable strings (kept, not copied)."""

    def __init__(self, texts: Sequence[str], pause: Callable[[], None] | None = None) -> None:
        """`pause()`, if given, is called every `PAUSE_EVERY` texts (a worker thread's
        build lets a key that is handled run alone, see readlist/session/gate.py)."""
        n = self.n = len(texts)
        self.all = (1 << n) - 1
        self.texts = texts
        postings: defaultdict[str, list[int]] = defaultdict(list)
        every = PAUSE_EVERY if pause is not None else -1  # -1: never
        for i, text in enumerate(texts):
            if i == every and pause is not None:
                every += PAUSE_EVERY
                pause()
            for word in set(text.split()):
                postings[word].append(i)  # the hot loop: ~150 words x 100k papers
        postings.pop("|", None)  # the field separator
        threshold = frequent_threshold(n)
        frequent: dict[str, int] = {}
        rare: dict[str, list[int]] = {}
        work = 0  # positions handled since the last pause (a frequent word's bitset
        # takes a pass over its positions and one over the n texts: ~0.3 ms at 100k)
        for word, papers in postings.items():
            if len(papers) >= threshold:
                frequent[word] = bits_of(papers, n)
                work += len(papers) + n // 8
            else:
                rare[word] = papers
                work += 1
            if pause is not None and work >= _PAUSE_WORK:
                work = 0
                pause()
        self._frequent: Mapping[str, int] = frequent
        self._rare: Mapping[str, Sequence[int]] = rare
        self._words: Sequence[str] = _sorted_words(postings, pause)
        self._cache: OrderedDict[str, int] = OrderedDict()
        self._pinned: dict[str, int] = {}  # see `pin_short_prefixes`
        self._followers: list[Followers] = []
        self._collecting: _Collecting | None = None
        self._release: Callable[[int | None], None] | None = None
        self._warm: Callable[[Callable[[], None]], None] | None = None

    def pin_short_prefixes(
        self, pause: Callable[[], None] | None = None, *, pairs: bool = True
    ) -> None:
        """Find the texts of every one-character prefix, and (`pairs`) of the
        two-character ones that start `_PIN_WORDS` words or more, now; and keep them for
        good.

        A query's first keys are one or two letters, the costliest prefixes to answer
        (thousands of rare words to unite: 15-60 ms for one letter at 100,000 papers);
        all of them cost ~1 s of CPU and ~1 MB (70 two-letter prefixes) at 100k. This may
        run in a worker thread while another thread searches (the background stage
        does; `pause` is called before each prefix and every `_PAUSE_WORDS` words of
        one): finding a prefix changes nothing a search reads, and each is kept by one
        dict assignment, once it is complete.
        """
        words = self._words
        letters: set[str] = set()
        counts: dict[str, int] = {}
        for at, word in enumerate(words, 1):
            if word:
                letters.add(word[0])
            if pairs and len(word) >= 2:
                counts[word[:2]] = counts.get(word[:2], 0) + 1
            if pause is not None and at % SORT_EVERY == 0:
                pause()
        firsts = sorted(letters)
        found = sorted(pair for pair, count in counts.items() if count >= _PIN_WORDS)
        for prefix in firsts + found:
            if pause is not None:
                pause()
            if prefix not in self._pinned:
                self._pinned[prefix] = self._prefix(prefix, pause)

    @classmethod
    def from_parts(cls, parts: IndexParts) -> WordIndex:
        """An index of parts built earlier (by `parts()`), without building anything."""
        index = cls.__new__(cls)
        index.n = len(parts.texts)
        index.all = (1 << index.n) - 1
        index.texts = parts.texts
        index._frequent, index._rare, index._words = parts.frequent, parts.rare, parts.words
        index._cache = OrderedDict()
        index._pinned = {}
        index._followers = []
        index._collecting = None
        index._release = None
        index._warm = getattr(parts.frequent, "warm", None)
        holds = getattr(parts.texts, "holds", None)
        if holds is not None:  # texts on disk: a byte search, no decoding
            index.holds = holds  # type: ignore[method-assign]
        release = getattr(parts.texts, "release", None)
        if release is not None:  # texts on disk: pages a search read can be let go
            index._release = release
        follows = getattr(parts.texts, "followers", None)
        if follows is not None:  # texts on disk: only the words found are decoded
            index.followers = follows  # type: ignore[method-assign]
        return index

    def warm(self, pause: Callable[[], None] = lambda: None) -> None:
        """Make now what the first query would make (an index read from disk: the
        words' lookup table), between `pause()`s; an index built here has nothing to."""
        if self._warm is not None:
            self._warm(pause)

    def parts(self) -> IndexParts:
        return IndexParts(self.texts, self._words, self._frequent, self._rare)

    def holds(self, i: int, needle: str, after: str = "") -> bool:
        """Whether text `i` holds `needle` (after the first `after`, if given); texts read
        from disk answer without decoding."""
        text = self.texts[i]
        return needle in (text[text.find(after) :] if after else text)

    def followers(
        self, indices: Iterable[int], needle: str, prefix: str = ""
    ) -> dict[str, list[int]]:
        """The words starting with `prefix` after `needle` in the texts `indices`
        (see `followers`)."""
        return followers(self.texts, indices, needle, prefix)

    def search(self, words: Sequence[str], within: int | None = None) -> int:
        """Texts with the consecutive `words`, the last one as a prefix.

        `within`, if given, holds every text that can match (an earlier result this
        query narrows, as when a phrase is typed a letter at a time).
        """
        if not words:
            return self.all
        if len(words) == 1:
            return self.prefix(words[0])
        try:
            return self._phrase(tuple(words[:-1]), words[-1], within)
        finally:
            if self._release is not None:
                self._release(None)

    def collect(self, head: Sequence[str]) -> Iterator[None] | None:
        """Steps (a few thousand texts each) that collect the words following the phrase
        head `head` in every text holding its words, so that the phrase's next word is
        answered without checking texts; None if there is nothing to collect.

        Only the last collection asked for is kept; a search that needs it before the
        steps are done runs the rest itself. Nothing shown depends on how far it got.
        """
        head = tuple(head)
        if not head:
            return None
        if any(known.head == head and not known.prefix for known in self._followers):
            return None
        collecting = self._collecting
        if collecting is None or collecting.head != head:
            heads = self.all
            for word in head:
                heads &= self.exact(word)
            if not heads:
                return None
            collecting = self._collecting = _Collecting(self, head, heads)
        return self._steps(collecting)

    def _steps(self, collecting: _Collecting) -> Iterator[None]:
        yield from collecting.steps()
        self._finish(collecting)

    def _finish(self, collecting: _Collecting) -> None:
        """Run what is left of `collecting` and keep its followers."""
        for _ in collecting.steps():
            pass
        if collecting.postings is not None and not collecting.kept:  # (else kept: it is
            # not tried again; or finished already, by a key that needed it before the
            # app's queued steps ran out)
            collecting.kept = True
            if self._collecting is collecting:
                self._collecting = None
            self._keep(Followers(collecting.head, "", collecting.heads, collecting.postings))

    def _keep(self, known: Followers) -> None:
        self._followers.insert(0, known)
        del self._followers[_FOLLOWERS_KEPT:]

    def _phrase(self, head: tuple[str, ...], last: str, within: int | None) -> int:
        heads = self.all
        for word in head:
            heads &= self.exact(word)
            if not heads:
                return 0
        candidates = heads & self.prefix(last)
        if within is not None:
            candidates &= within
        if not candidates:
            return 0
        # A pending collection is finished here only if what is left is no more than
        # checking the candidates ("large z": a few texts, not the rest of 60,000).
        collecting = self._collecting
        if (
            collecting is not None
            and collecting.head == head
            and collecting.left <= 2 * candidates.bit_count()
        ):
            self._finish(collecting)
        for at, known in enumerate(self._followers):
            if known.answers(head, last, candidates):
                self._followers.insert(0, self._followers.pop(at))
                return known.starting(last, self.n) & candidates
        # Collected over the texts that can match a phrase this one extends (as the
        # next keys of its last word do): those keys need no check of any text.
        needle = " " + " ".join(head) + " "
        postings: dict[str, list[int]] = {}
        for part in self._in_parts(candidates):
            for word, found in self.followers(part, needle, last).items():
                postings.setdefault(word, []).extend(found)
        known = Followers(head, last, candidates, postings)
        self._keep(known)
        return known.starting(last, self.n)

    def _in_parts(self, texts: int) -> Iterator[list[int]]:
        """The positions in `texts`, ascending, a few thousand at a time; texts read
        from a file let their pages go after each part (`_Texts.release`): file pages
        count in the resident size, and a few phrase checks read all 150 MB of them.

        A part holds at most `_PART` texts and lies within `_PART` positions of its
        first, so that the pages it reads are those of a few thousand texts together:
        a few thousand texts spread over the whole file (a phrase's candidates) read,
        a page of neighbours with each (the kernel maps 16 pages a fault), most of its
        150 MB before their first release, which put the TUI's peak at 100,000 papers
        ~150 MB above its own memory (bench_query --rss-trace: 607-618 MB)."""
        positions = indices_of(texts, self.n)
        release = self._release
        if release is not None and positions and positions[-1] - positions[0] < _PART:
            release = None  # (one part's pages: let go by the next search that reads more)
        at = 0
        while at < len(positions):
            end = bisect.bisect_left(
                positions, positions[at] + _PART, at, min(len(positions), at + _PART)
            )
            part = positions[at:end]
            yield part
            if release is not None:
                release(part[-1] + 1)
            at = end

    def verify(self, candidates: int, needle: str, after: str = "") -> int:
        """The texts among `candidates` that hold `needle` (after `after`, if given)."""
        holds = self.holds
        found: list[int] = []
        for part in self._in_parts(candidates):
            found.extend(i for i in part if holds(i, needle, after))
        return bits_of(found, self.n)

    def containing(self, part: str) -> int:
        """Texts with a word that contains `part` (one word: a `~` substring)."""
        key = "~" + part
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        bits = 0
        rare: set[int] = set()
        for word in self._words:
            if part in word:
                found = self._frequent.get(word)
                if found is None:
                    rare.update(self._rare[word])
                else:
                    bits |= found
        bits |= bits_of(list(rare), self.n)
        self._remember(key, bits)
        return bits

    def _remember(self, key: str, bits: int) -> None:
        cache = self._cache
        cache[key] = bits
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)

    def exact(self, word: str) -> int:
        bits = self._frequent.get(word)
        if bits is not None:
            return bits
        return bits_of(list(self._rare.get(word, ())), self.n)

    def prefix(self, prefix: str) -> int:
        """Texts with a word starting with `prefix` (cached)."""
        pinned = self._pinned.get(prefix)
        if pinned is not None:
            return pinned
        cache = self._cache
        cached = cache.get(prefix)
        if cached is not None:
            cache.move_to_end(prefix)
            return cached
        covered = self._prefix(prefix)
        self._remember(prefix, covered)
        return covered

    def _prefix(self, prefix: str, pause: Callable[[], None] | None = None) -> int:
        """The texts with a word starting with `prefix`; `pause()`, if given, is called
        every `_PAUSE_WORDS` words (a worker's `pin_short_prefixes`)."""
        words = self._words
        lo = bisect.bisect_left(words, prefix)
        hi = bisect.bisect_left(words, prefix + _TOP, lo)
        covered = 0
        rare: list[str] = []
        frequent = self._frequent
        for at, word in enumerate(words[lo:hi], 1):
            bits = frequent.get(word)
            if bits is None:
                rare.append(word)
            else:
                covered |= bits
            if pause is not None and at % _PAUSE_WORDS == 0:
                pause()
        if rare:
            uncovered = self.all & ~covered
            if uncovered.bit_count() <= _VERIFY_LIMIT:
                # (in parts, whose pages are let go: see `_in_parts`)
                covered |= self.verify(uncovered, " " + prefix)
            else:
                papers: set[int] = set()
                release = self._release
                for at, word in enumerate(rare, 1):
                    papers.update(self._rare[word])
                    if at % _PAUSE_WORDS == 0:
                        if release is not None:
                            release(None)  # (rare posting lists lie all over the file)
                        if pause is not None:
                            pause()
                if pause is None:
                    covered |= bits_of(list(papers), self.n)
                else:  # (a bitset of 50,000 positions is ~40 ms of Python)
                    found_papers = list(papers)
                    for start in range(0, len(found_papers), _PAUSE_WORK):
                        pause()
                        covered |= bits_of(found_papers[start : start + _PAUSE_WORK], self.n)
            if self._release is not None:
                self._release(None)
        return covered


class _Collecting:
    """The followers of one phrase head, collected a part of the texts at a time
    (see `WordIndex.collect`); `postings` is None once past `_COLLECT_LIMIT`."""

    def __init__(self, index: WordIndex, head: tuple[str, ...], heads: int) -> None:
        self.head, self.heads = head, heads
        self.postings: dict[str, list[int]] | None = {}
        self._index = index
        self._parts = index._in_parts(heads)
        self._needle = " " + " ".join(head) + " "
        self._pairs = 0
        self._part: list[int] = []  # what is left of the part being collected
        self.left = heads.bit_count()  # texts not collected yet
        self.kept = False  # its followers are kept (see `WordIndex._finish`)

    def steps(self) -> Iterator[None]:
        """One step a few texts; shared by every caller (a step runs once, and what a
        step has to do is kept here, not in a generator that may be dropped)."""
        while self.postings is not None:
            if not self._part:
                part = next(self._parts, None)
                if part is None:
                    return
                self._part = part
            texts, self._part = self._part[:_STEP], self._part[_STEP:]
            self.left -= len(texts)
            postings = self.postings
            for word, found in self._index.followers(texts, self._needle).items():
                postings.setdefault(word, []).extend(found)
                self._pairs += len(found)
            if self._pairs > _COLLECT_LIMIT:
                self.postings = None
                return
            yield
