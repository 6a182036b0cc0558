"""Commands: every verb of readlist, as one typed object shared by all front ends.

The CLI turns arguments into a command (`Rate(ids, 4)`), the TUI turns a key into one
with the marked or highlighted papers as `ids`, and both run it the same way:
`outcome = command.run(store)`. A command that changes anything records it in the
library's undo history (`Store.update(..., label=)`), so `Undo().run(store)` undoes the
last change made from any process. Commands never import the CLI or Textual (a test
checks), and they print nothing: the `Outcome` carries the message each front end shows
(and the text a citation or a link gives, for the front end to copy, print or open).

`SPECS` is the one registry: each command's `spec` (base.py) names it and carries its
palette title, its help, its TUI bindings (`KeySpec`: tui/keys.py makes the Bindings, the
help screen's lines and the palette's commands from them; the README's key table is the
help screen's) and its CLI shape (`CliSpec`: cli.py makes the changing subcommands from
them; the README's command table is generated from them too). Verbs that change nothing
(citations, export, import, links) are in output.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from readlist.commands.base import (
    SPECS,
    Argument,
    CliSpec,
    Command,
    CommandSpec,
    KeySpec,
    Outcome,
    done,
    phrase,
    register,
    unique,
)
from readlist.commands.output import Cite, Export, Import, OpenLink
from readlist.errors import ReadlistError
from readlist.models import EMPTY, MAX_RATING, Annotation
from readlist.store import Store
from readlist.store.store import Undone
from readlist.text import strip_controls

__all__ = [
    "SPECS", "AddTags", "Annotate", "Cite", "CliSpec", "Command", "CommandSpec", "Export",
    "Import", "KeySpec", "OpenLink", "Outcome", "Rate", "Redo", "Remove", "RemoveTags",
    "RenameTag", "Restore", "SetNote", "SetRead", "SetTags", "ToggleRead", "Undo", "phrase",
]  # fmt: skip


def _spec(name: str, title: str, help: str, *keys: str) -> CommandSpec:
    """Register a spec whose keys (Textual names) are one binding under the command's
    name, running the TUI action of that name, listed with the spec's title and help."""
    bindings = (KeySpec(name, ",".join(keys), name, title, help, _sentence(help)),) if keys else ()
    return register(CommandSpec(name, title, help, bindings))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _changing(
    name: str, summary: str, *arguments: Argument, would: str, confirm: bool = False
) -> CliSpec:
    """A changing subcommand: QUERY (and --all, --dry-run) first, then `arguments`."""
    return CliSpec(name, summary, ("query", *arguments), confirm=confirm, would=would)


_done = done
_ids = unique


def _unread(annotation: Annotation) -> Annotation:
    return annotation.with_read(False).with_dismissed(False)


@dataclass(frozen=True, slots=True)
class SetRead:
    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "read",
            "Mark read",
            "mark the papers read (or unread)",
            cli=(
                _changing("read", "mark matching papers read", would="mark {papers} read"),
                _changing("unread", "mark matching papers unread", would="mark {papers} unread"),
            ),
            keyless="toggle_read (r) marks read and unread",
        )
    )
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

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "toggle_read",
            "Toggle read",
            "mark read / unread",
            (
                KeySpec(
                    "toggle_read",
                    "r",
                    "toggle_read",
                    "Toggle read",
                    "toggle read",
                    "Mark the highlighted paper read / unread",
                    show=True,
                    label="Read",
                ),
            ),
            cliless="`readlist read` / `unread` say which; a script should not depend on "
            "what the papers held",
        )
    )
    ids: Sequence[str]

    def run(self, store: Store) -> Outcome:
        ids = _ids(self.ids)
        current = store.annotations()
        read = not all(current.get(pid, EMPTY).read for pid in ids)
        return SetRead(ids, read).run(store)


@dataclass(frozen=True, slots=True)
class Rate:
    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "rate",
            "Rate",
            "rate 1-5; 0 clears the rating",
            (
                # One footer entry for six keys: "0-5 Rate"; the help screen one line.
                KeySpec(
                    "rate_1",
                    "1",
                    "rate(1)",
                    "Rate 1",
                    "rate; {rate_0} clears the rating",
                    "Rate the highlighted paper 1/5",
                    show=True,
                    key_display="0-5",
                    label="Rate",
                ),
                *(
                    KeySpec(
                        f"rate_{n}",
                        str(n),
                        f"rate({n})",
                        f"Rate {n}",
                        "",
                        f"Rate the highlighted paper {n}/5",
                    )
                    for n in (2, 3, 4, 5)
                ),
                KeySpec(
                    "rate_0",
                    "0",
                    "rate(0)",
                    "Clear rating",
                    "",
                    "Remove the rating",
                    label="Rate 0",
                ),
            ),
            cli=(
                _changing(
                    "rate",
                    "rate matching papers 1-5 (0 clears the rating)",
                    "rating",
                    would="rate {papers}",
                ),
            ),
        )
    )
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
    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "tag",
            "Add tags",
            "add tags to the papers",
            cli=(
                CliSpec(
                    "tag", "add tags to matching papers", ("query_tags",), would="tag {papers}"
                ),
            ),
            keyless="the tag editor (edit_tags, t) adds and removes tags",
        )
    )
    ids: Sequence[str]
    tags: tuple[str, ...]

    def run(self, store: Store) -> Outcome:
        label = f"tagged with {' '.join(self.tags)}:"
        ids = _ids(self.ids)
        change = store.update(ids, lambda a: a.with_tags_added(self.tags), label=label)
        return _done(label, change, len(ids))


@dataclass(frozen=True, slots=True)
class RemoveTags:
    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "untag",
            "Remove tags",
            "remove tags from the papers",
            cli=(
                CliSpec(
                    "untag",
                    "remove tags from matching papers",
                    ("query_tags",),
                    would="untag {papers}",
                ),
            ),
            keyless="the tag editor (edit_tags, t) adds and removes tags",
        )
    )
    ids: Sequence[str]
    tags: tuple[str, ...]

    def run(self, store: Store) -> Outcome:
        label = f"removed {' '.join(self.tags)} from"
        ids = _ids(self.ids)
        change = store.update(ids, lambda a: a.with_tags_removed(self.tags), label=label)
        return _done(label, change, len(ids))


@dataclass(frozen=True, slots=True)
class SetTags:
    """Give the papers exactly these tags (none: no tags); the tag editor's verb."""

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "edit_tags",
            "Edit tags",
            "set the papers' tags",
            (
                KeySpec(
                    "edit_tags",
                    "t",
                    "edit_tags",
                    "Edit tags",
                    "edit tags (Tab cycles through completions)",
                    "Edit the highlighted paper's tags",
                    show=True,
                    label="Tags",
                ),
            ),
            cli=(
                CliSpec(
                    "tag",
                    "give the papers exactly these tags, replacing theirs (no TAG: none)",
                    ("query_tags",),
                    option="--set",
                ),
            ),
        )
    )
    ids: Sequence[str]
    tags: tuple[str, ...]

    def run(self, store: Store) -> Outcome:
        label = "set the tags of" if self.tags else "cleared the tags of"
        ids = _ids(self.ids)
        tags = self.tags
        change = store.update(ids, lambda a: a.with_tags(tags), label=label)
        return _done(label, change, len(ids))


@dataclass(frozen=True, slots=True)
class SetNote:
    """Set the papers' note to `text` (empty: no note), or add it as a paragraph after
    the note they have (`append`)."""

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "edit_note",
            "Edit note",
            "write the papers' note",
            (
                KeySpec(
                    "edit_note",
                    "n",
                    "edit_note",
                    "Edit note",
                    "edit the note (Markdown; ctrl+s saves)",
                    "Write a Markdown note",
                    show=True,
                    label="Note",
                ),
            ),
            cli=(
                _changing(
                    "note",
                    "set the note of matching papers (TEXT - reads standard input; "
                    "--append adds a paragraph)",
                    "text",
                    would="set the note of {papers}",
                ),
            ),
        )
    )
    ids: Sequence[str]
    text: str
    append: bool = False

    def run(self, store: Store) -> Outcome:
        if self.append:
            label = "added to the note of"
        else:
            label = "set the note of" if self.text.strip() else "cleared the note of"
        ids = _ids(self.ids)
        text, append = self.text, self.append

        def edit(current: Annotation) -> Annotation:
            if append and current.note.strip():
                return current.with_note(f"{current.note.rstrip()}\n\n{text.strip()}")
            return current.with_note(text)

        change = store.update(ids, edit, label=label)
        return _done(label, change, len(ids))


@dataclass(frozen=True, slots=True)
class Annotate:
    """Any other edit of annotations (the tag and note editors' merges), undoable."""

    spec: ClassVar[CommandSpec] = register(
        CommandSpec("annotate", "Edit", "edit the papers' annotations", internal=True)
    )
    ids: Sequence[str]
    edit: Callable[[Annotation], Annotation]
    label: str

    def run(self, store: Store) -> Outcome:
        ids = _ids(self.ids)
        change = store.update(ids, self.edit, label=self.label)
        return _done(self.label, change, len(ids))


@dataclass(frozen=True, slots=True)
class Remove:
    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "remove",
            "Remove paper",
            "remove the papers (kept with their annotations; u undoes)",
            (
                KeySpec(
                    "remove",
                    "x,delete",
                    "remove",
                    "Remove paper",
                    "remove the paper (asks; u undoes)",
                    "Remove the highlighted paper; u brings it back",
                    key_display="x",
                    label="Remove",
                ),
            ),
            cli=(
                _changing(
                    "remove",
                    "remove matching papers from the library (restore brings them back)",
                    confirm=True,
                    would="remove {papers}",
                ),
            ),
        )
    )
    ids: Sequence[str]

    def run(self, store: Store) -> Outcome:
        changed = store.set_removed(_ids(self.ids), True, label="removed")
        return Outcome(f"removed {phrase(len(changed), 'paper')}", changed)


@dataclass(frozen=True, slots=True)
class Restore:
    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "restore",
            "Restore",
            "bring back removed papers",
            cli=(
                _changing(
                    "restore",
                    "bring back removed papers that match (see: readlist list --removed)",
                    would="restore {papers}",
                ),
            ),
            keyless="undo (u) brings back what was removed; removed papers are not listed",
        )
    )
    ids: Sequence[str]

    def run(self, store: Store) -> Outcome:
        changed = store.set_removed(_ids(self.ids), False, label="restored")
        return Outcome(f"restored {phrase(len(changed), 'paper')}", changed)


@dataclass(frozen=True, slots=True)
class RenameTag:
    """Rename tag `old` to `new` on every paper (removed ones too); a merge if `new` exists."""

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "rename_tag",
            "Rename tag",
            "rename or merge a tag everywhere",
            cli=(
                CliSpec(
                    "tag",
                    "rename tag OLD to NEW on every paper; if NEW exists, OLD is merged into it",
                    ("old_new",),
                    option="--rename",
                ),
            ),
            keyless="the tag browser (b) renames the highlighted tag with r",
        )
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
    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "undo",
            "Undo",
            "undo the last change (from any readlist)",
            (
                KeySpec(
                    "undo",
                    "u",
                    "undo",
                    "Undo",
                    "undo the last change (this or any readlist process)",
                    "Undo the last change, from this or any readlist",
                ),
            ),
            cli=(
                CliSpec(
                    "undo",
                    "undo the last change to the library (made here or in any readlist TUI)",
                    (),
                ),
            ),
        )
    )

    def run(self, store: Store) -> Outcome:
        undone = store.undo()
        if undone is None:
            return Outcome("nothing to undo")
        return Outcome(_undone_message(undone), undone.restored, undone=undone)


@dataclass(frozen=True, slots=True)
class Redo:
    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "redo",
            "Redo",
            "redo the last undone change",
            (
                KeySpec(
                    "redo",
                    "U,ctrl+r",
                    "redo",
                    "Redo",
                    "redo",
                    "Redo the last undone change",
                    key_display="U",
                ),
            ),
            cli=(CliSpec("redo", "redo the last undone change", ()),),
        )
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

    spec: ClassVar[CommandSpec] = register(
        CommandSpec(
            "dismiss",
            "Dismiss",
            "mark the papers dismissed (and read): less like them",
            (
                KeySpec(
                    "dismiss",
                    "d",
                    "dismiss",
                    "Dismiss",
                    "dismiss: not for me (marks read; for you learns from it)",
                    "Dismiss the highlighted paper: marked read, and for you ranks its like lower",
                ),
            ),
            cli=(
                _changing(
                    "dismiss",
                    "mark matching papers dismissed (and read); unread takes it back",
                    would="dismiss {papers}",
                ),
            ),
        )
    )
    ids: Sequence[str]

    def run(self, store: Store) -> Outcome:
        label = "dismissed"
        ids = _ids(self.ids)
        change = store.update(
            ids, lambda a: a.with_read(True).with_dismissed(True), label=f"{label}:"
        )
        return _done(label, change, len(ids))
