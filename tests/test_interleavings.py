"""Several readlist sessions on one library, interleaved: no acknowledged change is lost.

A hypothesis state machine plays three sessions (each a `Store`, as one TUI process holds,
with that TUI's cached view of the annotations) and one-shot CLI commands (a fresh `Store`
per command) against one library. They tag, untag, rate, mark read, write notes, import
listings and restart, and they save from dialogs opened before other writes: a tag editor
that saves its *difference* (`tags_edit`, as the TUI does) and a note editor that stores a
draft per burst of typing (`NoteDrafts`, as the TUI does), possibly merging in what another
session wrote meanwhile, and may be closed with "Discard".

The model is what the user was told: it changes only once a write returned. After every
step a fresh `Store` (opened just for checking) and every session's own store must show the
model: every acknowledged tag, rating, read mark and note; no tag twice (ignoring case);
every word typed into a note present once, never twice; a note never longer than what was
typed; every imported paper exactly once, with its abstract, as every session reads it
(through the recent-abstracts file and its folds); annotations never touched by an
import.

Words typed into notes are unique tokens (`kw7`; notes written whole use `ks7`), so
"present" and "duplicated" are exact counts, whatever merge rule the editor uses.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from readlist.importers import to_papers
from readlist.importers.listing import RawPaper
from readlist.models import Annotation, normalize_tags, paper_id
from readlist.store import Store
from readlist.store.store import Change, Edit
from readlist.tui.editing import NoteDrafts, tags_edit

SESSIONS = 3
TAGS = ["ml", "ML", "todo", "Todo", "new"]
TITLES = [f"Paper {name} on interleaved writers" for name in "ABCDEFGH"]
FIRST_LISTING = TITLES[:4]  # imported before the sessions start; the rest come later
ABSTRACTS = ["Short.", "A longer abstract.", "The longest abstract of all, by far."]
# What a merge may add beyond the typed text (a separator, or a marker line announcing
# the other version); exponential growth passes any such allowance within a few steps.
MERGE_ALLOWANCE = 100
TOKEN = re.compile(r"\bk[ws]\d+\b")
# Shrinking a failing run takes minutes (every step writes and re-opens the library), so
# the failing steps are printed as found; READLIST_SHRINK=1 asks for a minimal sequence.
SHRINK = bool(os.environ.get("READLIST_SHRINK"))
PHASES = [p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain)]

IDS = [paper_id(title) for title in TITLES]
# Annotations go to two papers only, so that sessions often meet on the same one.
annotated = st.sampled_from([paper_id(title) for title in FIRST_LISTING[:2]])
sessions = st.integers(0, SESSIONS - 1)
tag_lists = st.lists(st.sampled_from(TAGS), min_size=1, max_size=3)
via_cli = st.booleans()


def tokens(text: str) -> Counter[str]:
    return Counter(TOKEN.findall(text))


def folded(tags: tuple[str, ...] | list[str]) -> set[str]:
    return {tag.casefold() for tag in tags}


@dataclass
class Session:
    """One TUI process: its store and its cached view of the annotations."""

    store: Store
    view: dict[str, Annotation] = field(default_factory=dict)
    dialog: TagDialog | NoteDialog | None = None

    def reload(self) -> None:
        """What the TUI does before opening a dialog (`check_disk`)."""
        self.view = self.store.annotations()

    def annotation(self, pid: str) -> Annotation:
        return self.view.get(pid, Annotation())

    def save_edit(self, ids: list[str], edit: Edit) -> Change:
        """`ReadListApp.save_edit`: write, then update the cached view."""
        change = self.store.update(ids, edit)
        if change.others_wrote:
            self.reload()
        self.view.update(change.after)
        return change


@dataclass
class TagDialog:
    pid: str
    shown: tuple[str, ...]


@dataclass
class NoteDialog:
    pid: str
    drafts: NoteDrafts
    text: str  # what the editor shows (and what the next draft is built on)
    seen: set[str]  # every token this editor has shown
    changes: list[Change]  # the writes its drafts made, newest last


@dataclass
class Expected:
    """The model of one paper's annotation: what writes that returned said it is."""

    tags: set[str] = field(default_factory=set)  # casefolded
    rating: int = 0
    read: bool = False
    note: str = ""
    typed: int = 0  # characters ever typed or written into the note
    merges: int = 0  # drafts stored over another session's newer note


class InterleavedWriters(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # In memory where the system has it: thousands of fsync'd writes per run.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.tmp = tempfile.TemporaryDirectory(prefix="readlist-interleave-", dir=shm)
        self.db = Path(self.tmp.name) / "lib" / "library.json"
        self.sessions: list[Session] = []
        self.expected = {pid: Expected() for pid in IDS}
        self.catalogue: dict[str, tuple[str, set[str]]] = {}  # id -> (abstract, sources)
        self.listings = 0
        self.counter = 0

    def teardown(self) -> None:
        for session in self.sessions:
            session.store.close()
        self.tmp.cleanup()

    # -- helpers ------------------------------------------------------------------------

    def token(self, kind: str) -> str:
        self.counter += 1
        return f"k{kind}{self.counter}"

    def writer(self, index: int, cli: bool) -> Session:
        """The session to write through; a CLI command (a fresh store) when asked, or
        when that session's TUI is busy with a modal dialog."""
        session = self.sessions[index]
        if cli or session.dialog is not None:
            command = Session(Store.open(self.db))
            command.reload()
            return command
        return session

    def import_listing(self, store: Store, titles: list[str], abstracts: list[str]) -> None:
        self.listings += 1
        source = f"listing-{self.listings}"
        raw = [RawPaper(title, abstract) for title, abstract in zip(titles, abstracts, strict=True)]
        papers = to_papers(raw, source=source, added=None)
        annotations_file = store.paths.annotations
        before = annotations_file.read_bytes() if annotations_file.exists() else None
        store.import_listings([papers])
        after = annotations_file.read_bytes() if annotations_file.exists() else None
        assert after == before, "an import rewrote the annotations file"
        for paper in papers:
            old_abstract, sources = self.catalogue.get(paper.id, ("", set()))
            longer = paper.abstract if len(paper.abstract) > len(old_abstract) else old_abstract
            self.catalogue[paper.id] = (longer, sources | {source})

    # -- rules --------------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        self.import_listing(Store.open(self.db), FIRST_LISTING, ABSTRACTS[:1] * 4)
        for _ in range(SESSIONS):
            session = Session(Store.open(self.db))
            session.reload()
            self.sessions.append(session)

    @rule(i=sessions, cli=via_cli, pid=annotated, tags=tag_lists)
    def tag(self, i: int, cli: bool, pid: str, tags: list[str]) -> None:
        added = normalize_tags(tags)
        self.writer(i, cli).save_edit([pid], lambda a: a.with_tags_added(added))
        self.expected[pid].tags |= folded(added)

    @rule(i=sessions, cli=via_cli, pid=annotated, tags=tag_lists)
    def untag(self, i: int, cli: bool, pid: str, tags: list[str]) -> None:
        self.writer(i, cli).save_edit([pid], lambda a: a.with_tags_removed(tags))
        self.expected[pid].tags -= folded(tags)

    @rule(i=sessions, cli=via_cli, pid=annotated, rating=st.integers(0, 5))
    def rate(self, i: int, cli: bool, pid: str, rating: int) -> None:
        self.writer(i, cli).save_edit([pid], lambda a: a.with_rating(rating))
        self.expected[pid].rating = rating

    @rule(i=sessions, pid=annotated)
    def toggle_read(self, i: int, pid: str) -> None:
        """The TUI's `m`: the opposite of what *its* view shows, which may be stale."""
        session = self.writer(i, False)
        read = not session.annotation(pid).read
        session.save_edit([pid], lambda a: a.with_read(read))
        self.expected[pid].read = read

    @rule(i=sessions, cli=via_cli, pid=annotated, read=st.booleans())
    def mark_read(self, i: int, cli: bool, pid: str, read: bool) -> None:
        self.writer(i, cli).save_edit([pid], lambda a: a.with_read(read))
        self.expected[pid].read = read

    @rule(i=sessions, cli=via_cli, pid=annotated, words=st.integers(0, 3))
    def write_whole_note(self, i: int, cli: bool, pid: str, words: int) -> None:
        """A note written in one go (a script), replacing whatever was there."""
        note = " ".join(self.token("s") for _ in range(words))
        self.writer(i, cli).save_edit([pid], lambda a: a.with_note(note))
        expected = self.expected[pid]
        expected.note = note
        expected.typed += len(note)

    @rule(
        i=sessions,
        cli=via_cli,
        titles=st.lists(st.sampled_from(TITLES), min_size=1, max_size=4, unique=True),
        data=st.data(),
    )
    def import_papers(self, i: int, cli: bool, titles: list[str], data: st.DataObject) -> None:
        """A listing of old and new papers; a longer abstract replaces a shorter one."""
        abstracts = [data.draw(st.sampled_from(ABSTRACTS)) for _ in titles]
        self.import_listing(self.writer(i, cli).store, titles, abstracts)

    @rule(i=sessions, cli=via_cli)
    def fold_recent_abstracts(self, i: int, cli: bool) -> None:
        """The recent-abstracts file folded into the large one (an import does it once
        the recent file passes its limit): the same abstracts, in other files."""
        store = self.writer(i, cli).store
        with store.locked():
            store._fold_recent(force=True)

    @rule(i=sessions)
    def restart(self, i: int) -> None:
        """The process is closed and started again; an open dialog goes with it (every
        draft of a note editor is already stored)."""
        session = self.sessions[i]
        session.store.close()
        self.sessions[i] = Session(Store.open(self.db))
        self.sessions[i].reload()

    @rule(i=sessions)
    def notice_disk_changes(self, i: int) -> None:
        """The TUI's periodic `check_disk`."""
        self.sessions[i].reload()

    # -- the tag editor: opened on one value, saved after other writes ------------------

    @rule(i=sessions, pid=annotated, data=st.data())
    def use_tag_editor(self, i: int, pid: str, data: st.DataObject) -> None:
        """`t` opens the editor on what the library holds now; the next use saves it."""
        session = self.sessions[i]
        if session.dialog is None:
            self.open_tag_editor(session, pid)
        elif isinstance(session.dialog, TagDialog):
            self.save_tag_editor(session, data)

    @rule(i=sessions, pid=annotated, tags=tag_lists, remove=st.booleans(), data=st.data())
    def tag_elsewhere_while_editing(
        self, i: int, pid: str, tags: list[str], remove: bool, data: st.DataObject
    ) -> None:
        """Issue 10's case: the tag editor is open on some tags, `readlist untag` removes
        some of them (or `readlist tag` adds others), then the editor saves its change."""
        session = self.sessions[i]
        if session.dialog is None:
            self.tag(i, True, pid, tags)  # something for the editor to show
            self.open_tag_editor(session, pid)
        dialog = session.dialog
        if not isinstance(dialog, TagDialog):
            return  # this TUI's note editor is open
        if remove and dialog.shown:
            shown = st.sampled_from(dialog.shown)
            self.untag(i, True, dialog.pid, data.draw(st.lists(shown, min_size=1, max_size=2)))
        else:
            self.tag(i, True, dialog.pid, tags)
        self.save_tag_editor(session, data)

    def open_tag_editor(self, session: Session, pid: str) -> None:
        session.reload()  # the TUI's check_disk before `t`
        session.dialog = TagDialog(pid, session.annotation(pid).tags)

    def save_tag_editor(self, session: Session, data: st.DataObject) -> None:
        dialog = session.dialog
        assert isinstance(dialog, TagDialog)
        session.dialog = None
        removed = data.draw(st.sets(st.sampled_from(dialog.shown))) if dialog.shown else set()
        added = data.draw(st.lists(st.sampled_from(TAGS), max_size=2))
        tags = normalize_tags([*(t for t in dialog.shown if t not in removed), *added])
        if tags == dialog.shown:
            return  # the TUI saves nothing
        session.save_edit([dialog.pid], tags_edit(dialog.shown, tags))
        expected = self.expected[dialog.pid]
        expected.tags -= folded(dialog.shown) - folded(tags)
        expected.tags |= folded(tags) - folded(dialog.shown)

    # -- the note editor: a draft per burst of typing, merged with other writers --------

    def open_note_editor(self, session: Session, pid: str) -> NoteDialog:
        session.reload()  # the TUI's check_disk before `n`
        changes: list[Change] = []

        def save(ids: list[str], edit: Edit) -> Change:
            changes.append(session.save_edit(ids, edit))
            return changes[-1]

        note = session.annotation(pid).note
        dialog = NoteDialog(pid, NoteDrafts(pid, note, save), note, set(tokens(note)), changes)
        session.dialog = dialog
        return dialog

    def note_editors(self) -> list[Session]:
        return [s for s in self.sessions if isinstance(s.dialog, NoteDialog)]

    @rule(i=sessions, pid=annotated, words=st.integers(1, 2), newline=st.booleans())
    def type_into_note(self, i: int, pid: str, words: int, newline: bool) -> None:
        """Type into this TUI's note editor (opening it on `pid` first if none is open);
        each burst is stored as a draft, as the TUI stores every change."""
        self.type_words(self.sessions[i], pid, words, newline)

    @rule(
        pair=st.lists(sessions, min_size=2, max_size=2, unique=True),
        pid=annotated,
        rounds=st.integers(1, 4),
    )
    def type_in_turn(self, pair: list[int], pid: str, rounds: int) -> None:
        """Two TUIs' note editors on one paper, typed into alternately (issue 10)."""
        for _ in range(rounds):
            for i in pair:
                self.type_words(self.sessions[i], pid, 1, False)

    def type_words(self, session: Session, pid: str, words: int, newline: bool) -> None:
        if session.dialog is None:
            dialog = self.open_note_editor(session, pid)
        elif isinstance(session.dialog, NoteDialog):
            dialog = session.dialog
        else:
            return  # this TUI's tag editor is open
        expected = self.expected[dialog.pid]
        drafts = dialog.drafts
        base = drafts.original if drafts.last_stored is None else drafts.last_stored
        typed = " ".join(self.token("w") for _ in range(words))
        separator = ("\n" if newline else " ") if dialog.text else ""
        text = dialog.text + separator + typed
        stored_before = len(dialog.changes)
        assert drafts.store(text) is None
        dialog.text = text
        if (merged := drafts.merged) is not None:  # the TUI shows the merged text
            # The merged text itself today; an object holding it once the three-way merge
            # of issue 10 lands (readlist/tui/editing.py is being reworked for it).
            dialog.text = merged if isinstance(merged, str) else merged.text
            drafts.merged = None
        dialog.seen |= set(tokens(dialog.text))
        expected.typed += len(separator + typed)
        if len(dialog.changes) == stored_before:
            return  # nothing to store (the TUI compares drafts as they were stored)
        change = dialog.changes[-1]
        before, after = change.before[dialog.pid].note, change.after[dialog.pid].note
        if before != base:
            expected.merges += 1
        # Ours and theirs are both kept: what this editor typed since its base, what the
        # other session wrote since then, and what both still hold.
        ours, theirs, base_tokens = set(tokens(text)), set(tokens(before)), set(tokens(base))
        must_keep = (ours - base_tokens) | (theirs - base_tokens) | (ours & theirs)
        lost = must_keep - set(tokens(after))
        assert not lost, f"note draft lost {sorted(lost)}: before {before!r}, after {after!r}"
        expected.note = after

    @precondition(lambda self: bool(self.note_editors()))
    @rule(data=st.data(), discard=st.booleans())
    def close_note_editor(self, data: st.DataObject, discard: bool) -> None:
        """ctrl+s (every draft is stored already) or "Discard" (undo this editor's drafts,
        unless the note changed elsewhere since)."""
        session = data.draw(st.sampled_from(self.note_editors()))
        dialog = session.dialog
        assert isinstance(dialog, NoteDialog)
        session.dialog = None
        if not discard or (undo := dialog.drafts.undo()) is None:
            return
        change = session.save_edit([dialog.pid], undo)
        before, after = change.before[dialog.pid].note, change.after[dialog.pid].note
        if before != dialog.drafts.last_stored:
            assert after == before, "Discard undid a note another session wrote since"
        invented = set(tokens(after)) - set(tokens(before)) - dialog.seen
        assert not invented, f"Discard brought back text never shown: {sorted(invented)}"
        self.expected[dialog.pid].note = after

    # -- the checks, after every step ---------------------------------------------------

    def note_duplicated(self, expected: Expected) -> bool:
        too_long = len(expected.note) > expected.typed + MERGE_ALLOWANCE * expected.merges
        return too_long or any(n > 1 for n in tokens(expected.note).values())

    @invariant()
    def every_acknowledged_change_is_on_disk(self) -> None:
        if not self.sessions:
            return
        with Store.open(self.db) as checker:
            fresh = checker.annotations()
            papers = checker.papers()
            assert not checker.temp_files(), "a write left a temporary file behind"
        for pid, expected in self.expected.items():
            got = fresh.get(pid, Annotation())
            assert len(got.tags) == len(folded(got.tags)), f"{pid}: a tag twice in {got.tags}"
            assert folded(got.tags) == expected.tags, (
                f"{pid}: tags {got.tags}, expected {sorted(expected.tags)}"
            )
            assert got.rating == expected.rating, (
                f"{pid}: rating {got.rating}, expected {expected.rating}"
            )
            assert got.read == expected.read, f"{pid}: read {got.read}, expected {expected.read}"
            assert got.note == expected.note, (
                f"{pid}: note {got.note!r}, expected {expected.note!r}"
            )
            assert not self.note_duplicated(expected), f"{pid}: note grew: {got.note!r}"
        ids = [paper.id for paper in papers]
        assert len(ids) == len(set(ids)), f"a paper twice in the catalogue: {ids}"
        assert {p.id: (p.abstract, set(p.sources)) for p in papers} == self.catalogue
        for i, session in enumerate(self.sessions):
            assert session.store.annotations() == fresh, f"session {i} sees other annotations"
            seen = {p.id: p.abstract for p in session.store.papers()}
            assert list(seen) == ids, f"session {i}'s catalogue"
            assert seen == {pid: abstract for pid, (abstract, _) in self.catalogue.items()}, (
                f"session {i}'s abstracts"
            )


def test_interleaved_writers_lose_nothing() -> None:
    run_state_machine_as_test(
        InterleavedWriters,
        settings=settings(
            max_examples=150,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            phases=PHASES,
            # CI must not depend on the draw: a random run on 2026-12-03 met the case of
            # the test below, which is known and not fixed.
            derandomize=not os.environ.get("READLIST_RANDOM"),
        ),
    )


# Found by a random run of the test above (READLIST_RANDOM=1 draws anew). Another window
# moved the text kept under the conflict marker up into the note ("X", with one word
# changed) and wrote new text under the marker, while this editor typed on at the end of
# that kept text. The three-way merge sees two edits: theirs of the note's first passage
# (taken) and both sides' of the passage under the marker (ours wins, theirs is kept
# below it), so X's words are in the note twice. Nothing is lost; detecting a moved
# passage is what is missing.
FOUND_MOVE = [
    ("write_whole_note", {"cli": True, "i": 1, "words": 3}),
    ("type_in_turn", {"pair": [2, 1], "rounds": 4}),
    ("write_whole_note", {"cli": False, "i": 2, "words": 2}),
    ("write_whole_note", {"cli": True, "i": 2, "words": 0, "pid": 0}),
    ("write_whole_note", {"cli": True, "i": 2, "words": 2}),
    ("write_whole_note", {"cli": False, "i": 0, "words": 3, "pid": 0}),
    ("write_whole_note", {"cli": False, "i": 0, "words": 1, "pid": 0}),
    ("type_in_turn", {"pair": [1, 0], "rounds": 4}),
    ("write_whole_note", {"cli": True, "i": 1, "words": 2, "pid": 0}),
    ("type_in_turn", {"pair": [1, 0], "rounds": 2}),
    ("write_whole_note", {"cli": False, "i": 0, "words": 1}),
    ("type_in_turn", {"pair": [0, 1], "rounds": 2}),
    ("type_in_turn", {"pair": [1, 0], "rounds": 1}),
    ("type_in_turn", {"pair": [1, 2], "rounds": 1}),
    ("write_whole_note", {"cli": False, "i": 1, "words": 2}),
    ("write_whole_note", {"cli": True, "i": 0, "words": 2, "pid": 0}),
    ("type_in_turn", {"pair": [0, 2], "rounds": 4}),
]


@pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="a passage moved by another window is kept twice"
)
def test_a_passage_another_window_moved_is_not_kept_twice() -> None:
    machine = InterleavedWriters()
    machine.start()
    try:
        for name, arguments in FOUND_MOVE:
            arguments = dict(arguments)
            arguments["pid"] = IDS[arguments.get("pid", 1)]
            getattr(machine, name)(**arguments)
            try:
                machine.every_acknowledged_change_is_on_disk()
            except AssertionError as error:  # the known failure only fails as expected
                if "note grew" not in str(error):
                    raise RuntimeError(f"not the known failure: {error}") from error
                raise
    finally:
        machine.teardown()
