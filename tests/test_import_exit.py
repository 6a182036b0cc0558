"""`readlist import` ends at once once its work is done (cli.py, `_end_at_once`): what it
printed still reaches a pipe or a file whole, its exit code is the command's, and the
library holds everything the import wrote, undo entry included."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from readlist.store import Store
from tests.conftest import readlist_command


def _listing(n: int) -> str:
    cards = [
        f"Exit Path Paper Number {i}: Sparse Routing at Scale\n"
        f"We study routing number {i} in sparse models and find that it helps a lot. "
        f"A second sentence gives the result on {i + 3} benchmarks.\n"
        f"• {i + 2} authors\n·\nNov {1 + i % 28} {i}"
        for i in range(n)
    ]
    return "Daily Papers\n\n" + "\n\n".join(cards) + "\n"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "READLIST_DB"}


def test_output_to_a_file_is_whole_the_code_is_the_commands_and_the_library_is_written(
    tmp_path: Path,
) -> None:
    db = tmp_path / "lib" / "library.json"
    good = tmp_path / "good.txt"
    good.write_text(_listing(300))
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as stdout, err.open("w") as stderr:  # block-buffered: flushed at exit
        code = subprocess.call(
            [*readlist_command(), "--db", str(db), "import", str(good), str(tmp_path / "none.txt")],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=_env(),
            timeout=120,
        )
    assert code == 2  # one file could not be read
    assert out.read_text() == f"{good}: 300 papers (hf): 300 added, 0 updated\n"
    assert err.read_text() == f"readlist: {tmp_path / 'none.txt'}: no such file\n"
    store = Store.open(db)
    assert len(store.papers(with_abstracts=False)) == 300
    [entry] = store.undo_history().entries
    assert len(entry.removed) == 300


def test_a_successful_import_into_a_pipe_exits_0_with_its_report(tmp_path: Path) -> None:
    db = tmp_path / "lib" / "library.json"
    good = tmp_path / "good.txt"
    good.write_text(_listing(3))
    done = subprocess.run(
        [*readlist_command(), "--db", str(db), "import", str(good)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=_env(),
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"{good}: 3 papers (hf): 3 added, 0 updated\n"
    undone = subprocess.run(
        [*readlist_command(), "--db", str(db), "undo"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert undone.returncode == 0, undone.stderr
    assert Store.open(db).papers(with_abstracts=False) == []
