"""The listing parser's fast paths give what the plain ways give.

`read_listing` decodes a UTF-8 file a piece at a time and cleans it line by line (NFC,
line breaks, the byte-order mark) instead of holding the whole text as one string; the
title tests skip their regexes when a line lacks what the regex needs. Each is checked
here against a plain reference written the slow way: the whole text normalised at once,
the regexes always run. Generated pages come from test_listing_generated's strategies,
with what hostile copies add (other line breaks, controls, decomposed accents).
"""

from __future__ import annotations

import re
import tracemalloc
import unicodedata
from dataclasses import astuple
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import readlist.importers as importers
from readlist.errors import ImportFileError
from readlist.importers import read_listing, read_text
from readlist.importers.listing import (
    _BUTTON_WORDS,
    _CSV_LINE,
    _EMAIL,
    _NOT_TITLE_START,
    _SITES,
    _STARS,
    _URL,
    MAX_TITLE,
    _can_be_title,
    _is_buttons,
    _looks_like_code,
    _plain_start,
    _special,
    _trim_url,
    find_links,
)
from readlist.text import normalize_newlines

from .conftest import DAILY, SEARCH, TODAY
from .test_listing_generated import SETTINGS, listings, renders

DATA = Path(__file__).parent / "data"

# -- the plain references ----------------------------------------------------------------

_CODE_END_RE = re.compile(r"[{};:,(\[=\\]$")
_CODE_INSIDE_RE = re.compile(
    r"(?:\s(?:==|!=|=>|->|\+=|:=|&&|\|\|)\s|\w\(.*\)\s*$|^\s*[\w.]+\s*=\s)"
)


def plain_looks_like_code(line: str) -> bool:
    return bool(
        _NOT_TITLE_START.match(line) or _CODE_END_RE.search(line) or _CODE_INSIDE_RE.search(line)
    )


def plain_can_be_title(line: str) -> bool:
    if len(line) > MAX_TITLE or not any(c.isalnum() for c in line):
        return False
    if "://" in line or plain_looks_like_code(line) or _CSV_LINE.match(line):
        return False
    if _EMAIL.search(line):
        return False
    return not line.endswith(("…", "..."))


def plain_is_buttons(line: str) -> bool:
    words = line.split()
    return (
        len(words) >= 2
        and not _STARS.match(words[0])
        and all(w.casefold() in _BUTTON_WORDS or _STARS.match(w) for w in words)
        and any(w.casefold() in _SITES for w in words)
    )


def plain_text(text: str) -> str:
    """The text as the parser used to clean it: whole, at once."""
    return normalize_newlines(unicodedata.normalize("NFC", text.lstrip("\ufeff")))


def papers_of(listing: importers.ListingFile) -> list[tuple[object, ...]]:
    return [astuple(p) for p in listing.papers]


# -- lines -------------------------------------------------------------------------------

# What decides the title tests: code operators, brackets, separators, addresses, case
# folding that changes length or letters (ß, ſ, the Kelvin sign, dotted İ), button words.
ALPHABET = st.sampled_from(
    [
        *"aZ09 .,;:=!-><&|+()[]{}\\/#*@_'\"`~\t…",
        *["ß", "ſ", "\u212a", "İ", "é", "日", "→", "\u00a0"],
        *[" github", " arXiv", " PDF", " Page", " 1.2k", "Code ", "import ", "x(y) "],
        *["SELECT ", "INSERT ", "Import ", "Z", "I", "S"],
    ]
)
LINES = st.lists(ALPHABET, max_size=40).map("".join)


@given(LINES)
def test_the_title_tests_agree_with_their_plain_regexes(line: str) -> None:
    assert _looks_like_code(line) == plain_looks_like_code(line)
    assert _can_be_title(line) == plain_can_be_title(line)
    assert _is_buttons(line) == plain_is_buttons(line)


# What starts a line of page structure: counts, dashes, bullets, spaces, month names,
# the words of labels and card starts, and what the case-blind regexes take for their
# letters (`ſ` for s, the Kelvin sign for k, `ı` and `İ` for i).
STARTS = st.sampled_from(
    [
        *"0123456789-–—•·* \u2003\u00a0\t",
        *["ſ", "\u212a", "ı", "İ", "٣"],
        *["Jan", "jUN", "Sept", "Dec", "Decoding", "May", "Mar", "Marching", "Oct."],
        *["Published on", "publiſhed on", "Submitted by", "ſubmitted", "Upvote", "upvotes"],
        *["Papers", "arXiv", "ARXIV", "Abstract", "Authors:", "authors", "A", "S", "P", "U"],
        *["Towards", "Learning", "Zero", "b", "z", "K", "k", "Meta AI", "Jump"],
    ]
)
RESTS = st.lists(
    st.sampled_from([*" 0123456789,:·•", " 4", " 23", " 2025", ", 2025", " authors",
                     " on", " by", " Jan 4", " arxiv:2401.12345", " 1,234", "x", "日"]),
    max_size=8,
).map("".join)  # fmt: skip


@given(STARTS, RESTS)
def test_a_line_that_starts_like_a_title_is_no_page_structure(start: str, rest: str) -> None:
    """`_classify` skips `_special` for lines that `_plain_start` vouches for: it must
    find nothing in any of them."""
    for line in (start + rest, (start + rest).strip(" \u00a0")):
        if _plain_start(line):
            assert _special(line, TODAY) is None, line


def test_the_samples_page_structure_is_found_with_the_fast_start_check() -> None:
    lines = set()
    for path in [DAILY, SEARCH, *sorted(DATA.glob("*.txt"))]:
        lines.update(
            line.strip(" \u00a0") for line in path.read_text(encoding="utf-8").splitlines()
        )
    lines.discard("")
    structure = [line for line in lines if _special(line, TODAY) is not None]
    assert len(structure) > 50
    assert not [line for line in structure if _plain_start(line)]


def test_the_title_tests_agree_on_every_line_of_the_samples() -> None:
    lines = set()
    for path in [DAILY, SEARCH, *sorted(DATA.glob("*.txt")), *sorted(DATA.glob("*.bib"))]:
        lines.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    lines.discard("")
    assert len(lines) > 300
    for line in lines:
        assert _can_be_title(line) == plain_can_be_title(line), line
        assert _is_buttons(line) == plain_is_buttons(line), line


# -- links ---------------------------------------------------------------------------------


def plain_find_links(text: str) -> tuple[str, ...]:
    links: list[str] = []
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if len(url) > len("https://") and url not in links:
            links.append(url)
    return tuple(links)


URL_PARTS = st.sampled_from(
    [
        "http",
        "https",
        "HTTPS",
        "hTtPſ",
        "ftp",
        "://",
        ":/",
        "//",
        "x",
        ".org",
        "/a_(b)",
        ")",
        "(",
        " ",
        "\n",
        ".",
        ",",
        "?u=",
        "<",
        '"',
        "s",
        ":",
        "ſ://",
        "日",
    ]
)


@given(st.lists(URL_PARTS, max_size=30).map("".join))
def test_links_are_the_plain_regexes_matches(text: str) -> None:
    assert find_links(text) == plain_find_links(text)


def test_links_in_the_generated_abstracts_are_the_plain_regexes_matches() -> None:
    text = DAILY.read_text(encoding="utf-8") + SEARCH.read_text(encoding="utf-8")
    text += " see https://a.org/x?u=http://b.org/y, ftp://c.org and HTTPS://D.org/(e))."
    assert find_links(text) == plain_find_links(text)
    assert "https://a.org/x?u=http://b.org/y" in find_links(text)


# -- files read a piece at a time --------------------------------------------------------

HOSTILE = st.sampled_from(
    [
        "",
        "\u2028",  # a line separator inside a line
        "\x85",  # NEL
        "\x0b",
        "\x0c",
        "\x1b[2J",  # an escape sequence
        "\x07",
        "e\u0301",  # a decomposed é: NFC composes it
        "\ufeff",  # a stray BOM inside the text
        "\u202e",  # a bidi override
        "\t",  # (a tab, a carriage return, DEL: a piece with them is not plain)
        "\r",
        "\r\n",
        "\x7f",
    ]
)


@SETTINGS
@given(data=st.data())
def test_a_file_read_in_pieces_gives_the_papers_of_its_whole_text(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rendered = data.draw(renders(data.draw(listings())))
    text = rendered.text
    # Hostile characters at a few places (never inside a card's title: the oracle here
    # is the whole-text reference, not the rendered papers).
    for _ in range(data.draw(st.integers(0, 4))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(HOSTILE) + text[at:]
    piece = data.draw(st.sampled_from([1, 7, 64, 1 << 20]))
    path = tmp_path_factory.mktemp("pieces") / "page.txt"
    path.write_bytes(text.encode("utf-8"))

    def read_whole() -> list[tuple[object, ...]] | str:
        try:
            reference = read_text(plain_text(text), shown="page.txt", source=str(path),
                                  today=TODAY, added="2026-11-22T00:00:00+00:00")  # fmt: skip
        except ImportFileError as error:
            return str(error)
        return papers_of(reference)

    def read_in_pieces() -> list[tuple[object, ...]] | str:
        try:
            listing = read_listing(path, today=TODAY, added="2026-11-22T00:00:00+00:00")
        except ImportFileError as error:
            return str(error)
        return papers_of(listing)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importers, "_PIECE", piece)
        assert read_in_pieces() == read_whole()


@pytest.mark.parametrize("path", [DAILY, SEARCH, *sorted(DATA.glob("hf-*.txt"))])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_sample_files_read_in_pieces_give_the_papers_of_their_whole_text(
    path: Path, newline: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "\ufeff" + path.read_text(encoding="utf-8").replace("\n", newline)
    copy = tmp_path / path.name
    copy.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(importers, "_PIECE", 97)
    pieces = read_listing(copy, today=TODAY, added="A")
    whole = read_text(plain_text(text), shown=path.name, source=str(copy), today=TODAY, added="A")
    assert papers_of(pieces) == papers_of(whole)
    assert (pieces.skipped, pieces.format) == (whole.skipped, whole.format)


def test_invalid_utf8_late_in_a_file_names_its_offset(tmp_path: Path) -> None:
    good = DAILY.read_bytes()
    path = tmp_path / "page.txt"
    data = good + b"\n\nA title\n\nAn abstract \xff here.\n"
    path.write_bytes(data)
    with pytest.raises(ImportFileError) as raised:
        read_listing(path, today=TODAY)
    offset = data.index(b"\xff")
    assert str(raised.value) == (
        f"{path}: is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8"
    )


# -- memory --------------------------------------------------------------------------------


def test_a_large_listing_is_not_held_as_one_string_beside_its_lines(tmp_path: Path) -> None:
    """A 10 MB listing whose text is two bytes a character as one string (a `•`): the
    parse peaks at the file, its lines and its papers, not at the text as well."""
    words = [
        "we",
        "propose",
        "a",
        "method",
        "that",
        "improves",
        "accuracy",
        "on",
        "six",
        "benchmarks",
        "by",
    ]
    variants = [" ".join(words[k:] + words[:k]) for k in range(8)]
    cards = []
    for n in range(8_000):
        body = " ".join([variants[n % 8]] * 19) + "."
        cards.append(
            f"Sparse Routing Study Number {n}\n\n{body}\n\n  • 4 authors\n·\nJun 8, 2025\n"
        )
    path = tmp_path / "big.txt"
    path.write_text("\n".join(cards), encoding="utf-8")
    size = path.stat().st_size
    assert size > 10_000_000
    tracemalloc.start()
    try:
        listing = read_listing(path, today=TODAY, added="A")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(listing.papers) == 8_000
    assert listing.papers[7].authors_count == 4
    # The bytes, the lines and the papers: about three times the file (2.95 when this
    # was written). With the text as one UCS-2 string too, five times (5.0).
    assert peak < 3.5 * size, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
