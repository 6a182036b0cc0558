"""Saved filters: the CLI commands, the file beside the library, @NAME in queries."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from readlist.errors import LibraryError, ReadlistError
from readlist.library import Library
from readlist.query import parse
from readlist.store import Store

from .conftest import RunCli


@pytest.fixture
def imported(cli: RunCli, sample_store: Store) -> RunCli:
    return cli


def count(cli: RunCli, *query: str) -> int:
    result = cli("list", *query)
    assert result.returncode == 0, result.stderr
    return result.stdout.count("\n")


def test_save_list_use_and_remove_a_filter(imported: RunCli, db: Path) -> None:
    assert imported("read", "tag:none OR rag").returncode == 0  # 4 papers about RAG
    saved = imported("filter", "save", "inbox", "is:unread", "-tag:done")
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout == "saved filter @inbox: is:unread -tag:done\n"
    assert imported("filter", "save", "rag", '"rag" OR retrieval').returncode == 0
    listing = imported("filters")
    store = Store.open(db)
    library = Library(store.papers(), store.annotations())
    rag = library.filter(parse('"rag" OR retrieval'))
    assert [line.split(None, 3) for line in listing.stdout.splitlines()] == [
        ["@inbox", "97", "97", "is:unread -tag:done"],
        ["@rag", str(len(rag)), str(rag.unread()), '"rag" OR retrieval'],
    ]
    assert count(imported, "@rag") == len(rag)
    assert count(imported, "@inbox @rag") == rag.unread()
    assert count(imported, "@RAG", "-is:unread") == 4  # names are matched in any case
    removed = imported("filter", "rm", "RAG")
    assert removed.returncode == 0 and Store.open(db).saved_filters() == {
        "inbox": "is:unread -tag:done"
    }
    gone = imported("list", "@rag")
    assert gone.returncode == 2
    assert gone.stderr.startswith("readlist: bad query: no saved filter '@rag' (saved: @inbox)")


def test_bad_filters_are_not_saved(imported: RunCli, db: Path) -> None:
    bad = imported("filter", "save", "x", "rate:5")
    assert bad.returncode == 2 and 'put it in quotes: "rate:5"' in bad.stderr
    loop = imported("filter", "save", "x", "@x")
    assert loop.returncode == 2 and "'@x' refers to itself" in loop.stderr
    name = imported("filter", "save", "my filter", "x")
    assert name.returncode == 2 and "filter name 'my filter' is not usable" in name.stderr
    missing = imported("filter", "rm", "nope")
    assert missing.returncode == 2 and "no saved filter named 'nope'" in missing.stderr
    assert not (db.parent / "library.filters.json").exists()
    assert imported("filters").stderr.startswith("readlist: no saved filters")


def test_the_file_is_small_atomic_and_keeps_order(store: Store, db: Path) -> None:
    store.save_filter("b", "tun")
    store.save_filter("a", "is:read")
    store.save_filter("B", "rag")  # replaces "b" in place, with the new spelling
    path = db.parent / "library.filters.json"
    data = orjson.loads(path.read_bytes())
    assert data == {
        "readlist": "filters",
        "version": 1,
        "filters": [{"name": "B", "query": "rag"}, {"name": "a", "query": "is:read"}],
    }
    assert [p.name for p in db.parent.iterdir() if p.name.startswith(".")] == []  # no temp
    assert list(store.saved_filters()) == ["B", "a"]
    assert not db.exists()  # saving a filter writes nothing else


def test_a_damaged_filters_file_is_a_clear_error(store: Store, db: Path) -> None:
    path = db.parent / "library.filters.json"
    db.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    with pytest.raises(LibraryError, match="saved filters are damaged"):
        store.saved_filters()
    with pytest.raises(LibraryError, match="saved filters are damaged"):
        store.save_filter("x", "y")
    assert path.read_text() == "{not json"  # left for the user to look at


def test_a_filter_is_saved_under_the_library_lock(store: Store) -> None:
    import filelock

    other = filelock.FileLock(str(store.paths.lock))
    with other.acquire(), pytest.raises(ReadlistError, match="nothing was changed"):
        import readlist.store.store as store_module

        store_module.LOCK_TIMEOUT, old = 0.2, store_module.LOCK_TIMEOUT
        try:
            locked = Store(store.paths.annotations)
            locked.save_filter("x", "y")
        finally:
            store_module.LOCK_TIMEOUT = old
    assert store.saved_filters() == {}


async def test_the_picker_counts_follow_changes_made_while_it_is_open(sample_store: Store) -> None:
    from readlist.tui.app import ReadListApp
    from readlist.tui.screens.filters import FilterPicker

    sample_store.save_filter("inbox", "is:unread")
    sample_store.save_filter("good", "rating:>=4")
    app = ReadListApp(sample_store, copy=lambda text, terminal: "x", watch_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f")
        picker = app.screen
        assert isinstance(picker, FilterPicker)

        def shown() -> list[tuple[str, int | None, int | None]]:
            return [(f.name, f.papers, f.unread) for f in picker.filters]

        def drawn(index: int) -> str:
            options = picker.query_one("#filter-options")
            return str(options.get_option_at_index(index).prompt)  # type: ignore[attr-defined]

        assert shown() == [("inbox", 101, 101), ("good", 0, 0)]
        # A second readlist process (a CLI script, another TUI) annotates two papers.
        other = Store.open(sample_store.paths.annotations)
        first, second = (p.id for p in other.papers()[:2])
        other.update([first], lambda a: a.with_read(True).with_rating(5))
        other.update([second], lambda a: a.with_rating(4))
        app.check_disk()  # what the app's disk watch does every few seconds
        await pilot.pause()
        assert app.screen is picker  # still open, now with fresh counts
        assert shown() == [("inbox", 100, 100), ("good", 2, 1)]
        assert "100 papers · 100 unread" in drawn(0)
        assert "2 papers · 1 unread" in drawn(1)
        other.update([second], lambda a: a.with_read(True))
        other.save_filter("read", "is:read")  # and a filter saved meanwhile appears
        app.check_disk()
        await pilot.pause()
        assert shown() == [("inbox", 99, 99), ("good", 2, 0), ("read", 2, 0)]
        assert "2 papers · 0 unread" in drawn(2)
        await pilot.press("2")  # keys 1-9 jump to a filter
        await pilot.pause()
        assert app.filter_bar.input.value == "@good"
        assert app.shown == 2


def test_saved_filters_travel_in_the_json_export_and_come_back(
    imported: RunCli, db: Path, tmp_path: Path
) -> None:
    import subprocess

    from .conftest import readlist_command

    assert imported("filter", "save", "inbox", "is:unread").returncode == 0
    assert imported("filter", "save", "rag", '"rag" OR retrieval').returncode == 0
    assert imported("rate", "rag", "4").returncode == 0
    exported = imported("export")
    assert exported.returncode == 0, exported.stderr
    data = orjson.loads(exported.stdout)
    assert data["filters"] == [
        {"name": "inbox", "query": "is:unread"},
        {"name": "rag", "query": '"rag" OR retrieval'},
    ]
    assert len(data["papers"]) == 101
    backup = tmp_path / "backup.json"
    backup.write_text(exported.stdout, encoding="utf-8")

    other = tmp_path / "other" / "library.json"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*readlist_command(), "--db", str(other), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = run("import", str(backup))
    assert first.returncode == 0, first.stderr
    assert "restored 2 saved filters (@inbox, @rag)" in first.stdout
    restored = Store.open(other)
    assert restored.saved_filters() == Store.open(db).saved_filters()
    # The filters work against the restored library as they did against the original.
    listed = sorted(run("list", "@rag").stdout.splitlines())
    assert listed == sorted(imported("list", "@rag").stdout.splitlines()) and listed

    # A name you saved meanwhile with another query is yours unless you say otherwise.
    assert run("filter", "save", "INBOX", "is:unread -is:rated").returncode == 0
    again = run("import", str(backup))
    assert again.returncode == 0, again.stderr
    assert (
        "restored 0 saved filters; kept yours for @INBOX (--annotations replace takes the file's)"
        in again.stdout
    )
    assert Store.open(other).saved_filters() == {
        "INBOX": "is:unread -is:rated",
        "rag": '"rag" OR retrieval',
    }
    replaced = run("import", "--annotations", "replace", str(backup))
    assert "restored 0 saved filters; replaced yours for @INBOX" in replaced.stdout
    assert Store.open(other).saved_filters()["INBOX"] == "is:unread"

    # Entries that cannot be saved are skipped, each said in one line; the rest restore.
    data["filters"] += [
        {"name": "my filter", "query": "x"},
        {"name": "broken", "query": "rate:5"},
        {"name": "fine", "query": "@rag is:read"},
        "not an entry",
    ]
    backup.write_bytes(orjson.dumps(data))
    mixed = run("import", str(backup))
    assert mixed.returncode == 0, mixed.stderr
    assert "saved filter 6 skipped: not a name and a query" in mixed.stdout
    assert "saved filter @my filter skipped: filter name 'my filter' is not usable" in mixed.stdout
    assert "saved filter @broken skipped: bad query: unknown filter 'rate:'" in mixed.stdout
    assert "restored 1 saved filter (@fine)" in mixed.stdout
    assert list(Store.open(other).saved_filters()) == ["INBOX", "rag", "fine"]
