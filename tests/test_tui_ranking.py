"""Pilot tests of the learnt parts of the TUI: "for you", similar papers, statistics, tags."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import OptionList, Static

from readlist import rankcache, ranking
from readlist.config import Config, TriageConfig
from readlist.library import SORT_KEYS, Library, RankingJob
from readlist.models import Annotation, Paper, paper_id
from readlist.ranking import NOT_ENOUGH, Ranking
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.screens.similar import SimilarPapers
from readlist.tui.screens.stats import StatsScreen, WeeklyChart
from readlist.tui.screens.tagbrowser import TagBrowser
from readlist.tui.screens.triage import TriageScreen
from readlist.tui.widgets.detail import DetailPane

from .test_ranking import LIKE_PROTEIN, LIKE_SPEECH, PAPERS, UNRELATED

RATINGS = {
    "title:acoustic": "5",
    "title:spoken": "4",
    "title:networks": "1",
    "title:molecular": "2",
}
"""Two speech papers loved, two protein papers disliked (see tests/test_ranking.py)."""


@pytest.fixture
def handmade(store: Store) -> Store:
    """The eight handmade papers of tests/test_ranking.py: speech, protein, gardening."""
    store.import_listings([PAPERS])
    return store


@pytest.fixture
def app(handmade: Store) -> ReadListApp:
    return ReadListApp(handmade, copy=lambda text, _t: "x", watch_interval=3600)


def status(app: ReadListApp) -> str:
    return str(app.query_one("#status", Static).render())


def detail(app: ReadListApp) -> str:
    return " ".join(app.query_one("#detail", DetailPane).text.split())


def titles(app: ReadListApp) -> list[str]:
    return [app.library.papers[i].title for i in app.papers.selection.rows]


async def rate(pilot, app: ReadListApp, ratings: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for query, stars in ratings.items():
        await pilot.press("slash", "ctrl+u", *query, "enter")
        assert app.shown == 1, query
        await pilot.press(stars)
    await pilot.press("escape")  # clears the filter
    assert app.shown == len(PAPERS)


async def cycle_to_for_you(pilot, app: ReadListApp) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*"s" * len(SORT_KEYS))  # the plain sorts, then "for you"
    assert app.sort == "for-you"
    await app.workers.wait_for_complete()
    await pilot.pause()


# -- "for you" -------------------------------------------------------------------------------


async def test_for_you_puts_the_paper_like_the_loved_ones_first(
    app: ReadListApp, handmade: Store
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, RATINGS)
        await cycle_to_for_you(pilot, app)
        assert "sorted by for you" in status(app)
        assert "ranking…" not in status(app)
        # The unrated papers: the speech one first, the protein one below the unrelated one.
        await pilot.press("slash", *"is:unrated", "enter")
        await app.settle()
        unrated = titles(app)
        assert unrated[0] == PAPERS[LIKE_SPEECH].title
        assert unrated.index(PAPERS[UNRELATED].title) < unrated.index(PAPERS[LIKE_PROTEIN].title)
        # Newest first, the speech paper was third of the four.
        assert app.library.order("date").index(LIKE_SPEECH) == 2
        # Its score, on demand in the details.
        assert app.papers.current == LIKE_SPEECH
        assert "for-you score +0." in detail(app)
    assert {a.rating for a in Store.open(handmade.paths.annotations).annotations().values()} == {
        5,
        4,
        1,
        2,
    }


async def test_too_little_signal_says_so_and_lists_newest_first(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, {"title:acoustic": "5"})  # one liked paper is not enough
        await cycle_to_for_you(pilot, app)
        assert NOT_ENOUGH in status(app)
        assert "sorted by newest first" in status(app)
        assert app.papers.selection.rows == app.library.order("date")
        assert "for-you score" not in detail(app)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Rankings wait (in their worker) until the event is set."""
    release = threading.Event()
    compute = Library.compute

    def slow(self: Library, job: RankingJob) -> Ranking | None:
        assert threading.current_thread() is not threading.main_thread()
        release.wait(10)
        return compute(self, job)

    monkeypatch.setattr(Library, "compute", slow)
    yield release
    release.set()


async def test_ranking_runs_in_a_worker_and_the_list_keeps_its_order_meanwhile(
    app: ReadListApp, held: threading.Event
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, RATINGS)
        await pilot.press(*"s" * (len(SORT_KEYS) - 1))  # the last plain sort: title A-Z
        await app.settle()
        by_title = titles(app)
        await pilot.press("s")
        await app.settle()
        await pilot.pause()
        assert "ranking…" in status(app)
        assert titles(app) == by_title  # the previous order, until the ranking is ready
        await pilot.press("g", "j")  # keys still work meanwhile
        await app.settle()
        assert app.papers.selection.cursor == 1
        held.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "ranking…" not in status(app)
        assert "sorted by for you" in status(app)
        assert titles(app) != by_title
        # A new rating re-ranks: until then, the last ranking's order stays.
        held.clear()
        ranked = titles(app)
        await pilot.press("g", "3")
        await app.settle()
        await pilot.pause()
        assert "ranking…" in status(app)
        assert titles(app) == ranked
        held.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "ranking…" not in status(app)


# -- similar papers ----------------------------------------------------------------------------


async def test_m_lists_similar_papers_with_reasons_and_enter_jumps_to_one(
    app: ReadListApp,
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        # A filter showing only the paper itself: the chosen neighbour is hidden by it.
        await pilot.press("slash", *"title:acoustic", "enter")
        await app.settle()
        assert app.shown == 1
        await pilot.press("m")
        await app.settle()
        screen = app.screen
        assert isinstance(screen, SimilarPapers)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.neighbours is not None
        near = [app.library.papers[n.position].title for n in screen.neighbours]
        # The other speech papers first; the gardening paper shares nothing.
        assert set(near[:3]) == {PAPERS[i].title for i in (1, 2, LIKE_SPEECH)}
        assert PAPERS[UNRELATED].title not in near
        assert "speech" in screen.neighbours[0].terms
        options = screen.query_one(OptionList)
        shown = str(options.get_option_at_index(0).prompt)
        assert near[0] in shown and "shares: " in shown and "speech" in shown
        await pilot.press("enter")
        await app.settle()
        assert not isinstance(app.screen, SimilarPapers)
        assert app.filter_bar.input.value == ""  # cleared: it hid the paper
        assert app.shown == len(PAPERS)
        assert app.library.papers[app.papers.current or 0].title == near[0]
        assert app.focused is app.papers


async def test_esc_closes_similar_papers_and_keeps_the_filter(app: ReadListApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"title:acoustic", "enter", "m")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await app.settle()
        assert not isinstance(app.screen, SimilarPapers)
        assert app.filter_bar.input.value == "title:acoustic"
        assert app.papers.current == 0


# -- statistics ------------------------------------------------------------------------------


def fixed_library() -> tuple[list[Paper], dict[str, Annotation]]:
    """40 papers added over ten weeks of autumn 2026, some read, rated and tagged.

    Every time is fixed (added and read), so the figures never depend on the clock.
    """
    start = datetime(2026, 9, 7, 10, tzinfo=UTC)  # a Monday
    authors = ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov")
    orgs = ("DeepMind", "Allen AI", None)
    cats = ("cs.CL", "cs.LG", "cs.CV", "stat.ML")
    papers, notes = [], {}
    for k in range(40):
        week = 9 - (39 - k) ** 2 // 160  # more papers lately
        added = start + timedelta(days=7 * week + k % 4)
        title = f"Paper {k:02d} on {cats[k % 4]}"
        p = Paper(
            id=paper_id(title),
            title=title,
            abstract=f"abstract {k}",
            published=added.date().isoformat(),
            added=added.isoformat(),
            authors=(authors[k % 5], authors[k % 3]),
            organization=orgs[k % 3],
            categories=(cats[k % 4],),
        )
        papers.append(p)
        tags = [t for t, every in (("nlp", 4), ("vision", 6), ("to-read", 10)) if k % every == 0]
        read = k % 3 == 0 and k < 36
        rating = (k * 7) % 6 if k % 5 else 0
        if tags or read or rating:
            when = added + timedelta(days=k * 5 % 40, hours=k % 5)
            notes[p.id] = Annotation(
                tags=tuple(tags), rating=rating, read=read, updated=when.isoformat()
            )
    return papers, notes


def stats_app(store: Store) -> ReadListApp:
    papers, notes = fixed_library()
    return ReadListApp(
        store, Library(papers, notes), copy=lambda text, _t: "x", watch_interval=3600
    )


async def test_S_shows_the_statistics_of_the_library(store: Store) -> None:
    app = stats_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("S")
        await app.settle()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.stats is not None
        assert (screen.stats.papers, screen.stats.read) == (40, 12)
        title = str(screen.query_one("#stats-title", Static).render())
        assert "40 papers, 12 read, 28 unread" in title
        weekly = str(screen.query_one(WeeklyChart).render())
        assert "2026-09-07" in weekly  # the first week, at the left of the axis
        tags = str(screen.query_one("#stats-tags", Static).render())
        assert tags.splitlines()[1].split()[:3] == ["nlp", "10", "7"]
        ratings = str(screen.query_one("#stats-ratings", Static).render())
        assert ratings.splitlines()[1].startswith("★★★★★      4 ██")
        assert ratings.splitlines()[-1] == "unrated   13"
        await pilot.press("escape")
        await app.settle()
        assert not isinstance(app.screen, StatsScreen)


# -- the tag browser -------------------------------------------------------------------------


@pytest.fixture
def tagged(handmade: Store) -> Store:
    handmade.update([PAPERS[0].id, PAPERS[1].id], lambda a: a.with_tags_added(["asr"]))
    handmade.update([PAPERS[1].id, PAPERS[3].id], lambda a: a.with_tags_added(["Protein"]))
    handmade.update([PAPERS[3].id], lambda a: a.with_read(True))
    return handmade


def tags_on_disk(store: Store) -> dict[str, tuple[str, ...]]:
    fresh = Store.open(store.paths.annotations).annotations()
    return {p.title: fresh[p.id].tags for p in PAPERS if p.id in fresh and fresh[p.id].tags}


async def test_b_lists_tags_with_counts_and_enter_filters_by_one(tagged: Store) -> None:
    app = ReadListApp(tagged, copy=lambda text, _t: "x", watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await app.settle()
        browser = app.screen
        assert isinstance(browser, TagBrowser)
        assert [(t.tag, t.count, t.unread) for t in browser.tags] == [
            ("asr", 2, 2),
            ("Protein", 2, 1),
        ]
        await pilot.press(*"prot")  # filter as you type
        await app.settle()
        assert [t.tag for t in browser.shown] == ["Protein"]
        await pilot.press("enter")
        await app.settle()
        assert not isinstance(app.screen, TagBrowser)
        assert app.filter_bar.input.value == "tag:Protein"
        assert sorted(titles(app)) == sorted([PAPERS[1].title, PAPERS[3].title])
        assert app.focused is app.papers


async def test_r_in_the_browser_renames_and_merges_a_tag_on_disk(tagged: Store) -> None:
    app = ReadListApp(tagged, copy=lambda text, _t: "x", watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b", "tab")  # to the list; "asr" (most used, first by name)
        await app.settle()
        browser = app.screen
        assert isinstance(browser, TagBrowser)
        assert browser.highlighted == "asr"
        await pilot.press("r")
        await app.settle()
        assert browser.renaming == "asr"
        await pilot.press("ctrl+u", *"speech", "enter")
        await app.settle()
        assert tags_on_disk(tagged) == {
            PAPERS[0].title: ("speech",),
            PAPERS[1].title: ("speech", "Protein"),
            PAPERS[3].title: ("Protein",),
        }
        assert [(t.tag, t.count) for t in browser.tags] == [("Protein", 2), ("speech", 2)]
        assert browser.highlighted == "speech"
        # Onto an existing tag (any case): a merge, keeping that tag's spelling.
        await pilot.press("r", "ctrl+u", *"protein", "enter")
        await app.settle()
        assert tags_on_disk(tagged) == {
            PAPERS[0].title: ("Protein",),
            PAPERS[1].title: ("Protein",),
            PAPERS[3].title: ("Protein",),
        }
        assert [(t.tag, t.count, t.unread) for t in browser.tags] == [("Protein", 3, 2)]
        # Not one tag: said, and nothing changes; the field stays open with what was typed.
        await pilot.press("r", "ctrl+u", *"two words", "enter")
        await app.settle()
        assert browser.renaming == "Protein"
        assert tags_on_disk(tagged)[PAPERS[3].title] == ("Protein",)
        await pilot.press("escape")  # closes the field
        await app.settle()
        assert browser.renaming is None and isinstance(app.screen, TagBrowser)
        await pilot.press("escape")
        await app.settle()
        assert not isinstance(app.screen, TagBrowser)
    assert app.library.annotation(PAPERS[0].id).tags == ("Protein",)


async def test_similar_papers_wait_for_the_abstracts_of_a_large_library(
    handmade: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    abstracts = Store.abstracts

    def slow(self: Store, pause: Callable[[], None] | None = None) -> dict[str, str]:
        release.wait(10)
        return abstracts(self, pause)

    monkeypatch.setattr(Store, "abstracts", slow)
    cache = rankcache.cache_path(handmade.paths.papers)
    app = ReadListApp(handmade, copy=lambda text, _t: "x", watch_interval=3600, stage_above=0)
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.abstracts_searched  # titles only, abstracts on their way
        await pilot.press("m")
        await app.settle()
        assert not isinstance(app.screen, SimilarPapers)
        assert not cache.exists()  # no features of a catalogue without abstracts
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.abstracts_searched
        await pilot.press("j", "m")  # from the gardening paper to one with neighbours
        await app.settle()
        assert isinstance(app.screen, SimilarPapers)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.neighbours
    assert cache.is_file()


async def test_statistics_of_an_empty_library_at_80_columns(store: Store) -> None:
    app = ReadListApp(store, copy=lambda text, _t: "x", watch_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await app.settle()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        assert screen.has_class("-narrow")  # the blocks one under the other
        assert str(screen.query_one(WeeklyChart).render()) == "No dated papers yet."
        assert "none yet" in str(screen.query_one("#stats-tags", Static).render())
        days = str(screen.query_one("#stats-days", Static).render())
        assert "No read paper with a known added time." in days


async def test_changes_while_ranking_start_one_more_ranking_not_one_each(
    app: ReadListApp, held: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    compute = Library.compute  # the held one

    def counted(self: Library, job: RankingJob) -> Ranking | None:
        started.append(job.generation)
        return compute(self, job)

    monkeypatch.setattr(Library, "compute", counted)
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, RATINGS)
        await pilot.press(*"s" * len(SORT_KEYS))
        await app.settle()
        await pilot.pause()
        assert len(started) == 1
        await pilot.press("g", "3", "j", "4", "j", "5")  # three changes while it runs
        await app.settle()
        await pilot.pause()
        assert len(started) == 1  # no thread per change
        held.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(started) == 2  # the first was stale: one more, from the last state
        assert started[-1] == app.library.generation
        assert "ranking…" not in status(app)
        assert app.library.ranked("for-you") is not None


async def test_quitting_stops_a_feature_build_in_its_worker(
    app: ReadListApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    tokens = ranking.tokens

    def slow(paper: Paper) -> list[str]:  # 0.4 s a paper: 3.2 s for the eight
        time.sleep(0.4)
        built.append(paper.id)
        return tokens(paper)

    monkeypatch.setattr(ranking, "tokens", slow)
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, RATINGS)
        built.clear()
        await pilot.press(*"s" * len(SORT_KEYS))
        await app.settle()
        await pilot.pause(0.5)
        assert 0 < len(built) < len(PAPERS)
        assert "ranking…" in status(app)
    # The worker's thread gives up at the next paper instead of building the rest
    # (Python would wait for it at exit: seconds at 100k).
    await asyncio.sleep(1.0)
    assert len(built) < len(PAPERS), f"{len(built)} papers built after quitting"


# -- triage in "for you" order -------------------------------------------------------------


def triage_header(app: ReadListApp) -> str:
    return str(app.screen.query_one("#triage-header", Static).render())


def triage_said(app: ReadListApp) -> str:
    return str(app.screen.query_one("#triage-said", Static).render())


def triage_walk(app: ReadListApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, TriageScreen)
    return [app.library.papers[app.library.position[pid]].title for pid in screen.walk]


async def open_triage(pilot, app: ReadListApp) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("T")
    await app.settle()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, TriageScreen)


async def test_triage_walks_for_you_from_the_best_paper_when_there_is_signal(
    app: ReadListApp, handmade: Store
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, RATINGS)
        await pilot.press("slash", *"is:unrated", "enter")  # the list: newest first
        await app.settle()
        assert titles(app)[0] == PAPERS[UNRELATED].title
        await open_triage(pilot, app)
        walk = triage_walk(app)
        assert walk[0] == PAPERS[LIKE_SPEECH].title  # third of four, newest first
        assert walk.index(PAPERS[UNRELATED].title) < walk.index(PAPERS[LIKE_PROTEIN].title)
        assert len(walk) == 4  # the filter's papers, no more
        assert triage_header(app).startswith("Triage · 1 / 4 · for you")
        assert "“for you” order" in triage_said(app)
        await pilot.press("d")  # decides for the paper shown: the speech one
        await app.settle()
        held = Store.open(handmade.paths.annotations).annotations()
        assert held[PAPERS[LIKE_SPEECH].id].dismissed
        assert triage_header(app).startswith("Triage · 2 / 4 · for you")
        await pilot.press("escape")
        await app.settle()
        assert app.sort == "date"  # the list keeps its own sort


async def test_triage_walks_the_list_order_with_too_little_signal_and_says_why(
    app: ReadListApp,
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, {"title:acoustic": "5"})  # one liked paper is not enough
        listed = titles(app)
        await pilot.press("g", "j")
        await open_triage(pilot, app)
        assert triage_walk(app) == listed
        assert triage_header(app).startswith("Triage · 2 / 8   ")  # from the highlighted one
        assert "for you" not in triage_header(app)
        assert NOT_ENOUGH in triage_said(app)
        await pilot.press("s")
        await app.settle()
        assert NOT_ENOUGH in triage_said(app)  # a skip writes nothing, says nothing
        await pilot.press("4")
        await app.settle()
        assert NOT_ENOUGH not in triage_said(app)  # once: the decisions' line now


async def test_triage_waits_for_a_ranking_in_flight_and_keys_decide_nothing_meanwhile(
    app: ReadListApp, handmade: Store, held: threading.Event
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, RATINGS)
        before = Store.open(handmade.paths.annotations).annotations()
        await pilot.press("T")
        await app.settle()
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        assert triage_header(app) == "Triage · ranking… — Esc leaves"
        await pilot.press("d", "l", "4", "s")  # nothing to decide on yet
        await app.settle()
        assert Store.open(handmade.paths.annotations).annotations() == before
        held.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert triage_header(app).startswith("Triage · 1 / 8 · for you")
        assert triage_walk(app)[0] != PAPERS[UNRELATED].title  # not the newest first
        # Leaving while it waits leaves the list as it was.
        await pilot.press("escape")
        await app.settle()
        held.clear()
        await pilot.press("g", "3")  # a change: the next pass needs a new ranking
        await app.settle()
        await pilot.press("T")
        await app.settle()
        await pilot.pause()
        assert triage_header(app).startswith("Triage · ranking…")
        await pilot.press("escape")
        await app.settle()
        assert app.screen is app.screen_stack[0]
        held.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is app.screen_stack[0]  # the ranking done did not reopen it


@pytest.mark.parametrize("why", ["config", "sort"])
async def test_triage_keeps_the_list_order_when_the_user_chose_it(
    handmade: Store, why: str
) -> None:
    config = Config(triage=TriageConfig(order="list")) if why == "config" else Config()
    app = ReadListApp(handmade, copy=lambda text, _t: "x", watch_interval=3600, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, RATINGS)
        if why == "sort":
            await pilot.press(*"s" * (len(SORT_KEYS) - 2))  # title A-Z
            assert app.sort == "title"
        listed = titles(app)
        await open_triage(pilot, app)
        assert triage_walk(app) == listed
        assert "for you" not in triage_header(app)
        assert triage_said(app) == ""


async def test_triage_begins_at_once_when_the_ranking_is_computed(
    app: ReadListApp, held: threading.Event
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await rate(pilot, app, RATINGS)
        held.set()
        await open_triage(pilot, app)
        first = triage_walk(app)
        await pilot.press("escape")
        await app.settle()
        held.clear()  # a new ranking would wait now: none is needed, nothing changed
        await pilot.press("T")
        await app.settle()
        await pilot.pause()
        assert triage_header(app).startswith("Triage · 1 / 8 · for you")
        assert triage_walk(app) == first
        await pilot.press("escape")
        # Sorted "for you" already: the same walk, from the highlighted paper.
        held.set()
        await cycle_to_for_you(pilot, app)
        assert titles(app) == first
        await pilot.press("g", "j", "j")
        await open_triage(pilot, app)
        assert triage_header(app).startswith("Triage · 3 / 8 · for you")
        assert triage_walk(app) == first
