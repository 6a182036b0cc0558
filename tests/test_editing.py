"""The editors' rules for composing with other processes, without a terminal."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from readlist.models import Annotation, normalize_tags
from readlist.store import Store
from readlist.store.store import Change, Edit
from readlist.text import clean_multiline
from readlist.tui.editing import (
    CONFLICT_MARKER,
    Merged,
    NoteDrafts,
    merge_notes,
    tags_edit,
)

PID = "0000000000000001"


def test_tags_edit_keeps_the_editors_spelling_and_tags_added_elsewhere() -> None:
    edit = tags_edit(["ml"], ["ML", "new"])
    assert edit(Annotation(("ml", "theirs"))).tags == ("ML", "new", "theirs")
    assert edit(Annotation(("ml",))).tags == ("ML", "new")


def test_drafts_store_and_discard(store: Store) -> None:
    store.update([PID], lambda a: a.with_note("orig"))
    drafts = NoteDrafts(PID, "orig", store.update)
    assert drafts.undo() is None  # nothing stored yet: nothing to undo
    assert drafts.store("orig") is None and drafts.last_stored is None  # unchanged
    assert drafts.store("orig\nmore  ") is None
    assert store.annotations()[PID].note == "orig\nmore"
    undo = drafts.undo()
    assert undo is not None
    store.update([PID], undo)
    assert store.annotations()[PID].note == "orig"


def test_discard_after_a_merge_restores_their_note_not_ours(store: Store) -> None:
    drafts = NoteDrafts(PID, "", store.update)
    drafts.store("mine")
    store.update([PID], lambda a: a.with_note("theirs"))
    drafts.store("mine 2")
    # They replaced the passage we were typing at: ours wins, theirs is kept.
    assert drafts.merged == Merged(f"mine 2{CONFLICT_MARKER}\ntheirs", 1)
    undo = drafts.undo()
    assert undo is not None
    store.update([PID], undo)
    assert store.annotations()[PID].note == "theirs"


def test_their_text_already_in_ours_is_not_added_twice(store: Store) -> None:
    drafts = NoteDrafts(PID, "", store.update)
    drafts.store("a")
    store.update([PID], lambda a: a.with_note("shared line"))
    drafts.store("shared line and mine")
    assert store.annotations()[PID].note == "shared line and mine"


# -- tags: an editor opened earlier applies its difference ---------------------------


def test_tags_removed_elsewhere_while_the_editor_was_open_stay_removed() -> None:
    edit = tags_edit(["todo", "ml"], ["todo", "ml", "new"])  # the editor added "new"
    assert edit(Annotation(("ml",))).tags == ("ml", "new")  # "todo" was untagged meanwhile
    removing = tags_edit(["todo", "ml"], ["ml"])  # the editor removed "todo"
    assert removing(Annotation(("todo", "ml", "theirs"))).tags == ("ml", "theirs")


# -- notes: the three-way merge ----------------------------------------------------------


def test_edits_of_different_passages_are_both_kept() -> None:
    base = "Intro line.\nMiddle line.\nLast line."
    ours = "Intro line, edited.\nMiddle line.\nLast line."
    theirs = "Intro line.\nMiddle line.\nLast line, theirs."
    assert merge_notes(base, ours, theirs) == Merged(
        "Intro line, edited.\nMiddle line.\nLast line, theirs."
    )


def test_two_people_typing_at_one_place_keep_both_texts_once() -> None:
    assert merge_notes("note ", "note mine", "note theirs") == Merged("note minetheirs")


def test_a_conflict_keeps_theirs_once_under_the_marker() -> None:
    merged = merge_notes("the cat sat", "the dog sat", "the bird sat")
    assert merged == Merged(f"the dog sat{CONFLICT_MARKER}\nbird", 1)
    # Their version again, and a new conflict: one marker, their text never repeated.
    again = merge_notes(merged.text, merged.text.replace("dog", "fox"), merged.text)
    assert again.text == merged.text.replace("dog", "fox")
    later = merge_notes(again.text, again.text.replace("fox", "owl"), again.text + "x")
    assert later.text.count(CONFLICT_MARKER) == 1


def test_two_editors_typing_alternately_stay_bounded(store: Store, db: Path) -> None:
    """The reported case: 24 keystrokes alternating between two TUIs' editors."""
    other = Store.open(db)
    editors = [Editor(NoteDrafts(PID, "", store.update)), Editor(NoteDrafts(PID, "", other.update))]
    for i in range(24):
        editors[i % 2].type("ab"[i % 2])
    note = Store.open(db).annotations()[PID].note
    assert sorted(note) == sorted("ab" * 12)  # every keystroke once, nothing else


class Editor:
    """A note editor's text and cursor, as the TUI keeps them through merges."""

    def __init__(self, drafts: NoteDrafts, text: str = "", cursor: int = 0) -> None:
        self.drafts, self.text, self.cursor = drafts, text, cursor
        self.conflicts = 0

    def type(self, chars: str) -> None:
        self.text = self.text[: self.cursor] + chars + self.text[self.cursor :]
        self.cursor += len(chars)
        self._store()

    def delete(self, count: int) -> None:
        start = max(0, self.cursor - count)
        self.text = self.text[:start] + self.text[self.cursor :]
        self.cursor = start
        self._store()

    def move(self, to: int) -> None:
        self.cursor = max(0, min(len(self.text), to))

    def _store(self) -> None:
        assert self.drafts.store(self.text) is None
        if (merged := self.drafts.merged) is not None:
            self.conflicts += merged.conflicts
            self.cursor = merged.cursor(self.cursor)
            self.text = merged.text
            self.drafts.merged = None


TEXT = st.text(alphabet="ab \n.", max_size=30)


@settings(max_examples=300, deadline=None)
@given(base=TEXT, ours=TEXT, theirs=TEXT)
def test_a_merge_is_never_longer_than_both_sides_and_a_marker(
    base: str, ours: str, theirs: str
) -> None:
    merged = merge_notes(base, ours, theirs)
    bound = len(ours) + len(theirs) + len(CONFLICT_MARKER) + merged.conflicts
    assert len(merged.text) <= bound


@settings(max_examples=300, deadline=None)
@given(base=TEXT, text=TEXT)
def test_a_merge_with_one_side_unchanged_is_the_other_side(base: str, text: str) -> None:
    assert merge_notes(base, text, base) == Merged(text)
    assert merge_notes(base, base, text) == Merged(text)
    assert merge_notes(base, text, text) == Merged(text)


@settings(max_examples=300, deadline=None)
@given(
    left=TEXT, right=TEXT, new_left=TEXT, new_right=TEXT,
)  # fmt: skip
def test_edits_either_side_of_an_untouched_line_both_apply(
    left: str, right: str, new_left: str, new_right: str
) -> None:
    middle = "\nUNTOUCHED MIDDLE LINE\n"
    merged = merge_notes(
        left + middle + right, new_left + middle + right, left + middle + new_right
    )
    assert merged == Merged(new_left + middle + new_right)


# An editor's action: (which editor, what, an argument).
ACTION = st.tuples(
    st.integers(0, 1),
    st.sampled_from(["type", "delete", "move"]),
    st.integers(0, 40),
)
INSERTING = st.tuples(st.integers(0, 1), st.sampled_from(["type", "move"]), st.integers(0, 40))


def run_editors(start: str, actions: list[tuple[int, str, int]]) -> tuple[str, int, int]:
    """Two editors on one note, each storing every change at once and merging the
    other's. The final note, the number of characters typed, and of conflicts."""
    note = {"text": start}

    def save(ids: list[str], edit: Edit) -> Change:
        before = Annotation(note=note["text"])
        after = edit(before)
        note["text"] = after.note
        return Change({PID: before}, {PID: after})

    editors = [Editor(NoteDrafts(PID, start, save), start) for _ in range(2)]
    typed = 0
    for who, what, arg in actions:
        editor = editors[who]
        if what == "type":
            chars = "xy"[who] * (1 + arg % 3)  # letters the conflict marker has not
            editor.type(chars)
            typed += len(chars)
        elif what == "delete":
            editor.delete(arg % 4)
        else:
            editor.move(arg)
    return note["text"], typed, sum(e.conflicts for e in editors)


@settings(max_examples=200, deadline=None)
@given(start=TEXT, actions=st.lists(INSERTING, max_size=40))
def test_alternating_typing_keeps_every_keystroke_exactly_once(
    start: str, actions: list[tuple[int, str, int]]
) -> None:
    start = clean_multiline(start)  # as the store keeps a note
    note, typed, conflicts = run_editors(start, actions)
    assert conflicts == 0  # insertions never conflict: both are kept
    for who, letter in enumerate("xy"):
        typed_here = sum(1 + arg % 3 for w, what, arg in actions if w == who and what == "type")
        assert note.count(letter) == start.count(letter) + typed_here
    assert len(note) <= len(start) + typed


@settings(max_examples=200, deadline=None)
@given(start=TEXT, actions=st.lists(ACTION, max_size=40))
def test_alternating_edits_stay_bounded(start: str, actions: list[tuple[int, str, int]]) -> None:
    start = clean_multiline(start)
    note, typed, conflicts = run_editors(start, actions)
    # Linear in what was typed and in the conflicts (the bug doubled at every step).
    budget = len(start) + typed + 1
    assert len(note) <= budget * (1 + conflicts) + conflicts * len(CONFLICT_MARKER)


# -- two sessions on one library, dialogs opened before other writes --------------------

TAG = st.sampled_from(["ml", "ML", "todo", "nlp", "new"])


class TwoSessions(RuleBasedStateMachine):
    """Two store instances on one library (two TUIs, or a TUI and the CLI), editing
    one paper's tags and note through editors opened before the other's writes.

    After every step: no acknowledged tag change is lost or reverted (the tags are
    those a model applying each acknowledged change holds), and the note holds every
    keystroke once.
    """

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="readlist-sessions-"))
        db = self.dir / "library.json"
        self.stores = [Store.open(db), Store.open(db)]
        self.tags: set[str] = set()  # the model: case-folded tags acknowledged so far
        self.tag_editors: list[tuple[int, tuple[str, ...]] | None] = [None, None]
        self.note_editors = [Editor(NoteDrafts(PID, "", store.update)) for store in self.stores]
        self.typed = {"x": 0, "y": 0}

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _now(self, who: int) -> Annotation:
        return self.stores[who].annotations().get(PID, Annotation())

    @rule(who=st.integers(0, 1), tag=TAG, add=st.booleans())
    def cli_tags(self, who: int, tag: str, add: bool) -> None:
        edit = (lambda a: a.with_tags_added([tag])) if add else lambda a: a.with_tags_removed([tag])
        self.stores[who].update([PID], edit)
        (self.tags.add if add else self.tags.discard)(tag.casefold())

    @rule(who=st.integers(0, 1))
    def open_tag_editor(self, who: int) -> None:
        self.tag_editors[who] = (who, self._now(who).tags)

    @rule(who=st.integers(0, 1), added=st.lists(TAG, max_size=2), removed=st.lists(TAG, max_size=2))
    def save_tag_editor(self, who: int, added: list[str], removed: list[str]) -> None:
        opened = self.tag_editors[who]
        if opened is None:
            return
        shown = opened[1]
        gone = {t.casefold() for t in removed}
        saved = [t for t in (*shown, *added) if t.casefold() not in gone]
        saved = list(normalize_tags(saved))
        self.stores[who].update([PID], tags_edit(shown, saved))
        self.tag_editors[who] = None
        before = {t.casefold() for t in shown}
        after = {t.casefold() for t in saved}
        self.tags = (self.tags - (before - after)) | (after - before)

    @rule(who=st.integers(0, 1), count=st.integers(1, 3))
    def type_note(self, who: int, count: int) -> None:
        letter = "xy"[who]
        self.note_editors[who].type(letter * count)
        self.typed[letter] += count

    @rule(who=st.integers(0, 1), to=st.integers(0, 30))
    def move_cursor(self, who: int, to: int) -> None:
        self.note_editors[who].move(to)

    @invariant()
    def nothing_acknowledged_is_lost_or_repeated(self) -> None:
        now = self._now(0)
        assert {t.casefold() for t in now.tags} == self.tags
        for letter, count in self.typed.items():
            assert now.note.count(letter) == count
        assert len(now.note) == sum(self.typed.values())


TwoSessions.TestCase.settings = settings(max_examples=25, stateful_step_count=15, deadline=None)
test_two_sessions_on_one_library = TwoSessions.TestCase


def test_an_insertion_next_to_a_word_the_other_side_extended_keeps_both_words() -> None:
    # Found by test_interleavings: theirs turned "kw1" into "... kw12 kw13" while we
    # typed "\nkw14 kw15" after "kw1"; ours went in first and split their word:
    # "kw1\nkw14 kw152 kw13" lost kw12 and kw15.
    theirs = f"ks10 kw3 kw6\nkw12 kw13{CONFLICT_MARKER}\nks11"
    merged = merge_notes("kw1", "kw1\nkw14 kw15", theirs).text
    assert {"kw12", "kw13", "kw14", "kw15", "ks10", "ks11"} <= set(merged.split())
