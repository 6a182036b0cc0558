"""The real `readlist` command against hostile paths and input (issue 10): every case is
one clear line and exit 2 with the library untouched, or it works; never a traceback,
never a hang."""

from __future__ import annotations

import codecs
import os
import resource
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readlist.importers import decode
from readlist.models import paper_id
from readlist.store import Store

from .conftest import DAILY, SEARCH, RunCli, _without_db, library_bytes, readlist_command

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")
TIMEOUT = 20  # seconds: a hang fails the test instead of stalling the run


def run(
    *args: str | bytes, env: dict[str, str] | None = None, input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`readlist ARGS...` with arguments as bytes if need be; output as bytes."""

    def limit_memory() -> None:  # /dev/zero read whole would take all the machine has
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    try:
        return subprocess.run(
            [*readlist_command(), *args],
            capture_output=True,
            input=input,
            env={**_without_db(os.environ), **(env or {})},
            timeout=TIMEOUT,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"readlist {args!r} hung for {TIMEOUT} s")


def one_line_error(result: subprocess.CompletedProcess[bytes]) -> str:
    """The error message, checked to be a single line after exit status 2."""
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def imported(cli: RunCli) -> RunCli:
    result = cli("import", str(DAILY), str(SEARCH))
    assert result.returncode == 0, result.stderr
    assert cli("tag", "hft", "keep").returncode == 0
    return cli


# -- symbolic links ------------------------------------------------------------------------


def test_a_library_reached_through_a_link_is_the_one_beside_its_target(
    imported: RunCli, db: Path, tmp_path: Path
) -> None:
    link = tmp_path / "home" / "library.json"
    link.parent.mkdir()
    link.symlink_to(db)
    listed = run("--db", str(link), "list")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 101
    assert run("--db", str(link), "rate", "hft", "4").returncode == 0
    assert link.is_symlink()
    assert Store.open(db).annotations()[HFT].rating == 4
    assert [p.name for p in link.parent.iterdir()] == ["library.json"]


def test_a_link_to_a_missing_folder_is_one_clear_line(tmp_path: Path) -> None:
    link = tmp_path / "library.json"
    link.symlink_to(tmp_path / "unmounted" / "library.json")
    err = one_line_error(run("--db", str(link), "import", str(DAILY)))
    assert "symbolic link to" in err and "whose folder does not exist" in err
    assert not (tmp_path / "unmounted").exists()


def test_a_catalogue_link_in_a_loop_is_one_clear_line(imported: RunCli, db: Path) -> None:
    papers = db.with_name("library.papers.json")
    papers.unlink()
    papers.symlink_to("loop.json")
    db.with_name("loop.json").symlink_to(papers.name)
    for command in (["list"], ["doctor"], ["doctor", "--repair"]):
        err = one_line_error(run("--db", str(db), *command))
        assert f"{papers}: is a symbolic link that cannot be followed" in err
    assert papers.is_symlink()


# -- named pipes and devices: prompt errors, bounded reads ------------------------------------


def test_a_fifo_as_the_library_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "library.json"
    os.mkfifo(fifo)
    for command in (["list"], ["tag", "x", "y"], ["doctor"], ["doctor", "--repair"]):
        err = one_line_error(run("--db", str(fifo), *command))
        assert f"{fifo}: is a named pipe (FIFO), not a library file" in err


def test_a_fifo_as_a_catalogue_file_is_an_error_not_a_hang(imported: RunCli, db: Path) -> None:
    papers = db.with_name("library.papers.json")
    papers.unlink()
    os.mkfifo(papers)
    err = one_line_error(run("--db", str(db), "list"))
    assert f"{papers}: is a named pipe (FIFO), not a library file" in err


def test_import_of_a_fifo_or_a_device_is_an_error_not_a_hang(
    imported: RunCli, db: Path, tmp_path: Path
) -> None:
    before = library_bytes(db)
    fifo = tmp_path / "listing.txt"
    os.mkfifo(fifo)
    err = one_line_error(run("--db", str(db), "import", str(fifo)))
    assert f"{fifo}: is a named pipe and nothing was written to it" in err
    err = one_line_error(run("--db", str(db), "import", "/dev/zero"))
    assert "/dev/zero: is a character device, not a listing file" in err
    assert library_bytes(db) == before


def test_a_listing_piped_in_is_read(cli: RunCli, db: Path) -> None:
    piped = run("--db", str(db), "import", "/dev/stdin", input=DAILY.read_bytes())
    assert piped.returncode == 0, piped.stderr
    assert b"30 added" in piped.stdout


# -- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
        ("utf-32-le", b""),
        ("utf-32-be", b""),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
    ],
)
def test_utf32_and_bomless_utf16_listings_are_imported(
    cli: RunCli, db: Path, tmp_path: Path, encoding: str, bom: bytes
) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_bytes(bom + DAILY.read_text(encoding="utf-8").encode(encoding))
    result = cli("import", str(listing))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{listing}: 30 papers (hf): 30 added, 0 updated"


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(st.characters(min_codepoint=1, max_codepoint=0xFF), min_size=1),
    encoding=st.sampled_from(["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]),
)
def test_bomless_utf16_and_utf32_of_latin_text_decode_to_the_text(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding), "x.txt") == text


def test_a_file_in_utf32_that_does_not_decode_says_so(cli: RunCli, tmp_path: Path) -> None:
    listing = tmp_path / "listing.txt"
    listing.write_bytes(codecs.BOM_UTF32_LE + "title\n".encode("utf-32-le")[:-2])
    result = cli("import", str(listing))
    assert result.returncode == 2
    assert "looks like UTF-32 text but is not valid UTF-32; save it as UTF-8" in result.stderr


def test_a_file_name_that_is_not_utf8_is_one_clear_line(
    imported: RunCli, db: Path, tmp_path: Path
) -> None:
    before = library_bytes(db)
    name = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(name, "wb") as listing:
        listing.write(DAILY.read_bytes())
    err = one_line_error(run("--db", str(db), "import", name))
    assert "caf\\xe9.txt: the file name (or a folder's) is not valid UTF-8" in err
    assert library_bytes(db) == before


def test_a_tag_that_is_not_utf8_is_one_clear_line(imported: RunCli, db: Path) -> None:
    before = library_bytes(db)
    err = one_line_error(run("--db", str(db), "tag", "hft", b"caf\xe9"))
    assert "a tag is not valid UTF-8 text (caf\\xe9)" in err
    err = one_line_error(run("--db", str(db), "list", b"caf\xe9"))
    assert "the query is not valid UTF-8 text" in err
    assert library_bytes(db) == before


def test_list_on_an_ascii_terminal_escapes_instead_of_crashing(imported: RunCli, db: Path) -> None:
    result = run("--db", str(db), "list", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("ascii").splitlines()
    assert len(lines) == 101
    [hft] = [line for line in lines if line.startswith(HFT[:8])]
    assert "HFT: Half Fine-Tuning for Large Language Models  #keep" in hft
    assert "\\xb7" in hft  # the unrated mark (·····), escaped


@pytest.mark.parametrize("where", ["--db", "READLIST_DB"])
def test_a_home_folder_of_an_unknown_user_is_one_clear_line(where: str) -> None:
    value = "~nosuchuser-readlist/x.json"
    if where == "--db":
        result = run("--db", value, "list")
    else:
        result = run("list", env={"READLIST_DB": value})
    err = one_line_error(result)
    assert f"{where} {value}: cannot expand '~' (there is no user 'nosuchuser-readlist')" in err


def test_a_library_name_too_long_for_the_file_system_is_one_clear_line(tmp_path: Path) -> None:
    for db in (tmp_path / ("a" * 300), tmp_path / ("a" * 300) / "library.json"):
        for command in (["list"], ["doctor"]):
            err = one_line_error(run("--db", str(db), *command))
            assert f"{db}: cannot be used as a library (File name too long)" in err


# -- doctor --repair on values readlist cannot store -------------------------------------------


def repair_twice(cli: RunCli) -> None:
    for _ in range(2):  # a second repair (of a healthy library) still works
        repaired = cli("doctor", "--repair")
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert "Traceback" not in repaired.stderr


def test_repair_of_an_invalid_escape_works_and_keeps_working(imported: RunCli, db: Path) -> None:
    assert imported("rate", "hft", "3").returncode == 0
    assert imported("list").returncode == 0  # the backup now has the rating
    db.write_text(
        '{"annotations": {"' + HFT + '": {"tags": ["keep"], "rating": 3, "note": "\\ud800"}}, '
        '"readlist": {"format": {"kind": "annotations", "version": 1}}}'
    )
    repair_twice(imported)
    annotation = Store.open(db).annotations()[HFT]
    assert (annotation.tags, annotation.rating, annotation.note) == (("keep",), 3, "")


def test_repair_of_an_integer_beyond_64_bits_works(imported: RunCli, db: Path) -> None:
    papers = db.with_name("library.papers.json")
    text = papers.read_text()
    assert '"comments":1,' in text
    papers.write_text(text.replace('"comments":1,', '"comments":123456789012345678901234567890,'))
    assert imported("list").returncode == 2
    repair_twice(imported)
    listed = imported("list")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 101


def test_a_fifo_as_a_backup_is_never_read(imported: RunCli, db: Path) -> None:
    bak = db.with_name("library.json.bak")
    bak.unlink(missing_ok=True)
    os.mkfifo(bak)
    checked = run("--db", str(db), "doctor")
    assert checked.returncode == 0, checked.stdout
    assert b"backup damaged too (is a named pipe (FIFO), not a library file)" in checked.stdout
    db.unlink()  # a missing file: is the backup worth restoring? (it is not a file at all)
    listed = run("--db", str(db), "list")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 101


def test_doctor_prints_a_library_path_that_is_not_utf8(tmp_path: Path) -> None:
    db = os.fsencode(tmp_path) + b"/caf\xe9.json"
    result = run("--db", db, "doctor")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"library: " + os.fsencode(tmp_path) + b"/caf\\udce9.json\n")
