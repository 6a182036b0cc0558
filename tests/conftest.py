"""Shared fixtures: sample listings, a fixed 'today', fresh libraries, the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import pytest

from readlist.importers import read_listing
from readlist.store import Store

SAMPLES = Path(__file__).resolve().parent.parent / "readlist" / "samples"
DAILY = SAMPLES / "daily-papers-with-metadata.txt"
SEARCH = SAMPLES / "papers-search-titles-abstracts.txt"
TODAY = date(2026, 11, 22)


@pytest.fixture(autouse=True)
def private_config_and_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test reads the developer's config, remembered state or caches, nor writes them.

    The user config, state and cache folders (platformdirs follows XDG_* on Linux) point into a
    fresh folder of each test's own, which subprocesses inherit; READLIST_CONFIG is unset.
    """
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))  # the ranking features
    monkeypatch.delenv("READLIST_CONFIG", raising=False)
    return home


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Path of a library that does not exist yet."""
    return tmp_path / "lib" / "library.json"


@pytest.fixture
def store(db: Path) -> Store:
    return Store.open(db)


@pytest.fixture
def sample_store(store: Store) -> Store:
    """A library holding both bundled samples (101 papers)."""
    store.import_listings(
        [read_listing(DAILY, today=TODAY).papers, read_listing(SEARCH, today=TODAY).papers]
    )
    return store


def readlist_command() -> list[str]:
    """The installed console script (what users run), next to this Python."""
    script = Path(sys.executable).with_name("readlist")
    if script.exists():
        return [str(script)]
    found = shutil.which("readlist")
    if found is None:
        pytest.fail("the `readlist` command is not installed; run: pip install '.[test]'")
    return [found]


RunCli = Callable[..., subprocess.CompletedProcess[str]]


def _without_db(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without READLIST_DB: tests name their library with --db."""
    return {k: v for k, v in environ.items() if k != "READLIST_DB"}


@pytest.fixture
def cli(db: Path) -> RunCli:
    """Run `readlist --db <db> ARGS...` in a subprocess; returns the completed process."""

    def run(
        *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**_without_db(os.environ), **(env or {})}
        return subprocess.run(
            [*readlist_command(), "--db", str(db), *args],
            capture_output=True,
            text=True,
            input=input,
            env=full_env,
            timeout=120,
        )

    return run


def library_bytes(db: Path) -> dict[str, bytes]:
    """The library's data files (and any stray temporary file), for byte-for-byte checks.

    `.bak` copies are excluded: opening a library refreshes them by design.
    """
    return {
        p.name: p.read_bytes()
        for p in sorted(db.parent.iterdir())
        if p.is_file() and not p.name.endswith((".lock", ".bak"))
    }
