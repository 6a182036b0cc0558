"""Commands: every verb that changes a library, as one typed object shared by all front ends.

The CLI turns arguments into a command (`Rate(ids, 4)`), the TUI turns a key into one
with the marked or highlighted papers as `ids`, and both run it the same way:
`outcome = command.run(store)`. A command that changes anything records it in the
library's undo history (`Store.update(..., label=)`), so `Undo().run(store)` undoes the
last change made from any process. Commands never import the CLI or Textual (a test
checks), and they print nothing: the `Outcome` carries the message each front end shows.

`SPECS` is the one registry of names, titles and default keys: the TUI's bindings, its
help screen, the command palette and the README's key table are built from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from readlist.errors import ReadlistError
from readlist.models import EMPTY, MAX_RATING, Annotation
from readlist.store import Store
from readlist.store.store import Change, Undone
from readlist.text import strip_controls


def phrase(count: int, noun: str) -> str:
    """`1 paper`, `3 papers`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """What people see of a command: its name (also its key binding id), a title for the
    palette, one line of help, and its default keys in the TUI (Textual key names)."""

    name: str
    title: str
    help: str
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    message: str
    """One line for people, e.g. `rated 4/5: 3 papers (1 already were)`."""
    changed: list[str] = field(default_factory=list)
    """Ids of the papers whose annotations or removed mark changed."""
    change: Change | None = None
    undone: Undone | None = None

    @property
    def undoable(self) -> bool:
        """True when the change went into the undo history."""
        return bool(self.changed) and self.undone is None


class Command(Protocol):
    spec: ClassVar[CommandSpec]

    def run(self, store: Store) -> Outcome: ...


SPECS: dict[str, CommandSpec] = {}


def _spec(name: str, title: str, help: str, *keys: str) -> CommandSpec:
    spec = CommandSpec(name, title, help, keys)
    SPECS[name] = spec
    return spec


def _done(label: str, change: Change, asked: int) -> Outcome:
    changed = change.changed
    unchanged = asked - len(changed)
    extra = f" ({unchanged} already {'was' if unchanged == 1 else 'were'})" if unchanged else ""
    return Outcome(f"{label} {phrase(len(changed), 'paper')}{extra}", changed, change)


def _ids(ids: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def _unread(annotation: Annotation) -> Annotation:
    return annotation.with_read(False).with_dismissed(False)


@dataclass(frozen=True, slots=True)
class SetRead:
    spec: ClassVar[CommandSpec] = _spec("read", "Mark read", "mark the papers read")
    ids: Sequence[str]
    read: bool = True

    def run(self, store: Store) -> Outcome:
        label = "marked read:" if self.read else "marked unread:"
        ids = _ids(self.ids)
        # Unread takes a dismissed paper back into the reading list: the dismissal goes too
        # (`is:unread` and "not for me" together would say two things at once).
        edit = (lambda a: a.with_read(True)) if self.read else _unread
        change = store.update(ids, edit, label=label)
        return _done(label, change, len(ids))


@dataclass(frozen=True, slots=True)
class ToggleRead:
    """Read ↔ unread; for several papers: all read, unless all already are (then unread)."""

    spec: ClassVar[CommandSpec] = _spec("toggle_read", "Toggle read", "mark read / unread", "r")
    ids: Sequence[str]

    def run(self, store: Store) -> Outcome:
        ids = _ids(self.ids)
        current = store.annotations()
        read = not all(current.get(pid, EMPTY).read for pid in ids)
        return SetRead(ids, read).run(store)


@dataclass(frozen=True, slots=True)
class Rate:
    spec: ClassVar[CommandSpec] = _spec("rate", "Rate", "rate 1-5; 0 clears the rating", *"123450")
    ids: Sequence[str]
    rating: int

    def __post_init__(self) -> None:
        if not 0 <= self.rating <= MAX_RATING:
            raise ReadlistError(f"rating must be 0..{MAX_RATING}, not {self.rating}")

    def run(self, store: Store) -> Outcome:
        label = f"rated {self.rating}/{MAX_RATING}:" if self.rating else "cleared the rating of"
        ids = _ids(self.ids)
        change = store.update(ids, lambda a: a.with_rating(self.rating), label=label)
        return _done(label, change, len(ids))


@dataclass(frozen=True, slots=True)
class AddTags:
    spec: ClassVar[CommandSpec] = _spec("tag", "Add tags", "add tags to the papers")
    ids: Sequence[str]
    tags: tuple[str, ...]

    def run(self, store: Store) -> Outcome:
        label = f"tagged with {' '.join(self.tags)}:"
        ids = _ids(self.ids)
        change = store.update(ids, lambda a: a.with_tags_added(self.tags), label=label)
        return _done(label, change, len(ids))


@dataclass(frozen=True, slots=True)
class RemoveTags:
    spec: ClassVar[CommandSpec] = _spec("untag", "Remove tags", "remove tags from the papers")
    ids: Sequence[str]
    tags: tuple[str, ...]

    def run(self, store: Store) -> Outcome:
        label = f"removed {' '.join(self.tags)} from"
        ids = _ids(self.ids)
        change = store.update(ids, lambda a: a.with_tags_removed(self.tags), label=label)
        return _done(label, change, len(ids))


@dataclass(frozen=True, slots=True)
class Annotate:
    """Any other edit of annotations (the tag and note editors' merges), undoable."""

    spec: ClassVar[CommandSpec] = _spec("annotate", "Edit", "edit the papers' annotations")
    ids: Sequence[str]
    edit: Callable[[Annotation], Annotation]
    label: str

    def run(self, store: Store) -> Outcome:
        ids = _ids(self.ids)
        change = store.update(ids, self.edit, label=self.label)
        return _done(self.label, change, len(ids))


@dataclass(frozen=True, slots=True)
class Remove:
    spec: ClassVar[CommandSpec] = _spec(
        "remove", "Remove", "remove the papers (kept with their annotations; u undoes)", "x"
    )
    ids: Sequence[str]

    def run(self, store: Store) -> Outcome:
        changed = store.set_removed(_ids(self.ids), True, label="removed")
        return Outcome(f"removed {phrase(len(changed), 'paper')}", changed)


@dataclass(frozen=True, slots=True)
class Restore:
    spec: ClassVar[CommandSpec] = _spec("restore", "Restore", "bring back removed papers")
    ids: Sequence[str]

    def run(self, store: Store) -> Outcome:
        changed = store.set_removed(_ids(self.ids), False, label="restored")
        return Outcome(f"restored {phrase(len(changed), 'paper')}", changed)


@dataclass(frozen=True, slots=True)
class RenameTag:
    """Rename tag `old` to `new` on every paper (removed ones too); a merge if `new` exists."""

    spec: ClassVar[CommandSpec] = _spec(
        "rename_tag", "Rename tag", "rename or merge a tag everywhere"
    )
    old: str
    new: str

    def run(self, store: Store) -> Outcome:
        from readlist.tags import renaming, tagged, target_spelling

        annotations = store.annotations()
        ids = tagged(annotations, self.old)
        if not ids:
            return Outcome(f"no paper is tagged {strip_controls(self.old)!r}; nothing changed")
        target = target_spelling(annotations, self.old, self.new)
        merging = self.old.casefold() != target.casefold() and bool(tagged(annotations, target))
        verb, into = ("merged", "into") if merging else ("renamed", "to")
        label = f"{verb} #{self.old} {into} #{target} on"
        change = store.update(ids, renaming(self.old, target), label=label)
        return Outcome(f"{label} {phrase(len(change.changed), 'paper')}", change.changed, change)


def _undone_message(undone: Undone) -> str:
    verb = "redid" if undone.redo else "undid"
    what = undone.entry.label.rstrip(":").removesuffix(" on").removesuffix(" from")
    message = f"{verb} “{what}” on {phrase(len(undone.restored), 'paper')}"
    if undone.skipped:
        n = len(undone.skipped)
        message += (
            f"; {phrase(n, 'paper')} left alone: {'it was' if n == 1 else 'they were'} "
            "changed since"
        )
    return message


@dataclass(frozen=True, slots=True)
class Undo:
    spec: ClassVar[CommandSpec] = _spec(
        "undo", "Undo", "undo the last change (from any readlist)", "u"
    )

    def run(self, store: Store) -> Outcome:
        undone = store.undo()
        if undone is None:
            return Outcome("nothing to undo")
        return Outcome(_undone_message(undone), undone.restored, undone=undone)


@dataclass(frozen=True, slots=True)
class Redo:
    spec: ClassVar[CommandSpec] = _spec(
        "redo", "Redo", "redo the last undone change", "U", "ctrl+r"
    )

    def run(self, store: Store) -> Outcome:
        undone = store.redo()
        if undone is None:
            return Outcome("nothing to redo")
        return Outcome(_undone_message(undone), undone.restored, undone=undone)


# -- dismissing (triage's `d`) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dismiss:
    """Not for me: the papers are marked dismissed and read, in one undoable change.

    Read, because a dismissed paper is done with (`is:unread` keeps its meaning);
    dismissed, because the ranking takes that as "less like this" where a plain read is
    a weak "more like this" (`ranking.signal`). Rating, tags and note are left as they
    are, and a later rating, tag or note keeps the mark: the ranking lets them outweigh
    it. Undo restores both flags; marking the paper unread clears both (see `SetRead`).
    """

    spec: ClassVar[CommandSpec] = _spec(
        "dismiss", "Dismiss", "mark the papers dismissed (and read): less like them"
    )
    ids: Sequence[str]

    def run(self, store: Store) -> Outcome:
        label = "dismissed"
        ids = _ids(self.ids)
        change = store.update(
            ids, lambda a: a.with_read(True).with_dismissed(True), label=f"{label}:"
        )
        return _done(label, change, len(ids))
