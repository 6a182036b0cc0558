"""Figures about the reader's habits, computed from the library: for `readlist stats` and
a statistics screen (which draws the same `Stats`).

The library records when a paper was added (`Paper.added`) but not when it was read:
an annotation carries only the time it was last changed (`Annotation.updated`). A read
paper's read time is taken to be that time, which is exact for a paper marked read and
then left alone, and too late for one rated or tagged after reading. Papers without an
`added` time (none from an import of this version) are left out of the weekly figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from readlist.models import MAX_RATING, Annotation, Paper
from readlist.tags import TagCount, tag_counts

_EMPTY = Annotation()
TOP = 10


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    """The Monday the week starts on."""
    added: int
    read: int
    backlog: int
    """Papers added up to the end of this week and not read by then."""


@dataclass(frozen=True, slots=True)
class Stats:
    papers: int
    read: int
    weeks: tuple[Week, ...]
    ratings: tuple[int, ...]
    """ratings[r] = papers rated r (ratings[0]: unrated)."""
    tags: tuple[TagCount, ...]
    authors: tuple[tuple[str, int], ...]
    organizations: tuple[tuple[str, int], ...]
    categories: tuple[tuple[str, int], ...]
    days_to_read: tuple[float, ...]
    """Days from added to read (see the module docstring), one per read paper known."""

    @property
    def unread(self) -> int:
        return self.papers - self.read

    @property
    def median_days_to_read(self) -> float | None:
        return median(self.days_to_read) if self.days_to_read else None


def _when(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def _monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def compute(papers: Sequence[Paper], annotations: Mapping[str, Annotation]) -> Stats:
    """The figures for `papers` (removed papers should be left out by the caller)."""
    ids = {p.id for p in papers}
    mine = {pid: a for pid, a in annotations.items() if pid in ids}
    added_at = {p.id: _when(p.added) for p in papers}
    read_at = {pid: _when(a.updated) for pid, a in mine.items() if a.read}
    added_weeks = Counter(_monday(t) for t in added_at.values() if t)
    read_weeks = Counter(_monday(t) for t in read_at.values() if t)
    weeks: list[Week] = []
    if added_weeks or read_weeks:
        first = min((*added_weeks, *read_weeks))
        last = max((*added_weeks, *read_weeks))
        backlog = 0
        week = first
        while week <= last:
            backlog += added_weeks[week] - read_weeks[week]
            weeks.append(Week(week, added_weeks[week], read_weeks[week], backlog))
            week += timedelta(days=7)
    ratings = [0] * (MAX_RATING + 1)
    for paper in papers:
        ratings[mine.get(paper.id, _EMPTY).rating] += 1
    days = []
    for pid, read in read_at.items():
        added = added_at.get(pid)
        if read and added and read >= added:
            days.append((read - added).total_seconds() / 86400)
    return Stats(
        papers=len(papers),
        read=len(read_at),
        weeks=tuple(weeks),
        ratings=tuple(ratings),
        tags=tuple(tag_counts(mine)[:TOP]),
        authors=_top(a for p in papers for a in p.authors),
        organizations=_top(p.organization for p in papers if p.organization),
        categories=_top(p.categories[0] for p in papers if p.categories),
        days_to_read=tuple(sorted(days)),
    )


def _top(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))[:TOP])


def bar(value: int, largest: int, width: int = 30) -> str:
    """A text bar of `value` out of `largest`, `width` cells at most."""
    if not value or not largest:
        return ""
    return "█" * max(1, round(width * value / largest))


def report(stats: Stats) -> list[str]:
    """The figures as lines of text (what `readlist stats` prints)."""
    lines = [
        f"{stats.papers:,} papers, {stats.read:,} read, {stats.unread:,} unread",
        "",
        "per week (read = marked read; the time of the paper's last change is used)",
        f"  {'week of':<10}  {'added':>6}  {'read':>5}  {'backlog':>7}",
    ]
    top_added = max((w.added for w in stats.weeks), default=0)
    for week in stats.weeks:
        lines.append(
            f"  {week.start.isoformat():<10}  {week.added:>6}  {week.read:>5}  "
            f"{week.backlog:>7}  {bar(week.added, top_added, 20)}"
        )
    if not stats.weeks:
        lines.append("  (no dated papers)")
    lines += ["", "ratings"]
    rated_max = max(stats.ratings[1:], default=0)
    for r in range(MAX_RATING, 0, -1):
        lines.append(f"  {'★' * r:<5}  {stats.ratings[r]:>5}  {bar(stats.ratings[r], rated_max)}")
    lines.append(f"  unrated  {stats.ratings[0]:>5}")
    lines += ["", "top tags (papers, unread)"]
    lines += [f"  #{t.tag:<24} {t.count:>5}  {t.unread:>5}" for t in stats.tags] or ["  (none)"]
    for title, items in (
        ("top organisations", stats.organizations),
        ("top authors", stats.authors),
        ("top categories", stats.categories),
    ):
        if items:
            lines += ["", title]
            lines += [f"  {name[:40]:<40} {n:>5}" for name, n in items]
    lines += ["", "time from added to read"]
    if (middle := stats.median_days_to_read) is not None:
        lines.append(
            f"  median {middle:.1f} days over {len(stats.days_to_read)} read papers "
            f"(fastest {stats.days_to_read[0]:.1f}, slowest {stats.days_to_read[-1]:.1f})"
        )
    else:
        lines.append("  (no read paper with a known added time)")
    return lines
