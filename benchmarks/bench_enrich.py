"""Benchmark of enrichment (issue 14): HTTP requests cold, time from the cache.

A fake Hugging Face + arXiv runs in this process on 127.0.0.1 (a ThreadingHTTPServer
answering in the shapes huggingface_hub's `PaperInfo` and arXiv's Atom feed use, like
tests/test_enrich.py); nothing goes to the network. arXiv's 3 s pacing is set to 0 here:
the figures are readlist's own cost, not the politeness delay (3 s per arXiv request in
real use).

1. Requests cold, for 50 papers of three kinds (a fresh cache each):
   - a Daily Papers listing: 50 papers of one day, no ids (target: 1 request, the
     Hugging Face page; with --details, arXiv by id for categories and DOI: 1 more);
   - papers whose arXiv ids are known (target: at most 1 request per 20 papers);
   - undated titles with no ids (arXiv's title search, 25 titles a request; Hugging
     Face's one-title search only for titles arXiv does not find, none here).
2. For each library size (default 1k, 10k, 100k papers: a generated listing, then the
   50-paper listing imported on its own, as a day's page is), the daily listing
   enriched again from a warm cache with the server stopped (so a request would fail):
   the time to answer from the cache and match, and the time of the one write
   (`Store.import_listings`), which rewrites the papers file and so grows with the
   library; target <= 0.5 s for both together. Once as `readlist enrich` does by
   default, once with --details (the arXiv records too).

    python benchmarks/bench_enrich.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import generate  # a sibling script

from readlist.enrich import Fetcher, enrich, enrich_library
from readlist.importers import read_listing
from readlist.models import Paper, paper_id
from readlist.store import Store

DEFAULT_SIZES = (1_000, 10_000, 100_000)
DAY = "2024-01-15"
N = 50
TARGET_CACHED = 0.5


def bench_papers() -> list[dict[str, object]]:
    """The 50 papers the fake services know: title, arXiv id, authors."""
    return [
        {
            "title": f"Benchmark Paper {i}: Sparse Routing for Long Context Number {i}",
            "id": f"2401.{10000 + i}",
            "authors": [f"Author{i} Family{j}" for j in range(3 + i % 5)],
        }
        for i in range(N)
    ]


class FakeServices:
    def __init__(self, papers: list[dict[str, object]]) -> None:
        self.papers = papers
        self.by_title = {str(p["title"]): p for p in papers}
        self.by_id = {str(p["id"]): p for p in papers}
        self.log: Counter[str] = Counter()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                fake.log[parts.path] += 1
                body = fake.answer(parts.path, parse_qs(parts.query)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, query: dict[str, list[str]]) -> str:
        if path == "/api/daily_papers":
            found = self.papers if query.get("date") == [DAY] else []
            limit, page = int(query.get("limit", ["50"])[0]), int(query.get("p", ["0"])[0])
            return json.dumps([_hf(p) for p in found[page * limit : (page + 1) * limit]])
        if path == "/api/papers/search":
            hit = self.by_title.get(query.get("q", [""])[0])
            return json.dumps([_hf(hit)] if hit else [])
        if path == "/api/query":
            ids = query.get("id_list", [""])[0].split(",")
            hits = [self.by_id[i] for i in ids if i in self.by_id]
            # A title search: `ti:"…" OR ti:"…"`, each phrase found word for word.
            search = query.get("search_query", [""])[0]
            phrases = [_words(m) for m in re.findall(r'ti:"([^"]*)"', search)]
            hits += [p for p in self.papers if any(_has(str(p["title"]), w) for w in phrases)]
            return _atom(hits[: int(query.get("max_results", ["10"])[0])])
        return "[]"


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def _has(title: str, phrase: list[str]) -> bool:
    words = _words(title)
    return any(words[i : i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))


def _hf(p: dict[str, object]) -> dict[str, object]:
    authors = [{"_id": f"a{n}", "name": name} for n, name in enumerate(p["authors"])]  # type: ignore[arg-type]
    return {
        "paper": {"id": p["id"], "authors": authors, "title": p["title"], "upvotes": 7,
                  "publishedAt": f"{DAY}T00:00:00.000Z", "summary": "An abstract."},
        "title": p["title"], "publishedAt": f"{DAY}T01:00:00.000Z", "numComments": 1,
    }  # fmt: skip


def _atom(hits: list[dict[str, object]]) -> str:
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{p['id']}v1</id>"
        f"<published>{DAY}T00:00:00Z</published><title>{escape(str(p['title']))}</title>"
        f"<summary>An abstract.</summary>"
        + "".join(f"<author><name>{escape(a)}</name></author>" for a in p["authors"])  # type: ignore[attr-defined]
        + '<arxiv:primary_category term="cs.CL"/><category term="cs.CL"/></entry>'
        for p in hits
    )
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f"{entries}</feed>"
    )


def listing(kind: str) -> list[Paper]:
    """The 50 papers as a library knows them before enrichment."""
    out = []
    for p in bench_papers():
        title = str(p["title"])
        fields: dict[str, object] = {"authors_count": len(p["authors"])}  # type: ignore[arg-type]
        if kind == "daily":
            fields["published"] = DAY
        elif kind == "ids":
            fields["arxiv_id"] = p["id"]
        out.append(Paper(id=paper_id(title), title=title, **fields))  # type: ignore[arg-type]
    return out


CASES = {
    "daily": "daily page (one day)",
    "daily-details": "the same, --details",
    "ids": "arXiv ids known",
    "titles": "titles only",
}


def cold_requests(folder: Path) -> dict[str, Counter[str]]:
    counts = {}
    for case in CASES:
        kind, details = case.split("-")[0], case.endswith("-details")
        fake = FakeServices(bench_papers())
        os.environ["HF_ENDPOINT"] = fake.url
        os.environ["READLIST_ARXIV_API"] = f"{fake.url}/api/query"
        try:
            fetcher = Fetcher(folder / f"cache-{case}", arxiv_delay=0)
            found = enrich(listing(kind), fetcher, details=details)
            assert found.found == N, f"{case}: {found.found} of {N} found"
            assert all(p.authors and p.arxiv_id for p in found.hf + found.arxiv), case
            counts[case] = fake.log
        finally:
            fake.stop()
    return counts


def build_library(n: int, folder: Path) -> Path:
    """A library of n papers: a generated listing, then the 50-paper daily listing in
    an import of its own (as a day's page arrives: its abstracts in the recent file)."""
    db = folder / f"lib-{n}" / "library.json"
    store = Store.open(db)
    if n > N:
        generated = read_listing(generate.listing_for(n - N), today=date.today())
        store.import_listings([generated.papers])
    store.import_listings([listing("daily")])
    return db


def cached_run(db: Path, run: int, details: bool) -> tuple[float, float, int]:
    """(seconds from cache + match, seconds of the write, requests) on a copy of `db`."""
    copy = db.parent.with_name(f"{db.parent.name}-run{run}{'-details' * details}")
    shutil.copytree(db.parent, copy)
    store = Store.open(copy / db.name)
    # The copy's papers file is another inode, so the identity index copied with it is
    # stale (it names the file by inode, size and mtime) and the import would read the
    # papers file whole and write the index anew; a library used in place keeps its
    # index current from one import to the next, so it is made current here, untimed.
    assert store.rebuild_identity_index()
    papers = listing("daily")
    cache = db.parent.with_name("cache-warm")
    if not cache.exists():
        fake = FakeServices(bench_papers())
        os.environ["HF_ENDPOINT"] = fake.url
        os.environ["READLIST_ARXIV_API"] = f"{fake.url}/api/query"
        # Warm the cache (for both runs: with the details); nothing written.
        enrich(papers, Fetcher(cache, arxiv_delay=0), details=True)
        fake.stop()  # from here on, any request fails
    wanted = {q.id for q in papers}
    in_library = [p for p in store.papers() if p.id in wanted]
    fetcher = Fetcher(cache, arxiv_delay=0)
    started = time.perf_counter()
    found = enrich(in_library, fetcher, details=details)
    matched = time.perf_counter()
    store.import_listings(found.listings)
    written = time.perf_counter()
    assert found.found == N and fetcher.requests == 0
    assert all(p.categories for p in store.papers() if p.id in wanted) == details
    # The function the TUI and `import --enrich` use, again: from the cache too.
    again = enrich_library(store, in_library, Fetcher(cache, arxiv_delay=0), details=details)
    assert again.requests == 0
    shutil.rmtree(copy, ignore_errors=True)
    return matched - started, written - matched, fetcher.requests


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--seed", type=int, default=0, help="accepted for run_all.py")
    parser.add_argument("--repeats", type=int, default=3, help="cached runs per size (median)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; fake services on 127.0.0.1, arXiv pacing 0")  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="readlist-enrich-"))
    os.environ.pop("READLIST_DB", None)
    try:
        print(f"\nrequests cold, {N} papers")
        print(f"{'listing':>24}  {'Hugging Face':>12}  {'arXiv':>6}  {'total':>6}  per 20 papers")
        for kind, log in cold_requests(folder).items():
            hf = log["/api/daily_papers"] + log["/api/papers/search"]
            arxiv, total = log["/api/query"], sum(log.values())
            name = CASES[kind]
            print(f"{name:>24}  {hf:>12}  {arxiv:>6}  {total:>6}  {total * 20 / N:.1f}")
        print(f"\n{N}-paper daily listing again, from the cache (median of {args.repeats})")
        print(f"{'papers':>8}  {'':>9}  {'cache + match':>13}  {'write':>8}  {'total':>8}  "
              "requests")  # fmt: skip
        failed = False
        for n in sizes:
            db = build_library(n, folder)
            for details in (False, True):
                runs = [cached_run(db, r, details) for r in range(args.repeats)]
                match, write, requests = sorted(runs, key=sum)[len(runs) // 2]
                mark = "" if match + write <= TARGET_CACHED else "  MISS"
                how = "--details" if details else "default"
                print(f"{n:>8,}  {how:>9}  {match:>11.3f} s  {write:>6.2f} s  "
                      f"{match + write:>6.2f} s  {requests:>8}{mark}")  # fmt: skip
                failed |= requests != 0
                sys.stdout.flush()
            shutil.rmtree(db.parent, ignore_errors=True)
        print(f"{'target':>8}  {'':>9}  {'':>13}  {'':>8}  {f'<= {TARGET_CACHED} s':>8}")
        return 1 if failed else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
