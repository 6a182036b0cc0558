"""Where a full import's time goes, stage by stage, in both processes of the split parse.

Runs `readlist import LISTING` into a fresh library in a temporary directory (never the
user's), with the steps of the import wrapped to print, as each starts and ends, the wall
time since this script started and the CPU time of the process that ran it (the child of
the split parse prints its own lines, with its pid; its CPU counts from the fork):

    reading the file (`_read_bytes`), the split (`_read_in_two`): the parent's part
    (`first_units`, `parse_first`), the child's (`parse_tail`), the first message from
    the child (and how long the parent waited for it), the child's `os._exit`, the joining of
    the parts (`parse_rest`); the store: `Store.import_listings`, the papers of a first
    import (`_AllNew.of`: identity keys and documents), the identity index (`_index_of`,
    its build, in a thread while the catalogue is committed; then its write), the word
    index; the CLI's `os._exit` (or `import returned`).

Between `parse_first`'s end and the first message the parent builds its own papers;
between the first message and `parse_rest` it builds the child's from the columns sent.
Between `_AllNew.of`'s end and the identity index the store writes the papers, abstracts
and annotations files and the history. A step whose function does not exist (an older
commit) is not printed. On a busy machine the page is parsed in one process (no
`first_units`/`parse_tail` lines; `_read_in_two` returns at once):

    python benchmarks/profile_import.py benchmarks/out/listing-v2-n100000-s0.txt
    PYTHONPATH=/tmp/old python benchmarks/profile_import.py LISTING
"""

from __future__ import annotations

import atexit
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

_WALL, _CPU = time.perf_counter(), time.process_time()


def mark(name: str) -> None:
    wall = time.perf_counter() - _WALL
    cpu = time.process_time() - _CPU
    sys.stderr.write(f"[{os.getpid()}] {name:40s} wall {wall:6.3f} s  cpu {cpu:6.3f} s\n")


def wrap(owner: Any, name: str) -> None:
    """Print `name start` and `name end` around each call of `owner.name`, if it exists."""
    inner = getattr(owner, name, None)
    if inner is None:
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        mark(f"{name} start")
        result = inner(*args, **kwargs)
        mark(f"{name} end")
        return result

    setattr(owner, name, timed)


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__ or "")
        return 2
    listing = os.path.abspath(sys.argv[1])
    import readlist.importers as importers
    import readlist.importers.listing as parser
    import readlist.store.store as store

    mark("imports")
    for name in ("_read_bytes", "_read_in_two"):
        wrap(importers, name)
    for name in ("first_units", "parse_first", "parse_tail", "parse_rest"):
        wrap(parser, name)
    for name in ("import_listings", "_write_identity_index", "_extend_word_index"):
        wrap(store.Store, name)
    wrap(store._AllNew, "of")
    wrap(store, "_index_of")  # the identity index, built in a thread during the commit

    load: Callable[..., Any] = pickle.load
    first = [True]

    def timed_load(file: Any) -> Any:
        started = time.perf_counter()
        result = load(file)
        if first[0]:
            first[0] = False
            mark(f"first message (waited {time.perf_counter() - started:.3f} s)")
        return result

    pickle.load = timed_load  # the importers module calls `pickle.load`
    exit_now = os._exit

    def timed_exit(code: int) -> None:  # the split's child, and the CLI once it is done
        mark("os._exit")
        exit_now(code)

    os._exit = timed_exit  # type: ignore[assignment]
    atexit.register(mark, "exit")
    from readlist.cli import main as cli_main

    with tempfile.TemporaryDirectory(prefix="profile-import-") as tmp:
        sys.argv = ["readlist", "--db", os.path.join(tmp, "library.json"), "import", listing]
        try:
            code = cli_main()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        mark("import returned")
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
