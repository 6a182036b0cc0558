"""End-to-end: the installed `readlist` command in a real terminal (tmux), read back.

Pilot tests drive the app in-process; these run the console script a user runs, in a
pseudo-terminal that tmux emulates, send it real key strokes (and mouse bytes), and read
the screen back with `capture-pane`. What a test checks afterwards is what the library
holds on disk, through the Python API.

Each test gets its own tmux server (`tmux -L <unique socket>`, no user config), so a
user's tmux is never touched. The pane stays around after the program ends
(`remain-on-exit`), so a failing test can show the last screen, e.g. a traceback; the exit
status is written to a file by the pane's shell (tmux's own `pane_dead_status` is
sometimes never filled in). Nothing waits a fixed time: every wait polls until a deadline.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from rich.cells import cell_len

from readlist.citations import cite
from readlist.models import paper_id
from readlist.store import Store

from .conftest import DAILY, SEARCH, RunCli, readlist_command

if shutil.which("tmux") is None:
    pytest.skip("tmux is not installed", allow_module_level=True)

HFT_TITLE = "HFT: Half Fine-Tuning for Large Language Models"
HFT = paper_id(HFT_TITLE)
ALL_PAPERS = "101 / 101 papers"
# Variables that must not reach the program: another library, another tmux, a display
# that would let pyperclip use a system clipboard instead of OSC 52 through the terminal,
# a size that Textual would take over the terminal's (pytest-xdist workers set COLUMNS),
# Textual settings (devtools, drivers...).
SCRUBBED_ENV = (
    "READLIST_DB",
    "TMUX",
    "TMUX_PANE",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "COLUMNS",
    "LINES",
)


def scrubbed_env() -> list[str]:
    return [*SCRUBBED_ENV, *(name for name in os.environ if name.startswith("TEXTUAL"))]


TMUX_CONFIG = """\
set -g status off
set -g remain-on-exit on
set -g set-clipboard on
set -g history-limit 0
set -g default-shell /bin/sh
"""
POLL = 0.05
T = TypeVar("T")


def poll(get: Callable[[], T], what: str, timeout: float = 5) -> T:
    """Call `get` until it returns something truthy; returns that, or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (value := get()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL)
    return value


class Terminal:
    """One program in a tmux pane of a private tmux server."""

    def __init__(self, workdir: Path) -> None:
        self.socket = f"readlist-e2e-{os.getpid()}-{uuid.uuid4().hex[:10]}"
        self.target = "e2e"
        self.config = workdir / "tmux.conf"
        self.config.write_text(TMUX_CONFIG)
        self.status_file = workdir / "exit-status"
        self.env = {k: v for k, v in os.environ.items() if k not in scrubbed_env()}
        self.started = False
        self.socket_path: Path | None = None

    # -- tmux ----------------------------------------------------------------------------

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=10,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"tmux {shlex.join(args)} failed: {result.stderr.strip()}")
        return result

    def start(
        self,
        argv: Sequence[str],
        *,
        width: int = 120,
        height: int = 40,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Run `argv` in a new `width` x `height` pane (the session is the pane)."""
        assert not self.started, "one program per Terminal"
        unset = [arg for name in scrubbed_env() for arg in ("-u", name)]
        assignments = [f"{k}={v}" for k, v in (env or {}).items()]
        command = shlex.join(["env", *unset, *assignments, *argv])
        # A program that exits at once can lose its last output (a traceback) when the
        # pty closes; the pause keeps it readable.
        status_file = shlex.quote(str(self.status_file))
        shell = f"{command}; echo $? > {status_file}.part; mv {status_file}.part {status_file}; sleep 0.3"
        self.tmux(
            "new-session", "-d", "-s", self.target, "-x", str(width), "-y", str(height), shell
        )
        self.started = True
        self.socket_path = Path(self.display("#{socket_path}"))

    def kill(self) -> None:
        """Stop this tmux server (and the program in it) and remove its socket."""
        if self.started:
            self.tmux("kill-server", check=False)
            self.started = False
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)

    def display(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", self.target, fmt).stdout.rstrip("\n")

    # -- input ---------------------------------------------------------------------------

    def send_keys(self, *keys: str) -> None:
        """Send tmux key names: "Enter", "Escape", "C-s", "j", "/"..."""
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Type `text` literally, character by character."""
        self.tmux("send-keys", "-t", self.target, "-l", text)

    def send_bytes(self, data: bytes) -> None:
        """Write raw bytes to the program's terminal input (e.g. mouse reports)."""
        self.tmux("send-keys", "-t", self.target, "-H", *(f"{b:02x}" for b in data))

    def click(self, x: int, y: int) -> None:
        """A left click at 0-based cell (x, y), as an SGR (1006) mouse report."""
        self.send_bytes(f"\x1b[<0;{x + 1};{y + 1}M".encode())
        self.send_bytes(f"\x1b[<0;{x + 1};{y + 1}m".encode())

    # -- output --------------------------------------------------------------------------

    def capture(self) -> str:
        """The visible screen as text, one line per row."""
        return self.tmux("capture-pane", "-p", "-t", self.target).stdout

    def is_running(self) -> bool:
        return not self.status_file.exists() and self.display("#{pane_dead}") == "0"

    def wait_until(self, check: Callable[[str], bool], what: str, timeout: float = 15) -> str:
        """Poll the screen until `check(screen)`; returns that screen, or fails showing it."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture()
            if check(screen):
                return screen
            if not self.is_running():
                raise AssertionError(f"readlist exited while waiting for {what}:\n{screen}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}:\n{screen}")
            time.sleep(POLL)

    def wait_for(self, text: str, timeout: float = 15) -> str:
        return self.wait_until(lambda screen: text in screen, repr(text), timeout)

    def wait_for_status(self, start: str, timeout: float = 15) -> str:
        """Wait for the status line to start with `start`, e.g. "1 / 101 papers"."""
        return self.wait_until(
            lambda screen: status(screen).startswith(start), f"status {start!r}…", timeout
        )

    def wait_for_detail(self, text: str, timeout: float = 15) -> str:
        """Wait for `text` in the detail pane (however its lines wrap)."""
        return self.wait_until(
            lambda screen: text in detail(screen), f"{text!r} in the detail pane", timeout
        )

    def wait_for_toast(self, text: str, timeout: float = 15) -> str:
        """Wait for a notification containing `text` (however its lines wrap)."""
        return self.wait_until(
            lambda screen: text in toasts(screen), f"a toast with {text!r}", timeout
        )

    def wait_for_gone(self, text: str, timeout: float = 15) -> str:
        return self.wait_until(lambda screen: text not in screen, f"{text!r} to go", timeout)

    def wait_for_exit(self, timeout: float = 15) -> int:
        """Wait for the program to end; returns its exit status."""
        deadline = time.monotonic() + timeout
        while not self.status_file.exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"readlist still running after {timeout} s:\n{self.capture()}")
            time.sleep(POLL)
        return int(self.status_file.read_text())

    def pane_title(self) -> str:
        return self.display("#{pane_title}")

    def buffers(self) -> list[str]:
        """The contents of tmux's paste buffers (where OSC 52 clipboard writes land)."""
        names = self.tmux("list-buffers", "-F", "#{buffer_name}", check=False).stdout.split()
        return [self.tmux("show-buffer", "-b", name).stdout for name in names]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.kill()


@pytest.fixture
def library(cli: RunCli) -> None:
    """The library at `db` holds both bundled samples (101 papers)."""
    result = cli("import", str(DAILY), str(SEARCH))
    assert result.returncode == 0, result.stderr


def open_tui(
    terminal: Terminal, db: Path, env: Mapping[str, str] | None = None, **size: int
) -> None:
    terminal.start([*readlist_command(), "--db", str(db)], env=env, **size)


# Marker, date (blank when unknown), upvotes, rating: the start of every list row.
LIST_ROW = re.compile(r"^ [● ] (\d{4}-\d\d-\d\d| {10})  [ ▲\d]{5}  [★☆·]{5}  ")
TOAST_EDGE = "▌"
DETAIL_EDGE = "▕"  # the list's right border, at 120 columns and more


STATUS_LINE = re.compile(r"^ ?[\d,]+ / [\d,]+ papers · ")


def status(screen: str) -> str:
    """The status line ("3 / 101 papers · 3 unread · sorted by ..."), or ""."""
    lines = [line.strip() for line in screen.splitlines() if STATUS_LINE.match(line)]
    return lines[-1] if lines else ""


def detail(screen: str) -> str:
    """The text of the detail pane beside the list, lines joined with spaces."""
    parts = [line.split(DETAIL_EDGE, 1)[1] for line in screen.splitlines() if DETAIL_EDGE in line]
    return " ".join(" ".join(parts).split())


def toasts(screen: str) -> str:
    """The text of the notifications on screen, lines joined with spaces.

    Textual draws each toast with a `▌` left edge, over the right of the screen.
    """
    parts = [
        line.split(TOAST_EDGE, 1)[1].strip() for line in screen.splitlines() if TOAST_EDGE in line
    ]
    return " ".join(parts)


def row_of(screen: str, text: str) -> str:
    """The one row of the paper list containing `text` (the detail pane may follow it)."""
    rows = [line for line in screen.splitlines() if LIST_ROW.match(line) and text in line]
    return rows[0] if len(rows) == 1 else ""


def detail_position(screen: str, text: str) -> tuple[int, int]:
    """The cell (x, y) where `text` starts in the detail pane (right of the list's border)."""
    for y, line in enumerate(screen.splitlines()):
        border = line.find(DETAIL_EDGE)
        if border >= 0 and (x := line.find(text, border)) >= 0:
            return cell_len(line[:x]), y
    raise AssertionError(f"{text!r} is not in the detail pane:\n{screen}")


def footer(screen: str) -> str:
    """The bottom line (Textual draws the footer a little after the rest)."""
    lines = screen.splitlines()
    return lines[-1] if lines else ""


def focus_filter(terminal: Terminal) -> None:
    """Press `/` and wait until the filter input has focus (as the footer shows).

    The footer tells: the list's keys ("r", "t", "q"...), which the focused input types
    instead, drop out of it. (`/` moves focus at once, so keys typed right after it go to
    the filter anyway: see `test_keys_typed_right_after_slash_go_to_the_filter`.)
    """
    terminal.wait_until(lambda s: "q Quit" in footer(s), "the list's keys in the footer")
    terminal.send_keys("/")
    terminal.wait_until(lambda s: "q Quit" not in footer(s), "the filter to take focus")


def back_to_list(terminal: Terminal) -> None:
    """Press Enter in the filter and wait until the list's keys are live again."""
    terminal.send_keys("Enter")
    terminal.wait_until(lambda s: "q Quit" in footer(s), "the list to take focus")


def filter_to_hft(terminal: Terminal) -> None:
    """Filter the list down to the HFT paper and return to the list."""
    focus_filter(terminal)
    # As words, `half fine-tuning` also matches two abstracts with "half of the ..."; the
    # phrase matches the HFT paper only.
    terminal.type('"half fine-tuning"')
    terminal.wait_for_status("1 / 101 papers")
    back_to_list(terminal)
    terminal.wait_for_detail("id c6534ea8")  # the detail pane shows the HFT paper


@pytest.mark.usefixtures("library")
def test_triage_a_paper_with_the_keyboard(terminal: Terminal, db: Path) -> None:
    open_tui(terminal, db)
    screen = terminal.wait_for_status(ALL_PAPERS)
    assert "/ filter" in screen
    assert "101 unread · sorted by newest first" in screen

    filter_to_hft(terminal)
    terminal.send_keys("4")
    terminal.wait_for("★★★★☆")
    terminal.send_keys("r")
    terminal.wait_for("read ✓")
    terminal.wait_for_status("1 / 101 papers · 0 unread")

    terminal.send_keys("t")
    terminal.wait_for("Tags · HFT")
    terminal.type("e2e triage")
    terminal.wait_for("e2e triage")
    terminal.send_keys("Enter")
    terminal.wait_for("#e2e #triage")
    terminal.wait_for_gone("Tags · HFT")

    terminal.send_keys("n")
    terminal.wait_for("ctrl+s saves and closes")
    terminal.type("Halves forgetting: freeze 50% of the params.")
    terminal.send_keys("Enter")  # a new line in the note, not "save"
    terminal.type("Try it on [our] model.")
    terminal.wait_for("Try it on [our] model.")
    terminal.send_keys("C-s")
    terminal.wait_for_toast("Note saved for “HFT: Half Fine-Tuning")
    terminal.wait_for_gone("ctrl+s saves and closes")
    # The note shows under the abstract (as Markdown: the line break is a space).
    terminal.wait_for_detail("Halves forgetting: freeze 50% of the params. Try it on [our] model.")
    terminal.wait_until(
        lambda s: (
            (row := row_of(s, "HFT: Half Fine-Tuning")).startswith("   2024-04-29")  # read
            and "★★★★☆" in row
            and "#e2e #triage" in row
        ),
        "the HFT row: read, rated 4, tagged",
    )

    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0

    annotations = Store.open(db).annotations()
    assert set(annotations) == {HFT}
    hft = annotations[HFT]
    assert hft.rating == 4
    assert hft.read is True
    assert hft.tags == ("e2e", "triage")
    assert hft.note == "Halves forgetting: freeze 50% of the params.\nTry it on [our] model."


def test_demo_at_80x24_help_and_quit_leave_nothing_behind(
    terminal: Terminal, tmp_path: Path
) -> None:
    # A private temporary directory: other processes' demo folders cannot blur the count.
    tmp = tmp_path / "tmp"
    tmp.mkdir()

    def demo_dirs() -> list[Path]:
        return sorted(tmp.glob("readlist-demo-*"))

    assert demo_dirs() == []
    terminal.start([*readlist_command(), "--demo"], width=80, height=24, env={"TMPDIR": str(tmp)})
    screen = terminal.wait_until(
        lambda s: (
            status(s).startswith(ALL_PAPERS)
            and "demo: discarded" in status(s)  # cut short at 80 columns
            and "? Help" in footer(s)
            and "q Quit" in footer(s)
            and sum(bool(LIST_ROW.match(line)) for line in s.splitlines()) >= 5
        ),
        "the demo library with its footer",
    )
    assert len(demo_dirs()) == 1  # the throwaway library lives where we look
    lines = screen.splitlines()
    assert len(lines) == 24
    assert all(cell_len(line) <= 80 for line in lines)

    terminal.send_keys("?")
    terminal.wait_for("readlist help · Esc closes")
    terminal.send_keys("Escape")
    screen = terminal.wait_for_gone("readlist help · Esc closes")
    assert status(screen).startswith(ALL_PAPERS)

    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0
    assert demo_dirs() == []


HOSTILE_LISTING = (
    "[bold]x[/] and [@click=app.quit]boom[/] in a title\n"
    "\n"
    "An abstract with an unbalanced [/] tag, a clipboard write\x1b]52;c;ZXZpbA==\x07 and "
    "[@click=app.quit]click me[/].\n"
    "\n"
    "  • 3 authors\n"
    "·\n"
    "Apr 19, 2023 12\n"
    "\n"
    "Escapes\x1b]0;PWNED-TITLE\x07 and\x1b[2J in a title [/]\n"
    "\n"
    "This abstract sets the window title\x1b]0;PWNED-TITLE\x07 and clears\x1b[2J the screen.\n"
    "\n"
    "  • 2 authors\n"
    "·\n"
    "Apr 20, 2023 3\n"
)


def test_hostile_text_is_shown_as_text_and_never_drives_the_terminal(
    terminal: Terminal, cli: RunCli, db: Path, tmp_path: Path
) -> None:
    listing = tmp_path / "hostile.txt"
    listing.write_text(HOSTILE_LISTING, encoding="utf-8")
    result = cli("import", str(listing))
    assert result.returncode == 0, result.stderr
    assert "2 added" in result.stdout

    open_tui(terminal, db)
    terminal.wait_for_status("2 / 2 papers")
    terminal.wait_for("Escapes and in a title [/]")  # newest first: highlighted
    screen = terminal.wait_for_detail("This abstract sets the window title and clears the screen.")

    # Highlight the markup paper by clicking its row, then click the would-be link.
    markup_row = next(
        y for y, line in enumerate(screen.splitlines()) if "[bold]x[/] and [@click" in line
    )
    terminal.click(20, markup_row)
    markup_id = paper_id("[bold]x[/] and [@click=app.quit]boom[/] in a title")[:8]
    # Markup in paper text shows as typed.
    literal = (
        "[bold]x[/] and [@click=app.quit]boom[/] in a title",
        f"id {markup_id}",
        "An abstract with an unbalanced [/] tag, a clipboard write and "
        "[@click=app.quit]click me[/].",
    )
    screen = terminal.wait_until(
        lambda s: all(text in detail(s) for text in literal), "the markup paper, literally"
    )
    # Click "boom" in the detail pane's title and "click me" in its abstract: were they
    # markup, these clicks would run app.quit.
    for text in ("[@click=app.quit]boom", "[@click=app.quit]click"):
        x, y = detail_position(screen, text)
        terminal.click(x + len("[@click=app.quit]") + 1, y)
    assert terminal.is_running()
    # Still there, and still taking keys (a quit in progress would fail these waits).
    terminal.send_keys("k")
    terminal.wait_for_detail("2 authors · published 2023-04-20")
    terminal.send_keys("j")
    terminal.wait_for_detail(f"3 authors · published 2023-04-19 · 12 comments · id {markup_id}")

    screen = terminal.capture()
    for leaked in ("PWNED", "ZXZpbA", "[2J", "]0;", "]52;"):
        assert leaked not in screen
    assert "PWNED" not in terminal.pane_title()  # tmux takes OSC 0 as the pane title
    assert not any("evil" in text or "ZXZpbA" in text for text in terminal.buffers())

    # Still responsive: filtering works.
    focus_filter(terminal)
    terminal.type("escapes")
    terminal.wait_for_status("1 / 2 papers")
    terminal.wait_until(
        lambda s: row_of(s, "Escapes and in a title [/]") != "", "the one matching row"
    )
    terminal.send_keys("Escape")
    terminal.wait_for_status("2 / 2 papers")
    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0
    assert Store.open(db).annotations() == {}


@pytest.mark.usefixtures("library")
def test_malformed_query_shows_inline_error_and_the_app_keeps_working(
    terminal: Terminal, db: Path
) -> None:
    open_tui(terminal, db)
    terminal.wait_for_status(ALL_PAPERS)
    focus_filter(terminal)
    terminal.type("rating:>=9")
    # The list says it lists nothing, and the message is drawn right under that line.
    terminal.wait_until(
        lambda s: (
            "Nothing listed: the filter is not a valid query:" in s.splitlines()[1]
            and "ratings go from 0 to 5, not 9" in s.splitlines()[2]
        ),
        "the error under the filter",
    )

    # Fixing the query clears the error and filters (nothing is rated yet). The error
    # follows each keystroke. (Wait after BSpace: Textual 8.2 applies a printable key
    # that arrives in the same read as BSpace before it, whatever the app.)
    terminal.send_keys("BSpace")
    terminal.wait_for("rating:>= is not a number comparison; try rating:>=4")
    terminal.type("4")
    terminal.wait_for_status("0 / 101 papers")
    terminal.wait_for_gone("ratings go from")

    terminal.send_keys("Escape")
    terminal.wait_for_status(ALL_PAPERS)
    # The input is empty again: its placeholder shows.
    terminal.wait_until(lambda s: s.startswith(' / filter words, "a phrase"'), "a cleared filter")

    # Back on the list: keys act on papers again.
    terminal.send_keys("G", "3")
    terminal.wait_for("★★★☆☆")
    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0
    assert [a.rating for a in Store.open(db).annotations().values()] == [3]


@pytest.mark.usefixtures("library")
def test_changes_by_another_process_show_up_and_are_kept(
    terminal: Terminal, cli: RunCli, db: Path
) -> None:
    open_tui(terminal, db)
    terminal.wait_for_status(ALL_PAPERS)
    filter_to_hft(terminal)
    assert "#from-cli" not in terminal.capture()

    result = cli("tag", "hft", "from-cli")
    assert result.returncode == 0, result.stderr
    # The TUI polls the disk every 2 s.
    terminal.wait_until(
        lambda s: "#from-cli" in row_of(s, "HFT: Half Fine-Tuning"), "#from-cli in the row", 8
    )
    terminal.wait_for_detail("#from-cli")
    terminal.wait_for_toast("1 paper changed by another readlist process.")

    terminal.send_keys("5")
    terminal.wait_for("★★★★★")
    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0

    hft = Store.open(db).annotations()[HFT]
    assert hft.tags == ("from-cli",)
    assert hft.rating == 5


@pytest.mark.usefixtures("library")
def test_cite_copies_through_the_terminal_clipboard(terminal: Terminal, db: Path) -> None:
    open_tui(terminal, db)
    terminal.wait_for_status(ALL_PAPERS)
    filter_to_hft(terminal)
    assert terminal.buffers() == []
    terminal.send_keys("c")
    terminal.wait_for_toast("Copied Plain reference of “HFT: Half")
    terminal.wait_for_toast("to the terminal clipboard (OSC 52).")
    hft = next(p for p in Store.open(db).papers() if p.id == HFT)
    # tmux (set-clipboard on) turns the program's OSC 52 write into a paste buffer.
    assert poll(terminal.buffers, "a tmux paste buffer") == [cite(hft, "plain")]
    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0


@pytest.mark.usefixtures("library")
def test_keys_typed_right_after_slash_go_to_the_filter(terminal: Terminal, db: Path) -> None:
    open_tui(terminal, db)
    terminal.wait_for_status(ALL_PAPERS)
    # `/` and the query arrive together, as when typing ahead of a busy app (e.g. just
    # after start-up), over a slow link, or when pasting. "rlhf" matches one abstract.
    terminal.type("/rlhf")
    screen = terminal.wait_for_status("1 / 101 papers", timeout=5)
    assert "0 unread" not in screen
    back_to_list(terminal)
    terminal.send_keys("q")
    assert terminal.wait_for_exit() == 0
    assert Store.open(db).annotations() == {}  # nothing was marked read


@pytest.mark.usefixtures("library")
def test_the_query_is_visible_while_typing_it(terminal: Terminal, db: Path) -> None:
    open_tui(terminal, db)
    terminal.wait_for_status(ALL_PAPERS)
    focus_filter(terminal)
    terminal.type("half")
    screen = terminal.wait_for_status("3 / 101 papers")
    filter_line = screen.splitlines()[0]
    assert "half" in filter_line, filter_line


def test_demo_library_is_removed_when_the_terminal_closes(
    terminal: Terminal, tmp_path: Path
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    stale = tmp / "readlist-demo-999999999-left"  # a demo killed with -9 long ago
    stale.mkdir()
    terminal.start([*readlist_command(), "--demo"], env={"TMPDIR": str(tmp)})
    terminal.wait_until(lambda s: status(s).startswith(ALL_PAPERS), "the demo library")
    assert [p.name for p in tmp.iterdir()] != [stale.name]
    assert not stale.exists()  # stale demo folders of dead processes are cleared on start
    terminal.kill()  # closing the terminal sends SIGHUP
    deadline = time.monotonic() + 10
    while list(tmp.glob("readlist-demo-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp.glob("readlist-demo-*")) == []
