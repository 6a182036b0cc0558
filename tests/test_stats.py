"""The statistics figures on a known library, and `readlist stats`."""

from __future__ import annotations

from datetime import date

from readlist.models import Annotation, Paper, paper_id
from readlist.stats import compute, report

from .conftest import RunCli


def paper(title: str, added: str, **fields: object) -> Paper:
    return Paper(id=paper_id(title), title=title, added=added, **fields)  # type: ignore[arg-type]


# Week of Monday 2026-11-02: three added; week of 2026-11-09: one; 2026-11-16: none;
# 2026-11-23: one. Two papers read (by their last change), one of them 7.5 days later.
A = paper("A", "2026-11-02T10:00:00+00:00", authors=("Ada", "Bo"), organization="Org1")
B = paper("B", "2026-11-03T10:00:00+00:00", authors=("Ada",), categories=("cs.CL", "cs.LG"))
C = paper("C", "2026-11-08T23:00:00+00:00", organization="Org1", categories=("cs.CL",))
D = paper("D", "2026-11-10T00:00:00+00:00")
E = paper("E", "2026-11-23T00:00:00+00:00")
NOTES = {
    A.id: Annotation(rating=5, read=True, tags=("ml",), updated="2026-11-09T22:00:00+00:00"),
    B.id: Annotation(rating=2, tags=("ML", "nlp"), updated="2026-11-04T00:00:00+00:00"),
    D.id: Annotation(rating=5, read=True, updated="2026-11-24T12:00:00+00:00"),
    "f" * 16: Annotation(rating=1, read=True),  # a paper no longer in the catalogue
}


def test_figures_on_a_known_library() -> None:
    stats = compute([A, B, C, D, E], NOTES)
    assert (stats.papers, stats.read, stats.unread) == (5, 2, 3)
    weeks = [(w.start, w.added, w.read, w.backlog) for w in stats.weeks]
    assert weeks == [
        (date(2026, 11, 2), 3, 0, 3),
        (date(2026, 11, 9), 1, 1, 3),  # A read on Monday 9 November at 22:00
        (date(2026, 11, 16), 0, 0, 3),  # an empty week is shown, not skipped
        (date(2026, 11, 23), 1, 1, 3),
    ]
    assert stats.ratings == (2, 0, 1, 0, 0, 2)
    assert [(t.tag, t.count, t.unread) for t in stats.tags] == [("ml", 2, 1), ("nlp", 1, 1)]
    assert stats.authors == (("Ada", 2), ("Bo", 1))
    assert stats.organizations == (("Org1", 2),)
    assert stats.categories == (("cs.CL", 2),)  # the primary category only
    assert stats.days_to_read == (7.5, 14.5)
    assert stats.median_days_to_read == 11.0


def test_report_prints_every_section() -> None:
    text = "\n".join(report(compute([A, B, C, D, E], NOTES)))
    assert "5 papers, 2 read, 3 unread" in text
    assert "2026-11-09       1      1        3" in text
    for heading in ("ratings", "top tags", "top organisations", "top authors", "top categories"):
        assert f"\n{heading}" in text
    assert "median 11.0 days over 2 read papers (fastest 7.5, slowest 14.5)" in text


def test_an_empty_library_has_figures_too() -> None:
    stats = compute([], {})
    assert stats.weeks == () and stats.median_days_to_read is None
    assert "(no dated papers)" in "\n".join(report(stats))


def test_cli_stats_counts_the_library(cli: RunCli) -> None:
    from .conftest import DAILY, SEARCH

    assert cli("import", str(DAILY), str(SEARCH)).returncode == 0
    assert cli("rate", "hft", "4").returncode == 0
    assert cli("read", "hft").returncode == 0
    result = cli("stats")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("101 papers, 1 read, 100 unread\n")
    assert "  ★★★★       1  " in result.stdout
