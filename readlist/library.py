"""The library in memory: what the CLI and the TUI query, sort and display.

`Library` joins the catalogue (a list of papers, addressed by position; at a TUI start,
`catalogue.LazyPapers`, which builds each paper when first shown: ids and sort keys are
read with `ids_of` / `values`, so listing builds none) with the user's annotations and
answers "which papers, in what order" for a query and a sort. It holds no file handles:
the `Store` reads and writes, and after each write the caller applies the resulting
annotations here with `apply`. Positions (row indices) are what lists and selections
hold, so re-filtering replaces a list of ints, never widgets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, overload

from readlist.bitsets import flags_of, indices_of, pick
from readlist.catalogue import ids_of, values
from readlist.models import Annotation, Paper
from readlist.query import Query
from readlist.search import AnnotationText, SearchIndex, annotation_haystack, mask_of

if TYPE_CHECKING:  # imported when a ranked sort is first asked for (start-up time)
    from readlist.ranking import Ranker, Ranking

_EMPTY = Annotation()
# Matches fewer than 1/_SORT_SHARE of the rows they would be filtered from are sorted
# by rank instead (see `Matches.ordered`).
_SORT_SHARE = 12
# A result of at least this many papers is listed lazily by the front end (`lazy=True`,
# see `Rows`); fewer are listed at once.
LAZY_ABOVE = 2_000


@dataclass(frozen=True, slots=True)
class Sort:
    key: str
    label: str


SORTS: tuple[Sort, ...] = (
    Sort("date", "newest first"),
    Sort("upvotes", "most upvoted first"),
    Sort("rating", "highest rated first"),
    Sort("title", "title A-Z"),
    # Last, so that `s` reaches the older four as it always did.
    Sort("added", "recently added first"),
)
SORT_KEYS = tuple(s.key for s in SORTS)
# Sorts by the papers' own fields but the abstract (see `Library(like=...)`).
_PAPER_SORTS = ("date", "upvotes", "title", "added")
FOR_YOU = "for-you"
LIKE = "like:"
"""`like:TAG` ranks papers by likeness to the papers tagged TAG."""
RANKED_SORTS = (FOR_YOU, f"{LIKE}TAG")
CYCLED_SORTS = (*SORT_KEYS, FOR_YOU)
"""What `s` steps through in the TUI: the plain sorts, then the learnt one."""


def sort_label(key: str, reverse: bool = False) -> str:
    if key == FOR_YOU:
        label = "for you"
    elif key.startswith(LIKE):
        label = f"like #{key[len(LIKE) :]}"
    else:
        label = next(s.label for s in SORTS if s.key == key)
    return f"{label}, reversed ↑" if reverse else label


def is_ranked(sort: str) -> bool:
    """Whether `sort` is learnt from annotations (see `readlist.ranking`)."""
    return sort == FOR_YOU or sort.startswith(LIKE)


@dataclass(frozen=True, slots=True)
class RankingJob:
    """What a ranked sort is computed from, taken on the owning thread (see `Library.job`).

    A worker thread computes `Library.compute(job)` from these copies while the UI
    goes on changing the library; `Library.use` takes the result only if no annotation
    changed meanwhile (`generation`).
    """

    sort: str
    generation: int
    annotations: Mapping[str, Annotation]
    fallback: Sequence[int]


class Library:
    """Papers + annotations + search + sort orders, in memory."""

    def __init__(
        self,
        papers: Sequence[Paper],
        annotations: Mapping[str, Annotation],
        search: SearchIndex | None = None,
        *,
        features_cache: Path | None = None,
        like: Library | None = None,
    ) -> None:
        """`like`: a library of the same papers in the same order, which may lack their
        abstracts (the start's first library): its position map and the sort orders that
        depend on neither abstracts nor annotations are taken, not made again (~0.15 s
        of the front end's thread at 100,000 papers, when the catalogue is swapped in)."""
        self.papers: Sequence[Paper] = papers
        if like is not None and not _same_ids(like.papers, papers):
            like = None  # (not the same papers after all)
        self.position: dict[str, int] = (
            like.position if like is not None else {pid: i for i, pid in enumerate(ids_of(papers))}
        )
        self.search = search if search is not None else SearchIndex(papers)
        self._annotations: dict[str, Annotation] = {}
        self._by_position: dict[int, Annotation] = {}
        self._haystacks: dict[int, AnnotationText] = {}
        self._orders: dict[str, list[int]] = {}
        # sort -> (the order it reverses, reversed): redone when that order is.
        self._reversed: dict[str, tuple[list[int], list[int]]] = {}
        self._rank: list[int] | None = None
        self._ranker: Ranker | None = None
        self._features_cache = features_cache
        # Ranked sorts: their results, the orders from before the last annotation change
        # (shown while a worker recomputes), and a count of changes (see RankingJob).
        self._rankings: dict[str, Ranking | None] = {}
        self._stale: dict[str, list[int]] = {}
        # The last order `rank_in` was asked about, and its inverse (see `rank_in`).
        self._ranks: tuple[Sequence[int], list[int]] | None = None
        self.generation = 0
        if like is not None:
            for sort in _PAPER_SORTS:
                if (order := like._orders.get(sort)) is not None:
                    self._orders[sort] = order
        self.apply(annotations)

    def __len__(self) -> int:
        return len(self.papers)

    # -- annotations -------------------------------------------------------------------

    def annotation(self, paper_id: str) -> Annotation:
        return self._annotations.get(paper_id, _EMPTY)

    def annotation_at(self, position: int) -> Annotation:
        return self._by_position.get(position, _EMPTY)

    @property
    def annotations(self) -> Mapping[str, Annotation]:
        return self._annotations

    def apply(self, annotations: Mapping[str, Annotation]) -> None:
        """Take new values for some papers' annotations (after a store write or reload)."""
        # A bulk change gives many papers the same tags and note: each searchable text
        # is made once (1,000 papers marked read: ~25 ms of the UI thread's time, else).
        made: dict[tuple[tuple[str, ...], str], AnnotationText] = {}
        for pid, annotation in annotations.items():
            position = self.position.get(pid)
            if annotation.is_empty:
                self._annotations.pop(pid, None)
                if position is not None:
                    self._by_position.pop(position, None)
                    self._haystacks.pop(position, None)
                continue
            self._annotations[pid] = annotation
            if position is not None:
                self._by_position[position] = annotation
                text = (annotation.tags, annotation.note)
                if (haystack := made.get(text)) is None:
                    haystack = made[text] = annotation_haystack(annotation)
                self._haystacks[position] = haystack
        for key in [k for k in self._orders if k == "rating" or is_ranked(k)]:
            order = self._orders.pop(key)
            if is_ranked(key):
                self._stale[key] = order
        self._rankings.clear()
        self.generation += 1

    def replace_annotations(self, annotations: Mapping[str, Annotation]) -> list[str]:
        """Make the annotations exactly `annotations`; returns the ids that changed."""
        changed = {pid: a for pid, a in annotations.items() if self._annotations.get(pid) != a}
        gone = {pid: _EMPTY for pid in self._annotations if pid not in annotations}
        self.apply({**changed, **gone})
        return [*changed, *gone]

    # -- queries -----------------------------------------------------------------------

    def filter(self, query: Query) -> Matches:
        """The papers matching `query` (a bitset; order them with `Matches.ordered`)."""
        if query.is_empty:
            return Matches(self, self.search.all)
        return Matches(self, self.search.evaluate(query, self._by_position, self._haystacks))

    def select(self, query: Query, sort: str = "date", *, reverse: bool = False) -> list[int]:
        """Positions of the papers matching `query`, in `sort` order (or its reverse)."""
        rows = self.filter(query).ordered(sort, reverse=reverse)
        return rows if isinstance(rows, list) else list(rows)  # (a list without `lazy`)

    def order(self, sort: str, *, reverse: bool = False) -> list[int]:
        """All positions in `sort` order (cached; rating order is redone after changes).

        `reverse` is the same order back to front, ties included, so that reversing
        twice gives the order back; it is cached as long as the order it reverses.
        """
        cached = self._orders.get(sort)
        if cached is None:
            cached = self._orders[sort] = self._compute_order(sort)
        if not reverse:
            return cached
        flipped = self._reversed.get(sort)
        if flipped is None or flipped[0] is not cached:
            flipped = self._reversed[sort] = (cached, cached[::-1])
        return flipped[1]

    def rank_in(self, order: Sequence[int]) -> list[int]:
        """rank[position] = where `position` stands in `order` (all positions in some
        order); kept for the last order asked about, which is the one being listed."""
        if self._ranks is None or self._ranks[0] is not order:
            rank = [0] * len(self.papers)
            for r, position in enumerate(order):
                rank[position] = r
            self._ranks = (order, rank)
        return self._ranks[1]

    def _date_rank(self) -> list[int]:
        """rank[position] = place of the paper in date order (ties broken by it)."""
        if self._rank is None:
            rank = [0] * len(self.papers)
            for r, position in enumerate(self.order("date")):
                rank[position] = r
            self._rank = rank
        return self._rank

    @property
    def ranker(self) -> Ranker:
        """Rankings learnt from annotations; features are built on first use (seconds at 100k)."""
        if self._ranker is None:
            from readlist.ranking import Ranker

            self._ranker = Ranker(self.papers, cache=self._features_cache)
        return self._ranker

    def stop_ranking(self) -> None:
        """Make a feature build running in a worker give up (`ranking.Stopped`): quitting."""
        if self._ranker is not None:
            self._ranker.stop()

    def ranking(self, sort: str) -> Ranking | None:
        """The scores behind a ranked sort; None when there is too little to learn from."""
        if sort in self._rankings:
            return self._rankings[sort]
        ranking = self.compute(self.job(sort))
        self._rankings[sort] = ranking
        return ranking

    # -- ranked sorts computed in the background (the TUI) ------------------------------

    def pending(self, sort: str) -> bool:
        """Whether `sort` is a ranked sort whose order is not computed yet.

        `order(sort)` would compute it on the spot (seconds at 100k the first time);
        the TUI computes it in a worker instead: `job`, `compute`, `use`.
        """
        return is_ranked(sort) and sort not in self._orders

    def stale_order(self, sort: str) -> list[int] | None:
        """The order `sort` had before the last annotation change, if it had one."""
        return self._stale.get(sort)

    def ranked(self, sort: str) -> Ranking | None:
        """The ranking behind `sort` if it is computed (None if not, or too little signal)."""
        return self._rankings.get(sort)

    def job(self, sort: str) -> RankingJob:
        """The inputs of a ranked sort, copied (take them on the thread that owns this)."""
        if not is_ranked(sort):
            raise ValueError(f"{sort!r} is not a ranked sort")
        return RankingJob(sort, self.generation, dict(self._annotations), self.order("date"))

    def compute(self, job: RankingJob) -> Ranking | None:
        """The ranking of `job`; safe in a worker thread (it reads only the job and the
        catalogue, which never changes)."""
        if job.sort == FOR_YOU:
            return self.ranker.for_you(job.annotations, job.fallback)
        return self.ranker.like_tag(job.sort[len(LIKE) :], job.annotations, job.fallback)

    def use(self, job: RankingJob, ranking: Ranking | None) -> bool:
        """Take a worker's result; False (and nothing kept) if annotations changed since."""
        if job.generation != self.generation:
            return False
        self._rankings[job.sort] = ranking
        self._orders[job.sort] = list(job.fallback) if ranking is None else ranking.order
        self._stale.pop(job.sort, None)
        return True

    def _compute_order(self, sort: str) -> list[int]:
        if is_ranked(sort):
            ranking = self.ranking(sort)
            return self.order("date") if ranking is None else ranking.order
        papers = self.papers
        positions = range(len(papers))
        if sort == "date":
            # Newest first. A paper from an undated listing (most of the samples) goes
            # where the day it was added falls, not after every dated paper; only papers
            # with neither date go last. Among equals, the latest import first.
            # (The fields are read as values: papers loaded lazily are not built.)
            published, added = values(papers, "published"), values(papers, "added")
            dates = [p or (a or "")[:10] for p, a in zip(published, added, strict=True)]
            return sorted(reversed(positions), key=dates.__getitem__, reverse=True)
        if sort == "added":
            # Timestamps to the second; the latest import first among equals.
            added = [a or "" for a in values(papers, "added")]
            return sorted(reversed(positions), key=added.__getitem__, reverse=True)
        if sort == "title":
            titles = [t.casefold() for t in values(papers, "title")]
            return sorted(positions, key=titles.__getitem__)
        rank = self._date_rank()
        if sort == "upvotes":
            ups = [-1 if u is None else u for u in values(papers, "upvotes")]
            return sorted(positions, key=lambda i: (-ups[i], rank[i]))
        if sort == "rating":
            # Rated papers are few: sort them, then the rest keep date order. This is
            # redone after every rating change, so it must not sort the whole library.
            rated = {i: a.rating for i, a in self._by_position.items() if a.rating}
            head = sorted(rated, key=lambda i: (-rated[i], rank[i]))
            return head + [i for i in self.order("date") if i not in rated]
        keys = ", ".join((*SORT_KEYS, *RANKED_SORTS))
        raise ValueError(f"unknown sort {sort!r}; choose from {keys}")

    def read_positions(self) -> list[int]:
        return [i for i, a in self._by_position.items() if a.read]

    # -- summaries ---------------------------------------------------------------------

    def tag_counts(self) -> Counter[str]:
        """How many papers carry each tag (first spelling seen)."""
        counts: Counter[str] = Counter()
        spelling: dict[str, str] = {}
        for annotation in self._by_position.values():
            for tag in annotation.tags:
                counts[spelling.setdefault(tag.casefold(), tag)] += 1
        return counts


def _same_ids(a: Sequence[Paper], b: Sequence[Paper]) -> bool:
    """Whether two catalogues hold the same papers in the same order, as far as a few
    papers show (the caller knows it: this guards against a caller that is wrong)."""
    if len(a) != len(b):
        return False
    return all(a[i].id == b[i].id for i in {0, len(a) // 2, len(a) - 1} if i >= 0)


class Rows(Sequence[int]):
    """The positions of `order` whose flag (see `bitsets.flags_of`) is 1, in `order`'s
    order, as `bitsets.pick` gives them, found `STEP` positions of `order` at a time
    as far as they are asked for. `count` is how many there are (the matches' count).

    A list of papers shows a screenful of rows: the first ones of a large result are
    found in a fraction of a millisecond, the rest when the list scrolls to them (or
    whole, once, for what needs them all). Membership is a flag lookup.
    """

    STEP = 4096

    def __init__(self, order: Sequence[int], flags: bytes, count: int) -> None:
        self._order, self._flags, self._count = order, flags, count
        self._found: list[int] = []
        self._scanned = 0  # positions of `order` looked at

    def __len__(self) -> int:
        return self._count

    def _find(self, index: int) -> None:
        """Find rows until row `index` is found (or all of them)."""
        found, order, flags = self._found, self._order, self._flags
        while len(found) <= index and self._scanned < len(order):
            part = order[self._scanned : self._scanned + self.STEP]
            found += pick(part, flags)
            self._scanned += len(part)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step < 0:
                return list(self)[index]
            self._find(stop - 1)
            return self._found[start:stop:step]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("row out of range")
        self._find(index)
        return self._found[index]

    def __iter__(self) -> Iterator[int]:
        self._find(self._count)
        return iter(self._found)

    def __contains__(self, position: object) -> bool:
        flags = self._flags
        return isinstance(position, int) and 0 <= position < len(flags) and flags[position] == 1

    def index(self, position: int, start: int = 0, stop: int | None = None) -> int:
        if position not in self:
            raise ValueError(f"{position} is not a row")
        found, looked = self._found, start
        while True:
            end = len(found) if stop is None else min(stop, len(found))
            try:
                return found.index(position, looked, end)
            except ValueError:
                looked = max(looked, end)
                if looked >= self._count or (stop is not None and looked >= stop):
                    raise
                self._find(looked)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # (mutable: found as asked for)


class Matches:
    """The result of a filter: which papers match, how many, and in what order.

    Counting is `int.bit_count()`; ordering filters a cached sort order through a byte
    mask, so a filter over 100,000 papers costs a few milliseconds end to end.
    """

    def __init__(self, library: Library, bits: int) -> None:
        self.library = library
        self.bits = bits
        self._rows: Sequence[int] | None = None
        self._rows_order: Sequence[int] | None = None  # the sort order `_rows` came from

    def __len__(self) -> int:
        return self.bits.bit_count()

    @property
    def everything(self) -> bool:
        return self.bits == self.library.search.all

    @cached_property
    def mask(self) -> bytes:
        return mask_of(self.bits, len(self.library.papers))

    def __contains__(self, position: int) -> bool:
        return self.everything or self.mask[position] == 49

    def ordered(
        self,
        sort: str,
        narrowing: Matches | None = None,
        order: Sequence[int] | None = None,
        *,
        reverse: bool = False,
        lazy: bool = False,
    ) -> Sequence[int]:
        """The matching positions in `sort` order, back to front with `reverse` (or in
        `order`, all positions in some order): a list, or with `lazy` for a result of
        `LAZY_ABOVE` papers or more, `Rows` that are found as they are asked for (the
        front end shows a screenful: filtering 100,000 positions for 90,000 matches
        was ~6-10 ms of the first keys of every query).

        `narrowing` is the previous result while typing: when these matches are a
        subset of it, in the same (unchanged) order, its rows are filtered instead of
        the whole library. Typing "evaluating" scans 100k, 99k, 76k ... 9k rows
        instead of 100k ten times, and a key that leaves the same papers ("langu" to
        "langua") copies the rows. Few matches among many rows are sorted by their
        rank in the order instead (0.6 µs a match, against 0.05 µs a row scanned).
        """
        if order is None:
            order = self.library.order(sort, reverse=reverse)
        elif reverse:
            order = order[::-1]
        rows: Sequence[int]
        if self.everything:
            rows = list(order)
        elif not self.bits:
            rows = []
        else:
            base: Sequence[int] = order
            same = False  # the same papers as `narrowing`: its rows as they are
            if (
                narrowing is not None
                and narrowing._rows is not None
                and narrowing._rows_order is order
                and not self.bits & ~narrowing.bits
            ):
                base, same = narrowing._rows, self.bits == narrowing.bits
            if same:
                rows = base if isinstance(base, Rows) else list(base)
            elif len(self) * _SORT_SHARE < len(base):
                rank = self.library.rank_in(order)
                rows = sorted(indices_of(self.bits, len(rank)), key=rank.__getitem__)
            elif lazy and len(self) >= LAZY_ABOVE and len(order) == len(self.library.papers):
                # (`order` holds every position: the rows are `len(self)` of them)
                rows = Rows(order, flags_of(self.mask), len(self))
            else:
                rows = list(base) if isinstance(base, Rows) else base
                rows = pick(rows, flags_of(self.mask))
        self._rows, self._rows_order = rows, order
        return rows

    def unread(self) -> int:
        """How many of the matching papers are unread."""
        read = self.library.read_positions()
        if self.everything:
            return len(self) - len(read)
        mask = self.mask
        return len(self) - sum(1 for i in read if mask[i] == 49)
