"""The split's child sends its papers a chunk at a time (readlist/importers/__init__.py,
`_tail`): whatever the chunk size, the papers read in two parts are those of the whole
parse, in order; a child that dies between two chunks leaves the whole parse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

import readlist.importers as importers
from readlist.importers.base import RawPaper
from readlist.models import Paper, paper_id

from .conftest import DAILY
from .test_listing_split import in_two, whole

PAGE = DAILY


def middle(path: Path) -> int:
    data = path.read_bytes()
    return data.find(b"\n", len(data) // 3) + 1


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1 << 20])
def test_any_chunk_size_gives_the_whole_parse(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    expected = whole(PAGE, monkeypatch)
    assert not isinstance(expected, str) and len(expected[0]) > 7  # type: ignore[arg-type]
    monkeypatch.setattr(importers, "_CHUNK", size)
    got, taken = in_two(PAGE, middle(PAGE), monkeypatch)
    assert taken and got == expected


def test_a_child_that_dies_between_two_chunks_leaves_the_whole_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = whole(PAGE, monkeypatch)
    tail = importers._tail

    def dies(*args: object) -> Iterator[object]:
        sent = tail(*args)  # type: ignore[arg-type]
        yield next(sent)  # its head
        yield next(sent)  # one chunk
        raise RuntimeError("the child broke")

    monkeypatch.setattr(importers, "_CHUNK", 2)
    monkeypatch.setattr(importers, "_tail", dies)
    got, taken = in_two(PAGE, middle(PAGE), monkeypatch)
    assert got == expected and not taken


def test_the_fields_sent_are_in_the_papers_order() -> None:
    item = RawPaper(
        title="  A  Title ", abstract="Text.", authors=("A B",), authors_count=3,
        organization="Org", published="2026-11-30", date_inferred=True, upvotes=4,
        comments=2, arxiv_id="2611.00001", doi="10.1/x", categories=("cs.CL",),
        venue="V", links=("https://x.org",), sources=("s",),
    )  # fmt: skip
    paper = Paper(*importers._values(item, source="file", added="then", kind="hf-page"))
    names = {f.name for f in fields(Paper)} - {"said"}
    expected = {f.name: getattr(item, f.name) for f in fields(RawPaper) if f.name in names}
    expected |= {"title": "A Title", "sources": ("s", "file"), "added": "then"}
    got = {name: getattr(paper, name) for name in expected}
    assert got == expected
    assert paper.id == paper_id("A Title") and paper.removed is None
    assert paper.said == tuple(sorted(paper.said)) and len(paper.said) > 5
