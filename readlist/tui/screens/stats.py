"""The statistics screen (`S`): the figures of `readlist.stats`, drawn as charts.

Drawn with Textual's own widgets and block characters rather than plotext: the charts
here are column charts and horizontal bars, which need a few lines each, and
textual-plotext 1.0.1 (its Textual wrapper, last released in 2024) pins plotext below 6,
keeps its themes in plotext's module-level table, and follows the Textual theme for the
background only, not for what is plotted. Every colour here is a theme variable.

The figures are computed in a worker (a pass over every paper and annotation), and
charts are drawn for the width they get, so they fit any terminal. Nothing depends on
the clock: weeks run from the first to the last week with an added or read paper.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from readlist.models import MAX_RATING
from readlist.stats import Stats, Week
from readlist.text import strip_controls

BLOCKS = " ▁▂▃▄▅▆▇█"
CHART_HEIGHT = 5
BAR_WIDTH = 16
SHOWN = 8
WIDE = 110
"""Columns needed for the blocks under the charts to sit side by side."""
"""Entries shown of each top list (the screen holds four of them)."""
DAY_BUCKETS: tuple[tuple[str, float], ...] = (
    ("same day", 1.0),
    ("within a week", 7.0),
    ("within a month", 31.0),
    ("later", float("inf")),
)


def columns(values: Sequence[int], height: int) -> list[list[str]]:
    """Column chart cells: rows (top first) of one block character per value.

    A column is `height` rows of eighths; a value above zero shows at least one eighth.
    """
    top = max(values, default=0)
    eighths = [0 if not v or not top else max(1, round(v / top * height * 8)) for v in values]
    rows = []
    for row in range(height):
        floor = (height - 1 - row) * 8
        rows.append([BLOCKS[max(0, min(8, e - floor))] for e in eighths])
    return rows


def hbar(value: int, largest: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a cell, `width` cells for `largest`."""
    if not value or not largest:
        return ""
    eighths = max(1, round(width * 8 * value / largest))
    full, part = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")


class WeeklyChart(Widget):
    """Added and read per week (paired columns) and the unread backlog, to the width."""

    DEFAULT_CSS = """
    WeeklyChart { height: auto; }
    """

    def __init__(self, weeks: Sequence[Week], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.weeks = list(weeks)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 2 * (CHART_HEIGHT + 2) + 1 if self.weeks else 1

    def render(self) -> Content:
        if not self.weeks:
            return Content("No dated papers yet.")
        width = max(self.content_region.width, 12)
        weeks = self.weeks[-max(1, width // 3) :]  # at least three cells a week
        # Each week: an added and a read column, `bar` cells wide each, and a gap.
        bar = max(1, min(4, (width // len(weeks) - 1) // 2))
        added = columns([w.added for w in weeks], CHART_HEIGHT)
        read = columns([w.read for w in weeks], CHART_HEIGHT)
        backlog = columns([w.backlog for w in weeks], CHART_HEIGHT)
        most = max(max(w.added for w in weeks), max(w.read for w in weeks))
        lines = [
            Content.assemble(
                ("Added", "bold $text-accent"),
                " and ",
                ("read", "bold $text-success"),
                f" per week (most: {most:,})",
            )
        ]
        for a_row, r_row in zip(added, read, strict=True):
            parts: list[tuple[str, str] | str] = []
            for a, r in zip(a_row, r_row, strict=True):
                parts += [(a * bar, "$text-accent"), (r * bar, "$text-success"), " "]
            lines.append(Content.assemble(*parts))
        lines.append(self._axis(weeks, bar))
        top_backlog = max(w.backlog for w in weeks)
        lines += [
            Content(""),
            Content.assemble(
                ("Unread backlog", "bold $text-warning"),
                f" at the end of each week (now {weeks[-1].backlog:,}, most {top_backlog:,})",
            ),
        ]
        for row in backlog:
            lines.append(
                Content.assemble(*((cell * 2 * bar + " ", "$text-warning") for cell in row))
            )
        lines.append(self._axis(weeks, bar))
        return Content("\n").join(lines)

    @staticmethod
    def _axis(weeks: Sequence[Week], bar: int) -> Content:
        first, last = weeks[0].start.isoformat(), weeks[-1].start.isoformat()
        span = (2 * bar + 1) * len(weeks) - 1
        if len(weeks) == 1 or span < len(first) + len(last) + 1:
            return Content.styled(f"week of {last}", "$text-muted")
        return Content.styled(first + " " * (span - len(first) - len(last)) + last, "$text-muted")


def _heading(text: str) -> Content:
    return Content.styled(text, "bold $text-primary")


def ratings_block(stats: Stats) -> Content:
    lines = [_heading("Ratings")]
    rated_max = max(stats.ratings[1:], default=0)
    for r in range(MAX_RATING, 0, -1):
        count = stats.ratings[r]
        lines.append(
            Content.assemble(
                ("★" * r + "☆" * (MAX_RATING - r), "$text-warning"),
                f" {count:>6,} ",
                (hbar(count, rated_max), "$text-warning"),
            )
        )
    lines.append(Content.styled(f"unrated {stats.ratings[0]:>4,}", "$text-muted"))
    return Content("\n").join(lines)


def time_to_read_block(stats: Stats) -> Content:
    lines = [_heading("Time from added to read")]
    days = stats.days_to_read
    if not days:
        lines.append(Content.styled("No read paper with a known added time.", "$text-muted"))
        return Content("\n").join(lines)
    counts = [0] * len(DAY_BUCKETS)
    for d in days:
        counts[next(i for i, (_, limit) in enumerate(DAY_BUCKETS) if d < limit)] += 1
    largest = max(counts)
    for (label, _), count in zip(DAY_BUCKETS, counts, strict=True):
        lines.append(
            Content.assemble(f"{label:<14}{count:>6,} ", (hbar(count, largest), "$text-success"))
        )
    middle = stats.median_days_to_read or 0.0
    lines.append(
        Content.styled(
            f"median {middle:.1f} days (from {days[0]:.1f} to {days[-1]:.1f})",
            "$text-muted",
        )
    )
    return Content("\n").join(lines)


def top_block(title: str, items: Sequence[tuple[str, int]], extra: Sequence[str] = ()) -> Content:
    """A top list: name, count, bar; `extra` is a column after the count (unread)."""
    lines = [_heading(title)]
    if not items:
        lines.append(Content.styled("none yet", "$text-muted"))
        return Content("\n").join(lines)
    shown = list(items)[:SHOWN]
    largest = max(n for _, n in shown)
    name_width = min(22, max(len(name) for name, _ in shown))
    for i, (name, n) in enumerate(shown):
        label = strip_controls(name)
        label = label if len(label) <= name_width else label[: name_width - 1] + "…"
        parts: list[tuple[str, str] | str] = [f"{label:<{name_width}} {n:>5,} "]
        if extra:
            parts.append((f"{extra[i]:>5} ", "$text-muted"))
        parts.append((hbar(n, largest, 10), "$text-accent"))
        lines.append(Content.assemble(*parts))
    return Content("\n").join(lines)


class StatsScreen(Screen[None]):
    """Esc (or S, or q) closes; the figures come from `compute`, run in a worker."""

    DEFAULT_CSS = """
    StatsScreen { background: $surface; }
    StatsScreen #stats-title { padding: 0 1; background: $panel; color: $text; }
    StatsScreen #stats-body { padding: 0 1; }
    StatsScreen #stats-state { color: $text-muted; }
    StatsScreen #stats-columns { height: auto; margin-top: 1; }
    StatsScreen #stats-columns > Vertical { width: 1fr; height: auto; padding-right: 2; }
    /* Below WIDE columns the three columns of blocks would wrap: one under the other. */
    StatsScreen.-narrow #stats-columns { layout: vertical; }
    StatsScreen.-narrow #stats-columns > Vertical { width: 100%; }
    StatsScreen #stats-columns Static { margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,S,q", "close", "Close", priority=True),
    ]

    def __init__(self, compute: Callable[[], Stats]) -> None:
        super().__init__()
        self._compute = compute
        self.stats: Stats | None = None
        """None until computed."""

    def compose(self) -> ComposeResult:
        yield Static(Content("Statistics · Esc closes"), id="stats-title")
        with VerticalScroll(id="stats-body"):
            yield Static(Content("Computing the figures…"), id="stats-state")

    def on_mount(self) -> None:
        self.set_class(self.size.width < WIDE, "-narrow")
        self._run()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < WIDE, "-narrow")

    @work(thread=True, exclusive=True)
    def _run(self) -> None:
        stats = self._compute()
        self.app.call_from_thread(self._show, stats)

    def _show(self, stats: Stats) -> None:
        self.stats = stats
        self.query_one("#stats-title", Static).update(
            Content.assemble(
                ("Statistics", "bold"),
                f" · {stats.papers:,} papers, {stats.read:,} read, {stats.unread:,} unread"
                " · Esc closes",
            )
        )
        body = self.query_one("#stats-body", VerticalScroll)
        self.query_one("#stats-state").remove()
        tags = top_block(
            "Top tags (papers, unread)",
            [(t.tag, t.count) for t in stats.tags],
            [f"{t.unread:,}" for t in stats.tags],
        )
        organisations = top_block("Top organisations", stats.organizations)
        body.mount_all(
            [
                WeeklyChart(stats.weeks, id="stats-weekly"),
                Horizontal(
                    Vertical(
                        Static(ratings_block(stats), id="stats-ratings"),
                        Static(time_to_read_block(stats), id="stats-days"),
                    ),
                    Vertical(
                        Static(tags, id="stats-tags"),
                        Static(top_block("Top categories", stats.categories), id="stats-cats"),
                    ),
                    Vertical(
                        Static(top_block("Top authors", stats.authors), id="stats-authors"),
                        Static(organisations, id="stats-orgs"),
                    ),
                    id="stats-columns",
                ),
            ]
        )

    def action_close(self) -> None:
        self.dismiss(None)
