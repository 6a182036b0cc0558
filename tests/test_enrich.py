"""`readlist enrich` against a fake Hugging Face + arXiv on 127.0.0.1 (never the network).

The server answers from tests/data/enrich/: Daily Papers pages by date, paper searches
by query, and an arXiv Atom feed filtered by `id_list` or by a title search
(`ti:"…" OR ti:"…"`, read as arXiv reads it: each quoted phrase must appear, word for
word, in an entry's title), in the shapes huggingface_hub's `PaperInfo` and arXiv's API
use. A test can add arXiv entries, and queue special answers (429, a malformed body, a
slow answer; None: the usual answer) for a path.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import pytest

from readlist.cli import main
from readlist.enrich import EnrichError, Fetcher, enrich
from readlist.models import Annotation, Paper, paper_id
from readlist.store import Store

from .conftest import library_bytes, readlist_command

DATA = Path(__file__).parent / "data" / "enrich"
ATOM = "{http://www.w3.org/2005/Atom}"


_PHRASE = re.compile(r'ti:"([^"]*)"')


def words(text: str) -> list[str]:
    """A title's words as a search engine indexes them: lower case, punctuation dropped."""
    return re.findall(r"[^\W_]+", text.lower())


def has_phrase(title: str, phrase: list[str]) -> bool:
    found = words(title)
    return any(found[i : i + len(phrase)] == phrase for i in range(len(found) - len(phrase) + 1))


def arxiv_entry(arxiv_id: str, title: str, *authors: str) -> str:
    """An Atom entry as arXiv writes one (for `FakeApis.entries`)."""
    names = "".join(f"<author><name>{escape(a)}</name></author>" for a in authors)
    return (
        f'<entry xmlns="{ATOM[1:-1]}" xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f"<id>http://arxiv.org/abs/{arxiv_id}v1</id><published>2023-10-02T00:00:00Z</published>"
        f"<title>{escape(title)}</title><summary>What {escape(title)} does.</summary>{names}"
        '<arxiv:primary_category term="cs.LG"/><category term="cs.LG"/></entry>'
    )


def daily_item(arxiv_id: str, title: str, day: str, *authors: str) -> dict[str, object]:
    """A Daily Papers entry as `/api/daily_papers` gives one (for `FakeApis.days`)."""
    names = [{"_id": f"a{n}", "name": name, "hidden": False} for n, name in enumerate(authors)]
    return {
        "paper": {"id": arxiv_id, "authors": names, "publishedAt": f"{day}T00:00:00.000Z",
                  "title": title, "summary": f"What {title} does.", "upvotes": 5},
        "publishedAt": f"{day}T02:00:00.000Z", "title": title,
        "summary": f"What {title} does.", "numComments": 1,
    }  # fmt: skip


def error_feed(message: str) -> str:
    """arXiv's answer to a query it cannot parse: HTTP 200, one entry named Error."""
    return (
        f'<feed xmlns="{ATOM[1:-1]}"><entry><id>http://arxiv.org/api/errors#bad_query</id>'
        f"<title>Error</title><summary>{escape(message)}</summary></entry></feed>"
    )


@dataclass
class FakeApis:
    port: int = 0
    log: list[str] = field(default_factory=list)
    queued: dict[str, list[tuple[int | None, str, float]]] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None
    entries: list[str] = field(default_factory=list)
    """More arXiv entries (`arxiv_entry`), after those of arxiv.xml."""
    days: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    """More Daily Papers (`daily_item`) by day, after those of the daily-*.json files."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, path: str) -> int:
        return sum(1 for line in self.log if urlsplit(line).path == path)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, str]:
        if path == "/api/daily_papers":
            return 200, json.dumps(self.daily(query))
        if path == "/api/papers/search":
            found = json.loads((DATA / "search.json").read_text()).get(query["q"][0], [])
            return 200, json.dumps(found)
        if path == "/api/query":
            return 200, self.feed(query)
        return 404, "{}"

    def daily(self, query: dict[str, list[str]]) -> list[dict[str, object]]:
        """A page of `/api/daily_papers` as huggingface_hub's `list_daily_papers` asks for
        it: one of date / week (YYYY-Www) / month (YYYY-MM), paged by `p` and `limit`."""
        papers: list[dict[str, object]] = []
        for page in sorted(DATA.glob("daily-*.json")):
            day = date.fromisoformat(page.stem.removeprefix("daily-"))
            year, week, _ = day.isocalendar()
            if (
                query.get("date") == [day.isoformat()]
                or query.get("week") == [f"{year}-W{week:02d}"]
                or query.get("month") == [day.isoformat()[:7]]
            ):
                papers += json.loads(page.read_text())
        papers += self.days.get(query.get("date", [""])[0], [])
        limit = int(query.get("limit", ["50"])[0])
        start = int(query.get("p", ["0"])[0]) * limit
        return papers[start : start + limit]

    def feed(self, query: dict[str, list[str]]) -> str:
        """The entries of `id_list`, or those with a title phrase of `search_query` (an
        OR of `ti:"…"`; a quote or parenthesis inside a phrase is a syntax error, as
        arXiv's parser pairs them first), at most `max_results` of them."""
        tree = ElementTree.parse(DATA / "arxiv.xml")
        root = tree.getroot()
        for extra in self.entries:
            root.append(ElementTree.fromstring(extra))
        ids = query.get("id_list", [""])[0].split(",")
        search = query.get("search_query", [""])[0]
        terms = [_PHRASE.fullmatch(term) for term in search.split(" OR ")] if search else []
        if any(m is None or set("()") & set(m[1]) for m in terms):
            return error_feed(f"syntax error in search_query: {search}")
        phrases = [words(m[1]) for m in terms if m is not None and words(m[1])]
        room = int(query.get("max_results", ["10"])[0])
        for entry in list(root.iter(f"{ATOM}entry")):
            arxiv_id = (entry.findtext(f"{ATOM}id") or "").rsplit("/", 1)[-1].split("v")[0]
            title = entry.findtext(f"{ATOM}title") or ""
            if room and (arxiv_id in ids or any(has_phrase(title, p) for p in phrases)):
                room -= 1
            else:
                root.remove(entry)
        return ElementTree.tostring(root, encoding="unicode")


@pytest.fixture
def apis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeApis]:
    fake = FakeApis()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.log.append(self.path)
            parts = urlsplit(self.path)
            queue = fake.queued.get(parts.path)
            queued = queue.pop(0) if queue else (None, "", 0.0)
            time.sleep(queued[2])
            if queued[0] is None:
                status, body = fake.answer(parts.path, parse_qs(parts.query))
            else:
                status, body = queued[0], queued[1]
            data = body.encode()
            self.send_response(status)
            if status in (429, 503):
                self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (the timeout test)
                self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.server, fake.port = server, server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", fake.url)
    monkeypatch.setenv("READLIST_ARXIV_API", f"{fake.url}/api/query")
    monkeypatch.setenv("READLIST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("READLIST_ARXIV_DELAY", "0")
    monkeypatch.delenv("READLIST_DB", raising=False)
    yield fake
    stop(fake)


def stop(fake: FakeApis) -> None:
    if fake.server is not None:
        fake.server.shutdown()
        fake.server.server_close()
        fake.server = None


def listed(title: str, published: str | None = None) -> Paper:
    return Paper(id=paper_id(title), title=title, published=published, authors_count=2)


DEPT = listed("DePT: Decomposed Prompt Tuning for Parameter-Efficient Fine-tuning", "2023-09-11")
MADLAD = listed("MADLAD-400: A Multilingual And Document-Level Large Audited Dataset", "2023-09-11")
PHI = listed("Textbooks Are All You Need II: phi-1.5 technical report", "2023-09-12")
ATTENTION = listed("Attention Is All You Need")  # two papers on Hugging Face have this title
GARDEN = listed("Scaling Laws for Tiny Gardens")  # only a near title exists
SOLO = listed("Only arXiv Knows This One")
LIBRARY = [DEPT, MADLAD, PHI, ATTENTION, GARDEN, SOLO]
NOTE = Annotation(tags=("peft",), rating=4, note="keep")


@pytest.fixture
def library(store: Store) -> Store:
    store.import_listings([LIBRARY])
    store.update([DEPT.id], lambda a: NOTE)
    return store


def papers(db: Path) -> dict[str, Paper]:
    return {p.id: p for p in Store.open(db).papers()}


def test_enrich_fills_in_names_ids_and_venues_and_leaves_the_rest_alone(
    library: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), "enrich"]) == 0
    out = capsys.readouterr().out
    after = papers(db)
    dept, madlad, phi, solo = (after[p.id] for p in (DEPT, MADLAD, PHI, SOLO))
    assert dept.authors == ("Zhengxiang Shi", "Aldo Lipani")
    assert (dept.arxiv_id, dept.upvotes, dept.comments) == ("2309.05173", 12, 3)
    assert dict(dept.said)["authors"] == "hf-api"
    assert madlad.organization == "Google" and madlad.arxiv_id == "2309.04662"
    # The daily page's papers are citable, but arXiv's details wait for --details.
    assert (dept.categories, madlad.venue, madlad.doi) == ((), None, None)
    assert phi.authors == ("Yuanzhi Li", "Sébastien Bubeck") and phi.arxiv_id == "2309.05463"
    assert solo.authors == ("Carla Solo",) and solo.categories == ("stat.ML",)
    # Ambiguous and near-miss titles: nothing attached.
    assert not after[ATTENTION.id].authors and after[ATTENTION.id].arxiv_id is None
    assert not after[GARDEN.id].authors and after[GARDEN.id].arxiv_id is None
    assert Store.open(db).annotations()[DEPT.id].tags == NOTE.tags
    assert Store.open(db).annotations()[DEPT.id].note == "keep"
    # One Daily Papers request for the shared day; one arXiv title search for the four
    # other titles; Hugging Face's search for the two arXiv does not know; no arXiv
    # request by id.
    assert apis.count("/api/daily_papers") == 1
    [titles] = [parse_qs(urlsplit(line).query) for line in apis.log if "search_query=" in line]
    assert titles["search_query"][0].count(" OR ") == 3 and PHI.title[:8] in str(titles)
    assert apis.count("/api/papers/search") == 2
    assert not [line for line in apis.log if "id_list=" in line]
    assert "enriched 4 papers (2 found on Hugging Face, 2 on arXiv; 4 requests)" in out
    assert (
        "1 paper not found on Hugging Face or arXiv, left alone: Scaling Laws for Tiny Gardens"
        in out
    )
    assert (
        "1 paper ambiguous (several papers have that title), left alone: Attention Is All You Need"
        in out
    )
    assert (
        "categories and DOI of 2 papers not fetched (one more arXiv request per 50): "
        "run `readlist enrich --details`\n" in out
    )
    # --details: one arXiv request by id for the two, and Hugging Face is not asked again.
    apis.log.clear()
    assert main(["--db", str(db), "enrich", "--details"]) == 0
    out = capsys.readouterr().out
    [id_list] = [line for line in apis.log if "id_list=" in line]
    assert "2309.05173" in id_list and "2309.04662" in id_list
    assert apis.count("/api/daily_papers") == 0 and len(apis.log) == 1  # the rest: cached
    after = papers(db)
    dept, madlad = after[DEPT.id], after[MADLAD.id]
    assert dept.categories == ("cs.CL", "cs.AI") and dict(dept.said)["categories"] == "arxiv-api"
    assert madlad.venue == "Advances in Neural Information Processing Systems 36 (NeurIPS 2023)"
    assert madlad.doi == "10.48550/arXiv.2309.04662"
    assert dept.authors == ("Zhengxiang Shi", "Aldo Lipani") and dept.upvotes == 12
    assert "enriched 2 papers (0 found on Hugging Face, 2 on arXiv; 1 request)" in out
    assert "not fetched" not in out
    assert Store.open(db).annotations()[DEPT.id].note == "keep"


def test_a_cached_run_works_with_the_server_gone(
    library: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), "enrich", "--details"]) == 0
    first = papers(db)
    stop(apis)
    capsys.readouterr()
    assert main(["--db", str(db), "enrich", "--again"]) == 0
    out = capsys.readouterr().out
    assert "0 requests" in out
    again = papers(db)
    assert again == first and again[SOLO.id].authors == ("Carla Solo",)
    assert isinstance(again[SOLO.id].authors, tuple)


def test_offline_is_one_line_exit_1_and_the_library_is_unchanged(
    library: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    stop(apis)
    before = library_bytes(db)
    assert main(["--db", str(db), "enrich"]) == 1
    err = capsys.readouterr().err
    assert re.match(r"readlist: no network: 127\.0\.0\.1:\d+ cannot be reached \(", err)
    assert err.endswith(": 6 papers left as they were\n") and err.count("\n") == 1
    assert library_bytes(db) == before


def test_429_then_success_retries(
    library: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    apis.queued["/api/daily_papers"] = [(429, "slow down", 0.0), (503, "busy", 0.0)]
    assert main(["--db", str(db), "enrich"]) == 0
    assert apis.count("/api/daily_papers") == 3
    assert papers(db)[DEPT.id].authors == ("Zhengxiang Shi", "Aldo Lipani")


def test_endless_429_gives_up_within_the_budget(apis: FakeApis, tmp_path: Path) -> None:
    apis.queued["/api/papers/search"] = [(429, "no", 0.0)] * 50
    waits: list[float] = []
    fetcher = Fetcher(tmp_path / "c", sleep=waits.append, arxiv_delay=0)
    with pytest.raises(EnrichError, match="still answering HTTP 429"):
        enrich([GARDEN], fetcher)
    assert sum(waits) <= fetcher.retry_budget and apis.count("/api/papers/search") <= 6


def test_a_malformed_body_is_a_clear_error_and_nothing_is_written(
    library: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    before = library_bytes(db)
    apis.queued["/api/papers/search"] = [(200, '{"error": "x"}', 0.0)]
    assert main(["--db", str(db), "enrich"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "readlist: Hugging Face paper search: the answer is not a list of papers: "
        "6 papers left as they were\n"
    )
    assert library_bytes(db) == before
    apis.queued["/api/query"] = [(200, "<feed><entry>cut off", 0.0)]  # the batch by id
    assert main(["--db", str(db), "enrich", "--details"]) == 1
    err = capsys.readouterr().err
    assert err == "readlist: arXiv: the answer is not an Atom feed: 6 papers left as they were\n"
    assert library_bytes(db) == before
    # Neither malformed answer was cached: with the server well again, it all works.
    assert main(["--db", str(db), "enrich"]) == 0
    assert papers(db)[SOLO.id].authors == ("Carla Solo",)


def test_a_timeout_is_reported(apis: FakeApis, tmp_path: Path) -> None:
    apis.queued["/api/papers/search"] = [(200, "[]", 2.0)]
    fetcher = Fetcher(tmp_path / "c", timeout=0.3, arxiv_delay=0)
    with pytest.raises(EnrichError, match=r"127\.0\.0\.1:\d+: no answer within 0\.3 s"):
        enrich([GARDEN], fetcher)


def test_empty_answers_leave_a_paper_unmatched(apis: FakeApis, tmp_path: Path) -> None:
    found = enrich([listed("Nothing Anywhere")], Fetcher(tmp_path / "c", arxiv_delay=0))
    assert found.found == 0 and [p.title for p in found.unmatched] == ["Nothing Anywhere"]


def test_arxiv_requests_are_paced(apis: FakeApis, tmp_path: Path) -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    fetcher = Fetcher(tmp_path / "c", sleep=sleep, clock=lambda: now[0])
    found = enrich([SOLO, replace(DEPT, arxiv_id="2309.05173")], fetcher)
    arxiv_requests = [line for line in apis.log if line.startswith("/api/query")]
    assert len(arxiv_requests) == 2  # SOLO by title, then DePT by id
    assert waits == [3.0] and found.found == 2


def test_fetch_daily_imports_the_page_with_names_and_ids(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), "fetch", "daily", "2023-09-11"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Daily Papers 2023-09-11: 3 papers (hf-api): 3 added, 0 updated")
    by_title = {p.title: p for p in Store.open(db).papers()}
    assert by_title[DEPT.title].authors == ("Zhengxiang Shi", "Aldo Lipani")
    assert by_title[DEPT.title].arxiv_id == "2309.05173"
    assert apis.count("/api/daily_papers") == 1
    # Met again through a pasted listing: the same paper, not a second one.
    store.import_listings([[DEPT]])
    assert len(Store.open(db).papers()) == 3


def test_add_by_id_or_url_goes_through_the_same_merge(
    library: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = ["https://arxiv.org/abs/2309.05173v5", "https://huggingface.co/papers/2310.00003"]
    assert main(["--db", str(db), "add", *urls]) == 0
    assert "arXiv: 2 papers (arxiv-api): 0 added, 2 updated" in capsys.readouterr().out
    after = papers(db)
    assert len(after) == len(LIBRARY)  # both were already listed: merged by title
    assert after[DEPT.id].categories == ("cs.CL", "cs.AI")
    assert Store.open(db).annotations()[DEPT.id].note == "keep"
    assert main(["--db", str(db), "add", "not-an-id"]) == 2
    assert "'not-an-id' is not an arXiv id or paper URL" in capsys.readouterr().err
    assert main(["--db", str(db), "add", "2399.99999"]) == 1
    assert capsys.readouterr().err == "readlist: arXiv knows no paper 2399.99999; nothing added\n"


def test_the_installed_command_reads_the_endpoints_from_its_environment(
    library: Store, db: Path, apis: FakeApis, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "HF_ENDPOINT": apis.url,
        "READLIST_ARXIV_API": f"{apis.url}/api/query",
        "READLIST_CACHE": str(tmp_path / "cache2"),
        "READLIST_ARXIV_DELAY": "0",
    }
    result = subprocess.run(
        [*readlist_command(), "--db", str(db), "enrich", "tiny gardens"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("enriched 0 papers (0 found on Hugging Face, 0 on arXiv;")
    assert "Scaling Laws for Tiny Gardens" in result.stdout
    assert apis.count("/api/papers/search") == 1


async def test_o_opens_the_arxiv_page_of_an_enriched_paper(store: Store) -> None:
    from readlist.tui.app import ReadListApp

    from .test_tui import Recorder, go_to

    code = "https://github.com/ZhengxiangShi/DePT"
    store.import_listings([[replace(DEPT, links=(code,)), replace(MADLAD, links=(code,))]])
    store.import_listings([[replace(DEPT, arxiv_id="2309.05173")]])
    recorder = Recorder()
    app = ReadListApp(store, copy=recorder.copy, open_url=recorder.open, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await go_to(pilot, app, "DePT")
        await pilot.press("o", "enter")  # two links: the picker, its first entry
        await app.workers.wait_for_complete()
        await go_to(pilot, app, "MADLAD")  # no arXiv id yet: the listing's link
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert recorder.opened == ["https://arxiv.org/abs/2309.05173", code]


def test_keys_stay_put_across_re_export_re_import_and_re_enrichment(
    library: Store, db: Path, apis: FakeApis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import bibtexparser

    def keys() -> dict[str, str]:
        out = tmp_path / "refs.bib"
        assert main(["--db", str(db), "export", "-o", str(out)]) == 0
        return {e["eprint"]: e.key for e in bibtexparser.parse_string(out.read_text()).entries
                if "eprint" in e}  # fmt: skip

    assert main(["--db", str(db), "enrich"]) == 0
    first = keys()
    assert first["2309.05173"] == "shi2023dept" and first["2310.00003"] == "solo2023only"
    backup = tmp_path / "all.json"
    assert main(["--db", str(db), "export", "-o", str(backup), "--sort", "title"]) == 0
    assert main(["--db", str(db), "import", str(backup)]) == 0
    assert main(["--db", str(db), "fetch", "daily", "2023-09-11"]) == 0
    assert main(["--db", str(db), "enrich", "--again"]) == 0
    again = keys()
    assert {k: again[k] for k in first} == first  # the page's new paper has its own key
    assert again["2309.09999"] == "else2023paper"


def test_fetch_daily_week_and_month_import_every_day_of_them(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(db), "fetch", "daily", "--week", "2023-w37"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Daily Papers 2023-W37: 5 papers (hf-api): 5 added, 0 updated")
    titles = {p.title: p for p in Store.open(db).papers()}
    assert "A Paper Of The Following Week" not in titles  # 2023-09-18 is in week 38
    assert titles[PHI.title].authors == ("Yuanzhi Li", "Sébastien Bubeck")
    assert [line for line in apis.log if line.startswith("/api/daily_papers")] == [
        "/api/daily_papers?limit=100&week=2023-W37"
    ]
    assert main(["--db", str(db), "fetch", "daily", "--month", "2023-09"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Daily Papers 2023-09: 6 papers (hf-api): 1 added, 0 updated")
    assert len(Store.open(db).papers()) == 6


def test_a_month_longer_than_a_page_is_fetched_page_by_page(
    store: Store, db: Path, apis: FakeApis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readlist.enrich import sources

    monkeypatch.setattr(sources, "HF_PAGE", 2)
    assert main(["--db", str(db), "fetch", "daily", "--month", "2023-09"]) == 0
    assert len(Store.open(db).papers()) == 6
    pages = [line for line in apis.log if line.startswith("/api/daily_papers")]
    assert pages == [
        "/api/daily_papers?limit=2&month=2023-09",
        "/api/daily_papers?limit=2&month=2023-09&p=1",
        "/api/daily_papers?limit=2&month=2023-09&p=2",
        "/api/daily_papers?limit=2&month=2023-09&p=3",  # the short (empty) page ends it
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2023-37"], "fetch daily --week: '2023-37' is not a week (YYYY-Www, e.g."),
        (["--week", "2023-W54"], "fetch daily --week: '2023-W54' is not a week"),
        (["--month", "2023-13"], "fetch daily --month: '2023-13' is not a month (YYYY-MM, e.g."),
        (["2023-09-11", "--month", "2023-09"], "give a DATE, --week or --month, not two"),
    ],
)
def test_fetch_daily_refuses_a_bad_week_or_month_in_one_line(
    store: Store, db: Path, apis: FakeApis, capsys: pytest.CaptureFixture[str],
    args: list[str], message: str,
) -> None:  # fmt: skip
    assert main(["--db", str(db), "fetch", "daily", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert apis.log == []


def exported_keys(db: Path, out: Path, *query: str) -> dict[str, str]:
    """Title -> key of `readlist export -o out.bib [QUERY]` (braces of titles dropped)."""
    import bibtexparser

    assert main(["--db", str(db), "export", "-o", str(out), *query]) == 0
    entries = bibtexparser.parse_string(out.read_text()).entries
    return {e["title"].strip("{}"): e.key for e in entries}


def test_an_exported_key_is_pinned_and_survives_enrichment_that_adds_authors(
    library: Store, db: Path, apis: FakeApis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "refs.bib"
    before = exported_keys(db, out, "DePT")
    assert before == {DEPT.title: "dept2023"}  # no authors yet: a title word and the year
    assert main(["--db", str(db), "enrich"]) == 0
    assert papers(db)[DEPT.id].authors == ("Zhengxiang Shi", "Aldo Lipani")
    after = exported_keys(db, out)
    assert after[DEPT.title] == "dept2023"  # the key the user's .tex already cites
    assert after[MADLAD.title] == "kudugunta2023madlad"  # never exported before: new style
    # A re-import of the whole library (JSON export) and a daily page keep the pins too.
    backup = tmp_path / "all.json"
    assert main(["--db", str(db), "export", "-o", str(backup)]) == 0
    assert main(["--db", str(db), "import", str(backup)]) == 0
    assert main(["--db", str(db), "fetch", "daily", "2023-09-11"]) == 0
    again = exported_keys(db, out)
    assert {t: again[t] for t in after} == after


def test_a_new_paper_never_takes_a_pinned_key_and_clash_suffixes_stay_put(
    store: Store, db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "refs.bib"
    first, second, third = (
        listed(f"DePT {n}: Decomposed Prompt Tuning", "2023-09-1" + n) for n in "123"
    )
    store.import_listings([[first, second]])  # one import: suffixes in id order
    pinned = exported_keys(db, out)
    assert sorted(pinned.values()) == ["dept2023a", "dept2023b"]
    store.import_listings([[third]])
    # Only the second and the third exported: the second keeps its suffix, the third
    # takes the next free one, not the first paper's pin nor the bare key.
    assert exported_keys(db, out, '"DePT 2" OR "DePT 3"') == {
        second.title: pinned[second.title],
        third.title: "dept2023c",
    }
    lone = listed("DePT Revisited", "2023-01-01")
    store.import_listings([[lone]])
    assert exported_keys(db, out, "Revisited") == {lone.title: "dept2023d"}
    assert exported_keys(db, out, "--sort", "title") == {
        **pinned,
        third.title: "dept2023c",
        lone.title: "dept2023d",
    }


def hf_page(*titles: str) -> str:
    """A Daily Papers page as copied from the browser, one card per title."""
    cards = [
        f"{n + 3}\n{title}\nWhat this paper does, in a sentence or two for the listing "
        f"of the day, number {n}.\n  • 2 authors\n·\nSep 11 {n}\n"
        for n, title in enumerate(titles)
    ]
    return "Daily Papers\nby AK and the research community\n\nSep 11\n\n" + "\n".join(cards)


def test_import_enrich_enriches_only_the_papers_the_import_added(
    store: Store, db: Path, apis: FakeApis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "mon.txt", tmp_path / "tue.txt"
    first.write_text(hf_page(DEPT.title))
    second.write_text(hf_page(DEPT.title, PHI.title))
    assert main(["--db", str(db), "import", str(first)]) == 0
    capsys.readouterr()
    assert apis.log == []  # no --enrich: nothing asked
    assert main(["--db", str(db), "import", "--enrich", str(second)]) == 0
    out = capsys.readouterr().out
    assert "2 papers (hf): 1 added, 0 updated" in out
    assert "enriched 1 paper (0 found on Hugging Face, 1 on arXiv;" in out  # by title
    by_title = {p.title: p for p in Store.open(db).papers()}
    assert by_title[PHI.title].authors == ("Yuanzhi Li", "Sébastien Bubeck")
    assert by_title[DEPT.title].authors == ()  # already there before this import
    assert not any("DePT" in line or "05173" in line for line in apis.log)


def test_import_enrich_offline_keeps_the_import_and_says_so(
    store: Store, db: Path, apis: FakeApis, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.txt"
    page.write_text(hf_page(DEPT.title, PHI.title))
    stop(apis)
    assert main(["--db", str(db), "import", "--enrich", str(page)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("readlist: no network: 127.0.0.1:")
    assert err.endswith(": 2 papers left as they were (the import itself is kept)\n")
    assert len(Store.open(db).papers()) == 2


def test_a_damaged_pin_file_is_one_line_and_nothing_is_written(
    store: Store, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store.import_listings([[DEPT]])
    pins = db.with_name("library.citekeys.json")
    out = tmp_path / "refs.bib"
    assert exported_keys(db, out) == {DEPT.title: "dept2023"}
    assert '"dept2023"' in pins.read_text()
    pins.write_text('{"readlist": "citekeys", "version": 1, "keys": {"x": ["a b", "c"]}}')
    out.unlink()
    capsys.readouterr()
    assert main(["--db", str(db), "export", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"readlist: {pins}: pinned citation keys are damaged (an entry is malformed); "
        "move it aside to export with keys derived afresh\n"
    )
    assert not out.exists()
