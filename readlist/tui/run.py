"""Starting the TUI from the command line: the user's library, or a throwaway demo one.

The config is checked here, before the library is read and the terminal taken: binding
ids and theme names are known only with Textual loaded, and a bad one must be the same
one-line error (exit 2) as any other config problem. The demo remembers nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from datetime import date
from importlib import resources
from pathlib import Path

from readlist.config import Config, ConfigError
from readlist.gcutil import gc_paused
from readlist.paths import default_state
from readlist.session import LibrarySession
from readlist.state import StateFile
from readlist.store import Store


def demo_store(folder: Path) -> Store:
    """A new library in `folder` holding the sample listings bundled with readlist."""
    from readlist.importers import read_listing

    store = Store.open(folder / "library.json")
    samples = resources.files("readlist") / "samples"
    listings = []
    for sample in sorted(samples.iterdir(), key=lambda s: s.name):
        if sample.name.endswith(".txt"):
            with resources.as_file(sample) as path:
                listings.append(read_listing(path, today=date.today()).papers)
    store.import_listings(listings)
    return store


DEMO_PREFIX = "readlist-demo-"


def _remove_stale_demos() -> None:
    """Demo libraries of readlist processes that died without cleaning up (kill -9)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{DEMO_PREFIX}*-*"):
        pid = folder.name.removeprefix(DEMO_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_config(config: Config) -> None:
    """Refuse keys and a theme the TUI does not know. Raises `ConfigError`."""
    from textual.theme import BUILTIN_THEMES

    from readlist.tui.app import triage_keys
    from readlist.tui.keys import check_keymap

    check_keymap(config)
    triage_keys(config)
    if config.theme is not None:
        # What `App().available_themes` lists (readlist registers no theme of its own),
        # without building an App: ~10 ms of the start of a config that sets a theme.
        themes = BUILTIN_THEMES
        if config.theme not in themes:
            raise ConfigError(
                f"{config.line_of('theme')}: unknown theme {config.theme!r} "
                f"(choose from {', '.join(sorted(themes))})"
            )


def run_tui(*, demo: bool, db: Path | None, config: Config | None = None) -> int:
    # Nothing the start builds is garbage: Textual's modules, then the library. With
    # automatic collection on, the imports alone ran ~110 collections (~30 ms) before
    # the first frame. The app collects at the user's pauses (gcutil.PauseCollector),
    # the first time once the first frame is drawn (`freeze_survivors`).
    with gc_paused():
        return _run_tui(demo=demo, db=db, config=config)


def _run_tui(*, demo: bool, db: Path | None, config: Config | None) -> int:
    from readlist.tui.app import ReadListApp

    config = config if config is not None else Config()
    check_config(config)
    folder = None
    if demo:
        _remove_stale_demos()
        folder = Path(tempfile.mkdtemp(prefix=f"{DEMO_PREFIX}{os.getpid()}-"))
    try:
        if folder is not None:
            session = LibrarySession(demo_store(folder))
        else:
            assert db is not None
            session = LibrarySession.open(db)  # the store, and the library loaded
        store = session.store
        state = None if demo else StateFile.for_library(default_state(), store.paths.annotations)
        app = ReadListApp(store, demo=demo, config=config, state=state, session=session)

        def hang_up(*_: object) -> None:
            # The terminal is gone, and with it any way to restore it or draw: leave at
            # once. Nothing is lost: every change (every keystroke of a note too) is on
            # disk already.
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            os._exit(0)

        def terminate(*_: object) -> None:
            # `kill` with the terminal still there: quit as `q` does (restoring the
            # terminal), or, if the app cannot within 3 s, leave as on a hang-up.
            if hasattr(signal, "SIGALRM"):
                signal.signal(signal.SIGALRM, hang_up)
                signal.alarm(3)
            app.call_later(app.action_quit)

        if hasattr(signal, "SIGHUP"):  # POSIX; Windows has neither SIGHUP nor SIGALRM
            signal.signal(signal.SIGHUP, hang_up)
        signal.signal(signal.SIGTERM, terminate)
        app.run()
        return app.return_code or 0
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
