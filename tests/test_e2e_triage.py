"""End-to-end: a triage pass (`T`) in the installed `readlist`, in tmux, with one undo.

The terminal helpers are test_e2e_tmux.py's. What the pass did is read back afterwards as
a user would (`readlist list`) and through the Python API.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from readlist.models import Annotation
from readlist.store import Store

from .conftest import RunCli
from .test_e2e_tmux import Terminal, footer, library, open_tui, terminal

__all__ = ["library", "terminal"]  # the fixtures, used by name

QUERY = "title:prompt"  # 10 of the 101 sample papers


def header(screen: str) -> str:
    """The triage header (the top line), without the hint after the position."""
    lines = screen.splitlines()
    return lines[0].strip().split("   ")[0] if lines else ""


def wait_for_header(terminal: Terminal, text: str) -> str:
    """Wait for the position `text` ("Triage · 3 / 10"), with or without what was decided
    on that paper after it ("· skipped")."""
    return terminal.wait_until(
        lambda s: header(s) == text or header(s).startswith(f"{text} · "), f"the header {text!r}"
    )


@pytest.mark.usefixtures("library")
def test_a_triage_pass_with_one_undo_is_in_the_library_afterwards(
    terminal: Terminal, cli: RunCli, db: Path
) -> None:
    listed = cli("list", QUERY)
    assert listed.returncode == 0, listed.stderr
    short = [line.split()[0] for line in listed.stdout.splitlines()]
    assert len(short) == 10
    papers = {p.short_id: p.id for p in Store.open(db).papers(with_abstracts=False)}
    walk = [papers[s] for s in short]  # the TUI's "newest first" is `list`'s order too

    open_tui(terminal, db, width=80, height=24)
    terminal.wait_until(lambda s: "q Quit" in footer(s), "the list")
    terminal.send_keys("/")
    terminal.wait_until(lambda s: "q Quit" not in footer(s), "the filter to take focus")
    terminal.type(QUERY)
    terminal.wait_for("10 / 101 papers")
    terminal.send_keys("Enter")
    terminal.wait_until(lambda s: "q Quit" in footer(s), "the list to take focus")
    terminal.send_keys("g", "T")

    screen = terminal.wait_until(
        lambda s: header(s) == "Triage · 1 / 10" and "Esc Leave" in footer(s),
        "the triage screen with its keys",  # (Textual draws the footer a little later)
    )
    keys = footer(screen)
    for shown in ("l Keep", "d Dismiss", "1-5 Rate", "s Skip", "b Back", "u Undo", "Esc Leave"):
        assert shown in keys
    assert all(cell_len(line) <= 80 for line in screen.splitlines())

    terminal.send_keys("l")  # keep for later
    wait_for_header(terminal, "Triage · 2 / 10")
    terminal.send_keys("d")  # dismiss
    wait_for_header(terminal, "Triage · 3 / 10")
    terminal.send_keys("4")  # rate 4 and advance
    wait_for_header(terminal, "Triage · 4 / 10")
    terminal.send_keys("s")  # skip
    wait_for_header(terminal, "Triage · 5 / 10")
    terminal.send_keys("u")  # undo the rating: back on its paper
    wait_for_header(terminal, "Triage · 3 / 10")
    terminal.wait_for("Undid “rated 4/5” on 1 paper")  # on the line above the footer
    terminal.send_keys("d")  # dismiss it instead
    wait_for_header(terminal, "Triage · 4 / 10")
    terminal.send_keys("Escape")
    terminal.wait_until(lambda s: "q Quit" in footer(s), "the list again")
    terminal.wait_for("10 / 101 papers · 8 unread")
    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0

    kept = cli("list", "#to-read")
    assert kept.returncode == 0, kept.stderr
    assert [line.split()[0] for line in kept.stdout.splitlines()] == [short[0]]
    read = cli("list", "is:read")
    assert [line.split()[0] for line in read.stdout.splitlines()] == short[1:3]
    annotations = Store.open(db).annotations()
    assert set(annotations) == set(walk[:3])
    assert annotations[walk[0]].tags == ("to-read",)
    assert not annotations[walk[0]].read
    assert annotations[walk[1]].read
    assert annotations[walk[2]].read
    assert annotations[walk[2]].rating == 0  # the undone rating is gone
    assert annotations.get(walk[3], Annotation()) == Annotation()  # skipped: untouched
