"""`readlist doctor`: reports damage, and --repair restores or salvages without losing files."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from readlist.models import paper_id
from readlist.store import Store

from .conftest import DAILY, SEARCH, RunCli

HFT = paper_id("HFT: Half Fine-Tuning for Large Language Models")


def build(cli: RunCli, db: Path) -> dict:  # type: ignore[type-arg]
    assert cli("import", str(DAILY), str(SEARCH)).returncode == 0
    assert cli("tag", "prompt", "p").returncode == 0  # many annotated papers
    assert cli("rate", "hft", "5").returncode == 0
    assert cli("list").returncode == 0  # opening refreshes the .bak copies
    return Store.open(db).annotations()


def test_healthy_library(cli: RunCli, db: Path) -> None:
    annotations = build(cli, db)
    result = cli("doctor")
    assert result.returncode == 0, result.stdout
    assert f"library.json: ok, {len(annotations)} annotations; backup ok" in result.stdout
    assert "library.papers.json: ok, 101 papers" in result.stdout
    assert result.stdout.strip().endswith("everything is in order")


def test_truncated_file_is_reported_then_restored_from_backup(cli: RunCli, db: Path) -> None:
    annotations = build(cli, db)
    damaged = db.read_bytes()[:300]
    db.write_bytes(damaged)
    check = cli("doctor")
    assert check.returncode == 2
    assert "library.json: DAMAGED: library file is not valid JSON" in check.stdout
    assert f"readlist --db {db} doctor --repair" in check.stdout
    assert db.read_bytes() == damaged  # checking changes nothing

    repair = cli("doctor", "--repair")
    assert repair.returncode == 0, repair.stdout
    assert (
        "read from the damaged file and" in repair.stdout
        and "more from the backup" in repair.stdout
    )
    assert Store.open(db).annotations() == annotations
    [aside] = db.parent.glob("library.json.damaged-*")
    assert aside.read_bytes() == damaged  # nothing is deleted
    assert cli("list", "rating:5").stdout.count("\n") == 1


def test_without_backup_the_readable_documents_are_salvaged(cli: RunCli, db: Path) -> None:
    annotations = build(cli, db)
    db.with_name("library.json.bak").unlink()
    blob = db.read_bytes()
    db.write_bytes(blob[: len(blob) * 2 // 3])  # cut in the middle of a document
    repair = cli("doctor", "--repair")
    assert repair.returncode == 0, repair.stdout
    salvaged = Store.open(db).annotations()
    assert 0 < len(salvaged) < len(annotations)
    assert all(annotations[pid] == note for pid, note in salvaged.items())  # whole, unaltered
    assert f"rebuilt with {len(salvaged)} annotations read from the damaged file;" in repair.stdout


def test_foreign_catalogue_is_restored(cli: RunCli, db: Path) -> None:
    build(cli, db)
    papers = db.with_name("library.papers.json")
    papers.write_bytes(orjson.dumps({"_default": {"1": {"x": 1}}}))
    assert cli("list").returncode == 2
    repair = cli("doctor", "--repair")
    assert repair.returncode == 0, repair.stdout
    assert len(Store.open(db).papers()) == 101


def test_backup_damaged_too_still_salvages(cli: RunCli, db: Path) -> None:
    build(cli, db)
    db.with_name("library.json.bak").write_bytes(b"garbage")
    db.write_bytes(db.read_bytes()[:-5])
    check = cli("doctor")
    assert "backup damaged too" in check.stdout
    assert cli("doctor", "--repair").returncode == 0
    assert Store.open(db).annotations()  # something came back


def test_doctor_on_a_new_library(cli: RunCli) -> None:
    result = cli("doctor")
    assert result.returncode == 0
    assert "not created yet" in result.stdout


def test_a_file_with_bad_values_never_replaces_the_good_backup(cli: RunCli, db: Path) -> None:
    annotations = build(cli, db)
    good_backup = db.with_name("library.json.bak").read_bytes()
    data = orjson.loads(db.read_bytes())
    for doc in data["annotations"].values():
        doc["rating"] = "five"  # valid JSON, wrong values
    db.write_bytes(orjson.dumps(data))
    listing = cli("list")
    assert listing.returncode == 2 and "has a wrong value" in listing.stderr
    assert db.with_name("library.json.bak").read_bytes() == good_backup
    assert cli("doctor", "--repair").returncode == 0
    repaired = Store.open(db).annotations()
    # Tags and notes survive from the damaged file; the bad ratings come from the backup.
    assert repaired == annotations


def test_annotations_newer_than_the_backup_are_salvaged(cli: RunCli, db: Path) -> None:
    build(cli, db)
    # `rate` opens the library (refreshing the backup) and then writes: the backup
    # does not have these ratings; only the damaged file does.
    assert cli("rate", "language", "3").returncode == 0
    everything = Store.open(db).annotations()  # (this open refreshes the backup again,
    db.with_name("library.json.bak").write_bytes(
        backup_before := db.with_name("library.json.bak").read_bytes()
    )
    rated = {pid for pid, a in everything.items() if a.rating == 3}
    assert len(rated) > 20
    # ...so put back an old backup, as if the ratings were made since the last open)
    old = orjson.loads(backup_before)
    for pid in rated:
        old["annotations"].pop(pid, None)
    db.with_name("library.json.bak").write_bytes(orjson.dumps(old))
    blob = db.read_bytes()
    db.write_bytes(blob[: len(blob) * 3 // 4])  # the end of the file is lost
    assert cli("doctor", "--repair").returncode == 0
    repaired = Store.open(db).annotations()
    recovered = [pid for pid in rated if pid in repaired and repaired[pid].rating == 3]
    assert len(recovered) >= len(rated) // 2  # from the damaged file, not the backup
    for pid, annotation in repaired.items():
        assert annotation == everything[pid]  # nothing invented, nothing altered


def test_a_repair_that_cannot_write_leaves_the_damaged_file_where_it_was(
    cli: RunCli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from readlist.store import doctor as doctor_module

    build(cli, db)
    damaged = db.read_bytes()[:-40]
    db.write_bytes(damaged)

    def disk_full(path: Path, blob: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(doctor_module, "atomic_write", disk_full)
    out = io.StringIO()
    assert doctor_module.doctor(db, repair=True, out=out) == 2
    assert "library.json: could not be repaired (No space left on device); left as it was" in (
        out.getvalue()
    )
    assert db.read_bytes() == damaged  # still there, for the next try
    assert "cannot lock" not in out.getvalue()


def test_a_missing_annotations_file_is_restored_from_its_backup(cli: RunCli, db: Path) -> None:
    annotations = build(cli, db)
    db.unlink()
    listed = cli("list")
    assert listed.returncode == 2
    assert "missing, but its backup library.json.bak holds" in listed.stderr
    check = cli("doctor")
    assert check.returncode == 2
    assert "library.json: MISSING (the backup can restore it)" in check.stdout
    repair = cli("doctor", "--repair")
    assert repair.returncode == 0, repair.stdout
    assert "library.json: restored from the backup" in repair.stdout
    assert Store.open(db).annotations() == annotations


def test_doctor_on_a_directory_changes_nothing(tmp_path: Path) -> None:
    import io

    from readlist.errors import LibraryError
    from readlist.store.doctor import doctor

    folder = tmp_path / "papers"
    folder.mkdir()
    with pytest.raises(LibraryError, match="is a directory"):
        doctor(folder, repair=True, out=io.StringIO())
    assert folder.is_dir() and list(tmp_path.iterdir()) == [folder]
