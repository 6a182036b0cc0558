"""The command registry is the one source: every command in it is bound in the TUI (or
says why not), listed on the help screen and in the palette, and every changing command
has a CLI subcommand with --all. A spec added without them makes `problems` name it."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from readlist.cli import build_parser
from readlist.commands import SPECS, CliSpec, CommandSpec, KeySpec
from readlist.tui import keys


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


def problems(specs: Iterable[CommandSpec]) -> list[str]:
    """What is missing of each spec in the front ends, as they are built now."""
    bound = {b.id for b in keys.BINDINGS if hasattr(b, "id")}
    helped = {text for _keys, text in keys.key_help("plain")}
    palette = {(title, action) for title, _help, action in keys.commands()}
    parsers = subparsers(build_parser())
    found: list[str] = []
    for spec in specs:
        if spec.internal:
            continue
        if not spec.keys and not spec.keyless:
            found.append(f"{spec.name}: no key, and no reason why (keyless=)")
        for key in spec.keys:
            if key.keys and key.id not in bound:
                found.append(f"{spec.name}: binding {key.id} is not among the TUI's bindings")
            if key.help and key.help.split("{")[0] not in " ".join(helped):
                found.append(f"{spec.name}: {key.id} is not on the help screen")
            if (key.title, key.action) not in palette:
                found.append(f"{spec.name}: {key.id} is not in the command palette")
        if spec.changes and not spec.cli and not spec.cliless:
            found.append(f"{spec.name}: changes the library but has no CLI subcommand")
        for cli in spec.cli:
            sub = parsers.get(cli.name)
            if sub is None:
                found.append(f"{spec.name}: no `readlist {cli.name}`")
                continue
            if cli.option is not None and cli.option not in options(sub):
                found.append(f"{spec.name}: `readlist {cli.name}` has no {cli.option}")
            if spec.changes and "query" in cli.arguments and "--all" not in options(sub):
                found.append(f"{spec.name}: `readlist {cli.name}` has no --all")
    return found


def test_every_command_is_in_every_front_end() -> None:
    assert problems(SPECS.values()) == []


def test_a_command_added_without_its_front_ends_is_named() -> None:
    bare = CommandSpec("archive", "Archive", "archive the papers")
    assert problems([bare]) == [
        "archive: no key, and no reason why (keyless=)",
        "archive: changes the library but has no CLI subcommand",
    ]
    reasoned = CommandSpec("archive", "Archive", "archive", keyless="why", cliless="why")
    assert problems([reasoned]) == []
    unplaced = CommandSpec(
        "archive",
        "Archive",
        "archive the papers",
        (KeySpec("archive", "ctrl+d", "archive", "Archive", "archive it", "Archive it"),),
        cli=(CliSpec("archive", "archive matching papers"),),
    )
    assert problems([unplaced]) == [
        "archive: binding archive is not among the TUI's bindings",
        "archive: archive is not on the help screen",
        "archive: archive is not in the command palette",
        "archive: no `readlist archive`",
    ]


def test_the_verbs_bindings_come_from_the_registry() -> None:
    """The bindings, help lines and palette entries of the verbs are the specs' own."""
    by_id = {b.id: b for b in keys.BINDINGS if hasattr(b, "id")}
    for spec in SPECS.values():
        for key in spec.keys:
            if not key.keys:
                continue
            binding = by_id[key.id]
            assert (binding.key, binding.action) == (key.keys, key.action)
            assert binding.description == (key.label or key.title)
    palette = {action: help for _title, help, action in keys.commands()}
    assert palette["rate(4)"] == "Rate the highlighted paper 4/5 (4)"
    assert palette["export_marked"] == SPECS["export_marked"].keys[0].palette
    rows = dict(keys.key_help("bibtex"))
    assert rows["c"] == "copy a citation (BibTeX)"
    assert rows["1 … 5"] == "rate; 0 clears the rating"


def test_a_rebound_key_shows_in_the_registry_help_lines() -> None:
    rows = dict(keys.key_help("plain", {"rate_0": "z", "rate_5": "9"}))
    assert rows["1 / 2 / 3 / 4 / 9"] == "rate; z clears the rating"


def test_the_readme_command_table_is_the_generated_one() -> None:
    from pathlib import Path

    from readlist.cli_verbs import markdown_commands

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- commands-table:start -->\n", "<!-- commands-table:end -->"
    table = readme[readme.index(start) + len(start) : readme.index(end)]
    assert table == markdown_commands()
    shapes = [shape for spec in SPECS.values() for shape in spec.cli]
    assert len(table.splitlines()) == len(shapes) + 2
    assert "| `readlist rate [--all] [--dry-run] [QUERY] N` | rate matching papers 1-5" in table


def test_the_query_help_names_every_subcommand_that_takes_a_query() -> None:
    parsers = subparsers(build_parser())
    [header] = [
        line for line in parsers["rate"].format_help().splitlines() if "query language" in line
    ]
    named = header.split("(for ", 1)[1].rstrip("):").split(", ")
    takes_query = [name for name, p in parsers.items() if "query" in {a.dest for a in p._actions}]
    assert set(takes_query) - {"filter"} <= set(named), (takes_query, named)
    assert {"note", "remove", "restore", "cite", "link", "enrich", "filter"} <= set(named)
