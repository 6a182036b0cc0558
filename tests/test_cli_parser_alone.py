"""The CLI builds only the subcommand it runs (cli.py, `build_parser(only=...)`): every
subcommand built alone takes exactly the arguments it takes in the whole parser, and a
command run from the shell does not import what only other commands need."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readlist import cli, cli_verbs
from readlist.query import parse
from readlist.query.nodes import Prefix
from readlist.store import Store


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


def test_rating_by_id_imports_only_what_it_needs(sample_store: Store, db: Path) -> None:
    pid = sample_store.papers(with_abstracts=False)[3].id
    code = (
        "import sys; from readlist import cli; "
        f"code = cli.main(['--db', {str(db)!r}, 'rate', 'id:{pid[:8]}', '4']); "
        "print(code, ' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = done.stdout.splitlines()
    assert out[0] == "rated 4/5: 1 paper" and out[1].startswith("0 ")
    loaded = set(out[1].split())
    # (The citations come with the citation keys' file name, in Store.temp_files.)
    unneeded = {"readlist.export", "readlist.importers", "readlist.library", "readlist.query"}
    assert not loaded & unneeded, "imported by readlist rate id:…"
    assert Store.open(db).annotations()[pid].rating == 4


@settings(max_examples=300, deadline=None)
@given(st.from_regex(cli_verbs._ID_ALONE, fullmatch=True))
def test_an_id_query_read_without_the_parser_is_what_the_parser_reads(query: str) -> None:
    typed = cli_verbs._ID_ALONE.fullmatch(query)
    assert typed is not None
    assert parse(query).root == Prefix("id", typed.group(1))


def test_the_configs_default_citation_format_is_the_citations_default() -> None:
    from readlist.citations import DEFAULT_FORMAT
    from readlist.config import Config

    assert Config().citation_format == DEFAULT_FORMAT
