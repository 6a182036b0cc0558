"""A page parsed in two processes drops the file's bytes in each once it has read its
part (readlist/importers/__init__.py, `_read_in_two`): at 100,000 papers that took the
peak of the two processes together (PSS) from ~550 to ~420 MB. Where the whole is to be
parsed here after all, a file is read again and standard input (which cannot be) was
kept: both give what the whole parse gives."""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path

import pytest

import readlist.importers as importers
from readlist.importers import read_listing

from .conftest import TODAY
from .test_listing_split import STAMP, shown, whole

PAGE = Path(__file__).parent / "data" / "hf-daily-2026.txt"


def _split_forced(monkeypatch: pytest.MonkeyPatch, *, child_fails: bool) -> list[str]:
    """Split every page, whatever the load; the names of what read the input, in order."""
    reads: list[str] = []
    read_file, read_stdin = importers._read_bytes, importers._read_stdin

    def file(path: Path, shown: str) -> bytes:
        reads.append("file")
        return read_file(path, shown)

    def stdin() -> bytes:
        reads.append("stdin")
        return read_stdin()

    def fail(*args: object) -> object:
        raise RuntimeError("the child broke")

    monkeypatch.setattr(importers, "SPLIT_BYTES", 0)
    monkeypatch.setattr(importers, "_a_core_is_free", lambda: True)
    monkeypatch.setattr(importers, "_read_bytes", file)
    monkeypatch.setattr(importers, "_read_stdin", stdin)
    if child_fails:
        monkeypatch.setattr(importers, "_tail", fail)
    return reads


def test_a_file_is_read_again_when_the_split_fails_after_its_bytes_were_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = whole(PAGE, monkeypatch)
    reads = _split_forced(monkeypatch, child_fails=True)
    assert shown(read_listing(PAGE, today=TODAY, added=STAMP)) == expected
    assert reads == ["file", "file"]


def test_a_split_that_works_reads_the_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = whole(PAGE, monkeypatch)
    reads = _split_forced(monkeypatch, child_fails=False)
    assert shown(read_listing(PAGE, today=TODAY, added=STAMP)) == expected
    assert reads == ["file"]


def _stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = types.SimpleNamespace(buffer=io.BytesIO(PAGE.read_bytes()), isatty=lambda: False)
    monkeypatch.setattr(sys, "stdin", pipe)


@pytest.mark.parametrize("child_fails", [False, True], ids=["split", "child fails"])
def test_standard_input_keeps_its_bytes_for_the_whole_parse(
    monkeypatch: pytest.MonkeyPatch, child_fails: bool
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(importers, "SPLIT_BYTES", 1 << 60)
        _stdin(patch)
        expected = shown(read_listing("-", today=TODAY, added=STAMP))
    reads = _split_forced(monkeypatch, child_fails=child_fails)
    _stdin(monkeypatch)
    got = read_listing("-", today=TODAY, added=STAMP)
    assert got.path == "standard input" and shown(got) == expected
    assert reads == ["stdin"]
