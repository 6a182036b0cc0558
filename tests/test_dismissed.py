"""The dismissed mark (triage's `d`): stored, undone, queried, exported, checked by doctor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readlist import commands
from readlist.library import Library
from readlist.models import Annotation
from readlist.query import parse
from readlist.store import Store

from .conftest import DAILY, SEARCH, RunCli

HFT = "c6534ea8b9cb3ecb"  # "HFT: Half Fine-Tuning" in the samples


@pytest.fixture
def imported(cli: RunCli) -> RunCli:
    result = cli("import", str(DAILY), str(SEARCH))
    assert result.returncode == 0, result.stderr
    return cli


def test_dismiss_marks_dismissed_and_read_and_undo_restores_both(sample_store: Store) -> None:
    sample_store.update([HFT], lambda a: a.with_rating(4), label="rated 4/5:")
    outcome = commands.Dismiss([HFT]).run(sample_store)
    assert outcome.message == "dismissed 1 paper"
    assert outcome.undoable
    held = sample_store.annotations()[HFT]
    assert (held.dismissed, held.read, held.rating) == (True, True, 4)

    undone = commands.Undo().run(sample_store)
    assert undone.message == "undid “dismissed” on 1 paper"
    held = sample_store.annotations()[HFT]
    assert (held.dismissed, held.read, held.rating) == (False, False, 4)
    commands.Redo().run(sample_store)
    assert sample_store.annotations()[HFT].dismissed


def test_a_dismissed_paper_keeps_the_mark_when_rated_tagged_or_noted(sample_store: Store) -> None:
    commands.Dismiss([HFT]).run(sample_store)
    commands.Rate([HFT], 5).run(sample_store)
    commands.AddTags([HFT], ("ml",)).run(sample_store)
    held = sample_store.annotations()[HFT]
    assert (held.dismissed, held.rating, held.tags) == (True, 5, ("ml",))


def test_marking_a_dismissed_paper_unread_takes_it_back(sample_store: Store) -> None:
    commands.Dismiss([HFT]).run(sample_store)
    commands.SetRead([HFT], False).run(sample_store)
    assert HFT not in sample_store.annotations()  # nothing left said about it
    commands.Undo().run(sample_store)
    assert sample_store.annotations()[HFT].dismissed


def test_the_mark_is_stored_only_when_set_and_survives_reopening(
    db: Path, sample_store: Store
) -> None:
    other = sample_store.papers()[1].id
    commands.Rate([other], 3).run(sample_store)
    commands.Dismiss([HFT]).run(sample_store)
    docs = json.loads(db.read_text())["annotations"]
    assert docs[HFT]["dismissed"] is True
    assert "dismissed" not in docs[other]  # an annotation never dismissed: as before
    assert Store.open(db).annotations()[HFT].dismissed


def test_an_annotations_file_without_the_field_opens_and_is_not_rewritten(
    imported: RunCli, db: Path
) -> None:
    """A library written before the mark existed (format 1, no `dismissed`)."""
    old = {
        "annotations": {
            HFT: {"tags": ["ml"], "rating": 4, "read": True, "note": "n", "updated": None}
        },
        "readlist": {"format": {"kind": "annotations", "version": 1}},
    }
    db.write_text(json.dumps(old))
    before = db.read_bytes()
    assert imported("list", "is:read").stdout.count("\n") == 1
    assert imported("list", "is:dismissed").stdout == ""
    assert imported("doctor").returncode == 0
    assert db.read_bytes() == before
    assert Store.open(db).annotations()[HFT] == Annotation(("ml",), 4, True, "n", None)


def test_doctor_accepts_the_field_and_refuses_a_wrong_value(imported: RunCli, db: Path) -> None:
    assert imported("read", "hft").returncode == 0
    commands.Dismiss([HFT]).run(Store.open(db))
    check = imported("doctor")
    assert check.returncode == 0, check.stdout
    data = json.loads(db.read_text())
    data["annotations"][HFT]["dismissed"] = "yes"
    db.write_text(json.dumps(data))
    check = imported("doctor")
    assert check.returncode == 2
    assert "library.json: DAMAGED" in check.stdout
    assert f"the annotation of paper {HFT} has a wrong value" in check.stdout


def test_is_dismissed_on_the_command_line(imported: RunCli, db: Path) -> None:
    commands.Dismiss([HFT]).run(Store.open(db))
    [line] = imported("list", "is:dismissed").stdout.splitlines()
    assert line.startswith(HFT[:8]) and "HFT: Half Fine-Tuning" in line
    assert imported("list", "-is:dismissed").stdout.count("\n") == 100
    assert imported("list", "is:unread").stdout.count("\n") == 100  # dismissed is read
    # `readlist list` shows a dismissed paper as any read one (no new column).
    listed = imported("list", "hft").stdout
    assert imported("unread", "hft").returncode == 0
    assert imported("read", "hft").returncode == 0
    assert imported("list", "hft").stdout == listed
    bad = imported("list", "is:gone")
    assert bad.returncode == 2
    assert "is:dismissed" in bad.stderr


def test_is_dismissed_in_the_query_engine() -> None:
    from tests.test_ranking import PAPERS

    library = Library(
        PAPERS,
        {
            PAPERS[0].id: Annotation(read=True, dismissed=True),
            PAPERS[1].id: Annotation(read=True),
        },
    )
    assert library.select(parse("is:dismissed")) == [0]
    assert 0 not in library.select(parse("is:unread"))
    assert sorted(library.select(parse("is:read -is:dismissed"))) == [1]


def test_json_export_and_import_keep_the_mark(
    imported: RunCli, db: Path, tmp_path: Path, cli: RunCli
) -> None:
    commands.Dismiss([HFT]).run(Store.open(db))
    out = tmp_path / "out.json"
    assert imported("export", "-o", str(out)).returncode == 0
    records = {r["id"]: r for r in json.loads(out.read_text())["papers"]}
    assert records[HFT]["dismissed"] is True and records[HFT]["read"] is True
    assert sum(r["dismissed"] for r in records.values()) == 1

    other = tmp_path / "other" / "library.json"
    result = cli("--db", str(other), "import", str(out))
    assert result.returncode == 0, result.stderr
    held = Store.open(other).annotations()
    assert held[HFT].dismissed and held[HFT].read
    assert sum(a.dismissed for a in held.values()) == 1

    records[HFT]["dismissed"] = "no"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(list(records.values())))
    result = cli("--db", str(tmp_path / "third" / "library.json"), "import", str(bad))
    assert "dismissed is not true or false" in result.stdout + result.stderr


def test_doctor_salvages_the_mark_from_a_damaged_annotation() -> None:
    from readlist.store.doctor import salvage_annotation

    whole, partial = salvage_annotation(
        {"tags": ["ml"], "rating": 9, "read": True, "dismissed": True, "note": "x"}
    )
    assert whole == {"tags": ["ml"], "read": True, "dismissed": True, "note": "x"}
    assert partial == {}
    whole, _ = salvage_annotation({"rating": 2, "dismissed": "yes"})
    assert whole == {"rating": 2}


def test_readlist_dismiss_marks_matching_papers_and_unread_takes_them_back(
    imported: RunCli, db: Path
) -> None:
    result = imported("dismiss", f"id:{HFT}")
    assert result.returncode == 0, result.stderr
    assert "dismissed 1 paper" in result.stdout
    with Store.open(db) as store:
        held = store.annotations()[HFT]
        assert (held.dismissed, held.read) == (True, True)
    listed = imported("list", "is:dismissed")
    assert listed.stdout.count("\n") == 1 and "HFT" in listed.stdout
    assert imported("unread", f"id:{HFT}").returncode == 0
    with Store.open(db) as store:
        assert HFT not in store.annotations()
    refused = imported("dismiss")  # no query and no --all: nothing changes
    assert refused.returncode != 0


async def test_d_in_the_list_dismisses_the_highlighted_paper_and_u_restores_it(
    sample_store: Store, db: Path
) -> None:
    from readlist.tui.app import ReadListApp

    app = ReadListApp(sample_store, copy=lambda text, _: "test", watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        pid = app.library.papers[app.papers.current or 0].id
        await pilot.press("d")
        await app.settle()
        await pilot.pause()
        with Store.open(db) as fresh:
            held = fresh.annotations()[pid]
        assert (held.dismissed, held.read) == (True, True)
        assert "✗" in app.papers.render_line(0).text
        await pilot.press("u")
        await app.settle()
        with Store.open(db) as fresh:
            assert pid not in fresh.annotations()
