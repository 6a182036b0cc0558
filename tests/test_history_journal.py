"""The undo history as a journal (store/history.py): a line per change, a line cut short
ignored, compaction within bounds, version-1 files read, other processes' lines seen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from readlist import commands
from readlist.models import Annotation
from readlist.session.writer import Writer
from readlist.store import Store
from readlist.store import history as history_file


def ids(store: Store) -> list[str]:
    return [p.id for p in store.papers(with_abstracts=False)]


def ratings(store: Store, pids: list[str]) -> list[int]:
    held = Store.open(store.paths.annotations).annotations()
    return [held.get(pid, Annotation()).rating for pid in pids]


def test_a_change_appends_one_line_and_an_undo_one_more(sample_store: Store) -> None:
    pid = ids(sample_store)[0]
    commands.Rate([pid], 4).run(sample_store)
    path = sample_store.history_path
    inode, lines = path.stat().st_ino, path.read_bytes().count(b"\n")
    commands.Rate([pid], 2).run(sample_store)
    commands.Undo().run(sample_store)
    assert path.stat().st_ino == inode, "the file was rewritten, not appended to"
    assert path.read_bytes().count(b"\n") == lines + 2
    assert ratings(sample_store, [pid]) == [4]
    assert commands.Redo().run(sample_store).message.startswith("redid")
    assert ratings(sample_store, [pid]) == [2]


def test_a_line_cut_short_is_ignored_and_the_next_change_rewrites_the_file(
    sample_store: Store,
) -> None:
    first, second = ids(sample_store)[:2]
    commands.Rate([first], 4).run(sample_store)
    path = sample_store.history_path
    # What a process killed while appending its entry leaves: half a line.
    line = b'{"entry":{"id":"0a1b2c3d4e5f","time":"2026-01-01T00:00:00+00:00","label":"x"'
    with open(path, "ab") as out:
        out.write(line)
    later = Store.open(sample_store.paths.annotations)
    assert [e.label for e in later.undo_history().entries] == ["rated 4/5:"]
    commands.Rate([second], 3).run(later)
    assert path.read_bytes().endswith(b"\n") and line not in path.read_bytes()
    assert commands.Undo().run(later).message.startswith("undid “rated 3/5")
    assert commands.Undo().run(later).message.startswith("undid “rated 4/5")
    assert ratings(later, [first, second]) == [0, 0]


def test_damage_inside_the_journal_is_reported_and_kept_aside(sample_store: Store) -> None:
    pid = ids(sample_store)[0]
    commands.Rate([pid], 4).run(sample_store)
    path = sample_store.history_path
    with open(path, "ab") as out:
        out.write(b'{"neither": 1}\n')
    later = Store.open(sample_store.paths.annotations)
    with pytest.raises(Exception, match="undo history is damaged"):
        later.undo_history()
    commands.Rate([pid], 2).run(later)  # a damaged history never blocks a change
    assert [p.name for p in path.parent.glob("*.damaged-*")]
    assert commands.Undo().run(later).message.startswith("undid “rated 2/5")
    assert ratings(later, [pid]) == [4]


def test_the_journal_is_compacted_within_its_bounds(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_file, "MAX_ENTRIES", 5)
    pid = ids(sample_store)[0]
    for step in range(40):
        commands.Rate([pid], 1 + step % 5).run(sample_store)
        if step % 3 == 0:
            commands.Undo().run(sample_store)
            commands.Redo().run(sample_store)
        lines = sample_store.history_path.read_bytes().count(b"\n")
        assert lines <= 1 + 2 * 5, f"{lines} lines after {step + 1} changes"
    past = Store.open(sample_store.paths.annotations).undo_history()
    assert len(past.entries) == 5 and past.position == 5
    for _ in range(5):
        commands.Undo().run(sample_store)
    assert commands.Undo().run(sample_store).message == "nothing to undo"
    assert ratings(sample_store, [pid]) == [1 + 34 % 5]  # what the oldest kept entry found


def test_a_journal_compacted_later_appends_past_its_bounds_until_asked_and_stays_bounded(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI's writer (`Store.compact_history_later`): a change past the bounds only
    appends its entry (one sync, as any change); `compact_history` rewrites the journal
    within the bounds; past twice the bounds a change compacts at once, as before."""
    monkeypatch.setattr(history_file, "MAX_ENTRIES", 5)
    sample_store.compact_history_later()
    pid = ids(sample_store)[0]
    path = sample_store.history_path
    commands.Rate([pid], 1).run(sample_store)
    inode = path.stat().st_ino
    for step in range(1, 15):
        commands.Rate([pid], 1 + step % 5).run(sample_store)
        assert path.stat().st_ino == inode, f"rewritten by change {step + 1}"
    assert path.read_bytes().count(b"\n") == 1 + 15  # the header, then a line each
    assert Store.open(sample_store.paths.annotations).undo_history().position == 5
    assert sample_store.compact_history()
    assert path.read_bytes().count(b"\n") == 1 + 5
    assert not sample_store.compact_history()  # within its bounds now: nothing to do
    for step in range(40):  # never compacted by the front end: bounded all the same
        commands.Rate([pid], 1 + step % 5).run(sample_store)
        lines = path.read_bytes().count(b"\n")
        assert lines <= 1 + 2 * 2 * 5, f"{lines} lines after {step + 1} more changes"
    for _ in range(5):
        commands.Undo().run(sample_store)
    assert commands.Undo().run(sample_store).message == "nothing to undo"
    assert ratings(sample_store, [pid]) == [1 + 34 % 5]  # what the oldest kept entry found


def test_a_journal_compacted_to_its_byte_bound_is_not_compacted_again(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MAX_BYTES counts what the entries hold; the file also holds each line's frame.
    A journal compacted to just under MAX_BYTES of entries is not due again, or the
    writer would rewrite it after every key."""
    pid = ids(sample_store)[0]
    path = sample_store.history_path
    sample_store.compact_history_later()
    commands.Rate([pid], 1).run(sample_store)
    commands.Rate([pid], 2).run(sample_store)  # as large as the next ones (a "before")
    entry = len(path.read_bytes().splitlines()[-1]) - len(b'{"entry":}')
    # Room for 3 entries' JSON, not for their 3 lines (11 bytes of frame each).
    monkeypatch.setattr(history_file, "MAX_BYTES", 3 * entry + 5)
    for rating in (3, 4, 5):
        commands.Rate([pid], rating).run(sample_store)
    assert len(path.read_bytes().splitlines()) == 1 + 5  # appended, not compacted
    assert sample_store.compact_history()
    assert len(path.read_bytes().splitlines()) == 1 + 3
    assert path.stat().st_size > history_file.MAX_BYTES
    assert not sample_store.compact_history()


def test_the_writer_compacts_the_history_between_jobs_not_in_them(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key's job (the change and its history entry, on disk when the job is done)
    never waits for the journal's rewrite: the writer compacts between jobs."""
    monkeypatch.setattr(history_file, "MAX_ENTRIES", 5)
    pid = ids(sample_store)[0]
    path = sample_store.history_path
    rewritten_in_job: list[int] = []
    writer = Writer(sample_store, lambda job: None)

    def rate(step: int) -> Callable[[Store], None]:
        def work(store: Store) -> None:
            before = path.stat().st_ino if path.exists() else None
            store.update([pid], lambda a: a.with_rating(1 + step % 5), label=f"step {step}")
            if before is not None and path.stat().st_ino != before:
                rewritten_in_job.append(step)
            # durable: the entry is on disk when the job is done
            assert history_file.read_history(path).entries[-1].label == f"step {step}"

        return work

    try:
        for step in range(30):
            job = writer.submit(rate(step), lambda result: None, print)
            assert job.finished.wait(30) and job.error is None, job.error
    finally:
        writer.stop()
    assert rewritten_in_job == []
    assert path.read_bytes().count(b"\n") <= 1 + 2 * 5
    assert [e.label for e in history_file.read_history(path).entries][-1] == "step 29"


def test_a_version_1_history_is_read_and_rewritten_as_a_journal(sample_store: Store) -> None:
    first, second = ids(sample_store)[:2]
    commands.Rate([first], 4).run(sample_store)
    commands.Rate([second], 5).run(sample_store)
    commands.Undo().run(sample_store)
    path = sample_store.history_path
    entries = [orjson.loads(line)["entry"] for line in path.read_bytes().splitlines()[1:3]]
    whole = {"readlist": "history", "version": 1, "position": 1, "entries": entries}
    path.write_bytes(orjson.dumps(whole))  # as readlist wrote it before the journal
    later = Store.open(sample_store.paths.annotations)
    assert commands.Redo().run(later).message.startswith("redid “rated 5/5")
    assert path.read_bytes().startswith(b'{"readlist":"history","version":2}\n')
    assert commands.Undo().run(later).message.startswith("undid “rated 5/5")
    assert commands.Undo().run(later).message.startswith("undid “rated 4/5")
    assert ratings(later, [first, second]) == [0, 0]


def test_each_process_sees_the_lines_the_other_appended(sample_store: Store, db: Path) -> None:
    first, second = ids(sample_store)[:2]
    other = Store.open(db)
    commands.Rate([first], 4).run(sample_store)
    assert other.undo_history().undoable is not None  # read, and kept
    commands.Rate([second], 5).run(sample_store)  # appended by this one
    assert commands.Undo().run(other).message.startswith("undid “rated 5/5")
    commands.Rate([second], 2).run(other)
    labels = [e.label for e in sample_store.undo_history().entries]
    assert labels == ["rated 4/5:", "rated 2/5:"]
    assert commands.Undo().run(sample_store).message.startswith("undid “rated 2/5")
    assert ratings(sample_store, [first, second]) == [4, 0]


def test_an_undo_says_what_it_wrote(sample_store: Store, db: Path) -> None:
    """The TUI shows an undo from `Undone.change` (not by re-reading every annotation):
    it holds the papers put back, and not the one another process changed since."""
    pids = ids(sample_store)[:3]
    commands.SetRead(pids, True).run(sample_store)
    Store.open(db).update([pids[0]], lambda a: a.with_rating(5))  # another process
    undone = sample_store.undo()
    assert undone is not None and undone.change is not None
    assert undone.skipped == [pids[0]]
    assert sorted(undone.change.changed) == sorted(pids[1:])
    assert all(not undone.change.after[pid].read for pid in pids[1:])
    assert undone.change.others_wrote


def test_a_newer_readlists_journal_is_named_as_such(sample_store: Store) -> None:
    path = sample_store.history_path
    path.write_bytes(b'{"readlist":"history","version":3}\n{"entry":{}}\n')
    with pytest.raises(Exception, match=r"version 3 is not known \(written by a newer"):
        sample_store.undo_history()


@pytest.mark.parametrize(
    "removed",
    [
        {"0123456789abcdef": [True, False], "not-an-id": [True, False]},
        {"0123456789abcdef": [True, 1]},
        {"0123456789abcdef": [True]},
        {"0123456789abcdef": "yes"},
        {"0123456789abcdef\n0123456789abcdee": [True, False]},
    ],
)
def test_an_entry_with_a_malformed_removed_paper_is_damage(removed: object) -> None:
    from readlist.errors import LibraryError
    from readlist.store.history import _entry_from_doc

    doc = {"id": "e1", "time": "t", "label": "imported", "removed": removed}
    with pytest.raises(LibraryError, match="the undo history is damaged"):
        _entry_from_doc(Path("h.json"), doc)
    good = {"0123456789abcdef": [True, False], "0123456789abcdee": [False, True]}
    entry = _entry_from_doc(Path("h.json"), {**doc, "removed": good})
    assert dict(entry.removed) == {
        "0123456789abcdef": (True, False),
        "0123456789abcdee": (False, True),
    }
