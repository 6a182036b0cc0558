"""Small facts written for people, the same way everywhere: CLI, TUI, exports, citations."""

from __future__ import annotations

from readlist.models import MAX_RATING

UNRATED = "·" * MAX_RATING


def stars(rating: int) -> str:
    """`★★★☆☆` for a rating, `·····` for none (always MAX_RATING cells wide)."""
    return "★" * rating + "☆" * (MAX_RATING - rating) if rating else UNRATED


def authors_phrase(count: int | None) -> str | None:
    """`1 author`, `65 authors`, or None when the listing did not say."""
    if count is None:
        return None
    return f"{count} author{'' if count == 1 else 's'}"
