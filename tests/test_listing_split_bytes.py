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


# A pipe gives its bytes once: `readlist import <(zcat page.txt.gz)` names /dev/fd/N, a
# pipe written by another process (not a thread: a thread would make the split skip).
# Found by review: the parent dropped its bytes for any path but `-`, then read the pipe
# again when the split fell back, and refused the page as an empty named pipe.
@pytest.mark.parametrize("how", ["the child fails", "the rest needs the whole parse"])
def test_a_page_from_a_pipe_is_parsed_whole_when_the_split_falls_back(
    monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    import os
    import subprocess

    def texts(listing: importers.ListingFile) -> list[tuple[str, str]]:
        return [(p.title, p.abstract) for p in listing.papers]

    expected = texts(read_listing(PAGE, today=TODAY, added=STAMP))
    assert expected
    monkeypatch.setattr(importers, "SPLIT_BYTES", 0)
    monkeypatch.setattr(importers, "_a_core_is_free", lambda: True)
    if how == "the child fails":

        def fail(*args: object) -> object:
            raise MemoryError("the child was killed")

        monkeypatch.setattr(importers, "_tail", fail)
    else:
        import readlist.importers.listing as listing

        monkeypatch.setattr(listing, "parse_rest", lambda *a, **k: None)
    read_end, write_end = os.pipe()
    writer = subprocess.Popen(["cat", str(PAGE)], stdout=write_end)
    os.close(write_end)
    try:
        got = read_listing(f"/dev/fd/{read_end}", today=TODAY, added=STAMP)
        assert texts(got) == expected
    finally:
        writer.kill()
        writer.wait()
        os.close(read_end)


def test_a_file_changed_between_the_two_reads_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(PAGE.read_bytes())
    monkeypatch.setattr(importers, "SPLIT_BYTES", 0)
    monkeypatch.setattr(importers, "_a_core_is_free", lambda: True)

    def changed_then_fail(*args: object) -> object:
        page.write_bytes(PAGE.read_bytes() + b"\nSomething else\n")
        raise MemoryError("the child was killed")

    monkeypatch.setattr(importers, "_tail", changed_then_fail)
    with pytest.raises(importers.ImportFileError, match="changed while it was being read"):
        read_listing(page, today=TODAY, added=STAMP)
