"""The CLI builds only the subcommand it runs (cli.py, `build_parser(only=...)`): every
subcommand built alone takes exactly the arguments it takes in the whole parser, and a
command run from the shell does not import what only other commands need."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from readlist import cli


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def shape(parser: argparse.ArgumentParser) -> list[tuple[object, ...]]:
    """Every argument of a parser as argparse uses it (its sub-subcommands included)."""
    return [
        (
            tuple(a.option_strings),
            a.dest,
            a.nargs,
            None if a.choices is None else list(a.choices),
            a.default,
            a.required,
            a.help,
            a.metavar,
            type(a).__name__,
            a.type,
            [(name, shape(p)) for name, p in subparsers(parser).items()]
            if isinstance(a, argparse._SubParsersAction)
            else None,
        )
        for a in parser._actions
    ]


WHOLE = cli.build_parser()
NAMES = list(subparsers(WHOLE))


@pytest.mark.parametrize("name", NAMES)
def test_a_subcommand_built_alone_is_the_one_in_the_whole_parser(name: str) -> None:
    alone = cli.build_parser(only=name)
    assert list(subparsers(alone)) == [name]
    assert shape(subparsers(alone)[name]) == shape(subparsers(WHOLE)[name])
    top = [s for s in shape(alone) if s[1] != "command"]
    assert top == [s for s in shape(WHOLE) if s[1] != "command"]


@pytest.mark.parametrize(
    "words",
    [
        ["rate", "id:0123abcd", "4"],
        ["--db", "rate", "list", "--limit", "3"],  # `rate` is --db's value here
        ["tag", "is:read", "a,b", "--db", "x.json"],
        ["export", "-fcsv", "\x00is:read"],
        ["--no-config", "cite", "--format", "bibtex", "x"],
        ["filter", "save", "mine", "tag:x"],
        ["--demo"],
        [],
    ],
)
def test_the_parser_of_a_command_reads_it_as_the_whole_parser_does(words: list[str]) -> None:
    assert vars(cli._parser_for(words).parse_args(words)) == vars(WHOLE.parse_args(words))


def test_help_and_unknown_commands_get_the_whole_parser() -> None:
    for words in (["rate", "--help"], ["-h"], ["rat", "4"]):
        assert list(subparsers(cli._parser_for(words))) == NAMES


def test_rating_by_id_imports_no_citation_export_or_importer_module() -> None:
    code = (
        "import sys; from readlist import cli; cli._parser_for(['rate', 'id:0a', '4']); "
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert not loaded & {"readlist.citations", "readlist.export", "readlist.importers"}


def test_the_configs_default_citation_format_is_the_citations_default() -> None:
    from readlist.citations import DEFAULT_FORMAT
    from readlist.config import Config

    assert Config().citation_format == DEFAULT_FORMAT
