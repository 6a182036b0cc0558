"""The real `readlist` console script, run in a subprocess as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bibtexparser
import orjson
import pytest

from readlist.cli import _SHORT_OPTIONS, build_parser
from readlist.models import paper_id
from readlist.store import Store

from .conftest import DAILY, SEARCH, RunCli, library_bytes

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")


@pytest.fixture
def imported(cli: RunCli) -> RunCli:
    result = cli("import", str(DAILY), str(SEARCH))
    assert result.returncode == 0, result.stderr
    return cli


def test_import_reports_per_file_and_is_idempotent(cli: RunCli, db: Path) -> None:
    first = cli("import", str(DAILY), str(SEARCH))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"{DAILY}: 30 papers (hf): 30 added, 0 updated",
        f"{SEARCH}: 81 papers (hf): 71 added, 0 updated, 10 already in the library",
    ]
    assert first.stderr == ""  # progress goes to stderr only when it is a terminal
    again = cli("import", str(SEARCH))
    assert (
        again.stdout.strip()
        == f"{SEARCH}: 81 papers (hf): 0 added, 0 updated, 81 already in the library"
    )
    assert len(Store.open(db).papers()) == 101


def test_bad_files_exit_2_name_the_file_and_leave_library_untouched(
    imported: RunCli, db: Path, tmp_path: Path
) -> None:
    imported("tag", "hft", "keep")
    before = library_bytes(db)
    binary = tmp_path / "x.pdf"
    binary.write_bytes(b"%PDF-1.7\x00\x01\x02")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    for bad, problem in (
        (tmp_path / "missing.txt", "no such file"),
        (binary, "looks like binary data"),
        (empty, "the file is empty"),
        (tmp_path, "is a directory"),
    ):
        result = imported("import", str(bad))
        assert result.returncode == 2
        assert result.stderr == f"readlist: {bad}: {problem}" + result.stderr.split(problem, 1)[1]
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
    assert library_bytes(db) == before


def test_import_of_several_files_is_all_or_nothing_per_file(
    cli: RunCli, db: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa not text at all \x00")
    result = cli("import", str(DAILY), str(bad))
    assert result.returncode == 2
    assert f"{DAILY}: 30 papers (hf): 30 added" in result.stdout
    assert f"readlist: {bad}: " in result.stderr
    assert len(Store.open(db).papers()) == 30


def test_list_query_and_limit(imported: RunCli) -> None:
    result = imported("list", '"half fine-tuning"')
    assert result.returncode == 0
    [line] = result.stdout.splitlines()
    # The number after the date is a comment count, not upvotes: no ▲ column for it.
    assert line.startswith(f"{HFT[:8]}  2024-04-29         ·····    HFT: Half Fine-Tuning")
    assert len(imported("list", "--limit", "5").stdout.splitlines()) == 5
    assert len(imported("list").stdout.splitlines()) == 101
    none = imported("list", "zzzz-no-such-thing")
    assert none.returncode == 0 and none.stdout == ""
    assert "no papers match 'zzzz-no-such-thing'" in none.stderr


def test_annotating_commands_change_the_library(imported: RunCli, db: Path) -> None:
    assert (
        imported("tag", "hft", "ml,nlp", "[red]").stdout.strip()
        == "tagged with ml nlp [red]: 1 paper"
    )
    assert imported("rate", "hft", "4").returncode == 0
    assert imported("read", "hft").stdout.strip() == "marked read: 1 paper"
    assert imported("read", "hft").stdout.strip() == "marked read: 0 papers (1 already was)"
    assert imported("untag", f"id:{HFT[:8]}", "nlp").returncode == 0
    note = Store.open(db).annotations()[HFT]
    assert (note.tags, note.rating, note.read) == (("ml", "[red]"), 4, True)
    assert imported("list", "tag:[red] is:read rating:>=4").stdout.count("\n") == 1
    assert imported("unread", "hft").returncode == 0
    assert imported("rate", "hft", "0").stdout.strip() == "cleared the rating of 1 paper"
    assert imported("list", "-is:read").stdout.count("\n") == 101


def test_negated_terms_work_without_double_dash(imported: RunCli) -> None:
    imported("tag", "year:2024", "recent")
    unread_old = imported("list", "-tag:recent", "-is:read")
    assert unread_old.returncode == 0, unread_old.stderr
    assert "HFT" not in unread_old.stdout
    assert imported("tag", "-tag:recent", "old").returncode == 0


def test_rate_rejects_out_of_range(imported: RunCli) -> None:
    result = imported("rate", "hft", "7")
    assert result.returncode == 2
    assert "rating must be 0..5, not 7" in result.stderr


def test_no_match_exits_1_and_changes_nothing(imported: RunCli, db: Path) -> None:
    before = library_bytes(db)
    result = imported("tag", "no-such-paper-anywhere", "x")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "readlist: no papers match 'no-such-paper-anywhere'; nothing changed"
    )
    assert library_bytes(db) == before


def test_malformed_query_is_one_line_exit_2(imported: RunCli) -> None:
    result = imported("list", "rating:>=9")
    assert (result.returncode, result.stderr) == (
        2,
        "readlist: bad query: ratings go from 0 to 5, not 9\n",
    )


def test_export_formats(imported: RunCli, tmp_path: Path) -> None:
    imported("tag", "hft", "ml")
    exported = orjson.loads(imported("export", "tag:ml").stdout)
    assert exported["readlist"] == "export" and exported["filters"] == []
    records = exported["papers"]
    assert [r["id"] for r in records] == [HFT]
    assert {
        "id",
        "title",
        "abstract",
        "authors_count",
        "published",
        "upvotes",
        "links",
        "tags",
        "rating",
        "read",
        "note",
    } <= set(records[0])
    out = tmp_path / "refs.bib"
    result = imported("export", "--format", "bibtex", "-o", str(out))
    assert result.returncode == 0 and "exported 101 papers" in result.stderr
    parsed = bibtexparser.parse_string(out.read_text())
    assert len(parsed.entries) == 101 and not parsed.failed_blocks
    assert len({e.key for e in parsed.entries}) == 101
    assert imported("export", "-f", "markdown", "tag:ml").stdout.startswith(
        "# Reading list\n\n- *HFT"
    )
    assert imported("export", "-f", "csv").stdout.count("\n") >= 102


def test_db_from_environment(tmp_path: Path) -> None:
    from .conftest import readlist_command

    env_db = tmp_path / "env" / "lib.json"
    result = subprocess.run(
        [*readlist_command(), "import", str(DAILY)],
        capture_output=True, text=True,
        # (The config folder too: never the developer's config, see conftest.)
        env={"READLIST_DB": str(env_db), "PATH": "/usr/bin:/bin",
             "XDG_CONFIG_HOME": str(tmp_path / "config")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(Store.open(env_db).papers()) == 30
    assert env_db.with_name("lib.papers.json").exists()


def test_damaged_library_exits_2_and_is_not_overwritten(cli: RunCli, db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b'{"annotations": {"x": ')
    for args in (("list",), ("import", str(DAILY)), ("tag", "x", "y")):
        result = cli(*args)
        assert result.returncode == 2
        assert result.stderr.startswith(f"readlist: {db}: library file is not valid JSON")
        assert db.read_bytes() == b'{"annotations": {"x": '


def test_help_explains_the_query_language(cli: RunCli) -> None:
    result = cli("--help")
    assert result.returncode == 0
    assert "rating:>=4" in result.stdout and "readlist --demo" in result.stdout


def test_every_short_option_is_known_to_the_negation_guard() -> None:
    parser = build_parser()
    shorts = set()
    parsers = [parser]
    while parsers:
        p = parsers.pop()
        for action in p._actions:
            shorts |= {o for o in action.option_strings if not o.startswith("--")}
            if isinstance(action.choices, dict):
                parsers.extend(c for c in action.choices.values() if isinstance(c, type(parser)))
    assert shorts <= _SHORT_OPTIONS


def test_domain_never_imports_textual() -> None:
    # Every module outside readlist.tui, found by walking the package, so a new one is
    # covered the day it is added.
    code = (
        "import sys, pkgutil, importlib, readlist\n"
        "names = [m.name for m in pkgutil.walk_packages(readlist.__path__, 'readlist.')\n"
        "         if not m.name.startswith(('readlist.tui', 'readlist.__main__'))]\n"
        "assert len(names) > 15, names\n"
        "for name in names: importlib.import_module(name)\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_cli_reads_a_query_as_the_tui_does(imported: RunCli, db: Path) -> None:
    from readlist.library import Library
    from readlist.query import parse

    spaced = imported("list", "prompt tuning")  # as typed: readlist list "prompt tuning"
    words = imported("list", "prompt", "tuning")
    phrase = imported("list", '"prompt tuning"')
    assert spaced.stdout == words.stdout
    assert 0 < phrase.stdout.count("\n") < words.stdout.count("\n")
    store = Store.open(db)
    library = Library(store.papers(), store.annotations())
    for text, result in (("prompt tuning", words), ('"prompt tuning"', phrase)):
        assert result.stdout.count("\n") == len(library.select(parse(text)))


def test_an_empty_query_changes_nothing_without_all(imported: RunCli, db: Path) -> None:
    before = library_bytes(db)
    result = imported("tag", "", "everything")
    assert result.returncode == 2
    assert "the query is empty, which would change every paper; add --all" in result.stderr
    assert library_bytes(db) == before
    assert (
        imported("tag", "--all", "", "everything").stdout.strip()
        == "tagged with everything: 101 papers"
    )


def test_short_options_numbers_and_negated_terms(imported: RunCli) -> None:
    assert imported("export", "-fcsv", "hft").stdout.startswith("id,title,")
    assert imported("list", "-fine-tuning").returncode == 0  # a negated word, not -f
    result = imported("rate", "hft", "-1")
    assert result.returncode == 2 and "rating must be 0..5, not -1" in result.stderr
    assert "\x00" not in result.stderr
    result = imported("list", "--limit", "x")
    assert "\x00" not in result.stderr and result.returncode == 2


def test_file_names_are_printed_without_control_sequences(cli: RunCli, tmp_path: Path) -> None:
    evil = tmp_path / "evil\x1b]0;PWNED\x07\x1b[31m.txt"
    evil.write_text("A Title\n\nAn abstract.\n")
    result = cli("import", str(evil))
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "added" in result.stdout


def test_an_empty_library_path_is_an_error_not_the_default(tmp_path: Path) -> None:
    from .conftest import readlist_command

    home = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "d")}
    empty_flag = subprocess.run(
        [*readlist_command(), "--db", "", "import", str(DAILY)],
        capture_output=True, text=True, env=home,
    )  # fmt: skip
    assert empty_flag.returncode == 2
    assert empty_flag.stderr == "readlist: --db: the path is empty\n"
    empty_env = subprocess.run(
        [*readlist_command(), "import", str(DAILY)],
        capture_output=True, text=True, env={**home, "READLIST_DB": ""},
    )  # fmt: skip
    assert empty_env.returncode == 2
    assert "READLIST_DB is set but empty" in empty_env.stderr
    assert list(tmp_path.iterdir()) == []  # no library was created anywhere


def test_a_title_with_a_colon_is_a_phrase(imported: RunCli) -> None:
    result = imported("list", "HFT: Half Fine-Tuning")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "HFT: Half Fine-Tuning" in result.stdout


def test_untag_without_tags_is_an_error(imported: RunCli) -> None:
    result = imported("untag", "hft", ",")
    assert result.returncode == 2
    assert "no tag given" in result.stderr


def test_export_never_writes_over_the_library(imported: RunCli, db: Path) -> None:
    assert imported("rate", "hft", "5").returncode == 0
    before = library_bytes(db)
    for target in (db, db.with_name("library.papers.json")):
        result = imported("export", "-f", "csv", "-o", str(target))
        assert result.returncode == 2
        assert "is a file of the library itself" in result.stderr
    assert library_bytes(db) == before


def test_the_screen_without_a_terminal_is_a_clear_error(cli: RunCli) -> None:
    result = cli()  # stdin and stdout are pipes here
    assert result.returncode == 2
    assert "the reading-list screen needs a terminal" in result.stderr
    assert result.stdout == ""


def test_list_on_an_empty_library_says_how_to_fill_it(cli: RunCli, db: Path) -> None:
    result = cli("list")
    assert result.returncode == 0
    assert result.stderr == (
        f"readlist: the library {db} is empty; add papers with: readlist import FILE\n"
    )


def test_a_tag_typed_with_its_hash_is_the_tag(imported: RunCli) -> None:
    assert imported("tag", "hft", "#ml").returncode == 0
    assert imported("list", "tag:ml").stdout.count("\n") == 1
    assert "#ml" in imported("list", "tag:#ml").stdout
