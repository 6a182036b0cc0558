"""The editors' rules for composing with other processes, without a terminal."""

from __future__ import annotations

from readlist.models import Annotation
from readlist.store import Store
from readlist.tui.editing import NoteDrafts, tags_edit

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
    assert drafts.merged == "mine 2\n\ntheirs"
    undo = drafts.undo()
    assert undo is not None
    store.update([PID], undo)
    assert store.annotations()[PID].note == "theirs"


def test_their_text_already_in_ours_is_not_added_twice(store: Store) -> None:
    drafts = NoteDrafts(PID, "", store.update)
    drafts.store("a")
    store.update([PID], lambda a: a.with_note("shared line"))
    drafts.store("shared line and mine")
    assert drafts.merged is None
    assert store.annotations()[PID].note == "shared line and mine"
