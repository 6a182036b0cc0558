"""Two readlist instances writing to the same library at once: no update may be lost.

Each instance is a real process with its own `Store` (or the `readlist` command); they
coordinate only through the library's lock file, as two terminals of one user would.
Run with `-s` to see how many writes each test made and how much they interleaved.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from readlist.importers import read_listing
from readlist.store import Store

from .conftest import TODAY
from .crash_child import cli_command, rating_of_write, write_listing

CHILD = Path(__file__).with_name("crash_child.py")
UPDATES = 200


def build_library(db: Path, tmp_path: Path, n: int) -> list[str]:
    listing = tmp_path / "listing.txt"
    write_listing(listing, n, seed=1, prefix="Shared")
    store = Store.open(db)
    store.import_listings([read_listing(listing, today=TODAY).papers])
    return [paper.id for paper in store.papers(with_abstracts=False)]


def child(*args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "READLIST_DB"},
    )


def wait_for_files(paths: list[Path], procs: list[subprocess.Popen[str]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"child exited early: {proc.communicate()[1][-2000:]}")
        assert time.monotonic() < deadline, f"children not ready after {timeout} s"
        time.sleep(0.005)


def switches(tags: tuple[str, ...]) -> int:
    """How often the writer changes along the tags (added in write order): interleaving."""
    return sum(1 for a, b in itertools.pairwise(tags) if a[0] != b[0])


# -- 4. two processes, Store API --------------------------------------------------------------------


@pytest.mark.parametrize("pause", [0.0, 0.004], ids=["back-to-back", "paced"])
def test_two_processes_updating_the_same_papers_lose_nothing(tmp_path: Path, pause: float) -> None:
    """Two processes, each with its own Store, add 200 tags each to the same 3 papers
    (`a0..a199` and `b0..b199`), one write per tag, starting at the same moment.

    Back to back, one process tends to keep the lock for many writes in a row (a waiter
    retries every 50 ms); with a short random pause between writes, as an app's user
    would leave, the lock changes hands many times, and each time the new holder must
    re-read what the other wrote.
    """
    started = time.monotonic()
    db = tmp_path / "lib" / "library.json"
    ids = build_library(db, tmp_path, 100)
    targets = ids[10:13]
    Store.open(db).update(targets, lambda a: a.with_rating(3).with_note("before"))
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(targets))
    go = tmp_path / "go"
    ready = [tmp_path / "ready-a", tmp_path / "ready-b"]
    procs = [
        child("tagger", str(db), str(ids_file), label, str(UPDATES), str(pause), str(flag), str(go))
        for label, flag in zip("ab", ready, strict=True)
    ]
    try:
        wait_for_files(ready, procs, timeout=30)
        go.touch()  # both are waiting for this: they start together
        results = [proc.communicate(timeout=60) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-2000:]
        assert json.loads(out)["done"] == UPDATES

    annotations = Store.open(db).annotations()
    wanted = {f"{label}{i}" for label in "ab" for i in range(UPDATES)}
    for pid in targets:
        found = annotations[pid]
        missing = wanted - set(found.tags)
        assert not missing, f"{pid}: {len(missing)} updates lost, e.g. {sorted(missing)[:10]}"
        assert len(found.tags) == len(set(found.tags)) == 2 * UPDATES
        assert (found.rating, found.note) == (3, "before")
        # Each process's own tags stay in the order it added them.
        for label in "ab":
            mine = [t for t in found.tags if t[0] == label]
            assert mine == [f"{label}{i}" for i in range(UPDATES)]
    assert set(annotations) == set(targets)
    print(
        f"\ntwo Store processes ({'paced' if pause else 'back to back'}): {2 * UPDATES} writes to {len(targets)} papers, none lost, "
        f"writer switched {switches(annotations[targets[0]].tags)} times, "
        f"{time.monotonic() - started:.1f} s"
    )


# -- 5. the CLI and the Python API at once -------------------------------------------------------------


def test_cli_and_store_api_at_the_same_time_lose_nothing(tmp_path: Path) -> None:
    """`readlist tag`/`rate` commands run one after another in a child process while this
    process writes notes and tags to the same papers through its own Store."""
    started = time.monotonic()
    db = tmp_path / "lib" / "library.json"
    ids = build_library(db, tmp_path, 300)
    targets = ids[100:103]
    prefixes = [pid[:12] for pid in targets]
    prefixes_file = tmp_path / "prefixes.txt"
    prefixes_file.write_text("\n".join(prefixes))
    ack_log = tmp_path / "ack.log"
    commands = 24

    store = Store.open(db)
    store.annotations()
    proc = child("cli-loop", str(db), str(prefixes_file), str(ack_log), "0", str(commands))
    api_writes = 0
    try:
        # Write until the CLI loop is done, then a few more; a short pause between
        # writes, as an app's user would leave, so the command line gets the lock too.
        while proc.poll() is None or api_writes < 10:
            i = api_writes
            store.update(
                targets, lambda a, i=i: a.with_tags_added([f"p{i}"]).with_note(f"note {i}")
            )
            api_writes += 1
            time.sleep(0.01)
            assert time.monotonic() - started < 120, "the CLI loop did not finish"
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    lines = ack_log.read_text().split()
    assert proc.returncode == 0, f"{err[-2000:]} {lines[-3:]}"
    assert lines == [str(seq) for seq in range(commands)]

    expected_tags: dict[str, set[str]] = {
        pid: {f"p{i}" for i in range(api_writes)} for pid in targets
    }
    expected_rating: dict[str, int] = {}
    for seq in range(commands):
        position, args = cli_command(seq, prefixes)
        pid = targets[position]
        if args[0] == "tag":
            expected_tags[pid].add(args[2])
        else:
            expected_rating[pid] = rating_of_write(seq)
    for view in (store.annotations(), Store.open(db).annotations()):
        for pid in targets:
            found = view[pid]
            missing = expected_tags[pid] - set(found.tags)
            assert not missing, f"{pid}: updates lost: {sorted(missing)}"
            assert set(found.tags) == expected_tags[pid]
            assert found.rating == expected_rating.get(pid, 0)
            assert found.note == f"note {api_writes - 1}"
    print(
        f"\nCLI + Store API: {commands} readlist commands and {api_writes} API writes, "
        f"none lost, {time.monotonic() - started:.1f} s"
    )


# -- 6. a store with a stale view writes after another process did -------------------------------------


def test_store_with_stale_view_rereads_before_writing(tmp_path: Path) -> None:
    """Store A reads the library; process B (a long-lived Store) writes; then A writes.

    A's write must be applied to B's version (A re-read it), never to what A had in
    memory. Twenty rounds, alternating, on the same paper and on others; some of B's
    writes change only a rating digit, so the file keeps its size.
    """
    started = time.monotonic()
    db = tmp_path / "lib" / "library.json"
    ids = build_library(db, tmp_path, 50)
    p, q = ids[7], ids[8]
    store_a = Store.open(db)
    store_a.update([p, q], lambda a: a.with_rating(1))
    assert store_a.annotations()[p].rating == 1  # A has read the library

    proc = child("server", str(db), stdin=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None

    def ask_b(**command: Any) -> dict[str, Any]:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(command) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line, f"process B died: {proc.communicate(timeout=10)[1][-2000:]}"
        reply: dict[str, Any] = json.loads(line)
        return reply

    try:
        assert json.loads(proc.stdout.readline()) == {"ready": True}
        rounds = 20
        for r in range(rounds):
            if r % 2:
                seen_by_b = ask_b(op="update", ids=[p], rating=r % 5 + 1)  # same size
            else:
                seen_by_b = ask_b(op="update", ids=[p], tag=f"b{r}", note=f"from B {r}")
            b_view = seen_by_b[p]
            # A has not read anything since its own last write: its memory is stale.
            change = store_a.update([p, q], lambda a, r=r: a.with_tags_added([f"a{r}"]))
            assert change.before[p].rating == b_view["rating"], f"round {r}: A did not re-read"
            assert list(change.before[p].tags) == b_view["tags"], f"round {r}: A did not re-read"
            after = store_a.annotations()[p]
            assert after.rating == b_view["rating"]
            assert after.note == b_view["note"]
            assert list(after.tags) == [*b_view["tags"], f"a{r}"]
            # And B, whose memory is now stale, sees A's write on its next read.
            assert ask_b(op="annotations")[p]["tags"] == list(after.tags)
        proc.stdin.close()
        proc.wait(timeout=30)
    finally:
        proc.kill()

    final = Store.open(db).annotations()
    assert final == store_a.annotations()
    expected_p = [
        t for r in range(rounds) for t in ([f"b{r}", f"a{r}"] if r % 2 == 0 else [f"a{r}"])
    ]
    assert list(final[p].tags) == expected_p
    assert final[p].rating == (rounds - 1) % 5 + 1
    assert final[p].note == f"from B {rounds - 2}"
    assert list(final[q].tags) == [f"a{r}" for r in range(rounds)]
    assert final[q].rating == 1
    print(
        f"\nstale store: {rounds} rounds of B writes then A writes, none lost, "
        f"{time.monotonic() - started:.1f} s"
    )
