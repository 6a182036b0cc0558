"""Commands as plain Python (no Textual): what the library holds after a command, an undo
and a redo, with other processes writing in between; and the CLI's undo/redo/history."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist import commands
from readlist.models import Annotation
from readlist.store import Store
from readlist.store import history as history_file
from tests.conftest import RunCli


def content(store: Store) -> dict[str, tuple[object, ...]]:
    """What the user said about each paper, without timestamps."""
    return {
        pid: (a.tags, a.rating, a.read, a.note)
        for pid, a in store.annotations().items()
        if not a.is_empty
    }


def ids(store: Store) -> list[str]:
    return [p.id for p in store.papers(with_abstracts=False)]


def test_rate_then_undo_then_redo(sample_store: Store) -> None:
    pid = ids(sample_store)[0]
    outcome = commands.Rate([pid], 4).run(sample_store)
    assert outcome.message == "rated 4/5: 1 paper"
    assert outcome.undoable
    assert sample_store.annotations()[pid].rating == 4

    undone = commands.Undo().run(sample_store)
    assert undone.message == "undid “rated 4/5” on 1 paper"
    assert pid not in sample_store.annotations() or sample_store.annotations()[pid].rating == 0

    redone = commands.Redo().run(sample_store)
    assert redone.message == "redid “rated 4/5” on 1 paper"
    assert sample_store.annotations()[pid].rating == 4
    assert commands.Redo().run(sample_store).message == "nothing to redo"


def test_a_bulk_change_is_one_undo_step(sample_store: Store) -> None:
    every = ids(sample_store)
    commands.Rate(every[:3], 5).run(sample_store)
    before = content(sample_store)
    outcome = commands.SetRead(every, True).run(sample_store)
    assert outcome.message == f"marked read: {len(every)} papers"
    assert all(a.read for a in sample_store.annotations().values())
    commands.Undo().run(sample_store)
    assert content(sample_store) == before  # the ratings stay, the read marks go


def test_nothing_to_undo_in_a_new_library(store: Store) -> None:
    outcome = commands.Undo().run(store)
    assert outcome.message == "nothing to undo"
    assert outcome.undone is None


def test_undo_leaves_alone_a_paper_another_process_changed_since(
    sample_store: Store, db: Path
) -> None:
    a, b = ids(sample_store)[:2]
    commands.AddTags([a, b], ("ml",)).run(sample_store)
    other = Store.open(db)  # another process
    other.update([b], lambda x: x.with_note("mine, written after the tag"))

    outcome = commands.Undo().run(sample_store)
    assert outcome.message == (
        "undid “tagged with ml” on 1 paper; 1 paper left alone: it was changed since"
    )
    now = Store.open(db).annotations()
    assert now[a].is_empty if a in now else True
    assert now[b].tags == ("ml",) and now[b].note == "mine, written after the tag"


def test_one_history_shared_by_processes_and_kept_across_restarts(
    sample_store: Store, db: Path
) -> None:
    pid = ids(sample_store)[5]
    commands.Rate([pid], 2).run(sample_store)
    later = Store.open(db)  # a restart, or another process
    assert later.undo_history().undoable is not None
    commands.Undo().run(later)
    assert sample_store.annotations().get(pid, Annotation()).rating == 0
    commands.Redo().run(Store.open(db))
    assert sample_store.annotations()[pid].rating == 2


def test_a_new_change_drops_what_was_undone(sample_store: Store) -> None:
    a, b = ids(sample_store)[:2]
    commands.Rate([a], 3).run(sample_store)
    commands.Undo().run(sample_store)
    commands.Rate([b], 1).run(sample_store)
    assert commands.Redo().run(sample_store).message == "nothing to redo"
    assert sample_store.annotations().get(a, Annotation()).rating == 0


def test_remove_and_undo_brings_the_paper_back(sample_store: Store) -> None:
    pid = ids(sample_store)[0]
    commands.AddTags([pid], ("keep",)).run(sample_store)
    assert commands.Remove([pid]).run(sample_store).message == "removed 1 paper"
    assert pid not in ids(sample_store)
    assert commands.Undo().run(sample_store).message == "undid “removed” on 1 paper"
    assert pid in ids(sample_store)
    assert sample_store.annotations()[pid].tags == ("keep",)
    commands.Redo().run(sample_store)
    assert pid not in ids(sample_store)


def test_undo_of_a_restore_that_someone_reverted_leaves_it(sample_store: Store, db: Path) -> None:
    pid = ids(sample_store)[0]
    commands.Remove([pid]).run(sample_store)
    Store.open(db).set_removed([pid], False)  # restored elsewhere, without history
    outcome = commands.Undo().run(sample_store)
    assert outcome.message.endswith("1 paper left alone: it was changed since")
    assert pid in ids(sample_store)


def test_tag_rename_is_one_undoable_change(sample_store: Store) -> None:
    every = ids(sample_store)
    commands.AddTags(every[:4], ("nlp",)).run(sample_store)
    commands.AddTags(every[2:6], ("NLProc",)).run(sample_store)
    before = content(sample_store)
    outcome = commands.RenameTag("nlp", "nlproc").run(sample_store)
    assert outcome.message == "merged #nlp into #NLProc on 4 papers"
    assert all(
        a.tags == ("NLProc",) for pid, a in sample_store.annotations().items() if pid in every[:6]
    )
    commands.Undo().run(sample_store)
    assert content(sample_store) == before


def test_the_history_is_bounded(sample_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history_file, "MAX_ENTRIES", 5)
    pid = ids(sample_store)[0]
    for rating in (1, 2, 3, 4, 5, 1, 2):
        commands.Rate([pid], rating).run(sample_store)
    past = sample_store.undo_history()
    assert len(past.entries) == 5 and past.position == 5
    for _ in range(5):
        commands.Undo().run(sample_store)
    assert commands.Undo().run(sample_store).message == "nothing to undo"
    assert sample_store.annotations()[pid].rating == 2  # what the oldest kept entry found


def test_a_damaged_history_never_blocks_a_change(sample_store: Store) -> None:
    sample_store.history_path.write_text("{not json")
    pid = ids(sample_store)[0]
    commands.Rate([pid], 4).run(sample_store)
    assert sample_store.annotations()[pid].rating == 4
    assert [p.name for p in sample_store.history_path.parent.glob("*.damaged-*")]
    commands.Undo().run(sample_store)
    assert sample_store.annotations().get(pid, Annotation()).rating == 0


def make(verb: str, chosen: list[str], n: int) -> commands.Command:
    if verb == "rate":
        return commands.Rate(chosen, n)
    if verb in ("read", "unread"):
        return commands.SetRead(chosen, verb == "read")
    if verb == "tag":
        return commands.AddTags(chosen, (f"t{n}",))
    if verb == "untag":
        return commands.RemoveTags(chosen, (f"t{n}",))
    if verb == "note":
        return commands.Annotate(chosen, lambda a: a.with_note(f"n{n}"), "noted")
    return commands.Remove(chosen) if verb == "remove" else commands.Restore(chosen)


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["rate", "read", "unread", "tag", "untag", "note", "remove", "restore"]),
        st.lists(st.integers(0, 7), min_size=1, max_size=4),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_undoing_everything_gives_back_the_start_and_redoing_gives_the_end(
    sample_store: Store, actions: list[tuple[str, list[int], int]]
) -> None:
    everyone = [p.id for p in sample_store.all_papers(with_abstracts=False)][:8]
    while commands.Undo().run(sample_store).undone is not None:
        pass  # examples share the fixture: start from a library with no history to undo
    sample_store.history_path.unlink(missing_ok=True)

    def state() -> tuple[object, ...]:
        removed = sorted(p.id for p in sample_store.papers(removed=True, with_abstracts=False))
        return (content(sample_store), removed)

    start = state()
    made = 0
    for verb, which, n in actions:
        chosen = [everyone[i] for i in which]
        command = make(verb, chosen, n)
        made += bool(command.run(sample_store).changed)
    end = state()
    for _ in range(made):
        assert commands.Undo().run(sample_store).undone is not None
    assert commands.Undo().run(sample_store).undone is None
    assert state() == start
    for _ in range(made):
        assert not commands.Redo().run(sample_store).message.endswith("changed since")
    assert state() == end


def test_cli_undo_redo_and_history(cli: RunCli) -> None:
    from tests.conftest import DAILY

    assert cli("import", str(DAILY)).returncode == 0
    assert cli("read", "--all").stdout.strip() == "marked read: 30 papers"
    assert cli("rate", "prompt", "5").returncode == 0
    shown = cli("history").stdout.splitlines()
    assert [line.split("  ", 1)[1] for line in shown] == [
        "rated 5/5: 20 papers",
        "marked read: 30 papers",
        "imported: 30 papers",
    ]
    done = cli("undo")
    assert (done.returncode, done.stdout.strip()) == (0, "undid “rated 5/5” on 20 papers")
    assert cli("undo").stdout.strip() == "undid “marked read” on 30 papers"
    assert cli("list", "is:read").stdout == ""
    assert cli("undo").stdout.strip() == "undid “imported” on 30 papers"
    nothing = cli("undo")
    assert (nothing.returncode, nothing.stderr.strip()) == (1, "readlist: nothing to undo")
    assert cli("redo").stdout.strip() == "redid “imported” on 30 papers"
    assert cli("redo").stdout.strip() == "redid “marked read” on 30 papers"
    assert "(undone)" in cli("history").stdout
    assert len(cli("list", "is:read").stdout.splitlines()) == 30


def test_undoing_an_import_removes_the_papers_it_added(cli: RunCli, db: Path) -> None:
    from tests.conftest import DAILY, SEARCH

    assert cli("import", str(DAILY)).returncode == 0
    assert cli("tag", "--all", "mine").returncode == 0
    assert cli("import", str(SEARCH)).returncode == 0  # 71 more
    assert len(Store.open(db).papers(with_abstracts=False)) == 101
    assert cli("undo").stdout.strip() == "undid “imported” on 71 papers"
    store = Store.open(db)
    assert len(store.papers(with_abstracts=False)) == 30
    assert all(a.tags == ("mine",) for a in store.annotations().values())
    assert len(store.papers(removed=True, with_abstracts=False)) == 71  # restorable
    assert cli("redo").stdout.strip() == "redid “imported” on 71 papers"
    assert len(Store.open(db).papers(with_abstracts=False)) == 101


def test_a_history_write_killed_midway_leaves_nothing_after_the_next_open(
    sample_store: Store, db: Path
) -> None:
    # An atomic write's temporary file, as a process killed while writing it leaves it.
    leftover = db.with_name(f".{sample_store.history_path.name}.tmp-4242-0a1b2c3d")
    leftover.write_text('{"readlist": "history"')
    Store.open(db)
    assert not leftover.exists()
