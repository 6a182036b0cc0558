"""The CLI's verbs made from the command registry: notes, tags set, citations, links,
and --all on every changing subcommand (what the library holds afterwards)."""

from __future__ import annotations

from pathlib import Path

import pytest

from readlist.commands import SPECS
from readlist.store import Store

from .conftest import DAILY, SEARCH, RunCli, library_bytes


@pytest.fixture
def imported(cli: RunCli) -> RunCli:
    result = cli("import", str(DAILY), str(SEARCH))
    assert result.returncode == 0, result.stderr
    return cli


def hft(db: Path) -> str:
    [pid] = [p.id for p in Store.open(db).papers(with_abstracts=False) if p.title.startswith("HFT")]
    return pid


def annotation(db: Path, pid: str) -> tuple[tuple[str, ...], int, bool, str]:
    a = Store.open(db).annotations().get(pid)
    return (a.tags, a.rating, a.read, a.note) if a else ((), 0, False, "")


def test_note_sets_appends_reads_stdin_and_undoes(imported: RunCli, db: Path) -> None:
    pid = hft(db)
    result = imported("note", "hft", "Reread section 3.")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "set the note of 1 paper"
    assert annotation(db, pid)[3] == "Reread section 3."
    result = imported("note", "--append", "hft", "-", input="Compare with LoRA.\n")
    assert result.stdout.strip() == "added to the note of 1 paper", result.stderr
    assert annotation(db, pid)[3] == "Reread section 3.\n\nCompare with LoRA."
    assert imported("undo").stdout.startswith("undid “added to the note of” on 1 paper")
    assert annotation(db, pid)[3] == "Reread section 3."
    assert imported("note", "hft", "").stdout.strip() == "cleared the note of 1 paper"
    assert annotation(db, pid)[3] == ""
    forgot = imported("note", "hft")  # no TEXT: refused, saying what it takes
    assert forgot.returncode == 2 and "readlist note QUERY TEXT" in forgot.stderr


def test_tag_set_replaces_the_tags_and_undoes(imported: RunCli, db: Path) -> None:
    pid = hft(db)
    imported("tag", "hft", "old", "keep")
    result = imported("tag", "--set", "hft", "new,keep")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "set the tags of 1 paper"
    assert annotation(db, pid)[0] == ("new", "keep")
    assert imported("tag", "--set", "hft").stdout.strip() == "cleared the tags of 1 paper"
    assert annotation(db, pid)[0] == ()
    imported("undo")
    assert annotation(db, pid)[0] == ("new", "keep")
    result = imported("tag", "--set", "--rename", "a", "b")
    assert result.returncode == 2 and "takes no query" in result.stderr


def test_cite_prints_the_citations_and_pins_bibtex_keys(imported: RunCli, db: Path) -> None:
    result = imported("cite", "--format", "bibtex", "hft")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("@") and "HFT: Half Fine-Tuning" in result.stdout
    key = result.stdout.split("{", 1)[1].split(",", 1)[0]
    pins = db.with_name("library.citekeys.json").read_text(encoding="utf-8")
    assert key in pins  # a key that left readlist is pinned, as an export pins it
    plain = imported("cite", "hft")  # the config's format, else plain
    assert plain.returncode == 0 and plain.stdout.count("\n") == 1
    assert "HFT: Half Fine-Tuning" in plain.stdout and not plain.stdout.startswith("@")
    assert imported("cite", "nosuchwordanywhere").returncode == 1


def test_link_prints_the_papers_links(imported: RunCli, db: Path) -> None:
    result = imported("link", "PETL")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "https://github.com/umbertocappellazzo/PETL\n"
    every = imported("link", "--every", "PETL").stdout.splitlines()
    assert every[0].endswith("  code (GitHub)  https://github.com/umbertocappellazzo/PETL")
    none = imported("link", "hft")  # its listing had no link
    assert none.returncode == 1 and "1 paper without a link" in none.stderr


# Arguments after QUERY for each argument shape of the registry.
AFTER_QUERY = {"rating": ["4"], "text": ["bulk note"]}


def changing_subcommands() -> list[tuple[str, tuple[str, ...]]]:
    return [
        (shape.name, shape.arguments)
        for spec in SPECS.values()
        if spec.changes
        for shape in spec.cli
        if shape.option is None and {"query", "query_tags"} & set(shape.arguments)
    ]


def test_every_changing_subcommand_takes_all_and_dry_run_and_refuses_an_empty_query(
    imported: RunCli, db: Path
) -> None:
    names = [name for name, _ in changing_subcommands()]
    assert {"tag", "untag", "rate", "read", "unread", "note", "remove", "restore"} <= set(names)
    papers = len(Store.open(db).papers(with_abstracts=False))
    for name, arguments in changing_subcommands():
        rest = [
            w for a in arguments for w in AFTER_QUERY.get(a, ["bulk"] if a == "query_tags" else [])
        ]
        before = library_bytes(db)
        refused = imported(name, "", *rest)
        assert refused.returncode == 2, (name, refused.stderr)
        assert "add --all" in refused.stderr
        assert library_bytes(db) == before
        dry = imported(name, "--all", "--dry-run", *rest)
        assert dry.returncode == 0, (name, dry.stderr)
        assert dry.stdout.count("\n") == papers + 1  # the papers, then what it would do
        assert dry.stdout.splitlines()[-1].startswith("dry run: would "), (name, dry.stdout)
        assert dry.stdout.rstrip().endswith("; nothing was changed")
        assert library_bytes(db) == before
        extra = ["--yes"] if name == "remove" else []
        result = imported(name, "--all", *extra, *rest)
        assert result.returncode == 0, (name, result.stderr)
        assert f"{papers} papers" in result.stdout, (name, result.stdout)
    # After the loop (restore last): every paper is back, tagged, rated, read or not.
    notes = Store.open(db).annotations()
    assert all(a.note == "bulk note" and a.rating == 4 for a in notes.values())
    assert len(Store.open(db).papers(with_abstracts=False)) == papers


def test_a_note_from_stdin_that_is_not_utf8_is_refused(imported: RunCli, db: Path) -> None:
    import subprocess

    from .conftest import readlist_command

    before = library_bytes(db)
    result = subprocess.run(
        [*readlist_command(), "--db", str(db), "note", "hft", "-"],
        input=b"caf\xe9 notes\n",
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        "readlist: note: standard input is not UTF-8 text (byte 3); nothing changed"
    )
    assert library_bytes(db) == before
