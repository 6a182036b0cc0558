"""How long a small durable write takes while the kernel writes back other data (issue 13).

Not a TUI run. It writes `--unsynced-mb` of data to a temporary folder without syncing
it (as a copy of a library, a download or a build leaves it: `bench_tui.py` used to copy
its 100k library so, ~1.2 GB), then, every `SPACING` seconds for `--seconds`, makes one
small change durable in three ways, one after the other:

- **replace**: `storage.atomic_write` of 1 KB, as readlist writes the annotations file
  (a new temporary file, fsync, rename, fsync of the folder);
- **append**: 100 bytes appended to a file and fdatasync'ed, as the undo history's
  journal is (store/history.py);
- **in place**: 100 bytes written over a preallocated, synced file and fdatasync'ed (no
  size or block change, so no metadata to commit).

The kernel starts writing the unsynced data back once it is `vm.dirty_expire_centisecs`
old (30 s by default): an fsync then waits behind it. Printed: each round where one of
the three took longer than `SLOW_MS`, with its time since the unsynced write, then per
way the median, 95th percentile and worst. Other processes writing to the same disk
delay the syncs too: the figures are of the machine as it was, so say what else ran.

    python benchmarks/bench_syncs.py [--unsynced-mb 1200] [--seconds 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from readlist.store.storage import atomic_write

SPACING = 0.150  # seconds between rounds (bench_tui's keys are as far apart)
SLOW_MS = 20.0  # a round with a way slower than this is printed
CHUNK = 1 << 20


def dirty_expire_s() -> float | None:
    try:
        return int(Path("/proc/sys/vm/dirty_expire_centisecs").read_text()) / 100
    except (OSError, ValueError):
        return None


def write_unsynced(folder: Path, mb: int) -> None:
    """`mb` MB of (incompressible) data, left in the page cache for write-back."""
    block = os.urandom(CHUNK)
    with open(folder / "unsynced.bin", "wb") as out:
        for _ in range(mb):
            out.write(block)


def ways(folder: Path) -> dict[str, Callable[[int], None]]:
    """The three ways to make a small change durable (see the module docstring)."""
    appended = os.open(folder / "journal", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    in_place = os.open(folder / "preallocated", os.O_RDWR | os.O_CREAT, 0o644)
    os.write(in_place, b"\0" * CHUNK)
    os.fsync(appended)
    os.fsync(in_place)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    sync = getattr(os, "fdatasync", os.fsync)

    def replace(i: int) -> None:
        atomic_write(folder / "replaced.json", b"x" * 1024)

    def append(i: int) -> None:
        os.write(appended, b"y" * 100)
        sync(appended)

    def overwrite(i: int) -> None:
        os.pwrite(in_place, b"z" * 100, (i * 100) % (CHUNK - 100))
        sync(in_place)

    return {"replace": replace, "append": append, "in place": overwrite}


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unsynced-mb", type=int, default=1200, help="data left to write back")
    parser.add_argument("--seconds", type=float, default=50.0, help="how long to measure")
    parser.add_argument("--dir", type=Path, default=Path("/tmp"), help="where (its disk)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="readlist-syncs-", dir=args.dir))
    try:
        start = time.monotonic()
        write_unsynced(folder, args.unsynced_mb)
        written = time.monotonic()
        expire = dirty_expire_s()
        print(
            f"{args.unsynced_mb} MB written unsynced in {written - start:.1f} s to {folder}; "
            f"vm.dirty_expire_centisecs = {expire if expire is not None else '?'} s"
        )
        timed = ways(folder)
        figures: dict[str, list[float]] = {name: [] for name in timed}
        i = 0
        while time.monotonic() - written < args.seconds:
            round_start = time.monotonic()
            took = {}
            for name, way in timed.items():
                began = time.monotonic()
                way(i)
                took[name] = (time.monotonic() - began) * 1000
                figures[name].append(took[name])
            if max(took.values()) > SLOW_MS:
                each = "  ".join(f"{name} {ms:7.1f}" for name, ms in took.items())
                print(f"  t+{round_start - written:5.1f} s  {each} ms")
            i += 1
            time.sleep(max(0.0, round_start + SPACING - time.monotonic()))
        print(f"{i} rounds, one every {SPACING * 1000:.0f} ms:")
        for name, values in figures.items():
            print(
                f"  {name:<9} median {statistics.median(values):6.1f} ms, 95th "
                f"{percentile(values, 0.95):6.1f}, worst {max(values):7.1f}"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
