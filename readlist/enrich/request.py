"""What `readlist add` and `readlist fetch daily` fetch, shared by the CLI and the TUI.

A request is parsed and checked before anything is fetched (`add_request`,
`daily_request`; the TUI's import dialog reads one from what was typed with
`parse_request`), then `fetch_listing` asks the service and returns the papers as one
listing, the way a pasted page arrives: the caller imports it through
`Store.import_listings` (the same merge, the same report, the same undo entry). Nothing
here writes, so a failing network leaves the library as it was. No Textual here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from readlist.enrich import ARXIV_KIND, ARXIV_SOURCE, HF_KIND, HF_SOURCE
from readlist.enrich.fetch import EnrichError, Fetcher
from readlist.enrich.sources import arxiv_by_ids, hf_daily
from readlist.errors import ReadlistError
from readlist.importers import ListingFile, to_papers
from readlist.models import normalize_arxiv_id
from readlist.text import strip_controls

# A token the dialog takes for a paper to add: a bare id (`2409.01234v2`, `arXiv:...`,
# `hep-th/9901001`) or an arXiv / Hugging Face paper address; anything else is a page.
_ID_TOKEN = re.compile(
    r"^(?:arxiv:)?(?:\d{4}\.\d{4,5}|[a-z][a-z.-]+/\d{7})(?:v\d+)?$", re.IGNORECASE
)
_URL_TOKEN = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/)\S+$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """Papers to fetch: arXiv ids, or one day, ISO week or month of Daily Papers."""

    ids: tuple[str, ...] = ()
    day: str | None = None
    week: str | None = None
    month: str | None = None

    @property
    def shown(self) -> str:
        """The listing's name in the import report (`arXiv`, `Daily Papers 2023-09-12`)."""
        return "arXiv" if self.ids else f"Daily Papers {self.day or self.week or self.month}"

    def describe(self) -> str:
        """What will be fetched, for the import dialog's preview."""
        if self.ids:
            n = len(self.ids)
            return f"{n} arXiv paper{'s' if n != 1 else ''}: {', '.join(self.ids)}"
        return f"Daily Papers of {self.day or self.week or self.month}"


def add_request(texts: list[str], what: str = "add") -> FetchRequest:
    """Papers by arXiv id or paper URL; ReadlistError naming the first that is neither."""
    ids: list[str] = []
    for text in texts:
        if (arxiv_id := normalize_arxiv_id(text)) is None:
            raise ReadlistError(f"{what}: {strip_controls(text)!r} is not an arXiv id or paper URL")
        if arxiv_id not in ids:
            ids.append(arxiv_id)
    return FetchRequest(ids=tuple(ids))


def daily_request(
    day: str | None, week: str | None = None, month: str | None = None, today: date | None = None
) -> FetchRequest:
    """One day (default: today), ISO week (YYYY-Www) or month (YYYY-MM), checked."""
    if day and (week or month):
        raise ReadlistError("fetch daily: give a DATE, --week or --month, not two of them")
    if week is not None or month is not None:
        week, month = _period(week, month)
        return FetchRequest(week=week, month=month)
    day = day or (today or date.today()).isoformat()
    try:
        return FetchRequest(day=date.fromisoformat(day).isoformat())
    except ValueError:
        raise ReadlistError(
            f"fetch daily: {strip_controls(day)!r} is not a date (YYYY-MM-DD)"
        ) from None


def parse_request(text: str) -> FetchRequest | None:
    """The request `text` types in the import dialog, or None if it is a page to parse.

    `daily`, `daily YYYY-MM-DD`, `daily --week YYYY-Www`, `daily --month YYYY-MM`, or
    whitespace-separated arXiv ids / paper URLs. ReadlistError for a malformed `daily`.
    """
    words = text.split()
    if not words:
        return None
    if words[0].lower() == "daily" and len(words) <= 3:
        rest = words[1:]
        if len(rest) == 2 and rest[0] in ("--week", "--month"):
            flag, value = rest
            return daily_request(
                None, value if flag == "--week" else None, value if flag == "--month" else None
            )
        if len(rest) <= 1 and not (rest and rest[0].startswith("-")):
            return daily_request(rest[0] if rest else None)
        raise ReadlistError("daily: give a date (YYYY-MM-DD), --week YYYY-Www or --month YYYY-MM")
    if all(_ID_TOKEN.match(w) or _URL_TOKEN.match(w) for w in words):
        return add_request(words, what="add")
    return None


def fetch_listing(request: FetchRequest, fetcher: Fetcher) -> ListingFile:
    """The papers of `request` as one listing; EnrichError (offline, HTTP, unknown ids)
    or ReadlistError (nothing found) before anything could be written."""
    if request.ids:
        raw = arxiv_by_ids(fetcher, request.ids)
        missing = sorted(set(request.ids) - {r.arxiv_id for r in raw})
        if missing:
            raise EnrichError(f"arXiv knows no paper {', '.join(missing)}; nothing added")
        source, kind = ARXIV_SOURCE, ARXIV_KIND
    elif request.day is not None:
        raw = hf_daily(fetcher, request.day)
        source, kind = HF_SOURCE, HF_KIND
    else:
        raw = hf_daily(fetcher, week=request.week, month=request.month)
        source, kind = HF_SOURCE, HF_KIND
    papers = to_papers(raw, source=source, added=None, kind=kind)
    if not papers:
        raise ReadlistError(f"{request.shown}: no papers found")
    return ListingFile(request.shown, papers, 0, kind)


def _period(week: str | None, month: str | None) -> tuple[str | None, str | None]:
    """`--week` as YYYY-Www and `--month` as YYYY-MM, the forms the API takes (checked)."""
    if week is not None:
        parts = week.strip().upper().split("-W")
        try:
            year, number = int(parts[0]), int(parts[1])
            date.fromisocalendar(year, number, 1)
            if len(parts) != 2 or not (1000 <= year <= 9999):
                raise ValueError
        except (ValueError, IndexError):
            raise ReadlistError(
                f"fetch daily --week: {strip_controls(week)!r} is not a week (YYYY-Www, "
                "e.g. 2023-W37)"
            ) from None
        return f"{year}-W{number:02d}", None
    assert month is not None
    try:
        year, number = (int(x) for x in month.strip().split("-"))
        date(year, number, 1)
        if not 1000 <= year <= 9999:
            raise ValueError
    except ValueError:
        raise ReadlistError(
            f"fetch daily --month: {strip_controls(month)!r} is not a month (YYYY-MM, e.g. 2023-09)"
        ) from None
    return None, f"{year}-{number:02d}"
