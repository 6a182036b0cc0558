"""Papers built when first asked for: the catalogue of a TUI start, before the first frame.

A first frame shows some forty rows of a library of 100,000 papers, but building every
`Paper` took ~0.2-0.5 s of it. `LazyPapers` is a sequence of papers over the rows the
store read (its start file, or without a current one the papers file's documents, checked
first: store/startfile.py) that builds a paper the first time it is
indexed, with the builder every read uses (so it is the object the store would have
built), and keeps it. What needs one field of every paper (the ids, the sort keys, the
titles to search) reads that field from the rows (`values`), building nothing.

Anything else that walks the whole sequence (a field filter, the ranking's features,
statistics) builds every paper once, as the eager read did; the staged start replaces the
sequence with built papers, abstracts and all, when the background stage is done
(`LibrarySession.load_catalogue`). The domain reads it only through `Sequence[Paper]`,
`ids_of` and `values`: it never knows where the rows came from (`Rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from typing import Any, Protocol, overload

from readlist.gcutil import gc_paused
from readlist.models import Paper

_STEP = 512  # papers built between two pauses (~2.5 ms)

Builder = Callable[[str, str, Sequence[Any]], Paper]
"""`build(id, abstract, stored values)`: see `store.documents._paper_builder`."""


class Rows(Protocol):
    """The papers' stored values, in schema order, one row a paper, parsed on demand."""

    def __getitem__(self, i: int) -> Sequence[Any]: ...

    def all(self, pause: Callable[[], None] | None = None) -> Sequence[Sequence[Any]]:
        """Every row (parsed at once: faster than one by one); `pause()`, if given, is
        called between the parts parsed (a background stage: see session/gate.py)."""
        ...


class LazyPapers(Sequence[Paper]):
    """Papers `ids[i]` from `rows[i]`: values in the order of the field names `fields`;
    `columns` holds some fields' values for every paper already (the sort keys)."""

    def __init__(
        self,
        ids: list[str],
        rows: Rows,
        build: Builder,
        fields: Sequence[str],
        columns: Mapping[str, list[Any]],
    ) -> None:
        self.ids = ids
        self._rows = rows
        self._build = build
        self._where = {name: i for i, name in enumerate(fields)}
        self._columns = dict(columns)
        self._made: list[Paper | None] = [None] * len(ids)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, i: int) -> Paper: ...

    @overload
    def __getitem__(self, i: slice) -> list[Paper]: ...

    def __getitem__(self, i: int | slice) -> Paper | list[Paper]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.ids)))]
        paper = self._made[i]
        if paper is None:  # two threads may both build it: equal papers, one kept
            paper = self._made[i] = self._build(self.ids[i], "", self._rows[i])
        return paper

    def __iter__(self) -> Iterator[Paper]:
        made, rows, build, ids = self._made, self._rows.all(), self._build, self.ids
        with gc_paused():
            for i, row in enumerate(rows):
                paper = made[i]
                if paper is None:
                    paper = made[i] = build(ids[i], "", row)
                yield paper

    def column(self, name: str, pause: Callable[[], None] | None = None) -> list[Any]:
        """Every paper's stored value of the field `name`, in order, as stored (a list
        for a tuple field). `pause`: see `Rows.all`."""
        found = self._columns.get(name)
        if found is None:
            at = self._where[name]
            found = self._columns[name] = [row[at] for row in self._rows.all(pause)]
        return found

    def with_abstracts(
        self, abstracts: Mapping[str, str], pause: Callable[[], None] | None = None
    ) -> list[Paper]:
        """Every paper built with its abstract (new objects: those built already are not
        changed); `pause` is called every `_STEP` papers (a background stage lets a key
        go first: see session/gate.py)."""
        get, build, ids, rows = abstracts.get, self._build, self.ids, self._rows.all(pause)
        with gc_paused():
            if pause is None:
                return [build(pid, get(pid, ""), row) for pid, row in zip(ids, rows, strict=True)]
            if len(rows) != len(ids):
                raise ValueError(f"{len(rows)} rows for {len(ids)} papers")
            papers: list[Paper] = []
            for at in range(0, len(ids), _STEP):
                pause()
                papers += [
                    build(ids[i], get(ids[i], ""), rows[i])
                    for i in range(at, min(at + _STEP, len(ids)))
                ]
            return papers


def ids_of(papers: Sequence[Paper]) -> list[str]:
    """The papers' ids, in order (from the rows of `LazyPapers`: nothing built)."""
    if isinstance(papers, LazyPapers):
        return papers.ids
    return [p.id for p in papers]


def values(
    papers: Sequence[Paper], name: str, pause: Callable[[], None] | None = None
) -> list[Any]:
    """Every paper's `name` (a scalar field: a title, a date, a count), in order, without
    building `LazyPapers` (`pause`: see `Rows.all`)."""
    if isinstance(papers, LazyPapers):
        return papers.column(name, pause)
    return list(map(attrgetter(name), papers))
