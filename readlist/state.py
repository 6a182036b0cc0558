"""What the TUI remembers between runs: the last filter, sort, citation format, theme and
highlighted paper, one entry per library.

One small JSON file, `state.json` in the user state directory (`paths.default_state`),
not beside the library: the library folder may be synced between machines or shared,
and where a cursor was is this machine's business; writing it there would rewrite a
synced file each time the cursor moves, and wake up other processes watching the
library. Entries are keyed by the library's real path, so `--db` and `READLIST_DB`
naming the same library share one; the `MAX_LIBRARIES` most recently used are kept.

The state is a convenience, never the user's work: a damaged or foreign file is ignored
(the app says so once and starts from the config's defaults) and replaced at the next
save; a save that fails (disk full, read-only home) is reported, never raised. Writes are
atomic (temp file, fsync, rename) under a lock, so two TUIs on two libraries do not
drop each other's entries.

Which values are remembered is the app's choice (`ReadListApp.remembered`); this module
stores any JSON scalars under their names.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

VERSION = 1
MAX_LIBRARIES = 50
Value = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class StateFile:
    """The remembered state of one library (`library`) in the state file `path`."""

    path: Path
    library: str
    """The library's key: its annotations file's real, absolute path."""

    @classmethod
    def for_library(cls, path: Path, annotations: Path) -> StateFile:
        return cls(path, str(Path(os.path.realpath(annotations))))

    def load(self) -> tuple[dict[str, Value], str | None]:
        """The library's remembered values, and a one-line problem if the file is damaged."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}, None
        except OSError as error:
            return {}, f"{self.path}: cannot be read ({error.strerror or error}); not restored"
        try:
            entries = _entries(orjson.loads(data))
        except (orjson.JSONDecodeError, ValueError) as error:
            return {}, f"{self.path}: is damaged ({error}); remembered settings not restored"
        entry = entries.get(self.library, {})
        values = entry.get("values", {})
        return dict(values) if isinstance(values, dict) else {}, None

    def save(self, values: Mapping[str, Value]) -> str | None:
        """Remember `values` for the library; None, or a one-line problem (never raises)."""
        from filelock import FileLock, Timeout  # at first use: ~10 ms of every start

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(self.path.with_name(self.path.name + ".lock"), timeout=2):
                self._save(values)
        except Timeout:
            return f"{self.path}: locked by another readlist process; settings not remembered"
        except OSError as error:
            return f"{self.path}: cannot be written ({error.strerror or error})"
        return None

    def _save(self, values: Mapping[str, Value]) -> None:
        try:
            entries = _entries(orjson.loads(self.path.read_bytes()))
        except (OSError, orjson.JSONDecodeError, ValueError):
            entries = {}  # missing or damaged: what it held is lost, nothing else
        entries[self.library] = {"saved": time.time(), "values": dict(values)}
        if len(entries) > MAX_LIBRARIES:
            newest = sorted(entries, key=lambda k: _saved(entries[k]), reverse=True)
            entries = {k: entries[k] for k in newest[:MAX_LIBRARIES]}
        blob = orjson.dumps({"version": VERSION, "libraries": entries}, option=orjson.OPT_INDENT_2)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


def _entries(data: object) -> dict[str, dict[str, object]]:
    """The per-library entries of a state document; ValueError if it is not one."""
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError("not a readlist state file of version 1")
    libraries = data.get("libraries")
    if not isinstance(libraries, dict):
        raise ValueError("no table of libraries")
    entries: dict[str, dict[str, object]] = {}
    for key, entry in libraries.items():
        values = entry.get("values") if isinstance(entry, dict) else None
        if not isinstance(values, dict):
            raise ValueError(f"the entry of {key} is not a table of values")
        if not all(isinstance(v, (str, int, float, bool)) or v is None for v in values.values()):
            raise ValueError(f"the entry of {key} holds a value that is not a scalar")
        entries[key] = entry
    return entries


def _saved(entry: Mapping[str, object]) -> float:
    saved = entry.get("saved")
    return float(saved) if isinstance(saved, (int, float)) else 0.0
