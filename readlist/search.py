"""Evaluating queries over a catalogue, fast enough to filter on every keystroke.

A query result is a bitset (see `readlist.bitsets`); a query tree is evaluated bottom
up with `&`, `|` and `~`. Word terms search *searchable* texts (normalised words joined
by spaces, see `readlist.query.words`): a word prefix is the substring " tun", a phrase
" prompt tun". Results of catalogue terms are cached, and a new word is searched only
among the papers that matched a cached word it extends: typing "transf" after "trans"
scans the "trans" matches, not the whole library. With a `WordIndex` (built by
`build_text_index`, in the TUI's background for large libraries, or read from disk, see
`use_stored_index`) the default text field is answered from the index instead; before it
exists, scanning gives the same answers, only slower. A large library's background
stage also builds a `WordIndex` of the titles for `title:` terms (`make_title_index`,
used from `use_title_index` on), which a scan of every title answered before, ~10 ms a
key at 100k. Terms on annotations (tags, read, rating, notes) are evaluated over the
annotated papers only, which are few, and are never cached because they change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import overload

from readlist.bitsets import bits_of, indices_of, mask_of
from readlist.catalogue import ids_of, values
from readlist.gcutil import gc_paused
from readlist.models import Annotation, Paper
from readlist.query import (
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
    searchable,
)
from readlist.query.words import FIELD_BREAK
from readlist.textindex import WordIndex

__all__ = ["AnnotationText", "SearchIndex", "annotation_haystack", "bits_of", "mask_of"]

_CACHE_SIZE = 128
# Fields a `WordIndex` of title + abstract answers or narrows (titles are short: a scan
# of them is fast, and checking many index candidates would not be).
_IN_TEXT = ("text", "abstract")
AnnotationText = tuple[str, str]
"""(tags and note, note) as searchable texts, for one annotated paper."""


def annotation_haystack(annotation: Annotation) -> AnnotationText:
    """What word terms search in an annotation: its tags and note; and the note alone."""
    note = searchable(annotation.note)
    return searchable(" ".join(annotation.tags), annotation.note), note


def needle(words: Sequence[str], substring: bool) -> str:
    """The substring a searchable text holds when it matches these words."""
    return " ".join(words) if substring else " " + " ".join(words)


class SearchIndex:
    """Query evaluation over one list of papers (immutable; rebuilt after an import)."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.n = len(papers)
        self.all = (1 << self.n) - 1
        self._papers = papers
        self._ids = ids_of(papers)  # of `LazyPapers` too, building none
        self._texts: dict[str, Sequence[str]] = {}  # searchable texts per field, on first use
        self.text_index: WordIndex | None = None
        self.title_index: WordIndex | None = None  # see `make_title_index`
        self._cache: OrderedDict[Node, int] = OrderedDict()

    def evaluate(
        self,
        query: Query,
        annotations: Mapping[int, Annotation],
        haystacks: Mapping[int, AnnotationText],
    ) -> int:
        """The bitset of papers matching `query`.

        `annotations` and `haystacks` (see `annotation_haystack`) are keyed by paper
        position and hold only annotated papers.
        """
        if query.root is None:
            return self.all
        return self._node(query.root, annotations, haystacks)

    def _node(
        self,
        node: Node,
        annotations: Mapping[int, Annotation],
        haystacks: Mapping[int, AnnotationText],
    ) -> int:
        match node:
            case And(nodes=nodes):
                result = self.all
                for child in nodes:
                    result &= self._node(child, annotations, haystacks)
                    if not result:
                        break
                return result
            case Or(nodes=nodes):
                result = 0
                for child in nodes:
                    result |= self._node(child, annotations, haystacks)
                return result
            case Not(node=inner):
                return self.all & ~self._node(inner, annotations, haystacks)
            case Words(field=field, words=words, substring=substring):
                bits = 0 if field == "note" else self._catalogue(node)
                if field in ("text", "note"):
                    which = 0 if field == "text" else 1
                    wanted = needle(words, substring)
                    bits |= bits_of(
                        (i for i, hay in haystacks.items() if wanted in hay[which]), self.n
                    )
                return bits
            case Tag(name=name):
                return self._annotated(
                    annotations, lambda a: any(t.casefold() == name for t in a.tags)
                )
            case Flag(flag=flag):
                if flag == "dismissed":
                    return self._annotated(annotations, lambda a: a.dismissed)
                if flag in ("read", "unread"):
                    bits = self._annotated(annotations, lambda a: a.read)
                else:
                    bits = self._annotated(annotations, lambda a: bool(a.rating))
                return bits if flag in ("read", "rated") else self.all & ~bits
            case Has(what="note"):
                return self._annotated(annotations, lambda a: bool(a.note))
            case Has(what="tags"):
                return self._annotated(annotations, lambda a: bool(a.tags))
            case Number(field="rating") as number:
                if number.test(0):  # unannotated papers have rating 0 and match
                    return self.all & ~self._annotated(
                        annotations, lambda a: not number.test(a.rating)
                    )
                return self._annotated(annotations, lambda a: number.test(a.rating))
            case Has() | Number() | Range() | Prefix() | Category() | Added():
                return self._catalogue(node)
        raise AssertionError(f"unhandled node {node!r}")

    def _annotated(
        self, annotations: Mapping[int, Annotation], test: Callable[[Annotation], bool]
    ) -> int:
        return bits_of((i for i, a in annotations.items() if test(a)), self.n)

    # -- catalogue terms (cached: the catalogue does not change) ----------------------------

    def _catalogue(self, node: Node) -> int:
        cache = self._cache
        cached = cache.get(node)
        if cached is not None:
            cache.move_to_end(node)
            return cached
        if isinstance(node, Words):
            bits = self._words(node)
        else:
            papers = self._papers
            test = self._test(node)
            bits = bits_of((i for i in range(self.n) if test(papers[i])), self.n)
        cache[node] = bits
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
        return bits

    def _test(self, node: Node) -> Callable[[Paper], bool]:
        match node:
            case Has(what="authors"):
                return lambda p: bool(p.authors)
            case Has(what="link"):
                return lambda p: bool(p.links)
            case Has(what="abstract"):
                return lambda p: bool(p.abstract)
            case Number() | Range():
                test, column = node.test, self._columns[node.field]
                return lambda p: (v := column(p)) is not None and test(v)
            case Prefix(field="id", prefix=prefix):
                return lambda p: p.id.startswith(prefix)
            case Prefix(prefix=prefix):
                return lambda p: p.arxiv_id is not None and p.arxiv_id.lower().startswith(prefix)
            case Category(name=name):
                dotted = name + "."
                return lambda p: any(
                    (c := cat.casefold()) == name or c.startswith(dotted) for cat in p.categories
                )
            case Added(low=low, high=high):
                return lambda p: p.added is not None and low <= p.added[:10] <= high
        raise AssertionError(f"unhandled catalogue node {node!r}")

    @cached_property
    def _columns(self) -> dict[str, Callable[[Paper], int | None]]:
        return {
            "year": lambda p: p.year,
            "upvotes": lambda p: p.upvotes,
            "comments": lambda p: p.comments,
            "authors": lambda p: p.author_total,
        }

    def texts(self, field: str, pause: Callable[[], None] | None = None) -> Sequence[str]:
        """Every paper's searchable text for `field` (built on first use). Titles are
        made `STEP` at a time with `pause()` between (the background stage passes its
        gate's wait: ~0.6 s of Python at 100,000 papers that a key would share)."""
        found = self._texts.get(field)
        if found is None:
            papers = self._papers
            with gc_paused():
                if field == "text":
                    found = [searchable(p.title, p.abstract) for p in papers]
                elif field == "title":
                    found = _in_steps(searchable, values(papers, "title", pause), pause)
                elif field == "abstract":  # the part of "text" after the title
                    found = _AfterBreak(self.texts("text"))
                elif field == "author":
                    found = [searchable(*p.authors) for p in papers]
                elif field == "org":
                    found = [searchable(p.organization or "") for p in papers]
                else:
                    raise ValueError(f"no searchable field {field!r}")
            self._texts[field] = found
        return found

    def share_texts(self, other: SearchIndex, field: str) -> None:
        """Take `other`'s texts of `field` (computed already), for the same papers."""
        if field in other._texts:
            self._texts[field] = other._texts[field]

    def use_stored_index(self, index: WordIndex) -> None:
        """Answer text and abstract terms from `index`, a word index of these papers read
        from disk (see `readlist.store.wordfile`): its texts hold the abstracts, so the
        answers are right even while these `Paper`s are loaded without them."""
        self._texts["text"] = index.texts
        self._texts.pop("abstract", None)
        self.use_text_index(index)

    def _words(self, node: Words) -> int:
        wanted = needle(node.words, node.substring)
        # A cached term this one extends holds every paper this one can match.
        base: int | None = None
        for known, bits in self._cache.items():
            if (
                isinstance(known, Words)
                and known.field == node.field
                and known.substring == node.substring
                and _extends(wanted, needle(known.words, known.substring), node.substring)
                and (base is None or bits.bit_count() < base.bit_count())
            ):
                base = bits
        # The index of title + abstract narrows the candidates of its fields too; the
        # index of titles answers title terms (`whole`: an index of the field's texts).
        index, whole = self.text_index, node.field == "text"
        if node.field == "title":
            index, whole = self.title_index, True
        elif node.field not in _IN_TEXT:
            index = None
        if index is not None:
            if node.substring:
                candidates = index.containing(node.words[0])
                if whole and len(node.words) == 1:
                    return candidates
            elif whole:
                return index.search(node.words, within=base)
            else:
                candidates = index.search(node.words, within=base)
            base = candidates if base is None else base & candidates
        if base is None:
            texts = self.texts(node.field)
            return bits_of([i for i, text in enumerate(texts) if wanted in text], self.n)
        if index is not None:
            # Checked in the index's own texts (on disk: without decoding them).
            after = FIELD_BREAK if node.field == "abstract" else ""
            return index.verify(base, wanted, after)
        else:
            texts = self.texts(node.field)
            found = [i for i in indices_of(base, self.n) if wanted in texts[i]]
        return bits_of(found, self.n)

    def collect(self, phrase: Words) -> Iterator[None] | None:
        """Steps that prepare a next word of `phrase`, the phrase being typed, as if
        its words were whole (see `WordIndex.collect`), to run between keys; None if
        there is nothing to do."""
        index = self.text_index
        if index is None or phrase.substring or phrase.field not in _IN_TEXT:
            return None
        return index.collect(phrase.words)

    def build_text_index(self) -> WordIndex:
        """Index every paper's title and abstract by word (seconds at 100k papers).

        Without it, a word term scans every paper, which is right for one query (the
        CLI) and too slow for one query per keystroke at 100k (the TUI builds it in the
        background; until then scanning gives the same results).
        """
        index = self.make_text_index()
        self.use_text_index(index)
        return index

    def make_text_index(self) -> WordIndex:
        """The word index, built without touching what queries use (for a worker thread)."""
        texts = self.texts("text")
        with gc_paused():
            return WordIndex(texts)

    def make_title_index(self, pause: Callable[[], None] | None = None) -> WordIndex:
        """A word index of the titles, its short prefixes found already (one letter, and
        two-letter ones of many words: `WordIndex.pin_short_prefixes`; for a worker
        thread: ~0.3 s and ~20 MB at 100,000 papers). A `title:` term scanned every
        title (~10 ms a key, 30-50 ms on a loaded machine); from this index a key costs
        well under a millisecond, its first letter included. `pause()` is called every
        `STEP` titles and within each prefix's search (see `texts`)."""
        titles = self.texts("title", pause)
        with gc_paused():
            index = WordIndex(titles, pause)
            index.pin_short_prefixes(pause)
        return index

    def use_title_index(self, index: WordIndex) -> None:
        """Answer title terms from `index` from now on (on the thread that evaluates;
        results cached from scanning stay: they are the same)."""
        self.title_index = index

    def use_text_index(self, index: WordIndex) -> None:
        """Answer word terms from `index` from now on (on the thread that evaluates)."""
        self.text_index = index
        self._cache.clear()


STEP = 2_000  # texts made between two pauses: ~10 ms of a worker's Python


def _in_steps(
    make: Callable[[str], str], items: Sequence[str], pause: Callable[[], None] | None
) -> list[str]:
    """`[make(x) for x in items]`, calling `pause()` every `STEP` items."""
    if pause is None:
        return list(map(make, items))
    found: list[str] = []
    for start in range(0, len(items), STEP):
        if start:
            pause()
        found.extend(map(make, items[start : start + STEP]))
    return found


class _AfterBreak(Sequence[str]):
    """The abstract part of each searchable text of a title and an abstract."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        text = self._texts[i]
        # " title words | abstract words " -> " abstract words ", as `searchable` gives.
        return text[text.index(FIELD_BREAK) + 1 :]


def _extends(new: str, old: str, substring: bool) -> bool:
    """Whether every text holding `new` holds `old` too."""
    return old in new if substring else new.startswith(old)
