"""The catalogue commit (Store._commit_catalogue): an import writes the abstracts and
the papers file as one step, so a process killed in between leaves the old or the new
catalogue, never new abstracts beside old papers (the crash gap of issue 9).

tests/test_crash_safety.py SIGKILLs real imports before each file-system call; these
tests stop an import at the two moments that matter, in-process, and check what the
next open makes of what was left on disk.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from readlist.models import Paper, paper_id
from readlist.store import Store
from readlist.store import store as store_module
from readlist.store.doctor import doctor


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no `except Exception` catches it."""


def paper(title: str, abstract: str) -> Paper:
    return Paper(paper_id(title), title, abstract, upvotes=len(abstract))


def library(db: Path) -> dict[str, tuple[str, int | None]]:
    return {p.id: (p.abstract, p.upvotes) for p in Store.open(db).papers()}


@pytest.fixture
def old(db: Path) -> dict[str, tuple[str, int | None]]:
    Store.open(db).import_listings([[paper(f"Paper {i}", f"Short {i}.") for i in range(5)]])
    return library(db)


LONGER = [paper("Paper 2", "A much longer abstract of paper two."), paper("Paper 9", "New.")]


def pending(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name.endswith((".next", ".commit")))


@pytest.mark.parametrize("indexed", [True, False])
def test_killed_after_the_abstracts_were_written_the_next_open_finishes_the_import(
    db: Path, old: dict[str, tuple[str, int | None]], monkeypatch: pytest.MonkeyPatch, indexed: bool
) -> None:
    if not indexed:
        db.with_name("library.identity.idx").unlink()
    papers = db.with_name("library.papers.json")
    real = os.replace

    def replace(src: object, dst: object) -> None:
        if Path(str(dst)) == papers and str(src).endswith(".next"):
            raise Killed  # the abstracts file is new, the papers file not yet renamed
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.os, "replace", replace)
    with pytest.raises(Killed):
        Store.open(db, catalogue=False).import_listings([LONGER])
    monkeypatch.undo()
    assert pending(db) == ["library.papers.json.commit", "library.papers.json.next"]
    out = io.StringIO()
    doctor(db, repair=False, out=out)
    assert "cut short while saving the catalogue" in out.getvalue()
    new = library(db)  # opening finishes the commit
    assert pending(db) == []
    assert new[paper_id("Paper 2")] == ("A much longer abstract of paper two.", 36)
    assert new[paper_id("Paper 9")] == ("New.", 4)
    assert {k: v for k, v in new.items() if k in old and k != paper_id("Paper 2")} == {
        k: v for k, v in old.items() if k != paper_id("Paper 2")
    }


@pytest.mark.parametrize("indexed", [True, False])
def test_killed_before_the_abstracts_were_written_the_next_open_undoes_it(
    db: Path, old: dict[str, tuple[str, int | None]], monkeypatch: pytest.MonkeyPatch, indexed: bool
) -> None:
    if not indexed:
        db.with_name("library.identity.idx").unlink()

    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(store_module.Store, "_write_abstracts", killed)
    with pytest.raises(Killed):
        Store.open(db, catalogue=False).import_listings([LONGER])
    monkeypatch.undo()
    assert pending(db) == []  # nothing was changed: the staged file went with the error
    assert library(db) == old


def test_a_staged_papers_file_left_by_a_kill_is_undone_at_open(
    db: Path, old: dict[str, tuple[str, int | None]]
) -> None:
    """SIGKILL runs no `except`: a staged file and its record stay behind. With the
    abstracts file still the version the record names, nothing was committed."""
    papers = db.with_name("library.papers.json")
    staged = papers.with_name(papers.name + ".next")
    staged.write_bytes(papers.read_bytes().replace(b"Paper 1", b"Paper X"))
    store = Store(db)
    abstracts = store_module.signature(store.paths.abstracts)
    record = papers.with_name(papers.name + ".commit")
    record.write_bytes(
        store_module.orjson.dumps(
            {"readlist": "catalogue-commit", "staged": staged.name, "abstracts": abstracts}
        )
    )
    assert library(db) == old and pending(db) == []
    staged.write_bytes(b"{}")  # staged, never recorded (killed before the record)
    assert library(db) == old and pending(db) == []


def test_a_store_opened_before_the_kill_finishes_the_commit_before_it_writes(
    db: Path, old: dict[str, tuple[str, int | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TUI started before another process was killed mid-commit does not open the
    library again: its next write must finish that commit first. Otherwise the write
    kept the new abstracts beside the old papers, and the next open rolled the stale
    staged papers file over it (losing the write)."""
    tui = Store.open(db)
    tui.papers()
    papers = db.with_name("library.papers.json")
    real = os.replace

    def replace(src: object, dst: object) -> None:
        if Path(str(dst)) == papers and str(src).endswith(".next"):
            raise Killed
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.os, "replace", replace)
    with pytest.raises(Killed):
        Store.open(db, catalogue=False).import_listings([LONGER])
    monkeypatch.undo()
    assert tui.set_removed([paper_id("Paper 0")], True) == [paper_id("Paper 0")]
    assert pending(db) == []
    store = Store.open(db)
    kept = {p.id: (p.abstract, p.upvotes) for p in store.papers()}
    assert kept[paper_id("Paper 2")] == ("A much longer abstract of paper two.", 36)
    assert paper_id("Paper 9") in kept and paper_id("Paper 0") not in kept
    assert [p.id for p in store.papers(removed=True)] == [paper_id("Paper 0")]
