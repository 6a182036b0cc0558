"""Starting the TUI from the command line: the user's library, or a throwaway demo one."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from importlib import resources
from pathlib import Path

from readlist.importers import read_listing
from readlist.store import Store


def demo_store(folder: Path) -> Store:
    """A new library in `folder` holding the sample listings bundled with readlist."""
    store = Store.open(folder / "library.json")
    samples = resources.files("readlist") / "samples"
    listings = []
    for sample in sorted(samples.iterdir(), key=lambda s: s.name):
        if sample.name.endswith(".txt"):
            with resources.as_file(sample) as path:
                listings.append(read_listing(path, today=date.today()).papers)
    store.import_listings(listings)
    return store


def run_tui(*, demo: bool, db: Path | None) -> int:
    from readlist.tui.app import ReadListApp

    folder = Path(tempfile.mkdtemp(prefix="readlist-demo-")) if demo else None
    try:
        if folder is not None:
            store = demo_store(folder)
        else:
            assert db is not None
            store = Store.open(db)
        app = ReadListApp(store, demo=demo)
        app.run()
        return app.return_code or 0
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
