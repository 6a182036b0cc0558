"""The registry's vocabulary: what a command is, what it returns, and what each front end
needs to know of it (`CommandSpec`: its TUI keys as `KeySpec`s, its CLI shape as
`CliSpec`s).

Kept apart from the commands themselves so that modules of commands (`output.py`) and
`__init__.py` can share it without importing each other. Nothing here knows Textual or
argparse: a `KeySpec` is the data a `textual.binding.Binding` is made from (tui/keys.py
makes it), a `CliSpec` the data a subparser is made from (cli.py makes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol

from readlist.store import ImportReport, Store
from readlist.store.store import Change, Undone


def phrase(count: int, noun: str) -> str:
    """`1 paper`, `3 papers`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One TUI binding of a command: the data of a Textual `Binding`, plus what the help
    screen and the palette say of it."""

    id: str
    """The binding id, which is also the config file's `[keys]` id (never rename one)."""
    keys: str
    """Default keys, Textual names, comma-separated: `"x,delete"`."""
    action: str
    """The TUI action it runs: `"rate(4)"`."""
    title: str
    """Footer label and palette title."""
    help: str
    """The help screen's line; `""`: no line of its own (the rating keys share one)."""
    palette: str
    """The palette's line (the current keys are added in brackets)."""
    show: bool = False
    """In the footer (it is full at 80 columns: only the bindings that were there)."""
    key_display: str | None = None
    label: str | None = None
    """The footer's label when it is not `title` ("Rate" for the six rating keys)."""


Argument = Literal["query", "query_tags", "rating", "text", "old_new"]
"""A CLI argument shape: `query` one QUERY argument (with --all: optional); `query_tags`
the query then tags (with --all: only tags); `rating` 0..5; `text` a note, `-` reads
standard input; `old_new` the two values of an option (`tag --rename OLD NEW`)."""


@dataclass(frozen=True, slots=True)
class CliSpec:
    """One subcommand of `readlist` (or an option of one) that runs the command."""

    name: str
    """The subcommand: `"rate"`."""
    summary: str
    """Its line in `readlist --help`."""
    arguments: tuple[Argument, ...] = ("query",)
    option: str | None = None
    """This shape is an option of subcommand `name` (`tag --set`), with `summary` as the
    option's help, rather than a subcommand of its own."""
    dry_run: bool = True
    """With a QUERY: has `--dry-run` / `-n` (lists the papers, changes nothing)."""
    confirm: bool = False
    """Asks before changing annotated papers; has `--yes` / `-y`."""
    would: str = "change {papers}"
    """What a dry run says it would do: `"rate {papers}"` -> "would rate 3 papers"."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """What people see of a command, in every front end.

    `name` identifies it (and is the binding id of its first key where it has one);
    `title` and `help` are its palette title and its one line of help; `keys` its TUI
    bindings, `cli` its subcommands. `changes`: it writes to the library (then every
    front end must offer it: a test checks there is a key or palette entry, and a CLI
    subcommand with --all).
    """

    name: str
    title: str
    help: str
    keys: tuple[KeySpec, ...] = ()
    cli: tuple[CliSpec, ...] = ()
    changes: bool = True
    keyless: str = ""
    """Why the TUI has no key for it, when it has none (a test asks for one or the other)."""
    cliless: str = ""
    """Why the CLI has no subcommand for it, when it changes the library and has none."""
    internal: bool = False
    """A building block of other front-end actions (Annotate: the editors' merges), with
    no key or subcommand of its own."""


@dataclass(frozen=True, slots=True)
class Outcome:
    message: str
    """One line for people, e.g. `rated 4/5: 3 papers (1 already were)`."""
    changed: list[str] = field(default_factory=list)
    """Ids of the papers whose annotations or removed mark changed."""
    change: Change | None = None
    undone: Undone | None = None
    text: str | None = None
    """What a command that changes nothing produced for the front end to deliver: the
    citations to copy or print, the URL to open."""
    links: tuple[tuple[str, str], ...] = ()
    """`OpenLink`: every link of the paper, (kind, URL), its own page first."""
    warning: str | None = None
    """Something went wrong on the side, the command still did its work (citation keys
    not pinned: the library could not be written)."""
    reports: tuple[ImportReport, ...] = ()
    """`Import`: what importing each listing did (or would do), in order."""

    @property
    def undoable(self) -> bool:
        """True when the change went into the undo history."""
        return bool(self.changed) and self.undone is None


class Command(Protocol):
    spec: ClassVar[CommandSpec]

    def run(self, store: Store) -> Outcome: ...


SPECS: dict[str, CommandSpec] = {}
"""Every command's spec by name, in the order they are declared."""


def register(spec: CommandSpec) -> CommandSpec:
    if spec.name in SPECS:
        raise ValueError(f"two commands named {spec.name!r}")
    SPECS[spec.name] = spec
    return spec


def done(label: str, change: Change, asked: int) -> Outcome:
    changed = change.changed
    unchanged = asked - len(changed)
    extra = f" ({unchanged} already {'was' if unchanged == 1 else 'were'})" if unchanged else ""
    return Outcome(f"{label} {phrase(len(changed), 'paper')}{extra}", changed, change)


def unique(ids: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))
