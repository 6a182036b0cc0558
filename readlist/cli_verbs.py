"""The CLI's side of the command registry: the changing subcommands made from each
command's `CliSpec`s, the adapters that turn their arguments into commands, and the
registry's other subcommands (cite, link) — apart from cli.py, which keeps the parser's
hand-written commands (list, import, export, filters, config...), `main` and `run`.

One flow for every changing subcommand (`cmd_change`): the adapter reads the arguments
(and may refuse them), `_select_for_change` picks the papers (an empty query needs
--all), the shape's confirmation and dry run apply, the command runs, its outcome is
printed. Adding a changing command to the registry and an adapter here gives it a
subcommand with --all, a line in `readlist --help` and a row in the README's table.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from readlist.errors import ReadlistError
from readlist.models import MAX_RATING, normalize_tags
from readlist.text import strip_controls

if TYPE_CHECKING:
    from readlist.cli import _Subcommands
    from readlist.commands import Command, Outcome
    from readlist.library import Library
    from readlist.store import Store

# As cli.py's (the module is imported by it, so it cannot import these at its top).
EXIT_OK, EXIT_NO_MATCH, EXIT_ERROR = 0, 1, 2


def summary_of(name: str) -> str:
    """The registry's summary of subcommand `name`."""
    from readlist.commands import SPECS

    return next(c.summary for spec in SPECS.values() for c in spec.cli if c.name == name)


def add_changing(
    sub: _Subcommands,
    with_query_help: Callable[[str, str], argparse.ArgumentParser],
) -> None:
    """A subcommand for each changing CLI shape of the registry (`CommandSpec.cli`); the
    shapes of one name (`tag`, `tag --set`, `tag --rename`) make one subcommand. The
    commands with options of their own (import) are written out in `build_parser`."""
    from readlist.commands import SPECS, CliSpec

    shapes: dict[str, list[CliSpec]] = {}
    for spec in SPECS.values():
        for shape in spec.cli:
            if spec.changes and shape.name not in BUILT_BY_HAND:
                shapes.setdefault(shape.name, []).append(shape)
    for name, group in shapes.items():
        [main] = [shape for shape in group if shape.option is None]
        if "query" in main.arguments or "query_tags" in main.arguments:
            p = with_query_help(name, main.summary)
            p.add_argument(
                "--all",
                action="store_true",
                help="act on every paper (an empty QUERY is refused)",
            )
        else:
            p = sub.add_parser(name, help=main.summary)
        for argument in main.arguments:
            _add_argument(p, argument, optional_tags=len(group) > 1)
        for shape in group:
            if shape.option is None:
                continue
            if "old_new" in shape.arguments:
                p.add_argument(shape.option, nargs=2, metavar=("OLD", "NEW"), help=shape.summary)
            else:
                p.add_argument(shape.option, action="store_true", help=shape.summary)
        if main.confirm:
            p.add_argument(
                "--yes",
                "-y",
                action="store_true",
                help="do not ask before acting on papers that carry your annotations",
            )
        if main.dry_run and {"query", "query_tags"} & set(main.arguments):
            p.add_argument(
                "--dry-run",
                "-n",
                action="store_true",
                help=f"show the papers {name} would act on; change nothing",
            )


def _rating(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"rating must be a whole number 0..{MAX_RATING}, not {text!r}"
        ) from None
    if not 0 <= value <= MAX_RATING:
        raise argparse.ArgumentTypeError(f"rating must be 0..{MAX_RATING}, not {value}")
    return value


def _add_argument(p: argparse.ArgumentParser, argument: str, *, optional_tags: bool) -> None:
    if argument == "query":
        p.add_argument(
            "query",
            nargs="?",
            default="",
            metavar="QUERY",
            help="which papers (one argument: quote it); with --all, every paper",
        )
    elif argument == "query_tags":
        p.add_argument(
            "tags",
            # `tag --rename OLD NEW` (another shape of `tag`) takes no query or tags.
            nargs="*" if optional_tags else "+",
            metavar="QUERY TAG",
            help="the query, then tags (spaces or commas separate); with --all, only tags",
        )
    elif argument == "rating":
        p.add_argument("rating", type=_rating, metavar="N", help="0 to 5")
    elif argument == "text":
        p.add_argument(
            "text",
            metavar="TEXT",
            help="the note (Markdown); - reads it from standard input; '' removes the note",
        )
        p.add_argument(
            "--append",
            action="store_true",
            help="add TEXT as a paragraph after the note the paper has",
        )
    else:
        raise ValueError(f"no CLI argument shape {argument!r}")


# Subcommands of registry commands with options of their own, written out in build_parser.
BUILT_BY_HAND = frozenset({"import", "export", "cite", "link"})


def markdown_commands() -> str:
    """The README's table of the registry's subcommands: each usage as argparse prints it
    (without -h and the global options), then its summary; tests/test_registry.py checks
    the README holds this table, so it cannot drift from the parser."""
    import re

    from readlist.cli import build_parser
    from readlist.commands import SPECS

    parsers: dict[str, argparse.ArgumentParser] = {}
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            parsers = dict(action.choices)
    options = {c.option for spec in SPECS.values() for c in spec.cli if c.option}
    lines = ["| command | does |", "|---|---|"]
    # The changing commands first (in the registry's order), then the others.
    for spec in sorted(SPECS.values(), key=lambda spec: not spec.changes):
        for shape in spec.cli:
            if shape.option is None:
                usage = " ".join(parsers[shape.name].format_usage().split()).removeprefix("usage: ")
                usage = re.sub(r" \[(-h|--db PATH|--config PATH|--no-config)\]", "", usage)
                for option in options:
                    usage = re.sub(rf" \[{option}( [A-Z ]+)?\]", "", usage)
            elif "old_new" in shape.arguments:
                usage = f"readlist {shape.name} {shape.option} OLD NEW"
            else:
                usage = f"readlist {shape.name} {shape.option} [--all] [QUERY TAG ...]"
            lines.append(f"| `{usage}` | {shape.summary} |")
    return "\n".join(lines) + "\n"


def warn(outcome: Outcome) -> None:
    if outcome.warning:
        print(f"readlist: warning: {strip_controls(outcome.warning)}", file=sys.stderr)


def cmd_cite(args: argparse.Namespace, db: Path) -> int:
    from readlist import commands
    from readlist.cli import _load, _settings, query_text

    fmt = args.format or _settings(args).citation_format
    query = query_text(args.query)
    store, library, rows = _load(db, query, sort=args.sort)
    if not rows:
        _no_match(query, library)
        return EXIT_NO_MATCH
    outcome = commands.Cite([library.papers[i] for i in rows], fmt).run(store)
    warn(outcome)
    sys.stdout.write(strip_controls(outcome.text or ""))
    if outcome.text and not outcome.text.endswith("\n"):
        sys.stdout.write("\n")
    return EXIT_OK


def cmd_link(args: argparse.Namespace, db: Path) -> int:
    from readlist import commands
    from readlist.cli import _load, _plural, query_text

    query = query_text(args.query)
    store, library, rows = _load(db, query)
    if not rows:
        _no_match(query, library)
        return EXIT_NO_MATCH
    without = 0
    for i in rows:
        paper = library.papers[i]
        outcome = commands.OpenLink(paper).run(store)
        if not outcome.links:
            without += 1
        for kind, url in outcome.links if args.every else outcome.links[:1]:
            print(f"{paper.short_id}  {kind}  {url}" if args.every else url)
    if without:
        print(f"readlist: {_plural(without, 'paper')} without a link", file=sys.stderr)
    return EXIT_OK if without < len(rows) else EXIT_NO_MATCH


def _no_match(query: str, library: Library) -> None:
    if query:
        shown = strip_controls(query)
        print(f"readlist: no papers match {shown!r} (library has {len(library)})", file=sys.stderr)
    else:
        print("readlist: the library is empty", file=sys.stderr)


def _select_for_change(
    args: argparse.Namespace, db: Path, *, removed: bool = False
) -> tuple[Store, Library, list[int]] | None:
    """The papers a changing command acts on; None (after saying so) when there are none."""
    from readlist.cli import _load, query_text

    query = "" if args.all and not args.query else query_text([args.query])
    if not query.strip() and not args.all:
        raise ReadlistError(
            f"{args.command}: the query is empty, which would change every paper; "
            "add --all to do that"
        )
    store, library, rows = _load(db, query, removed=removed)
    if not rows:
        shown = strip_controls(args.query)
        what = "removed papers" if removed else "papers"
        print(f"readlist: no {what} match {shown!r}; nothing changed", file=sys.stderr)
        return None
    return store, library, rows


def _by_id_alone(args: argparse.Namespace, db: Path) -> tuple[Store, list[str]] | None:
    """The papers of a query that is one `id:PREFIX` term, found by their ids alone.

    `readlist rate id:52393aed 4` at 100,000 papers need not read every paper: the
    store looks the prefix up in the catalogue's keys (`Store.ids_by_prefix`). None
    when the query is anything else, or when the catalogue must be read whole.
    """
    from readlist.store import Store

    if args.all or "id:" not in args.query.lower():
        return None
    store = Store.open(db, catalogue=False)
    if (typed := _ID_ALONE.fullmatch(args.query)) is not None:
        # What the query parser reads it as (tests/test_cli_parser_alone.py), without
        # importing the query language.
        prefix = typed.group(1)
    else:
        from readlist.paths import LibraryPaths
        from readlist.query import parse
        from readlist.query.nodes import Prefix
        from readlist.store.filters import filters_path, read_filters

        query = parse(args.query, saved=read_filters(filters_path(LibraryPaths.for_db(db))))
        if not (isinstance(query.root, Prefix) and query.root.field == "id"):
            return None
        prefix = query.root.prefix
    ids = store.ids_by_prefix(prefix)
    return None if ids is None else (store, ids)


# `id:` and 1 to 16 lower-case hex digits, alone: a query the parser reads as that prefix.
_ID_ALONE = re.compile(r"id:([0-9a-f]{1,16})")


def _annotate(args: argparse.Namespace, db: Path, make: Callable[[list[str]], Command]) -> int:
    """Run the command `make(ids)` on the papers the arguments select; print its outcome."""
    if (by_id := _by_id_alone(args, db)) is not None:
        store, ids = by_id
        if not ids:
            shown = strip_controls(args.query)
            print(f"readlist: no papers match {shown!r}; nothing changed", file=sys.stderr)
            return EXIT_NO_MATCH
    else:
        selected = _select_for_change(args, db)
        if selected is None:
            return EXIT_NO_MATCH
        store, library, rows = selected
        ids = [library.papers[i].id for i in rows]
    outcome = make(ids).run(store)
    print(outcome.message)
    return EXIT_OK


def _split_tag_args(args: argparse.Namespace) -> None:
    """`tag QUERY TAG...`, or `tag --all TAG...` (then every argument is a tag)."""
    words: list[str] = list(args.tags)
    if args.all:
        args.query = ""
    else:
        args.query = words.pop(0)
    args.tags = words
    if not words:
        raise ReadlistError(
            f"{args.command}: no tag given (usage: readlist {args.command} QUERY TAG..., or "
            f"readlist {args.command} --all TAG...)"
        )


def cmd_change(args: argparse.Namespace, db: Path) -> int:
    """A changing command made from the registry: its adapter turns the arguments into a
    command for the papers they select (`_select_for_change`: an empty query needs
    --all); annotated papers are asked about first where the shape says `confirm`."""
    from readlist.cli import _plural
    from readlist.commands import SPECS

    shape = next(
        shape
        for spec in SPECS.values()
        for shape in spec.cli
        if shape.name == args.command and shape.option is None
    )
    make = ADAPTERS[args.command](args, db)
    if isinstance(make, int):  # the adapter did all (tag --rename)
        return make
    if "query" not in shape.arguments and "query_tags" not in shape.arguments:
        from readlist.store import Store

        return _report(args, make([]).run(Store.open(db)))
    if not (shape.confirm or getattr(args, "dry_run", False) or args.command == "restore"):
        return _annotate(args, db, make)
    selected = _select_for_change(args, db, removed=args.command == "restore")
    if selected is None:
        return EXIT_NO_MATCH
    store, library, rows = selected
    ids = [library.papers[i].id for i in rows]
    annotated = [i for i in rows if not library.annotation_at(i).is_empty]
    n = _plural(len(ids), "paper")
    if getattr(args, "dry_run", False):
        for i in rows:
            paper = library.papers[i]
            print(f"{paper.short_id}  {strip_controls(paper.title)}")
        extra = f" ({len(annotated)} with your annotations)" if annotated else ""
        print(f"dry run: would {shape.would.format(papers=n)}{extra}; nothing was changed")
        return EXIT_OK
    if shape.confirm and annotated and not args.yes:
        question = (
            f"{len(annotated)} of these papers carry your tags, ratings or notes (kept, and "
            f"restored with the paper); {args.command} {n}?"
        )
        if not sys.stdin.isatty():
            which = "it carries" if len(ids) == 1 else f"{len(annotated)} of the {n} carry"
            raise ReadlistError(
                f"{args.command}: {which} your annotations; add --yes to {args.command} anyway "
                "(they are kept; restore brings the papers back)"
            )
        if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
            print(f"nothing was {_PAST.get(args.command, args.command + 'd')}")
            return EXIT_NO_MATCH
    return _report(args, make(ids).run(store))


_PAST = {"remove": "removed"}


def _report(args: argparse.Namespace, outcome: Outcome) -> int:
    if args.command in ("undo", "redo") and outcome.undone is None:
        print(f"readlist: {outcome.message}", file=sys.stderr)
        return EXIT_NO_MATCH
    if args.command == "remove":
        print(
            f"{outcome.message}; `readlist undo` brings them back (or `readlist restore`; "
            "`readlist list --removed` shows removed papers)"
        )
    else:
        print(outcome.message)
    return EXIT_OK


# -- the adapters: a changing subcommand's arguments -> a command for the selected ids ----
Make = Callable[[list[str]], "Command"]


def _tag(args: argparse.Namespace, db: Path) -> Make | int:
    from readlist import commands

    if args.rename:
        if args.tags or args.all or args.set:
            raise ReadlistError("tag --rename OLD NEW takes no query, tags, --set or --all")
        return cmd_rename_tag(args.rename[0], args.rename[1], db)
    if args.set and (args.tags or args.all):
        # `tag --set QUERY` (no tag) leaves the papers without tags.
        words = list(args.tags)
        args.query = "" if args.all else words.pop(0)
        tags = normalize_tags(words)
        return lambda ids: commands.SetTags(ids, tags)
    if not args.tags:
        raise ReadlistError(
            "tag: no query and tag given (usage: readlist tag QUERY TAG..., readlist tag "
            "--all TAG..., readlist tag --set QUERY TAG..., or readlist tag --rename OLD NEW)"
        )
    _split_tag_args(args)
    tags = normalize_tags(args.tags)
    if not tags:
        raise ReadlistError("no tag given (tags are separated by spaces or commas)")
    return lambda ids: commands.AddTags(ids, tags)


def _untag(args: argparse.Namespace, db: Path) -> Make:
    from readlist import commands

    _split_tag_args(args)
    tags = normalize_tags(args.tags)
    if not tags:
        raise ReadlistError("no tag given (tags are separated by spaces or commas)")
    return lambda ids: commands.RemoveTags(ids, tags)


def _rate(args: argparse.Namespace, db: Path) -> Make:
    from readlist import commands

    rating: int = args.rating
    return lambda ids: commands.Rate(ids, rating)


def _read(read: bool) -> Callable[[argparse.Namespace, Path], Make]:
    from readlist import commands

    return lambda args, db: lambda ids: commands.SetRead(ids, read)


def _note(args: argparse.Namespace, db: Path) -> Make:
    from readlist import commands

    if not args.query and not args.all:  # also `readlist note hft`: the one word is TEXT
        raise ReadlistError(
            "note: no query (readlist note QUERY TEXT; - reads TEXT from standard input); "
            "an empty query would change every paper: add --all to do that"
        )
    text: str = args.text
    if text == "-":
        try:
            text = sys.stdin.buffer.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ReadlistError(
                f"note: standard input is not UTF-8 text (byte {error.start}); nothing changed"
            ) from None
    if args.append and not text.strip():
        raise ReadlistError("note --append: the text to add is empty")
    append: bool = args.append
    return lambda ids: commands.SetNote(ids, text, append)


def _remove(args: argparse.Namespace, db: Path) -> Make:
    from readlist import commands

    return lambda ids: commands.Remove(ids)


def _restore_papers(args: argparse.Namespace, db: Path) -> Make:
    from readlist import commands

    return lambda ids: commands.Restore(ids)


def _dismiss(args: argparse.Namespace, db: Path) -> Make:
    from readlist import commands

    return lambda ids: commands.Dismiss(ids)


def _undo(args: argparse.Namespace, db: Path) -> Make:
    from readlist import commands

    redo = args.command == "redo"
    return lambda ids: commands.Redo() if redo else commands.Undo()


ADAPTERS: dict[str, Callable[[argparse.Namespace, Path], Make | int]] = {
    "tag": _tag,
    "untag": _untag,
    "rate": _rate,
    "read": _read(True),
    "unread": _read(False),
    "note": _note,
    "remove": _remove,
    "restore": _restore_papers,
    "dismiss": _dismiss,
    "undo": _undo,
    "redo": _undo,
}


def cmd_rename_tag(old_typed: str, new_typed: str, db: Path) -> int:
    """Rename (or merge) a tag on every paper, removed ones too, as one write."""
    from readlist import commands
    from readlist.store import Store
    from readlist.tags import plan_rename

    store = Store.open(db)
    plan = plan_rename(store.annotations(), old_typed, new_typed, what="tag --rename")
    if not plan.ids:
        print(f"readlist: no paper is tagged {plan.old!r}; nothing changed", file=sys.stderr)
        return EXIT_NO_MATCH
    outcome = commands.RenameTag(plan.old, plan.new).run(store)
    print(outcome.message)
    return EXIT_OK
