"""Property tests: the importer survives any text, and finds exactly the papers it is given."""

from __future__ import annotations

import tempfile
import unicodedata
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.errors import ImportFileError
from readlist.importers import read_listing
from readlist.importers.listing import _can_be_title, _is_buttons, _is_prose, parse_listing
from readlist.models import identity_key
from readlist.text import clean_block

from .conftest import TODAY

FURNITURE = {"new", "subscribe", "daily papers"}

# Words without the characters the format uses for structure, also once cleaned: NFKC
# turns GREEK ANO TELEIA (U+0387) into the metadata's MIDDLE DOT (U+00B7), and a paragraph
# that starts with one is a card's metadata line, not an abstract.
word = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs")),
    min_size=1,
    max_size=12,
).filter(lambda w: not {"•", "·"} & set(w + clean_block(w)))
title = (
    st.lists(word, min_size=2, max_size=12)
    .map(" ".join)
    .filter(
        lambda t: (
            len(t) <= 300
            and any(c.isalnum() for c in t)
            and clean_block(t).casefold() not in FURNITURE
            and _can_be_title(clean_block(t))
            and not _is_prose(clean_block(t))
            and not _is_buttons(clean_block(t))  # a card's link buttons ("arXiv 0")
        )
    )
)
abstract = (
    st.lists(word, min_size=2, max_size=80)
    .map(" ".join)
    .map(lambda a: a + ".")
    .filter(lambda a: _is_prose(clean_block(a)))
)
meta = st.one_of(
    st.none(),
    st.tuples(
        st.integers(1, 500),
        st.dates(date(1900, 1, 1), date(2100, 12, 31)),
        st.one_of(st.none(), st.integers(0, 9999)),
    ),
)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def render(papers: list[tuple[str, str, tuple | None]], newline: str) -> str:  # type: ignore[type-arg]
    parts = ["new", "Subscribe", "Daily Papers", "Apr 23"]
    for t, a, m in papers:
        parts += [t, a]
        if m is not None:
            n, day, up = m
            date_line = f"{MONTHS[day.month - 1]} {day.day}, {day.year}" + (
                f" {up}" if up is not None else ""
            )
            parts.append(f"  • {n} authors\n·\n{date_line}")
    return (newline * 2).join(parts).replace("\n", newline)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(title, abstract, meta),
        min_size=1,
        max_size=8,
        unique_by=lambda p: identity_key(clean_block(p[0])),
    ),
    st.sampled_from(["\n", "\r\n"]),
)
def test_listing_round_trips(papers, newline) -> None:  # type: ignore[no-untyped-def]
    # Titles must be unique after cleaning to be distinct papers; the parser keeps order.
    result = parse_listing(render(papers, newline), today=TODAY)
    got = [(p.title, p.abstract) for p in result.papers]
    assert got == [(clean_block(t), clean_block(a)) for t, a, _ in papers]
    for paper, (_, _, m) in zip(result.papers, papers, strict=True):
        if m is None:
            assert paper.authors_count is None
        else:
            assert (paper.authors_count, paper.published, paper.comments) == (
                m[0],
                m[1].isoformat(),
                m[2],
            )
    assert result.skipped == 0


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_parse_listing_never_raises_on_any_text(text: str) -> None:
    result = parse_listing(text, today=TODAY)
    for paper in result.papers:
        assert paper.title and "\n" not in paper.title
        for field in (paper.title, paper.abstract.replace("\n\n", " ")):
            assert not [c for c in field if unicodedata.category(c) == "Cc"], field


_tmp = Path(tempfile.mkdtemp(prefix="readlist-prop-"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_either_import_or_raise_the_clear_error(data: bytes) -> None:
    path = _tmp / "random.txt"
    path.write_bytes(data)
    try:
        listing = read_listing(path, today=TODAY)
    except ImportFileError as error:
        assert str(error).startswith(f"{path}: ")
        assert "\n" not in str(error)
    else:
        assert listing.papers


FRAGMENTS = [
    "  • 5 authors", "• 1 authors · Jan 12", "·", "Apr 19, 2023", "Apr 19, 2023 12", "May 5",
    "Feb 29", "new", "Subscribe", "Daily Papers", "A Title", "An abstract. With sentences.",
    "https://github.com/x/y).", "[bold]x[/]", "[@click=app.quit]q", "\x1b[2J", "\x1b]0;t\x07",
    "\x9b31m", "\x00", "\t", " ", "", "\u2028", "\r", "日本語", "🚀", "x" * 500, "9" * 30,
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=60),
    st.sampled_from(["\n", "\n\n", "\r\n", "\r\n\r\n", "\n \n"]),
)
def test_listing_shaped_noise_never_raises(parts: list[str], separator: str) -> None:
    result = parse_listing(separator.join(parts), today=TODAY)
    for paper in result.papers:
        assert paper.title.strip() == paper.title and paper.title
        assert not any(unicodedata.category(c) == "Cc" for c in paper.title)
        assert not any(unicodedata.category(c) == "Cc" for c in paper.abstract.replace("\n\n", ""))
        if paper.published is not None:
            date.fromisoformat(paper.published)
