"""A fold's staged file (found by review): the TUI prepares it without the library's lock,
so another process's open must not take it for a killed write's temporary file; once
its process is gone it is a leftover, removed like one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from readlist.store import Store, wordfold
from readlist.store.wordfile import FOLD_MARK, _header, word_index_path

from .test_copied_library import indexed, kept  # noqa: F401


def staged_fold(db: Path) -> Path:
    path = word_index_path(Store(db).paths)
    header = _header(path)
    assert header is not None
    stamp = [header["papers"], header["abstracts"]]
    staged = wordfold.prepare(path, stamp, stamp, [], [])
    assert staged is not None and staged.exists()
    return staged


def test_a_staged_fold_survives_another_process_opening_the_library(indexed: Path) -> None:  # noqa: F811
    staged = staged_fold(indexed)
    Store.open(indexed)  # as `readlist rate ...` in another terminal does, mid-fold
    assert staged.exists()
    assert staged not in Store(indexed).temp_files()  # nor reported by doctor


def test_a_staged_fold_of_a_process_that_is_gone_is_removed(indexed: Path) -> None:  # noqa: F811
    staged = staged_fold(indexed)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    prefix = f".{word_index_path(Store(indexed).paths).name}{FOLD_MARK}"
    leftover = staged.with_name(f"{prefix}{gone.stdout.strip()}-0000")
    staged.rename(leftover)
    assert leftover in Store(indexed).temp_files()
    Store.open(indexed)
    assert not leftover.exists()
