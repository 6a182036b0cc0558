"""Reading the undo history only as far as needed (store/history.py): an entry's papers
are read and checked when the entry is used (an undo, a redo, `readlist doctor`), not by
every change's append; what is damaged is still reported where it is needed."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readlist import commands
from readlist.errors import LibraryError
from readlist.models import Annotation
from readlist.store import Store
from readlist.store import history as history_file
from tests.conftest import RunCli


def ids(store: Store) -> list[str]:
    return [p.id for p in store.papers(with_abstracts=False)]


def removed_ids(store: Store) -> set[str]:
    everything = {p.id for p in Store.open(store.paths.annotations).all_papers()}
    return everything - set(ids(Store.open(store.paths.annotations)))


def damage_first_flag(path: Path, pid: str) -> None:
    """Damage inside an entry's papers, leaving every line whole and its head as written:
    one paper's id in an import's packed ids is not an id (a `"removed"` entry's damage,
    flags that hold a number, is in tests/test_history_journal.py)."""
    blob = path.read_bytes()
    assert blob.count(pid.encode()) == 1 and b'"added":"' in blob
    path.write_bytes(blob.replace(pid.encode(), b"not-an-id-here!!"))


def test_a_change_after_a_damaged_import_entry_keeps_the_history_and_undo_stops_there(
    sample_store: Store,
) -> None:
    added = ids(sample_store)[:40]
    sample_store.record_added(added, "imported 40 papers from daily.txt:")
    path = sample_store.history_path
    damage_first_flag(path, added[7])
    later = Store.open(sample_store.paths.annotations)
    commands.Rate([added[0]], 4).run(later)  # reads no paper of the import's entry
    assert not list(path.parent.glob("*.damaged-*")), "the history was thrown away"
    labels = [e.label for e in Store.open(sample_store.paths.annotations).undo_history().entries]
    assert labels == ["imported 40 papers from daily.txt:", "rated 4/5:"]
    assert commands.Undo().run(later).message.startswith("undid “rated 4/5")
    assert later.annotations().get(added[0], Annotation()).rating == 0
    with pytest.raises(LibraryError, match=r"history\.json: the undo history is damaged"):
        later.undo()  # this undo needs the damaged entry
    assert removed_ids(later) == set(), "a damaged entry was half undone"


def test_an_undo_of_a_large_import_still_reads_and_applies_every_paper(
    sample_store: Store,
) -> None:
    added = ids(sample_store)
    sample_store.record_added(added, "imported 101 papers:")
    commands.Rate([added[3]], 5).run(sample_store)
    later = Store.open(sample_store.paths.annotations)
    assert commands.Undo().run(later).message.startswith("undid “rated 5/5")
    assert commands.Undo().run(later).message.startswith("undid “imported 101 papers")
    assert removed_ids(later) == set(added)
    assert (
        commands.Redo()
        .run(Store.open(sample_store.paths.annotations))
        .message.startswith("redid “imported 101 papers")
    )
    assert removed_ids(later) == set()


def test_doctor_reports_a_damaged_entry_and_repair_keeps_the_history_aside(
    sample_store: Store, cli: RunCli
) -> None:
    added = ids(sample_store)[:5]
    sample_store.record_added(added, "imported 5 papers:")
    commands.Rate([added[0]], 3).run(sample_store)
    path = sample_store.history_path
    damage_first_flag(path, added[2])
    checked = cli("doctor")
    assert checked.returncode == 2, checked.stdout
    assert f"{path.name}: DAMAGED: the undo history is damaged (an entry is malformed)" in (
        checked.stdout
    )
    assert "everything is in order" not in checked.stdout
    repaired = cli("doctor", "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert "kept aside" in repaired.stdout
    assert [p.name for p in path.parent.glob("library.history.json.damaged-*")]
    assert "everything is in order" in cli("doctor").stdout


def test_doctor_says_nothing_of_a_sound_history(sample_store: Store, cli: RunCli) -> None:
    sample_store.record_added(ids(sample_store)[:5], "imported 5 papers:")
    checked = cli("doctor")
    assert checked.returncode == 0 and "history" not in checked.stdout


texts = st.text(st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(label=texts, time=texts, eid=texts, tags=st.lists(texts, max_size=3))
def test_an_entry_read_by_its_head_equals_one_read_whole(
    label: str, time: str, eid: str, tags: list[str]
) -> None:
    pid, other = "0123456789abcdef", "fedcba9876543210"
    entry = history_file.Entry(
        label=label,
        time=time,
        annotations={pid: (Annotation(), Annotation(rating=2, tags=tuple(tags)))},
        removed={other: (True, False)},
        id=eid,
    )
    blob = orjson.dumps(history_file._entry_to_doc(entry))
    lazy = history_file._outline(Path("h.json"), blob)
    whole = history_file._entry_from_doc(Path("h.json"), orjson.loads(blob))
    assert lazy is not None, blob
    assert (lazy.label, lazy.time, lazy.id) == (whole.label, whole.time, whole.id)
    assert dict(lazy.annotations) == dict(whole.annotations)
    assert dict(lazy.removed) == dict(whole.removed)


def test_a_line_not_as_readlist_writes_it_is_read_whole_and_checked_at_once(
    sample_store: Store,
) -> None:
    pid = ids(sample_store)[0]
    commands.Rate([pid], 4).run(sample_store)
    path = sample_store.history_path
    with open(path, "ab") as out:  # keys in another order, and a damaged paper id
        out.write(b'{"entry": {"label": "x", "time": "t", "id": "e", "removed": {"no": [1]}}}\n')
    with pytest.raises(LibraryError, match="an entry is malformed"):
        Store.open(sample_store.paths.annotations).undo_history()
