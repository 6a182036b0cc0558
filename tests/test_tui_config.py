"""Pilot tests of the config in the TUI (keys, defaults, theme) and of the state it
remembers between runs, checked against the library on disk and the state file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from readlist.config import Config, load_config
from readlist.state import StateFile
from readlist.store import Store
from readlist.tui import keys
from readlist.tui.app import ReadListApp
from readlist.tui.screens.help import HelpScreen
from tests.conftest import DAILY, SEARCH, RunCli, readlist_command
from tests.test_tui import HFT, Recorder, current_id, go_to, on_disk, record_notes

SIZE = (120, 40)


def make_app(
    db: Path,
    recorder: Recorder,
    *,
    config: Config | None = None,
    state: StateFile | None = None,
) -> ReadListApp:
    """The app as `readlist` builds it: a store of its own on `db`, config, state."""
    return ReadListApp(
        Store.open(db),
        copy=recorder.copy,
        open_url=recorder.open,
        watch_interval=3600,
        config=config,
        state=state,
    )


def config_file(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(str(path))


def read_on_disk(db: Path, pid: str) -> bool:
    annotation = on_disk(db).get(pid)
    return annotation is not None and annotation.read


# -- keys --------------------------------------------------------------------------------


async def test_a_rebound_key_acts_and_help_footer_palette_show_it(
    sample_store: Store, db: Path, tmp_path: Path
) -> None:
    config = config_file(tmp_path, '[keys]\ntoggle_read = "z"\nremove = "X,delete"\n')
    app = make_app(db, Recorder(), config=config)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("r")  # not the read key any more
        await app.settle()
        assert not read_on_disk(db, HFT)
        await pilot.press("z")
        await app.settle()
        assert read_on_disk(db, HFT)
        await pilot.press("z")
        await app.settle()
        assert not read_on_disk(db, HFT)

        footer = {key.description: key.key_display for key in app.screen.query(FooterKey)}
        assert footer["Read"] == "z"

        await pilot.press("question_mark")
        await app.settle()
        assert isinstance(app.screen, HelpScreen)
        rows = str(app.screen.query_one("#help-keys", Static).render()).splitlines()
        assert any(row.split() == ["z", "toggle", "read"] for row in rows), rows
        assert any(row.startswith("X / Delete ") and "remove the paper" in row for row in rows)
        assert not any(row.startswith("r ") for row in rows)
        await pilot.press("escape")
        await app.settle()

        palette = {title: help for title, help, _action in keys.commands(app.config.keys)}
        assert palette["Toggle read"] == "Mark the highlighted paper read / unread (z)"
        assert palette["Remove paper"].endswith("(X / Delete)")


async def test_the_config_sets_the_first_sort_citation_format_and_theme(
    sample_store: Store, db: Path, tmp_path: Path
) -> None:
    config = config_file(tmp_path, 'sort = "title"\ncitation_format = "bibtex"\ntheme = "nord"\n')
    recorder = Recorder()
    app = make_app(db, recorder, config=config)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "nord"
        status = str(app.query_one("#status", Static).render())
        assert "sorted by title A-Z" in status
        titles = [app.library.papers[i].title.casefold() for i in app.papers.selection.rows]
        assert titles == sorted(titles)
        await go_to(pilot, app, "hft")
        await pilot.press("c")
        await app.settle()
        assert recorder.copied[-1].startswith("@")  # a BibTeX entry
        assert "HFT: Half Fine-Tuning" in recorder.copied[-1]


# -- remembered state -------------------------------------------------------------------


async def test_filter_sort_format_and_paper_come_back_after_a_restart(
    sample_store: Store, db: Path, tmp_path: Path
) -> None:
    state = StateFile.for_library(tmp_path / "state" / "state.json", db)
    recorder = Recorder()
    first = make_app(db, recorder, state=state)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"language", "enter")
        await first.settle()
        await pilot.press("s", "s", "s")  # date -> upvotes -> rating -> title
        await first.settle()
        assert first.sort == "title"
        await pilot.press("j", "j")
        await first.settle()
        remembered = current_id(first)
        assert remembered is not None and first.shown < 101
        await pilot.press("C")
        await first.settle()
        await pilot.press("down", "enter")  # bibtex in the picker
        await first.settle()
        assert first.citation_format == "bibtex"
        shown = first.shown
        await pilot.press("q")
        await first.settle()
    assert on_disk(db) == {}  # nothing of this is in the library

    second = make_app(db, Recorder(), state=state)
    async with second.run_test(size=SIZE):
        assert second.filter_bar.input.value == "language"
        assert second.shown == shown
        assert second.sort == "title"
        assert second.citation_format == "bibtex"
        assert current_id(second) == remembered
        assert second.focused is second.papers


async def test_state_is_saved_while_the_app_runs_not_only_at_exit(
    sample_store: Store, db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    state = StateFile.for_library(path, db)
    app = make_app(db, Recorder(), state=state)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "hft")
        for _ in range(40):  # the periodic save (STATE_EVERY), off the UI thread
            await pilot.pause(0.1)
            if path.exists() and state.load()[0].get("paper") == HFT:
                break
        values, problem = state.load()
        assert problem is None
        assert (values["filter"], values["paper"]) == ("hft", HFT)


async def test_a_paper_no_longer_shown_is_not_restored(
    sample_store: Store, db: Path, tmp_path: Path
) -> None:
    state = StateFile.for_library(tmp_path / "state.json", db)
    state.save({"filter": "", "paper": "0123456789abcdef", "sort": "date"})
    app = make_app(db, Recorder(), state=state)
    async with app.run_test(size=SIZE):
        # The first paper, as without any state.
        assert current_id(app) == app.library.papers[app.papers.selection.rows[0]].id


async def test_a_config_changed_since_wins_over_the_remembered_setting(
    sample_store: Store, db: Path, tmp_path: Path
) -> None:
    state = StateFile.for_library(tmp_path / "state.json", db)
    # Remembered under a config saying "date"; the config now says "rating".
    state.save({"sort": "title", "config.sort": "date", "citation_format": "markdown"})
    config = config_file(tmp_path, 'sort = "rating"\n')
    app = make_app(db, Recorder(), config=config, state=state)
    async with app.run_test(size=SIZE):
        assert app.sort == "rating"
        assert app.citation_format == "markdown"  # the config did not change this one


async def test_a_damaged_state_file_is_ignored_with_a_notification(
    sample_store: Store, db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b'{"version": 1, "libraries": {"x": [}')
    before = on_disk(db)
    app = make_app(db, Recorder(), state=StateFile.for_library(path, db))
    notes = record_notes(app)
    async with app.run_test(size=SIZE) as pilot:
        assert app.shown == 101 and app.filter_bar.input.value == ""
        assert any(
            severity == "warning" and "state.json: is damaged" in message
            for severity, message in notes
        ), notes
        await go_to(pilot, app, "hft")
        await pilot.press("q")
        await app.settle()
    assert on_disk(db) == before
    saved = json.loads(path.read_bytes())  # replaced by a good one at the next save
    assert saved["libraries"][str(db.resolve())]["values"]["filter"] == "hft"


async def test_without_a_state_file_nothing_is_remembered(
    sample_store: Store, db: Path, private_config_and_state: Path
) -> None:
    app = make_app(db, Recorder())  # as the demo runs
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "hft")
        await pilot.press("q")
        await app.settle()
    assert not any(private_config_and_state.rglob("*"))  # the user state folder


# -- the installed command, in a real terminal ---------------------------------------------


def test_readlist_applies_the_config_and_remembers_the_filter_in_a_terminal(
    cli: RunCli, db: Path, tmp_path: Path, private_config_and_state: Path
) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from tests.test_e2e_tmux import Terminal

    assert cli("import", str(DAILY), str(SEARCH)).returncode == 0
    config = tmp_path / "config.toml"
    config.write_text('[keys]\ntoggle_read = "z"\n', encoding="utf-8")
    argv = [*readlist_command(), "--db", str(db), "--config", str(config)]
    # Generous deadlines: the machine these run on may be busy (nothing waits longer
    # than it must: every wait polls).
    for run in ("first", "second"):
        (tmp_path / run).mkdir()
        terminal = Terminal(tmp_path / run)
        try:
            terminal.start(argv)
            if run == "first":
                terminal.wait_for_status("101 / 101 papers", timeout=40)
                terminal.type("/hft")
                terminal.send_keys("Enter")
                terminal.wait_for_status("1 / 101 papers", timeout=40)
                terminal.type("z")
                terminal.wait_until(lambda _: read_on_disk(db, HFT), "HFT read on disk", timeout=40)
            else:  # the filter came back, and with it the one paper
                terminal.wait_for_status("1 / 101 papers", timeout=40)
                assert "hft" in terminal.capture().splitlines()[0]
            terminal.type("q")
            assert terminal.wait_for_exit(timeout=40) == 0
        finally:
            terminal.kill()
    state = private_config_and_state / "state" / "readlist" / "state.json"
    [entry] = json.loads(state.read_bytes())["libraries"].values()
    assert (entry["values"]["filter"], entry["values"]["paper"]) == ("hft", HFT)
