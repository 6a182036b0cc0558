"""Titles searched at arXiv in batches (`ti:"…" OR ti:"…"`), against the fake of test_enrich.

The fake parses the OR query as arXiv does (a phrase must appear word for word in an
entry's title, so a short title also finds the longer ones containing it) and honours
`max_results`; these tests add their own entries to it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from readlist.cli import main
from readlist.enrich import Fetcher, enrich, sources
from readlist.models import Paper
from readlist.store import Store

from . import test_enrich
from .conftest import library_bytes
from .test_enrich import FakeApis, arxiv_entry, listed, papers, stop

apis = test_enrich.apis  # the fake services, as a fixture here too


def title(n: int) -> str:
    return f"Sparse Routing Study {n}: Long Context, Number {n}"


def fifty(apis: FakeApis) -> list[Paper]:
    """50 undated titles without ids, each known to arXiv under its own id and author."""
    apis.entries += [arxiv_entry(f"2310.{10000 + n}", title(n), f"Author {n}") for n in range(50)]
    return [listed(title(n)) for n in range(50)]


def searches(apis: FakeApis) -> list[str]:
    """The `search_query` of each arXiv title search the fake was asked."""
    return [
        parse_qs(urlsplit(line).query)["search_query"][0]
        for line in apis.log
        if "search_query=" in line
    ]


def test_fifty_titles_take_two_arxiv_requests_and_each_paper_gets_its_own_entry(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    library = fifty(apis)
    store.import_listings([library])
    assert main(["--db", str(db), "enrich"]) == 0
    out = capsys.readouterr().out
    assert "enriched 50 papers (0 found on Hugging Face, 50 on arXiv; 2 requests)" in out
    after = papers(db)
    for n, paper in enumerate(library):
        assert after[paper.id].arxiv_id == f"2310.{10000 + n}"
        assert after[paper.id].authors == (f"Author {n}",)
        assert after[paper.id].categories == ("cs.LG",)
    assert [q.count('ti:"') for q in searches(apis)] == [25, 25]
    assert len(apis.log) == 2 and all(len(line) <= sources.ARXIV_URL_LIMIT for line in apis.log)


def test_long_titles_split_a_batch_to_keep_the_url_bounded(apis: FakeApis, tmp_path: Path) -> None:
    long = [listed(f"{title(n)} " + " ".join(["Transformers"] * 40)) for n in range(20)]
    apis.entries += [arxiv_entry(f"2311.{10000 + n}", p.title) for n, p in enumerate(long)]
    found = enrich(long, Fetcher(tmp_path / "c", arxiv_delay=0))
    assert found.found == 20
    assert len(apis.log) > 1 and sum(q.count('ti:"') for q in searches(apis)) == 20
    assert all(len(line) <= sources.ARXIV_URL_LIMIT for line in apis.log)


def test_quotes_colons_and_parentheses_in_a_title_keep_the_query_valid(
    apis: FakeApis, tmp_path: Path
) -> None:
    odd = 'Say "Cheese": Parenthetical (Remarks) [on] Queries? A* Search & More'
    apis.entries.append(arxiv_entry("2312.00001", odd, "Quinn Quote"))
    found = enrich([listed(odd), test_enrich.SOLO], Fetcher(tmp_path / "c", arxiv_delay=0))
    [query] = searches(apis)
    assert query == (
        'ti:"Say Cheese Parenthetical Remarks on Queries A Search More" '
        'OR ti:"Only arXiv Knows This One"'
    )
    assert {p.arxiv_id for p in found.arxiv} == {"2312.00001", "2310.00003"}
    assert not found.unmatched and apis.count("/api/papers/search") == 0


def test_titles_a_word_apart_are_not_swapped_and_a_shorter_one_is_not_attached(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    models = listed("Sparse Routing for Long Context Models")
    agents = listed("Sparse Routing for Long Context Agents")
    short = listed("Sparse Routing for Long Context")  # its phrase finds both others
    apis.entries += [
        arxiv_entry("2401.00011", agents.title, "Ada Agents"),
        arxiv_entry("2401.00012", models.title, "Mo Models"),
    ]
    store.import_listings([[models, agents, short]])
    assert main(["--db", str(db), "enrich"]) == 0
    out = capsys.readouterr().out
    after = papers(db)
    assert (after[models.id].arxiv_id, after[models.id].authors) == ("2401.00012", ("Mo Models",))
    assert (after[agents.id].arxiv_id, after[agents.id].authors) == ("2401.00011", ("Ada Agents",))
    assert after[short.id].arxiv_id is None and after[short.id].authors == ()
    assert len(searches(apis)) == 1  # all three in one request
    assert f"1 paper not found on Hugging Face or arXiv, left alone: {short.title}\n" in out
    assert apis.count("/api/papers/search") == 1  # only the short one asked there too


def test_a_429_on_the_second_batch_is_retried_and_then_everything_is_written(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    library = fifty(apis)[:30]
    store.import_listings([library])
    apis.queued["/api/query"] = [(None, "", 0.0), (429, "Rate exceeded.", 0.0)]
    assert main(["--db", str(db), "enrich"]) == 0
    assert "enriched 30 papers (0 found on Hugging Face, 30 on arXiv; 3 requests)" in (
        capsys.readouterr().out
    )
    assert [q.count('ti:"') for q in searches(apis)] == [25, 5, 5]  # the 5 asked twice
    assert all(p.arxiv_id for p in papers(db).values())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<feed><entry>cut off", "arXiv: the answer is not an Atom feed"),
        ("Rate exceeded.", "arXiv: the answer is not an Atom feed"),
        (
            test_enrich.error_feed("syntax error in search_query"),
            "arXiv: the title search was refused (syntax error in search_query)",
        ),
    ],
)
def test_a_malformed_batch_answer_leaves_the_library_unchanged_in_one_line(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str],
    body: str, message: str,
) -> None:  # fmt: skip
    store.import_listings([fifty(apis)])
    before = library_bytes(db)
    apis.queued["/api/query"] = [(None, "", 0.0), (200, body, 0.0)]  # the second batch
    assert main(["--db", str(db), "enrich"]) == 1
    err = capsys.readouterr().err
    assert err == f"readlist: {message}: 50 papers left as they were\n"
    assert library_bytes(db) == before
    # The bad answer was not cached: with arXiv well again, the run completes.
    assert main(["--db", str(db), "enrich"]) == 0
    assert all(p.arxiv_id for p in papers(db).values())


def test_the_cache_serves_a_rerun_of_some_of_the_titles_with_no_request(
    apis: FakeApis, tmp_path: Path
) -> None:
    library = [*fifty(apis), listed("Nobody Wrote This One")]
    first = enrich(library, Fetcher(tmp_path / "c", arxiv_delay=0))
    assert first.found == 50 and [p.title for p in first.unmatched] == ["Nobody Wrote This One"]
    stop(apis)
    some = library[7:13] + library[-1:]  # a subset: no batch of the first run is this one
    fetcher = Fetcher(tmp_path / "c", arxiv_delay=0)
    again = enrich(some, fetcher)
    assert fetcher.requests == 0
    assert again.arxiv == [p for p in first.arxiv if p.id in {q.id for q in some}]
    assert [p.title for p in again.unmatched] == ["Nobody Wrote This One"]


def test_a_full_answer_asks_the_titles_it_did_not_find_again_alone(
    apis: FakeApis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "ARXIV_PER_TITLE", 2)
    apis.entries += [
        arxiv_entry("2402.00001", "Tiny Routing Revisited"),
        arxiv_entry("2402.00002", "Tiny Routing Again"),
        arxiv_entry("2402.00003", "Tiny Routing, Once More"),
        arxiv_entry("2402.00004", "Tiny Routing"),
        arxiv_entry("2402.00005", "Another Title Entirely"),
    ]
    wanted = [listed("Tiny Routing"), listed("Another Title Entirely")]
    found = enrich(wanted, Fetcher(tmp_path / "c", arxiv_delay=0))
    # The batch's 4 places went to "tiny routing" titles: the other title, unseen, is
    # asked again alone rather than reported unmatched.
    assert searches(apis) == [
        'ti:"Tiny Routing" OR ti:"Another Title Entirely"',
        'ti:"Another Title Entirely"',
    ]
    assert sorted(p.arxiv_id or "" for p in found.arxiv) == ["2402.00004", "2402.00005"]


def test_two_arxiv_papers_with_the_title_leave_it_ambiguous_without_asking_hugging_face(
    apis: FakeApis, tmp_path: Path
) -> None:
    twice = listed("Routing Twice Over")
    apis.entries += [
        arxiv_entry("2403.00001", "Routing Twice Over", "First Author"),
        arxiv_entry("2403.00002", "Routing twice over!", "Second Author"),
    ]
    found = enrich([twice], Fetcher(tmp_path / "c", arxiv_delay=0))
    assert found.found == 0 and found.ambiguous == [twice]
    assert apis.count("/api/papers/search") == 0 and len(apis.log) == 1
