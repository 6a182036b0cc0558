"""An import's undo entry, written compactly (store/history.py, `Entry.added`): its papers'
ids packed into one string. Undo and redo of an import do what they did, entries written
in the older form (`"removed"` pairs) still read and undo, and damage in the packed ids
is reported where it is needed."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readlist import commands
from readlist.errors import LibraryError
from readlist.store import Store
from readlist.store import history as history_file
from tests.conftest import RunCli


def kept_ids(db: Path) -> set[str]:
    return {p.id for p in Store.open(db).papers(with_abstracts=False)}


def entry_lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines() if line.startswith(b'{"entry":')]


def test_an_import_entry_is_its_ids_packed_and_undo_redo_remove_and_bring_back(
    sample_store: Store,
) -> None:
    db = sample_store.paths.annotations
    every = sorted(kept_ids(db))
    sample_store.record_added(every, "imported 101 papers:")
    [line] = entry_lines(sample_store.history_path)
    # 16 characters a paper, where the pairs (`"<id>":[true,false],`) took 31.
    assert len(line) < 16 * len(every) + 200
    entry = orjson.loads(line)["entry"]
    assert entry["added"] == "".join(every) and "removed" not in entry
    later = Store.open(db)
    assert commands.Undo().run(later).message.startswith("undid “imported 101 papers")
    assert kept_ids(db) == set()
    assert commands.Redo().run(Store.open(db)).message.startswith("redid “imported 101 papers")
    assert kept_ids(db) == set(every)


def test_the_cli_import_then_undo_removes_exactly_the_papers_it_added(
    cli: RunCli, db: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first.txt"
    first.write_text(_listing(range(3)))
    second = tmp_path / "second.txt"
    second.write_text(_listing(range(2, 6)))  # paper 2 again: updated, not added
    assert cli("import", str(first)).returncode == 0
    before = kept_ids(db)
    assert cli("import", str(second)).returncode == 0
    assert len(kept_ids(db)) == 6
    [_, line] = entry_lines(history_file.history_path(Store.open(db).paths))
    assert len(orjson.loads(line)["entry"]["added"]) == 3 * 16
    done = cli("undo")
    assert done.returncode == 0, done.stderr
    assert kept_ids(db) == before
    assert cli("redo").returncode == 0
    assert len(kept_ids(db)) == 6


def _listing(numbers: range) -> str:
    cards = [
        f"Packed Entry Paper Number {i}: Routing Tokens Through Experts\n"
        f"We study routing number {i} in sparse models and find that it helps a lot. "
        f"A second sentence gives the result on {i + 3} benchmarks.\n"
        f"• {i + 2} authors\n·\nNov {i + 1} {i}"
        for i in numbers
    ]
    return "Daily Papers\n\n" + "\n\n".join(cards) + "\n"


def test_an_entry_written_as_removed_pairs_still_reads_and_undoes(sample_store: Store) -> None:
    """What every readlist before the packed form wrote."""
    db = sample_store.paths.annotations
    every = sorted(kept_ids(db))
    old = {
        "id": "0a0b0c0d0e0f",
        "time": "2026-12-01T10:00:00+00:00",
        "label": "imported 101 papers:",
        "annotations": {},
        "removed": {pid: [True, False] for pid in every},
    }
    sample_store.history_path.write_bytes(
        b'{"readlist":"history","version":2}\n{"entry":' + orjson.dumps(old) + b"}\n"
    )
    later = Store.open(db)
    [entry] = later.undo_history().entries
    assert dict(entry.removed) == {pid: (True, False) for pid in every}
    assert commands.Undo().run(later).message.startswith("undid “imported 101 papers")
    assert kept_ids(db) == set()


_A, _B = "0123456789abcdef", "fedcba9876543210"


@pytest.mark.parametrize(
    "fields",
    [
        {"added": 7},
        {"added": _A + "0123"},  # not 16 characters a paper
        {"added": _A + "0123456789ABCDEF"},  # not an id's digits
        {"added": _A + "not-an-id-here!!"},
        {"added": _A + _B + _A},  # a paper twice
        {"added": _A, "removed": {_B: [True, False]}},  # both forms
    ],
)
def test_malformed_packed_ids_are_damage(fields: dict[str, object]) -> None:
    from readlist.store.history import _entry_from_doc

    doc = {"id": "e1", "time": "t", "label": "imported", "annotations": {}, **fields}
    with pytest.raises(LibraryError, match="the undo history is damaged"):
        _entry_from_doc(Path("h.json"), doc)
    entry = _entry_from_doc(Path("h.json"), {**doc, "added": _A + _B, "removed": {}})
    assert dict(entry.removed) == {_A: (True, False), _B: (True, False)}


def test_a_damaged_packed_entry_stops_its_undo_and_changes_nothing(sample_store: Store) -> None:
    db = sample_store.paths.annotations
    every = sorted(kept_ids(db))
    sample_store.record_added(every, "imported 101 papers:")
    path = sample_store.history_path
    path.write_bytes(path.read_bytes().replace(every[50].encode(), b"NOT-AN-ID-HERE!!"))
    later = Store.open(db)
    commands.Rate([every[0]], 4).run(later)  # a change after it keeps the history
    assert commands.Undo().run(later).message.startswith("undid “rated 4/5")
    with pytest.raises(LibraryError, match=r"history\.json: the undo history is damaged"):
        later.undo()
    assert kept_ids(db) == set(every), "a damaged entry was half undone"


_IDS = st.lists(st.text("0123456789abcdef", min_size=16, max_size=16), max_size=40)


@settings(max_examples=200, deadline=None)
@given(ids=_IDS)
def test_the_packed_entry_reads_back_as_the_pairs_it_stands_for(ids: list[str]) -> None:
    from readlist.store.history import _entry_from_doc, _entry_to_doc

    entry = history_file.added_entry("imported", "t", ids)
    pairs = {pid: (True, False) for pid in dict.fromkeys(ids)}
    assert dict(entry.removed) == pairs
    assert list(entry.removed) == list(pairs)
    assert len(entry.removed) == len(pairs) and entry.papers == len(pairs)
    for pid in pairs:
        assert pid in entry.removed
    assert "0123456789abcdeg" not in entry.removed
    read = _entry_from_doc(Path("h.json"), orjson.loads(orjson.dumps(_entry_to_doc(entry))))
    assert dict(read.removed) == pairs and list(read.removed) == list(pairs)
    assert (read.id, read.label, read.time) == (entry.id, entry.label, entry.time)
