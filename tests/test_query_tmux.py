"""End to end in tmux: a malformed filter, then the fixed one, as a user types them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from readlist.library import Library
from readlist.query import parse
from readlist.store import Store

from .conftest import DAILY, SEARCH, RunCli, readlist_command

if shutil.which("tmux") is None:
    pytest.skip("tmux is not installed", allow_module_level=True)

from .test_e2e_tmux import LIST_ROW, Terminal, focus_filter, footer, status


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.kill()


def rows(screen: str) -> int:
    return sum(bool(LIST_ROW.match(line)) for line in screen.splitlines())


def test_a_malformed_then_fixed_filter(tmux: Terminal, cli: RunCli, db: Path) -> None:
    assert cli("import", str(DAILY), str(SEARCH)).returncode == 0
    store = Store.open(db)
    expected = len(Library(store.papers(), {}).select(parse("rate")))
    tmux.start([*readlist_command(), "--db", str(db)], width=80, height=30)
    focus_filter(tmux)
    tmux.type("rate")
    tmux.wait_for_status(f"{expected} / 101 papers")
    tmux.type(":5")
    screen = tmux.wait_until(
        lambda s: (
            "invalid filter" in status(s) and 'put it in quotes: "rate:5"' in " ".join(s.split())
        ),
        "the whole error, hint included",
    )
    assert status(screen).startswith("0 / 101 papers")
    assert rows(screen) == 0  # not the 'rate' results of a keystroke ago
    assert "not a valid query" in screen
    tmux.send_keys("Enter")  # does not pretend: the filter keeps focus
    screen = tmux.wait_for_toast("not a valid query yet")
    assert "q Quit" not in footer(screen)
    tmux.send_keys("BSpace", "BSpace")
    screen = tmux.wait_for_status(f"{expected} / 101 papers")
    assert rows(screen) > 0 and "bad query" not in screen
