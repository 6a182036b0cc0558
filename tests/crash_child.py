"""Child processes for the crash-safety and concurrency tests (run as a script).

    python tests/crash_child.py MODE ARGS...

Each mode is a small program the tests start with `sys.executable`, kill with SIGKILL,
or run two at a time against the same library. A child records every write that has
been *acknowledged* (the store call, or the `readlist` command, returned successfully)
by appending a line to an "ack log" with one `write` and an fsync, after the write
returned; the parent compares those lines with what is on disk after a kill.

The helpers at the top (listing generator, write plan) are imported by the tests too,
so parent and child agree on which papers each numbered write touches.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from readlist.models import Annotation

_WORDS = (
    *("model", "data", "learning", "neural", "language", "training", "transformer"),
    *("attention", "graph", "vision", "reinforcement", "policy", "agent", "benchmark"),
    *("retrieval", "diffusion", "sparse", "efficient", "robust", "scaling", "memory"),
    *("contrastive", "multilingual", "reasoning", "compression", "alignment", "evaluation"),
)


def write_listing(path: Path, n: int, *, seed: int = 0, prefix: str = "Paper") -> None:
    """A listing of `n` papers (title, blank, abstract, blank); titles are unique."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            words = " ".join(rng.choice(_WORDS) for _ in range(4))
            title = f"{prefix} {seed} number {i}: {words}"
            abstract = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(60, 140)))
            out.write(f"{title}\n\n{abstract.capitalize()}.\n\n")


def papers_of_write(seq: int, n: int) -> list[int]:
    """Positions (in the ids file) of the papers API write number `seq` edits: 1-3 of them."""
    return [(seq * 7919 + j * 104729) % n for j in range(1 + seq % 3)]


def rating_of_write(seq: int) -> int:
    return seq % 5 + 1


def cli_command(seq: int, prefixes: list[str]) -> tuple[int, list[str]]:
    """CLI write number `seq`: (paper position, `readlist` arguments after `--db PATH`).

    Even numbers add the tag `k<seq>`, odd numbers set a rating, each to one paper.
    """
    position = (seq * 7919) % len(prefixes)
    query = f"id:{prefixes[position]}"
    if seq % 2 == 0:
        return position, ["tag", query, f"k{seq}"]
    return position, ["rate", query, str(rating_of_write(seq))]


def readlist_command() -> list[str]:
    script = Path(sys.executable).with_name("readlist")
    return [str(script)] if script.exists() else ["readlist"]


def _ack(fd: int, line: str) -> None:
    os.write(fd, f"{line}\n".encode())
    os.fsync(fd)


def _open_log(path: str) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)


def _wait_for(path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.002)


# -- modes ----------------------------------------------------------------------------------


def api_writer(db: str, ids_file: str, ack_log: str, start: str) -> None:
    """Write forever: write `seq` sets note=str(seq) and a rating on 1-3 papers."""
    from readlist.store import Store

    ids = Path(ids_file).read_text().split()
    store = Store.open(Path(db))
    log = _open_log(ack_log)
    seq = int(start)
    while True:
        targets = [ids[i] for i in papers_of_write(seq, len(ids))]
        rating = rating_of_write(seq)
        store.update(targets, lambda a, s=seq, r=rating: a.with_note(str(s)).with_rating(r))
        _ack(log, str(seq))
        seq += 1


def cli_loop(db: str, prefixes_file: str, ack_log: str, start: str, count: str) -> None:
    """Run `count` readlist commands one after another (see `cli_command`); -1 = forever."""
    prefixes = Path(prefixes_file).read_text().split()
    log = _open_log(ack_log)
    env = {k: v for k, v in os.environ.items() if k != "READLIST_DB"}
    seq, left = int(start), int(count)
    while left != 0:
        _position, args = cli_command(seq, prefixes)
        done = subprocess.run(
            [*readlist_command(), "--db", db, *args], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            _ack(log, f"FAILED {seq} {done.returncode} {done.stderr.strip()!r}")
            raise SystemExit(1)
        _ack(log, str(seq))
        seq += 1
        left -= 1


def tagger(db: str, ids_file: str, label: str, count: str, pause: str, ready: str, go: str) -> None:
    """Once `go` exists, add tag `<label><i>` to the papers, for i in range(count), one
    store write each, with a random pause of up to `pause` seconds between writes."""
    from readlist.store import Store

    ids = Path(ids_file).read_text().split()
    rng = random.Random(label)
    store = Store.open(Path(db))
    store.annotations()  # a store that has read the library, as an app would have
    Path(ready).touch()
    _wait_for(Path(go))
    for i in range(int(count)):
        store.update(ids, lambda a, t=f"{label}{i}": a.with_tags_added([t]))
        if float(pause):
            time.sleep(rng.uniform(0, float(pause)))
    print(json.dumps({"label": label, "done": int(count)}))


def server(db: str) -> None:
    """A long-lived store answering JSON commands on stdin, one per line.

    {"op": "update", "ids": [...], "tag": T, "rating": R, "note": N} applies what is given
    to those papers, {"op": "annotations"} only reads; each is answered by one JSON line
    holding all annotations as this store then sees them.
    """
    from readlist.store import Store

    store = Store.open(Path(db))
    store.annotations()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "update":

            def edit(a: Annotation, cmd: dict[str, Any] = cmd) -> Annotation:
                if "tag" in cmd:
                    a = a.with_tags_added([cmd["tag"]])
                if "rating" in cmd:
                    a = a.with_rating(cmd["rating"])
                if "note" in cmd:
                    a = a.with_note(cmd["note"])
                return a

            store.update(cmd["ids"], edit)
        result = {
            pid: {"tags": list(a.tags), "rating": a.rating, "note": a.note}
            for pid, a in store.annotations().items()
        }
        print(json.dumps(result), flush=True)


def open_killed_in_backup(db: str) -> None:
    """Open the library, SIGKILLing this process the moment a `.bak` copy is about to be
    renamed into place: its temporary file is written and fsynced, the rename not done.
    Exits 3 if no backup was attempted (the test's setup is then wrong)."""
    real_replace = os.replace

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if str(dst).endswith(".bak"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst, *args, **kwargs)

    os.replace = replace
    from readlist.store import Store

    store = Store.open(Path(db))
    store.papers()
    raise SystemExit(3)


def killed_at_step(db: str, what: str, argument: str, step: str, torn: str = "") -> None:
    """Change the catalogue (`import` a listing, `remove` papers by id, `undo` the last
    change) or rate papers with an undo entry (`rate`: ids), or fold the word index's
    tail as the TUI does after a start (`fold-words`), SIGKILLing this process right
    before its file-system call number `step` (a write, fsync, fdatasync, rename,
    unlink or copy_file_range, counted from the start of the change); with `torn`, a
    write killed at writes half its bytes first (a line cut short). Exits 0 if the
    change finished with fewer calls: then every step has been tried."""
    from readlist.importers import read_listing
    from readlist.store import Store

    store = Store.open(Path(db))
    calls = 0
    if what == "import-fold":  # the recent abstracts pass the fold limit at once
        import readlist.store.store as store_module

        store_module.FOLD_MAX = 0
        what = "import"
    elif what in ("import-words-fold", "fold-words"):  # the word index's tail folds
        from readlist.store import wordfile

        wordfile.IMPORT_FOLD_PAPERS = 40  # a 30-paper page over a 30-paper tail
        if what == "fold-words":
            wordfile.FOLD_PAPERS = 20  # the TUI's fold of a 30 + 10-paper tail: keeps 10
        what = "import" if what == "import-words-fold" else what

    def counted(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == int(step):
                if torn and real is real_write:
                    real(args[0], bytes(args[1])[: max(1, len(args[1]) // 2)])
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)

        return call

    real_write = os.write
    for name in ("write", "fsync", "fdatasync", "replace", "rename", "unlink", "copy_file_range"):
        if hasattr(os, name):
            setattr(os, name, counted(getattr(os, name)))
    if what == "rate":
        store.update(argument.split(","), lambda a: a.with_rating(5), label="rated 5/5")
    elif what == "import":
        store.import_listings([read_listing(Path(argument)).papers])
    elif what == "undo":
        store.undo()
    elif what == "fold-words":  # what the TUI does after a start read index and tail
        store.papers()
        store.fold_word_index(store.catalogue_versions())
    else:
        store.set_removed(Path(argument).read_text().split(), True)
    raise SystemExit(0)


MODES: dict[str, Callable[..., None]] = {
    "killed-at-step": killed_at_step,
    "api-writer": api_writer,
    "cli-loop": cli_loop,
    "tagger": tagger,
    "server": server,
    "open-killed-in-backup": open_killed_in_backup,
}

if __name__ == "__main__":
    MODES[sys.argv[1]](*sys.argv[2:])
