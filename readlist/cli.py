"""The `readlist` command: argument parsing, and wiring of store, library and app.

No UI logic lives here. Commands other than the TUI never import Textual, so they start
in a fraction of a second. Errors a user can cause are `ReadlistError`s: they are printed
as one line on stderr and exit with status 2; a query that matches nothing makes a
changing command (tag, rate...) exit with status 1.

The verbs of the command registry (`readlist.commands.SPECS`) are made and run by
cli_verbs.py: the changing subcommands (read, rate, tag, note, remove, undo...) are built
from their specs, with --all on each. This module writes out the rest of the parser.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from readlist import __version__
from readlist.cli_verbs import (
    ADAPTERS,
    add_changing,
    cmd_change,
    cmd_cite,
    cmd_link,
    summary_of,
    warn,
)
from readlist.config import Config, load_config
from readlist.errors import ReadlistError
from readlist.models import Annotation, Paper
from readlist.paths import CONFIG_ENV_VAR, ENV_VAR, resolve_db
from readlist.text import strip_controls

if TYPE_CHECKING:
    from readlist.config import Config
    from readlist.enrich import Fetcher
    from readlist.enrich.request import FetchRequest
    from readlist.importers import ListingFile
    from readlist.library import Library
    from readlist.store import ImportReport, Store

EXIT_OK, EXIT_NO_MATCH, EXIT_ERROR = 0, 1, 2
# argparse takes every "-word" for an option; query terms like -is:read are not, so
# they are disguised before parsing and restored after.
_NEG = "\x00"
_SHORT_OPTIONS = frozenset({"-h", "-o", "-f", "-V", "-n", "-y"})  # every short option we have


@cache
def _query_help() -> str:
    """The query language's help (readlist.query.syntax), shown after each subcommand
    that takes a query; not imported by a command that shows no help (see `main`)."""
    from readlist.query.syntax import cli_help

    return cli_help()


EPILOG = """\
examples:
  readlist --demo                       try it on the bundled sample listings
  readlist import ~/papers/2024-05-01.txt
  readlist list '"prompt tuning"' -is:read
  readlist tag 'id:52393aed' to-read nlp
  readlist export --format bibtex -o refs.bib tag:thesis

The library is --db PATH if given, else ${ENV_VAR} if set, else library.json in the user
data directory; its sibling files (*.papers.json, *.abstracts.json) hold the catalogue.
Importing several files imports each whole or not at all (exit 2 if any failed).
Settings (keys, default sort and citation format, theme) are in the config file:
--config PATH, else ${CONFIG_ENV_VAR}, else config.toml in the user config directory;
`readlist config` shows them and where each came from. --db, --config and --no-config
may come before or after the command.
"""


IMPORT_EPILOG = """\
formats (recognised from the content):
  hf       a Hugging Face papers page copied as text: daily, weekly, monthly, search,
           trending, or one paper's page; several pages may be pasted into one file
  arxiv    an arXiv listing (/list/cs.CL/new) or abstract page (/abs/ID) copied as text
  bibtex   a .bib file (Zotero, JabRef, arXiv's Export BibTeX)
  json     readlist's own export (readlist export): restores annotations too

Text that is not a paper listing (notes, e-mail, code, a list of titles without
abstracts) is refused with the reason; nothing is changed. The same paper met again
(same title, or same arXiv id) is merged: nothing known is forgotten.

examples:
  readlist import today.txt
  xclip -o | readlist import -          (wl-paste | readlist import - on Wayland)
  readlist import --dry-run refs.bib
  readlist import --annotations replace backup.json
"""


class _Choices:
    """An option's choices, read from their module when first used: argparse reads them
    only in a subcommand that is built (see `_Subcommands`), so `readlist rate` does not
    import the importers, the citations or the export formats to build its parser."""

    def __init__(self, read: Callable[[], Sequence[str]]) -> None:
        self._read = read
        self._values: Sequence[str] | None = None

    def _get(self) -> Sequence[str]:
        if self._values is None:
            self._values = self._read()
        return self._values

    def __contains__(self, value: object) -> bool:
        return value in self._get()

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _import_formats() -> Sequence[str]:
    from readlist.importers.formats import FORMATS

    return list(FORMATS)


def _export_formats() -> Sequence[str]:
    from readlist.export import FORMATS

    return FORMATS


def _citation_formats() -> Sequence[str]:
    from readlist.citations import FORMATS

    return list(FORMATS)


def _sort_keys() -> Sequence[str]:
    from readlist.library import SORT_KEYS

    return SORT_KEYS


class _Unbuilt:
    """What `_Subcommands` gives for a subcommand it does not build: takes every call."""

    def __getattr__(self, name: str) -> Callable[..., _Unbuilt]:
        return lambda *args, **kwargs: self


class _Subcommands:
    """The subparsers of the top-level parser, building only subcommand `only` (every
    one when None). A command run from the shell needs only its own subparser; building
    all 29 of them, with their choices, was ~20-30 ms of every `readlist rate`."""

    def __init__(self, sub: argparse._SubParsersAction[_Parser], only: str | None) -> None:
        self.sub, self.only = sub, only
        self.built: set[str] = set()

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if self.only is not None and name != self.only:
            return cast(argparse.ArgumentParser, _Unbuilt())
        self.built.add(name)
        return self.sub.add_parser(name, **kwargs)


class _Parser(argparse.ArgumentParser):
    """argparse, with disguised query terms shown as typed in its error messages."""

    def error(self, message: str) -> NoReturn:
        super().error(_restore(message))


class _Retry(Exception):
    """The top-level parser alone met an error: the whole parser is to report it."""


class _TopParser(_Parser):
    """The top-level options alone, for `readlist` with no command (the TUI): building
    every subcommand's parser, with its choices and the query help, was ~30 ms of every
    start of the TUI. An error is said by the whole parser (`_parse`): its message can
    list the commands (`readlist -`: "invalid choice ... (choose from 'import', ...)")."""

    def error(self, message: str) -> NoReturn:
        raise _Retry(message)


SORT_HELP = (
    "order: date (newest first; undated papers by when they were added), upvotes, rating, "
    "title or added (recently added first); default: the config's sort (else date)"
)
LIST_SORT_HELP = (
    f"{SORT_HELP}; for-you (learnt from your ratings, tags, notes and reads) or "
    "like:TAG (likeness to the papers tagged TAG)"
)


def _sort(text: str) -> str:
    """A --sort value: a plain sort key, for-you, or like:TAG."""
    from readlist.library import LIKE, RANKED_SORTS, SORT_KEYS, is_ranked

    if text in SORT_KEYS or (is_ranked(text) and text != LIKE):
        return text
    choices = ", ".join((*SORT_KEYS, *RANKED_SORTS))
    raise argparse.ArgumentTypeError(f"unknown sort {text!r} (choose from {choices})")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand; with `only`, of that subcommand alone (and the
    top-level options): what a command given on the command line needs, see `main`.
    A parser built for `only` has no help texts after the options (they list every
    command): it is never asked for help (`_parser_for`). `only=""` builds the
    top-level options alone, for no command (see `_TopParser`)."""
    query_help = _query_help() if only is None else None
    parser = (_TopParser if only == "" else _Parser)(
        prog="readlist",
        description="A keyboard-driven reading list for research papers. "
        "With no command, opens the library in the terminal UI.",
        epilog=f"{query_help}\n{EPILOG}" if query_help else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--demo", action="store_true", help="open the TUI on a throwaway library of sample papers"
    )
    parser.add_argument("-V", "--version", action="version", version=f"readlist {__version__}")
    sub = _Subcommands(parser.add_subparsers(dest="command", metavar="COMMAND"), only)

    p: argparse.ArgumentParser = sub.add_parser(
        "import",
        help=summary_of("import"),
        description="Import papers. Each FILE is read whole or not at all; its format is "
        "recognised from its content unless --format says otherwise. Your tags, ratings and "
        "notes are never touched (except when restoring a JSON export).",
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a file to import; - reads standard input (e.g. xclip -o | readlist import -)",
    )
    p.add_argument(
        "--format",
        "-f",
        choices=_Choices(_import_formats),
        help="read every FILE in this format instead of recognising it",
    )
    p.add_argument(
        "--dry-run",
        "-n",
        action="store_true",
        help="show what would be added and updated, and change nothing",
    )
    p.add_argument(
        "--annotations",
        choices=("keep", "replace"),
        help="JSON exports: where a paper already has different tags/rating/note, keep yours "
        "(the default without a terminal) or replace them with the file's",
    )
    p.add_argument(
        "--enrich",
        action="store_true",
        help="then fetch authors and arXiv ids of the papers this import added "
        "(as readlist enrich does)",
    )

    def with_query_help(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=summary,
            epilog=query_help,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    p = with_query_help("list", "print matching papers, one per line")
    p.add_argument("query", nargs="*", metavar="QUERY", help="which papers (default: all)")
    # The default (None) becomes the config's sort (see `run`).
    p.add_argument("--sort", type=_sort, default=None, metavar="ORDER", help=LIST_SORT_HELP)
    p.add_argument(
        "--scores", action="store_true", help="with --sort for-you or like:TAG, show each score"
    )
    p.add_argument(
        "--reverse", action="store_true", help="print in the reverse of the --sort order"
    )
    p.add_argument("--limit", type=int, metavar="N", help="print at most N papers")
    p.add_argument(
        "--removed", action="store_true", help="list removed papers instead (see restore)"
    )

    p = with_query_help("export", summary_of("export"))
    p.add_argument("query", nargs="*", metavar="QUERY", help="which papers (default: all)")
    p.add_argument(
        "--format",
        "-f",
        choices=_Choices(_export_formats),
        help="default: from the -o file's extension (.bib .md .csv .json), else json",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (- is standard output; a device or FIFO is written to, "
        "a symlink's target replaced)",
    )
    p.add_argument(
        "--sort",
        choices=_Choices(_sort_keys),
        default=None,
        help=SORT_HELP,
    )

    p = with_query_help("cite", summary_of("cite"))
    p.add_argument("query", nargs="*", metavar="QUERY", help="which papers (default: all)")
    p.add_argument(
        "--format",
        "-f",
        choices=_Choices(_citation_formats),
        help="plain, bibtex (keys are pinned, as an export pins them), markdown or chat; "
        "default: the config's citation_format (else plain)",
    )
    p.add_argument("--sort", choices=_Choices(_sort_keys), default=None, help=SORT_HELP)

    p = with_query_help("link", summary_of("link"))
    p.add_argument("query", nargs="*", metavar="QUERY", help="which papers (default: all)")
    p.add_argument(
        "--every",
        action="store_true",
        help="every link of each paper (code, project page...), not only its own page",
    )

    # The changing commands (tag, untag, rate, read, unread, note, remove, restore, undo,
    # redo): made from the command registry's CLI shapes.
    add_changing(sub, with_query_help)

    p = sub.add_parser("filter", help="save or remove a named filter (used as @NAME in any query)")
    actions = p.add_subparsers(dest="filter_action", metavar="ACTION", required=True)
    save = actions.add_parser(
        "save",
        help="save QUERY as NAME (replacing one of that name)",
        epilog=query_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    save.add_argument("name", metavar="NAME", help="letters, digits, - _ . (typed as @NAME)")
    save.add_argument("query", nargs="+", metavar="QUERY", help="the query to save")
    remove = actions.add_parser("rm", help="remove the saved filter NAME")
    remove.add_argument("name", metavar="NAME")
    sub.add_parser("filters", help="list saved filters with their counts of papers and unread")

    p = sub.add_parser("history", help="list the recent changes that undo and redo step through")
    p.add_argument("-n", type=int, default=20, metavar="N", help="how many (default 20)")
    sub.add_parser("tags", help="list tags with how many papers (and unread papers) carry each")
    p = sub.add_parser(
        "similar", help="papers like one paper, with the words they share (by id prefix)"
    )
    p.add_argument("id", metavar="ID", help="the paper's id (or its first characters)")
    p.add_argument("--limit", type=int, default=10, metavar="N", help="default: 10")
    sub.add_parser("stats", help="figures: added and read per week, backlog, ratings, tags")

    p = with_query_help(
        "enrich", "fetch authors, arXiv ids, categories and DOIs from Hugging Face and arXiv"
    )
    p.add_argument("query", nargs="*", metavar="QUERY", help="which papers (default: all)")
    p.add_argument(
        "--again",
        action="store_true",
        help="ask about papers that already have authors and an arXiv id too (at arXiv, "
        "by id: their categories and DOI come with it)",
    )
    p.add_argument(
        "--details",
        action="store_true",
        help="also ask arXiv (by id, 50 a request) for categories, DOI and journal "
        "reference; default: the config's enrich.arxiv_details (else only authors and ids)",
    )

    p = sub.add_parser("add", help="add papers by arXiv id or arXiv / Hugging Face URL")
    p.add_argument(
        "ids", nargs="+", metavar="ID", help="2309.05173, arxiv.org/abs/…, hf.co/papers/…"
    )
    p = sub.add_parser("fetch", help="import a Hugging Face Daily Papers page")
    p.add_argument("what", choices=["daily"], help="daily: the Daily Papers page")
    p.add_argument("date", nargs="?", metavar="DATE", help="YYYY-MM-DD (default: today)")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--week", metavar="W", help="a whole week instead: YYYY-Www (2023-W37)")
    when.add_argument("--month", metavar="M", help="a whole month instead: YYYY-MM (2023-09)")

    p = sub.add_parser("doctor", help="check the library files; --repair mends damaged ones")
    p.add_argument(
        "--repair",
        action="store_true",
        help="rebuild damaged files from what they still hold and their .bak copies "
        "(damaged files are kept aside, never deleted)",
    )
    p = sub.add_parser(
        "config", help="show the settings in effect and where each came from (the config file)"
    )
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--path", action="store_true", help="print only the config file's path")
    shown.add_argument(
        "--example", action="store_true", help="print a commented example config file"
    )
    _add_global_options(parser, top=True)
    if query_help:
        _name_query_commands(parser, query_help)
    return parser


def _name_query_commands(parser: argparse.ArgumentParser, query_help: str) -> None:
    """Say in each query help which subcommands take a query: those that show it."""
    import re

    def parsers(p: argparse.ArgumentParser, name: str) -> list[tuple[str, argparse.ArgumentParser]]:
        found = [(name, p)]
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child_name, child in dict(action.choices).items():
                    found += parsers(child, child_name if p is parser else name)
        return found

    every = parsers(parser, "")
    names = list(dict.fromkeys(n for n, p in every if n and p.epilog == query_help))
    shown = re.sub(r"\(for [^)]*\)", f"(for {', '.join(names)})", query_help, count=1)
    for _name, p in every:
        if p.epilog and query_help in p.epilog:
            p.epilog = p.epilog.replace(query_help, shown)


def _add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--db, --config and --no-config, on the top-level parser and every subcommand's.

    A subcommand's copies default to SUPPRESS: argparse would otherwise write their
    default over the value given before the subcommand (`readlist --db X list`).
    """
    group = parser.add_argument_group("global options (before or after the command)")
    unset: object = None if top else argparse.SUPPRESS
    group.add_argument(
        "--db",
        metavar="PATH",
        default=unset,
        help=f"library file (default: ${ENV_VAR}, else the user data dir)",
    )
    group.add_argument(
        "--config",
        metavar="PATH",
        default=unset,
        help=f"config file (default: ${CONFIG_ENV_VAR}, else config.toml in the user config dir)",
    )
    group.add_argument(
        "--no-config",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="ignore the config file: default keys and settings",
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _add_global_options(child, top=False)


def _disguise(argv: Sequence[str]) -> list[str]:
    return [_NEG + arg[1:] if _is_negated_term(arg) else arg for arg in argv]


def _is_negated_term(arg: str) -> bool:
    """`-is:read` is a query term; `-h`, `-fcsv` and `-1` are for argparse."""
    if len(arg) < 2 or arg[0] != "-" or arg[1] == "-" or arg in _SHORT_OPTIONS:
        return False
    if arg[1:].isdigit():
        return False  # a negative number: argparse reports it (e.g. "rating must be 0..5")
    if arg[:2] != "-f":
        return True
    from readlist.export import FORMATS

    return arg[2:] not in FORMATS  # -fcsv: the format, attached


def query_text(parts: Sequence[str]) -> str:
    """The query typed as shell arguments: joined by spaces, read as the TUI reads it.

    A phrase needs its quotes inside the query (`readlist list '"prompt tuning"'`), as
    in the TUI's filter, so the same text finds the same papers in both.
    """
    return " ".join(parts)


def _restore(value: str) -> str:
    return value.replace(_NEG, "-")


def main(argv: Sequence[str] | None = None) -> int:
    # Output never fails on a character the terminal's encoding lacks (PYTHONIOENCODING=
    # ascii, a C locale) or on a file name that is not UTF-8: it is escaped instead.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    words = _disguise(sys.argv[1:] if argv is None else argv)
    args = _parse(words)
    for name in ("query", "tags", "files", "text"):
        value = getattr(args, name, None)
        if isinstance(value, list):
            setattr(args, name, [_restore(v) for v in value])
        elif isinstance(value, str):
            setattr(args, name, _restore(value))
    args.end_at_once = argv is None  # the program, not a call from Python (see cmd_import)
    return _main(args)


def _main(args: argparse.Namespace) -> int:
    try:
        _check_text(args)
        if args.command != "import":
            return run(args)
        from readlist.gcutil import gc_paused

        # An import builds millions of objects that all live until the command ends (at
        # 100,000 papers, ~0.6 s of CPU went to collections that freed nothing; what is
        # left as cyclic garbage at the end was 460 objects).
        with gc_paused():
            return run(args)
    except ReadlistError as error:
        print(f"readlist: {strip_controls(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("readlist: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `readlist list | head`: the reader left. Silence the flush at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _end_at_once(code: int) -> None:
    """End the `readlist` program (not a `main()` called from Python) now, with `code`,
    without freeing its objects one by one: after a full import of 100,000 papers, the
    return from `cmd_import` alone freed them for ~0.2-0.4 s, and the interpreter's exit
    collected and freed what was left.

    Safe because nothing is left to do: every library file was written and synced, and
    its lock released, before the command returned (the crash-safety guarantees never
    depend on the exit: a kill at this point loses nothing either); readlist registers
    no exit handlers; output is flushed here. Where output cannot be flushed (a reader
    that left) or another thread still runs, the exit is the ordinary one."""
    import threading

    if threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe, a closed stream: the ordinary exit
        return
    os._exit(code)


def _parse(words: Sequence[str]) -> argparse.Namespace:
    try:
        return _parser_for(words).parse_args(words)
    except _Retry:  # no command, and something to report: see `_TopParser`
        return build_parser().parse_args(words)


def _parser_for(words: Sequence[str]) -> argparse.ArgumentParser:
    """The parser of the subcommand `words` name, built alone (`build_parser(only=...)`);
    the top-level options alone for no subcommand (the TUI); the whole parser for help
    (whose texts list every command) or for a word that is not a command (argparse then
    lists the commands)."""
    if "-h" in words or "--help" in words:
        return build_parser()
    values = iter(words)
    for word in values:
        if word in ("--db", "--config"):
            next(values, None)  # the option's value
        elif _positional(word):
            parser = build_parser(only=word)
            return parser if word in _built(parser) else build_parser()
    return build_parser(only="")


def _positional(word: str) -> bool:
    """Whether argparse may read `word` as a positional argument, not as an option:
    "-", "--", a negative number and a word with a space can be (`readlist - list` is
    an unknown command "-", which the whole parser reports)."""
    if not word.startswith("-") or word in ("-", "--") or " " in word:
        return True
    return bool(_NUMBER.match(word))


_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")  # argparse's own "negative number"


def _built(parser: argparse.ArgumentParser) -> Collection[str]:
    """The subcommands `parser` has."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.keys()
    return ()


def _check_text(args: argparse.Namespace) -> None:
    """Refuse a query or tag that is not valid UTF-8 (bytes the shell passed through):
    it could match nothing sensible and could not be saved."""
    for name in ("query", "tags", "text"):
        value = getattr(args, name, None)
        for text in value if isinstance(value, list) else [value] if value else []:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                shown = os.fsencode(text).decode("utf-8", "backslashreplace")
                what = {"tags": "a tag", "text": "the note"}.get(name, "the query")
                raise ReadlistError(
                    f"{what} is not valid UTF-8 text ({shown}); type it in UTF-8"
                ) from None


def run(args: argparse.Namespace) -> int:
    if args.command == "config" and (args.path or args.example):
        return cmd_config(args, None)  # works with a broken config: it says where it is
    # Every command reads the config first: a bad one is exit 2, whatever was asked.
    config = load_config(args.config, no_config=args.no_config)
    args.settings = config  # for commands that read a setting (e.g. enrich.after_import)
    if getattr(args, "sort", "") is None:
        args.sort = config.sort
    if args.command == "config":
        return cmd_config(args, config)
    if args.command is None:
        from readlist.tui.run import run_tui

        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise ReadlistError(
                "the reading-list screen needs a terminal (input or output is redirected); "
                "for scripts use a command such as `readlist list` (see readlist --help)"
            )
        db = None if args.demo else resolve_db(args.db)
        return run_tui(demo=args.demo, db=db, config=config)
    db = resolve_db(args.db)
    if args.command == "doctor":
        from readlist.store.doctor import doctor

        return doctor(db, repair=args.repair, out=sys.stdout)
    command: Callable[[argparse.Namespace, Path], int] = COMMANDS[args.command]
    return command(args, db)


# -- commands ----------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, db: Path) -> int:
    from readlist import commands
    from readlist.importers import read_listing
    from readlist.store import Store

    progress = _Progress(sys.stderr)
    # The catalogue is read by the import itself, and only as far as it needs to (see
    # `Store.import_listings`): at 100,000 papers, reading it whole took most of a page.
    store = Store.open(db, catalogue=False)
    good: list[ListingFile] = []
    failed = 0
    if args.files.count("-") > 1:
        raise ReadlistError("import: standard input (-) can be read only once")
    for name in args.files:
        progress.say(f"reading {name}")
        try:
            good.append(read_listing(name, today=date.today(), fmt=args.format))
        except ReadlistError as error:
            failed += 1
            progress.clear()
            print(f"readlist: {strip_controls(str(error))}", file=sys.stderr)
    if good:
        listings = [listing.papers for listing in good]
        outcome = commands.Import(listings, dry_run=args.dry_run, progress=progress.step).run(store)
        reports = outcome.reports
        progress.clear()
        for listing, report in zip(good, reports, strict=True):
            _print_import(listing, report, dry_run=args.dry_run)
            if listing.annotations:
                _restore_annotations(store, listing, report, args)
            if listing.filters:
                _restore_filters(store, listing, args)
        if args.dry_run:
            print("dry run: nothing was changed")
        elif args.enrich or _settings(args).enrich.after_import:
            added = {pid for report in reports for pid in report.added}
            # As `enrich` without --again: papers that came with names and an id are done.
            new = [p for p in store.papers() if p.id in added and not (p.authors and p.arxiv_id)]
            if new:
                details = _settings(args).enrich.arxiv_details
                _enrich_and_report(store, new, " (the import itself is kept)", details=details)
            else:
                print("nothing to enrich: the import added no paper without authors or arXiv id")
    code = EXIT_ERROR if failed else EXIT_OK
    if getattr(args, "end_at_once", False):
        _end_at_once(code)  # here, while the papers are held: freeing them is what it skips
    return code


def _settings(args: argparse.Namespace) -> Config:
    from readlist.config import Config

    settings: Config | None = getattr(args, "settings", None)
    return settings if settings is not None else Config()


def _print_import(listing: ListingFile, report: ImportReport, *, dry_run: bool) -> None:
    n = len(listing.papers)
    verb = ("would be added", "would be updated") if dry_run else ("added", "updated")
    parts = [f"{len(report.added)} {verb[0]}", f"{len(report.updated)} {verb[1]}"]
    if report.unchanged:
        parts.append(f"{report.unchanged} already in the library")
    if report.removed:
        parts.append(f"{len(report.removed)} you removed earlier (left removed)")
    if listing.skipped:
        parts.append(
            f"{_plural(listing.skipped, 'incomplete entry', 'incomplete entries')} skipped"
        )
    papers = "paper" if n == 1 else "papers"
    print(f"{strip_controls(listing.path)}: {n} {papers} ({listing.format}): {', '.join(parts)}")
    for note in listing.notes:
        print(f"  {strip_controls(note)}")


def _restore_annotations(
    store: Store, listing: ListingFile, report: ImportReport, args: argparse.Namespace
) -> None:
    """A JSON export's annotations, onto the papers as the library now knows them."""
    ids = dict(zip((p.id for p in listing.papers), report.ids, strict=True))
    wanted = {ids[pid]: note for pid, note in listing.annotations.items() if pid in ids}
    current = store.annotations()
    differing = [
        pid for pid, note in wanted.items()
        if pid in current and not current[pid].is_empty and _same(current[pid], note) is False
    ]  # fmt: skip
    replace = args.annotations == "replace"
    if differing and args.annotations is None and sys.stdin.isatty() and not args.dry_run:
        answer = input(
            f"{len(differing)} papers already have tags, ratings or notes that differ from "
            f"{strip_controls(listing.path)}'s; replace them? [y/N] "
        )
        replace = answer.strip().lower() in ("y", "yes")
    if args.dry_run:
        print(f"  would restore annotations of {len(wanted) - len(differing)} papers"
              + (f"; {len(differing)} differ from yours" if differing else ""))  # fmt: skip
        return
    change, kept = store.restore_annotations(wanted, replace_differing=replace)
    line = f"  restored the annotations of {len(change.changed)} papers"
    if kept:
        line += f"; kept your own for {len(kept)} (--annotations replace takes the file's)"
    print(line)


def _restore_filters(store: Store, listing: ListingFile, args: argparse.Namespace) -> None:
    """A JSON export's saved filters: new names are added; a name already saved with
    another query keeps yours unless --annotations replace."""
    from readlist.query import parse
    from readlist.store.filters import check_name

    saved = store.saved_filters()
    every = {**listing.filters, **saved}
    usable: dict[str, str] = {}
    for name, query in listing.filters.items():
        try:
            check_name(name)
            parse(query, saved=every)
        except ReadlistError as error:
            print(f"  saved filter @{strip_controls(name)} skipped: {strip_controls(str(error))}")
            continue
        usable[name] = query
    replace = args.annotations == "replace"
    if args.dry_run:
        known = {k.casefold(): v for k, v in saved.items()}
        new = [n for n in usable if n.casefold() not in known]
        differ = [n for n in usable if known.get(n.casefold(), usable[n]) != usable[n]]
        line = f"  would restore {_plural(len(new), 'saved filter', 'saved filters')}"
        if differ:
            verb = "replace" if replace else "keep"
            line += f"; would {verb} yours for {_names(differ)}"
        print(line)
        return
    added, replaced, kept = store.restore_filters(usable, replace=replace)
    parts = [f"restored {_plural(len(added), 'saved filter', 'saved filters')}"]
    if added:
        parts[0] += f" ({_names(added)})"
    if replaced:
        parts.append(f"replaced yours for {_names(replaced)}")
    if kept:
        parts.append(f"kept yours for {_names(kept)} (--annotations replace takes the file's)")
    print("  " + "; ".join(parts))


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"@{strip_controls(n)}" for n in names)


def _same(a: Annotation, b: Annotation) -> bool:
    return a.content == b.content


def _load(
    db: Path,
    query_text: str,
    *,
    sort: str = "date",
    reverse: bool = False,
    abstracts: bool = False,
    removed: bool = False,
) -> tuple[Store, Library, list[int]]:
    """Open the library and select the papers `query_text` matches, in `sort` order."""
    from readlist.library import Library
    from readlist.paths import LibraryPaths
    from readlist.query import parse
    from readlist.store import Store
    from readlist.store.filters import filters_path, read_filters

    # The library's path is checked first (Store.open reads no catalogue), then the query:
    # a bad query fails before the catalogue is read.
    store = Store.open(db)
    query = parse(query_text, saved=read_filters(filters_path(LibraryPaths.for_db(db))))
    # Abstracts are most of the catalogue; read them only when they are needed.
    papers = store.papers(with_abstracts=abstracts or query.searches_text, removed=removed)
    from readlist.rankcache import features_cache

    # Rankings and similar papers reuse the features of the live catalogue (with the
    # removed papers it is another catalogue: not cached, not to replace the file).
    features = None if removed else features_cache(store.paths.papers)
    library = Library(papers, store.annotations(), features_cache=features)
    return store, library, library.select(query, sort, reverse=reverse)


def cmd_list(args: argparse.Namespace, db: Path) -> int:
    from readlist.formatting import stars
    from readlist.library import is_ranked

    query = query_text(args.query)
    ranked = is_ranked(args.sort)
    _store, library, rows = _load(
        db, query, sort=args.sort, reverse=args.reverse, removed=args.removed, abstracts=ranked
    )
    scores = _check_ranking(library, args.sort) if ranked else None
    if args.limit is not None:
        rows = rows[: max(args.limit, 0)]
    out = sys.stdout
    for i in rows:
        paper = library.papers[i]
        note = library.annotation_at(i)
        upvotes = f"▲{paper.upvotes}" if paper.upvotes is not None else ""
        tags = "  " + " ".join(f"#{t}" for t in note.tags) if note.tags else ""
        title = strip_controls(paper.title)
        published = paper.published or "----------"
        mark = "✓" if note.read else " "
        if scores is not None and args.scores:
            out.write(f"{scores.get(i, 0.0):+.3f}  ")
        out.write(
            f"{paper.short_id}  {published}  {upvotes:>5}  {stars(note.rating)}  "
            f"{mark} {title}{strip_controls(tags)}\n"
        )
    if args.removed and not len(library):
        print("readlist: no removed papers", file=sys.stderr)
    elif not rows and query:
        print(f"readlist: no papers match {query!r} (library has {len(library)})", file=sys.stderr)
    elif not len(library):
        print(f"readlist: the library {db} is empty; add papers with: readlist import FILE",
              file=sys.stderr)  # fmt: skip
    return EXIT_OK


def cmd_export(args: argparse.Namespace, db: Path) -> int:
    from readlist import commands

    target = "-" if args.output is None else args.output
    fmt = args.format or _EXPORT_EXTENSIONS.get(Path(target).suffix.lower(), "json")
    store, library, rows = _load(db, query_text(args.query), sort=args.sort, abstracts=True)
    saved = store.saved_filters() if fmt == "json" else None  # they travel with the library
    rows_ = [(library.papers[i], library.annotation_at(i)) for i in rows]
    outcome = commands.Export(rows_, fmt, target, filters=saved).run(store)
    warn(outcome)
    if target != "-":
        print(outcome.message, file=sys.stderr)
    return EXIT_OK


def cmd_enrich(args: argparse.Namespace, db: Path) -> int:
    store, library, rows = _load(db, query_text(args.query), abstracts=True)
    papers = [library.papers[i] for i in rows]
    details = args.details or _settings(args).enrich.arxiv_details
    if not args.again:
        # Done: authors and an arXiv id (a citable paper), and with details arXiv's record.
        papers = [p for p in papers if _lacks(p, details)]
    if not papers:
        print("readlist: nothing to enrich (every matching paper has authors and an arXiv id"
              f"{' and categories' if details else ''}; --again asks anyway)",
              file=sys.stderr)  # fmt: skip
        return EXIT_OK
    _enrich_and_report(store, papers, details=details)
    return EXIT_OK


def _lacks(paper: Paper, details: bool) -> bool:
    """Whether `enrich` has something to ask about `paper` (categories: arXiv's record)."""
    return not (paper.authors and paper.arxiv_id) or (details and not paper.categories)


def _enrich_and_report(
    store: Store, papers: list[Paper], failed: str = "", *, details: bool = False
) -> None:
    """Enrich `papers` and write what was found in one write; print what happened.

    A failure raises `EnrichError` (exit 1) naming how many papers were left as they were.
    """
    from readlist.enrich import EnrichError, enrich

    fetcher = _fetcher()
    progress = _Progress(sys.stderr)
    try:
        found = enrich(papers, fetcher, progress.step, details=details)
    except EnrichError as error:
        progress.clear()
        left = _plural(len(papers), "paper")
        raise EnrichError(f"{error}: {left} left as they were{failed}") from None
    reports = store.import_listings(found.listings, progress.step)
    progress.clear()
    changed = {pid for r in reports for pid in r.updated}
    print(
        f"enriched {_plural(len(changed), 'paper')} "
        f"({len(found.hf)} found on Hugging Face, {len(found.arxiv)} on arXiv; "
        f"{_plural(fetcher.requests, 'request')})"
    )
    alone = (
        ("not found on Hugging Face or arXiv", found.unmatched),
        ("ambiguous (several papers have that title)", found.ambiguous),
    )
    for what, group in alone:
        if group:
            titles = "; ".join(strip_controls(p.title) for p in group[:10])
            more = f"; and {len(group) - 10} more" if len(group) > 10 else ""
            print(f"{_plural(len(group), 'paper')} {what}, left alone: {titles}{more}")
    if undetailed := len(found.without_details):
        print(
            f"categories and DOI of {_plural(undetailed, 'paper')} not fetched (one more arXiv "
            "request per 50): run `readlist enrich --details`"
        )


def _fetcher() -> Fetcher:
    from readlist.enrich.fetch import default_fetcher

    return default_fetcher()


def _import_fetched(db: Path, request: FetchRequest) -> int:
    """Import what a service gave, the way `import` imports a file (same merge, report)."""
    from readlist.enrich.request import fetch_listing
    from readlist.store import Store

    listing = fetch_listing(request, _fetcher())
    store = Store.open(db)
    [report] = store.import_listings([listing.papers])
    store.record_added(report.added, "imported")
    _print_import(listing, report, dry_run=False)
    return EXIT_OK


def cmd_add(args: argparse.Namespace, db: Path) -> int:
    from readlist.enrich.request import add_request

    return _import_fetched(db, add_request(args.ids))


def cmd_fetch(args: argparse.Namespace, db: Path) -> int:
    from readlist.enrich.request import daily_request

    return _import_fetched(db, daily_request(args.date, args.week, args.month))


# `export -o refs.bib` means BibTeX: the extension picks the format unless --format says.
_EXPORT_EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".json": "json",
}


# -- learnt rankings, tags, statistics ----------------------------------------------------


def _check_ranking(library: Library, sort: str) -> dict[int, float] | None:
    """The scores behind a ranked sort, after saying why there are none (exit 0)."""
    from readlist.library import LIKE
    from readlist.ranking import NOT_ENOUGH

    ranking = library.ranking(sort)
    if ranking is not None:
        return ranking.scores
    if sort.startswith(LIKE):
        tag = strip_controls(sort[len(LIKE) :])
        raise ReadlistError(f"--sort {sort}: no paper is tagged {tag!r} (see: readlist tags)")
    print(f"readlist: {NOT_ENOUGH} (listed newest first)", file=sys.stderr)
    return None


def cmd_similar(args: argparse.Namespace, db: Path) -> int:
    from readlist.models import normalize_arxiv_id

    wanted = args.id.strip().removeprefix("id:").lower()
    if not wanted:
        raise ReadlistError("similar: no paper id given (readlist list shows ids)")
    _store, library, _rows = _load(db, "", abstracts=True)
    matches = [i for i, p in enumerate(library.papers) if p.id.startswith(wanted)]
    if not matches and (arxiv := normalize_arxiv_id(args.id)):
        matches = [i for i, p in enumerate(library.papers) if p.arxiv_id == arxiv]
    if len(matches) != 1:
        problem = "no paper has" if not matches else f"{len(matches)} papers have"
        raise ReadlistError(
            f"similar: {problem} the id {strip_controls(args.id)!r} (readlist list shows ids)"
        )
    position = matches[0]
    print(f"papers like {library.papers[position].short_id}  "
          f"{strip_controls(library.papers[position].title)}")  # fmt: skip
    neighbours = library.ranker.similar(position, max(args.limit, 0))
    for near in neighbours:
        paper = library.papers[near.position]
        shared = ", ".join(near.terms)
        print(f"{near.score:.2f}  {paper.short_id}  {strip_controls(paper.title)}")
        print(f"      shares: {strip_controls(shared)}")
    if not neighbours:
        print("readlist: no paper shares its salient words", file=sys.stderr)
    return EXIT_OK


def cmd_tags(args: argparse.Namespace, db: Path) -> int:
    from readlist.store import Store
    from readlist.tags import tag_counts

    store = Store.open(db)
    live = {p.id for p in store.papers(with_abstracts=False)}
    counts = tag_counts({pid: a for pid, a in store.annotations().items() if pid in live})
    if not counts:
        print("readlist: no tags yet; add some with: readlist tag QUERY TAG", file=sys.stderr)
        return EXIT_OK
    width = max(len(t.tag) for t in counts) + 1
    print(f"{'tag':<{width}}  papers  unread")
    for t in counts:
        print(f"{'#' + strip_controls(t.tag):<{width}}  {t.count:>6}  {t.unread:>6}")
    return EXIT_OK


def cmd_history(args: argparse.Namespace, db: Path) -> int:
    from readlist.store import Store

    past = Store.open(db).undo_history()
    if not past.entries:
        print("no changes recorded yet", file=sys.stderr)
        return EXIT_OK
    first = max(0, len(past.entries) - max(1, args.n))
    for i in range(len(past.entries) - 1, first - 1, -1):
        entry = past.entries[i]
        state = "" if i < past.position else "  (undone)"
        label = entry.label.rstrip(":").removesuffix(" on").removesuffix(" from")
        when = entry.time.replace("T", " ").removesuffix("+00:00")
        print(f"{when}  {strip_controls(label)}: {_plural(entry.papers, 'paper')}{state}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, db: Path) -> int:
    from readlist.stats import compute, report
    from readlist.store import Store

    store = Store.open(db)
    stats = compute(store.papers(with_abstracts=False), store.annotations())
    for line in report(stats):
        print(strip_controls(line))
    return EXIT_OK


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n:,} {plural or word + 's'}"


def cmd_filter(args: argparse.Namespace, db: Path) -> int:
    from readlist.query import parse
    from readlist.store import Store
    from readlist.store.filters import check_name

    store = Store.open(db)
    if args.filter_action == "rm":
        if not store.remove_filter(args.name):
            raise ReadlistError(f"no saved filter named {strip_controls(args.name)!r}")
        print(f"removed filter {strip_controls(args.name)}")
        return EXIT_OK
    name, text = check_name(args.name), query_text(args.query)
    others = {k: v for k, v in store.saved_filters().items() if k.casefold() != name.casefold()}
    parse(f"@{name}", saved={**others, name: text})  # a bad query (or a loop) is not saved
    store.save_filter(name, text)
    print(f"saved filter @{name}: {strip_controls(text)}")
    return EXIT_OK


def cmd_filters(args: argparse.Namespace, db: Path) -> int:
    from readlist.library import Library
    from readlist.query import Query, parse
    from readlist.store import Store

    store = Store.open(db)
    saved = store.saved_filters()
    if not saved:
        print("readlist: no saved filters; save one with: readlist filter save NAME QUERY",
              file=sys.stderr)  # fmt: skip
        return EXIT_OK
    queries: dict[str, Query | ReadlistError] = {}
    for name in saved:
        try:
            queries[name] = parse(f"@{name}", saved=saved)
        except ReadlistError as error:  # e.g. it names a filter removed since
            queries[name] = error
    abstracts = any(not isinstance(q, ReadlistError) and q.searches_text for q in queries.values())
    library = Library(store.papers(with_abstracts=abstracts), store.annotations())
    width = max(len(name) for name in saved) + 1
    for name, text in saved.items():
        query = queries[name]
        if isinstance(query, ReadlistError):
            counts = f"{'-':>7}  {'-':>7}  "
        else:
            matches = library.filter(query)
            counts = f"{len(matches):>7,}  {matches.unread():>7,}  "
        shown = strip_controls(text)
        print(f"@{name.ljust(width)} {counts}{shown}")
    return EXIT_OK


def cmd_config(args: argparse.Namespace, config: Config | None) -> int:
    """The settings in effect, as a TOML file would set them, each with where it came from."""
    from readlist.config import EXAMPLE, config_path

    if args.example:
        sys.stdout.write(EXAMPLE)
        return EXIT_OK
    if config is None:
        if args.no_config:
            raise ReadlistError("config --path: --no-config reads no file")
        print(config_path(args.config)[0])
        return EXIT_OK
    from readlist.tui.keys import Keys, binding_ids
    from readlist.tui.run import check_config

    check_config(config)  # binding ids and the theme too, as the TUI would
    print(f"# {_config_file_line(config)}")
    rows: list[tuple[str, object, str]] = [
        (name, getattr(config, name), name) for name in ("citation_format", "sort")
    ]
    rows.append(("theme", config.theme or "textual-dark", "theme"))
    width = 0
    lines: list[tuple[str, str]] = []

    def add(name: str, value: object, setting: str) -> None:
        nonlocal width
        text = f"{name} = {_toml(value)}"
        width = max(width, len(text))
        lines.append((text, config.origin_of(setting)))

    for name, value, setting in rows:
        add(name, value, setting)
    lines.append(("", ""))
    lines.append(("[keys]", ""))
    current = Keys(config.keys)
    for binding_id in binding_ids():
        add(binding_id, ",".join(current.keys(binding_id)), f"keys.{binding_id}")
    lines.append(("", ""))
    lines.append(("[triage]", ""))
    add("keep_tag", config.triage.keep_tag, "triage.keep_tag")
    add("order", config.triage.order, "triage.order")
    lines.append(("", ""))
    lines.append(("[triage.keys]", ""))
    for action, keys in config.triage.keys.items():
        add(action, keys, f"triage.keys.{action}")
    lines.append(("", ""))
    lines.append(("[enrich]", ""))
    add("after_import", config.enrich.after_import, "enrich.after_import")
    add("arxiv_details", config.enrich.arxiv_details, "enrich.arxiv_details")
    for text, origin in lines:
        if not origin:
            print(text)
        else:
            print(f"{text.ljust(width)}  # {strip_controls(origin)}")
    return EXIT_OK


def _config_file_line(config: Config) -> str:
    if config.source == "--no-config":
        return "no config file (--no-config): the defaults"
    why = {"--config": "--config", CONFIG_ENV_VAR: f"${CONFIG_ENV_VAR}", "default": "default"}
    path = strip_controls(str(config.path))
    if config.source == "default" and config.path is not None and not config.path.exists():
        return f"config file: {path} (default location; not there, so the defaults)"
    return f"config file: {path} (from {why[config.source]})"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    import json

    return json.dumps(value, ensure_ascii=False)


COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "filter": cmd_filter,
    "filters": cmd_filters,
    "import": cmd_import,
    "list": cmd_list,
    "export": cmd_export,
    "cite": cmd_cite,
    "link": cmd_link,
    **{name: cmd_change for name in ADAPTERS},
    "similar": cmd_similar,
    "tags": cmd_tags,
    "history": cmd_history,
    "stats": cmd_stats,
    "enrich": cmd_enrich,
    "add": cmd_add,
    "fetch": cmd_fetch,
}


class _Progress:
    """One self-overwriting status line on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.shown = False

    def say(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\x1b[2K{strip_controls(text)[:100]}")
            self.stream.flush()
            self.shown = True

    def step(self, phase: str, done: int, total: int) -> None:
        self.say(f"{phase}… {100 * done // total if total else 100}%")

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False
