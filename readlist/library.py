"""The library in memory: what the CLI and the TUI query, sort and display.

`Library` joins the catalogue (a list of papers, addressed by position) with the user's
annotations and answers "which papers, in what order" for a query and a sort. It holds
no file handles: the `Store` reads and writes, and after each write the caller applies
the resulting annotations here with `apply`. Positions (row indices) are what lists
and selections hold, so re-filtering replaces a list of ints, never widgets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from readlist.models import Annotation, Paper
from readlist.query import Query
from readlist.search import SearchIndex, annotation_haystack, mask_of

_EMPTY = Annotation()


@dataclass(frozen=True, slots=True)
class Sort:
    key: str
    label: str


SORTS: tuple[Sort, ...] = (
    Sort("date", "newest first"),
    Sort("upvotes", "most upvoted first"),
    Sort("rating", "highest rated first"),
    Sort("title", "title A-Z"),
)
SORT_KEYS = tuple(s.key for s in SORTS)


def sort_label(key: str) -> str:
    return next(s.label for s in SORTS if s.key == key)


class Library:
    """Papers + annotations + search + sort orders, in memory."""

    def __init__(self, papers: Sequence[Paper], annotations: Mapping[str, Annotation]) -> None:
        self.papers: Sequence[Paper] = papers
        self.position = {paper.id: i for i, paper in enumerate(papers)}
        self.search = SearchIndex(papers)
        self._annotations: dict[str, Annotation] = {}
        self._by_position: dict[int, Annotation] = {}
        self._haystacks: dict[int, str] = {}
        self._orders: dict[str, list[int]] = {}
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
                self._haystacks[position] = annotation_haystack(annotation)
        self._orders.pop("rating", None)

    def replace_annotations(self, annotations: Mapping[str, Annotation]) -> list[str]:
        """Make the annotations exactly `annotations`; returns the ids that changed."""
        changed = {pid: a for pid, a in annotations.items() if self._annotations.get(pid) != a}
        gone = {pid: _EMPTY for pid in self._annotations if pid not in annotations}
        self.apply({**changed, **gone})
        return [*changed, *gone]

    # -- queries -----------------------------------------------------------------------

    def matches(self, query: Query) -> int:
        """Bitset of the positions matching `query`."""
        return self.search.evaluate(query, self._by_position, self._haystacks)

    def select(self, query: Query, sort: str = "date") -> list[int]:
        """Positions of the papers matching `query`, in `sort` order."""
        order = self.order(sort)
        if query.is_empty:
            return list(order)
        bits = self.matches(query)
        if bits == self.search.all:
            return list(order)
        if not bits:
            return []
        mask = mask_of(bits, len(self.papers))
        return [i for i in order if mask[i] == 49]

    def order(self, sort: str) -> list[int]:
        """All positions in `sort` order (cached; rating order is redone after changes)."""
        cached = self._orders.get(sort)
        if cached is None:
            cached = self._orders[sort] = self._compute_order(sort)
        return cached

    def _compute_order(self, sort: str) -> list[int]:
        papers = self.papers
        positions = range(len(papers))
        if sort == "date":
            dates = [p.published or "" for p in papers]
            # Newest first; papers without a date last; among equals, the latest import first.
            return sorted(reversed(positions), key=dates.__getitem__, reverse=True)
        if sort == "title":
            return sorted(positions, key=lambda i: papers[i].title.casefold())
        rank = {pos: r for r, pos in enumerate(self.order("date"))}
        key: Callable[[int], tuple[int, int]]
        if sort == "upvotes":
            ups = [-1 if p.upvotes is None else p.upvotes for p in papers]
            key = lambda i: (-ups[i], rank[i])  # noqa: E731
        elif sort == "rating":
            rated = self._by_position
            key = lambda i: (-(rated[i].rating if i in rated else 0), rank[i])  # noqa: E731
        else:
            raise ValueError(f"unknown sort {sort!r}; choose from {', '.join(SORT_KEYS)}")
        return sorted(positions, key=key)

    # -- summaries ---------------------------------------------------------------------

    def unread_count(self, positions: Sequence[int] | None = None) -> int:
        by_position = self._by_position
        if positions is None:
            read = sum(1 for i, a in by_position.items() if a.read)
            return len(self.papers) - read
        return sum(1 for i in positions if not (i in by_position and by_position[i].read))

    def tag_counts(self) -> Counter[str]:
        """How many papers carry each tag (first spelling seen)."""
        counts: Counter[str] = Counter()
        spelling: dict[str, str] = {}
        for annotation in self._by_position.values():
            for tag in annotation.tags:
                counts[spelling.setdefault(tag.casefold(), tag)] += 1
        return counts
