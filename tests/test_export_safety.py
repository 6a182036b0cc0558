"""`readlist export -o TARGET` writes to what TARGET is, and never over the library;
what it writes is safe for the tool that opens it.

Every target here lives in a temporary folder: device nodes are replicas made with
`os.mknod` (1, 3 is /dev/null's device number, 1, 7 is /dev/full's), FIFOs and symlinks
are made beside them. No test names a real /dev path for writing. (BibTeX's own safety
is tests/test_tex_injection.py.)
"""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import threading
from pathlib import Path

import bibtexparser
import pytest

from readlist.export import export
from readlist.models import Annotation, Paper
from readlist.search import SearchIndex
from readlist.store import Store

from .conftest import DAILY, RunCli, _without_db, library_bytes, readlist_command

NULL, FULL = os.makedev(1, 3), os.makedev(1, 7)


@pytest.fixture
def imported(cli: RunCli, db: Path) -> RunCli:
    """A library of 30 papers, one of them annotated (so library.json exists)."""
    assert cli("import", str(DAILY)).returncode == 0
    assert cli("tag", "--all", "", "keep").returncode == 0
    assert cli("rate", "hft", "5").returncode == 0
    assert cli("list").returncode == 0  # opening refreshes the .bak copies: done here
    return cli


def expected(cli: RunCli, fmt: str = "csv") -> str:
    result = cli("export", "-f", fmt)
    assert result.returncode == 0, result.stderr
    return result.stdout


def device(path: Path, number: int = NULL) -> Path:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, number)
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    return path


def is_char_device(path: Path) -> bool:
    return stat.S_ISCHR(os.lstat(path).st_mode)


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and stderr.startswith("readlist: "), stderr
    return stderr


def test_a_device_is_written_to_not_replaced(imported: RunCli, tmp_path: Path) -> None:
    null = device(tmp_path / "null")
    result = imported("export", "-f", "bibtex", "-o", str(null))
    assert result.returncode == 0, result.stderr
    assert is_char_device(null)
    assert (
        result.stderr
        == f"exported 30 papers as BibTeX to {null} (streamed to the device, nothing replaced)\n"
    )


def test_a_device_that_refuses_the_write_is_one_clear_line(
    imported: RunCli, tmp_path: Path
) -> None:
    full = device(tmp_path / "full", FULL)
    result = imported("export", "-o", str(full))
    assert result.returncode == 2
    assert one_line(result.stderr) == f"readlist: {full}: cannot write (No space left on device)\n"
    assert is_char_device(full)


def test_a_symlink_to_a_device_stays_a_symlink_to_a_device(
    imported: RunCli, tmp_path: Path
) -> None:
    null = device(tmp_path / "null")
    link = tmp_path / "out.csv"
    link.symlink_to(null)
    assert imported("export", "-f", "csv", "-o", str(link)).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(null) and is_char_device(null)


def read_fifo(fifo: Path, into: list[bytes]) -> threading.Thread:
    def reader() -> None:
        with open(fifo, "rb") as stream:
            into.append(stream.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread


def test_a_fifo_receives_the_export_and_stays_a_fifo(imported: RunCli, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    thread = read_fifo(fifo, received)
    result = imported("export", "-f", "csv", "-o", str(fifo))
    if thread.is_alive():  # the export never opened the FIFO: let the reader go
        with open(fifo, "wb"):
            pass
    thread.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert received == [expected(imported).encode()]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert "streamed to the FIFO" in result.stderr


def test_a_symlink_is_written_through_and_kept(imported: RunCli, tmp_path: Path) -> None:
    synced = tmp_path / "synced"
    synced.mkdir()
    target = synced / "refs.bib"
    target.write_text("old export\n")
    target.chmod(0o600)
    link = tmp_path / "refs.bib"
    link.symlink_to(target)
    result = imported("export", "-f", "bibtex", "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == expected(imported, "bibtex")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert result.stderr == (
        f"exported 30 papers as BibTeX to {link} (a link to {target}; replaced the old file)\n"
    )
    assert sorted(p.name for p in synced.iterdir()) == ["refs.bib"]  # no temporary left


def test_a_dangling_symlink_creates_its_target(imported: RunCli, tmp_path: Path) -> None:
    link = tmp_path / "refs.csv"
    link.symlink_to(tmp_path / "not-yet.csv")
    result = imported("export", "-o", str(link), "-f", "csv")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and (tmp_path / "not-yet.csv").read_text() == expected(imported)
    assert result.stderr.endswith("a new file)\n")


def test_a_regular_file_is_replaced_and_the_message_says_so(
    imported: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "refs.csv"
    first = imported("export", "-o", str(out), "-f", "csv")
    assert first.stderr == f"exported 30 papers as CSV to {out} (a new file)\n"
    again = imported("export", "-o", str(out), "-f", "csv", "hft")
    assert again.stderr == f"exported 1 paper as CSV to {out} (replaced the old file)\n"
    assert out.read_text() == imported("export", "-f", "csv", "hft").stdout


def test_dash_is_standard_output_not_a_file(imported: RunCli, db: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [*readlist_command(), "--db", str(db), "export", "-f", "csv", "-o", "-"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_without_db(os.environ),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected(imported) and result.stderr == ""
    assert not (tmp_path / "-").exists()


def test_the_process_own_stdout_by_path_is_written_to(imported: RunCli) -> None:
    result = imported("export", "-f", "csv", "-o", "/proc/self/fd/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected(imported)


def test_the_process_own_stdout_appends_when_it_was_opened_to_append(
    imported: RunCli, db: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log.txt"
    log.write_text("earlier line\n")
    with open(log, "a") as stdout:
        result = subprocess.run(
            [*readlist_command(), "--db", str(db), "export", "-f", "csv", "-o", "/proc/self/fd/1"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=_without_db(os.environ),
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    assert log.read_text() == "earlier line\n" + expected(imported)


def test_a_directory_is_a_clear_error(imported: RunCli, tmp_path: Path) -> None:
    result = imported("export", "-o", str(tmp_path))
    assert result.returncode == 2
    assert one_line(result.stderr).startswith(f"readlist: {tmp_path}: is a directory")


def test_a_symlink_loop_and_a_missing_folder_are_clear_errors(
    imported: RunCli, tmp_path: Path
) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    result = imported("export", "-o", str(loop))
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"readlist: {loop}: cannot write (Too many levels of symbolic links)\n"
    )
    folder = f"{tmp_path}/not-there/"
    result = imported("export", "-o", folder)
    assert result.returncode == 2 and "no such directory" in one_line(result.stderr)
    assert not (tmp_path / "not-there").exists()


def test_a_replaced_file_keeps_its_owner_when_root_exports(
    imported: RunCli, tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    out = tmp_path / "theirs.csv"
    out.write_text("old\n")
    os.chown(out, 1234, 1234)
    assert imported("export", "-o", str(out), "-f", "csv").returncode == 0
    assert (out.stat().st_uid, out.stat().st_gid) == (1234, 1234)
    assert out.read_text() == expected(imported)


LIBRARY_FILES = [
    "library.json",
    "library.papers.json",
    "library.abstracts.json",
    "library.json.bak",
    "library.papers.json.bak",
    "library.abstracts.json.bak",
    "library.json.lock",
]


HOWS = ["directly", "symlink", "symlinked folder", "hard link"]


@pytest.mark.parametrize("name", LIBRARY_FILES)
@pytest.mark.parametrize("how", HOWS)
def test_the_library_own_files_are_refused(
    imported: RunCli, db: Path, tmp_path: Path, name: str, how: str
) -> None:
    assert_refused(imported, db, tmp_path, name, how)


SIDE_FILES = [
    "library.citekeys.json",
    "library.filters.json",
    "library.history.json",
    "library.words.idx",
    "library.words.tail",
    "library.identity.idx",
    "library.start.json",
    "library.abstracts.json.recent",
    "library.abstracts.json.recent.bak",
]


@pytest.fixture
def fully_used(imported: RunCli, db: Path) -> RunCli:
    """The library after every action that leaves a file of its own beside it."""
    later = db.with_name("later.txt")  # a second import: the recent abstracts
    later.write_text("A paper imported later\n\nIts abstract goes to the recent file.\n")
    assert imported("import", str(later)).returncode == 0
    assert imported("export", "-f", "bibtex").returncode == 0  # pins citation keys
    assert imported("filter", "save", "kept", "tag:keep").returncode == 0
    assert imported("list", "--sort", "for-you").returncode == 0  # the features cache
    store = Store.open(db)  # the word index, as the TUI keeps it for its next start
    papers = store.papers()
    index = SearchIndex(papers).make_text_index()
    assert store.write_word_index(store.catalogue_versions(), [p.id for p in papers], index)
    newer = db.with_name("newer.txt")  # an import that only adds: the word index's tail
    newer.write_text("A paper imported after the index\n\nIts words go to the tail.\n")
    assert imported("import", str(newer)).returncode == 0
    store = Store.open(db)
    store.papers()  # the abstracts read: their backups refreshed, as by a TUI start
    store.keep_start_file()  # as a TUI start keeps it for the next one
    return imported


@pytest.mark.parametrize("name", SIDE_FILES)
@pytest.mark.parametrize("how", HOWS)
def test_the_files_kept_beside_the_library_are_refused(
    fully_used: RunCli, db: Path, tmp_path: Path, name: str, how: str
) -> None:
    assert_refused(fully_used, db, tmp_path, name, how)


def assert_refused(cli: RunCli, db: Path, tmp_path: Path, name: str, how: str) -> None:
    """`export -o` to the library's file `name` (reached `how`) is refused, nothing changed."""
    own = db.with_name(name)
    assert own.exists(), sorted(p.name for p in db.parent.iterdir())
    if how == "directly":
        target = own
    elif how == "symlink":
        target = tmp_path / "innocent.csv"
        target.symlink_to(own)
    elif how == "symlinked folder":
        (tmp_path / "alias").symlink_to(db.parent)
        target = tmp_path / "alias" / name
    else:
        target = tmp_path / "innocent.csv"
        os.link(own, target)
    before = library_bytes(db), own.read_bytes(), os.stat(own).st_ino
    result = cli("export", "-f", "csv", "-o", str(target))
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"readlist: {target}: is a file of the library itself ({name}); choose another file\n"
    )
    assert (library_bytes(db), own.read_bytes(), os.stat(own).st_ino) == before
    assert how != "symlink" or target.is_symlink()


@pytest.mark.parametrize("how", ["directly", "symlink", "hard link"])
def test_the_features_cache_in_the_user_cache_folder_is_refused(
    fully_used: RunCli, db: Path, tmp_path: Path, how: str
) -> None:
    from readlist.rankcache import cache_path

    cache = cache_path(db.with_name("library.papers.json"))
    assert cache.is_file()
    target = cache
    if how == "symlink":
        target = tmp_path / "innocent.csv"
        target.symlink_to(cache)
    elif how == "hard link":
        target = tmp_path / "innocent.csv"
        os.link(cache, target)
    before = cache.read_bytes(), os.stat(cache).st_ino
    result = fully_used("export", "-f", "csv", "-o", str(target))
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        f"readlist: {target}: is a file of the library itself ({cache.name}); choose another file\n"
    )
    assert (cache.read_bytes(), os.stat(cache).st_ino) == before


def test_a_library_temporary_file_is_refused(imported: RunCli, db: Path) -> None:
    stray = db.with_name(f".{db.name}.tmp-1-deadbeef")  # as a crashed write leaves it
    stray.write_bytes(b"half a write")
    result = imported("export", "-o", str(stray))
    assert result.returncode == 2 and "a file of the library itself" in result.stderr


# --- what an export holds ---


def test_markdown_links_only_to_web_addresses_and_stay_one_link() -> None:
    paper = Paper(
        id="c" * 16,
        title="Click me",
        links=("javascript:alert(document.cookie)", "https://x.org/a b)(c\n[x](javascript:y)"),
    )
    text = export([(paper, Annotation())], "markdown").decode()
    assert "javascript:alert" not in text
    assert "- [Click me](https://x.org/a%20b%29%28c%0A%5Bx%5D%28javascript:y%29)\n" in text
    only_bad = Paper(id="d" * 16, title="No link", links=("file:///etc/passwd",))
    assert "- *No link*\n" in export([(only_bad, Annotation())], "markdown").decode()


def test_csv_neutralizes_every_text_cell_even_ids_and_dates() -> None:
    crafted = Paper(id="=cmd|' /C calc'!A0", title="t", published="+SUM(A1)")
    [row] = csv.DictReader(io.StringIO(export([(crafted, Annotation())], "csv").decode()))
    assert (row["id"], row["published"]) == ("'=cmd|' /C calc'!A0", "'+SUM(A1)")


def test_bibtex_keys_stay_unique_when_ids_share_a_long_start() -> None:
    twins = [Paper(id="a" * 70 + end, title="Twin", published="2024-01-01") for end in "xy"]
    text = export([(p, Annotation()) for p in twins], "bibtex").decode()
    keys = [entry.key for entry in bibtexparser.parse_string(text).entries]
    assert len(keys) == len(set(keys)) == 2
