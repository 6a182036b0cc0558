"""End-to-end, in tmux: keys sent in one burst, and two TUIs editing one note at once.

As in test_e2e_tmux.py, the installed `readlist` runs in a private tmux server and
what is checked is what the library on disk holds. A burst is one `tmux send-keys`
call: tmux writes the keys to the program's terminal together, as a paste or a slow
SSH link delivers them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from readlist.models import Annotation
from readlist.store import Store
from readlist.tui.editing import CONFLICT_MARKER

from .test_e2e_tmux import (
    ALL_PAPERS,
    HFT,
    Terminal,
    filter_to_hft,
    footer,
    open_tui,
    poll,
)
from .test_e2e_tmux import library as library  # the fixture
from .test_e2e_tmux import terminal as terminal  # the fixture


@pytest.fixture
def second_terminal(tmp_path: Path) -> Iterator[Terminal]:
    workdir = tmp_path / "second"
    workdir.mkdir()
    term = Terminal(workdir)
    try:
        yield term
    finally:
        term.kill()


def on_disk(db: Path) -> dict[str, Annotation]:
    return Store.open(db).annotations()


def quit_tui(terminal: Terminal) -> None:
    terminal.wait_until(lambda s: "q Quit" in footer(s), "the list's keys in the footer")
    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0


@pytest.mark.usefixtures("library")
def test_keys_sent_in_one_burst_after_enter_reach_the_list(terminal: Terminal, db: Path) -> None:
    open_tui(terminal, db)
    terminal.wait_for_status(ALL_PAPERS)
    filter_to_hft(terminal)
    # The reported burst, in one send-keys: tag, Enter, note, ctrl+s, move, rate.
    terminal.send_keys(*"tfoo1", "Enter", *"nhello", "C-s", "k", "4")
    poll(lambda: on_disk(db).get(HFT, Annotation()).note == "hello", "the note on disk", 15)
    quit_tui(terminal)
    hft = on_disk(db)[HFT]
    assert (hft.tags, hft.note, hft.rating) == (("foo1",), "hello", 4)  # "k": HFT is alone


@pytest.mark.usefixtures("library")
def test_a_rating_sent_right_after_enter_rates_the_paper(terminal: Terminal, db: Path) -> None:
    open_tui(terminal, db)
    terminal.wait_for_status(ALL_PAPERS)
    filter_to_hft(terminal)
    terminal.send_keys(*"tfoo1", "Enter", "4")  # "foo1\r4"
    poll(lambda: on_disk(db).get(HFT, Annotation()).rating == 4, "the rating on disk", 15)
    quit_tui(terminal)
    assert on_disk(db)[HFT].tags == ("foo1",)


@pytest.mark.usefixtures("library")
def test_two_tuis_typing_one_note_alternately_keep_both_texts_once(
    terminal: Terminal, second_terminal: Terminal, db: Path
) -> None:
    tuis = (terminal, second_terminal)
    for i, tui in enumerate(tuis):
        # Each remembers its own state (as two terminals of two people would): the
        # second must not start on the filter the first one remembered.
        open_tui(tui, db, env={"XDG_STATE_HOME": str(db.parent / f"state-{i}")})
        tui.wait_for_status(ALL_PAPERS)
        filter_to_hft(tui)
        tui.send_keys("n")
        tui.wait_for("ctrl+s saves and closes")

    def note() -> str:
        return on_disk(db).get(HFT, Annotation()).note

    def saved(letter: str, count: int) -> Callable[[], bool]:
        return lambda: note().count(letter) == count

    # 24 keystrokes, alternating, each saved (a draft) before the other TUI types.
    for i in range(24):
        tui, letter = tuis[i % 2], "ab"[i % 2]
        tui.type(letter)
        poll(saved(letter, i // 2 + 1), f"keystroke {i + 1} on disk", 15)
    for tui in tuis:
        tui.send_keys("C-s")
        tui.wait_for_gone("ctrl+s saves and closes")
        quit_tui(tui)

    final = note()
    assert final.count("a") == 12 and final.count("b") == 12
    assert len(final) == 24  # both texts, once: no doubling, no conflict marker
    assert CONFLICT_MARKER not in final
