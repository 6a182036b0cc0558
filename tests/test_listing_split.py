"""A large page parsed in two processes gives exactly the papers of the whole parse.

`read_listing` cuts a large UTF-8 page at a line boundary past its middle and parses the
second part in a forked child (readlist/importers/__init__.py, `_read_in_two`; why the
parts add up: `listing.Tail`). Here the size threshold is lowered and the cut put at
every line boundary of real-shaped pages (or at drawn ones of generated pages: every
layout, several pages, blank lines, CRLF, a byte-order mark), including cuts between
two paragraphs of an abstract, inside a metadata group and before a trending card's
`Upvote` line. Each time the listing read in two parts is compared, field by field, with
the one read whole; the split must really have been taken wherever the first part
holds a page's head. A child that fails, or bytes that are not UTF-8, give what the
whole parse gives.
"""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import readlist.importers as importers
from readlist.errors import ImportFileError
from readlist.importers import ListingFile, read_listing

from .conftest import DAILY, SEARCH, TODAY
from .test_listing_generated import SETTINGS, listings, renders

DATA = Path(__file__).parent / "data"
STAMP = "2026-12-01T09:30:00+00:00"


def shown(listing: ListingFile) -> tuple[object, ...]:
    return (
        [astuple(p) for p in listing.papers],
        listing.skipped,
        listing.format,
        listing.notes,
        listing.annotations,
        listing.filters,
    )


def whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...] | str:
    with monkeypatch.context() as patch:
        patch.setattr(importers, "SPLIT_BYTES", 1 << 60)
        try:
            return shown(read_listing(path, today=TODAY, added=STAMP))
        except ImportFileError as error:
            return str(error)


def in_two(
    path: Path, cut: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[object, ...] | str, bool]:
    """The listing read with its part from `cut` in a child; whether it was split."""
    taken: list[bool] = []
    split = importers._read_in_two

    def spy(*args: object, **kwargs: object) -> ListingFile | None:
        found = split(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(found is not None)
        return found

    with monkeypatch.context() as patch:
        patch.setattr(importers, "SPLIT_BYTES", 0)
        patch.setattr(importers, "_a_core_is_free", lambda: True)  # (whatever the load)
        patch.setattr(importers, "_cut", lambda data: cut)
        patch.setattr(importers, "_read_in_two", spy)
        try:
            got: tuple[object, ...] | str = shown(read_listing(path, today=TODAY, added=STAMP))
        except ImportFileError as error:
            got = str(error)
    return got, taken == [True]


def cuts(data: bytes) -> list[int]:
    """Every line boundary: just after each newline byte."""
    return [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]


PAGES = [
    DATA / "hf-daily-2026.txt",
    DATA / "hf-trending-2026.txt",
    DAILY,
    SEARCH,
]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_cut_of_a_real_page_gives_the_whole_parse(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = whole(path, monkeypatch)
    assert not isinstance(expected, str)
    data = path.read_bytes()
    split = 0
    for cut in cuts(data):
        got, taken = in_two(path, cut, monkeypatch)
        assert got == expected, f"cut at byte {cut}"
        split += taken
    assert split, "no cut was parsed in two"


def test_a_cut_between_two_paragraphs_of_an_abstract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Papers of three paragraphs each: every cut, inside abstracts or between cards."""
    cards = []
    for i in range(30):
        cards.append(
            f"Sparse Routing Number {i} for Long Contexts\n\n"
            f"We propose method {i}. It routes tokens to experts.\n\n"
            "A second paragraph follows, with more detail on the method.\n\n"
            "The third paragraph closes the abstract.\n\n"
            f"  • {i + 2} authors\n·\nMay {i % 27 + 1}, 2025\n\n"
        )
    path = tmp_path / "paragraphs.txt"
    path.write_text("Daily Papers\n\n" + "".join(cards), encoding="utf-8")
    expected = whole(path, monkeypatch)
    assert not isinstance(expected, str)
    assert all(paper[2].count("\n\n") == 2 for paper in expected[0])  # type: ignore[index]
    data = path.read_bytes()
    split = 0
    for cut in cuts(data):
        got, taken = in_two(path, cut, monkeypatch)
        assert got == expected, f"cut at byte {cut}"
        split += taken
    assert split > len(cuts(data)) // 2


@SETTINGS
@given(st.data())
def test_generated_pages_cut_anywhere_give_the_whole_parse(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    text = data.draw(listings().flatmap(renders)).text
    path = tmp_path_factory.mktemp("page") / "page.txt"
    path.write_bytes(text.encode("utf-8"))
    boundaries = cuts(path.read_bytes())
    if not boundaries:
        return  # "\r" line endings: no cut, nothing to compare
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = whole(path, monkeypatch)
        for cut in data.draw(st.lists(st.sampled_from(boundaries), min_size=1, max_size=3)):
            got, _ = in_two(path, cut, monkeypatch)
            assert got == expected, f"cut at byte {cut}"


def test_a_child_that_fails_leaves_the_whole_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = DATA / "hf-daily-2026.txt"
    expected = whole(path, monkeypatch)

    def fail(*args: object) -> object:
        raise RuntimeError("the child broke")

    monkeypatch.setattr(importers, "_tail", fail)
    got, taken = in_two(path, len(path.read_bytes()) // 2, monkeypatch)
    assert got == expected and not taken


@pytest.mark.parametrize("where", ["first part", "second part"])
def test_bytes_that_are_not_utf8_are_reported_as_by_the_whole_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    text = (DATA / "hf-daily-2026.txt").read_bytes()
    half = len(text) // 2
    at = text.find(b" ", 0 if where == "first part" else half + 10)
    path = tmp_path / "bad.txt"
    path.write_bytes(text[:at] + b"\xff" + text[at + 1 :])
    expected = whole(path, monkeypatch)
    assert isinstance(expected, str) and f"offset {at}" in expected
    got, _ = in_two(path, half - 1 + text[half - 1 :].find(b"\n") + 1, monkeypatch)
    assert got == expected


def test_a_fork_that_fails_leaves_the_whole_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    path = DATA / "hf-daily-2026.txt"
    expected = whole(path, monkeypatch)

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(importers.os, "fork", no_fork)
    got, taken = in_two(path, len(path.read_bytes()) // 2, monkeypatch)
    assert got == expected and not taken


def test_a_busy_machine_parses_the_whole_page_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """No free core now (two tasks runnable on 2 cores: this process and another): the
    child would only compete with this process. One runnable (this process): split,
    whatever the last minute's load was."""
    monkeypatch.setattr(importers, "_cores", lambda: 2)
    monkeypatch.setattr(importers.os, "getloadavg", lambda: (0.7, 1.0, 1.0))
    monkeypatch.setattr(importers, "_runnable_now", lambda: 2)
    assert not importers._a_core_is_free()
    monkeypatch.setattr(importers, "_runnable_now", lambda: 1)
    assert importers._a_core_is_free()
    # Where the runnable tasks cannot be counted: the last minute's load.
    monkeypatch.setattr(importers, "_runnable_now", lambda: None)
    monkeypatch.setattr(importers.os, "getloadavg", lambda: (1.9, 1.0, 1.0))
    assert not importers._a_core_is_free()
    monkeypatch.setattr(importers.os, "getloadavg", lambda: (0.3, 1.0, 1.0))
    assert importers._a_core_is_free()


@pytest.mark.skipif(not Path("/proc/loadavg").exists(), reason="Linux's /proc/loadavg")
def test_the_runnable_tasks_count_this_process() -> None:
    runnable = importers._runnable_now()
    assert runnable is not None and runnable >= 1
