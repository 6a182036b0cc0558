"""Metadata enrichment: author names, arXiv ids, categories, DOIs from Hugging Face and arXiv.

The order is set by what one request answers. A Daily Papers page (Hugging Face) covers
every paper of a listing day, with arXiv ids, full author names, dates, upvotes and
organisations: asked first, for days two or more papers share, and enough to cite a
paper (BibTeX `eprint`, `archivePrefix`, `url`). The papers left with neither a day's
page nor an arXiv id are searched by title at arXiv, 25 titles a request
(`sources.arxiv_titles`); only the titles arXiv does not know by that title (revised
since the listing, say) go to Hugging Face's title search, which takes one title a
request. Last, arXiv by id, 50 ids a request: always for the papers whose id was known
before (nothing else answers for them in batches), and for the ids Hugging Face gave
only when `details` is asked for (categories, DOI, journal reference: `readlist enrich
--details`, or `[enrich] arxiv_details = true`). So a daily page costs one request by
default, and its details one more, on demand. A paper whose arXiv id is already known
is asked about at arXiv only, by id (so a re-run for its details costs no Hugging Face
request; its upvotes are not refreshed).

A candidate is attached only when its title has the same identity (`identity_key`) as
the library paper's, or its arXiv id is the paper's; two different papers with that
title make it ambiguous, and it is left alone. What is found goes back through
`Store.import_listings` like any listing (the same merge, the same report), so enriched
fields are never erased by a later import, and annotations are never touched. All the
fetching happens before the one write: a failing network leaves the library as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from readlist.enrich.fetch import EnrichError, Fetcher
from readlist.enrich.sources import arxiv_by_ids, arxiv_titles, hf_daily, hf_search
from readlist.importers import to_papers
from readlist.importers.base import RawPaper
from readlist.models import Paper, identity_key

if TYPE_CHECKING:
    from readlist.store import Store

HF_SOURCE = "huggingface.co/api/papers"
ARXIV_SOURCE = "export.arxiv.org/api"
HF_KIND = "hf-api"
ARXIV_KIND = "arxiv-api"

__all__ = [
    "Cancelled",
    "EnrichError",
    "Enrichment",
    "Fetcher",
    "Outcome",
    "enrich",
    "enrich_library",
]

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class Enrichment:
    """What the services said: listings to import, and the papers left alone."""

    hf: list[Paper] = field(default_factory=list)
    arxiv: list[Paper] = field(default_factory=list)
    unmatched: list[Paper] = field(default_factory=list)
    ambiguous: list[Paper] = field(default_factory=list)
    without_details: list[Paper] = field(default_factory=list)
    """Papers found with an arXiv id but not asked about at arXiv (`details` was off):
    their categories, DOI and journal reference are left for `readlist enrich --details`."""

    @property
    def listings(self) -> list[list[Paper]]:
        return [self.hf, self.arxiv]

    @property
    def found(self) -> int:
        return len({p.id for p in (*self.hf, *self.arxiv)})


def _pick(paper: Paper, candidates: Sequence[RawPaper]) -> RawPaper | bool | None:
    """The candidate that is `paper`, None if none is, False if more than one could be."""
    if paper.arxiv_id:
        for raw in candidates:
            if raw.arxiv_id == paper.arxiv_id:
                return raw
    key = identity_key(paper.title)
    same = {raw.arxiv_id or raw.title: raw for raw in candidates if identity_key(raw.title) == key}
    if len(same) > 1:
        return False
    return next(iter(same.values()), None)


def enrich(
    papers: Sequence[Paper],
    fetcher: Fetcher,
    progress: Progress | None = None,
    *,
    details: bool = False,
) -> Enrichment:
    """Ask Hugging Face, then arXiv, about `papers`. Raises `EnrichError`; writes nothing.

    `details`: also ask arXiv by id about the papers Hugging Face found (one request per
    50), for their categories, DOI and journal reference; without it they are listed in
    `without_details`.
    """
    result = Enrichment()
    hf_found: dict[str, RawPaper] = {}
    arxiv_found: dict[str, RawPaper] = {}
    ambiguous: set[str] = set()
    steps, done = len(papers) * 2, 0

    def step(phase: str, n: int = 1) -> None:
        nonlocal done
        done += n
        if progress:
            progress(phase, min(done, steps), steps)

    def found(paper: Paper, picked: RawPaper | bool | None, into: dict[str, RawPaper]) -> None:
        if isinstance(picked, RawPaper):
            into[paper.id] = picked
        elif picked is False:
            ambiguous.add(paper.id)

    # 1. Daily Papers pages: one request for every listing day two or more papers share.
    # A paper whose arXiv id is known is asked about by id, at arXiv only (step 4).
    todo = [p for p in papers if p.published and not p.arxiv_id]
    days = Counter(p.published for p in todo)
    for day in sorted(d for d, n in days.items() if d and n > 1):
        page = hf_daily(fetcher, day)
        for paper in (p for p in todo if p.published == day):
            picked = _pick(paper, page)
            if isinstance(picked, RawPaper):
                hf_found[paper.id] = picked
                step("Hugging Face")
    # 2. arXiv's title search for the rest, many titles a request.
    titled = [p for p in papers if p.id not in hf_found and not p.arxiv_id]
    by_title = arxiv_titles(fetcher, [p.title for p in titled], lambda n: step("arXiv", n))
    for paper in titled:
        found(paper, _pick(paper, by_title.get(paper.title, [])), arxiv_found)
    # 3. Hugging Face's title search (a title a request) for what arXiv did not find.
    for paper in titled:
        if paper.id not in arxiv_found and paper.id not in ambiguous:
            found(paper, _pick(paper, hf_search(fetcher, paper.title)), hf_found)
            step("Hugging Face")
    # 4. arXiv by id: known before, or (with `details`) from Hugging Face.
    ids = {
        p.id: p.arxiv_id or (hf_found[p.id].arxiv_id if details and p.id in hf_found else None)
        for p in papers
        if p.id not in arxiv_found
    }
    by_id = {raw.arxiv_id: raw for raw in arxiv_by_ids(fetcher, [i for i in ids.values() if i])}
    for paper in papers:
        arxiv_id = ids.get(paper.id)
        raw = by_id.get(arxiv_id) if arxiv_id else None
        if raw is not None and (
            paper.arxiv_id or identity_key(raw.title) == identity_key(paper.title)
        ):
            arxiv_found[paper.id] = raw
        step("arXiv")
    result.hf = _as_listing(papers, hf_found, HF_SOURCE, HF_KIND)
    result.arxiv = _as_listing(papers, arxiv_found, ARXIV_SOURCE, ARXIV_KIND)
    for paper in papers:
        if paper.id in arxiv_found:
            continue
        if paper.id in hf_found:
            if hf_found[paper.id].arxiv_id and not paper.categories:
                result.without_details.append(paper)
            continue
        (result.ambiguous if paper.id in ambiguous else result.unmatched).append(paper)
    return result


def _as_listing(
    papers: Sequence[Paper], found: dict[str, RawPaper], source: str, kind: str
) -> list[Paper]:
    """The found records as papers of one listing, under the library papers' own titles
    (so the store's merge finds them by title even before it knows the id).

    A record's abstract comes along only when it is longer than the paper's own, the
    only case the merge takes it (`Paper.merged_with`): the store then need not read the
    papers' abstracts to merge the rest (the abstracts file is 157 MB at 100,000 papers).
    """
    raws = [
        replace(
            found[p.id],
            title=p.title,
            abstract=found[p.id].abstract if len(found[p.id].abstract) > len(p.abstract) else "",
        )
        for p in papers
        if p.id in found
    ]
    return to_papers(raws, source=source, added=None, kind=kind)


class Cancelled(Exception):
    """The user stopped an enrichment before its write: nothing was written."""


@dataclass(slots=True)
class Outcome:
    """An enrichment written to the library: what was found, what changed."""

    found: Enrichment
    changed: list[str]
    """Ids of the library papers the write changed."""
    requests: int

    def summary(self, limit: int = 3) -> str:
        """One line for the TUI: `enriched 3 papers; 1 not found on Hugging Face or arXiv:
        Title`, and how many papers were left without arXiv's details."""
        parts = [f"enriched {_plural(len(self.changed), 'paper')}"]
        alone = (
            ("not found on Hugging Face or arXiv", self.found.unmatched),
            ("ambiguous (several papers have that title)", self.found.ambiguous),
        )
        for what, group in alone:
            if group:
                titles = "; ".join(_short(p.title) for p in group[:limit])
                more = f"; and {len(group) - limit} more" if len(group) > limit else ""
                parts.append(f"{len(group)} {what}: {titles}{more}")
        if left := len(self.found.without_details):
            # In the TUI, `e` on a paper that has an arXiv id asks arXiv for its record.
            parts.append(f"categories and DOI of {left} not fetched (e again asks arXiv)")
        return "; ".join(parts)


def enrich_library(
    store: Store,
    papers: Sequence[Paper],
    fetcher: Fetcher,
    progress: Progress | None = None,
    may_write: Callable[[], bool] | None = None,
    *,
    details: bool = False,
) -> Outcome:
    """`enrich` `papers` (`details`: see there), then write what was found in one
    `import_listings` write.

    `may_write` is asked just before the write; False raises `Cancelled` and nothing is
    written (a cancelled TUI enrichment). `EnrichError` also leaves the library as it was.
    """
    found = enrich(papers, fetcher, progress, details=details)
    if may_write is not None and not may_write():
        raise Cancelled
    reports = store.import_listings(found.listings)
    changed = list(dict.fromkeys(pid for r in reports for pid in r.updated))
    return Outcome(found, changed, fetcher.requests)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _short(title: str, limit: int = 50) -> str:
    from readlist.text import strip_controls

    shown = strip_controls(title[: 2 * limit])
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
