"""Small facts written for people, the same way everywhere: CLI, TUI, exports, citations."""

from __future__ import annotations

from readlist.models import MAX_RATING, Paper

UNRATED = "·" * MAX_RATING


def stars(rating: int) -> str:
    """`★★★☆☆` for a rating, `·····` for none (always MAX_RATING cells wide)."""
    return "★" * rating + "☆" * (MAX_RATING - rating) if rating else UNRATED


def authors_phrase(count: int | None) -> str | None:
    """`1 author`, `65 authors`, or None when the listing did not say."""
    if count is None:
        return None
    return f"{count} author{'' if count == 1 else 's'}"


def short_authors(names: tuple[str, ...], total: int | None = None, *, limit: int = 3) -> str:
    """`A, B and C`, or `A, B, C et al. (12 authors)` when there are more than `limit`."""
    count = max(total or 0, len(names))
    if not names:
        return authors_phrase(total) or ""
    if len(names) <= limit and count == len(names):
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{', '.join(names[:limit])} et al. ({count} authors)"


def metadata_parts(paper: Paper) -> list[str]:
    """What the detail pane and triage view say about a paper, in reading order."""
    parts: list[str] = []
    if paper.authors or paper.authors_count is not None:
        parts.append(short_authors(paper.authors, paper.authors_count))
    if paper.organization:
        parts.append(paper.organization)
    if paper.published:
        parts.append(f"published {paper.published}")
    if paper.arxiv_id:
        parts.append(f"arXiv:{paper.arxiv_id}")
    if paper.categories:
        parts.append(" ".join(paper.categories[:3]))
    if paper.venue:
        parts.append(paper.venue)
    if paper.upvotes is not None:
        parts.append(f"▲ {paper.upvotes} upvote{'' if paper.upvotes == 1 else 's'}")
    if paper.comments is not None:
        parts.append(f"{paper.comments} comment{'' if paper.comments == 1 else 's'}")
    parts.append(f"id {paper.short_id}")
    return parts
