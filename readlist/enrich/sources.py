"""What Hugging Face and arXiv say about papers, as `RawPaper`s.

Hugging Face's paper API (the endpoints `HfApi.list_daily_papers`, `list_papers` and
`paper_info` call) is read through huggingface_hub's own `PaperInfo`, so the JSON shape
is the client's business. arXiv's API answers Atom, parsed with the stdlib's
ElementTree rather than feedparser: the feed has one fixed shape, and a strict parser
turns a malformed body into a clear error instead of a quietly empty result.

Titles are searched at arXiv in batches (`arxiv_titles`): its query language takes an
OR of title phrases, `ti:"one" OR ti:"two"`, so 25 titles cost one paced request where
Hugging Face's search takes one title per request. A phrase also matches longer titles
that contain it, so an answer is only a list of candidates: enrichment still attaches a
paper only to an entry with the same title identity (`identity_key`).

Only listing days, titles and arXiv ids are sent, nowhere but to these two services.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import orjson

from readlist.enrich.fetch import ARXIV_DEFAULT, ARXIV_ENV, EnrichError, Fetcher
from readlist.importers.base import RawPaper
from readlist.models import identity_key, normalize_arxiv_id
from readlist.text import squeeze

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
ARXIV_BATCH = 50
"""Ids per arXiv `id_list` request: a Daily Papers page (~50) in one, paced request."""
ARXIV_TITLE_BATCH = 25
"""Titles per arXiv title search (an OR of `ti:"…"` phrases)."""
ARXIV_URL_LIMIT = 4000
"""A title batch is split before its URL would pass this many characters."""
ARXIV_PER_TITLE = 5
"""Entries a batch asks for per title (`max_results`): a phrase also finds the longer
titles that contain it. An answer that fills `max_results` may have crowded a title's
entry out, so the titles it did not find are asked again alone."""


def hf_endpoint(environ: Mapping[str, str] = os.environ) -> str:
    """`HF_ENDPOINT` as huggingface_hub reads it (read again here: tests set it late)."""
    from huggingface_hub import constants

    return (environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def arxiv_api(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(ARXIV_ENV) or ARXIV_DEFAULT


HF_PAGE = 100
"""Papers per Daily Papers request (the API's `limit`); a week or month takes pages."""
HF_MAX_PAGES = 40
"""A month holds ~1,500 papers; more pages than this means the API is not paging."""


def hf_daily(
    fetcher: Fetcher, day: str | None = None, *, week: str | None = None, month: str | None = None
) -> list[RawPaper]:
    """The Daily Papers of `day` (YYYY-MM-DD), `week` (YYYY-Www) or `month` (YYYY-MM).

    The parameters `HfApi.list_daily_papers` sends to `/api/daily_papers`: a day is one
    request (~50 papers); a week or month is paged with `p` (0, 1, ...) until a page
    comes back short (a day of more than `HF_PAGE` papers too). A paper on two pages (the
    listing moved while paging) is kept once.
    """
    wanted = {"date": day, "week": week, "month": month}
    params = {k: v for k, v in wanted.items() if v is not None}
    if len(params) != 1:
        raise ValueError("hf_daily: give exactly one of day, week, month")
    parse = _hf_papers("daily papers")
    out: dict[str, RawPaper] = {}
    for page in range(HF_MAX_PAGES):
        query = {**params, "limit": str(HF_PAGE)}
        if page:
            query["p"] = str(page)
        found = fetcher.get(f"{hf_endpoint()}/api/daily_papers", query, parse)
        for raw in found:
            out.setdefault(raw.arxiv_id or raw.title, raw)
        if len(found) < HF_PAGE:
            break
    return list(out.values())


def hf_search(fetcher: Fetcher, title: str) -> list[RawPaper]:
    params = {"q": title, "limit": "10"}
    return fetcher.get(f"{hf_endpoint()}/api/papers/search", params, _hf_papers("paper search"))


def _hf_papers(what: str) -> Callable[[str], list[RawPaper]]:
    def parse(body: str) -> list[RawPaper]:
        return [_from_hf(item) for item in _json_list(body, f"Hugging Face {what}")]

    return parse


def _json_list(body: str, what: str) -> list[dict[str, Any]]:
    if not body:
        return []
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise EnrichError(f"{what}: the answer is not JSON") from None
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise EnrichError(f"{what}: the answer is not a list of papers")
    return data


def _from_hf(item: dict[str, Any]) -> RawPaper:
    from huggingface_hub.hf_api import PaperInfo

    try:
        info = PaperInfo(**item)
    except (TypeError, ValueError, AttributeError) as error:
        raise EnrichError(f"Hugging Face: a paper the client cannot read ({error})") from None
    title = info.title or (item.get("paper") or {}).get("title") or ""
    links = tuple(
        link for link in (info.github_repo, info.project_page) if isinstance(link, str) and link
    )
    organization = info.organization
    return RawPaper(
        title=squeeze(str(title)),
        abstract=squeeze(info.summary or ""),
        authors=tuple(squeeze(a.name) for a in info.authors or () if a.name),
        published=info.published_at.date().isoformat() if info.published_at else None,
        upvotes=info.upvotes if isinstance(info.upvotes, int) else None,
        comments=info.comments if isinstance(info.comments, int) else None,
        arxiv_id=normalize_arxiv_id(str(info.id)) if info.id else None,
        organization=(organization.fullname or organization.name) if organization else None,
        links=links,
    )


def arxiv_by_ids(fetcher: Fetcher, ids: Iterable[str]) -> list[RawPaper]:
    """arXiv's record of each id, `ARXIV_BATCH` ids per request.

    Each record is also cached by its id, so a later batch that mixes known and new ids
    asks only for the new ones.
    """
    wanted = list(dict.fromkeys(ids))
    out: list[RawPaper] = []
    missing = []
    for arxiv_id in wanted:
        if (records := _cached_records(fetcher, f"arxiv-id:{arxiv_id}")) is not None:
            out += records
            continue
        missing.append(arxiv_id)
    for start in range(0, len(missing), ARXIV_BATCH):
        batch = missing[start : start + ARXIV_BATCH]
        params = {"id_list": ",".join(batch), "max_results": str(len(batch))}
        out += _remembered(fetcher, fetcher.get(arxiv_api(), params, parse_atom, paced=True))
    return out


def _remembered(fetcher: Fetcher, found: list[RawPaper]) -> list[RawPaper]:
    """`found`, each record also cached by its arXiv id (see `arxiv_by_ids`)."""
    for raw in found:
        fetcher.remember(f"arxiv-id:{raw.arxiv_id}", orjson.dumps(_record(raw)).decode())
    return found


def _record(raw: RawPaper) -> dict[str, object]:
    keep = ("title", "abstract", "authors", "published", "arxiv_id", "doi", "venue", "categories")
    return {k: v for k, v in asdict(raw).items() if k in keep}


def _cached_records(fetcher: Fetcher, key: str) -> list[RawPaper] | None:
    """The records cached under `key` (one record, or a list of them); None if none are
    (or the cache file is from an older readlist: then it is asked again)."""
    if (text := fetcher.cached(key)) is None:
        return None
    try:
        data = orjson.loads(text)
        out = []
        for fields in data if isinstance(data, list) else [data]:
            for name in ("authors", "categories"):
                fields[name] = tuple(fields.get(name, ()))
            out.append(RawPaper(**fields))
        return out
    except (orjson.JSONDecodeError, TypeError, AttributeError):
        return None


# What arXiv's query parser reads as syntax even inside a quoted phrase (its newer parser
# pairs parentheses before quotes), or as wildcards, escapes, ranges and operators. Its
# search engine drops these characters from titles anyway, so a phrase without them
# matches the same words. Letters, digits, `-`, `.` and `'` stay: "phi-1.5" is kept whole.
_QUERY_SYNTAX = re.compile(r'["()\[\]{}:\\^~*?!&|+<>=;]')


def title_phrase(title: str) -> str:
    """`title` as a phrase for arXiv's `ti:"…"`: query syntax dropped, spaces squeezed."""
    cleaned = _QUERY_SYNTAX.sub(" ", title)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in cleaned).split())


def _title_query(phrases: list[str]) -> dict[str, str]:
    return {
        "search_query": " OR ".join(f'ti:"{phrase}"' for phrase in phrases),
        "max_results": str(ARXIV_PER_TITLE * len(phrases)),
        "sortBy": "relevance",
    }


def _url_length(phrases: list[str]) -> int:
    """The length of the URL `Fetcher.get` asks for these phrases (it sorts the
    parameters and percent-encodes them the same way)."""
    return len(arxiv_api()) + 1 + len(urlencode(sorted(_title_query(phrases).items())))


def _title_batches(phrases: list[str]) -> list[list[str]]:
    """`phrases` in batches of `ARXIV_TITLE_BATCH`, each URL within `ARXIV_URL_LIMIT`."""
    batches: list[list[str]] = []
    batch: list[str] = []
    for phrase in phrases:
        if batch and (
            len(batch) >= ARXIV_TITLE_BATCH or _url_length([*batch, phrase]) > ARXIV_URL_LIMIT
        ):
            batches.append(batch)
            batch = []
        batch.append(phrase)
    if batch:
        batches.append(batch)
    return batches


def _fitting(phrase: str) -> str:
    """A phrase alone in a batch, cut at a word so its URL fits: a leading part of a
    title still finds the title (the match is then by the whole title's identity)."""
    words = phrase.split()
    while len(words) > 1 and _url_length([" ".join(words)]) > ARXIV_URL_LIMIT:
        words.pop()
    return " ".join(words)


def arxiv_titles(
    fetcher: Fetcher, titles: Iterable[str], answered: Callable[[int], None] | None = None
) -> dict[str, list[RawPaper]]:
    """arXiv's entries with the title identity of each of `titles` (usually none or
    one; two different papers mean an ambiguous title), by title.

    `ARXIV_TITLE_BATCH` titles per paced request. Each title's answer is also cached by
    its identity, found or not, so a later run with some of these titles among others
    asks only for the others. `answered(n)` is told after each request how many titles
    it settled. Raises `EnrichError` (network, refusals, a malformed or error answer).
    """
    out: dict[str, list[RawPaper]] = {}
    pending: dict[str, list[str]] = {}  # phrase -> the titles it asks for
    keys: dict[str, str] = {}
    for title in dict.fromkeys(titles):
        keys[title] = key = identity_key(title)
        phrase = title_phrase(title)
        if not key or not phrase:
            out[title] = []  # nothing to search for
        elif (records := _cached_records(fetcher, f"arxiv-title:{key}")) is not None:
            out[title] = records
        else:
            pending.setdefault(phrase, []).append(title)
    if answered and out:
        answered(len(out))
    queue = _title_batches(list(pending))
    while queue:
        batch = queue.pop(0)
        asked = [_fitting(batch[0])] if len(batch) == 1 else batch
        params = _title_query(asked)
        found = _remembered(fetcher, fetcher.get(arxiv_api(), params, _title_feed, paced=True))
        # A full answer may have left out a title's entry: ask those titles alone.
        crowded = len(batch) > 1 and len(found) >= int(params["max_results"])
        by_key: dict[str, list[RawPaper]] = {}
        for raw in found:
            by_key.setdefault(identity_key(raw.title), []).append(raw)
        settled = 0
        for phrase in batch:
            if crowded and not all(keys[title] in by_key for title in pending[phrase]):
                queue.insert(0, [phrase])
                continue
            for title in pending[phrase]:
                out[title] = hits = by_key.get(keys[title], [])
                settled += 1
                answer = orjson.dumps([_record(raw) for raw in hits]).decode()
                fetcher.remember(f"arxiv-title:{keys[title]}", answer)
        if answered and settled:
            answered(settled)
    return out


def _title_feed(body: str) -> list[RawPaper]:
    """`parse_atom` of a title search's answer; arXiv's error entry (HTTP 200 with one
    entry naming what it could not parse) is an error here, not an empty answer."""
    if body:
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            raise EnrichError("arXiv: the answer is not an Atom feed") from None
        for entry in root.iter(f"{_ATOM}entry"):
            if "/api/errors" in (entry.findtext(f"{_ATOM}id") or ""):
                why = squeeze(entry.findtext(f"{_ATOM}summary") or "no reason given")
                raise EnrichError(f"arXiv: the title search was refused ({why[:200]})")
    return parse_atom(body)


def parse_atom(body: str) -> list[RawPaper]:
    """The papers of an arXiv Atom feed; error entries (no abs/ id) are skipped."""
    if not body:
        return []
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise EnrichError("arXiv: the answer is not an Atom feed") from None
    if root.tag != f"{_ATOM}feed":
        raise EnrichError("arXiv: the answer is not an Atom feed")
    papers = []
    for entry in root.iter(f"{_ATOM}entry"):
        ident = entry.findtext(f"{_ATOM}id") or ""
        arxiv_id = normalize_arxiv_id(ident) if "/abs/" in ident else None
        title = squeeze(entry.findtext(f"{_ATOM}title") or "")
        if arxiv_id is None or not title:
            continue
        primary = entry.find(f"{_ARXIV}primary_category")
        categories = [primary.get("term", "")] if primary is not None else []
        categories += [c.get("term", "") for c in entry.iter(f"{_ATOM}category")]
        published = (entry.findtext(f"{_ATOM}published") or "")[:10] or None
        papers.append(
            RawPaper(
                title=title,
                abstract=squeeze(entry.findtext(f"{_ATOM}summary") or ""),
                authors=tuple(
                    squeeze(a.findtext(f"{_ATOM}name") or "")
                    for a in entry.iter(f"{_ATOM}author")
                    if (a.findtext(f"{_ATOM}name") or "").strip()
                ),
                published=published,
                arxiv_id=arxiv_id,
                doi=squeeze(entry.findtext(f"{_ARXIV}doi") or "") or None,
                venue=squeeze(entry.findtext(f"{_ARXIV}journal_ref") or "") or None,
                categories=tuple(dict.fromkeys(c for c in categories if c)),
            )
        )
    return papers
