"""The store: what the library holds after imports and annotations, and after failures."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from readlist.errors import LibraryError, LibraryWriteError
from readlist.importers import read_listing
from readlist.models import Annotation, paper_id
from readlist.store import Store
from readlist.store import storage as storage_module

from .conftest import DAILY, SEARCH, TODAY, library_bytes

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")


def listings(*paths: Path) -> list[list]:  # type: ignore[type-arg]
    return [read_listing(p, today=TODAY).papers for p in paths]


def test_new_store_is_empty_and_creates_nothing_until_written(db: Path) -> None:
    store = Store.open(db)
    assert store.papers() == [] and store.annotations() == {}
    assert not db.exists()


def test_both_samples_make_101_papers_in_either_order(tmp_path: Path) -> None:
    one = Store.open(tmp_path / "a" / "library.json")
    two = Store.open(tmp_path / "b" / "library.json")
    one.import_listings(listings(DAILY, SEARCH))
    two.import_listings(listings(SEARCH))
    two.import_listings(listings(DAILY))
    assert len(one.papers()) == len(two.papers()) == 101

    def fields(store: Store) -> dict[str, tuple]:  # type: ignore[type-arg]
        return {
            p.id: (p.title, p.abstract, p.authors_count, p.published, p.comments, p.links)
            for p in store.papers()
        }

    assert fields(one) == fields(two)
    hft = {p.id: p for p in two.papers()}[HFT]
    assert (hft.authors_count, hft.published, hft.comments) == (
        6,
        "2024-04-29",
        1,
    )  # from the daily page
    assert len(hft.sources) == 2


def test_import_reports_added_updated_unchanged(store: Store) -> None:
    [daily] = store.import_listings(listings(DAILY))
    assert (len(daily.added), len(daily.updated), daily.unchanged) == (30, 0, 0)
    [search] = store.import_listings(listings(SEARCH))
    assert (len(search.added), len(search.updated), search.unchanged) == (71, 0, 10)
    [again] = store.import_listings(listings(DAILY))
    assert (len(again.added), len(again.updated), again.unchanged) == (0, 0, 30)


def test_reimport_never_touches_annotations(sample_store: Store, db: Path) -> None:
    sample_store.update(
        [HFT],
        lambda a: (
            a.with_tags_added(["ml", "[red]"])
            .with_rating(5)
            .with_read(True)
            .with_note("# Mine\nkeep")
        ),
    )
    before = db.read_bytes()
    sample_store.import_listings(listings(SEARCH, DAILY))
    assert db.read_bytes() == before
    reopened = Store.open(db)
    note = reopened.annotations()[HFT]
    assert (note.tags, note.rating, note.read, note.note) == (
        ("ml", "[red]"),
        5,
        True,
        "# Mine\nkeep",
    )


def test_annotation_write_rewrites_only_the_annotations_file(sample_store: Store, db: Path) -> None:
    catalogue = {
        p: p.read_bytes() for p in (sample_store.paths.papers, sample_store.paths.abstracts)
    }
    stamps = {p: p.stat().st_mtime_ns for p in catalogue}
    sample_store.update([HFT], lambda a: a.with_tags_added(["x"]))
    assert {p: p.read_bytes() for p in catalogue} == catalogue
    assert {p: p.stat().st_mtime_ns for p in catalogue} == stamps
    assert Store.open(db).annotations()[HFT].tags == ("x",)


def test_update_returns_before_and_after_and_stamps_time(sample_store: Store) -> None:
    change = sample_store.update([HFT], lambda a: a.with_rating(3))
    assert change.before[HFT] == Annotation()
    assert change.after[HFT].rating == 3 and change.after[HFT].updated is not None
    assert change.changed == [HFT]
    again = sample_store.update([HFT], lambda a: a.with_rating(3))
    assert again.changed == []


def test_emptied_annotation_is_removed_from_the_file(sample_store: Store, db: Path) -> None:
    sample_store.update([HFT], lambda a: a.with_tags_added(["t"]))
    sample_store.update([HFT], lambda a: a.with_tags_removed(["T"]))
    assert HFT not in orjson.loads(db.read_bytes())["annotations"]
    assert Store.open(db).annotations() == {}


def test_two_stores_on_one_library_compose_edits(sample_store: Store, db: Path) -> None:
    other = Store.open(db)
    sample_store.update([HFT], lambda a: a.with_tags_added(["first"]))
    other.update([HFT], lambda a: a.with_rating(4))  # other has not re-read: must not lose "first"
    sample_store.update([HFT], lambda a: a.with_read(True))
    final = Store.open(db).annotations()[HFT]
    assert (final.tags, final.rating, final.read) == (("first",), 4, True)


def test_failed_import_leaves_library_byte_for_byte_unchanged(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_store.update([HFT], lambda a: a.with_note("n"))
    before = library_bytes(db)

    def disk_full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage_module.os, "write", disk_full)
    extra = read_listing(DAILY, today=TODAY).papers
    from dataclasses import replace

    with pytest.raises(LibraryWriteError, match="No space left on device"):
        sample_store.import_listings(
            [[replace(p, id=p.id[::-1], title=p.title + " v2") for p in extra]]
        )
    monkeypatch.undo()
    assert library_bytes(db) == before
    assert len(Store.open(db).papers()) == 101


def test_write_interrupted_by_exception_keeps_previous_file(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_store.update([HFT], lambda a: a.with_rating(2))
    before = library_bytes(db)

    def crash(src: object, dst: object) -> None:
        raise KeyboardInterrupt  # e.g. Ctrl-C between fsync and rename

    monkeypatch.setattr(storage_module.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        sample_store.update([HFT], lambda a: a.with_rating(5))
    monkeypatch.undo()
    assert library_bytes(db) == before  # no temp file left either
    assert Store.open(db).annotations()[HFT].rating == 2
    # The store that saw the failure did not keep the unsaved value in memory.
    assert sample_store.annotations()[HFT].rating == 2


def test_disk_full_on_annotation_write_is_a_clear_error(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        storage_module.os,
        "fsync",
        lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")),
    )
    with pytest.raises(LibraryWriteError) as caught:
        sample_store.update([HFT], lambda a: a.with_rating(1))
    assert (
        str(caught.value) == f"{db}: could not save (No space left on device); nothing was changed"
    )
    monkeypatch.undo()
    assert Store.open(db).annotations() == {}


def test_stale_temporary_files_are_removed_on_open(sample_store: Store, db: Path) -> None:
    stale = db.with_name(f".{db.name}.tmp-99999-deadbeef")
    stale.write_bytes(b'{"partial')
    Store.open(db)
    assert not stale.exists()


def test_backups_are_refreshed_on_open(sample_store: Store, db: Path) -> None:
    sample_store.update([HFT], lambda a: a.with_rating(4))
    Store.open(db)
    bak = db.with_name(db.name + ".bak")
    assert bak.read_bytes() == db.read_bytes()
    assert db.with_name("library.papers.json.bak").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"annotations": {"x": {"rating": 1', "not valid JSON"),
        (b"hello, I am a text file", "not valid JSON"),
        (b"", "library file is empty"),
        (b"[1, 2, 3]", "not a readlist library file"),
        (b'{"_default": {"1": {"a": 1}}}', "format marker is missing"),
        (b'{"readlist": {"format": {"kind": "annotations", "version": 1}}, "annotations": {"0123456789abcdef": {"rating": 9}}}',
         "has a wrong value"),
    ],
)  # fmt: skip
def test_damaged_library_is_a_clear_error_and_never_overwritten(
    db: Path, content: bytes, problem: str
) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(content)
    with pytest.raises(LibraryError) as caught:
        store = Store.open(db)
        store.annotations()
        store.update(["0123456789abcdef"], lambda a: a.with_rating(1))
    assert str(caught.value).startswith(f"{db}: ")
    assert problem in str(caught.value)
    assert db.read_bytes() == content


def test_library_path_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="is a directory"):
        Store.open(tmp_path)


def test_permission_denied_on_write_reads_fine_and_fails_clearly(
    sample_store: Store, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def denied(path: object, flags: int, *args: object) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(storage_module.os, "open", denied)
    store = Store.open(db)
    assert len(store.papers()) == 101
    with pytest.raises(
        LibraryWriteError, match=r"could not save \(Permission denied\); nothing was changed"
    ):
        store.update([HFT], lambda a: a.with_rating(1))
    monkeypatch.undo()
    assert Store.open(db).annotations() == {}


# -- the abstracts file: one document per line ------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from readlist.store.storage import dumps_by_line, loads_by_line  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=20), st.fixed_dictionaries({"text": st.text(max_size=200)}), max_size=20
    )
)
def test_line_format_round_trips_any_text(table: dict) -> None:  # type: ignore[type-arg]
    import tempfile

    data = {"abstracts": table, "readlist": {"format": {"kind": "abstracts", "version": 1}}}
    blob = dumps_by_line(data, "abstracts")
    assert orjson.loads(blob) == data  # plain JSON for any reader
    with tempfile.NamedTemporaryFile(suffix=".json") as handle:
        handle.write(blob)
        handle.flush()
        assert loads_by_line(Path(handle.name), "abstracts") == data


def test_tricky_strings_stay_on_their_line(tmp_path: Path) -> None:
    table = {'a"},"b': {"text": 'x"},"y'}, "c": {"text": 'line\nbreak \\ }, "q"'}}
    data = {"abstracts": table, "readlist": {"format": {"kind": "abstracts", "version": 1}}}
    path = tmp_path / "a.json"
    path.write_bytes(dumps_by_line(data, "abstracts"))
    assert path.read_bytes().count(b"\n") == 3  # header, 2 documents, closing line
    assert loads_by_line(path, "abstracts") == data


def test_abstracts_written_whole_by_an_older_readlist_still_open(
    sample_store: Store, db: Path
) -> None:
    path = sample_store.paths.abstracts
    whole = orjson.dumps(orjson.loads(path.read_bytes()))  # one line, no per-document breaks
    path.write_bytes(whole)
    assert loads_by_line(path, "abstracts") is None
    assert len(Store.open(db).abstracts()) == 101


def test_a_damaged_line_is_reported_like_any_damage(sample_store: Store, db: Path) -> None:
    path = sample_store.paths.abstracts
    lines = path.read_bytes().split(b"\n")
    lines[5] = lines[5][:40]  # a document cut short
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(
        LibraryError, match=r"library\.abstracts\.json: library file is not valid JSON"
    ):
        Store.open(db).abstracts()


# -- found in review: empty records, errors under the lock, lost files -------------------------


def test_an_empty_annotation_record_can_be_edited(sample_store: Store, db: Path) -> None:
    # What `doctor --repair` salvages from a record whose values were all damaged.
    data = orjson.loads(db.read_bytes()) if db.exists() else {}
    data.setdefault("annotations", {})[HFT] = {"tags": [], "read": False}
    data["readlist"] = {"format": {"kind": "annotations", "version": 1}}
    db.write_bytes(orjson.dumps(data))
    store = Store.open(db)
    change = store.update([HFT], lambda a: a.with_rating(4))
    assert change.after[HFT].rating == 4
    assert Store.open(db).annotations()[HFT].rating == 4


def test_an_error_under_the_lock_is_not_called_a_lock_failure(sample_store: Store) -> None:
    with pytest.raises(OSError, match="No space left") as caught, sample_store.locked():
        raise OSError(28, "No space left on device")
    assert not isinstance(caught.value, LibraryError)
    with sample_store.locked():  # and the lock was released
        pass


def test_update_says_when_another_process_had_written(sample_store: Store, db: Path) -> None:
    other = Store.open(db)
    assert not sample_store.update([HFT], lambda a: a.with_rating(1)).others_wrote
    other.update(["5e5e5e5e5e5e5e5e"], lambda a: a.with_tags(["x"]))
    assert sample_store.update([HFT], lambda a: a.with_rating(2)).others_wrote
    assert not sample_store.update([HFT], lambda a: a.with_rating(3)).others_wrote


def test_a_missing_annotations_file_with_a_backup_is_not_started_afresh(
    sample_store: Store, db: Path
) -> None:
    sample_store.update([HFT], lambda a: a.with_tags(["keep-me"]))
    Store.open(db)  # refreshes library.json.bak
    db.unlink()  # a sync tool, a stray rm
    with pytest.raises(LibraryError) as caught:
        Store.open(db)
    message = str(caught.value)
    assert f"{db}: missing, but its backup library.json.bak holds 1 annotations" in message
    assert "doctor --repair" in message
    assert not db.exists()  # nothing written over the user's work


def test_a_catalogue_file_given_as_the_library_names_the_library(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match=r"catalogue files of the library .*lib.json; use --db"):
        Store.open(tmp_path / "lib.papers.json")
