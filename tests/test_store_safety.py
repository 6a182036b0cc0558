"""The store and the doctor against library files that are links, damaged backups,
unstorable values and special files (issue 10): nothing lost, no hang, no traceback."""

from __future__ import annotations

import io
import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from readlist.errors import LibraryError, LibraryWriteError
from readlist.importers import read_listing
from readlist.models import Annotation, paper_id
from readlist.store import Store
from readlist.store.doctor import doctor

from .conftest import DAILY, SEARCH, TODAY, RunCli

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")


class Hung(BaseException):
    """Raised by `deadline`; not an OSError (which `except OSError` would swallow)."""


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail, instead of hanging the test run, if the test blocks for 10 s (a FIFO read)."""

    def hung(*_: object) -> None:
        raise Hung("blocked for 10 s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def build(db: Path, *, annotated: int = 50) -> dict[str, Annotation]:
    """A library of the two samples with `annotated` papers tagged and rated; its backups
    refreshed (by opening it again). Returns the annotations."""
    store = Store.open(db)
    store.import_listings(
        [read_listing(DAILY, today=TODAY).papers, read_listing(SEARCH, today=TODAY).papers]
    )
    ids = [paper.id for paper in store.papers(with_abstracts=False)][:annotated]
    for n, pid in enumerate(ids):
        store.update([pid], lambda a, n=n: a.with_tags_added([f"t{n}", "keep"]).with_rating(n % 5))
    annotations = Store.open(db).annotations()
    assert len(annotations) == annotated
    return annotations


def repair(db: Path) -> tuple[int, str]:
    out = io.StringIO()
    status = doctor(db, repair=True, out=out)
    return status, out.getvalue()


# -- symbolic links: written through, siblings beside the target --------------------------


def test_a_symlinked_library_file_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "sync" / "library.json"
    build(real, annotated=3)
    home = tmp_path / "home"
    home.mkdir()
    link = home / "library.json"
    link.symlink_to(real)

    store = Store.open(link)
    assert len(store.papers()) == 101  # the catalogue beside the target, not beside the link
    store.update([HFT], lambda a: a.with_tags_added(["via-link"]))

    assert link.is_symlink() and link.resolve() == real.resolve()
    assert "via-link" in Store.open(real).annotations()[HFT].tags  # the target got the write
    assert sorted(p.name for p in home.iterdir()) == ["library.json"]  # no stray files here
    assert Path(f"{real}.bak").exists()  # the backup is kept beside the target


def test_a_symlinked_catalogue_file_is_written_through(db: Path, tmp_path: Path) -> None:
    store = Store.open(db)
    store.import_listings([read_listing(DAILY, today=TODAY).papers])
    papers = db.with_name("library.papers.json")
    elsewhere = tmp_path / "elsewhere" / "library.papers.json"
    elsewhere.parent.mkdir()
    papers.rename(elsewhere)
    papers.symlink_to(elsewhere)

    Store.open(db).import_listings([read_listing(SEARCH, today=TODAY).papers])

    assert papers.is_symlink()
    assert len(orjson.loads(elsewhere.read_bytes())["papers"]) == 101
    assert Store.open(db).paper_count() == 101


def test_a_dangling_link_into_an_existing_folder_creates_its_target(tmp_path: Path) -> None:
    target = tmp_path / "sync" / "library.json"
    target.parent.mkdir()
    link = tmp_path / "library.json"
    link.symlink_to(target)
    Store.open(link).update([HFT], lambda a: a.with_rating(4))
    assert link.is_symlink()
    assert Store.open(target).annotations()[HFT].rating == 4


def test_repair_of_a_symlinked_library_writes_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "sync" / "library.json"
    annotations = build(real, annotated=5)
    link = tmp_path / "home" / "library.json"
    link.parent.mkdir()
    link.symlink_to(real)
    real.write_bytes(real.read_bytes()[:-40])  # damaged from outside

    status, said = repair(link)
    assert status == 0, said
    assert link.is_symlink()
    assert Store.open(link).annotations() == annotations
    assert [p.name for p in link.parent.iterdir()] == ["library.json"]  # aside: by the target
    assert any(p.name.startswith("library.json.damaged-") for p in real.parent.iterdir())


def test_links_that_cannot_be_followed_are_clear_errors(tmp_path: Path) -> None:
    gone = tmp_path / "unmounted" / "library.json"
    link = tmp_path / "library.json"
    link.symlink_to(gone)
    with pytest.raises(LibraryError, match=r"symbolic link to .*whose folder does not exist"):
        Store.open(link).update([HFT], lambda a: a.with_rating(4))
    assert not gone.parent.exists()  # no folder made where a drive should be mounted

    loop = tmp_path / "loop.json"
    other = tmp_path / "other.json"
    loop.symlink_to(other)
    other.symlink_to(loop)
    with pytest.raises(LibraryError, match="symbolic link that cannot be followed"):
        Store.open(loop)


def test_a_link_to_a_catalogue_file_is_refused_as_a_library(db: Path, tmp_path: Path) -> None:
    build(db, annotated=1)
    link = tmp_path / "mine.json"
    link.symlink_to(db.with_name("library.papers.json"))
    with pytest.raises(LibraryError, match=f"is one of the catalogue files of the library {db}"):
        Store.open(link)


# -- a damaged backup may be the only copy ------------------------------------------------


def damage_backup_and_lose_the_file(db: Path) -> bytes:
    bak = Path(f"{db}.bak")
    blob = bak.read_bytes()
    damaged = blob[: len(blob) // 2]  # cut in the middle: about half the documents readable
    bak.write_bytes(damaged)
    db.unlink()
    return damaged


def test_a_missing_file_beside_a_damaged_backup_is_not_started_afresh(db: Path) -> None:
    annotations = build(db)
    damaged = damage_backup_and_lose_the_file(db)

    with pytest.raises(
        LibraryError, match=r"missing, and its backup .* is damaged but still holds"
    ):
        Store.open(db).update([HFT], lambda a: a.with_rating(1))
    assert not db.exists()
    assert Path(f"{db}.bak").read_bytes() == damaged

    out = io.StringIO()
    assert doctor(db, repair=False, out=out) == 2
    assert "library.json: MISSING, and its backup is damaged" in out.getvalue()
    assert "everything is in order" not in out.getvalue()

    status, said = repair(db)
    assert status == 0, said
    salvaged = Store.open(db).annotations()
    assert 20 <= len(salvaged) < len(annotations)
    assert all(annotations[pid] == note for pid, note in salvaged.items())
    assert f"restored from the damaged backup ({len(salvaged)} annotations)" in said
    kept = [p for p in db.parent.iterdir() if p.name.startswith("library.json.bak.damaged-")]
    assert [p.read_bytes() for p in kept] == [damaged]  # nothing deleted


def test_a_damaged_backup_is_moved_aside_never_written_over(db: Path) -> None:
    build(db)
    damaged = damage_backup_and_lose_the_file(db)
    # Something else starts a fresh annotations file next to the damaged backup.
    db.write_bytes(
        orjson.dumps(
            {
                "annotations": {HFT: {"tags": ["new"]}},
                "readlist": {"format": {"kind": "annotations", "version": 1}},
            }
        )
    )
    Store.open(db)  # refreshes the backup
    assert Store.open(db).annotations()[HFT].tags == ("new",)
    kept = [p for p in db.parent.iterdir() if p.name.startswith("library.json.bak.damaged-")]
    assert [p.read_bytes() for p in kept] == [damaged]
    assert orjson.loads(Path(f"{db}.bak").read_bytes())["annotations"][HFT]["tags"] == ["new"]


def test_even_an_unsalvageable_backup_is_kept_when_a_new_one_is_made(
    sample_store: Store, db: Path
) -> None:
    sample_store.update([HFT], lambda a: a.with_rating(2))
    bak = Path(f"{db}.bak")
    bak.write_bytes(b"\x00\x17 something a person may still make sense of")
    Store.open(db)
    kept = [p for p in db.parent.iterdir() if p.name.startswith("library.json.bak.damaged-")]
    assert [p.read_bytes() for p in kept] == [
        b"\x00\x17 something a person may still make sense of"
    ]
    assert Store.open(db).annotations()[HFT].rating == 2
    assert orjson.loads(bak.read_bytes())["annotations"][HFT]["rating"] == 2  # a new backup


def test_a_cut_off_catalogue_backup_is_kept_when_the_catalogue_grows(db: Path) -> None:
    Store.open(db).import_listings([read_listing(DAILY, today=TODAY).papers])
    Store.open(db)  # makes the backups
    bak = db.with_name("library.papers.json.bak")
    cut = bak.read_bytes()[:-100]
    bak.write_bytes(cut)
    Store.open(db).import_listings([read_listing(SEARCH, today=TODAY).papers])
    Store.open(db)  # refreshes the backups
    kept = [p for p in db.parent.iterdir() if p.name.startswith(f"{bak.name}.damaged-")]
    assert [p.read_bytes() for p in kept] == [cut]
    assert len(orjson.loads(bak.read_bytes())["papers"]) == 101


# -- repair: intact values win over damaged ones, field by field ---------------------------


def write_annotations(db: Path, text: str) -> None:
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_text(
        '{"annotations": {' + text + '}, "readlist": {"format": {"kind": "annotations", '
        '"version": 1}}}'
    )


def test_repair_keeps_the_backups_intact_tags_over_a_damaged_list(db: Path) -> None:
    store = Store.open(db)
    store.update([HFT], lambda a: a.with_tags(["keep", "x"]).with_note("my note"))
    Store.open(db)  # the backup holds ["keep", "x"]
    write_annotations(db, f'"{HFT}": {{"tags": [1, "keep"], "note": "newer note"}}')

    status, said = repair(db)
    assert status == 0, said
    repaired = Store.open(db).annotations()[HFT]
    assert repaired.tags == ("keep", "x")  # the damaged list does not override the backup
    assert repaired.note == "newer note"  # an intact newer value still wins

    # With no backup at all, what can be read of the damaged list is kept.
    Path(f"{db}.bak").unlink()
    write_annotations(db, f'"{HFT}": {{"tags": [1, "keep"]}}')
    assert repair(db)[0] == 0
    assert Store.open(db).annotations()[HFT].tags == ("keep",)


@pytest.mark.parametrize(
    "damage",
    # Invalid escapes (lone surrogates): Python's json reads them, orjson cannot write them.
    ['"note": "\\ud800 broken"', '"updated": "2026-11-22\\udfff"'],
)
def test_repair_of_values_readlist_cannot_store(db: Path, damage: str) -> None:
    Store.open(db).update([HFT], lambda a: a.with_note("from the backup").with_rating(2))
    Store.open(db)
    write_annotations(db, f'"{HFT}": {{"tags": ["a"], {damage}}}')
    with pytest.raises(LibraryError):
        Store.open(db)

    status, said = repair(db)
    assert status == 0, said
    repaired = Store.open(db).annotations()[HFT]
    assert (repaired.tags, repaired.note, repaired.rating) == (("a",), "from the backup", 2)
    assert repair(db)[0] == 0  # and doctor keeps working afterwards


def test_repair_of_a_catalogue_with_values_readlist_cannot_store(db: Path) -> None:
    build(db, annotated=1)
    papers = db.with_name("library.papers.json")
    good = orjson.loads(papers.read_bytes())["papers"]
    text = papers.read_text()
    hft_comments = f'"comments":{good[HFT]["comments"]}'
    assert hft_comments in text
    papers.write_text(text.replace(hft_comments, '"comments":123456789012345678901234567890', 1))
    with pytest.raises(LibraryError):
        Store.open(db).papers()

    status, said = repair(db)
    assert status == 0, said
    repaired = {p.id: p for p in Store.open(db).papers()}
    assert len(repaired) == 101
    assert repaired[HFT].comments == good[HFT]["comments"]  # from the backup


def test_a_note_with_an_invalid_escape_and_no_backup_keeps_its_text(db: Path) -> None:
    write_annotations(db, f'"{HFT}": {{"note": "before \\ud800 after"}}')
    status, said = repair(db)
    assert status == 0, said
    assert Store.open(db).annotations()[HFT].note == "before \ufffd after"


# -- text that cannot be saved --------------------------------------------------------------


def test_text_that_is_not_valid_utf8_is_refused_not_a_crash(sample_store: Store, db: Path) -> None:
    sample_store.update([HFT], lambda a: a.with_rating(3))
    before = db.read_bytes()
    with pytest.raises(LibraryWriteError, match=r"could not save .*nothing was changed"):
        sample_store.update([HFT], lambda a: a.with_tags_added(["caf\udce9"]))
    assert db.read_bytes() == before
    assert sample_store.update([HFT], lambda a: a.with_rating(5)).after[HFT].rating == 5


# -- special files in place of library files -------------------------------------------------


@pytest.mark.parametrize("name", ["library.papers.json", "library.abstracts.json"])
def test_a_fifo_as_a_catalogue_file_is_an_error_not_a_hang(
    db: Path, name: str, deadline: None
) -> None:
    build(db, annotated=1)
    fifo = db.with_name(name)
    fifo.unlink()
    os.mkfifo(fifo)
    with pytest.raises(LibraryError, match=r"is a named pipe \(FIFO\), not a library file"):
        Store.open(db).papers()
    status, said = repair(db)
    assert status == 2 and "could not be repaired" in said
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # left as it is


def test_a_fifo_as_the_library_is_an_error_not_a_hang(tmp_path: Path, deadline: None) -> None:
    fifo = tmp_path / "library.json"
    os.mkfifo(fifo)
    with pytest.raises(LibraryError, match=r"is a named pipe \(FIFO\), not a library file"):
        Store.open(fifo)
    with pytest.raises(LibraryError, match="named pipe"):
        repair(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_repair_never_replaces_a_device_node(db: Path) -> None:
    build(db, annotated=1)
    node = db.with_name("library.papers.json")
    node.unlink()
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a replica of /dev/null
    except PermissionError:
        pytest.skip("making a device node needs root")
    status, said = repair(db)
    assert status == 2, said
    assert stat.S_ISCHR(os.lstat(node).st_mode)  # still the device, not a regular file
    with pytest.raises(LibraryError, match="is a character device, not a library file"):
        Store.open(db).papers()


def test_a_fifo_as_a_backup_does_not_stop_a_repair(db: Path, deadline: None) -> None:
    annotations = build(db, annotated=5)
    bak = Path(f"{db}.bak")
    bak.unlink()
    os.mkfifo(bak)
    db.write_bytes(db.read_bytes()[:-40])
    status, said = repair(db)
    assert status == 0, said
    assert stat.S_ISFIFO(os.lstat(bak).st_mode)  # repair left it as it is
    repaired = Store.open(db).annotations()  # (opening makes a real backup in its place)
    assert repaired and all(annotations[pid] == note for pid, note in repaired.items())


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u2060"])
def test_a_title_with_an_invisible_character_keeps_the_library_readable(
    db: Path, cli: RunCli, tmp_path: Path, invisible: str
) -> None:
    """A zero-width space or a soft hyphen copied from a web page is kept in the title
    (identity ignores it), so reading must accept it: the check on reading refused any
    character `str.isprintable` refuses, and every command after such an import failed
    with "a paper's title holds control characters"."""
    listing = tmp_path / "page.txt"
    listing.write_text(
        f"Sparse{invisible}Routing of Tokens in Large Models\n\n"
        "We study sparse routing of tokens and show that it works on many benchmarks.\n\n"
        "Dense Routing of Tokens in Large Models\n\n"
        "We study dense routing of tokens and show that it works on many benchmarks.\n",
        encoding="utf-8",
    )
    assert cli("import", str(listing)).returncode == 0
    listed = cli("list")
    assert listed.returncode == 0, listed.stderr
    assert f"Sparse{invisible}Routing" in listed.stdout
    titles = sorted(p.title for p in Store.open(db).papers())
    assert titles == ["Dense Routing of Tokens in Large Models",
                      f"Sparse{invisible}Routing of Tokens in Large Models"]  # fmt: skip
