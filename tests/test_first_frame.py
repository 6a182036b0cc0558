"""What `readlist` (no command: the TUI) does before its first frame, and no more.

Issue 13's first frame: every module imported before it is start-up time (~0.4 s of the
~0.6 s at 100,000 papers). Rich's Markdown (with markdown-it and Pygments), Textual's
TextArea, the dialogs and editors (and the note merge), the importers and the export
formats are needed only by what the first screen does not show (a note, an editor, a
dialog, a command's parser), so they are imported when first used (tui/app.py,
tui/widgets/detail.py, tui/actions/, tui/bulk.py, cli.py's `_TopParser`). The first test runs the real path
(`cli._parser_for`, `run_tui`) in a fresh interpreter up to the first frame and names what
must not be loaded by then. The others check that what is now imported late still
works: a note's Markdown, "/" and arrows typed into the note editor, and the parser's
messages for no command, which the whole parser still gives.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readlist import cli
from readlist.config import ConfigError, load_config
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.run import check_config
from readlist.tui.widgets.detail import DetailPane

# Imported by the first frame before, and by none of what it shows.
DEFERRED = (
    "rich.markdown",
    "markdown_it",
    "pygments",
    "rich.syntax",
    "textual.widgets._text_area",
    "textual.document",
    "readlist.tui.screens.help",
    "readlist.tui.screens.note",
    "readlist.tui.screens.tags",
    "readlist.tui.screens.confirm",
    "readlist.tui.screens.export",
    "readlist.tui.screens.filters",
    "readlist.tui.screens.cite",
    "readlist.tui.screens.links",
    "readlist.tui.editing",
    "readlist.importers",
    "readlist.export",
    "readlist.ranking",
    # The library's lock (filelock, with its logging, platform and secrets) is made at
    # its first use: a start whose files are as they were takes no lock before the
    # first frame. The browser (webbrowser, shlex) is asked only when a link is opened.
    "filelock",
    "webbrowser",
)

# The TUI's own path, as `readlist --db DB` takes it (cli.main with no command ->
# run_tui), with App.run replaced by a headless run to the first frame with rows.
PROBE = textwrap.dedent(
    """
    import asyncio, gc, sys
    from pathlib import Path
    from textual.app import App
    from readlist import cli
    from readlist.config import load_config
    from readlist.tui.run import run_tui

    def run(app, **kwargs):
        collecting = gc.isenabled()
        async def first_frame():
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                rows = len(app.query_one("#papers").selection.rows)
                print(rows, collecting, " ".join(sorted(sys.modules)))
                app.exit()
        asyncio.run(first_frame())

    App.run = run
    words = ["--db", sys.argv[1]]
    args = cli._parser_for(words).parse_args(words)  # as cli.main parses them
    assert args.command is None
    run_tui(demo=False, db=Path(args.db), config=load_config(None, no_config=True))
    """
)


def test_the_first_frame_imports_none_of_what_it_does_not_show(
    sample_store: Store, db: Path
) -> None:
    # As an everyday start finds the library: read before (by the last start), so its
    # `.bak` copies are current (the first read after a write refreshes them, under
    # the lock, which then imports filelock before the first frame).
    Store.open(db).abstracts()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(db)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows, collecting, modules = done.stdout.split(" ", 2)
    assert int(rows) == 101  # the first frame shows the library
    loaded = set(modules.split())
    early = sorted(m for m in loaded if any(m == d or m.startswith(d + ".") for d in DEFERRED))
    assert early == [], "imported before the first frame"
    # Nothing the start builds is garbage: no automatic collection before the first frame.
    assert collecting == "False"


def detail_text(app: ReadListApp) -> str:
    return " ".join(app.query_one("#detail", DetailPane).text.split())


async def test_a_note_typed_with_a_slash_and_arrows_is_kept_and_shown_as_markdown(
    sample_store: Store, db: Path
) -> None:
    """The note editor and the note's Markdown, both imported at first use: "/" and the
    arrows are the editor's (not the filter's nor the list's), and the pane shows the
    note rendered (no asterisks)."""
    app = ReadListApp(sample_store, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        paper = app.current_paper()
        assert paper is not None
        await pilot.press("n", *"**half**", "up", *"reset ", "down", *" a/b")
        await pilot.press("ctrl+s")
        await app.settle()
        assert app.current_paper() == paper  # the arrows moved the text cursor, not the list
        assert app.focused is app.papers  # "/" did not go to the filter
        assert Store.open(db).annotations()[paper.id].note == "reset **half** a/b"
        shown = detail_text(app)
        assert "reset half a/b" in shown and "**" not in shown


# Words `readlist` may be given with no command: the top-level options, their values,
# junk, and a few words that are a command or look like one.
WORDS = st.lists(
    st.sampled_from(
        ["--demo", "--db", "--config", "--no-config", "x.json", "-", "--", "-V", "--bogus",
         "-x", "--d", "--no", "--db=y", "-is:read", "--no-config=1", "-1", "-.5", "-1e3",
         "-a b", "-h", "list", "rate"]
    ),
    max_size=5,
)  # fmt: skip


def outcome(parse: Callable[[list[str]], argparse.Namespace], words: list[str]) -> object:
    """What parsing `words` gives: the namespace or the exit status, stderr, stdout."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            result: object = vars(parse(words))
        except SystemExit as leaving:
            result = ("exit", leaving.code)
    return result, err.getvalue(), out.getvalue()


@settings(max_examples=300, deadline=None)
@given(WORDS)
def test_what_main_parses_is_what_the_whole_parser_parses(words: list[str]) -> None:
    """`readlist` with no command builds the top-level options alone; anything argparse
    must report is reported by the whole parser, word for word (it lists the commands)."""
    disguised = cli._disguise(words)
    assert outcome(cli._parse, disguised) == outcome(cli.build_parser().parse_args, disguised)


def test_no_command_builds_no_subcommand() -> None:
    parser = cli._parser_for(["--db", "x.json", "--demo"])
    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert [dict(a.choices) for a in subcommands] == [{}]


async def test_a_theme_is_checked_against_the_themes_the_app_offers(
    tmp_path: Path, sample_store: Store
) -> None:
    """run.py checks the config's theme without building an App: the names it accepts
    are those the app itself offers, and a theme given is the one shown."""
    path = tmp_path / "config.toml"
    app = ReadListApp(sample_store, watch_interval=3600)
    offered = sorted(app.available_themes)
    path.write_text('theme = "solarised"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"(choose from {', '.join(offered)})")):
        check_config(load_config(str(path)))
    path.write_text(f'theme = "{offered[-1]}"\n', encoding="utf-8")
    config = load_config(str(path))
    check_config(config)
    app = ReadListApp(sample_store, config=config, watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == offered[-1]
